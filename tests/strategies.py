"""Hypothesis strategies: random *valid* schema sets, and random values for fields.

A generated schema set is first built as a model (``SchemaSet``: modules, enums,
records, fields with their types, dimensions and defaults), then written out as YAML.
The model is the tests' own reading of SPEC.md, independent of structgen's tables: it
knows every field's range, what a read must return, and where C puts each field, so
the tests can compare the generated code against it.

What the strategies cover: every scalar type under its canonical name and its aliases,
enums (list and mapping form, every integer storage type, default storage, duplicate
values), ``str[N]``, ``bytes[N]``, multi-dimensional arrays of scalars, texts, enums and
records, nested records, ``pack``, defaults of every kind (nested records and arrays
included), docs of arbitrary text, field short and long form, block and flow YAML, and
2-3 files per set, some in a sub-folder, that import each other (``units.Length``,
``sub.units.Length``).

Names are drawn from random ASCII identifiers and a list of ordinary-but-tricky names.
Names that the generated code itself uses (builtins such as ``property``, its own locals
such as ``scratch``, stdlib module aliases such as ``ctypes``) are left out here because
``test_properties.py::test_names_the_generated_code_uses`` tries each of them, in every
role, and accepts either outcome the spec allows (refused with a diagnostic, or
working).
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import keyword
import math
import re
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from hypothesis import strategies as st

# -- the tests' own table of scalar types (SPEC §2) ------------------------------------


@dataclass(frozen=True)
class Scalar:
    name: str  # canonical schema name
    kind: Literal["int", "float", "bool"]
    size: int
    signed: bool = True

    @property
    def low(self) -> int:
        return -(1 << (8 * self.size - 1)) if self.signed else 0

    @property
    def high(self) -> int:
        return (1 << (8 * self.size - (1 if self.signed else 0))) - 1

    @property
    def align(self) -> int:
        return self.size


SCALARS: dict[str, Scalar] = {
    s.name: s
    for s in [
        Scalar("bool", "bool", 1, signed=False),
        Scalar("int8", "int", 1),
        Scalar("int16", "int", 2),
        Scalar("int32", "int", 4),
        Scalar("int64", "int", 8),
        Scalar("uint8", "int", 1, signed=False),
        Scalar("uint16", "int", 2, signed=False),
        Scalar("uint32", "int", 4, signed=False),
        Scalar("uint64", "int", 8, signed=False),
        Scalar("float32", "float", 4),
        Scalar("float64", "float", 8),
    ]
}
INTEGER_TYPES = [s for s in SCALARS.values() if s.kind == "int"]

# Every spelling SPEC §2 accepts for each scalar: its name, the C-like aliases and the
# ctypes names whose width is fixed.
SPELLINGS: dict[str, list[str]] = {
    "bool": ["bool", "c_bool"],
    "int8": ["int8", "char", "byte", "c_int8", "c_byte"],
    "int16": ["int16", "c_int16", "c_short"],
    "int32": ["int32", "c_int32", "c_int"],
    "int64": ["int64", "c_int64", "c_longlong"],
    "uint8": ["uint8", "c_uint8", "c_ubyte"],
    "uint16": ["uint16", "c_uint16", "c_ushort"],
    "uint32": ["uint32", "c_uint32", "c_uint"],
    "uint64": ["uint64", "c_uint64", "c_ulonglong"],
    "float32": ["float32", "float", "c_float"],
    "float64": ["float64", "double", "c_double"],
}

FLOAT32_MAX = struct.unpack("<f", b"\xff\xff\x7f\x7f")[0]
# The smallest magnitude C's (float) cast rounds to infinity: FLT_MAX + half an ulp.
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def round_float32(value: float) -> float:
    result: float = struct.unpack("<f", struct.pack("<f", value))[0]
    return result


# -- the model of a schema set -----------------------------------------------------


@dataclass(frozen=True)
class Text:
    kind: Literal["str", "bytes"]
    length: int

    @property
    def size(self) -> int:
        return self.length

    @property
    def align(self) -> int:
        return 1


@dataclass(eq=False)
class EnumDef:
    module: str
    name: str
    storage: Scalar
    storage_spelling: str | None  # None: the key is left out (int32)
    members: list[tuple[str, int]]
    mapping_form: bool
    doc: str | None = None

    @property
    def size(self) -> int:
        return self.storage.size

    @property
    def align(self) -> int:
        return self.storage.size

    @property
    def values(self) -> dict[str, int]:
        return dict(self.members)

    @property
    def default_member(self) -> str:
        """SPEC §3: the member whose value is 0, else the first member."""
        return next((m for m, v in self.members if v == 0), self.members[0][0])


Elem = Scalar | Text | EnumDef  # or RecordDef (defined below)

_NO_DEFAULT = object()


@dataclass(eq=False)
class FieldDef:
    name: str
    elem: Any  # Scalar | Text | EnumDef | RecordDef
    dims: tuple[int, ...]
    spelling: str  # the type as the YAML writes it
    default: Any = _NO_DEFAULT  # a model value (see ``values``) or _NO_DEFAULT
    long_form: bool = False
    doc: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not _NO_DEFAULT

    @property
    def count(self) -> int:
        return math.prod(self.dims)


@dataclass(eq=False)
class RecordDef:
    module: str
    name: str
    fields: list[FieldDef] = field(default_factory=list)
    pack: int | None = None
    doc: str | None = None

    def layout(self) -> tuple[int, int, list[tuple[str, int, int]]]:
        """(size, alignment, [(field, offset, size)]) by the C rules (SPEC §3)."""
        offset, record_align, placed = 0, 1, []
        for f in self.fields:
            size = elem_size(f.elem) * f.count
            align = elem_align(f.elem)
            if self.pack:
                align = min(align, self.pack)
            offset = -(-offset // align) * align
            placed.append((f.name, offset, size))
            offset += size
            record_align = max(record_align, align)
        return -(-offset // record_align) * record_align, record_align, placed

    @property
    def size(self) -> int:
        return self.layout()[0]

    @property
    def align(self) -> int:
        return self.layout()[1]


def elem_size(elem: Any) -> int:
    return int(elem.size)


def elem_align(elem: Any) -> int:
    return int(elem.align)


@dataclass(eq=False)
class ModuleDef:
    name: str  # dotted, relative to the schema root
    imports: list[str] = field(default_factory=list)
    enums: list[EnumDef] = field(default_factory=list)
    records: list[RecordDef] = field(default_factory=list)
    doc: str | None = None
    suffix: str = ".yaml"
    record_order: list[int] = field(default_factory=list)  # order written in the YAML
    flow: bool | None = False  # yaml default_flow_style
    unicode: bool = True

    @property
    def path(self) -> str:
        return self.name.replace(".", "/") + self.suffix


class SchemaSet:
    """A set of schema files; shown as their YAML when a test fails."""

    def __init__(self, modules: list[ModuleDef]) -> None:
        self.modules = modules

    @property
    def records(self) -> list[RecordDef]:
        return [r for m in self.modules for r in m.records]

    def files(self) -> dict[str, str]:
        return {m.path: module_yaml(m) for m in self.modules}

    def describe(self) -> str:
        return "\n".join(
            f"--- {path}\n{text}" for path, text in sorted(self.files().items())
        )

    def __repr__(self) -> str:
        return f"SchemaSet(\n{self.describe()})"


def type_ref(here: str, target: EnumDef | RecordDef) -> str:
    return target.name if target.module == here else f"{target.module}.{target.name}"


# -- YAML out --------------------------------------------------------------------------

# structgen reads YAML 1.2 core-schema scalars; PyYAML's emitter quotes by YAML 1.1
# rules (where `1e5` or `0o17` are strings), so quote every string a 1.2 reader would
# not read back as a string.
_CORE_NON_STR = re.compile(
    r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|true|True|TRUE|false|False|FALSE|~|null|Null|NULL|)$"
)


class _Dumper(yaml.SafeDumper):
    pass


# PyYAML's emitter folds some line breaks (NEL, LS, PS) of plain and single-quoted
# scalars into spaces; double quotes escape them.
_NEEDS_ESCAPES = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]|^\\s|\\s$")


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    quote = _CORE_NON_STR.match(text) or _NEEDS_ESCAPES.search(text)
    style = '"' if quote else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def yaml_default(f: FieldDef, value: Any, dims: tuple[int, ...] | None = None) -> Any:
    """A model value as the YAML ``default:`` spells it."""
    dims = f.dims if dims is None else dims
    if dims:
        return [yaml_default(f, v, dims[1:]) for v in value]
    return _yaml_elem(f.elem, value)


def _yaml_elem(elem: Any, value: Any) -> Any:
    if isinstance(elem, EnumDef):
        return value.member
    if isinstance(elem, RecordDef):
        by_name = {f.name: f for f in elem.fields}
        return {k: yaml_default(by_name[k], v) for k, v in value.items()}
    if isinstance(elem, Text) and elem.kind == "bytes":
        return value.decode("utf-8")  # bytes defaults are written as text
    return value


def module_yaml(module: ModuleDef) -> str:
    doc: dict[str, Any] = {}
    if module.doc is not None:
        doc["doc"] = module.doc
    if module.imports:
        doc["imports"] = list(module.imports)
    if module.enums:
        enums: dict[str, Any] = {}
        for e in module.enums:
            spec: dict[str, Any] = {}
            if e.doc is not None:
                spec["doc"] = e.doc
            if e.storage_spelling is not None:
                spec["type"] = e.storage_spelling
            spec["values"] = (
                dict(e.members) if e.mapping_form else [m for m, _ in e.members]
            )
            enums[e.name] = spec
        doc["enums"] = enums
    if module.records:
        records: dict[str, Any] = {}
        order = module.record_order or list(range(len(module.records)))
        for index in order:
            r = module.records[index]
            rspec: dict[str, Any] = {}
            if r.doc is not None:
                rspec["doc"] = r.doc
            if r.pack is not None:
                rspec["pack"] = r.pack
            fields: dict[str, Any] = {}
            for f in r.fields:
                if not f.long_form:
                    fields[f.name] = f.spelling
                    continue
                fspec: dict[str, Any] = {"type": f.spelling}
                if f.has_default:
                    fspec["default"] = yaml_default(f, f.default)
                if f.doc is not None:
                    fspec["doc"] = f.doc
                fields[f.name] = fspec
            rspec["fields"] = fields
            records[r.name] = rspec
        doc["records"] = records
    text: str = yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=module.flow,
        allow_unicode=module.unicode,
        width=88,
    )
    return text


# -- names -------------------------------------------------------------------------

# SPEC §2: names a field may not have (members of the generated classes).
RESERVED_FIELDS = frozenset(
    {"update", "snapshot", "assign", "set", "get_lock", "get_obj", "from_value"}
    | {"lock", "ctx", "self"}
    # SPEC §6-7: named records (and create()'s parameters) and numpy
    | {"create", "attach", "close", "unlink", "cls"}
    | {"numpy", "to_numpy", "assign_numpy", "dtype"}
    # builtins the generated annotations use, refused by structgen with a clear message
    | {"bool", "bytes", "float", "int", "str", "tuple"}
    # methods of every ctypes.Structure, refused by structgen
    | {"from_address", "from_buffer", "from_buffer_copy", "from_param", "in_dll"}
)
RESERVED_TYPE_NAMES = frozenset({"bool", "bytes", "float", "int", "str", "tuple"})
# Words a type expression gives a meaning of its own (scalars, aliases, platform-sized
# and pointer types): a record or enum of that name could not be referred to. The spec
# does not say whether such a name is refused; ``test_names_*`` tries each.
TYPE_WORDS = frozenset(
    {spelling for names in SPELLINGS.values() for spelling in names}
    | {"str", "bytes", "long", "ulong", "c_long", "c_ulong", "size_t", "c_size_t"}
    | {"ssize_t", "c_ssize_t", "intptr_t", "uintptr_t", "ptrdiff_t", "time_t"}
    | {"c_time_t", "off_t", "c_longdouble", "longdouble", "long_double", "c_wchar"}
    | {"wchar", "wchar_t", "int", "uint", "short", "c_char", "c_char_p", "c_wchar_p"}
    | {"c_void_p", "py_object", "pointer", "ptr", "object", "function", "callback"}
)
RESERVED_MEMBERS = frozenset({"name", "value", "mro"})
# Names whose validity the spec leaves to structgen: the ones the generated code uses
# itself. ``test_names_*`` tries each of them in every role; the random pool leaves them
# out so that one of them cannot hide everything else a generated set would find.
GENERATED_CODE_NAMES = frozenset(
    {n for n in dir(builtins) if not n.startswith("_")}
    | {"scratch", "raw", "value", "data", "obj", "cls", "index", "item", "items"}
    | {"annotations", "typing", "ctypes", "dataclasses", "enum", "sg", "structgen"}
    | {"multiprocessing", "math", "struct", "dis", "abc", "collections", "types"}
)

TRICKY_NAMES = [
    "x", "y", "z", "a", "b", "n", "v", "p", "d", "e", "f", "q", "t",
    "match", "case", "type_", "async_", "Data", "Shared", "Array", "View",
    "x1", "X", "A", "B", "Z", "ID", "id_", "name_", "value_", "fields", "pack",
    "doc", "imports", "records", "enums", "default", "values", "size", "offset",
    "count", "length", "label", "codec", "check", "read", "live", "plain", "copy",
    "replace", "keys", "get", "next", "origin", "corners", "samples", "labels",
    "tag", "color", "visible", "uint8", "int64", "float32", "double", "char", "byte",
    "c_int", "c_double", "Point", "Color", "RED", "null", "true", "false", "yes",
    "no", "on", "off", "nan", "inf", "e5", "NULL", "True_", "None_",
]  # fmt: skip


def name_ok(name: str) -> bool:
    return (
        name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and name not in GENERATED_CODE_NAMES
        and not name.endswith("View")  # a module ``PointView`` vs a record's view class
    )


identifiers = st.one_of(
    st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,11}\Z"),
    st.sampled_from(TRICKY_NAMES),
).filter(name_ok)
# Names long enough that the generated lines holding them wrap (or cannot): the layout
# of generated code must still be exactly ruff's (issue 13).
long_identifiers = st.one_of(
    identifiers, st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{20,80}\Z").filter(name_ok)
)


# -- text for docs, defaults and values ----------------------------------------------

# Everything YAML can carry in a string (no surrogates; PyYAML also cannot read a few
# non-characters such as U+FFFE in a document).
_YAML_CHARACTERS = st.characters(
    exclude_categories=("Cs",), exclude_characters="\ufffe\uffff"
)
doc_texts = st.text(alphabet=_YAML_CHARACTERS, max_size=40)
tricky_docs = st.sampled_from(
    [
        "A doc.",
        "Two\nlines.",
        "  indented\n    more\n",
        'ends with a quote"',
        'three """ quotes',
        "back\\slash\\",
        "tab\tand\rcarriage",
        "\u202eRTL override\u202c",
        "e\u0301 combining",
        "\U0001f600 emoji",
        "{{ jinja }} {% if x %}",
        "# not a comment",
        "x" * 120,
    ]
)
docs = st.one_of(st.none(), st.none(), tricky_docs, doc_texts)


