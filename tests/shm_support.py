"""Helpers for tests of named segments: unique names, layout descriptions, cleanup."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import struct
from collections.abc import Iterator
from typing import Any

from structgen.runtime import lockinfo
from structgen.runtime.robust import LOCK_BLOCK_SIZE, RobustLock, undo_size
from structgen.runtime.segment import SHM_DIR, Segment

_counter = itertools.count()


def unique_name(stem: str = "t") -> str:
    return f"sgtest-{stem}-{os.getpid()}-{next(_counter)}"


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


POINT_DOC: dict[str, Any] = {
    "record": "Point",
    "records": {
        "Point": {
            "size": 16,
            "align": 8,
            "fields": [
                {"name": "x", "type": "float64", "offset": 0, "size": 8, "dims": []},
                {"name": "y", "type": "int32", "offset": 8, "size": 4, "dims": []},
                {
                    "name": "c",
                    "type": "enum",
                    "ref": "Color",
                    "offset": 12,
                    "size": 1,
                    "dims": [],
                },
                {
                    "name": "t",
                    "type": "str",
                    "length": 3,
                    "offset": 13,
                    "size": 3,
                    "dims": [],
                },
            ],
        }
    },
    "enums": {"Color": {"type": "uint8", "members": [["RED", 0], ["GREEN", 1]]}},
}
POINT = canonical(POINT_DOC)


def make_point(
    name: str, *, persist: bool = False, mode: int = 0o600, x: float = 1.5
) -> Segment:
    """A record segment of POINT_DOC with a stand-in lock, values x, -3, GREEN, 'hi'."""

    def init(segment: Segment) -> None:
        struct.pack_into(
            "<dib3s", segment.buffer, segment.header.data_offset, x, -3, 1, b"hi"
        )
        header = segment.header
        sem = lockinfo.sem_name(segment.name)
        RobustLock.create(
            segment.view(header.lock_offset, header.lock_size),
            sem,
            data=segment.view(header.data_offset, header.data_size),
            undo=segment.view(header.undo_offset, header.undo_size),
            elem_size=16,
        ).close()
        segment.adopt(sem, "semaphore")

    return Segment.create(
        name,
        kind=1,
        description=POINT,
        count=1,
        elem_size=16,
        elem_align=8,
        lock_size=LOCK_BLOCK_SIZE,
        undo_size=undo_size(16, 1),
        lock_kind=lockinfo.LOCK_KIND_ROBUST,
        mode=mode,
        persist=persist,
        init=init,
    )


def remove(name: str) -> None:
    """Remove a test segment and its lock, whatever state it is in."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(f"{SHM_DIR}/{name}")
    lockinfo.unlink_companions(name)


@contextlib.contextmanager
def cleanup(*names: str) -> Iterator[None]:
    try:
        yield
    finally:
        for name in names:
            remove(name)


def shm_entries() -> set[str]:
    return set(os.listdir(SHM_DIR))


def attach_lock(name: str) -> RobustLock:
    """The lock of a segment made by ``make_point`` (for a holder in a test)."""
    segment = Segment.attach(name)
    header = segment.header
    return RobustLock.open(
        segment.view(header.lock_offset, header.lock_size),
        lockinfo.sem_name(name),
        data=segment.view(header.data_offset, header.data_size),
        undo=segment.view(header.undo_offset, header.undo_size),
        elem_size=16,
    )
