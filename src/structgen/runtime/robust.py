"""A lock that a dead process cannot keep, with a crash journal (standard library only).

``RobustLock`` is reentrant per thread, shared by unrelated processes, and crash-safe:
a holder that dies (SIGKILL included) is found by the next process that waits, which
rolls the protected memory back to its state when the dead holder took the lock and
then holds the lock itself. The protocol, byte by byte, is in docs/lock-protocol.md;
a C program can take the lock with ``sem_open``, ``fcntl`` and plain loads and stores.

Parts:
- a POSIX semaphore (``_multiprocessing.SemLock`` of kind SEMAPHORE, maxvalue 1): the
  fast path, one ``sem_trywait``/``sem_post`` pair;
- a state block of ``LOCK_BLOCK_SIZE`` bytes in the shared memory the caller gives:
  the owner word (which process holds the lock, unique per acquisition), the journal
  word (the dirty mark), the recovery count and a table of the processes that use the
  lock (pid and start time: a reused pid is not mistaken for a dead holder);
- an undo area (``undo_size()`` bytes): a copy of the record, or a log of the elements
  of an array that the holder touched;
- an ``fcntl`` record lock on the semaphore's own file (``/dev/shm/sem.<name>``; for
  the anonymous variant, the lock's memfd), which the kernel drops when its holder
  dies: it serialises recoveries and slot registrations.
"""

from __future__ import annotations

import contextlib
import importlib
import mmap
import os
import secrets
import threading
from collections.abc import Iterator
from typing import Any

from .liveness import need_proc, pid_alive, refresh_identity
from .robust_checks import (
    _bytes_view,
    _check_sem_name,
    _closed,
    _companion_path,
    check_shape,
    deadline,
)
from .robust_slots import LockParts
from .robust_state import (
    _W_TOKEN,
    LOCK_BLOCK_SIZE,
    MAGIC,
    OWNER_WORD,
    SLOT_COUNT,
    VERSION,
    read_lock_state,
    undo_size,
)

__all__ = [
    "LOCK_BLOCK_SIZE",
    "MAGIC",
    "OWNER_WORD",
    "SLOT_COUNT",
    "VERSION",
    "RobustLock",
    "pid_alive",
    "read_lock_state",
    "undo_size",
]

_mp: Any = importlib.import_module("_multiprocessing")
_get_ident = threading.get_ident
_NO_MARKERS: Iterator[int] = iter(())
_SEMAPHORE = 1  # SemLock kind: a counting semaphore (any process may post it)

_CACHE: dict[object, RobustLock] = {}
_CACHE_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    refresh_identity()
    for lock in list(_CACHE.values()):
        lock._forked()


def _at_exit() -> None:
    for lock in list(_CACHE.values()):
        lock._leave_slot()


os.register_at_fork(after_in_child=_after_fork_in_child)
# atexit is inherited by forked children; _leave_slot only frees this process's slot.
importlib.import_module("atexit").register(_at_exit)


