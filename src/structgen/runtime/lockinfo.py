"""The lock of a named segment: which one, its companions' names, its state for inspect.

Lock kind 0 is a stand-in: a named POSIX semaphore (``_multiprocessing.SemLock``,
recursive) with no crash journal. It follows the interface of the crash-safe lock
(``create``/``open``/``acquire``/``release``/``journal_*``/``commit``) so that the
records do not change when the crash-safe lock replaces it.

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Self

# no stubs in typeshed for this CPython module (multiprocessing's locks)
_multiprocessing: Any = importlib.import_module("_multiprocessing")

__all__ = [
    "LOCK_KIND_SEMAPHORE",
    "LockInfo",
    "SemaphoreLock",
    "companions",
    "describe",
    "sem_name",
    "unlink_companions",
]

LOCK_KIND_SEMAPHORE = 0
_RECURSIVE_MUTEX = 0


def sem_name(name: str) -> str:
    """The POSIX semaphore of segment ``name``: /dev/shm/sem.structgen.<name>.lock"""
    return f"/structgen.{name}.lock"


_cache: dict[str, Any] = {}
_cache_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # A forked child inherits the parent's semaphore objects, with the parent's
    # count of its own acquisitions: this process holds none of them.
    for semlock in _cache.values():
        semlock._after_fork()


os.register_at_fork(after_in_child=_after_fork_in_child)


class SemaphoreLock:
    """A recursive named semaphore: one object per name in a process (re-entrant per
    thread), so two attaches of one segment in a process share it."""

    def __init__(self, semlock: Any, name: str) -> None:
        self._semlock = semlock
        self.name = name
        self.acquire = semlock.acquire
        self.release = semlock.release

    @classmethod
    def create(cls, name: str) -> Self:
        """A new semaphore (its lifetime is the segment's: ``Segment.adopt``)."""
        try:
            semlock = _multiprocessing.SemLock(_RECURSIVE_MUTEX, 1, 1, name, False)
        except FileExistsError:
            # left by a segment of the same name that is gone (its segment was made
            # exclusively just now, so no one uses this one)
            _multiprocessing.sem_unlink(name)
            semlock = _multiprocessing.SemLock(_RECURSIVE_MUTEX, 1, 1, name, False)
        with _cache_lock:
            _cache[name] = semlock
        return cls(semlock, name)

    @classmethod
    def open(cls, name: str) -> Self:
        with _cache_lock:
            semlock = _cache.get(name)
            if semlock is None:
                try:
                    semlock = _multiprocessing.SemLock._rebuild(
                        0, _RECURSIVE_MUTEX, 1, name
                    )
                except FileNotFoundError:
                    raise FileNotFoundError(
                        f"the lock of this segment ({name}) is gone: the segment "
                        "was removed while being made, or by hand"
                    ) from None
                _cache[name] = semlock
        return cls(semlock, name)

    def __enter__(self) -> bool:
        return bool(self.acquire())

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    # the crash journal: none with this lock
    def journal_all(self) -> None:
        pass

    def journal_element(self, index: int) -> None:
        pass

    def commit(self) -> None:
        pass

    @property
    def recoveries(self) -> int:
        return 0


@dataclass(frozen=True)
class LockInfo:
    text: str  # "free", "held by pid N (alive)", ...
    pid: int | None
    alive: bool | None
    recoveries: int


def describe(state: bytes, lock_kind: int, name: str) -> LockInfo:
    """The lock's state, from its block in the segment (and its semaphore)."""
    if lock_kind == LOCK_KIND_SEMAPHORE:
        try:
            semlock = _multiprocessing.SemLock._rebuild(
                0, _RECURSIVE_MUTEX, 1, sem_name(name)
            )
        except OSError:
            return LockInfo("unknown (its semaphore is gone)", None, None, 0)
        value = semlock._get_value()
        return LockInfo("free" if value else "held", None, None, 0)
    return LockInfo(f"unknown (lock kind {lock_kind})", None, None, 0)


def companions(name: str) -> list[tuple[str, str]]:
    """The lock's named objects of segment ``name``: (tracker name, resource type)."""
    return [(sem_name(name), "semaphore")]


def unlink_companions(name: str) -> None:
    """Remove the lock's named objects of segment ``name`` (those that exist)."""
    with contextlib.suppress(FileNotFoundError):
        _multiprocessing.sem_unlink(sem_name(name))
