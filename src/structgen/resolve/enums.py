"""Enums: storage type, member names and values."""

from __future__ import annotations

from .. import naming
from ..types import ALIASES, PLATFORM_SIZED, SCALARS
from .state import Key, State


def check_enum(state: State, key: Key) -> None:
    """Report a bad storage type or member; store the canonical storage type name."""
    module, name = key
    spec = state.enums[key]
    base = ("enums", name)
    scalar = SCALARS.get(ALIASES.get(spec.type, spec.type))
    if scalar is None or scalar.kind != "int":
        hint = (
            f"; '{spec.type}' has a different width on different platforms, "
            f"use the fixed-width {PLATFORM_SIZED[spec.type]}"
            if spec.type in PLATFORM_SIZED
            else ""
        )
        state.error(
            module,
            (*base, "type"),
            "invalid-enum-type",
            f"enum '{name}' storage type '{spec.type}' must be an integer type "
            f"(int8 ... int64, uint8 ... uint64){hint}",
        )
        scalar = SCALARS["int32"]
    else:
        state.enums[key] = spec.model_copy(update={"type": scalar.name})
    is_map = isinstance(spec.values, dict)
    items = (
        list(spec.values.items())
        if isinstance(spec.values, dict)
        else [(member, index) for index, member in enumerate(spec.values)]
    )
    seen: set[str] = set()
    for index, (member, value) in enumerate(items):
        path = (*base, "values", member) if is_map else (*base, "values", index)
        problem = naming.identifier_problem(member)
        if problem or member in naming.RESERVED_ENUM_MEMBERS:
            reason = problem or "is reserved by Python's Enum"
            state.error(
                module,
                path,
                "invalid-name",
                f"enum member '{name}.{member}' {reason}",
                key=is_map,
            )
        if member in seen:
            state.error(
                module,
                path,
                "duplicate-name",
                f"enum member '{name}.{member}' is listed twice",
            )
        seen.add(member)
        if not scalar.min <= value <= scalar.max:
            state.error(
                module,
                path,
                "enum-value-range",
                f"enum member '{name}.{member}' = {value} does not fit its storage "
                f"type {scalar.name} ({scalar.min} .. {scalar.max})",
            )
