"""Order and layout: record sizes and offsets, and the order records are defined."""

from __future__ import annotations

import math

from ..layout import RecordLayout, lay_out
from ..types import MAX_RECORD_BYTES
from .state import Base, Key, State


def element_size(state: State, base: Base) -> tuple[int, int]:
    """Size and alignment of one element of type ``base``."""
    if base.kind in ("str", "bytes"):
        return base.length, 1
    if base.scalar is not None:
        return base.scalar.size, base.scalar.size
    assert base.key is not None
    layout = record_layout(state, base.key)
    return layout.size, layout.align


def record_layout(state: State, key: Key) -> RecordLayout:
    """The C layout of record ``key`` (computed once, nested records first)."""
    if key not in state.layouts:
        items = []
        for f in state.fields[key]:
            size, align = element_size(state, f.base)
            items.append((f.name, size * math.prod(f.dims), align))
        state.layouts[key] = lay_out(key[1], items, state.records[key].pack)
    return state.layouts[key]


def check_sizes(state: State) -> None:
    """Lay out every sound record; report those over MAX_RECORD_BYTES."""
    for key, fields in state.fields.items():
        if key in state.bad_records or any(
            f.base.key in state.bad_records for f in fields if f.base.kind == "record"
        ):
            continue
        try:
            size = record_layout(state, key).size
        except RecursionError:  # pragma: no cover - cycles are reported before
            continue
        if size > MAX_RECORD_BYTES:
            state.error(
                key[0],
                ("records", key[1]),
                "record-too-large",
                f"record '{key[1]}' is {size:,} bytes; a shared record may be at most "
                f"{MAX_RECORD_BYTES:,} bytes",
                key=True,
            )
            state.bad_records.add(key)


def record_order(state: State, module: str) -> list[str]:
    """The records of ``module``, each after the records of it that it holds."""
    names = list(state.sources[module].schema.records)
    deps = {
        name: [
            f.base.key[1]
            for f in state.fields[(module, name)]
            if f.base.key and f.base.kind == "record" and f.base.key[0] == module
        ]
        for name in names
    }
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for dep in deps[name]:
            visit(dep)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered
