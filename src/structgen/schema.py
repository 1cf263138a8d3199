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
    """A field in long form: its type, and optionally a default and a docstring."""

    type: StrictStr = Field(
        description="The field's type: a scalar (bool, int8..int64, uint8..uint64, "
        "float32, float64, or an alias such as double), str[N] or bytes[N], an enum or "
        "record of this file or of an import (units.Length), with optional array "
        "dimensions (float32[8][2]). Quote it in YAML flow style."
    )
    default: Any = Field(
        default=None,
        description="The default value, of the field's type: a number, a boolean, a "
        "text, an enum member's name, a list for an array, a mapping of field names "
        "for a nested record. Without it the default is zero.",
    )
    doc: StrictStr | None = Field(
        default=None, description="The field's documentation."
    )


class RecordSpec(_Model):
    """A record: a C struct shared between processes."""

    doc: StrictStr | None = Field(default=None, description="The record's docstring.")
    pack: StrictInt | None = Field(
        default=None,
        description="Maximum alignment of its fields in bytes (1, 2, 4 or 8), as "
        "ctypes' _pack_ and C's #pragma pack(n).",
    )
    fields: dict[StrictStr, StrictStr | FieldSpec] = Field(
        min_length=1,
        description="The fields in memory order: each maps a name to its type (short "
        "form) or to a mapping with 'type:' and optionally 'default:' and 'doc:'.",
    )


class EnumSpec(_Model):
    """An enum: named integer constants stored in an integer type."""

    doc: StrictStr | None = Field(default=None, description="The enum's docstring.")
    type: StrictStr = Field(
        default="int32",
        description="The integer storage type (int8..int64, uint8..uint64); "
        "default int32.",
    )
    values: list[StrictStr] | dict[StrictStr, StrictInt] = Field(
        min_length=1,
        description="The members: a list of names numbered from 0, as in C, or a "
        "mapping of names to their values.",
    )


class SchemaFile(_Model):
    """A structgen schema file: one file makes one generated module."""

    doc: StrictStr | None = Field(
        default=None, description="The generated module's docstring."
    )
    imports: list[StrictStr] = Field(
        default=[],
        description="Other schema files of the same build whose records and enums "
        "this file uses: paths relative to the schema root, without the extension, "
        "dotted (units, sim.particles).",
    )
    enums: dict[StrictStr, EnumSpec] = Field(
        default={}, description="The enums of this file, by name."
    )
    records: dict[StrictStr, RecordSpec] = Field(
        default={}, description="The records of this file, by name."
    )


_KNOWN_KEYS: dict[str, list[str]] = {
    "file": list(SchemaFile.model_fields),
    "record": list(RecordSpec.model_fields),
    "enum": list(EnumSpec.model_fields),
    "field": list(FieldSpec.model_fields),
}

Loc = tuple[str | int, ...]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of a schema file, made from the models above (it cannot drift).

    Editors use it through yaml-language-server's ``# yaml-language-server: $schema=``
    line; ``structgen schema-json`` prints it.
    """
    schema = _fix_lengths(SchemaFile.model_json_schema())
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "structgen schema file",
    }


def _fix_lengths(node: Any) -> Any:
    """Pydantic puts a union's ``min_length`` beside its ``anyOf`` as ``minLength``,
    which JSON Schema applies to strings only: move it into each branch as
    ``minItems``/``minProperties``."""
    if isinstance(node, list):
        return [_fix_lengths(item) for item in node]
    if not isinstance(node, dict):
        return node
    fixed = {key: _fix_lengths(value) for key, value in node.items()}
    if "anyOf" in fixed and "minLength" in fixed:
        least = fixed.pop("minLength")
        for branch in fixed["anyOf"]:
            if branch.get("type") == "array":
                branch["minItems"] = least
            elif branch.get("type") == "object":
                branch["minProperties"] = least
    return fixed


def _context(parent: Loc) -> tuple[str, str]:
    """Which kind of mapping ``parent`` is, and how messages name it."""
    if len(parent) == 2 and parent[0] == "records":
        return "record", f"record '{parent[1]}'"
    if len(parent) == 4 and parent[0] == "records" and parent[2] == "fields":
        return "field", f"field '{parent[1]}.{parent[3]}'"
    if len(parent) == 2 and parent[0] == "enums":
        return "enum", f"enum '{parent[1]}'"
    return "file", "the schema file"


def _split(loc: Loc) -> tuple[Loc, Loc, str | None]:
    """Split a pydantic location into (location, location of its union, union branch).

    A field is a type name or a mapping; enum values are a list or a mapping. Pydantic
    tries both branches of such a union and puts the branch's name into the location.
    """
    if len(loc) >= 5 and loc[0] == "records" and loc[2] == "fields":
        return (*loc[:4], *loc[5:]), loc[:4], str(loc[4])
    if len(loc) >= 4 and loc[0] == "enums" and loc[2] == "values":
        return (*loc[:3], *loc[4:]), loc[:3], str(loc[3])
    return loc, loc, None


def _branch_for(union: Loc, value: Any) -> str | None:
    """The union branch that fits ``value``'s kind, or None if neither does."""
    if union[0] == "records":
        if isinstance(value, dict):
            return "FieldSpec"
        return "str" if isinstance(value, str) else None
    if isinstance(value, dict):
        return "dict[str,int]"
    return "list[str]" if isinstance(value, list) else None


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"{type(value).__name__} {value!r}"


