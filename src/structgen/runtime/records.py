"""The bases of the generated ``Shared...`` and ``Shared...Array`` classes."""

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
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar

from .bulk import NumpyMethods
from .fastpath import fast_class
from .header import KIND_ARRAY, KIND_RECORD
from .locks import (
    Context,
    LockArg,
    _check_lock,
    _lock_functions,
    _resolve_lock,
    _seconds,
)
from .named import (
    _Closed,
    _no_journal,
    _rebuild_named,
    _robust,
    _shared_class,
    attach_segment,
    create_segment,
    segment_of,
    unlink_segment,
)
from .robust import RobustLock
from .segment import Segment
from .update import Update, _ArrayUpdate, _TimedUpdate
from .values import _Record
from .views import View

__all__ = ["SharedRecord", "SharedRecordArray"]

StructT = TypeVar("StructT", bound=ctypes.Structure)
ViewT = TypeVar("ViewT", bound=View)
DataT = TypeVar("DataT")


def _rebuild(cls: type[SharedRecord[Any, Any, Any]], obj: Any, lock: Any) -> Any:
    shared = cls.__new__(cls)
    shared._attach(obj, lock)
    return shared


class _SharedBase:
    """Lock plumbing shared by single records and arrays of them."""

    # No __slots__: instance-dict attributes are what multiprocessing's synchronized
    # wrapper uses, and they are measurably the fastest to read in a property.
    _struct: ClassVar[type[Any]]
    _view: ClassVar[type[Any]]
    _codec: ClassVar[_Record[Any, Any]]
    _segment: Segment | None = None  # named records only
    _acquire: Callable[..., Any]
    _release: Callable[..., Any]
    # crash-safe locks: save the record, or an element, before the first write
    _journal: Callable[..., Any]
    _journal_element: Callable[..., Any]

    def _attach(self, obj: Any, lock: Any) -> None:
        self._obj = obj
        self._lock = lock
        if isinstance(lock, RobustLock):  # crash-safe: writes journal first
            self._acquire, self._release = lock.acquire, lock.release
            self._journal = lock.journal_all
            self._journal_element = lock.journal_element
            # for the inline property path (fastpath.py)
            self._try_take, self._post, self._words = lock.raw_parts()
        else:
            self._acquire, self._release = _lock_functions(lock, type(self).__name__)
            self._journal = self._journal_element = _no_journal
        self._memory = memoryview(obj).cast("B")

    def _attach_segment(self, segment: Segment, lock: Any, ctype: Any) -> None:
        header = segment.header
        self._segment = segment
        self._attach(ctype.from_buffer(segment.buffer, header.data_offset), lock)

    def close(self) -> None:
        """Unmap a named record here (later use: ValueError); its name stays."""
        segment = segment_of(self, "close")
        if segment.closed:
            return
        closed = _Closed(type(self).__name__, segment.name)
        self._acquire = self._release = self._journal = closed
        self._journal_element = self._try_take = closed
        self._forget(closed)
        self._memory.release()
        self._obj = None
        self._lock.close()  # the last close in this process lets go of its views
        segment.close()

    def _forget(self, closed: _Closed) -> None:
        pass

    def unlink(self) -> None:
        """Remove a named record's name (and its lock's). Processes that have it
        mapped go on working; a later ``attach`` of the name fails."""
        unlink_segment(segment_of(self, "unlink"))

    def get_lock(
        self,
    ) -> multiprocessing.synchronize.Lock | multiprocessing.synchronize.RLock | None:
        """The lock guarding this memory (None with ``lock=False``)."""
        return self._lock  # type: ignore[no-any-return]

    def __enter__(self) -> Self:
        self._acquire()
        try:
            self._journal()  # a crash-safe lock saves the record before any write
        except BaseException:
            self._release()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release()

    def __reduce__(self) -> tuple[Any, ...]:
        if self._segment is not None:  # by name: the same segment wherever it goes
            if self._segment.closed:
                name = self._segment.name
                raise ValueError(f"{type(self).__name__} '{name}' is closed")
            return _rebuild_named, (_shared_class(self), self._segment.name)
        # As multiprocessing.Value: only while starting a process; never a silent copy.
        multiprocessing.context.assert_spawning(self)
        return _rebuild, (_shared_class(self), self._obj, self._lock)


