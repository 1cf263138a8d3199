"""The layout description a named segment carries: every field of its record.

It is UTF-8 JSON (keys ``record``, ``records``, ``enums``; see docs/segment-format.md),
stored in the segment next to its SHA-256, the layout fingerprint. ``parse_description``
never trusts it: every size must add up, every offset fit its record, every name it
refers to exist, and nothing may contain itself. ``compare_layouts`` names the first
field that differs between two layouts; ``decode_values`` reads every value with the
description alone (``structgen inspect`` needs no generated module).

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "SCALARS",
    "Description",
    "FieldDesc",
    "RecordDesc",
    "compare_layouts",
    "decode_values",
    "describe_fingerprint",
    "parse_description",
]

KIND_RECORD = 1
KIND_ARRAY = 2
# A description is small (a few hundred bytes a field); refuse absurd ones unread.
MAX_DESCRIPTION = 1 << 20
MAX_DEPTH = 32
SCALARS: Mapping[str, tuple[str, int]] = {
    "bool": ("?", 1),
    "int8": ("b", 1),
    "int16": ("h", 2),
    "int32": ("i", 4),
    "int64": ("q", 8),
    "uint8": ("B", 1),
    "uint16": ("H", 2),
    "uint32": ("I", 4),
    "uint64": ("Q", 8),
    "float32": ("f", 4),
    "float64": ("d", 8),
}
_INTEGERS = frozenset(k for k in SCALARS if "int" in k)


# -- the layout description ----------------------------------------------------------


@dataclass(frozen=True)
class FieldDesc:
    name: str
    type: str  # a scalar name, "str", "bytes", "enum" or "record"
    offset: int
    size: int  # the whole field, every array element included
    dims: tuple[int, ...]
    length: int = 0  # str/bytes: bytes per text
    ref: str = ""  # enum or record name

    def spelled(self) -> str:
        base = {"str": f"str[{self.length}]", "bytes": f"bytes[{self.length}]"}.get(
            self.type, self.ref or self.type
        )
        return base + "".join(f"[{d}]" for d in self.dims)


@dataclass(frozen=True)
class RecordDesc:
    name: str
    size: int
    align: int
    fields: tuple[FieldDesc, ...]


@dataclass(frozen=True)
class Description:
    """The layout of one element, as stored in the segment (and checked there)."""

    record: str
    records: Mapping[str, RecordDesc]
    enums: Mapping[str, tuple[str, tuple[tuple[str, int], ...]]]  # storage, members
    raw: bytes

    @property
    def root(self) -> RecordDesc:
        return self.records[self.record]

    @property
    def fingerprint(self) -> bytes:
        return hashlib.sha256(self.raw).digest()


def describe_fingerprint(raw: bytes) -> bytes:
    """The layout fingerprint stored in the header: SHA-256 of the description."""
    return hashlib.sha256(raw).digest()


def _bad(where: str, why: str) -> ValueError:
    return ValueError(f"{where}: its layout description is invalid ({why})")


def _int(value: object, what: str, where: str, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise _bad(where, f"{what} must be an integer >= {low}, not {value!r}")
    if value >= 1 << 63:
        raise _bad(where, f"{what} is too large")
    return value


def _str(value: object, what: str, where: str) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 256:
        raise _bad(where, f"{what} must be a short text, not {value!r}")
    return value


def parse_description(raw: bytes, where: str = "segment") -> Description:
    """Parse and check a layout description: every size adds up, every offset fits,
    every name it refers to exists, nothing nests in itself."""
    if len(raw) > MAX_DESCRIPTION:
        raise _bad(where, f"{len(raw)} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise _bad(where, f"not JSON: {exc}") from None
    if not isinstance(doc, dict) or set(doc) != {"record", "records", "enums"}:
        raise _bad(where, "expected the keys record, records, enums")
    root = _str(doc["record"], "record", where)
    raw_records, raw_enums = doc["records"], doc["enums"]
    if not isinstance(raw_records, dict) or not isinstance(raw_enums, dict):
        raise _bad(where, "records and enums must be objects")
    enums: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {}
    for enum_name, spec in raw_enums.items():
        _str(enum_name, "enum name", where)
        if not isinstance(spec, dict) or set(spec) != {"type", "members"}:
            raise _bad(where, f"enum {enum_name!r} needs type and members")
        storage = spec["type"]
        if not isinstance(storage, str) or storage not in _INTEGERS:
            raise _bad(where, f"enum {enum_name!r} has storage {storage!r}")
        members = spec["members"]
        if not isinstance(members, list) or not members:
            raise _bad(where, f"enum {enum_name!r} has no members")
        pairs = []
        for member in members:
            if not (isinstance(member, list) and len(member) == 2):
                raise _bad(where, f"enum {enum_name!r} member {member!r}")
            pairs.append(
                (
                    _str(member[0], "member", where),
                    _int(member[1], "member value", where, -(1 << 63)),
                )
            )
        enums[enum_name] = (storage, tuple(pairs))
    records: dict[str, RecordDesc] = {}
    for record_name, spec in raw_records.items():
        records[record_name] = _parse_record(record_name, spec, enums, where)
    if root not in records:
        raise _bad(where, f"no record {root!r} in it")
    _check_nesting(records, enums, root, where)
    return Description(root, records, enums, raw)


_FIELD_KEYS = {"name", "type", "offset", "size", "dims"}


def _parse_record(
    name: str,
    spec: object,
    enums: Mapping[str, tuple[str, tuple[tuple[str, int], ...]]],
    where: str,
) -> RecordDesc:
    _str(name, "record name", where)
    if not isinstance(spec, dict) or set(spec) != {"size", "align", "fields"}:
        raise _bad(where, f"record {name!r} needs size, align and fields")
    size = _int(spec["size"], f"{name} size", where)
    align = _int(spec["align"], f"{name} align", where, 1)
    raw_fields = spec["fields"]
    if not isinstance(raw_fields, list):
        raise _bad(where, f"record {name!r} fields must be a list")
    fields = []
    for item in raw_fields:
        if not isinstance(item, dict) or not set(item) >= _FIELD_KEYS:
            raise _bad(where, f"a field of {name!r} lacks {sorted(_FIELD_KEYS)}")
        field_name = _str(item["name"], "field name", where)
        label = f"{name}.{field_name}"
        kind = item["type"]
        if not isinstance(kind, str):
            raise _bad(where, f"{label} type must be a text, not {kind!r}")
        offset = _int(item["offset"], f"{label} offset", where)
        fsize = _int(item["size"], f"{label} size", where)
        dims_raw = item["dims"]
        if not isinstance(dims_raw, list) or len(dims_raw) > 8:
            raise _bad(where, f"{label} dims must be a short list")
        dims = tuple(_int(d, f"{label} dims", where, 1) for d in dims_raw)
        length, ref = 0, ""
        extra = set(item) - _FIELD_KEYS
        if kind in SCALARS:
            expected_extra: set[str] = set()
        elif kind in ("str", "bytes"):
            expected_extra = {"length"}
            length = _int(item.get("length"), f"{label} length", where, 1)
        elif kind in ("enum", "record"):
            expected_extra = {"ref"}
            ref = _str(item.get("ref"), f"{label} ref", where)
            if kind == "enum" and ref not in enums:
                raise _bad(where, f"{label} names unknown enum {ref!r}")
        else:
            raise _bad(where, f"{label} has unknown type {kind!r}")
        if extra != expected_extra:
            raise _bad(where, f"{label} has keys {sorted(extra)}")
        if offset + fsize > size:
            raise _bad(where, f"{label} ends past its record's {size} bytes")
        fields.append(FieldDesc(field_name, kind, offset, fsize, dims, length, ref))
    return RecordDesc(name, size, align, tuple(fields))


def _element_size(
    field: FieldDesc,
    records: Mapping[str, RecordDesc],
    enums: Mapping[str, tuple[str, tuple[tuple[str, int], ...]]],
) -> int:
    if field.type in SCALARS:
        return SCALARS[field.type][1]
    if field.type in ("str", "bytes"):
        return field.length
    if field.type == "enum":
        return SCALARS[enums[field.ref][0]][1]
    return records[field.ref].size


def _check_nesting(
    records: Mapping[str, RecordDesc],
    enums: Mapping[str, tuple[str, tuple[tuple[str, int], ...]]],
    root: str,
    where: str,
) -> None:
    """Sizes add up, every nested record exists, and nothing contains itself."""
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise _bad(where, f"record {name!r} contains itself")
        if len(path) > MAX_DEPTH:
            raise _bad(where, "records nest too deep")
        if name in done:
            return
        record = records[name]
        for field in record.fields:
            label = f"{name}.{field.name}"
            if field.type == "record":
                if field.ref not in records:
                    raise _bad(where, f"{label} names unknown record {field.ref!r}")
                visit(field.ref, (*path, name))
            elem = _element_size(field, records, enums)
            count = math.prod(field.dims)
            if elem == 0 and count > 4096:
                raise _bad(where, f"{label} repeats an empty record {count} times")
            if elem * count != field.size:
                raise _bad(
                    where, f"{label} is {field.size} bytes, not {count} x {elem}"
                )
        done.add(name)

    visit(root, ())


# -- comparing layouts ---------------------------------------------------------------


def compare_layouts(segment: Description, module: Description) -> str | None:
    """None when the layouts are the same, else a sentence naming the first field
    that differs (name, type, offset or size), at any depth of nesting."""
    if segment.raw == module.raw:
        return None
    if segment.record != module.record:
        return f"it holds record '{segment.record}', not '{module.record}'"
    return _compare_record(segment, module, segment.record, module.record, "")


def _compare_record(
    seg: Description, mod: Description, seg_name: str, mod_name: str, path: str
) -> str | None:
    a, b = seg.records[seg_name], mod.records[mod_name]
    prefix = path or mod_name
    for fa, fb in zip(a.fields, b.fields, strict=False):
        label = f"{prefix}.{fb.name}"
        if fa.name != fb.name:
            return (
                f"field '{label}' is named '{fa.name}' in the segment "
                f"(at offset {fa.offset})"
            )
        same_kind = (fa.type, fa.length, fa.dims) == (fb.type, fb.length, fb.dims)
        if (fa.type == "record") != (fb.type == "record"):
            same_kind = False
        if not same_kind or fa.offset != fb.offset or fa.size != fb.size:
            return (
                f"field '{label}' is {fa.spelled()} at offset {fa.offset} ({fa.size} "
                f"bytes) in the segment but {fb.spelled()} at offset {fb.offset} "
                f"({fb.size} bytes) in this module"
            )
        if fa.type == "enum":
            ma, mb = seg.enums[fa.ref], mod.enums[fb.ref]
            if ma != mb:
                return (
                    f"field '{label}' has enum {fa.ref} {dict(ma[1])} "
                    f"in the segment but {fb.ref} {dict(mb[1])} in this module"
                )
        if fa.type == "record":
            inner = _compare_record(seg, mod, fa.ref, fb.ref, label)
            if inner:
                return inner
    if len(a.fields) != len(b.fields):
        if len(a.fields) > len(b.fields):
            extra = a.fields[len(b.fields)]
            return (
                f"field '{prefix}.{extra.name}' is in the segment, not in this module"
            )
        extra = b.fields[len(a.fields)]
        return f"field '{prefix}.{extra.name}' is in this module, not in the segment"
    if a.size != b.size or a.align != b.align:
        return (
            f"record '{prefix}' is {a.size} bytes (alignment {a.align}) in the "
            f"segment but {b.size} (alignment {b.align}) in this module"
        )
    if (a.name != b.name) and not path:
        return f"it holds record '{a.name}', not '{b.name}'"
    return None


# -- decoding values (for `structgen inspect`; no generated module needed) -----------


def decode_values(
    desc: Description, data: bytes | memoryview, count: int, kind: int
) -> Any:
    """Every value of the data, as JSON-ready Python: a dict for a record, a list of
    dicts for an array. Text is decoded (up to its first NUL), bytes as hex, enums as
    member names (an int that is no member stays an int)."""
    root = desc.root
    if len(data) < root.size * count:
        raise ValueError("segment data is shorter than its description")
    items = [
        _decode_record(desc, root, data, index * root.size) for index in range(count)
    ]
    return items if kind == KIND_ARRAY else items[0]


def _decode_record(
    desc: Description, record: RecordDesc, data: bytes | memoryview, base: int
) -> dict[str, Any]:
    return {
        f.name: _decode_field(desc, f, data, base + f.offset) for f in record.fields
    }


def _decode_field(
    desc: Description, field: FieldDesc, data: bytes | memoryview, offset: int
) -> Any:
    elem = _element_size(field, desc.records, desc.enums)

    def one(at: int) -> Any:
        if field.type in SCALARS:
            value = struct.unpack_from("<" + SCALARS[field.type][0], data, at)[0]
            if isinstance(value, float) and not math.isfinite(value):
                return str(value)  # JSON has no nan/inf
            return value
        if field.type == "str":
            raw = bytes(data[at : at + field.length]).split(b"\0", 1)[0]
            return raw.decode("utf-8", "replace")
        if field.type == "bytes":
            return bytes(data[at : at + field.length]).hex()
        if field.type == "enum":
            storage, members = desc.enums[field.ref]
            value = struct.unpack_from("<" + SCALARS[storage][0], data, at)[0]
            for member, member_value in members:
                if member_value == value:
                    return member
            return value
        return _decode_record(desc, desc.records[field.ref], data, at)

    def nest(dims: tuple[int, ...], at: int) -> Any:
        if not dims:
            return one(at)
        step = elem * math.prod(dims[1:])
        return [nest(dims[1:], at + i * step) for i in range(dims[0])]

    return nest(field.dims, offset)
