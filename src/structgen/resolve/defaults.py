"""Defaults: whether a field's default fits its type, and its Python spelling."""

from __future__ import annotations

import math
import struct
from typing import Any

from .. import naming
from .imports import ref
from .state import Base, State


def check_defaults(state: State) -> None:
    """Report every default that does not fit its field."""
    for key in state.records:
        for f in state.fields.get(key, []):
            if not f.has_default:
                continue
            if f.base.kind == "record" and f.base.key in state.bad_records:
                continue
            where = f"'{key[1]}.{f.name}'"
            problem = default_problem(state, f.base, f.dims, f.default, where)
            if problem:
                state.error(
                    key[0],
                    ("records", key[1], "fields", f.name, "default"),
                    "invalid-default",
                    problem,
                )


def default_problem(
    state: State, base: Base, dims: tuple[int, ...], value: Any, where: str
) -> str | None:
    """Why ``value`` is not a valid default, or None."""
    if dims:
        if not isinstance(value, list):
            return f"default of {where} must be a list of {dims[0]} values"
        if len(value) != dims[0]:
            return (
                f"default of {where} has {len(value)} values; the array holds {dims[0]}"
            )
        for item in value:
            problem = default_problem(state, base, dims[1:], item, where)
            if problem:
                return problem
        return None
    kind = base.kind
    if kind == "bool":
        return (
            None
            if isinstance(value, bool)
            else (f"default of {where} must be true or false, not {value!r}")
        )
    if kind == "int":
        assert base.scalar is not None
        if isinstance(value, bool) or not isinstance(value, int):
            return f"default of {where} must be a whole number, not {value!r}"
        if not base.scalar.min <= value <= base.scalar.max:
            return (
                f"default {value} of {where} is out of range for "
                f"{base.scalar.name} ({base.scalar.min} .. {base.scalar.max})"
            )
        return None
    if kind == "float":
        assert base.scalar is not None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"default of {where} must be a number, not {value!r}"
        try:
            number = float(value)
        except OverflowError:
            return f"default {value} of {where} is out of range for float64"
        if base.scalar.size == 4 and math.isfinite(number):
            try:  # what C's (float) cast rounds to infinity is out of range
                struct.pack("<f", number)
            except OverflowError:
                return f"default {value} of {where} is out of range for float32"
        return None
    if kind == "enum":
        assert base.key is not None
        members = state.enum_members(base.key)
        if isinstance(value, str) and value in members:
            return None
        return (
            f"default of {where} must name a member of enum '{base.key[1]}' "
            f"({', '.join(members)}), not {value!r}"
        )
    if kind in ("str", "bytes"):
        if not isinstance(value, str):
            return f"default of {where} must be a string, not {value!r}"
        if "\0" in value and kind == "str":
            return f"default of {where} must not contain NUL"
        size = len(value.encode("utf-8"))
        if size > base.length:
            return (
                f"default of {where} is {size} bytes in UTF-8; "
                f"the field holds at most {base.length}"
            )
        return None
    assert base.key is not None
    if not isinstance(value, dict):
        return f"default of {where} must be a mapping of its fields, not {value!r}"
    inner = {f.name: f for f in state.fields.get(base.key, [])}
    for fname, item in value.items():
        if fname not in inner:
            return f"default of {where} names no field '{fname}' of '{base.key[1]}'"
        problem = default_problem(
            state,
            inner[fname].base,
            inner[fname].dims,
            item,
            f"'{base.key[1]}.{fname}'",
        )
        if problem:
            return problem
    return None


def python_default(
    state: State, base: Base, dims: tuple[int, ...], value: Any, here: str
) -> str:
    """The Python expression, in module ``here``, of a (checked) default value."""
    if dims:
        if value is None:
            element = python_default(state, base, dims[1:], None, here)
            return f"({element},) * {dims[0]}"
        items = [python_default(state, base, dims[1:], v, here) for v in value]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    kind = base.kind
    if kind == "bool":
        return "True" if value else "False"
    if kind == "int":
        return str(value or 0)
    if kind == "float":
        number = float(0.0 if value is None else value)  # keeps -0.0
        if base.scalar is not None and base.scalar.size == 4:
            # the value a float32 field holds, so that XData() == a fresh snapshot
            number = struct.unpack("<f", struct.pack("<f", number))[0]
        if math.isnan(number):
            return 'float("nan")'
        if math.isinf(number):
            return 'float("inf")' if number > 0 else '-float("inf")'
        return repr(number)
    if kind == "enum":
        assert base.key is not None
        members = state.enum_members(base.key)
        if value is None:
            value = next((m for m, v in members.items() if v == 0), next(iter(members)))
        return f"{ref(state, base.key, here)}.{value}"
    if kind == "str":
        return _str_literal(value or "")
    if kind == "bytes":
        data = (value or "").encode("utf-8")
        if not data:
            return f"bytes({base.length})"
        return _bytes_literal(data.ljust(base.length, b"\0"))
    assert base.key is not None
    data_cls = ref(state, base.key, here, naming.data_name(base.key[1]))
    if not value:
        return f"{data_cls}()"
    fields = {f.name: f for f in state.fields[base.key]}
    args = ", ".join(
        f"{k}={python_default(state, fields[k].base, fields[k].dims, v, here)}"
        for k, v in value.items()
    )
    return f"{data_cls}({args})"


def _str_literal(text: str) -> str:
    """A string literal quoted as ruff format would quote it."""
    literal = repr(text)
    if literal.startswith("'") and '"' not in text:
        literal = '"' + literal[1:-1].replace("\\'", "'") + '"'
    return literal


def _bytes_literal(data: bytes) -> str:
    text = repr(data)
    if text.startswith("b'") and '"' not in text:
        text = 'b"' + text[2:-1] + '"'
    return text