class SharedRecord(_SharedBase, Generic[StructT, ViewT, DataT]):
    """Base of the generated ``Shared...`` classes."""

    _obj: StructT

    def __init__(self, scratch: ViewT, lock: LockArg, ctx: Context | None) -> None:
        """Share a copy of ``scratch``, a record the generated constructor filled."""
        resolved = _resolve_lock(lock, ctx, type(self).__name__)
        obj = multiprocessing.sharedctypes.RawValue(self._struct)
        self._attach(obj, _robust(resolved, obj, self._struct, 1, ctx))
        # new memory that no one else sees yet: no lock, no journal
        self._memory[:] = memoryview(scratch).cast("B")  # type: ignore[arg-type]

    def _attach(self, obj: Any, lock: Any) -> None:
        super()._attach(obj, lock)
        self._updater: Update[ViewT] = Update(self)
        # the same memory through the checked view: what property setters write to
        self._live: ViewT = self._updater._view
        if isinstance(lock, RobustLock):  # scalar properties take the lock inline
            self.__class__ = fast_class(_shared_class(self))

    def _forget(self, closed: _Closed) -> None:
        self._updater._memory.release()
        self._updater = Update.__new__(Update)
        self._updater._acquire = self._updater._release = closed
        self._updater._journal = closed
        self._updater._saved = None
        self._live = None  # type: ignore[assignment]

    @classmethod
    def _create(
        cls,
        name: str,
        scratch: ViewT,
        mode: int,
        exist_ok: bool,
        persist: bool,
    ) -> Self:
        """``create()`` once the generated code has checked the field values."""
        source = memoryview(scratch).cast("B")  # type: ignore[arg-type]

        def fill(data: memoryview) -> None:
            data[:] = source

        segment, lock = create_segment(
            cls.__name__,
            name,
            cls._struct,
            cls._codec.data,
            KIND_RECORD,
            1,
            fill,
            mode,
            exist_ok,
            persist,
        )
        shared = cls.__new__(cls)
        shared._attach_segment(segment, lock, cls._struct)
        return shared

    @classmethod
    def attach(cls, name: str, *, timeout: float | None = None) -> Self:
        """Open the named record ``name`` made by ``create()`` in any process.

        No such name: FileNotFoundError, unless ``timeout`` (seconds) lets it appear;
        another record, layout or an array: ValueError naming what differs.
        """
        segment, lock = attach_segment(
            cls.__name__, name, cls._struct, cls._codec.data, KIND_RECORD, timeout
        )
        shared = cls.__new__(cls)
        shared._attach_segment(segment, lock, cls._struct)
        return shared

    @classmethod
    def from_value(cls, value: object, *, lock: LockArg = False) -> Self:
        """Typed, checked access to memory that already exists.

        ``value`` is a ``multiprocessing.Value`` of this record's Structure (its own
        lock is used), or a ``RawValue``/``Value(..., lock=False)`` (guarded by
        ``lock``: False for none, True for a new RLock, or an existing lock).
        """
        _check_lock(lock, cls.__name__)
        synchronized = isinstance(value, multiprocessing.sharedctypes.SynchronizedBase)
        obj: Any = value.get_obj() if synchronized else value  # type: ignore[attr-defined]
        if type(obj) is not cls._struct:
            raise TypeError(
                f"{cls.__name__}.from_value() needs a Value of {cls._struct.__name__}, "
                f"not {type(obj).__name__}"
            )
        # Value and RawValue memory comes from multiprocessing's shared heap; any other
        # Structure belongs to one process and would be copied, never shared.
        if not isinstance(
            getattr(obj, "_wrapper", None), multiprocessing.heap.BufferWrapper
        ):
            raise TypeError(
                f"{cls.__name__}.from_value() needs a multiprocessing Value or "
                f"RawValue; this {type(obj).__name__} is not one (memory of one "
                "process, or an element of a shared array)"
            )
        resolved: Any
        if synchronized:
            resolved = value.get_lock()  # type: ignore[attr-defined]
            _check_lock(resolved, f"{cls.__name__}.from_value(): the Value's own lock")
        else:
            resolved = _resolve_lock(lock, None, cls.__name__)
            resolved = _robust(resolved, obj, cls._struct, 1, None)
        shared = cls.__new__(cls)
        shared._attach(obj, resolved)
        return shared

    def get_obj(self) -> StructT:
        """The raw ctypes Structure in shared memory (unchecked, unlocked)."""
        if self._obj is None:
            self._acquire()  # closed: says so
        return self._obj

    def update(self, timeout: float | None = None) -> Update[ViewT]:
        """Lock once for a block of reads and writes; roll back if it raises.

        ``with p.update() as v: v.x += 1; v.y = 2.0`` is one atomic step.
        ``timeout`` (seconds) raises TimeoutError when the lock is not had in time.
        """
        updater = self._updater
        if timeout is None and updater._saved is None:
            return updater
        seconds = _seconds(timeout, type(self).__name__)
        if seconds is not None:
            return _TimedUpdate(self, seconds)
        return updater if updater._saved is None else Update(self)  # nested: a new one

    def snapshot(self) -> DataT:
        """Every field, read under one lock acquisition."""
        to_data = self._codec.to_data
        self._acquire()
        try:
            data: DataT = to_data(self._obj)
        finally:
            self._release()
        return data

    def assign(self, data: DataT) -> None:
        """Write every field of ``data`` under one acquisition; all or nothing."""
        scratch = self._codec.check(data)
        self._acquire()
        try:
            self._journal()
            self._memory[:] = memoryview(scratch).cast("B")
        finally:
            self._release()

    def _commit(self, scratch: Any) -> None:
        """Write a whole record (``set()``, under the lock)."""
        self._journal()
        self._memory[:] = memoryview(scratch).cast("B")

    def __repr__(self) -> str:
        data = repr(self.snapshot())
        return f"{type(self).__name__}{data[data.index('(') :]}"


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
