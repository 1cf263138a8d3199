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
import fcntl
import importlib
import itertools
import math
import mmap
import os
import secrets
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "LOCK_BLOCK_SIZE",
    "OWNER_WORD",
    "RobustLock",
    "pid_alive",
    "read_lock_state",
    "undo_size",
]

_mp: Any = importlib.import_module("_multiprocessing")
_get_ident = threading.get_ident
_SEMAPHORE = 1  # SemLock kind: a counting semaphore (any process may post it)

# -- the state block (little-endian; offsets in bytes) --------------------------------
MAGIC = 0x4B4C4753  # b"SGLK"
VERSION = 1
SLOT_COUNT = 60
HEADER_SIZE = 64
SLOT_SIZE = 16
LOCK_BLOCK_SIZE = HEADER_SIZE + SLOT_COUNT * SLOT_SIZE  # 1024, a multiple of 64

# word indexes (8 bytes each) in the state block viewed as little-endian u64
_W_MAGIC = 0  # u32 magic, u16 version, u16 slot count
_W_OWNER = OWNER_WORD = 1  # owner word
_W_JOURNAL = 2  # journal word: low 32 bits logged elements, high 32 bits mode
_W_RECOVERIES = 3  # u64
_W_SHAPE = 4  # u32 element size, u32 element count
_W_TOKEN = 5  # u64 random token (identifies an anonymous lock across pickling)
_W_SLOTS = HEADER_SIZE // 8  # slot i: words _W_SLOTS + 2i (identity), + 2i + 1 (state)

# owner word: 0 = never held; bits 0-7 slot index + 1; bit 63 FREE (released, with a
# marker unique to that release in bits 8-62) or clear (held: bits 8-62 the holder's
# random epoch, constant while its process keeps its slot)
_SLOT_MASK = 0xFF
_SEQ_STEP = 0x100
_NO_MARKERS: Iterator[int] = iter(())
_FREE = 1 << 63

# journal word modes (high 32 bits)
_CLEAN = 0
_ALL = 1
_LOG = 2

# slot state word
_IDLE = 0
_WAITING = 1

_SLICE = 0.025  # a waiter wakes this often to check the holder
_STUCK_GRACE = 0.5  # semaphore held with no stamp this long, and a user dead: recover
_LONGEST_WAIT = 1e9  # seconds; longer means no limit (the semaphore refuses it)

_HEADER = struct.Struct("<IHH")
_LITTLE = struct.pack("=H", 1) == struct.pack("<H", 1)
if not _LITTLE:  # pragma: no cover - the layout is little-endian, as is every target
    raise ImportError("structgen's robust lock needs a little-endian machine")


def undo_size(elem_size: int, count: int) -> int:
    """Bytes of undo memory for ``count`` elements of ``elem_size`` bytes.

    Room for a copy of every element, then (8-byte aligned) a log of u64 indexes.
    """
    if elem_size <= 0 or count <= 0:
        raise ValueError("undo_size(): elem_size and count must be positive")
    return _copies_size(elem_size, count) + 8 * count


def _copies_size(elem_size: int, count: int) -> int:
    return (elem_size * count + 7) // 8 * 8


