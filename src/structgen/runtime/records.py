"""The bases of the generated ``Shared...`` and ``Shared...Array`` classes."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.context
import multiprocessing.heap
import multiprocessing.sharedctypes
import multiprocessing.synchronize
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar, Generic, Self, TypeVar

from .locks import (
    Context,
    LockArg,
    _check_lock,
    _lock_functions,
    _resolve_lock,
    _seconds,
)
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

    def _attach(self, obj: Any, lock: Any) -> None:
        self._obj = obj
        self._lock = lock
        self._acquire, self._release = _lock_functions(lock, type(self).__name__)
        self._memory = memoryview(obj).cast("B")

    def get_lock(
        self,
    ) -> multiprocessing.synchronize.Lock | multiprocessing.synchronize.RLock | None:
        """The lock guarding this memory (None with ``lock=False``)."""
        return self._lock  # type: ignore[no-any-return]

    def __enter__(self) -> Self:
        self._acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._release()

    def __reduce__(self) -> tuple[Any, ...]:
        # As multiprocessing.Value: only while starting a process; never a silent copy.
        multiprocessing.context.assert_spawning(self)
        return _rebuild, (type(self), self._obj, self._lock)


class SharedRecord(_SharedBase, Generic[StructT, ViewT, DataT]):
    """Base of the generated ``Shared...`` classes."""

    _obj: StructT

    def __init__(self, scratch: ViewT, lock: LockArg, ctx: Context | None) -> None:
        """Share a copy of ``scratch``, a record the generated constructor filled."""
        resolved = _resolve_lock(lock, ctx, type(self).__name__)
        self._attach(multiprocessing.sharedctypes.RawValue(self._struct), resolved)
        self._commit(scratch)

    def _attach(self, obj: Any, lock: Any) -> None:
        super()._attach(obj, lock)
        self._updater: Update[ViewT] = Update(self)
        # the same memory through the checked view: what property setters write to
        self._live: ViewT = self._updater._view

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
        shared = cls.__new__(cls)
        shared._attach(obj, resolved)
        return shared

    def get_obj(self) -> StructT:
        """The raw ctypes Structure in shared memory (unchecked, unlocked)."""
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
            self._memory[:] = memoryview(scratch).cast("B")
        finally:
            self._release()

    def _commit(self, scratch: Any) -> None:
        self._memory[:] = memoryview(scratch).cast("B")

    def __repr__(self) -> str:
        data = repr(self.snapshot())
        return f"{type(self).__name__}{data[data.index('(') :]}"


class SharedRecordArray(_SharedBase, Generic[StructT, ViewT, DataT]):
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
            items: Sequence[Any] = [self._codec.data()] * n_or_items
        elif isinstance(n_or_items, Sequence | Iterator):
            items = list(n_or_items)
        else:
            raise TypeError(f"{name} needs a length or a sequence of items")
        scratches = [self._codec.check(item) for item in items]
        resolved = _resolve_lock(lock, ctx, name)
        obj = multiprocessing.sharedctypes.RawArray(self._struct, len(scratches))
        for position, scratch in enumerate(scratches):
            obj[position] = scratch
        self._attach(obj, resolved)

    def _attach(self, obj: Any, lock: Any) -> None:
        super()._attach(obj, lock)
        self._item_size = ctypes.sizeof(self._struct)

    def _index(self, index: int) -> int:
        if not isinstance(index, int):
            raise TypeError(f"{type(self).__name__} indices must be int, not {index!r}")
        size = len(self._obj)
        if not -size <= index < size:
            raise IndexError(
                f"{type(self).__name__} index {index} out of range({size})"
            )
        return index % size

    def get_obj(self) -> ctypes.Array[StructT]:
        """The raw ctypes array in shared memory (unchecked, unlocked)."""
        return self._obj  # type: ignore[no-any-return]

    def __len__(self) -> int:
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
        position = self._index(index)
        scratch = self._codec.check(data)
        self._acquire()
        try:
            self._obj[position] = scratch
        finally:
            self._release()

    def __iter__(self) -> Iterator[DataT]:
        return iter(self.snapshot())

    def snapshot(self) -> list[DataT]:
        """Every element, read under one lock acquisition."""
        to_data = self._codec.to_data
        self._acquire()
        try:
            return [to_data(item) for item in self._obj]
        finally:
            self._release()

    def update(self, timeout: float | None = None) -> _ArrayUpdate[ViewT, DataT]:
        """Lock once; yield live, checked views of the elements; roll back on error."""
        return _ArrayUpdate(self, _seconds(timeout, type(self).__name__))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.snapshot()!r})"