class RobustLock(LockParts):
    """Reentrant per thread; crash-safe across processes; takeable by C (same protocol).

    Make one with ``create()`` (new semaphore), ``open()`` (existing one, by name) or
    ``anonymous()`` (a parent's record, pickled to children). The protected memory is
    ``data``; hold the lock, call ``journal_all()`` or ``journal_element(i)`` before
    writing, and ``commit()`` when the write is complete (``release()`` commits too).
    """

    __slots__ = ()  # the instance slots are LockParts'

    def __init__(self) -> None:  # use create(), open() or anonymous()
        raise TypeError("use RobustLock.create(), .open() or .anonymous()")

    # -- making ------------------------------------------------------------------

    @classmethod
    def _new(
        cls,
        key: object,
        state: object,
        data: object,
        undo: object,
        elem_size: int,
        sem: Any,
        fd: int,
    ) -> RobustLock:
        need_proc()
        self = object.__new__(cls)
        self._key = key
        self._state = _bytes_view(state, "state")[:LOCK_BLOCK_SIZE]
        self._words = self._state.cast("Q")
        self._data = _bytes_view(data, "data")
        self._undo = _bytes_view(undo, "undo")
        self._elem = elem_size
        self._count = len(self._data) // elem_size
        self._undo_head = self._undo[: elem_size * self._count]
        self._sem = sem
        self._sem_acquire = sem.acquire
        self._sem_release = sem.release
        self._sem_name = ""
        self._fd = fd
        self._recover_lock = threading.Lock()
        self._tid = None
        self._depth = 0
        self.stamp = 0  # this process's owner stamp; 0 until it has a slot
        self.markers = _NO_MARKERS
        self._slot = -1
        self._journaled = False
        self._logged = set()
        self._opens = 1
        self._anon = None
        self._mmap = None
        return self

    @classmethod
    def create(
        cls,
        state: memoryview,
        sem_name: str,
        *,
        mode: int = 0o600,
        data: memoryview,
        undo: memoryview,
        elem_size: int,
    ) -> RobustLock:
        """A new lock: writes the state block (zeroed by the caller) and makes the
        named semaphore ``sem_name`` with ``mode`` (``FileExistsError`` if it exists).
        """
        _check_sem_name(sem_name)
        check_shape(state, data, undo, elem_size)
        with _CACHE_LOCK:
            if sem_name in _CACHE:
                raise FileExistsError(f"RobustLock: {sem_name} is open in this process")
            sem = _mp.SemLock(_SEMAPHORE, 1, 1, sem_name, False)
            try:
                fd = os.open(_companion_path(sem_name), os.O_RDWR | os.O_CLOEXEC)
                try:
                    os.fchmod(fd, mode)
                    self = cls._new(sem_name, state, data, undo, elem_size, sem, fd)
                except BaseException:
                    os.close(fd)
                    raise
                self._sem_name = sem_name
                self._write_header(0)
            except BaseException:
                _mp.sem_unlink(sem_name)
                raise
            _CACHE[sem_name] = self
            return self

    @classmethod
    def open(
        cls,
        state: memoryview,
        sem_name: str,
        *,
        data: memoryview,
        undo: memoryview,
        elem_size: int,
    ) -> RobustLock:
        """The lock of an existing state block and semaphore (``FileNotFoundError``
        if the semaphore is gone). One object per name per process: a second open
        returns the first object (which keeps the views given first) until every
        open has been closed."""
        _check_sem_name(sem_name)
        with _CACHE_LOCK:
            cached = _CACHE.get(sem_name)
            if cached is not None:
                cached._opens += 1
                return cached
            check_shape(state, data, undo, elem_size)
            # A private CPython API that multiprocessing's own pickling uses; the int
            # handle is ignored when a name is given (3.11 refuses None).
            sem = _mp.SemLock._rebuild(0, _SEMAPHORE, 1, sem_name)
            fd = os.open(_companion_path(sem_name), os.O_RDWR | os.O_CLOEXEC)
            try:
                self = cls._new(sem_name, state, data, undo, elem_size, sem, fd)
                self._check_header()
            except BaseException:
                os.close(fd)
                raise
            self._sem_name = sem_name
            _CACHE[sem_name] = self
            return self

    @classmethod
    def anonymous(
        cls,
        *,
        elem_size: int,
        count: int = 1,
        data: object = None,
        ctx: Any = None,
    ) -> RobustLock:
        """A lock for a record made in a parent and passed to its children.

        The state block and the undo area live in a memfd (no name anywhere); the
        semaphore is ``ctx.BoundedSemaphore(1)``. With ``data=None`` the memfd holds
        the data too (``lock.data``, zeroed); otherwise ``data`` must be picklable to
        children (e.g. made by ``multiprocessing.sharedctypes``). The lock pickles to
        children (fork, spawn, forkserver) as multiprocessing's locks do.
        """
        if isinstance(count, bool) or not isinstance(count, int) or count <= 0:
            raise ValueError("RobustLock.anonymous(): count must be a positive int")
        if isinstance(elem_size, bool) or not isinstance(elem_size, int):
            raise TypeError("RobustLock: elem_size must be an int")
        if elem_size <= 0:
            raise ValueError("RobustLock: elem_size must be positive")
        if ctx is None:
            import multiprocessing

            ctx = multiprocessing.get_context()
        data_size = elem_size * count
        undo_at = LOCK_BLOCK_SIZE
        data_at = undo_at + (undo_size(elem_size, count) + 63) // 64 * 64
        size = data_at + (data_size if data is None else 0)
        bsem = ctx.BoundedSemaphore(1)
        fd = os.memfd_create("structgen-robust-lock", os.MFD_CLOEXEC)
        try:
            os.ftruncate(fd, size)
            token = secrets.randbits(63) | 1
            self = cls._from_memfd(fd, size, bsem, data, elem_size, count, token, True)
        except BaseException:
            os.close(fd)
            raise
        return self

    @classmethod
    def _from_memfd(
        cls,
        fd: int,
        size: int,
        bsem: Any,
        data: object,
        elem_size: int,
        count: int,
        token: int,
        new: bool,
    ) -> RobustLock:
        region = mmap.mmap(fd, size)
        view = memoryview(region)
        undo_at = LOCK_BLOCK_SIZE
        data_at = undo_at + (undo_size(elem_size, count) + 63) // 64 * 64
        undo = view[undo_at : undo_at + undo_size(elem_size, count)]
        own = data is None
        data_view = view[data_at : data_at + elem_size * count] if own else data
        check_shape(view[:LOCK_BLOCK_SIZE], data_view, undo, elem_size)
        key = ("anonymous", token)
        self = cls._new(
            key, view[:LOCK_BLOCK_SIZE], data_view, undo, elem_size, bsem._semlock, fd
        )
        self._anon = (bsem, None if own else data, size, token)
        self._mmap = region
        if new:
            self._write_header(token)
        else:
            self._check_header()
            if self._words[_W_TOKEN] != token:
                raise ValueError(
                    "RobustLock: the anonymous lock's memory does not match"
                )
        with _CACHE_LOCK:
            _CACHE[key] = self
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        if self._anon is None:
            raise TypeError(
                "a named RobustLock is not pickled: open it by name in the other "
                "process"
            )
        from multiprocessing import reduction

        bsem, data, size, token = self._anon
        return (
            _rebuild_anonymous,
            (
                reduction.DupFd(self._fd),
                size,
                bsem,
                data,
                self._elem,
                self._count,
                token,
            ),
        )

    # -- the lock ----------------------------------------------------------------

    @property
    def data(self) -> memoryview:
        """The protected memory (bytes)."""
        return self._data

    @property
    def name(self) -> str:
        """The semaphore's name ("" for an anonymous lock)."""
        return self._sem_name

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        """Take the lock (reentrant per thread). ``timeout``: seconds, None or inf or
        beyond 1e9 for no limit, negative or 0 for one try (as multiprocessing);
        checked at once, whether or not the lock is free."""
        if timeout is not None:
            timeout = deadline(timeout)
        tid = _get_ident()
        if self._tid == tid:
            self._depth += 1
            return True
        stamp = self.stamp
        if stamp and self._sem_acquire(False):
            self._words[1] = stamp  # OWNER_WORD (a literal: no global lookup)
            self._tid = tid
            self._depth = 1
            return True
        return self._acquire_slow(tid, block, timeout)

    def release(self) -> None:
        """Release one level; the last one commits the journal and frees the lock."""
        if self._tid != _get_ident():
            raise RuntimeError(
                "RobustLock.release(): this thread does not hold the lock"
            )
        depth = self._depth - 1
        if depth:
            self._depth = depth
            return
        if self._journaled:
            self.commit()
        self._depth = 0
        self._tid = None
        self._words[1] = next(self.markers)  # OWNER_WORD
        self._sem_release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- ending ------------------------------------------------------------------

    def unlink(self) -> None:
        """Remove the semaphore's name (processes that have it open go on working)."""
        if self._sem_name:
            _mp.sem_unlink(self._sem_name)

    def close(self) -> None:
        """Close this open; the last close frees the slot and the process's handles."""
        with _CACHE_LOCK:
            if self._opens <= 0:
                return
            self._opens -= 1
            if self._opens:
                return
            if _CACHE.get(self._key) is self:
                del _CACHE[self._key]
        self._leave_slot()
        for view in (self._words, self._state, self._data, self._undo_head, self._undo):
            view.release()
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        if self._mmap is not None:
            # views of lock.data still alive: the garbage collector unmaps it later
            with contextlib.suppress(BufferError):
                self._mmap.close()
            self._mmap = None
        self._sem = self._sem_acquire = self._sem_release = _closed
        self._anon = None  # (drops the semaphore object: multiprocessing unlinks it)


def _rebuild_anonymous(
    dupfd: Any, size: int, bsem: Any, data: object, elem: int, count: int, token: int
) -> RobustLock:
    fd = dupfd.detach()
    with _CACHE_LOCK:
        cached = _CACHE.get(("anonymous", token))
    if cached is not None:
        os.close(fd)
        return cached
    try:
        os.set_inheritable(fd, False)
        return RobustLock._from_memfd(fd, size, bsem, data, elem, count, token, False)
    except BaseException:
        os.close(fd)
        raise


# -- parsing for inspect --------------------------------------------------------------
