"""Stage 4: where each field lives, computed by the C rules that ctypes follows.

A field is aligned to its natural alignment, or to ``pack`` when that is smaller (gcc's
``#pragma pack(n)``); a record is aligned to its most aligned field and its size is
rounded up to that alignment. These figures are what ``structgen layout`` prints and
what the tests compare against gcc and ``ctypes.sizeof``/``offsetof``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldLayout:
    name: str
    offset: int
    size: int
    align: int
    padding_before: int


@dataclass(frozen=True)
class RecordLayout:
    name: str
    size: int
    align: int
    fields: tuple[FieldLayout, ...]
    tail_padding: int


def lay_out(
    name: str, fields: list[tuple[str, int, int]], pack: int | None = None
) -> RecordLayout:
    """Lay out ``fields`` given as (name, size, natural alignment)."""
    offset = 0
    record_align = 1
    placed: list[FieldLayout] = []
    for field_name, size, natural in fields:
        align = min(natural, pack) if pack else natural
        start = -(-offset // align) * align
        placed.append(FieldLayout(field_name, start, size, align, start - offset))
        offset = start + size
        record_align = max(record_align, align)
    size = -(-offset // record_align) * record_align
    return RecordLayout(name, size, record_align, tuple(placed), size - offset)


def format_layout(layout: RecordLayout) -> str:
    """Human-readable table for ``structgen layout``."""
    lines = [f"{layout.name}: size {layout.size}, alignment {layout.align}"]
    width = max((len(f.name) for f in layout.fields), default=4)
    lines.append(f"  {'field':<{width}}  offset    size  align  padding-before")
    for f in layout.fields:
        lines.append(
            f"  {f.name:<{width}}  {f.offset:>6}  {f.size:>6}  {f.align:>5}"
            f"  {f.padding_before:>14}"
        )
    if layout.tail_padding:
        lines.append(f"  (tail padding: {layout.tail_padding})")
    return "\n".join(lines)