def _fit(text: str, length: int) -> str:
    """``text`` cut, at a character boundary, to at most ``length`` bytes of UTF-8."""
    while len(text.encode("utf-8")) > length:
        text = text[:-1]
    return text


def text_fitting(length: int, *, nul: bool = False) -> st.SearchStrategy[str]:
    """Text whose UTF-8 encoding is at most ``length`` bytes (no NUL unless asked).

    Cut to fit rather than filtered: a filter would throw most draws away for short
    fields of non-ASCII text."""
    chars = st.characters(
        exclude_categories=("Cs",),
        exclude_characters="\ufffe\uffff" + ("" if nul else "\0"),
    )
    return st.text(alphabet=chars, max_size=length).map(lambda s: _fit(s, length))


# -- model values ----------------------------------------------------------------------
#
# A model value is what a field holds, in plain Python: bool, int, float, str, bytes
# (bytes fields: the exact bytes written, at most N), EnumValue, dict (record: every
# field), list (array, C order).


@dataclass(frozen=True)
class EnumValue:
    member: str
    value: int
    as_member: bool  # written as the member (else as its plain int)


def scalar_values(scalar: Scalar) -> st.SearchStrategy[Any]:
    if scalar.kind == "bool":
        return st.booleans()
    if scalar.kind == "int":
        return st.one_of(
            st.integers(scalar.low, scalar.high),
            st.sampled_from([scalar.low, scalar.high, 0]),
        )
    if scalar.size == 4:
        return st.one_of(
            st.floats(width=32),
            st.floats(-FLOAT32_MAX, FLOAT32_MAX),  # rounded to float32 on write
            st.sampled_from([FLOAT32_MAX, -FLOAT32_MAX, 0.0, -0.0, math.inf]),
            st.integers(-(2**64), 2**64),
        )
    return st.one_of(
        st.floats(),
        st.sampled_from(
            [0.0, -0.0, math.inf, -math.inf, 5e-324, 1.7976931348623157e308]
        ),
        st.integers(-(2**80), 2**80),
    )


