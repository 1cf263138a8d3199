"""The base of the generated ``Shared...Array`` classes: fixed-length shared arrays."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import multiprocessing.context
import multiprocessing.heap
import multiprocessing.sharedctypes
import multiprocessing.synchronize
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, Generic, Self, TypeVar

from .bulk import NumpyMethods
from .header import KIND_ARRAY
from .locks import (
    Context,
    LockArg,
    _resolve_lock,
    _seconds,
)
from .named import (
    _robust,
    attach_segment,
    create_segment,
)
from .records import _SharedBase
from .update import _ArrayUpdate
from .views import View

__all__ = ["SharedRecordArray"]

StructT = TypeVar("StructT", bound=ctypes.Structure)
ViewT = TypeVar("ViewT", bound=View)
DataT = TypeVar("DataT")


_GC_PAUSE_FROM = 1_000  # elements: from there a snapshot pauses the cyclic GC


def _physical_memory() -> int | None:
    """Bytes of memory this machine has, where the system says."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def _shared_array(struct: type[Any], count: int, name: str) -> Any:
    """A zeroed shared array of ``count`` records, or a MemoryError that says how big.

    A size beyond the machine's memory is refused before anything is allocated (the
    standard library would make a file that large, then write zeros all over it).
    """
    size = ctypes.sizeof(struct)
    total = count * size
    what = f"{name}({count:,}): {count:,} records of {size:,} bytes are {total:,} bytes"
    physical = _physical_memory()
    if total > sys.maxsize or (physical is not None and total > physical):
        has = f"{physical:,} bytes" if physical is not None else "less"
        raise MemoryError(f"{what}; this machine has {has} of memory")
    try:
        return multiprocessing.sharedctypes.RawArray(struct, count)
    except (MemoryError, OSError) as error:
        raise MemoryError(
            f"{what}, which could not be allocated in shared memory ({error!r:.80})"
        ) from None


def _fill(obj: Any, record: bytes) -> None:
    """Write ``record`` into every element of ``obj``, doubling the copy each time."""
    count, size = len(obj), len(record)
    if not count or not record.strip(b"\0"):
        return  # already zeroed
    address = ctypes.addressof(obj)
    ctypes.memmove(address, record, size)
    done = 1
    while done < count:
        step = min(done, count - done)
        ctypes.memmove(address + done * size, address, step * size)
        done += step


