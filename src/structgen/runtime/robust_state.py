"""The crash-safe lock's state block: its byte layout, ``undo_size()`` and a parser.

The layout, byte by byte, is in docs/lock-protocol.md; ``read_lock_state()`` decodes a
block without trusting it (for ``structgen inspect``). Standard library only.
"""

from __future__ import annotations

import struct
from typing import Any

__all__ = [
    "LOCK_BLOCK_SIZE",
    "MAGIC",
    "OWNER_WORD",
    "SLOT_COUNT",
    "VERSION",
    "read_lock_state",
    "undo_size",
]

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
_FREE = 1 << 63

# journal word modes (high 32 bits)
_CLEAN = 0
_ALL = 1
_LOG = 2

# slot state word
_IDLE = 0
_WAITING = 1

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
