"""``frozen_dataclass``: the ``...Data`` value classes, cheap to create at import.

``@dataclasses.dataclass(frozen=True, slots=True)`` compiles six methods from source
text for each class, every time the module is imported: about three quarters of the
cost of importing a generated module. ``frozen_dataclass`` makes the same class (a real
dataclass: ``fields``, ``replace``, ``asdict``, ``__match_args__``, slots) and gives it
the same methods, written once here instead of compiled per class.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform

__all__ = ["frozen_dataclass"]

T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def frozen_dataclass(cls: type[T]) -> type[T]:
    """What ``@dataclasses.dataclass(frozen=True, slots=True)`` makes of ``cls``, for
    classes whose fields all have immutable defaults (as every ``...Data`` has)."""
    # dataclasses lays out the fields and the slots; it compiles nothing for this
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    names: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(made))
    defaults = tuple(f.default for f in dataclasses.fields(made))
    count = len(names)
    if count == 1:
        only = operator.attrgetter(names[0])

        def values(obj: Any) -> tuple[Any, ...]:
            return (only(obj),)

    else:
        values = operator.attrgetter(*names)  # type: ignore[assignment]
    put = object.__setattr__

    pairs = tuple(zip(names, defaults, strict=True))
    known = frozenset(names)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        rest = pairs
        if args:
            if len(args) > count:
                raise TypeError(
                    f"{made.__qualname__}() takes {count} positional arguments but "
                    f"{len(args)} were given"
                )
            for name, value in zip(names, args, strict=False):
                if name in kwargs:
                    raise TypeError(
                        f"{made.__qualname__}() got multiple values for argument "
                        f"{name!r}"
                    )
                put(self, name, value)
            rest = pairs[len(args) :]
        if kwargs:
            for name in kwargs.keys() - known:
                raise TypeError(
                    f"{made.__qualname__}() got an unexpected keyword argument {name!r}"
                )
            get = kwargs.get
            for name, default in rest:
                put(self, name, get(name, default))
        else:
            for name, default in rest:
                put(self, name, default)

    def __repr__(self: Any) -> str:
        shown = ", ".join(
            f"{name}={value!r}" for name, value in zip(names, values(self), strict=True)
        )
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is self.__class__:
            return bool(values(self) == values(other))
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(values(self))

    def __setattr__(self: Any, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self: Any, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __getstate__(self: Any) -> list[Any]:
        return list(values(self))

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            put(self, name, value)

    methods: list[Callable[..., Any]] = [
        __init__,
        __repr__,
        __eq__,
        __hash__,
        __setattr__,
        __delattr__,
        __getstate__,
        __setstate__,
    ]
    for method in methods:
        method.__qualname__ = f"{made.__qualname__}.{method.__name__}"
        setattr(made, method.__name__, method)
    made.__dataclass_params__ = _FROZEN_PARAMS  # for code that asks
    return made  # type: ignore[no-any-return]


@dataclasses.dataclass(frozen=True, slots=True)
class _Frozen:
    """Made the ordinary way, once: what such a dataclass records of its options."""


_FROZEN_PARAMS: Any = _Frozen.__dataclass_params__  # type: ignore[attr-defined]