class SharedRecordArray(NumpyMethods, _SharedBase, Generic[StructT, ViewT, DataT]):
    """Base of the generated ``Shared...Array`` classes: a fixed-length shared array."""

    def __init__(
        self,
        n_or_items: int | Sequence[DataT],
        *,
        lock: LockArg = True,
        ctx: Context | None = None,
    ) -> None:
        """``n`` elements holding the schema's defaults, or a copy of ``items``."""
        name = type(self).__name__
        if isinstance(n_or_items, int) and not isinstance(n_or_items, bool):
            if n_or_items < 0:
                raise ValueError(f"{name}: length must be at least 0, not {n_or_items}")
            default = self._codec.check(self._codec.data())
            resolved = _resolve_lock(lock, ctx, name)
            obj = _shared_array(self._struct, n_or_items, name)
            _fill(obj, bytes(default))
            self._attach(obj, _robust(resolved, obj, self._struct, n_or_items, ctx))
            return
        scratches = self._items(n_or_items)
        resolved = _resolve_lock(lock, ctx, name)
        obj = _shared_array(self._struct, len(scratches), name)
        # memmove, not obj[i] = scratch: ctypes would keep an object per index written
        size, address = ctypes.sizeof(self._struct), ctypes.addressof(obj)
        for position, scratch in enumerate(scratches):
            ctypes.memmove(address + position * size, ctypes.addressof(scratch), size)
        self._attach(obj, _robust(resolved, obj, self._struct, len(scratches), ctx))

    def _attach(self, obj: Any, lock: Any) -> None:
        super()._attach(obj, lock)
        self._item_size = ctypes.sizeof(self._struct)
        self._length = len(obj)
        self._address = ctypes.addressof(obj)
        # the same memory as an array of the view type: views[i] is made by ctypes
        self._views: Any = (self._view * self._length).from_buffer(obj)
        self._updater: _ArrayUpdate[ViewT, DataT] = _ArrayUpdate(self, None)

    @classmethod
    def _items(cls, n_or_items: int | Sequence[DataT]) -> list[Any]:
        name = cls.__name__
        if isinstance(n_or_items, int) and not isinstance(n_or_items, bool):
            if n_or_items < 0:
                raise ValueError(f"{name}: length must be at least 0, not {n_or_items}")
            items: Sequence[Any] = [cls._codec.data()] * n_or_items
        elif isinstance(n_or_items, Sequence | Iterator):
            items = list(n_or_items)
        else:
            raise TypeError(f"{name} needs a length or a sequence of items")
        return [cls._codec.check(item) for item in items]

    @classmethod
    def create(
        cls,
        name: str,
        n_or_items: int | Sequence[DataT],
        *,
        mode: int = 0o600,
        exist_ok: bool = False,
        persist: bool = False,
    ) -> Self:
        """Make the named shared array ``/dev/shm/<name>`` (SPEC section 6).

        ``n`` elements holding the schema's defaults, or a copy of ``items``. An
        existing name raises FileExistsError, unless ``exist_ok`` (then it attaches:
        the items given are ignored). By default the name goes when this process
        and its children have ended; ``persist=True`` keeps it until ``unlink()``.
        """
        scratches = cls._items(n_or_items)
        size = ctypes.sizeof(cls._struct)

        def fill(data: memoryview) -> None:
            for position, scratch in enumerate(scratches):
                data[position * size : (position + 1) * size] = memoryview(
                    scratch
                ).cast("B")

        segment, lock = create_segment(
            cls.__name__,
            name,
            cls._struct,
            cls._codec.data,
            KIND_ARRAY,
            len(scratches),
            fill,
            mode,
            exist_ok,
            persist,
        )
        shared = cls.__new__(cls)
        shared._attach_segment(segment, lock, cls._struct * segment.header.count)
        return shared

    @classmethod
    def attach(cls, name: str, *, timeout: float | None = None) -> Self:
        """Open the named array ``name`` made by ``create()`` in any process."""
        segment, lock = attach_segment(
            cls.__name__, name, cls._struct, cls._codec.data, KIND_ARRAY, timeout
        )
        shared = cls.__new__(cls)
        shared._attach_segment(segment, lock, cls._struct * segment.header.count)
        return shared

    def _forget(self, closed: Any) -> None:
        self._views = None  # it holds the memory: let close() unmap it

    def _index(self, index: int) -> int:
        if not isinstance(index, int):
            raise TypeError(f"{type(self).__name__} indices must be int, not {index!r}")
        size = len(self)
        if not -size <= index < size:
            raise IndexError(
                f"{type(self).__name__} index {index} out of range({size})"
            )
        return index % size

    def get_obj(self) -> ctypes.Array[StructT]:
        """The raw ctypes array in shared memory (unchecked, unlocked)."""
        if self._obj is None:
            self._acquire()  # closed: says so
        return self._obj  # type: ignore[no-any-return]

    def __len__(self) -> int:
        if self._obj is None:
            self._acquire()  # closed: says so
        return len(self._obj)

    def __getitem__(self, index: int) -> DataT:
        position = self._index(index)
        to_data = self._codec.to_data
        self._acquire()
        try:
            data: DataT = to_data(self._obj[position])
        finally:
            self._release()
        return data

    def __setitem__(self, index: int, data: DataT) -> None:
        if type(index) is int and 0 <= index < self._length:
            position = index
        else:
            position = self._index(index)
        source = memoryview(self._codec.check(data)).cast("B")
        start = position * self._item_size
        self._acquire()
        try:
            self._journal_element(position)
            # bytes copied, not obj[i] = scratch: ctypes would keep an object per index
            self._memory[start : start + self._item_size] = source
        finally:
            self._release()

    def __iter__(self) -> Iterator[DataT]:
        return iter(self.snapshot())

    def snapshot(self) -> list[DataT]:
        """Every element, read under one lock acquisition."""
        to_data = self._codec.to_data
        # Making many ...Data objects (which the cyclic GC tracks and cannot untrack,
        # unlike tuples of floats) sets off collections that scan all of them again:
        # a large snapshot pauses the collector while it builds its list.
        pause = self._length >= _GC_PAUSE_FROM and gc.isenabled()
        if pause:
            gc.disable()
        try:
            self._acquire()
            try:
                return [to_data(item) for item in self._obj]
            finally:
                self._release()
        finally:
            if pause:
                gc.enable()

    def update(self, timeout: float | None = None) -> _ArrayUpdate[ViewT, DataT]:
        """Lock once; yield live, checked views of the elements; roll back on error."""
        if timeout is None:
            updater = self._updater
            return updater if not updater._open else _ArrayUpdate(self, None)
        return _ArrayUpdate(self, _seconds(timeout, type(self).__name__))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.snapshot()!r})"
