"""The crash-safe lock's slow parts: waiting, recovery, the process table, the journal.

``RobustLock`` (robust.py) takes these methods from ``LockParts``; the state block they
read and write is described in robust_state.py and docs/lock-protocol.md. Standard
library only.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import mmap
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from . import liveness as _live
from .liveness import identity_alive
from .robust_state import (
    _ALL,
    _FREE,
    _HEADER,
    _IDLE,
    _LOG,
    _SEQ_STEP,
    _SLOT_MASK,
    _W_JOURNAL,
    _W_MAGIC,
    _W_OWNER,
    _W_RECOVERIES,
    _W_SHAPE,
    _W_SLOTS,
    _W_TOKEN,
    _WAITING,
    MAGIC,
    SLOT_COUNT,
    VERSION,
    _copies_size,
    read_lock_state,
)

__all__ = ["LockParts"]

_SLICE = 0.025  # a waiter wakes this often to check the holder
_STUCK_GRACE = 0.5  # semaphore held with no stamp this long, and a user dead: recover


class LockParts:
    """``RobustLock``'s slots, its header, the slow path of ``acquire()``, recovery,
    the process table, the crash journal and inspection."""

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

    # -- making and waiting -------------------------------------------------

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
        return identity == _live.IDENTITY or identity_alive(identity)

    def _any_user_dead(self) -> bool:
        words = self._words
        for slot in range(SLOT_COUNT):
            identity = words[_W_SLOTS + 2 * slot]
            if identity and not identity_alive(identity):
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
            words[_W_SLOTS + 2 * slot] = _live.IDENTITY
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
            if identity and identity != _live.IDENTITY and not identity_alive(identity):
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
            and not identity_alive(words[_W_SLOTS + 2 * slot])
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
            if self._words[_W_SLOTS + 2 * slot] == _live.IDENTITY:
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
        return identity & 0xFFFFFFFF, identity_alive(identity)
