"""Stage 2: the shape of a schema file, checked by pydantic.

These models only check structure (which keys exist, what kind of value each holds);
meaning (types, names, references, defaults) is checked in ``resolve``. Pydantic's
errors are turned into located diagnostics here, so no user mistake becomes a traceback.
"""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from .errors import Diagnostic
from .loader import Document


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FieldSpec(_Model):
    type: StrictStr
    default: Any = None
    doc: StrictStr | None = None


class RecordSpec(_Model):
    doc: StrictStr | None = None
    pack: StrictInt | None = None
    fields: dict[StrictStr, StrictStr | FieldSpec] = Field(min_length=1)


class EnumSpec(_Model):
    doc: StrictStr | None = None
    type: StrictStr = "int32"
    values: list[StrictStr] | dict[StrictStr, StrictInt] = Field(min_length=1)


class SchemaFile(_Model):
    doc: StrictStr | None = None
    imports: list[StrictStr] = []
    enums: dict[StrictStr, EnumSpec] = {}
    records: dict[StrictStr, RecordSpec] = {}


_KNOWN_KEYS: dict[str, list[str]] = {
    "file": list(SchemaFile.model_fields),
    "record": list(RecordSpec.model_fields),
    "enum": list(EnumSpec.model_fields),
    "field": list(FieldSpec.model_fields),
}


def _context(loc: tuple[str | int, ...]) -> str:
    """Which kind of mapping a location sits in, for 'unknown key' hints."""
    if len(loc) <= 1:
        return "file"
    if loc[0] == "records":
        return "record" if len(loc) == 3 else "field"
    if loc[0] == "enums":
        return "enum"
    return "file"


def _clean(loc: tuple[str | int, ...]) -> tuple[str | int, ...]:
    """Drop pydantic's union branch names (``str``, ``FieldSpec``) from a location."""
    return tuple(
        part
        for part in loc
        if part not in ("str", "FieldSpec", "list[str]", "dict[str,int]")
        and not (isinstance(part, str) and part.startswith(("list[", "dict[")))
    )


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def parse_schema(doc: Document) -> tuple[SchemaFile | None, list[Diagnostic]]:
    """Validate the structure of a loaded document."""
    try:
        return SchemaFile.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
    diagnostics: list[Diagnostic] = []
    seen: set[tuple[str | int, ...]] = set()
    for error in errors:
        kind = error["type"]
        loc = _clean(tuple(error["loc"]))
        if kind == "extra_forbidden":
            key = str(loc[-1])
            known = _KNOWN_KEYS[_context(loc[:-1] if len(loc) > 1 else ())]
            match = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean '{match[0]}'?" if match else ""
            where = f" (allowed: {', '.join(known)})" if not match else ""
            code, message = "unknown-key", f"unknown key '{key}'{hint}{where}"
            pos = doc.at(loc, key=True)
        elif kind == "missing":
            code, message = "missing-key", f"missing required key '{loc[-1]}'"
            pos = doc.at(loc[:-1])
        else:
            # A union (short or long field form) fails once per branch; report it once.
            if loc in seen:
                continue
            value = _lookup(doc.data, loc)
            code = "invalid-value"
            message = _value_message(loc, value, error)
            pos = doc.at(loc)
        seen.add(loc)
        diagnostics.append(Diagnostic(doc.file, pos.line, pos.column, code, message))
    return None, diagnostics


def _lookup(data: Any, loc: tuple[str | int, ...]) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _value_message(loc: tuple[str | int, ...], value: Any, error: Any) -> str:
    where = ".".join(str(p) for p in loc) or "file"
    if loc and loc[-1] == "fields" and isinstance(value, dict) and not value:
        return f"'{where}' needs at least one field"
    if loc and loc[-1] == "values" and not value:
        return f"'{where}' needs at least one member"
    if len(loc) == 4 and loc[0] == "records" and loc[2] == "fields":
        return (
            f"field '{loc[1]}.{loc[3]}' must be a type name or a mapping with 'type:', "
            f"not {_describe(value)}"
        )
    expected = {
        "string_type": "a string",
        "int_type": "a whole number",
        "dict_type": "a mapping",
        "list_type": "a list",
    }.get(error["type"])
    if expected:
        return f"'{where}' must be {expected}, not {_describe(value)}"
    return f"'{where}': {error['msg']}"
