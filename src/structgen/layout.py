"""Stage 4: where each field lives, computed by the C rules that ctypes follows.

A field is aligned to its natural alignment, or to ``pack`` when that is smaller (gcc's
``#pragma pack(n)``; ``pack: 1`` is ``__attribute__((packed))``); a record is aligned to
its most aligned field and its size is rounded up to that alignment. A nested record
counts with its own size and alignment, an array with its element's alignment. These
figures are what ``structgen layout`` prints; the tests compare them with gcc and with
``ctypes.sizeof``/``alignment``/``offset`` on the generated classes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldLayout:
    name: str
    offset: int
    size: int  # the whole field, every array element included
    align: int  # its alignment in this record (natural alignment, capped by pack)
    padding_before: int  # bytes skipped between the previous field and this one


@dataclass(frozen=True)
class RecordLayout:
    name: str
    size: int
    align: int
    fields: tuple[FieldLayout, ...]
    tail_padding: int  # bytes after the last field, up to ``size``
    pack: int | None = None


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
    return RecordLayout(name, size, record_align, tuple(placed), size - offset, pack)


_COLUMNS = ("offset", "size", "align", "pad-before")


def format_layout(layout: RecordLayout) -> str:
    """Plain-text table for ``structgen layout``: a heading, then one line per field.

    ``pad-before`` is the number of bytes skipped before a field to align it; the last
    line gives the padding after the last field, up to the record's size.
    """
    heading = f"{layout.name}: size {layout.size}, alignment {layout.align}"
    if layout.pack:
        heading += f", pack {layout.pack}"
    rows = [(f.offset, f.size, f.align, f.padding_before) for f in layout.fields]
    widths = [
        max([len(title), *(len(str(row[i])) for row in rows)])
        for i, title in enumerate(_COLUMNS)
    ]
    header = "  ".join(t.rjust(w) for t, w in zip(_COLUMNS, widths, strict=True))
    lines = [heading, f"  {header}  field"]
    for f, row in zip(layout.fields, rows, strict=True):
        cells = "  ".join(str(v).rjust(w) for v, w in zip(row, widths, strict=True))
        lines.append(f"  {cells}  {f.name}")
    end = layout.size - layout.tail_padding
    lines.append(
        f"  tail padding: {layout.tail_padding} "
        f"byte{'' if layout.tail_padding == 1 else 's'}"
        + (f" (offset {end} to {layout.size - 1})" if layout.tail_padding else "")
    )
    return "\n".join(lines)
