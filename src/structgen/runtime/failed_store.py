"""Which field a refused raw float64 write of an ``update()`` view was meant for.

Float64 fields of a view are ctypes' own, so their writes cost nothing extra; ctypes
refuses a str (TypeError) or a huge int (OverflowError) before writing, but without
naming the field. When such an error leaves the ``with`` block, ``update()`` names it
``Record.field`` here, and only when it is sure the write was to one of its own views:

- the error was raised by a ``STORE_ATTR`` instruction (no Python frame below it);
- the object stored to is found again, exactly: the instructions that computed it just
  before the store (a name, then attributes, constant or local int indices; no jump
  into them) are evaluated again, step by step, and every step must be an object of
  this update (a view, a live array, the array's items) lying in its shared memory, so
  that each step only reads, as it did the first time;
- the field is a raw float64 field of that view.

Anything else (an unrelated ctypes Structure, an error the block raised itself, code
this cannot follow) keeps its own message: an error is never labelled by a guess.
"""

from __future__ import annotations

import ctypes
import dis
from types import FrameType, TracebackType
from typing import Any

from .views import ArrayView

__all__ = ["name_failed_store"]

# What ctypes says when it refuses a value for a c_double field.
_CTYPES_DOUBLE_ERRORS = (
    "must be real number, not ",
    "int too large to convert to float",
)
_MISSING = object()
# How far back from the store the target's instructions are looked for.
_LOOK_BACK = 24


def name_failed_store(
    error: BaseException, tb: TracebackType | None, start: int, size: int, root: Any
) -> None:
    """Prefix ``Record.field`` to ``error`` if ctypes raised it for a raw float64 field
    of a view into the memory ``[start, start + size)`` that this update holds.

    ``root`` is what the block got (a view, or the items of an array): it may be
    where the chain of the target starts, even though it is no ctypes object.
    """
    if tb is None or not error.args:
        return
    message = error.args[0]
    if not isinstance(message, str) or not message.startswith(_CTYPES_DOUBLE_ERRORS):
        return  # not ctypes refusing a double: someone else's error
    while tb.tb_next is not None:
        tb = tb.tb_next
    try:
        found = _store_target(tb.tb_frame, tb.tb_lasti, start, size, root)
    except Exception:  # noqa: BLE001  # anything unforeseen: leave the error as it is
        return
    if found is not None:
        record, field = found
        error.args = (f"{record}.{field}: {message}", *error.args[1:])


def _store_target(
    frame: FrameType, lasti: int, start: int, size: int, root: Any
) -> tuple[str, str] | None:
    """(record, field) of the failed STORE_ATTR at ``lasti``, if it was one of ours."""
    instructions = list(dis.get_instructions(frame.f_code))
    index = next((i for i, ins in enumerate(instructions) if ins.offset == lasti), None)
    if index is None or instructions[index].opname != "STORE_ATTR":
        return None
    field = instructions[index].argval
    if not isinstance(field, str):
        return None
    for first in range(index - 1, max(index - _LOOK_BACK, 0) - 1, -1):
        if any(ins.is_jump_target for ins in instructions[first + 1 : index + 1]):
            return None  # the stored-to object may come from another path
        target = _evaluate(instructions[first:index], frame, start, size, root)
        if target is not _MISSING:
            return _raw_float64(target, field, start, size)
    return None


def _name_value(name: str, frame: FrameType) -> Any:
    for scope in (frame.f_locals, frame.f_globals, frame.f_builtins):
        if name in scope:
            return scope[name]
    return _MISSING