def elem_values(elem: Any, *, for_default: bool = False) -> st.SearchStrategy[Any]:
    if isinstance(elem, Scalar):
        return scalar_values(elem)
    if isinstance(elem, Text):
        if elem.kind == "str":
            return text_fitting(elem.length)
        if for_default:  # a bytes default is YAML text: its UTF-8 encoding
            return text_fitting(elem.length).map(lambda s: s.encode("utf-8"))
        return st.binary(max_size=elem.length)
    if isinstance(elem, EnumDef):
        return st.builds(
            lambda item, as_member: EnumValue(item[0], item[1], as_member),
            st.sampled_from(elem.members),
            st.booleans(),
        )
    assert isinstance(elem, RecordDef)
    return st.fixed_dictionaries(
        {f.name: field_values(f, for_default=for_default) for f in elem.fields}
    )


def field_values(
    f: FieldDef, dims: tuple[int, ...] | None = None, *, for_default: bool = False
) -> st.SearchStrategy[Any]:
    dims = f.dims if dims is None else dims
    if not dims:
        return elem_values(f.elem, for_default=for_default)
    inner = field_values(f, dims[1:], for_default=for_default)
    return st.lists(inner, min_size=dims[0], max_size=dims[0])


def default_values(f: FieldDef, dims: tuple[int, ...] | None = None) -> Any:
    """A ``default:`` for field ``f`` (a record's may name some of its fields)."""
    dims = f.dims if dims is None else dims
    if dims:
        return st.lists(default_values(f, dims[1:]), min_size=dims[0], max_size=dims[0])
    if isinstance(f.elem, RecordDef):
        inner = f.elem.fields
        return st.lists(
            st.sampled_from(inner), unique_by=id, max_size=len(inner)
        ).flatmap(
            lambda chosen: st.fixed_dictionaries(
                {g.name: default_values(g) for g in chosen}
            )
        )
    if isinstance(f.elem, Scalar) and f.elem.kind == "float" and f.elem.size == 4:
        # the spec only promises that defaults within float32's range are accepted
        return st.one_of(st.floats(width=32), st.integers(-(2**60), 2**60))
    if isinstance(f.elem, Scalar) and f.elem.kind == "float":
        return st.one_of(st.floats(), st.integers(-(2**60), 2**60))
    if isinstance(f.elem, EnumDef):
        return st.sampled_from(f.elem.members).map(
            lambda item: EnumValue(item[0], item[1], True)
        )
    return elem_values(f.elem, for_default=True)


