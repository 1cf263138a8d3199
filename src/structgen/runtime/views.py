"""What mypy sees of update() views, and the live arrays they hold.

A view is the record's ctypes Structure at run time; ``View`` and ``Field`` describe it
to mypy. ``ArrayView`` is a fixed-length array inside ``update()``: live, checked.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

if TYPE_CHECKING:
    from .values import Codec

__all__ = ["ArrayView", "Field", "View"]

In = TypeVar("In")  # what a write accepts
L = TypeVar("L")  # what a read gives inside update(): a live view where it can be


def _equal(value: Any, other: Any) -> bool:
    """Whether ``value`` (as a read gives it: arrays as tuples) equals ``other``, which
    may be any sequence (a list, a live array) or a live record view."""
    if isinstance(value, tuple):
        if isinstance(other, ArrayView):
            other = other._values()
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return False
        return len(value) == len(other) and all(map(_equal, value, other))
    to_data = getattr(type(other), "_to_data", None)  # a live view of a record
    if to_data is not None and isinstance(other, ctypes.Structure):
        other = to_data(other)
    return bool(value == other)


class ArrayView(Sequence[L], Generic[L, In]):
    """A fixed-length array inside ``update()``: reads are live, writes are checked.

    It is a ``Sequence``, so it can be written to another field of its shape
    (``v.samples[3] = v.samples[2]``) and compares equal to the values it holds
    (``v.samples[3] == (0.5, 1.5)``).
    """

    __slots__ = ("_item", "_raw")

    def __init__(self, raw: Any, item: Codec[Any, In, L]) -> None:
        self._raw = raw
        self._item = item

    def __len__(self) -> int:
        return len(self._raw)

    def _index(self, index: int) -> int:
        if not isinstance(index, int):
            raise TypeError(f"{self._item.label}: indices must be int, not {index!r}")
        size = len(self._raw)
        if not -size <= index < size:
            raise IndexError(f"{self._item.label}: index {index} out of range({size})")
        return index % size

    @overload
    def __getitem__(self, index: int) -> L: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[L, ...]: ...
    def __getitem__(self, index: int | slice) -> L | tuple[L, ...]:
        if isinstance(index, slice):
            live, raw = self._item.live, self._raw
            return tuple([live(raw[i]) for i in range(*index.indices(len(raw)))])
        return self._item.live(self._raw[self._index(index)])

    def __setitem__(self, index: int, value: In) -> None:
        position = self._index(index)
        self._raw[position] = self._item.check(value)

    def __iter__(self) -> Iterator[L]:
        live = self._item.live
        return (live(raw) for raw in self._raw)

    def _values(self) -> tuple[Any, ...]:
        read = self._item.read
        return tuple([read(raw) for raw in self._raw])

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str | bytes):
            return _equal(self._values(), other)
        return NotImplemented

    # Sequence's own versions compare live items, which never equal a ...Data value.
    def __contains__(self, value: object) -> bool:
        return any(_equal(item, value) for item in self._values())

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        values = self._values()
        for position in range(*slice(start, stop).indices(len(values))):
            if _equal(values[position], value):
                return position
        raise ValueError(f"{self._item.label}: {value!r:.60} is not in the array")

    def count(self, value: Any) -> int:
        return sum(_equal(item, value) for item in self._values())

    __hash__ = None  # type: ignore[assignment]  # live, so mutable

    def __repr__(self) -> str:
        return f"ArrayView({self._values()!r})"


class View:
    """What mypy sees as the base of a generated ``_...View`` class.

    At run time a view is a subclass of its record's ctypes Structure, which typeshed
    lets take any attribute; for mypy it is this class plus the record's own fields,
    so an unknown field is an error.
    """

    if TYPE_CHECKING:

        @classmethod
        def from_buffer(cls, source: Any, offset: int = 0) -> Self: ...
        @classmethod
        def from_buffer_copy(cls, source: Any, offset: int = 0) -> Self: ...


# -- typed descriptors of update() views ---------------------------------------------

G = TypeVar("G")
S = TypeVar("S")


class Field(Generic[G, S]):
    """What mypy sees for a checked field of a view: reads give G, writes take S.

    At run time the field is a ``property`` whose getter is ctypes' own (C) accessor.
    """

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Field[G, S]: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> G: ...
    def __get__(self, obj: object, owner: type | None = None) -> Any:
        raise NotImplementedError

    def __set__(self, obj: object, value: S) -> None:
        raise NotImplementedError
