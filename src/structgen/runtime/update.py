"""All-or-nothing ``update()``: lock once, roll back on any error.

The bytes saved on entry are the rollback; an error ctypes raised for a raw float64
field of one of the block's views is given the name of its field on the way out
(``failed_store``).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar, cast

from .failed_store import name_failed_store
from .locks import _acquire_contended, _timeout_error
from .views import View, _pickle_error

if TYPE_CHECKING:
    from .arrays import SharedRecordArray
    from .records import SharedRecord

__all__ = ["RecordItems", "Update"]

ViewT = TypeVar("ViewT", bound=View)
DataT = TypeVar("DataT")


# -- all-or-nothing update() ---------------------------------------------------------


class Update(Generic[ViewT]):
    """The context manager ``update()`` returns: lock once, roll back on any error.

    Each record keeps one of these ready, so the common ``with p.update() as v:``
    allocates nothing; the bytes saved on entry are the rollback.
    """

    __slots__ = (
        "_acquire",
        "_journal",
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
        self._journal = shared._journal
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
            self._journal()  # a crash-safe lock's undo copy, in shared memory
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
            self._journal()
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
                    view: Any = self._view  # a ctypes Structure at run time
                    start, size = ctypes.addressof(view), ctypes.sizeof(view)
                    name_failed_store(exc, tb, start, size, view)
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
            raise _timeout_error(self._owner, self._timeout)
        return self._entered()


class RecordItems(Generic[ViewT, DataT]):
    """The elements of a shared array inside ``update()``: live, checked views.

    Each element's bytes are saved on its first use in the block, for rollback.
    """

    __slots__ = ("_array", "_saved", "_whole")

    def __init__(self, array: SharedRecordArray[Any, ViewT, DataT]) -> None:
        self._array = array
        self._saved: dict[int, bytes] = {}
        self._whole: bytes | None = None  # every element, saved once by iteration

    def __len__(self) -> int:
        return self._array._length

    def _touch(self, index: int) -> int:
        array = self._array
        if type(index) is int and 0 <= index < array._length:
            position = index
        else:
            position = array._index(index)
        saved = self._saved
        if position not in saved and self._whole is None:
            array._journal_element(position)
            size = array._item_size
            start = position * size
            saved[position] = array._memory[start : start + size].tobytes()
        return position

    def __getitem__(self, index: int) -> ViewT:
        return self._array._views[self._touch(index)]  # type: ignore[no-any-return]

    def __setitem__(self, index: int, data: DataT) -> None:
        array = self._array
        source = memoryview(array._codec.check(data)).cast("B")
        start = self._touch(index) * array._item_size
        array._memory[start : start + array._item_size] = source

    def __iter__(self) -> Iterator[ViewT]:
        # every element: one copy of the whole array for the rollback, and the views
        # made by ctypes as it iterates an array of the view type over the memory
        array = self._array
        if self._whole is None:
            array._journal()  # a crash-safe lock's undo copy of every element
            self._whole = array._memory.tobytes()
        views: Iterator[ViewT] = iter(array._views)
        return views

    def __reduce__(self) -> NoReturn:
        raise _pickle_error(f"the items of {type(self._array).__name__}.update()")

    def _restore(self) -> None:
        # the whole copy first: per-element copies are all older (none after it)
        if self._whole is not None:
            self._array._memory[:] = self._whole
        size = self._array._item_size
        for position, saved in self._saved.items():
            start = position * size
            self._array._memory[start : start + size] = saved


class _ArrayUpdate(Generic[ViewT, DataT]):
    """What an array's ``update()`` returns; each array keeps one ready (no allocation).

    Nested or concurrent blocks get their own (``update()`` makes a new one while the
    array's is open); the state is reset before the lock is let go.
    """

    __slots__ = ("_array", "_items", "_open", "_timeout")

    def __init__(
        self, array: SharedRecordArray[Any, ViewT, DataT], timeout: float | None
    ) -> None:
        self._array = array
        self._timeout = timeout
        self._items: RecordItems[ViewT, DataT] = RecordItems(array)
        self._open = False

    def __enter__(self) -> RecordItems[ViewT, DataT]:
        array = self._array
        acquire = array._acquire
        if not acquire(False) and not _acquire_contended(acquire, self._timeout):
            raise _timeout_error(type(array).__name__, cast(float, self._timeout))
        if self._open:  # only its holder can be here: entered twice
            array._release()
            raise RuntimeError(
                f"{type(array).__name__}: this update() block is already open; "
                "call update() again for a nested block"
            )
        self._open = True
        return self._items

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        items = self._items
        try:
            if exc_type is not None:
                items._restore()
                if exc_type in (TypeError, OverflowError) and exc is not None:
                    obj = self._array._obj
                    start, size = ctypes.addressof(obj), ctypes.sizeof(obj)
                    name_failed_store(exc, tb, start, size, items)
        finally:
            if items._saved:
                items._saved = {}
            items._whole = None
            self._open = False
            self._array._release()
