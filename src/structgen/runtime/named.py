"""Records shared by name (SPEC section 6): making, finding and checking segments.

``SharedX.create``/``attach`` and ``SharedXArray.create``/``attach`` come here for the
segment (``segment.py``) and its lock (``lockinfo.py``); ``records.py`` then wraps the
segment's data as it wraps a ``RawValue``. ``attach`` checks the segment's kind
(record or array) and its layout against this module's, naming the first field that
differs.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
from collections.abc import Callable
from typing import Any

from .describe import describe
from .header import KIND_ARRAY, KIND_NAMES
from .layoutdesc import compare_layouts, parse_description
from .lockinfo import LOCK_KIND_ROBUST, companions, sem_name
from .robust import LOCK_BLOCK_SIZE, RobustLock, undo_size
from .segment import Segment

__all__ = ["attach_segment", "create_segment", "timeout_seconds"]


def _layout(struct: type[ctypes.Structure], data: type[Any]) -> bytes:
    return describe(struct, data)


def create_segment(
    owner: str,
    name: str,
    struct: type[ctypes.Structure],
    data: type[Any],
    kind: int,
    count: int,
    fill: Callable[[memoryview], None],
    mode: int,
    exist_ok: bool,
    persist: bool,
) -> tuple[Segment, RobustLock]:
    """Make segment ``name`` (``fill`` writes the data), or attach with ``exist_ok``."""
    for flag, value in (("exist_ok", exist_ok), ("persist", persist)):
        if not isinstance(value, bool):
            raise TypeError(f"{owner}.create(): {flag} must be a bool, not {value!r}")
    size = ctypes.sizeof(struct)
    if count < 1:
        raise ValueError(f"{owner}.create(): a named array needs at least one element")
    made: list[RobustLock] = []

    def init(segment: Segment) -> None:
        header = segment.header
        fill(segment.view(header.data_offset, header.data_size))
        lock_name = sem_name(segment.name)
        if os.path.exists(f"/dev/shm/sem.{lock_name[1:]}"):
            # left by a segment of that name that is gone (its segment was made
            # exclusively just now, so no one uses this one)
            unlink_companion(lock_name)
        made.append(
            RobustLock.create(
                *_lock_views(segment), lock_name, mode=mode, **_lock_kw(segment)
            )
        )
        segment.adopt(lock_name, "semaphore")

    try:
        segment = Segment.create(
            name,
            kind=kind,
            description=_layout(struct, data),
            count=count,
            elem_size=size,
            elem_align=ctypes.alignment(struct),
            lock_size=LOCK_BLOCK_SIZE,
            undo_size=undo_size(size, count),
            lock_kind=LOCK_KIND_ROBUST,
            mode=mode,
            persist=persist,
            init=init,
        )
    except FileExistsError:
        if not exist_ok:
            raise
        return attach_segment(owner, name, struct, data, kind, None)
    return segment, made[0]


def attach_segment(
    owner: str,
    name: str,
    struct: type[ctypes.Structure],
    data: type[Any],
    kind: int,
    timeout: float | None,
) -> tuple[Segment, RobustLock]:
    """Map segment ``name``; refuse another kind of segment or another layout."""
    segment = Segment.attach(name, timeout=timeout_seconds(timeout, owner))
    try:
        header = segment.header
        if header.kind != kind:
            suffix = "Array" if header.kind == KIND_ARRAY else ""
            raise ValueError(
                f"segment '{name}' holds {_a(header.kind_name)} of {header.record}, "
                f"not {_a(KIND_NAMES[kind])}: use Shared{header.record}{suffix}"
                ".attach()"
            )
        mine = parse_description(_layout(struct, data), "this module")
        difference = compare_layouts(segment.description, mine)
        if difference is not None:
            raise ValueError(
                f"segment '{name}' does not hold this module's {struct.__name__}: "
                f"{difference}"
            )
        if header.lock_kind != LOCK_KIND_ROBUST:
            raise ValueError(
                f"segment '{name}' uses lock kind {header.lock_kind}, which this "
                "module does not know (made by another structgen version)"
            )
        lock = RobustLock.open(
            *_lock_views(segment), sem_name(name), **_lock_kw(segment)
        )
    except BaseException:
        segment.close()
        raise
    return segment, lock


def _lock_views(segment: Segment) -> tuple[memoryview]:
    """The lock block, as a view the segment does not release on close: a lock is
    shared by every attach of its segment in a process, and its views must outlive
    the one that opened it (the mapping stays until the lock's last close)."""
    header = segment.header
    start = header.lock_offset
    return (memoryview(segment.buffer)[start : start + header.lock_size],)


def _lock_kw(segment: Segment) -> dict[str, Any]:
    header = segment.header
    whole = memoryview(segment.buffer)
    return {
        "data": whole[header.data_offset : header.data_offset + header.data_size],
        "undo": whole[header.undo_offset : header.undo_offset + header.undo_size],
        "elem_size": header.elem_size,
    }


def unlink_companion(lock_name: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"/dev/shm/sem.{lock_name[1:]}")


def _a(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def timeout_seconds(timeout: object, owner: str) -> float | None:
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(
            f"{owner}.attach(): timeout must be a number of seconds or None, "
            f"not {type(timeout).__name__}"
        )
    seconds = float(timeout)
    if math.isnan(seconds) or seconds < 0:
        raise ValueError(f"{owner}.attach(): timeout must be >= 0, not {timeout}")
    return seconds


def unlink_segment(segment: Segment) -> None:
    segment.unlink(companions(segment.name))


class _Closed:
    """What a closed named record's lock functions become: every use says so."""

    def __init__(self, owner: str, name: str) -> None:
        self.message = f"{owner} '{name}' is closed"

    def __call__(self, *args: object) -> bool:
        raise ValueError(self.message)


def _robust(lock: Any, obj: Any, struct: Any, count: int, ctx: Any) -> Any:
    """``lock="robust"``: the crash-safe lock, for memory made in a parent."""
    if not isinstance(lock, str):
        return lock
    if count < 1:
        raise ValueError("lock='robust' needs at least one element to guard")
    return RobustLock.anonymous(
        elem_size=ctypes.sizeof(struct), count=count, data=obj, ctx=ctx
    )


def _no_journal(*args: object) -> None:
    """The journal of a lock that is not crash-safe: nothing to save."""


def _rebuild_named(cls: Any, name: str) -> Any:
    """A named record reaches another process by its name: it attaches there."""
    return cls.attach(name)


def _shared_class(shared: object) -> type[Any]:
    """The generated class of ``shared`` (not its inline-locking subclass)."""
    cls = type(shared)
    original: type[Any] = cls.__dict__.get("_fast_of", cls)
    return original


def segment_of(shared: Any, method: str) -> Segment:
    """The segment of a named record; a record without a name has none."""
    if shared._segment is None:
        raise TypeError(
            f"{type(shared).__name__}.{method}(): only a named record (made by "
            "create() or attach()) has a segment to " + method
        )
    segment: Segment = shared._segment
    return segment