# -- processes ---------------------------------------------------------------------


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) of ``pid``, or None if it is gone.

    Anything else that goes wrong (no permission, an unexpected format) raises
    ``OSError``: the caller must then not take the process for dead.
    """
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except (FileNotFoundError, ProcessLookupError):
        return None
    try:
        raw = os.read(fd, 4096)
    except ProcessLookupError:  # it went while we read
        return None
    finally:
        os.close(fd)
    # "pid (comm) S ...": comm may hold spaces and ")", so split after the last ")"
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return fields[0].decode("ascii", "replace"), int(fields[19])
    except (IndexError, ValueError):
        raise OSError(f"/proc/{pid}/stat has an unexpected format") from None


def pid_alive(pid: int, start: int) -> bool:
    """Whether process ``pid`` that started at ``start`` (low 32 bits of the clock
    ticks of /proc/<pid>/stat field 22) is still running: a reused pid, a zombie and a
    vanished process are all dead. When /proc cannot tell (no permission, an odd
    format), the process is taken for alive: a live holder is never robbed."""
    if pid <= 0:
        return False
    try:
        stat = _proc_stat(pid)
    except OSError:
        return True
    if stat is None:
        return False
    state, ticks = stat
    return state not in ("Z", "X", "x") and (ticks & 0xFFFFFFFF) == start


def _self_identity() -> int:
    """This process's identity word: pid | (start time low 32 bits) << 32; 0 when
    /proc cannot tell (then no lock is made or opened: see _need_proc)."""
    pid = os.getpid()
    try:
        stat = _proc_stat(pid)
    except OSError:
        return 0
    if stat is None:
        return 0
    return pid | (stat[1] & 0xFFFFFFFF) << 32


def _need_proc() -> None:
    if not _IDENTITY:
        raise OSError(
            "RobustLock needs Linux's /proc/<pid>/stat to tell a dead holder from a "
            "live one, and cannot read it here"
        )


def _identity_alive(identity: int) -> bool:
    return pid_alive(identity & 0xFFFFFFFF, identity >> 32)


_IDENTITY = _self_identity()


# -- timeouts ---------------------------------------------------------------------


def _deadline(timeout: object) -> float | None:
    """Seconds to wait (None: no limit), checked as update(timeout=) checks them."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(
            "RobustLock.acquire(): timeout must be a number of seconds or None, "
            f"not {type(timeout).__name__}"
        )
    try:
        seconds = float(timeout)
    except OverflowError:  # an int beyond any float
        return None
    if math.isnan(seconds):
        raise ValueError("RobustLock.acquire(): timeout must be a number, not nan")
    if seconds > _LONGEST_WAIT:
        return None
    return max(seconds, 0.0)  # negative: one try, as multiprocessing's locks do


# -- the per-process registry ------------------------------------------------------

_CACHE: dict[object, RobustLock] = {}
_CACHE_LOCK = threading.Lock()


def _after_fork_in_child() -> None:
    global _IDENTITY
    _IDENTITY = _self_identity()
    for lock in list(_CACHE.values()):
        lock._forked()


def _at_exit() -> None:
    for lock in list(_CACHE.values()):
        lock._leave_slot()


os.register_at_fork(after_in_child=_after_fork_in_child)
# atexit is inherited by forked children; _leave_slot only frees this process's slot.
importlib.import_module("atexit").register(_at_exit)


def _companion_path(sem_name: str) -> str:
    return "/dev/shm/sem." + sem_name[1:]


def _check_sem_name(sem_name: object) -> str:
    if not isinstance(sem_name, str):
        raise TypeError("RobustLock: sem_name must be a str")
    body = sem_name[1:]
    if (
        not sem_name.startswith("/")
        or not 1 <= len(body) <= 240
        or "/" in body
        or body in (".", "..")
        or not body.isascii()
        or "\0" in body
    ):
        raise ValueError(
            f"RobustLock: bad semaphore name {sem_name!r} (one '/' then 1-240 ASCII "
            "characters without '/')"
        )
    return sem_name


def _bytes_view(buffer: object, what: str) -> memoryview:
    try:
        view = memoryview(buffer)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"RobustLock: {what} must support the buffer protocol"
        ) from None
    if view.readonly:
        raise TypeError(f"RobustLock: {what} must be writable")
    if not view.contiguous:
        raise TypeError(f"RobustLock: {what} must be contiguous")
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