def default_of(f: FieldDef, dims: tuple[int, ...] | None = None) -> Any:
    """The value field ``f`` holds when nothing is given (SPEC §3), as a model value."""
    dims = f.dims if dims is None else dims
    if f.has_default and dims == f.dims:
        return _complete(f, f.default, dims)
    if dims:
        return [default_of(f, dims[1:]) for _ in range(dims[0])]
    return _zero(f.elem)


def _complete(f: FieldDef, value: Any, dims: tuple[int, ...]) -> Any:
    """A default as written, with a record's unnamed fields at their own defaults."""
    if dims:
        return [_complete(f, v, dims[1:]) for v in value]
    if isinstance(f.elem, RecordDef):
        full = {}
        for g in f.elem.fields:
            full[g.name] = (
                _complete(g, value[g.name], g.dims)
                if g.name in value
                else (default_of(g))
            )
        return full
    return value


def _zero(elem: Any) -> Any:
    if isinstance(elem, Scalar):
        return {"bool": False, "int": 0, "float": 0.0}[elem.kind]
    if isinstance(elem, Text):
        return "" if elem.kind == "str" else b""
    if isinstance(elem, EnumDef):
        member = elem.default_member
        return EnumValue(member, elem.values[member], True)
    return {g.name: default_of(g) for g in elem.fields}


