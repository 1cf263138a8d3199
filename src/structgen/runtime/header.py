"""The fixed header of a named segment: 256 bytes, little-endian, fixed width.

Byte by byte in docs/segment-format.md (a C program reads it: issue 11). The header is
stored first with its ready flag clear; the ready flag is stored last. ``parse_header``
checks every offset and size against the segment's size before anything is read
through them: a hostile or corrupt segment is refused with a ``ValueError`` saying
why (not structgen's, truncated, another format version, regions outside it).

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import itertools
import mmap
import struct
from dataclasses import dataclass

from .layoutdesc import (
    MAX_DESCRIPTION,
    Description,
    describe_fingerprint,
    parse_description,
)

__all__ = [
    "DATA_ALIGN",
    "FORMAT_VERSION",
    "HEADER_SIZE",
    "KIND_ARRAY",
    "KIND_RECORD",
    "MAGIC",
    "Header",
    "NotReady",
    "parse_header",
    "read_description",
]

MAGIC = b"STRUCTGN"
FORMAT_VERSION = 1
HEADER_SIZE = 256
DATA_ALIGN = 64
KIND_RECORD = 1
KIND_ARRAY = 2
KIND_NAMES = {KIND_RECORD: "record", KIND_ARRAY: "array"}
READY = 1
FLAG_PERSIST = 1
SHM_DIR = "/dev/shm"
# The fixed header. Offsets are in docs/segment-format.md; keep the two in step.
_HEADER = struct.Struct(
    "<8s"  # 0   magic "STRUCTGN"
    "I"  # 8   format version
    "I"  # 12  header size (256)
    "I"  # 16  kind: 1 record, 2 array
    "I"  # 20  ready: 1 once the segment is complete (stored last)
    "Q"  # 24  segment size in bytes
    "Q"  # 32  element count (1 for a record)
    "Q"  # 40  element size
    "Q"  # 48  element alignment
    "Q"  # 56  lock block offset
    "Q"  # 64  lock block size
    "Q"  # 72  data offset
    "Q"  # 80  data size (count * element size)
    "Q"  # 88  undo offset
    "Q"  # 96  undo size
    "Q"  # 104 layout description offset
    "Q"  # 112 layout description size (bytes of UTF-8 JSON)
    "q"  # 120 creator pid
    "Q"  # 128 creator start time (clock ticks after boot, /proc/<pid>/stat field 22)
    "q"  # 136 creation time (nanoseconds since the Unix epoch)
    "I"  # 144 flags: bit 0 persist
    "I"  # 148 lock kind (1: the robust lock of docs/lock-protocol.md)
    "32s"  # 152 layout fingerprint: SHA-256 of the description bytes
    "72s"  # 184 record name, UTF-8, NUL-padded (cut at 72 bytes; whole in description)
)
assert _HEADER.size == HEADER_SIZE
_READY_OFFSET = 20
_READY_OFFSET = 20


# -- the header ----------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    version: int
    kind: int
    ready: bool
    size: int
    count: int
    elem_size: int
    elem_align: int
    lock_offset: int
    lock_size: int
    data_offset: int
    data_size: int
    undo_offset: int
    undo_size: int
    desc_offset: int
    desc_size: int
    creator_pid: int
    creator_start: int
    created_ns: int
    flags: int
    lock_kind: int
    fingerprint: bytes
    record: str

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, f"kind {self.kind}")

    @property
    def persist(self) -> bool:
        return bool(self.flags & FLAG_PERSIST)


class NotReady(ValueError):
    """The segment exists but its creator has not finished it (or died making it)."""


def parse_header(buf: bytes | memoryview | mmap.mmap, name: str) -> Header:
    """Check the fixed header against the segment's size; refuse anything odd."""
    where = f"shared memory segment '{name}'"
    size = len(buf)
    if size < HEADER_SIZE:
        if not any(bytes(buf[:size])):
            raise NotReady(f"{where} is not ready (empty)")
        if bytes(buf[: min(size, 8)]) != MAGIC[: min(size, 8)]:
            raise ValueError(f"{where} is not a structgen segment (bad magic number)")
        raise ValueError(f"{where} is truncated ({size} bytes, header needs 256)")
    fields = _HEADER.unpack_from(buf, 0)
    magic, version, header_size, kind, ready = fields[:5]
    if magic != MAGIC:
        if magic == bytes(8) and not any(bytes(buf[:HEADER_SIZE])):
            raise NotReady(f"{where} is not ready (all zero)")
        raise ValueError(f"{where} is not a structgen segment (bad magic number)")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{where} has segment format version {version}; this module reads "
            f"version {FORMAT_VERSION} (rebuild with the same structgen version)"
        )
    if header_size != HEADER_SIZE:
        raise ValueError(f"{where}: header size {header_size}, expected {HEADER_SIZE}")
    if ready != READY:
        if ready != 0:
            raise ValueError(f"{where}: corrupt ready flag {ready}")
        raise NotReady(f"{where} is not ready")
    (seg_size, count, elem_size, elem_align) = fields[5:9]
    regions = fields[9:17]
    pid, start, created, flags, lock_kind, fingerprint, raw_name = fields[17:]
    if kind not in KIND_NAMES:
        raise ValueError(f"{where}: unknown kind {kind} (not a record nor an array)")
    if seg_size != size:
        raise ValueError(
            f"{where} is {size} bytes but its header says {seg_size} "
            "(truncated or corrupt)"
        )
    if kind == KIND_RECORD and count != 1:
        raise ValueError(f"{where}: a record segment with element count {count}")
    (
        lock_off,
        lock_size,
        data_off,
        data_size,
        undo_off,
        undo_size,
        desc_off,
        desc_size,
    ) = regions
    spans = {
        "lock block": (lock_off, lock_size),
        "data": (data_off, data_size),
        "undo copy": (undo_off, undo_size),
        "layout description": (desc_off, desc_size),
    }
    for what, (offset, length) in spans.items():
        if offset < HEADER_SIZE or offset + length > size:
            raise ValueError(
                f"{where}: its {what} (offset {offset}, {length} bytes) lies outside "
                f"the segment's {size} bytes"
            )
    ordered = sorted(spans.values())
    for (o1, l1), (o2, _l2) in itertools.pairwise(ordered):
        if o1 + l1 > o2:
            raise ValueError(f"{where}: regions of the segment overlap")
    if elem_size * count != data_size:
        raise ValueError(
            f"{where}: {count} elements of {elem_size} bytes do not make its "
            f"{data_size} bytes of data"
        )
    if desc_size > MAX_DESCRIPTION:
        raise ValueError(f"{where}: layout description of {desc_size} bytes")
    if elem_align < 1 or data_off % min(elem_align, DATA_ALIGN):
        raise ValueError(f"{where}: data misaligned")
    record = raw_name.rstrip(b"\0").decode("utf-8", "replace")
    return Header(
        version,
        kind,
        True,
        size,
        count,
        elem_size,
        elem_align,
        lock_off,
        lock_size,
        data_off,
        data_size,
        undo_off,
        undo_size,
        desc_off,
        desc_size,
        pid,
        start,
        created,
        flags,
        lock_kind,
        fingerprint,
        record,
    )


def read_description(
    buf: bytes | memoryview | mmap.mmap, header: Header, name: str
) -> Description:
    """The layout description of a parsed header, checked against the header."""
    where = f"shared memory segment '{name}'"
    raw = bytes(buf[header.desc_offset : header.desc_offset + header.desc_size])
    if describe_fingerprint(raw) != header.fingerprint:
        raise ValueError(
            f"{where}: its layout description does not match its fingerprint (corrupt)"
        )
    desc = parse_description(raw, where)
    root = desc.root
    if root.size != header.elem_size:
        raise ValueError(
            f"{where}: its layout description says {root.size} bytes a record, "
            f"the header {header.elem_size}"
        )
    if not desc.record.encode().startswith(header.record.encode()[:72]):
        raise ValueError(f"{where}: the header and description name other records")
    return desc
