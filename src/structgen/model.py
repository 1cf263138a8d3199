"""The resolved model: plain frozen dataclasses with every decision already made.

The templates only read these; they never compute a type, a name or a default.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .layout import RecordLayout


@dataclass(frozen=True)
class FieldModel:
    name: str
    doc: str | None
    kind: str  # "int" | "float" | "bool" | "enum" | "str" | "bytes" | "record"
    dims: tuple[int, ...]
    ctype: str  # expression for _fields_, e.g. "(_ctypes.c_float * 2) * 8"
    struct_annotation: (
        str  # what mypy sees on the raw Structure ("" leaves typeshed's Any)
    )
    value_annotation: str  # what a read returns and a ...Data field holds
    input_annotation: str  # what a write accepts
    live_annotation: str  # what a read inside update() returns
    default: str  # Python expression of the default value
    default_name: str | None  # module constant holding it, when it calls another module
    codec: str  # runtime expression that checks writes and converts reads
    codec_type: str  # its annotation where inference is too loose (arrays), else ""
    codec_name: str  # module-level constant holding that codec
    read: str  # expression converting raw attribute ``{}`` to the value
    plain: bool  # raw ctypes read already gives the value (int, float, bool scalars)
    raw_in_view: bool  # ctypes alone guards writes inside update() (float64)
    # int scalars: (low, high) checked in line by the view's setter, which stores
    # through ``view_alias``, the same ctypes field under a private name
    int_range: tuple[int, int] | None
    view_alias: str
    size: int
    align: int
    # for the C header: the canonical scalar (int, float, bool and enum storage), the
    # byte length of str[N]/bytes[N], and the (module, name) of an enum or record
    scalar: str | None = None
    length: int = 0
    target: tuple[str, str] | None = None

    @property
    def default_ref(self) -> str:
        """How signatures and ...Data fields spell the default."""
        return self.default_name or self.default


@dataclass(frozen=True)
class RecordModel:
    name: str
    doc: str | None
    pack: int | None
    fields: tuple[FieldModel, ...]
    layout: RecordLayout
    data_name: str
    shared_name: str
    shared_array_name: str
    view_name: str
    view_base: str  # alias: the Structure at run time, _sg.View for mypy
    maker_name: str  # fast constructor of the ...Data class (fills its slots directly)


@dataclass(frozen=True)
class EnumModel:
    name: str
    doc: str | None
    storage: str  # canonical scalar name
    ctype: str
    members: tuple[tuple[str, int], ...]
    default: str  # member name


@dataclass(frozen=True)
class ImportModel:
    module: str  # dotted schema module, e.g. "sim.particles"
    statement: str  # e.g. "from .sim import particles as _sim_particles"


@dataclass(frozen=True)
class ModuleModel:
    name: str  # dotted module name relative to the output root
    source: Path  # the schema file
    display: str  # schema path as shown in diagnostics
    banner_name: (
        str  # schema path as the banner names it: "<root folder>/<relative path>"
    )
    doc: str | None
    imports: tuple[ImportModel, ...]
    runtime_import: str  # statement importing the helper module
    enums: tuple[EnumModel, ...]
    records: tuple[RecordModel, ...]  # in dependency order
    exports: tuple[str, ...]  # sorted __all__

    @property
    def output_path(self) -> Path:
        return Path(*self.name.split(".")).with_suffix(".py")