def expected_read(f: FieldDef, value: Any, dims: tuple[int, ...] | None = None) -> Any:
    """What reading field ``f`` back gives after writing ``value``, normalized."""
    dims = f.dims if dims is None else dims
    if dims:
        return [expected_read(f, v, dims[1:]) for v in value]
    return expected_elem(f.elem, value)


def expected_elem(elem: Any, value: Any) -> Any:
    if isinstance(elem, Scalar):
        if elem.kind == "float":
            number = float(value)
            return norm_float(round_float32(number) if elem.size == 4 else number)
        return value
    if isinstance(elem, Text):
        if elem.kind == "str":
            return value
        return bytes(value).ljust(elem.length, b"\0")
    if isinstance(elem, EnumDef):
        return ("enum", elem.name, value.value)
    by_name = {g.name: g for g in elem.fields}
    return {k: expected_read(by_name[k], v) for k, v in value.items()}


def norm_float(number: float) -> Any:
    """Floats compared bit for bit (so -0.0 != 0.0), every NaN alike."""
    if math.isnan(number):
        return ("float", "nan")
    return ("float", struct.pack("<d", number).hex())


def comparable(value: Any) -> Any:
    """``value`` in a form whose ``==`` treats NaN as equal to NaN (and -0.0 as unlike
    0.0): floats through :func:`norm_float`, recursively through tuples, lists, dicts,
    dataclass instances and enum members, each tagged with its type.

    Generated values may hold NaN (a ``.nan`` default, a random float), and NaN is
    unequal to itself, so ``a == b`` over them fails at random; compare
    ``comparable(a) == comparable(b)`` instead."""
    if isinstance(value, enum.Enum):
        return (type(value).__qualname__, value.name, comparable(value.value))
    if isinstance(value, float):
        return norm_float(value)
    if isinstance(value, tuple | list):
        return (type(value).__name__, [comparable(item) for item in value])
    if isinstance(value, dict):
        return ("dict", {key: comparable(item) for key, item in value.items()})
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (
            type(value).__qualname__,
            {
                f.name: comparable(getattr(value, f.name))
                for f in dataclasses.fields(value)
            },
        )
    return (type(value).__name__, value)


