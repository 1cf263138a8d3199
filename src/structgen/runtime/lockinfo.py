"""The lock of a named segment: its companions' names, its state for inspect.

Lock kind 1 is the crash-safe lock of ``robust.py`` (docs/lock-protocol.md): its state
block is the segment's lock block, its semaphore ``/dev/shm/sem.structgen.<name>.lock``.

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from .robust import pid_alive, read_lock_state

__all__ = [
    "LOCK_KIND_ROBUST",
    "LockInfo",
    "companions",
    "describe",
    "sem_name",
    "unlink_companions",
]

LOCK_KIND_ROBUST = 1


def sem_name(name: str) -> str:
    """The POSIX semaphore of segment ``name``: /dev/shm/sem.structgen.<name>.lock"""
    return f"/structgen.{name}.lock"


@dataclass(frozen=True)
class LockInfo:
    text: str  # "free", "held by pid N (alive)", ...
    pid: int | None
    alive: bool | None
    recoveries: int


def describe(state: bytes, lock_kind: int, name: str) -> LockInfo:
    """The lock's state, from its block in the segment (never trusted)."""
    if lock_kind != LOCK_KIND_ROBUST:
        return LockInfo(f"unknown (lock kind {lock_kind})", None, None, 0)
    try:
        info = read_lock_state(state)
    except ValueError as exc:
        return LockInfo(f"unreadable ({exc})", None, None, 0)
    recoveries = int(info["recoveries"])
    pid, start = info["holder_pid"], info["holder_start"]
    if not info["held"] or pid is None or start is None:
        return LockInfo("free", None, None, recoveries)
    alive = pid_alive(pid, start)
    state_text = "alive" if alive else "dead: the next waiter recovers it"
    return LockInfo(f"held by pid {pid} ({state_text})", pid, alive, recoveries)


def companions(name: str) -> list[tuple[str, str]]:
    """The lock's named objects of segment ``name``: (tracker name, resource type)."""
    return [(sem_name(name), "semaphore")]


def unlink_companions(name: str) -> None:
    """Remove the lock's named objects of segment ``name`` (those that exist)."""
    for tracker_name, _rtype in companions(name):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"/dev/shm/sem.{tracker_name[1:]}")
