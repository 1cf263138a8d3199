"""Refuse records nested deeper than the runtime can work through (nesting-depth)."""

from __future__ import annotations

from ..types import MAX_NESTING_DEPTH
from .state import Key, State


def check_nesting(state: State) -> None:
    """Refuse records nested more than MAX_NESTING_DEPTH levels deep (nesting-depth).

    A level is the record itself, each record nested in it and each array dimension on
    the way. The runtime works through nested values by recursive calls, so a depth it
    could not run is refused here. Iterative: the schema's depth is no limit here.
    """
    r = state
    depth: dict[Key, int] = {}
    for start in r.fields:
        stack, on_stack = [start], {start}
        while stack:
            key = stack[-1]
            if key in depth:
                stack.pop()
                continue
            inner = [
                f.base.key
                for f in r.fields.get(key, [])
                if f.base.kind == "record" and f.base.key and f.base.key in r.fields
            ]
            pending = [k for k in inner if k not in depth and k not in on_stack]
            if pending and key not in r.bad_records:
                stack.extend(pending)
                on_stack.update(pending)
                continue
            stack.pop()
            on_stack.discard(key)
            levels = [
                len(f.dims) + (depth.get(f.base.key, 0) if f.base.key in inner else 0)
                for f in r.fields.get(key, [])
            ]
            depth[key] = 1 + max(levels, default=0)
            too_deep = [k for k in inner if depth.get(k, 0) > MAX_NESTING_DEPTH]
            if depth[key] <= MAX_NESTING_DEPTH or key in r.bad_records:
                continue
            r.bad_records.add(key)
            if too_deep:  # reported where the limit is first passed
                continue
            r.error(
                key[0],
                ("records", key[1]),
                "nesting-depth",
                f"record '{key[1]}' nests {depth[key]} levels deep; at most "
                f"{MAX_NESTING_DEPTH} are allowed (the record, each record nested in "
                "it and each array dimension is a level): flatten the schema",
                key=True,
            )