# -- schema sets ---------------------------------------------------------------------


@dataclass
class _Scope:
    """What a module being generated can see: its own and its imports' definitions."""

    enums: list[EnumDef] = field(default_factory=list)
    records: list[RecordDef] = field(default_factory=list)


def _dims(draw: st.DrawFn, *, small: bool) -> tuple[int, ...]:
    n = draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3] if not small else [0, 0, 0, 1, 2]))
    high = 2 if small else 4
    dims = tuple(draw(st.integers(1, high)) for _ in range(n))
    if n == 1 and not small and draw(st.integers(0, 9)) == 0:
        dims = (draw(st.integers(5, 40)),)
    return dims


def _spell_dims(dims: tuple[int, ...]) -> str:
    return "".join(f"[{d}]" for d in dims)


@st.composite
def field_defs(
    draw: st.DrawFn, name: str, here: str, scope: _Scope, local_records: list[RecordDef]
) -> FieldDef:
    kinds = ["scalar"] * 5 + ["text"] * 2
    if scope.enums:
        kinds += ["enum"] * 2
    visible = [*scope.records, *local_records]
    if visible:
        kinds += ["record"] * 2
    kind = draw(st.sampled_from(kinds))
    elem: Any
    if kind == "scalar":
        canonical = draw(st.sampled_from(list(SCALARS)))
        elem = SCALARS[canonical]
        dims = _dims(draw, small=False)
        spelling = draw(st.sampled_from(SPELLINGS[canonical])) + _spell_dims(dims)
    elif kind == "text":
        which = draw(st.sampled_from(["str", "bytes"]))
        length = draw(st.one_of(st.integers(1, 12), st.integers(13, 70)))
        elem = Text(which, length)
        dims = _dims(draw, small=True)
        spelling = f"{which}[{length}]" + _spell_dims(dims)
    elif kind == "enum":
        elem = draw(st.sampled_from(scope.enums))
        dims = _dims(draw, small=False)
        spelling = type_ref(here, elem) + _spell_dims(dims)
    else:
        elem = draw(st.sampled_from(visible))
        dims = _dims(draw, small=True)
        if elem.size * math.prod(dims) > 4096:
            dims = ()
        spelling = type_ref(here, elem) + _spell_dims(dims)
    f = FieldDef(name, elem, dims, spelling)
    f.doc = draw(docs) if draw(st.integers(0, 4)) == 0 else None
    if draw(st.integers(0, 2)) == 0:
        f.default = draw(default_values(f))
    f.long_form = f.has_default or f.doc is not None or draw(st.booleans())
    return f


