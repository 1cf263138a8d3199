"""The base of the generated ``Shared...`` classes and what arrays share with it."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.context
import multiprocessing.heap
import multiprocessing.sharedctypes
import multiprocessing.synchronize
from collections.abc import Callable
from typing import Any, ClassVar, Generic, Self, TypeVar

from .fastpath import fast_class
from .header import KIND_RECORD
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
from .update import Update, _TimedUpdate
from .values import _Record
from .views import View

__all__ = ["SharedRecord"]

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
