"""Runtime helpers shared by the modules structgen generates (standard library only).

The generated modules hold what is specific to each record (its Structure, its
``...Data`` value, its typed properties); this package holds what every record shares:
the checks on writes (``values``), the views of ``update()`` (``views``), the lock
rules (``locks``), the all-or-nothing ``update()`` (``update``) and the bases of the
shared classes (``records``). Generated modules import it as ``_sg``.
"""

from __future__ import annotations

from .data import frozen_dataclass
from .locks import Context, LockArg
from .records import SharedRecord, SharedRecordArray
from .update import RecordItems, Update
from .values import (
    UNSET,
    Codec,
    Unset,
    array,
    boolean,
    checked,
    enum_of,
    fast_constructor,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    raw_bytes,
    record,
    text,
    uint8,
    uint16,
    uint32,
    uint64,
)
from .views import ArrayView, Field, View

__all__ = [
    "UNSET",
    "ArrayView",
    "Codec",
    "Context",
    "Field",
    "LockArg",
    "RecordItems",
    "SharedRecord",
    "SharedRecordArray",
    "Unset",
    "Update",
    "View",
    "array",
    "boolean",
    "checked",
    "enum_of",
    "fast_constructor",
    "float32",
    "float64",
    "frozen_dataclass",
    "int8",
    "int16",
    "int32",
    "int64",
    "raw_bytes",
    "record",
    "text",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
]