@st.composite
def enum_defs(
    draw: st.DrawFn,
    module: str,
    name: str,
    taken: set[str],
    names: st.SearchStrategy[str] = identifiers,
) -> EnumDef:
    storage = draw(st.sampled_from(INTEGER_TYPES))
    spelling: str | None = draw(st.sampled_from(SPELLINGS[storage.name]))
    if storage.name == "int32" and draw(st.booleans()):
        spelling = None  # SPEC §2: default storage is int32
    count = draw(st.integers(1, 6))
    members = draw(
        st.lists(
            names.filter(lambda n: n not in RESERVED_MEMBERS),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    mapping = draw(st.booleans()) or storage.high < count - 1
    if mapping:
        values = st.one_of(
            st.integers(storage.low, storage.high),
            st.sampled_from([storage.low, storage.high, 0, 1]),
        )
        numbers = draw(st.lists(values, min_size=count, max_size=count))
        pairs = list(zip(members, numbers, strict=True))
    else:
        pairs = [(m, i) for i, m in enumerate(members)]
    e = EnumDef(module, name, storage, spelling, pairs, mapping)
    e.doc = draw(docs) if draw(st.integers(0, 3)) == 0 else None
    return e


@st.composite
def module_defs(
    draw: st.DrawFn,
    name: str,
    earlier: list[ModuleDef],
    used_globally: set[str],
    names: st.SearchStrategy[str] = identifiers,
) -> ModuleDef:
    module = ModuleDef(name)
    module.imports = draw(
        st.lists(st.sampled_from([m.name for m in earlier]), unique=True)
        if earlier
        else st.just([])
    )
    scope = _Scope()
    for m in earlier:
        if m.name in module.imports:
            scope.enums += m.enums
            scope.records += m.records
    # Record and enum names of one module: unique, and none equal to a name generated
    # for a record of the same module (PointData, SharedPoint, SharedPointArray).
    taken: set[str] = set()

    def derived(name: str) -> set[str]:
        return {f"{name}Data", f"Shared{name}", f"Shared{name}Array"}

    def type_name(candidate: str) -> bool:
        if candidate in taken or candidate in RESERVED_TYPE_NAMES | TYPE_WORDS:
            return False
        generated = {n for t in taken for n in derived(t)}
        # `Shared` beside `Data` would both make `SharedData`: test_generated_names_meet
        return candidate not in generated and not derived(candidate) & (
            taken | generated
        )

    for _ in range(draw(st.integers(0, 2))):
        enum_name = draw(names.filter(type_name))
        taken.add(enum_name)
        module.enums.append(draw(enum_defs(name, enum_name, taken, names)))
    scope.enums = scope.enums + module.enums
    record_names = []
    for _ in range(draw(st.integers(1, 3))):
        record_name = draw(names.filter(type_name))
        taken.add(record_name)
        record_names.append(record_name)
    generated = {
        n for r in record_names for n in (f"{r}Data", f"Shared{r}", f"Shared{r}Array")
    }
    for record_name in record_names:
        record = RecordDef(name, record_name)
        field_names = draw(
            st.lists(
                names.filter(
                    lambda n: (
                        n not in RESERVED_FIELDS
                        and n not in taken
                        and n not in generated
                    )
                ),
                min_size=1,
                max_size=6,
                unique=True,
            )
        )
        for field_name in field_names:
            record.fields.append(
                draw(field_defs(field_name, name, scope, list(module.records)))
            )
        record.pack = draw(st.sampled_from([None, None, None, 1, 2, 4, 8, 16]))
        record.doc = draw(docs)
        module.records.append(record)
    module.record_order = draw(st.permutations(range(len(module.records))))
    module.doc = draw(docs)
    module.suffix = draw(st.sampled_from([".yaml", ".yaml", ".yml"]))
    module.flow = draw(st.sampled_from([False, None, True]))
    module.unicode = draw(st.booleans())
    used_globally.update(taken)
    return module


def _module_name_ok(name: str) -> bool:
    return name_ok(name) and not name.endswith("View")


@st.composite
def schema_sets(
    draw: st.DrawFn,
    max_modules: int = 3,
    identifier_names: st.SearchStrategy[str] = identifiers,
) -> SchemaSet:
    """2-3 files most of the time (1 sometimes), possibly one in a sub-folder.

    ``identifier_names``: where record, enum, member, field and module names come from.
    """
    # counted down: hypothesis draws small integers more often, and one file a set
    # leaves imports untried
    count = max_modules - draw(st.integers(0, max_modules - 1))
    stems = draw(
        st.lists(
            identifier_names.filter(_module_name_ok),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    folder = draw(
        identifier_names.filter(lambda n: _module_name_ok(n) and n not in stems)
    )
    names = []
    for index, stem in enumerate(stems):
        in_folder = index > 0 and draw(st.integers(0, 2)) == 0
        names.append(f"{folder}.{stem}" if in_folder else stem)
    # import aliases are the dotted name with "." -> "_": keep them distinct (a module
    # `sub_a` beside `sub/a.yaml` is tried in test_names_*)
    aliases = [n.replace(".", "_") for n in names]
    if len(set(aliases)) != len(aliases) or any(a == folder for a in aliases):
        names = stems
    modules: list[ModuleDef] = []
    used: set[str] = set()
    for name in names:
        modules.append(draw(module_defs(name, modules, used, identifier_names)))
    return SchemaSet(modules)


# -- bad values ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A value a write must refuse, with the error it must raise."""

    value: Any
    error: type[Exception]
    why: str


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque object>"


@dataclass(frozen=True)
class OtherEnumMember:
    """A member of another enum of the schema set, by name: the test looks up the
    generated class (the model does not know it)."""

    enum: EnumDef
    member: str


def twin_enum(elem: EnumDef) -> type[enum.IntEnum]:
    """An IntEnum with the same name, members and values as ``elem``, but another
    class: its members are refused as any other enum's are (SPEC §3)."""
    twin: type[enum.IntEnum] = enum.IntEnum(  # type: ignore[misc]
        elem.name, [(member, value) for member, value in dict(elem.members).items()]
    )
    return twin


def bad_elem_values(
    elem: Any, other_enum: EnumDef | None = None
) -> st.SearchStrategy[Bad]:
    """Values a write of one element of type ``elem`` must refuse (SPEC §3).

    ``other_enum``: another enum of the schema set, whose members an enum field must
    refuse (``TypeError``) even where their value is one of its own."""
    wrong_common = [None, _Opaque(), [1], {"a": 1}, 1j]
    if isinstance(elem, Scalar) and elem.kind == "int":
        return st.one_of(
            st.integers(elem.high + 1, elem.high + 2**70).map(
                lambda v: Bad(v, OverflowError, "above range")
            ),
            st.integers(elem.low - 2**70, elem.low - 1).map(
                lambda v: Bad(v, OverflowError, "below range")
            ),
            st.floats().map(lambda v: Bad(v, TypeError, "float for int")),
            st.sampled_from(["1", b"1", *wrong_common]).map(
                lambda v: Bad(v, TypeError, "wrong type")
            ),
        )
    if isinstance(elem, Scalar) and elem.kind == "bool":
        return st.one_of(
            st.integers().map(lambda v: Bad(v, TypeError, "int for bool")),
            st.floats().map(lambda v: Bad(v, TypeError, "float for bool")),
            st.sampled_from(["true", b"", *wrong_common]).map(
                lambda v: Bad(v, TypeError, "wrong type")
            ),
        )
    if isinstance(elem, Scalar):
        wrong = st.sampled_from(["1.0", b"1", *wrong_common]).map(
            lambda v: Bad(v, TypeError, "wrong type")
        )
        if elem.size == 8:
            return st.one_of(
                wrong,
                st.integers(2**1024, 2**1100).map(
                    lambda v: Bad(v, OverflowError, "int beyond float64")
                ),
                st.integers(-(2**1100), -(2**1024)).map(
                    lambda v: Bad(v, OverflowError, "int beyond float64")
                ),
            )
        return st.one_of(
            wrong,
            st.floats(FLOAT32_OVERFLOW, allow_infinity=False).map(
                lambda v: Bad(v, OverflowError, "beyond float32")
            ),
            st.floats(max_value=-FLOAT32_OVERFLOW, allow_infinity=False).map(
                lambda v: Bad(v, OverflowError, "beyond float32")
            ),
            st.integers(2**128, 2**1100).map(
                lambda v: Bad(v, OverflowError, "int beyond float32")
            ),
        )
    if isinstance(elem, Text):
        length = elem.length
        if elem.kind == "str":
            return st.one_of(
                # more characters than bytes allowed: too long whatever they are
                st.text(
                    alphabet=st.characters(
                        exclude_categories=("Cs",), exclude_characters="\0"
                    ),
                    min_size=length + 1,
                    max_size=2 * length + 4,
                ).map(lambda v: Bad(v, ValueError, "text too long")),
                st.builds(
                    lambda text, at: text[:at] + "\0" + text[at:],
                    text_fitting(length - 1),
                    st.integers(0, length),
                ).map(lambda v: Bad(v, ValueError, "NUL in text")),
                # a lone surrogate has no UTF-8 encoding
                st.sampled_from(["\ud800", "a\udfff"]).map(
                    lambda v: Bad(v, ValueError, "not encodable")
                ),
                st.sampled_from([b"abc", 1, *wrong_common]).map(
                    lambda v: Bad(v, TypeError, "wrong type")
                ),
            )
        return st.one_of(
            st.binary(min_size=length + 1, max_size=length + 8).map(
                lambda v: Bad(v, ValueError, "bytes too long")
            ),
            st.sampled_from(["abc", "", 1, *wrong_common]).map(
                lambda v: Bad(v, TypeError, "wrong type")
            ),
        )
    if isinstance(elem, EnumDef):
        values = set(elem.values.values())
        twin = twin_enum(elem)
        choices = [
            # first: hypothesis draws the first choices of one_of more often
            st.sampled_from(list(twin)).map(
                lambda v: Bad(v, TypeError, "member of a look-alike enum")
            ),
            st.integers(-(2**70), 2**70)
            .filter(lambda v: v not in values)
            .map(lambda v: Bad(v, ValueError, "no member's value")),
            st.sampled_from([m for m, _ in elem.members]).map(
                lambda v: Bad(v, TypeError, "member name as str")
            ),
            st.sampled_from([1.0, *wrong_common]).map(
                lambda v: Bad(v, TypeError, "wrong type")
            ),
        ]
        if other_enum is not None and other_enum is not elem:
            choices.insert(
                0,
                st.sampled_from([m for m, _ in other_enum.members]).map(
                    lambda m: Bad(
                        OtherEnumMember(other_enum, m),
                        TypeError,
                        "member of another enum",
                    )
                ),
            )
        return st.one_of(*choices)
    assert isinstance(elem, RecordDef)
    return st.sampled_from([{"a": 1}, (), 0, *wrong_common]).map(
        lambda v: Bad(v, TypeError, "not the record's Data")
    )
