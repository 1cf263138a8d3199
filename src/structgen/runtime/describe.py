"""The layout description of a generated record, read from its classes at run time.

The ctypes Structure gives every field's offset, size, array dimensions and width; the
``...Data`` class's annotations give what the bytes mean (``str`` or ``bytes``, which
enum, which nested record). Together they make the description that a named segment
carries (docs/segment-format.md), in canonical JSON: the same schema gives the same
bytes, hence the same fingerprint, in every process.

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import json
import typing
from typing import Any

__all__ = ["describe"]

_SCALARS: dict[Any, str] = {
    ctypes.c_bool: "bool",
    ctypes.c_int8: "int8",
    ctypes.c_int16: "int16",
    ctypes.c_int32: "int32",
    ctypes.c_int64: "int64",
    ctypes.c_uint8: "uint8",
    ctypes.c_uint16: "uint16",
    ctypes.c_uint32: "uint32",
    ctypes.c_uint64: "uint64",
    ctypes.c_float: "float32",
    ctypes.c_double: "float64",
}
_cache: dict[type[Any], bytes] = {}


def describe(struct: type[ctypes.Structure], data: type[Any]) -> bytes:
    """Canonical JSON describing ``struct`` (with ``data``, its ``...Data`` class)."""
    raw = _cache.get(struct)
    if raw is None:
        records: dict[str, Any] = {}
        enums: dict[str, Any] = {}
        _record(struct, data, records, enums)
        doc = {"record": struct.__name__, "records": records, "enums": enums}
        raw = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()
        _cache[struct] = raw
    return raw


def _record(
    struct: type[ctypes.Structure],
    data: type[Any],
    records: dict[str, Any],
    enums: dict[str, Any],
) -> None:
    name = struct.__name__
    if name in records:
        return
    hints = typing.get_type_hints(data)
    fields = []
    for field_name, field_type, *_bits in struct._fields_:
        ctype: Any = field_type
        descriptor = getattr(struct, field_name)
        hint = hints[field_name]
        dims: list[int] = []
        while _is_array(ctype) and typing.get_origin(hint) is tuple:
            dims.append(ctype._length_)
            ctype = ctype._type_
            hint = typing.get_args(hint)[0]
        entry: dict[str, Any] = {
            "name": field_name,
            "offset": descriptor.offset,
            "size": descriptor.size,
            "dims": dims,
        }
        if hint is str or hint is bytes:
            entry["type"] = "str" if hint is str else "bytes"
            entry["length"] = ctype._length_
        elif isinstance(hint, type) and issubclass(hint, enum.IntEnum):
            entry["type"], entry["ref"] = "enum", hint.__name__
            enums[hint.__name__] = {
                "type": _SCALARS[ctype],
                "members": [[m.name, m.value] for m in hint],
            }
        elif dataclasses.is_dataclass(hint):
            entry["type"], entry["ref"] = "record", ctype.__name__
            _record(ctype, typing.cast(type[Any], hint), records, enums)
        else:
            entry["type"] = _SCALARS[ctype]
        fields.append(entry)
    records[name] = {
        "size": ctypes.sizeof(struct),
        "align": ctypes.alignment(struct),
        "fields": fields,
    }


def _is_array(ctype: object) -> bool:
    return isinstance(ctype, type) and issubclass(ctype, ctypes.Array)