class RobustLock:
    """Reentrant per thread; crash-safe across processes; takeable by C (same protocol).

    Make one with ``create()`` (new semaphore), ``open()`` (existing one, by name) or
    ``anonymous()`` (a parent's record, pickled to children). The protected memory is
    ``data``; hold the lock, call ``journal_all()`` or ``journal_element(i)`` before
    writing, and ``commit()`` when the write is complete (``release()`` commits too).
    """

    __slots__ = (
        "_anon",
        "_count",
        "_data",
        "_depth",
        "_elem",
        "_fd",
        "_journaled",
        "_key",
        "_logged",
        "_mmap",
        "_opens",
        "_owner_view",
        "_recover_lock",
        "_sem",
        "_sem_acquire",
        "_sem_name",
        "_sem_release",
        "_slot",
        "_state",
        "_tid",
        "_undo",
        "_undo_head",
        "_words",
        "markers",
        "stamp",
    )

    _anon: Any
    _count: int
    _data: memoryview
    _depth: int
    _elem: int
    _fd: int
    _journaled: bool
    _key: object
    _logged: set[int]
    _mmap: mmap.mmap | None
    markers: Iterator[int]
    stamp: int
    _opens: int
    _recover_lock: threading.Lock
    _sem: Any
    _sem_acquire: Callable[..., bool]
    _sem_name: str
    _sem_release: Callable[[], object]
    _slot: int
    _state: memoryview
    _tid: int | None
    _undo: memoryview
    _undo_head: memoryview
    _words: memoryview

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
        _need_proc()
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

    @staticmethod
    def _check_shape(state: object, data: object, undo: object, elem_size: int) -> int:
        if isinstance(elem_size, bool) or not isinstance(elem_size, int):
            raise TypeError("RobustLock: elem_size must be an int")
        if elem_size <= 0:
            raise ValueError("RobustLock: elem_size must be positive")
        if len(_bytes_view(state, "state")) < LOCK_BLOCK_SIZE:
            raise ValueError(f"RobustLock: state must hold {LOCK_BLOCK_SIZE} bytes")
        size = len(_bytes_view(data, "data"))
        if size == 0 or size % elem_size:
            raise ValueError(
                f"RobustLock: data ({size} bytes) is not a whole number of "
                f"{elem_size}-byte elements"
            )
        count = size // elem_size
        if count > 0xFFFFFFFF:
            raise ValueError("RobustLock: too many elements")
        if len(_bytes_view(undo, "undo")) < undo_size(elem_size, count):
            raise ValueError(
                f"RobustLock: undo must hold undo_size({elem_size}, {count}) = "
                f"{undo_size(elem_size, count)} bytes"
            )
        return count

    def _write_header(self, token: int) -> None:
        words = self._words
        words[_W_SHAPE] = self._elem | self._count << 32
        words[_W_TOKEN] = token
        # the magic word last: a reader that sees it sees the rest
        words[_W_MAGIC] = int.from_bytes(
            _HEADER.pack(MAGIC, VERSION, SLOT_COUNT), "little"
        )

    def _check_header(self) -> None:
        info = read_lock_state(self._state)
        if info["elem_size"] != self._elem or info["count"] != self._count:
            raise ValueError(
                f"RobustLock: the lock state describes {info['count']} elements of "
                f"{info['elem_size']} bytes, not {self._count} of {self._elem}"
            )

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
        cls._check_shape(state, data, undo, elem_size)
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
            cls._check_shape(state, data, undo, elem_size)
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
        cls._check_shape(view[:LOCK_BLOCK_SIZE], data_view, undo, elem_size)
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
            timeout = _deadline(timeout)
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

    def raw_parts(self) -> tuple[Callable[..., bool], Callable[[], object], memoryview]:
        """C-level parts for an inline fast path: (try_take, post, words).

        A short hold that calls no user code and writes at most 8 bytes may skip
        acquire()/release() (two Python calls)::

            stamp = lock.stamp
            if stamp and try_take(False):      # this process has a slot, sem is free
                words[OWNER_WORD] = stamp
                try:
                    ...                        # the read or the <= 8-byte write
                finally:
                    words[OWNER_WORD] = next(lock.markers)
                    post()
            else:
                lock.acquire()  ...  lock.release()   # waits, re-entry, registering

        Read ``lock.stamp`` and ``lock.markers`` at each use: both change in a
        forked child. The journal is not available in such a hold. (A store through
        the memoryview's subscript is the cheapest; its bound ``__setitem__`` costs
        two to three times as much: benchmarks/robust_lock.py.)
        """
        return self._sem_acquire, self._sem_release, self._words

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _take(self, tid: int) -> None:
        """Stamp this thread as the holder (the semaphore is ours)."""
        self._words[_W_OWNER] = self.stamp
        self._tid = tid
        self._depth = 1

    def _acquire_slow(self, tid: int, block: bool, timeout: float | None) -> bool:
        seconds = timeout if block else 0.0
        if not self.stamp:
            self._register()
            if self._sem_acquire(False):
                self._take(tid)
                return True
        if not block:
            return False
        deadline = None if seconds is None else time.monotonic() + seconds
        words = self._words
        state_word = _W_SLOTS + 2 * self._slot + 1
        words[state_word] = _WAITING
        seen = -1  # the stampless owner word seen first, and when
        seen_at = 0.0
        try:
            while True:
                if deadline is None:
                    wait = _SLICE
                else:
                    wait = min(_SLICE, deadline - time.monotonic())
                if wait > 0 and self._sem_acquire(True, wait):
                    self._take(tid)
                    return True
                owner = words[_W_OWNER]
                if owner and not owner & _FREE:
                    seen = -1
                    if not self._holder_alive(owner) and self._recover(owner, tid):
                        return True
                elif owner != seen:
                    seen, seen_at = owner, time.monotonic()
                elif (
                    time.monotonic() - seen_at >= _STUCK_GRACE
                    and self._any_user_dead()
                    and self._recover(owner, tid)
                ):
                    return True
                if deadline is not None and time.monotonic() >= deadline:
                    if self._sem_acquire(False):
                        self._take(tid)
                        return True
                    return False
        finally:
            words[state_word] = _IDLE

    def _holder_alive(self, owner: int) -> bool:
        slot = (owner & _SLOT_MASK) - 1
        if not 0 <= slot < SLOT_COUNT:
            return False  # not a stamp any process could write: corrupt
        identity = self._words[_W_SLOTS + 2 * slot]
        return identity == _IDENTITY or _identity_alive(identity)

    def _any_user_dead(self) -> bool:
        words = self._words
        for slot in range(SLOT_COUNT):
            identity = words[_W_SLOTS + 2 * slot]
            if identity and not _identity_alive(identity):
                return True
        return False

    # -- recovery and slots -------------------------------------------------------

    def _serialised(self, block: bool) -> bool:
        """Take the recovery lock: a thread lock here, fcntl across processes."""
        if not self._recover_lock.acquire(block):
            return False
        try:
            flags = fcntl.LOCK_EX if block else fcntl.LOCK_EX | fcntl.LOCK_NB
            fcntl.lockf(self._fd, flags, 1, 0, os.SEEK_SET)
        except BlockingIOError:
            self._recover_lock.release()
            return False
        except BaseException:
            self._recover_lock.release()
            raise
        return True

    def _unserialise(self) -> None:
        try:
            fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, 0, os.SEEK_SET)
        finally:
            self._recover_lock.release()

    def _recover(self, expected: int, tid: int) -> bool:
        """Take over a lock whose holder died; True if this thread now holds it."""
        if not self._serialised(False):
            return False  # another waiter is recovering it
        try:
            words = self._words
            if words[_W_OWNER] != expected:
                return False  # recovered by another, or passed on
            if expected & _FREE or not expected:
                if self._sem_acquire(False):  # it came free after all
                    self._take(tid)
                    return True
            elif self._holder_alive(expected):
                return False
            # The dead process's hold on the semaphore becomes ours: stamp first, so
            # that if this process dies while restoring, the next waiter restores again.
            self._take(tid)
            self._restore()
            words[_W_RECOVERIES] = words[_W_RECOVERIES] + 1
            self._free_dead_slots()
            return True
        finally:
            self._unserialise()

    def _restore(self) -> None:
        """Roll data back from the undo area if the journal is dirty, then clear it."""
        words = self._words
        journal = words[_W_JOURNAL]
        mode, logged = journal >> 32, journal & 0xFFFFFFFF
        elem, count = self._elem, self._count
        data, undo = self._data, self._undo
        if mode == _ALL:
            data[:] = undo[: elem * count]
        elif mode == _LOG:
            log = undo[_copies_size(elem, count) :].cast("Q")
            for entry in reversed(range(min(logged, count))):
                index = log[entry]
                if index < count:
                    at = index * elem
                    data[at : at + elem] = undo[entry * elem : entry * elem + elem]
        self.commit()

    def _register(self) -> None:
        """Find this process a slot in the table (serialised by the fcntl lock)."""
        self._serialised(True)
        try:
            slot = self._free_slot()
            if slot < 0:
                self._free_dead_slots_safely()
                slot = self._free_slot()
            if slot < 0:
                raise RuntimeError(
                    f"RobustLock: more than {SLOT_COUNT} live processes use this lock"
                )
            words = self._words
            words[_W_SLOTS + 2 * slot + 1] = _IDLE
            words[_W_SLOTS + 2 * slot] = _IDENTITY
            self._slot = slot
            # This process's stamp: its slot, and a random epoch so that it never
            # repeats the stamp of an earlier process in this slot. Its release
            # markers: FREE, the slot, and a count that starts at the time now.
            self.stamp = (slot + 1) | (secrets.randbits(54) + 1) << 8
            now = time.monotonic_ns() // 1000
            self.markers = itertools.count(_FREE | now << 8 | (slot + 1), _SEQ_STEP)
        finally:
            self._unserialise()

    def _free_slot(self) -> int:
        words = self._words
        for slot in range(SLOT_COUNT):
            if not words[_W_SLOTS + 2 * slot]:
                return slot
        return -1

    def _free_dead_slots(self) -> None:
        """Free the slots of dead processes (the caller holds the lock, stamped)."""
        words = self._words
        for slot in range(SLOT_COUNT):
            identity = words[_W_SLOTS + 2 * slot]
            if identity and identity != _IDENTITY and not _identity_alive(identity):
                words[_W_SLOTS + 2 * slot] = 0

    def _free_dead_slots_safely(self) -> None:
        """Free dead slots when it is proven that none of them holds the semaphore.

        The dead are listed first; then the semaphore is shown not to be held by a dead
        process (this process takes it, or a live process holds it stamped). A process
        dead before that moment cannot hold it afterwards.
        """
        words = self._words
        dead = [
            slot
            for slot in range(SLOT_COUNT)
            if words[_W_SLOTS + 2 * slot]
            and not _identity_alive(words[_W_SLOTS + 2 * slot])
        ]
        if not dead:
            return
        took = self._sem_acquire(False)
        try:
            owner = words[_W_OWNER]
            stamped = owner and not owner & _FREE
            if took or (stamped and self._holder_alive(owner)):
                for slot in dead:
                    if (owner & _SLOT_MASK) - 1 != slot or took:
                        words[_W_SLOTS + 2 * slot] = 0
        finally:
            if took:
                self._sem_release()

    def _leave_slot(self) -> None:
        """Give this process's slot back (a clean exit or the last close)."""
        slot = self._slot
        if slot < 0 or self._tid is not None:
            return
        self._slot = -1
        self.stamp = 0
        with contextlib.suppress(ValueError):  # the memory was unmapped already
            if self._words[_W_SLOTS + 2 * slot] == _IDENTITY:
                self._words[_W_SLOTS + 2 * slot] = 0

    def _forked(self) -> None:
        """In a forked child: no thread here holds the lock, and no slot is ours."""
        self._tid = None
        self._depth = 0
        self.stamp = 0
        self._slot = -1
        self._journaled = False
        self._logged = set()
        self._recover_lock = threading.Lock()

    # -- the crash journal ------------------------------------------------------

    def journal_all(self) -> None:
        """Save all of data to the undo area and set the dirty mark (holder only).
        Once per hold: later calls before commit() keep the first copy."""
        if self._journaled:
            if self._words[_W_JOURNAL] >> 32 == _LOG:
                for index in range(self._count):
                    self.journal_element(index)
            return
        if self._tid is None:
            raise RuntimeError("RobustLock.journal_all(): the lock is not held")
        self._undo_head[:] = self._data
        self._words[2] = 0x1_0000_0000  # _W_JOURNAL := _ALL << 32 (literals: speed)
        self._journaled = True

    def journal_element(self, index: int) -> None:
        """Save element ``index`` (arrays) once per hold, before its first write."""
        if index in self._logged:
            return
        words = self._words
        if self._journaled and words[_W_JOURNAL] >> 32 == _ALL:
            return
        if self._tid is None:
            raise RuntimeError("RobustLock.journal_element(): the lock is not held")
        if not 0 <= index < self._count:
            raise IndexError(
                f"RobustLock.journal_element(): index {index} out of range"
            )
        elem = self._elem
        entry = len(self._logged)
        at = index * elem
        self._undo[entry * elem : entry * elem + elem] = self._data[at : at + elem]
        self._undo[_copies_size(elem, self._count) :].cast("Q")[entry] = index
        words[_W_JOURNAL] = _LOG << 32 | (entry + 1)
        self._logged.add(index)
        self._journaled = True

    def commit(self) -> None:
        """Clear the dirty mark: the write is complete."""
        self._words[2] = 0  # _W_JOURNAL
        self._journaled = False
        if self._logged:
            self._logged = set()

    # -- for inspect -----------------------------------------------------------

    @property
    def recoveries(self) -> int:
        """How many times a dead holder's lock was taken over."""
        return int(self._words[_W_RECOVERIES])

    def holder(self) -> tuple[int, bool] | None:
        """(pid, alive) of the stamped holder, or None if no holder is stamped."""
        owner = self._words[_W_OWNER]
        if not owner or owner & _FREE:
            return None
        slot = (owner & _SLOT_MASK) - 1
        if not 0 <= slot < SLOT_COUNT:
            return None
        identity = self._words[_W_SLOTS + 2 * slot]
        return identity & 0xFFFFFFFF, _identity_alive(identity)

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