def parse_schema(doc: Document) -> tuple[SchemaFile | None, list[Diagnostic]]:
    """Validate the structure of a loaded document."""
    try:
        return SchemaFile.model_validate(doc.data), []
    except ValidationError as exc:
        errors = exc.errors()
    diagnostics: list[Diagnostic] = []
    seen: set[Loc] = set()
    suggested: set[Loc] = set()  # keys an unknown key probably misspells
    missing: list[Loc] = []
    for error in errors:
        kind = error["type"]
        loc, union, branch = _split(tuple(error["loc"]))
        if branch is not None:
            fitting = _branch_for(union, _lookup(doc.data, union))
            if fitting is None:
                loc = union  # neither form fits: one message about the whole value
            elif branch != fitting:
                continue  # the other form's complaint says nothing useful
        if loc in seen:
            continue
        seen.add(loc)
        if kind == "extra_forbidden":
            key = str(loc[-1])
            context, where = _context(loc[:-1])
            known = _KNOWN_KEYS[context]
            match = difflib.get_close_matches(key, known, n=1)
            if match:
                hint = f"; did you mean '{match[0]}'?"
                suggested.add((*loc[:-1], match[0]))
            else:
                hint = f" (allowed: {', '.join(known)})"
            code, message = "unknown-key", f"unknown key '{key}' in {where}{hint}"
            pos = doc.at(loc, key=True)
        elif kind == "missing":
            missing.append(loc)
            continue
        else:
            value = _lookup(doc.data, loc)
            code = "invalid-value"
            message = _value_message(loc, value, error)
            pos = doc.at(loc)
        diagnostics.append(Diagnostic(doc.file, pos.line, pos.column, code, message))
    for loc in missing:
        if loc in suggested:
            continue  # already reported as the misspelt key
        _context_kind, where = _context(loc[:-1])
        pos = doc.at(loc[:-1], key=True)
        diagnostics.append(
            Diagnostic(
                doc.file,
                pos.line,
                pos.column,
                "missing-key",
                f"{where} is missing the required key '{loc[-1]}'",
            )
        )
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
    if len(loc) == 3 and loc[0] == "enums" and loc[2] == "values":
        return (
            f"'{where}' must be a list of member names or a mapping of names to "
            f"numbers, not {_describe(value)}"
        )
    expected = {
        "string_type": "a string",
        "int_type": "a whole number",
        "dict_type": "a mapping",
        "model_type": "a mapping",
        "list_type": "a list",
    }.get(error["type"])
    if expected:
        return f"'{where}' must be {expected}, not {_describe(value)}"
    return f"'{where}': {error['msg']}"


def salvage(doc: Document) -> tuple[SchemaFile, frozenset[str]] | None:
    """The valid part of a document that ``parse_schema`` refused, to check it further.

    Every error should be reported in one run, not just the first: a typo in one record
    must not hide a pointer field in another. Records and enums that are malformed are
    left out (their names are returned, so that references to them are not reported
    again); a record with a malformed field keeps its other fields. Returns None when
    the file's shape is too broken to go on (a section that is not a mapping, bad
    ``imports:``).
    """
    data = doc.data
    kept: dict[str, Any] = {}
    for key in ("doc", "imports"):
        if key in data:
            try:
                SchemaFile.model_validate({key: data[key]})
            except ValidationError:
                if key == "imports":
                    return None
                continue
            kept[key] = data[key]
    dropped: set[str] = set()
    for section, spec_type in (("enums", EnumSpec), ("records", RecordSpec)):
        entries = data.get(section, {})
        if not isinstance(entries, dict):
            return None
        good: dict[str, Any] = {}
        for name, spec in entries.items():
            try:
                good[name] = spec_type.model_validate(spec)
                continue
            except ValidationError:
                pass
            partial = _partial_record(spec) if section == "records" else None
            if partial is None:
                dropped.add(name)
            else:
                good[name] = partial
        kept[section] = good
    try:
        return SchemaFile.model_validate(kept), frozenset(dropped)
    except ValidationError:  # pragma: no cover - every part was checked above
        return None


def _partial_record(spec: Any) -> RecordSpec | None:
    """A record without its malformed fields and keys, if any field is left."""
    if not isinstance(spec, dict) or not isinstance(spec.get("fields"), dict):
        return None
    fields: dict[str, Any] = {}
    for name, raw in spec["fields"].items():
        try:
            RecordSpec.model_validate({"fields": {name: raw}})
        except ValidationError:
            continue
        fields[name] = raw
    if not fields:
        return None
    kept: dict[str, Any] = {"fields": fields}
    for key in ("doc", "pack"):
        if key in spec:
            try:
                RecordSpec.model_validate({"fields": fields, key: spec[key]})
            except ValidationError:
                continue
            kept[key] = spec[key]
    return RecordSpec.model_validate(kept)
