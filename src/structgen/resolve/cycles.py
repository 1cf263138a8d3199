"""Cycles: a record that holds itself by value, directly or through others."""

from __future__ import annotations

from ..schema import FieldSpec
from .state import Key, State


def check_cycles(state: State) -> None:
    """Report each cycle of records once; its records join ``state.bad_records``."""
    graph = {
        key: [f.base.key for f in fields if f.base.kind == "record" and f.base.key]
        for key, fields in state.fields.items()
    }
    reported: set[frozenset[Key]] = set()
    for start in sorted(graph):
        stack: list[tuple[Key, list[Key]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in graph.get(node, []):
                if nxt == start:
                    members = frozenset(trail)
                    if members in reported:
                        continue
                    reported.add(members)
                    _report_cycle(state, trail)
                elif nxt not in trail and nxt in graph:
                    stack.append((nxt, [*trail, nxt]))


def _report_cycle(state: State, trail: list[Key]) -> None:
    steps = []
    for here, there in zip(trail, [*trail[1:], trail[0]], strict=True):
        fname = next(f.name for f in state.fields[here] if f.base.key == there)
        steps.append(f"{_qualified(here, trail[0][0])}.{fname}")
    path_text = " -> ".join([*steps, _qualified(trail[0], trail[0][0])])
    module, name = trail[0]
    fname = next(
        f.name for f in state.fields[trail[0]] if f.base.key == trail[1 % len(trail)]
    )
    raw = state.records[trail[0]].fields[fname]
    path: tuple[str | int, ...] = ("records", name, "fields", fname)
    if isinstance(raw, FieldSpec):
        path = (*path, "type")
    state.error(
        module,
        path,
        "record-cycle",
        f"record '{name}' contains itself: {path_text}; "
        "a record cannot hold itself by value",
    )
    state.bad_records.update(trail)


def _qualified(key: Key, here: str) -> str:
    return key[1] if key[0] == here else f"{key[0]}.{key[1]}"
