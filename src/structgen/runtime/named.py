"""Records shared by name (SPEC section 6): making, finding and checking segments.

``SharedX.create``/``attach`` and ``SharedXArray.create``/``attach`` come here for the
segment (``segment.py``) and its lock (``lockinfo.py``); ``records.py`` then wraps the
segment's data as it wraps a ``RawValue``. ``attach`` checks the segment's kind
(record or array) and its layout against this module's, naming the first field that
differs.
"""

from __future__ import annotations

import ctypes
import math
from collections.abc import Callable
from typing import Any

from .describe import describe
from .header import KIND_ARRAY, KIND_NAMES, KIND_RECORD
from .layoutdesc import compare_layouts, parse_description
from .lockinfo import LOCK_KIND_SEMAPHORE, SemaphoreLock, companions, sem_name
from .segment import Segment

__all__ = ["attach_segment", "create_segment", "timeout_seconds"]

_LOCK_BLOCK = 64  # the stand-in lock keeps nothing in it; the offsets are in the header


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
) -> tuple[Segment, SemaphoreLock]:
    """Make segment ``name`` (``fill`` writes the data), or attach with ``exist_ok``."""
    for flag, value in (("exist_ok", exist_ok), ("persist", persist)):
        if not isinstance(value, bool):
            raise TypeError(f"{owner}.create(): {flag} must be a bool, not {value!r}")
    size = ctypes.sizeof(struct)

    def init(segment: Segment) -> None:
        lock_name = sem_name(segment.name)
        SemaphoreLock.create(lock_name)
        segment.adopt(lock_name, "semaphore")
        header = segment.header
        fill(segment.view(header.data_offset, header.data_size))

    try:
        segment = Segment.create(
            name,
            kind=kind,
            description=_layout(struct, data),
            count=count,
            elem_size=size,
            elem_align=ctypes.alignment(struct),
            lock_size=_LOCK_BLOCK,
            undo_size=size * count,
            lock_kind=LOCK_KIND_SEMAPHORE,
            mode=mode,
            persist=persist,
            init=init,
        )
    except FileExistsError:
        if not exist_ok:
            raise
        return attach_segment(owner, name, struct, data, kind, None)
    return segment, SemaphoreLock.open(sem_name(name))


def attach_segment(
    owner: str,
    name: str,
    struct: type[ctypes.Structure],
    data: type[Any],
    kind: int,
    timeout: float | None,
) -> tuple[Segment, SemaphoreLock]:
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
        if header.lock_kind != LOCK_KIND_SEMAPHORE:
            raise ValueError(
                f"segment '{name}' uses lock kind {header.lock_kind}, which this "
                "module does not know (made by another structgen version)"
            )
        lock = SemaphoreLock.open(sem_name(name))
    except BaseException:
        segment.close()
        raise
    return segment, lock


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


RECORD, ARRAY = KIND_RECORD, KIND_ARRAY
