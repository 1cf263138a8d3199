"""The lock rules: which locks a record takes, and how it acquires them.

A record's lock is a multiprocessing RLock (the default), a caller's Lock or RLock, or
none. A plain Lock taken again by its holder raises instead of hanging.
"""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.context
import multiprocessing.synchronize
from collections.abc import Callable
from typing import Any

__all__ = ["Context", "LockArg"]

LockArg = (
    bool | None | multiprocessing.synchronize.Lock | multiprocessing.synchronize.RLock
)
Context = multiprocessing.context.BaseContext

# -- locks ---------------------------------------------------------------------------


def _no_lock(*args: object) -> bool:
    return True


def _check_lock(lock: object, owner: str) -> None:
    allowed = (
        bool | multiprocessing.synchronize.Lock | multiprocessing.synchronize.RLock
    )
    if lock is not None and not isinstance(lock, allowed):
        raise TypeError(
            f"{owner}: lock must be True, False, None or a multiprocessing Lock or "
            f"RLock, not {type(lock).__name__}"
        )


def _resolve_lock(
    lock: object, ctx: object, owner: str
) -> multiprocessing.synchronize.Lock | multiprocessing.synchronize.RLock | None:
    _check_lock(lock, owner)
    if ctx is not None and not isinstance(ctx, multiprocessing.context.BaseContext):
        raise TypeError(f"{owner}: ctx must be a multiprocessing context or None")
    if lock is True or lock is None:
        context: Any = ctx if ctx is not None else multiprocessing.get_context()
        return context.RLock()  # type: ignore[no-any-return]
    if lock is False:
        return None
    return lock  # type: ignore[return-value]  # checked above


def _lock_functions(
    lock: Any, owner: str
) -> tuple[Callable[..., bool], Callable[[], object]]:
    """The C-level acquire/release of ``lock``, as multiprocessing.Value caches them."""
    if lock is None:
        return _no_lock, _no_lock
    semlock = lock._semlock
    if isinstance(lock, multiprocessing.synchronize.RLock):
        return semlock.acquire, semlock.release

    def acquire(block: bool = True, timeout: float | None = None) -> bool:
        # A second acquire of a plain Lock by its holder would wait forever. As far
        # as this process knows, this thread holds it; but another process may have
        # released it since (a plain Lock allows that), and then it is free.
        if semlock._is_mine():
            if semlock.acquire(False):
                return True
            raise RuntimeError(
                f"{owner}: this thread already holds the record's Lock, which is not "
                "reentrant; acquiring it again would deadlock (use lock=True for an "
                "RLock, or do the work inside one update() block)"
            )
        return semlock.acquire(block, timeout)  # type: ignore[no-any-return]

    return acquire, semlock.release


# A wait longer than this (about 31 years) is a wait for ever: the semaphore itself
# refuses deadlines that far away (OSError), and math.inf means "no limit" too.
_LONGEST_WAIT = 1e9


def _seconds(timeout: object, owner: str) -> float | None:
    """``update(timeout=)`` checked at once, whether or not the lock is busy."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(
            f"{owner}.update(): timeout must be a number of seconds or None, "
            f"not {type(timeout).__name__}"
        )
    try:
        seconds = float(timeout)
    except OverflowError:  # an int beyond any float
        return None
    if math.isnan(seconds):
        raise ValueError(f"{owner}.update(): timeout must be a number, not nan")
    return None if seconds > _LONGEST_WAIT else seconds


# How often update() retries a lock that another process holds before it sleeps on it.
# A sleeping waiter costs a system call on each side and a context switch, several
# microseconds, while an update() block holds the lock for well under one: retrying
# for about as long as a sleep would take is how two busy processes keep the lock
# moving (the same idea as an adaptive mutex). A try costs about 50 ns.
_SPINS = 100


def _acquire_contended(
    acquire: Callable[..., bool], timeout: float | None = None
) -> bool:
    """Take a lock that was busy a moment ago: retry briefly, then wait for it."""
    for _ in range(_SPINS):
        if acquire(False):
            return True
    if timeout is None:
        return acquire()
    return acquire(True, timeout)