def _evaluate(
    instructions: list[dis.Instruction],
    frame: FrameType,
    start: int,
    size: int,
    root: Any,
) -> Any:
    """The one object ``instructions`` leave on the stack, evaluated again; _MISSING
    unless they start with a name and each step is a read of one of our objects."""
    if not instructions:
        return _MISSING
    stack: list[Any] = []
    for position, ins in enumerate(instructions):
        name = ins.opname
        if name in ("NOP", "EXTENDED_ARG", "CACHE"):
            continue
        if name in ("LOAD_FAST_LOAD_FAST", "LOAD_FAST_BORROW_LOAD_FAST_BORROW"):
            names = ins.argval if isinstance(ins.argval, tuple) else ()
            values = [_name_value(str(n), frame) for n in names]
            if len(values) != 2 or _MISSING in values or position != 0:
                return _MISSING
            stack.extend(values)
        elif name in (
            "LOAD_FAST",
            "LOAD_FAST_CHECK",
            "LOAD_FAST_BORROW",
            "LOAD_DEREF",
            "LOAD_NAME",
            "LOAD_GLOBAL",
        ):
            if position == 0 and name == "LOAD_GLOBAL" and "NULL" in ins.argrepr:
                return _MISSING  # a function about to be called
            value = _name_value(str(ins.argval), frame)
            if value is _MISSING:
                return _MISSING
            stack.append(value)
        elif position == 0:
            return _MISSING  # the target starts with a name
        elif name in ("LOAD_CONST", "LOAD_SMALL_INT"):
            stack.append(ins.argval)
        elif name == "LOAD_ATTR":
            if not stack or "NULL" in ins.argrepr:
                return _MISSING
            owner = stack.pop()
            if not _ours(owner, start, size, root) or not _is_field(owner, ins.argval):
                return _MISSING
            stack.append(getattr(owner, ins.argval))
        elif name == "BINARY_SUBSCR" or (name == "BINARY_OP" and ins.argrepr == "[]"):
            if len(stack) < 2:
                return _MISSING
            key = stack.pop()
            container = stack.pop()
            if type(key) is not int or not _ours(container, start, size, root):
                return _MISSING
            if isinstance(container, ctypes.Structure | ctypes.Array):
                return _MISSING  # only our live arrays and items are indexed
            stack.append(container[key])
        else:
            return _MISSING
    if len(stack) != 1 or not _ours(stack[0], start, size, root):
        return _MISSING
    return stack[0]


def _inside(obj: Any, start: int, size: int) -> bool:
    address = ctypes.addressof(obj)
    return start <= address and address + ctypes.sizeof(obj) <= start + size


def _ours(obj: Any, start: int, size: int, root: Any) -> bool:
    """Whether ``obj`` is a view, live array or the items of this update."""
    if obj is root:
        return True
    if isinstance(obj, ArrayView):
        return isinstance(obj._raw, ctypes.Array) and _inside(obj._raw, start, size)
    if isinstance(obj, ctypes.Structure):
        return _is_view(type(obj)) and _inside(obj, start, size)
    return False


def _is_view(cls: type[Any]) -> bool:
    """A generated view class: the record's Structure with ``_to_data`` added."""
    return callable(getattr(cls, "_to_data", None)) and callable(
        getattr(cls, "_store", None)
    )


def _structure(cls: type[Any]) -> type[Any] | None:
    for klass in cls.__mro__:
        if "_fields_" in vars(klass):
            return klass
    return None


def _is_field(owner: Any, name: object) -> bool:
    """Whether ``name`` is a field of the view ``owner`` (reading it only reads)."""
    if not isinstance(owner, ctypes.Structure):
        return False
    struct = _structure(type(owner))
    return struct is not None and any(name == f[0] for f in struct._fields_)


def _raw_float64(
    target: Any, field: str, start: int, size: int
) -> tuple[str, str] | None:
    if not isinstance(target, ctypes.Structure) or not _inside(target, start, size):
        return None
    struct = _structure(type(target))
    if struct is None or not _is_view(type(target)):
        return None
    for name, ctype in struct._fields_:
        if name == field and ctype is ctypes.c_double:
            descriptor = _class_attribute(type(target), field)
            if type(descriptor).__name__ == "CField":  # ctypes' own, unchecked
                return struct.__name__, field
    return None


def _class_attribute(cls: type[Any], name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name]
    return None
