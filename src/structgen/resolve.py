"""Stage 3: give a set of validated schema files their meaning.

Checks names, resolves field types and cross-file references, rejects pointers, cycles
and bad defaults, lays records out, and builds the frozen model the templates render.
Every problem becomes a located diagnostic; nothing stops at the first one.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from . import naming
from .errors import Diagnostics
from .layout import RecordLayout, lay_out
from .loader import Document
from .model import EnumModel, FieldModel, ImportModel, ModuleModel, RecordModel
from .schema import EnumSpec, FieldSpec, RecordSpec, SchemaFile
from .types import (
    ALIASES,
    MAX_RECORD_BYTES,
    PLATFORM_SIZED,
    POINTER_NAMES,
    SCALARS,
    TEXT_TYPES,
    Scalar,
    TypeProblem,
    parse_type,
)

VALID_PACKS = (1, 2, 4, 8, 16)
RUNTIME_MODULE = "_structgen"

Key = tuple[str, str]  # (module, record or enum name)


@dataclass
class Source:
    """One schema file after loading and structural validation."""

    module: str
    path: Path
    banner_name: str  # how the generated banner names the schema file
    doc: Document
    schema: SchemaFile
    # records and enums left out of ``schema`` because they are malformed (already
    # reported); references to them are not reported again
    dropped: frozenset[str] = frozenset()


@dataclass(frozen=True)
class _Base:
    """A field's element type, before array dimensions."""

    kind: str  # int, float, bool, enum, str, bytes, record
    scalar: Scalar | None = None  # scalars, and an enum's storage
    length: int = 0  # str/bytes
    key: Key | None = None  # enum/record


@dataclass(frozen=True)
class _Field:
    name: str
    doc: str | None
    base: _Base
    dims: tuple[int, ...]
    default: Any
    has_default: bool


