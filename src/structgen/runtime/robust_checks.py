"""The crash-safe lock's argument checks: timeouts, semaphore names, buffers.

Standard library only.
"""

from __future__ import annotations

import math

from .robust_state import LOCK_BLOCK_SIZE, undo_size

__all__ = ["LONGEST_WAIT", "check_shape", "deadline"]

LONGEST_WAIT = 1e9  # seconds; longer means no limit (the semaphore refuses it)


def deadline(timeout: object) -> float | None:
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
    if seconds > LONGEST_WAIT:
        return None
    return max(seconds, 0.0)  # negative: one try, as multiprocessing's locks do


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


def _closed(*args: object) -> bool:
    raise ValueError("RobustLock: the lock is closed")


def check_shape(state: object, data: object, undo: object, elem_size: int) -> int:
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
