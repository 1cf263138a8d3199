"""All-or-nothing ``update()``: lock once, roll back on any error.

The bytes saved on entry are the rollback; an error ctypes raised for a raw float64
field of a view is given the name of its field on the way out.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .locks import _acquire_contended
from .views import View

if TYPE_CHECKING:
    from .records import SharedRecord, SharedRecordArray

__all__ = ["RecordItems", "Update"]

ViewT = TypeVar("ViewT", bound=View)
DataT = TypeVar("DataT")


# -- all-or-nothing update() ---------------------------------------------------------


def _float64_owners(struct: Any, field: str) -> list[str]:
    """Records, ``struct`` or nested in it, that have a float64 field ``field``."""
    owners: list[str] = []
    seen: set[Any] = set()
    pending = [struct]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        for name, ctype in current._fields_:
            while issubclass(ctype, ctypes.Array):
                ctype = ctype._type_
            if issubclass(ctype, ctypes.Structure):
                pending.append(ctype)
            elif name == field and ctype is ctypes.c_double:
                owners.append(current.__name__)
    return sorted(owners)


# What ctypes says when it refuses a value for a c_double field.
_CTYPES_DOUBLE_ERRORS = (
    "must be real number, not ",
    "int too large to convert to float",
)


def _name_ctypes_error(
    error: BaseException, tb: TracebackType | None, struct: Any
) -> None:
    """Prefix ``Record.field`` to an error ctypes raised for a raw float64 field.

    Float64 fields of a view are ctypes' own, so their writes cost nothing extra;
    ctypes refuses a str (TypeError) or a huge int (OverflowError) before writing, but
    without naming the field. When that error leaves the ``with`` block, the failed
    instruction (a STORE_ATTR in the user's block) names it. An error the block
    catches itself keeps ctypes' message; memory is unchanged either way.
    """
    if tb is None or tb.tb_next is not None or not error.args:
        return
    message = str(error.args[0])
    if not message.startswith(_CTYPES_DOUBLE_ERRORS):
        return  # not ctypes refusing a double: someone else's error
    import dis

    for instruction in dis.get_instructions(tb.tb_frame.f_code):
        if instruction.offset == tb.tb_lasti:
            if instruction.opname == "STORE_ATTR":
                field = str(instruction.argval)
                owners = _float64_owners(struct, field)
                if owners:  # else a store to some other object's field
                    where = " or ".join(f"{owner}.{field}" for owner in owners)
                    error.args = (f"{where}: {message}", *error.args[1:])
            return


class Update(Generic[ViewT]):
    """The context manager ``update()`` returns: lock once, roll back on any error.

    Each record keeps one of these ready, so the common ``with p.update() as v:``
    allocates nothing; the bytes saved on entry are the rollback.
    """

    __slots__ = (
        "_acquire",
        "_memory",
        "_owner",
        "_release",
        "_saved",
        "_struct",
        "_view",
    )

    def __init__(self, shared: SharedRecord[Any, ViewT, Any]) -> None:
        self._acquire = shared._acquire
        self._release = shared._release
        self._memory = shared._memory
        self._view: ViewT = shared._view.from_buffer(shared._obj)
        self._saved: bytes | None = None
        self._struct = type(shared)._struct
        self._owner = self._struct.__name__

    def __enter__(self) -> ViewT:
        if not self._acquire(False):
            _acquire_contended(self._acquire)
        # _entered(), written out here: this is the hot path
        try:
            if self._saved is not None:  # only its holder can be here: entered twice
                raise self._reentry_error()
            self._saved = self._memory.tobytes()
        except BaseException:  # not entered, so no __exit__: let go of the lock here
            self._release()
            raise
        return self._view

    def _entered(self) -> ViewT:
        """Save the rollback copy once the lock is held; release it if that fails."""
        try:
            if self._saved is not None:
                raise self._reentry_error()
            self._saved = self._memory.tobytes()
        except BaseException:
            self._release()
            raise
        return self._view

    def _reentry_error(self) -> RuntimeError:
        return RuntimeError(
            f"{self._owner}: this update() block is already open; call update() "
            "again for a nested block"
        )

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self._memory[:] = cast(bytes, self._saved)
                if exc_type in (TypeError, OverflowError) and exc is not None:
                    _name_ctypes_error(exc, tb, self._struct)
        finally:
            self._saved = None
            self._release()


class _TimedUpdate(Update[ViewT]):
    __slots__ = ("_timeout",)

    def __init__(self, shared: SharedRecord[Any, ViewT, Any], timeout: float) -> None:
        super().__init__(shared)
        self._timeout = timeout

    def __enter__(self) -> ViewT:
        acquire = self._acquire
        if not acquire(False) and not _acquire_contended(acquire, self._timeout):
            raise TimeoutError(
                f"{self._owner}: lock not acquired within {self._timeout} s "
                "(is another process stuck holding it?)"
            )
        return self._entered()


class RecordItems(Generic[ViewT, DataT]):
    """The elements of a shared array inside ``update()``: live, checked views.

    Each element's bytes are saved on its first use in the block, for rollback.
    """

    __slots__ = ("_array", "_saved")

    def __init__(self, array: SharedRecordArray[Any, ViewT, DataT]) -> None:
        self._array = array
        self._saved: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self._array._obj)

    def _touch(self, index: int) -> int:
        position = self._array._index(index)
        if position not in self._saved:
            size = self._array._item_size
            start = position * size
            self._saved[position] = self._array._memory[start : start + size].tobytes()
        return position

    def __getitem__(self, index: int) -> ViewT:
        position = self._touch(index)
        array = self._array
        return array._view.from_buffer(array._obj, position * array._item_size)  # type: ignore[no-any-return]

    def __setitem__(self, index: int, data: DataT) -> None:
        scratch = self._array._codec.check(data)
        self._array._obj[self._touch(index)] = scratch

    def __iter__(self) -> Iterator[ViewT]:
        return (self[index] for index in range(len(self)))

    def _restore(self) -> None:
        size = self._array._item_size
        for position, saved in self._saved.items():
            start = position * size
            self._array._memory[start : start + size] = saved


class _ArrayUpdate(Generic[ViewT, DataT]):
    __slots__ = ("_array", "_items", "_timeout")

    def __init__(
        self, array: SharedRecordArray[Any, ViewT, DataT], timeout: float | None
    ) -> None:
        self._array = array
        self._timeout = timeout

    def __enter__(self) -> RecordItems[ViewT, DataT]:
        if hasattr(self, "_items"):
            raise RuntimeError(
                f"{type(self._array).__name__}: this update() block was already "
                "entered; call update() again for another block"
            )
        array = self._array
        acquire = array._acquire
        if not acquire(False) and not _acquire_contended(acquire, self._timeout):
            raise TimeoutError(
                f"{type(array).__name__}: lock not acquired within {self._timeout} s"
            )
        try:
            self._items = RecordItems(array)
        except BaseException:  # not entered, so no __exit__: let go of the lock here
            array._release()
            raise
        return self._items

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None:
                self._items._restore()
                if exc_type in (TypeError, OverflowError) and exc is not None:
                    _name_ctypes_error(exc, tb, self._array._struct)
        finally:
            self._array._release()