class _Resolver:
    def __init__(self, sources: list[Source], broken: set[str]) -> None:
        self.sources = {s.module: s for s in sources}
        self.broken = broken
        self.diag = Diagnostics()
        self.enums: dict[Key, EnumSpec] = {}
        self.records: dict[Key, RecordSpec] = {}
        self.fields: dict[Key, list[_Field]] = {}
        self.layouts: dict[Key, RecordLayout] = {}
        self.bad_records: set[Key] = set()
        # per module: the private alias of every module it may refer to, and those used
        self.aliases: dict[str, dict[str, str]] = {}
        self.used: dict[str, set[str]] = {}

    # -- reporting -------------------------------------------------------------------

    def error(
        self,
        module: str,
        path: tuple[str | int, ...],
        code: str,
        message: str,
        *,
        key: bool = False,
    ) -> None:
        doc = self.sources[module].doc
        pos = doc.at(path, key=key)
        self.diag.error(doc.file, pos.line, pos.column, code, message)

    # -- names -----------------------------------------------------------------------

    def check_names(self, module: str) -> None:
        schema = self.sources[module].schema
        records, enums = list(schema.records), list(schema.enums)
        generated: dict[str, str] = {}
        for record in records:
            for derived in naming.generated_names(record):
                if derived in generated:  # e.g. records Shared and Data: SharedData
                    self.error(
                        module,
                        ("records", record),
                        "name-collision",
                        f"record '{record}' would generate '{derived}', which record "
                        f"'{generated[derived]}' generates too; rename one of them",
                        key=True,
                    )
                generated.setdefault(derived, record)
        type_words = {*SCALARS, *ALIASES, *TEXT_TYPES, *PLATFORM_SIZED, *POINTER_NAMES}
        for section, names in (("enums", enums), ("records", records)):
            what = "enum" if section == "enums" else "record"
            for name in names:
                path = (section, name)
                problem = naming.identifier_problem(name)
                if problem:
                    self.error(
                        module,
                        path,
                        "invalid-name",
                        f"{what} name '{name}' {problem}",
                        key=True,
                    )
                elif name in (
                    naming.SHADOWED_BUILTINS
                    | naming.CALLED_BUILTINS
                    | naming.GENERATED_LOCALS
                    | naming.MODULE_NAMES
                ):
                    self.error(
                        module,
                        path,
                        "reserved-name",
                        f"{what} name '{name}' would shadow "
                        f"{naming.shadowed(name)} that generated code uses",
                        key=True,
                    )
                elif name in type_words:
                    self.error(
                        module,
                        path,
                        "reserved-name",
                        f"{what} name '{name}' is the name of a built-in type; a field "
                        f"of type '{name}' would mean that type",
                        key=True,
                    )
                elif name in generated:
                    self.error(
                        module,
                        path,
                        "name-collision",
                        f"{what} name '{name}' collides with the generated class "
                        f"'{name}' of record '{generated[name]}'",
                        key=True,
                    )
                elif section == "records" and name in enums:
                    self.error(
                        module,
                        path,
                        "duplicate-name",
                        f"'{name}' is defined both as an enum and as a record",
                        key=True,
                    )
                else:
                    key = (module, name)
                    if section == "enums":
                        self.enums[key] = schema.enums[name]
                    else:
                        self.records[key] = schema.records[name]

    # -- imports ---------------------------------------------------------------------

    def check_imports(self) -> dict[str, list[str]]:
        graph: dict[str, list[str]] = {}
        for module, source in self.sources.items():
            deps: list[str] = []
            for index, target in enumerate(source.schema.imports):
                path = ("imports", index)
                if target in self.broken:
                    continue
                if target == module:
                    self.error(
                        module, path, "invalid-import", f"'{module}' imports itself"
                    )
                elif target not in self.sources:
                    known = ", ".join(sorted(m for m in self.sources if m != module))
                    self.error(
                        module,
                        path,
                        "unknown-import",
                        f"import '{target}' names no schema of this build "
                        f"(imports are paths relative to the schema root, dotted, "
                        f"without extension; known: {known or 'none'})",
                    )
                elif target in deps:
                    self.error(
                        module, path, "duplicate-import", f"'{target}' imported twice"
                    )
                else:
                    deps.append(target)
            graph[module] = deps
        try:
            tuple(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            cycle = list(exc.args[1])
            first = cycle[-1]
            index = self.sources[first].schema.imports.index(cycle[-2])
            self.error(
                first,
                ("imports", index),
                "import-cycle",
                "schema imports form a cycle: " + " -> ".join(reversed(cycle)),
            )
        return graph

    # -- types -----------------------------------------------------------------------

    def resolve_type(
        self,
        module: str,
        record: str,
        fname: str,
        spelling: str,
        path: tuple[str | int, ...],
    ) -> tuple[_Base, tuple[int, ...]] | None:
        schema = self.sources[module].schema
        imports = set(schema.imports)
        known = [*schema.records, *schema.enums, *self.sources[module].dropped]
        for target in imports:
            if target in self.sources:
                other = self.sources[target]
                names = (*other.schema.records, *other.schema.enums, *other.dropped)
                known += [f"{target}.{n}" for n in names]
        where = f"field '{record}.{fname}'"
        try:
            expr = parse_type(spelling, known)
        except TypeProblem as problem:
            if problem.code == "pointer-field":
                text = problem.message
                bare = text in ("str", "bytes")
                why = (
                    f"has type '{text}' without a length, which would need a pointer"
                    if bare
                    else f"has pointer type '{text}'"
                )
                self.error(
                    module,
                    path,
                    "pointer-field",
                    f"{where} {why}; a pointer is an address in one process and means "
                    "nothing in another; use 'str[N]' or 'bytes[N]' for text and data, "
                    "or an index into a shared array",
                )
            else:
                self.error(module, path, problem.code, f"{where}: {problem.message}")
            return None
        if expr.base in ("str", "bytes"):
            return _Base(expr.base, length=expr.length or 0), expr.dims
        if expr.base in SCALARS:
            scalar = SCALARS[expr.base]
            return _Base(scalar.kind, scalar=scalar), expr.dims
        target_module, _, name = expr.base.rpartition(".")
        target_module = target_module or module
        if target_module in self.broken:
            return None
        if target_module != module and target_module not in imports:
            hint = (
                f"; add '{target_module}' to 'imports:'"
                if target_module in self.sources
                else ""
            )
            self.error(
                module,
                path,
                "unknown-type",
                f"{where}: unknown type '{expr.base}'{hint}",
            )
            return None
        key = (target_module, name)
        if key in self.enums:
            storage = SCALARS.get(self.enums[key].type)
            if storage is None:
                return None  # the enum's storage type already has its own error
            return _Base("enum", scalar=storage, key=key), expr.dims
        if key in self.records:
            return _Base("record", key=key), expr.dims
        if target_module in self.sources and (
            name in self.sources[target_module].schema.records
            or name in self.sources[target_module].schema.enums
            or name in self.sources[target_module].dropped
        ):
            return None  # that definition already has its own error
        self.error(module, path, "unknown-type", f"{where}: unknown type '{expr.base}'")
        return None

    # -- enums -----------------------------------------------------------------------

    def check_enum(self, key: Key) -> None:
        module, name = key
        spec = self.enums[key]
        base = ("enums", name)
        scalar = SCALARS.get(ALIASES.get(spec.type, spec.type))
        if scalar is None or scalar.kind != "int":
            hint = (
                f"; '{spec.type}' has a different width on different platforms, "
                f"use the fixed-width {PLATFORM_SIZED[spec.type]}"
                if spec.type in PLATFORM_SIZED
                else ""
            )
            self.error(
                module,
                (*base, "type"),
                "invalid-enum-type",
                f"enum '{name}' storage type '{spec.type}' must be an integer type "
                f"(int8 ... int64, uint8 ... uint64){hint}",
            )
            scalar = SCALARS["int32"]
        else:
            self.enums[key] = spec.model_copy(update={"type": scalar.name})
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
                self.error(
                    module,
                    path,
                    "invalid-name",
                    f"enum member '{name}.{member}' {reason}",
                    key=is_map,
                )
            if member in seen:
                self.error(
                    module,
                    path,
                    "duplicate-name",
                    f"enum member '{name}.{member}' is listed twice",
                )
            seen.add(member)
            if not scalar.min <= value <= scalar.max:
                self.error(
                    module,
                    path,
                    "enum-value-range",
                    f"enum member '{name}.{member}' = {value} does not fit its storage "
                    f"type {scalar.name} ({scalar.min} .. {scalar.max})",
                )

    def enum_members(self, key: Key) -> dict[str, int]:
        values = self.enums[key].values
        if isinstance(values, dict):
            return dict(values)
        return {member: index for index, member in enumerate(values)}

    # -- records ---------------------------------------------------------------------

    def check_record(self, key: Key) -> None:
        module, name = key
        spec = self.records[key]
        base = ("records", name)
        if spec.pack is not None and spec.pack not in VALID_PACKS:
            self.error(
                module,
                (*base, "pack"),
                "invalid-pack",
                f"record '{name}' pack {spec.pack} must be one of 1, 2, 4, 8, 16",
            )
        schema = self.sources[module].schema
        # Generated code names imported modules by a private alias, so only records
        # and enums of this schema can be shadowed by a field.
        taken = {*schema.records, *schema.enums}
        taken |= {
            n for record in schema.records for n in naming.generated_names(record)
        }
        fields: list[_Field] = []
        for fname, raw in spec.fields.items():
            path = (*base, "fields", fname)
            problem = naming.identifier_problem(fname)
            if problem:
                self.error(
                    module,
                    path,
                    "invalid-name",
                    f"field name '{name}.{fname}' {problem}",
                    key=True,
                )
            elif fname in naming.RESERVED_FIELD_NAMES:
                self.error(
                    module,
                    path,
                    "reserved-name",
                    f"field name '{name}.{fname}' collides with the generated member "
                    f"'Shared{name}.{fname}'; choose another name",
                    key=True,
                )
            elif fname in naming.STRUCTURE_MEMBERS:
                self.error(
                    module,
                    path,
                    "reserved-name",
                    f"field name '{name}.{fname}' collides with the ctypes.Structure "
                    f"method '{name}.{fname}'; choose another name",
                    key=True,
                )
            elif fname in naming.SHADOWED_BUILTINS or fname == naming.SCRATCH_LOCAL:
                self.error(
                    module,
                    path,
                    "reserved-name",
                    f"field name '{name}.{fname}' would shadow "
                    f"{naming.shadowed(fname)} that generated code uses",
                    key=True,
                )
            elif fname in taken:
                self.error(
                    module,
                    path,
                    "name-collision",
                    f"field name '{name}.{fname}' is also the name of a record, enum "
                    "or generated class of this schema; generated code could not tell "
                    "them apart",
                    key=True,
                )
            type_path: tuple[str | int, ...]
            if isinstance(raw, FieldSpec):
                spelling, type_path = raw.type, (*path, "type")
            else:
                spelling, type_path = raw, path
            resolved = self.resolve_type(module, name, fname, spelling, type_path)
            if resolved is None:
                self.bad_records.add(key)
                continue
            field_base, dims = resolved
            has_default = (
                isinstance(raw, FieldSpec) and "default" in raw.model_fields_set
            )
            default = raw.default if isinstance(raw, FieldSpec) else None
            doc = raw.doc if isinstance(raw, FieldSpec) else None
            fields.append(_Field(fname, doc, field_base, dims, default, has_default))
        self.fields[key] = fields

    def check_cycles(self) -> None:
        graph = {
            key: [f.base.key for f in fields if f.base.kind == "record" and f.base.key]
            for key, fields in self.fields.items()
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
                        self.report_cycle(trail)
                    elif nxt not in trail and nxt in graph:
                        stack.append((nxt, [*trail, nxt]))

    def report_cycle(self, trail: list[Key]) -> None:
        steps = []
        for here, there in zip(trail, [*trail[1:], trail[0]], strict=True):
            fname = next(f.name for f in self.fields[here] if f.base.key == there)
            steps.append(f"{self.qualified(here, trail[0][0])}.{fname}")
        path_text = " -> ".join([*steps, self.qualified(trail[0], trail[0][0])])
        module, name = trail[0]
        fname = next(
            f.name for f in self.fields[trail[0]] if f.base.key == trail[1 % len(trail)]
        )
        raw = self.records[trail[0]].fields[fname]
        path: tuple[str | int, ...] = ("records", name, "fields", fname)
        if isinstance(raw, FieldSpec):
            path = (*path, "type")
        self.error(
            module,
            path,
            "record-cycle",
            f"record '{name}' contains itself: {path_text}; "
            "a record cannot hold itself by value",
        )
        self.bad_records.update(trail)

    @staticmethod
    def qualified(key: Key, here: str) -> str:
        return key[1] if key[0] == here else f"{key[0]}.{key[1]}"

    # -- layout ----------------------------------------------------------------------

    def element_size(self, base: _Base) -> tuple[int, int]:
        if base.kind in ("str", "bytes"):
            return base.length, 1
        if base.scalar is not None:
            return base.scalar.size, base.scalar.size
        assert base.key is not None
        layout = self.layout(base.key)
        return layout.size, layout.align

    def layout(self, key: Key) -> RecordLayout:
        if key not in self.layouts:
            items = []
            for f in self.fields[key]:
                size, align = self.element_size(f.base)
                items.append((f.name, size * math.prod(f.dims), align))
            self.layouts[key] = lay_out(key[1], items, self.records[key].pack)
        return self.layouts[key]

    # -- defaults --------------------------------------------------------------------

    def check_default(
        self, base: _Base, dims: tuple[int, ...], value: Any, where: str
    ) -> str | None:
        """Why ``value`` is not a valid default, or None."""
        if dims:
            if not isinstance(value, list):
                return f"default of {where} must be a list of {dims[0]} values"
            if len(value) != dims[0]:
                return (
                    f"default of {where} has {len(value)} values; "
                    f"the array holds {dims[0]}"
                )
            for item in value:
                problem = self.check_default(base, dims[1:], item, where)
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
            members = self.enum_members(base.key)
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
        inner = {f.name: f for f in self.fields.get(base.key, [])}
        for fname, item in value.items():
            if fname not in inner:
                return f"default of {where} names no field '{fname}' of '{base.key[1]}'"
            problem = self.check_default(
                inner[fname].base, inner[fname].dims, item, f"'{base.key[1]}.{fname}'"
            )
            if problem:
                return problem
        return None

    # -- rendering strings -----------------------------------------------------------

    def ref(self, key: Key, here: str, name: str | None = None) -> str:
        """How module ``here`` spells ``name`` (default: the record) of ``key``."""
        module, record = key
        name = name or record
        if module == here:
            return name
        self.used.setdefault(here, set()).add(module)
        return f"{self.aliases[here][module]}.{name}"

    def assign_aliases(self, graph: dict[str, list[str]]) -> None:
        """Give each module a private alias for every module it can reach by imports.

        A default can name an enum two imports away, so reachable, not only direct,
        modules may be referred to; aliases never meet the generated code's own names.
        """
        for module in self.sources:
            reachable: set[str] = set()
            pending = list(graph.get(module, []))
            while pending:
                target = pending.pop()
                if target not in reachable and target in self.sources:
                    reachable.add(target)
                    pending += graph.get(target, [])
            names = _PrivateNames(reserved_private_names(self.sources[module].schema))
            self.aliases[module] = {
                target: names.claim(naming.import_alias(target))
                for target in sorted(reachable)
            }

    def python_default(
        self, base: _Base, dims: tuple[int, ...], value: Any, here: str
    ) -> str:
        if dims:
            if value is None:
                element = self.python_default(base, dims[1:], None, here)
                return f"({element},) * {dims[0]}"
            items = [self.python_default(base, dims[1:], v, here) for v in value]
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
            members = self.enum_members(base.key)
            if value is None:
                value = next(
                    (m for m, v in members.items() if v == 0), next(iter(members))
                )
            return f"{self.ref(base.key, here)}.{value}"
        if kind == "str":
            return _str_literal(value or "")
        if kind == "bytes":
            data = (value or "").encode("utf-8")
            if not data:
                return f"bytes({base.length})"
            return _bytes_literal(data.ljust(base.length, b"\0"))
        assert base.key is not None
        data_cls = self.ref(base.key, here, naming.data_name(base.key[1]))
        if not value:
            return f"{data_cls}()"
        fields = {f.name: f for f in self.fields[base.key]}
        args = ", ".join(
            f"{k}={self.python_default(fields[k].base, fields[k].dims, v, here)}"
            for k, v in value.items()
        )
        return f"{data_cls}({args})"

    def field_model(
        self, key: Key, f: _Field, layout_size: int, align: int, names: _PrivateNames
    ) -> FieldModel:
        here, record = key
        base, dims = f.base, f.dims
        label = f"{record}.{f.name}"
        plain_ann = {"int": "int", "float": "float", "bool": "bool"}
        if base.kind in plain_ann:
            assert base.scalar is not None
            elem_ctype = f"_ctypes.{base.scalar.ctype}"
            value_ann = input_ann = live_ann = plain_ann[base.kind]
            struct_ann = value_ann
            factory = "boolean" if base.kind == "bool" else base.scalar.name
            codec = f'_sg.{factory}("{label}")'
            read = "{}"
        elif base.kind == "enum":
            assert base.scalar is not None and base.key is not None
            elem_ctype = f"_ctypes.{base.scalar.ctype}"
            enum_ref = self.ref(base.key, here)
            value_ann = live_ann = enum_ref
            input_ann = f"{enum_ref} | int"
            struct_ann = "int"
            codec = f'_sg.enum_of("{label}", {enum_ref})'
            read = None  # the codec's read names the field when memory holds no member
        elif base.kind == "str":
            elem_ctype = f"_ctypes.c_char * {base.length}"
            value_ann = input_ann = live_ann = "str"
            struct_ann = ""
            codec = f'_sg.text("{label}", {base.length})'
            read = None
        elif base.kind == "bytes":
            elem_ctype = f"_ctypes.c_uint8 * {base.length}"
            value_ann = input_ann = live_ann = "bytes"
            struct_ann = ""
            codec = f'_sg.raw_bytes("{label}", {base.length})'
            read = None
        else:
            assert base.key is not None
            elem_ctype = self.ref(base.key, here)
            struct_ann = ""
            value_ann = input_ann = self.ref(
                base.key, here, naming.data_name(base.key[1])
            )
            live_ann = self.ref(base.key, here, naming.view_name(base.key[1]))
            codec = f'_sg.record("{label}", {live_ann}, {value_ann})'
            read = f"{live_ann}._to_data({{}})"
        plain = base.kind in plain_ann and not dims
        codec_type = ""  # inferred from the factory, except for arrays (see below)
        codec_name = names.claim(f"_{record}_{f.name}".upper())
        if dims:
            # str/bytes are arrays of bytes already: parenthesise, then add dimensions
            ctype = f"({elem_ctype})" if base.kind in ("str", "bytes") else elem_ctype
            for index, size in enumerate(reversed(dims)):
                ctype = f"({ctype}) * {size}" if index else f"{ctype} * {size}"
            for _ in dims:
                live_ann = f"_sg.ArrayView[{live_ann}, {input_ann}]"
                value_ann = f"tuple[{value_ann}, ...]"
                input_ann = f"_typing.Sequence[{input_ann}]"
            struct_ann = ""
            array_elem = (
                f"({elem_ctype})" if base.kind in ("str", "bytes") else elem_ctype
            )
            codec = f"_sg.array({codec}, {array_elem}, {', '.join(map(str, dims))})"
            codec_type = f"_sg.Codec[{value_ann}, {input_ann}, {live_ann}]"
            read = None
        else:
            ctype = elem_ctype
        if read is None:
            read = f"{codec_name}.read({{}})"
        default = self.python_default(
            base, dims, f.default if f.has_default else None, here
        )
        # A call into another module looks mutable to linters (B008/RUF009): name it.
        calls_import = re.search(r"\b_\w+\.\w+\(", default) is not None
        return FieldModel(
            name=f.name,
            doc=f.doc,
            kind=base.kind,
            dims=dims,
            ctype=ctype,
            struct_annotation=struct_ann,
            value_annotation=value_ann,
            input_annotation=input_ann,
            live_annotation=live_ann,
            default=default,
            default_name=names.claim(f"{codec_name}_DEFAULT") if calls_import else None,
            codec=codec,
            codec_type=codec_type,
            codec_name=codec_name,
            read=read,
            plain=plain,
            raw_in_view=plain
            and base.kind == "float"
            and base.scalar is not None
            and base.scalar.size == 8,
            int_range=(base.scalar.min, base.scalar.max)
            if plain and base.kind == "int" and base.scalar is not None
            else None,
            view_alias=f"_raw_{f.name}",
            size=layout_size,
            align=align,
            scalar=base.scalar.name if base.scalar is not None else None,
            length=base.length,
            target=base.key,
        )


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


def resolve(sources: list[Source], broken: set[str] | None = None) -> list[ModuleModel]:
    """Resolve every module of one build together. Raises SchemaError on any problem.

    ``broken`` names modules of the build that failed to load; references to them are
    not reported again.
    """
    r = _Resolver(sources, broken or set())
    for module in r.sources:
        r.check_names(module)
    graph = r.check_imports()
    for key in list(r.enums):
        r.check_enum(key)
    for key in list(r.records):
        r.check_record(key)
    r.check_cycles()
    for key, fields in r.fields.items():
        if key in r.bad_records or any(
            f.base.key in r.bad_records for f in fields if f.base.kind == "record"
        ):
            continue
        try:
            size = r.layout(key).size
        except RecursionError:  # pragma: no cover - cycles are reported above
            continue
        if size > MAX_RECORD_BYTES:
            r.error(
                key[0],
                ("records", key[1]),
                "record-too-large",
                f"record '{key[1]}' is {size:,} bytes; a shared record may be at most "
                f"{MAX_RECORD_BYTES:,} bytes",
                key=True,
            )
            r.bad_records.add(key)
    for key in r.records:
        for f in r.fields.get(key, []):
            if not f.has_default:
                continue
            if f.base.kind == "record" and f.base.key in r.bad_records:
                continue
            problem = r.check_default(f.base, f.dims, f.default, f"'{key[1]}.{f.name}'")
            if problem:
                r.error(
                    key[0],
                    ("records", key[1], "fields", f.name, "default"),
                    "invalid-default",
                    problem,
                )
    r.diag.raise_if_any()
    if r.bad_records or r.broken or any(s.dropped for s in sources):
        return []  # their errors were reported while loading; build nothing
    r.assign_aliases(graph)
    return [build_module(r, module, graph[module]) for module in r.sources]


def _record_order(r: _Resolver, module: str) -> list[str]:
    names = list(r.sources[module].schema.records)
    deps = {
        name: [
            f.base.key[1]
            for f in r.fields[(module, name)]
            if f.base.key and f.base.kind == "record" and f.base.key[0] == module
        ]
        for name in names
    }
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting:
            return
        visiting.add(name)
        for dep in deps[name]:
            visit(dep)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


# Private names generated code defines itself: module aliases of the standard library
# and the runtime, and attributes of the generated classes (seen in class bodies).
GENERATED_PRIVATE_NAMES = frozenset(
    {
        "_sg",
        "_ctypes",
        "_dataclasses",
        "_enum",
        "_typing",
        "_struct",
        "_view",
        "_codec",
        "_obj",
        "_lock",
        "_acquire",
        "_release",
        "_memory",
        "_updater",
        "_live",
        "_item_size",
        "_to_data",
        "_store",
    }
)


def reserved_private_names(schema: SchemaFile) -> set[str]:
    return set(GENERATED_PRIVATE_NAMES) | {
        n
        for record in schema.records
        for n in (naming.view_name(record), f"{naming.view_name(record)}Base")
    }


class _PrivateNames:
    """Hands out module-level private names, never the same one twice."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def claim(self, wanted: str) -> str:
        name, number = wanted, 1
        while name in self.taken:
            number += 1
            name = f"{wanted}_{number}"
        self.taken.add(name)
        return name


def build_module(r: _Resolver, module: str, imports: list[str]) -> ModuleModel:
    source = r.sources[module]
    schema = source.schema
    depth = module.count(".")
    import_models = []
    enums = []
    for name in schema.enums:
        enum_spec = r.enums[(module, name)]
        members = r.enum_members((module, name))
        default = next((m for m, v in members.items() if v == 0), next(iter(members)))
        scalar = SCALARS[enum_spec.type]
        enums.append(
            EnumModel(
                name,
                enum_spec.doc,
                scalar.name,
                f"_ctypes.{scalar.ctype}",
                tuple(members.items()),
                default,
            )
        )
    aliases = r.aliases.get(module, {})
    names = _PrivateNames(reserved_private_names(schema) | set(aliases.values()))
    records = []
    for name in _record_order(r, module):
        key = (module, name)
        layout = r.layout(key)
        maker = names.claim(f"_NEW_{name.upper()}_DATA")
        view_base = f"{naming.view_name(name)}Base"  # reserved above for this record
        fields = tuple(
            r.field_model(key, f, fl.size, fl.align, names)
            for f, fl in zip(r.fields[key], layout.fields, strict=True)
        )
        spec = r.records[key]
        records.append(
            RecordModel(
                name=name,
                doc=spec.doc,
                pack=spec.pack,
                fields=fields,
                layout=layout,
                data_name=naming.data_name(name),
                shared_name=naming.shared_name(name),
                shared_array_name=naming.shared_array_name(name),
                view_name=naming.view_name(name),
                maker_name=maker,
                view_base=view_base,
            )
        )
    for target in sorted(set(imports) | r.used.get(module, set())):
        package, _, leaf = target.rpartition(".")
        dots = "." * (depth + 1)
        import_models.append(
            ImportModel(
                target, f"from {dots}{package} import {leaf} as {aliases[target]}"
            )
        )
    exports = sorted(
        [e.name for e in enums]
        + [n for rec in records for n in (rec.name, *naming.generated_names(rec.name))]
    )
    return ModuleModel(
        name=module,
        source=source.path,
        display=source.doc.file,
        banner_name=source.banner_name,
        doc=schema.doc,
        imports=tuple(import_models),
        runtime_import=f"from {'.' * (depth + 1)} import {RUNTIME_MODULE} as _sg",
        enums=tuple(enums),
        records=tuple(records),
        exports=tuple(exports),
    )