def _closed(*args: object) -> bool:
    raise ValueError("RobustLock: the lock is closed")


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


def read_lock_state(state: bytes | bytearray | memoryview) -> dict[str, Any]:
    """Decode a state block without trusting it: a ``ValueError`` that says what is
    wrong, or a dict (``holder_pid``/``holder_start`` are None when no stamp)."""
    try:
        raw = bytes(memoryview(state).cast("B")[:LOCK_BLOCK_SIZE])
    except TypeError:  # not C-contiguous
        raise ValueError("lock state is not a contiguous buffer") from None
    if len(raw) < HEADER_SIZE:
        raise ValueError(
            f"lock state truncated: {len(raw)} bytes, the header alone is {HEADER_SIZE}"
        )
    magic, version, slots = _HEADER.unpack_from(raw, 0)
    if magic == 0 and version == 0:
        raise ValueError("lock state not initialised (all zero)")
    if magic != MAGIC:
        raise ValueError(f"not a structgen lock state (magic {magic:#010x})")
    if version != VERSION:
        raise ValueError(f"lock state format version {version}, expected {VERSION}")
    if not 1 <= slots <= SLOT_COUNT or len(raw) < HEADER_SIZE + slots * SLOT_SIZE:
        raise ValueError(f"lock state slot count {slots} does not fit the block")
    owner, journal, recoveries, shape, token = struct.unpack_from("<5Q", raw, 8)
    mode, logged = journal >> 32, journal & 0xFFFFFFFF
    elem_size, count = shape & 0xFFFFFFFF, shape >> 32
    if elem_size == 0 or count == 0:
        raise ValueError(f"lock state shape {count} x {elem_size} bytes is empty")
    if mode not in (_CLEAN, _ALL, _LOG) or (mode == _LOG and not 0 < logged <= count):
        raise ValueError(f"lock state journal word {journal:#x} is not valid")
    table = []
    for slot in range(slots):
        identity, wait = struct.unpack_from("<2Q", raw, HEADER_SIZE + slot * SLOT_SIZE)
        if identity:
            table.append(
                {
                    "slot": slot,
                    "pid": identity & 0xFFFFFFFF,
                    "start": identity >> 32,
                    "waiting": wait == _WAITING,
                }
            )
    holder_pid: int | None = None
    holder_start: int | None = None
    held = bool(owner) and not owner & _FREE
    if held:
        slot = (owner & _SLOT_MASK) - 1
        if not 0 <= slot < slots:
            raise ValueError(f"lock state owner word {owner:#x} names no slot")
        identity = struct.unpack_from("<Q", raw, HEADER_SIZE + slot * SLOT_SIZE)[0]
        holder_pid, holder_start = identity & 0xFFFFFFFF, identity >> 32
    return {
        "version": version,
        "elem_size": elem_size,
        "count": count,
        "held": held,
        "holder_pid": holder_pid,
        "holder_start": holder_start,
        "dirty": mode != _CLEAN,
        "journal": ("clean", "all", "log")[mode],
        "logged": logged if mode == _LOG else 0,
        "recoveries": recoveries,
        "anonymous": token != 0,
        "users": table,
    }
