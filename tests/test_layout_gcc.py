"""Generated Structures are laid out exactly as gcc lays out the same C structs.

For a set of schemas (hand-written cases, the repository's own ``schemas/`` and a seeded
random tree), the test writes the equivalent C by its own reading of the YAML
(independent of structgen's type table), compiles one program with gcc that prints
``sizeof``, ``_Alignof`` and ``offsetof`` of every record and field, and compares those
figures with three others:

* ``ctypes`` on the generated classes (``sizeof``, ``alignment``,
  ``Struct.field.offset``);
* the layout module's figures in the model the build renders (``RecordModel.layout``);
* the same figures through ``structgen.load`` of each schema file.

C equivalents: ``float32[8][2]`` is ``float a[8][2]``; ``str[16][4]`` is
``char a[4][16]``; ``bytes[N]`` is ``uint8_t a[N]``; ``bool`` is ``_Bool``; an enum is
its storage type (``uint8_t``...); ``pack: 1`` is ``__attribute__((packed))`` and
``pack: n`` is ``#pragma pack(n)``.
"""

from __future__ import annotations

import ctypes
import importlib
import random
import re
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from conftest import ROOT, Generate, record_counts

import structgen
from structgen.api import compile_inputs, discover

GCC = shutil.which("gcc")
pytestmark = pytest.mark.skipif(
    GCC is None, reason="gcc is not installed; this test compiles C with gcc"
)

# The test's own reading of schema types, deliberately not structgen's table.
C_SCALARS = {
    "bool": "_Bool",
    "int8": "int8_t",
    "int16": "int16_t",
    "int32": "int32_t",
    "int64": "int64_t",
    "uint8": "uint8_t",
    "uint16": "uint16_t",
    "uint32": "uint32_t",
    "uint64": "uint64_t",
    "float32": "float",
    "float64": "double",
    # aliases
    "double": "double",
    "float": "float",
    "char": "int8_t",
    "byte": "int8_t",
    "c_bool": "_Bool",
    "c_byte": "int8_t",
    "c_ubyte": "uint8_t",
    "c_short": "int16_t",
    "c_ushort": "uint16_t",
    "c_int": "int32_t",
    "c_uint": "uint32_t",
    "c_longlong": "int64_t",
    "c_ulonglong": "uint64_t",
    "c_float": "float",
    "c_double": "double",
    **{f"c_{n}{b}": f"{n}{b}_t" for n in ("int", "uint") for b in (8, 16, 32, 64)},
}
INTEGER_TYPES = [f"{n}{b}" for n in ("int", "uint") for b in (8, 16, 32, 64)]
_TYPE = re.compile(r"\s*([A-Za-z_][\w.]*)\s*((?:\[\s*\d+\s*\]\s*)*)")

Key = tuple[str, str]  # (dotted module, record)
Figures = dict[Key, tuple[int, int, list[tuple[str, int, int]]]]


# -- the C side ------------------------------------------------------------------------


def _read(text: str) -> Any:
    """The YAML as plain strings (no YAML 1.1 surprises: a field named ``on`` stays)."""
    return yaml.load(text, Loader=yaml.BaseLoader)


def _module_of(path: str) -> str:
    return path.rsplit(".", 1)[0].replace("/", ".")


def _c_name(key: Key) -> str:
    return "S_" + key[0].replace(".", "__") + "__" + key[1]


def _fields(spec: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name, field in spec["fields"].items():
        yield name, field["type"] if isinstance(field, dict) else field


def c_source(files: dict[str, str]) -> str:
    """One C program that prints the layout of every record of ``files``."""
    docs = {_module_of(path): _read(text) for path, text in files.items()}

    def member(module: str, field: str, spelling: str) -> tuple[str, Key | None]:
        match = _TYPE.fullmatch(spelling)
        assert match, spelling
        base, dims = match[1], [int(d) for d in re.findall(r"\d+", match[2])]
        if base in ("str", "bytes"):  # the length binds first: the innermost dimension
            dims = [*dims[1:], dims[0]]
            ctype, dep = ("char" if base == "str" else "uint8_t"), None
        elif base in C_SCALARS:
            ctype, dep = C_SCALARS[base], None
        else:
            owner, _, name = base.rpartition(".")
            owner = owner or module
            enums = docs[owner].get("enums") or {}
            if name in enums:
                ctype, dep = C_SCALARS[enums[name].get("type", "int32")], None
            else:
                dep = (owner, name)
                ctype = _c_name(dep)
        return f"{ctype} f_{field}{''.join(f'[{d}]' for d in dims)};", dep

    emitted: list[Key] = []
    blocks: list[str] = []

    def emit(key: Key) -> None:
        if key in emitted:
            return
        spec = docs[key[0]]["records"][key[1]]
        lines = []
        for field, spelling in _fields(spec):
            line, dep = member(key[0], field, spelling)
            if dep:
                emit(dep)
            lines.append(f"    {line}")
        name, pack = _c_name(key), int(spec.get("pack") or 0)
        body = "\n".join(lines)
        if pack == 1:
            block = (
                f"typedef struct __attribute__((packed)) {name} {{\n{body}\n}} {name};"
            )
        else:
            block = f"typedef struct {name} {{\n{body}\n}} {name};"
            if pack:
                block = f"#pragma pack(push, {pack})\n{block}\n#pragma pack(pop)"
        emitted.append(key)
        blocks.append(block)

    for module, doc in docs.items():
        for record in doc.get("records") or {}:
            emit((module, record))
    prints = []
    for key in emitted:
        name = _c_name(key)
        prints.append(f'    REC("{key[0]}", "{key[1]}", {name});')
        spec = docs[key[0]]["records"][key[1]]
        prints += [
            f'    FLD("{key[0]}", "{key[1]}", {name}, {f});' for f, _ in _fields(spec)
        ]
    return "\n".join(
        [
            "#include <stddef.h>",
            "#include <stdint.h>",
            "#include <stdio.h>",
            "",
            "#define REC(m, r, T) \\",
            '    printf("R %s %s %zu %zu\\n", m, r, sizeof(T), _Alignof(T))',
            "#define FLD(m, r, T, f) \\",
            '    printf("F %s %s %s %zu %zu\\n", m, r, #f, offsetof(T, f_##f), \\',
            "           sizeof(((T *)0)->f_##f))",
            "",
            *blocks,
            "",
            "int main(void) {",
            *prints,
            "    return 0;",
            "}",
            "",
        ]
    )


def gcc_figures(source: str, folder: Path) -> Figures:
    assert GCC is not None
    (folder / "layout.c").write_text(source, encoding="utf-8")
    compiled = subprocess.run(
        [GCC, "-std=c11", "-Wall", "-Werror", "-o", "layout", "layout.c"],
        cwd=folder,
        capture_output=True,
        text=True,
    )
    assert compiled.returncode == 0, f"gcc failed:\n{compiled.stderr}\n{source}"
    run = subprocess.run(
        [str(folder / "layout")], capture_output=True, text=True, check=True
    )
    figures: Figures = {}
    for line in run.stdout.splitlines():
        kind, module, record, *rest = line.split()
        if kind == "R":
            figures[(module, record)] = (int(rest[0]), int(rest[1]), [])
        else:
            figures[(module, record)][2].append((rest[0], int(rest[1]), int(rest[2])))
    return figures


# -- the structgen side ----------------------------------------------------------------


def ctypes_figures(ns: SimpleNamespace, files: dict[str, str]) -> Figures:
    figures: Figures = {}
    for path, text in files.items():
        module = _module_of(path)
        generated = importlib.import_module(f"{ns.package}.{module}")
        for record in _read(text).get("records") or {}:
            cls = getattr(generated, record)
            assert issubclass(cls, ctypes.Structure)
            fields = [
                (name, getattr(cls, name).offset, getattr(cls, name).size)
                for name, _ in cls._fields_
            ]
            figures[(module, record)] = (
                ctypes.sizeof(cls),
                ctypes.alignment(cls),
                fields,
            )
    return figures


def model_figures(models: list[Any]) -> Figures:
    """Figures of the layout module, checking its padding against the offsets."""
    figures: Figures = {}
    for model in models:
        for record in model.records:
            layout = record.layout
            end = 0
            for placed in layout.fields:
                assert placed.padding_before == placed.offset - end, (
                    record.name,
                    placed,
                )
                end = placed.offset + placed.size
            assert layout.tail_padding == layout.size - end, (record.name, layout)
            assert [(f.name, f.size) for f in record.fields] == [
                (f.name, f.size) for f in layout.fields
            ]
            figures[(model.name, record.name)] = (
                layout.size,
                layout.align,
                [(f.name, f.offset, f.size) for f in layout.fields],
            )
    return figures


def mismatches(expected: Figures, actual: Figures, source: str) -> list[str]:
    problems = []
    for key, (size, align, fields) in expected.items():
        where = f"{source}: {key[0]}.{key[1]}"
        if key not in actual:
            problems.append(f"{where}: missing")
            continue
        got_size, got_align, got_fields = actual[key]
        if (size, align) != (got_size, got_align):
            problems.append(
                f"{where}: size/align gcc {size}/{align}, "
                f"{source} {got_size}/{got_align}"
            )
        if fields != got_fields:
            for want, got in zip(fields, got_fields, strict=False):
                if want != got:
                    problems.append(
                        f"{where}.{want[0]}: (name, offset, size) gcc {want}, "
                        f"{source} {got}"
                    )
            if len(fields) != len(got_fields):
                problems.append(
                    f"{where}: {len(fields)} fields, {source} {len(got_fields)}"
                )
    return problems


def check_against_gcc(generate: Generate, files: dict[str, str], tmp_path: Path) -> int:
    """Build ``files``, compare with gcc; returns how many records were compared."""
    files = {path: textwrap.dedent(text) for path, text in files.items()}
    ns = generate(files)
    gcc = gcc_figures(c_source(files), tmp_path)
    assert len(gcc) == sum(len(_read(t).get("records") or {}) for t in files.values())
    _root, inputs = discover([ns.schemas])
    problems = mismatches(gcc, ctypes_figures(ns, files), "ctypes")
    problems += mismatches(gcc, model_figures(compile_inputs(inputs)), "layout")
    # load() names a module from the root it finds (a file that imports nothing is
    # its own root): key its figures by the file instead
    loaded: Figures = {}
    for path in files:
        figures = model_figures([structgen.load(ns.schemas / path)])
        loaded |= {(_module_of(path), record): v for (_, record), v in figures.items()}
    problems += mismatches(gcc, loaded, "structgen.load")
    assert not problems, f"{len(problems)} layout mismatch(es):\n" + "\n".join(
        problems[:40]
    )
    return len(gcc)


# -- hand-written cases ----------------------------------------------------------------

MIXED = [
    "a: int8", "b: int64", "c: int16", "d: float32", "e: bool", "f: uint32",
    "g: uint8", "h: float64", "i: uint16", "j: int32", "k: uint64", "m: int8",
]  # fmt: skip


def _scalars_schema() -> str:
    lines = [
        "doc: Every scalar, in an order that needs padding, under every pack.",
        "records:",
    ]
    for pack in (None, 1, 2, 4, 8, 16):
        lines.append(f"  Mixed{pack or ''}:")
        if pack:
            lines.append(f"    pack: {pack}")
        lines += ["    fields:", *(f"      {field}" for field in MIXED)]
    return "\n".join(lines) + "\n"


HAND_WRITTEN = {
    "scalars.yaml": _scalars_schema()
    + """\
  TailPadding: {fields: {d: float64, c: int8}}
  OneByte: {fields: {b: uint8}}
  OneBool: {fields: {b: bool}}
  Text3: {fields: {t: "str[3]"}}
  Floats: {fields: {a: float32, b: float64, c: float32}}
  Aliases:
    fields:
      a: char
      b: double
      c: byte
      d: float
      e: c_int16
      f: c_double
      g: c_bool
      h: c_uint64
      i: c_float
      j: c_int
      k: c_ushort
      m: c_longlong
""",
    "nested.yaml": """\
        enums:
          Small: {type: uint8, values: [A, B, C]}
          Wide: {type: int64, values: {LO: -9000000000, HI: 9000000000}}
          Plain: {values: [X, Y]}
          Half: {type: int16, values: [P, Q]}
          Word: {type: uint32, values: {BIG: 4000000000}}
          Signed8: {type: int8, values: {NEG: -1}}
          U16: {type: uint16, values: [ONE]}
          U64: {type: uint64, values: {TOP: 18446744073709551615}}
        records:
          Early:
            doc: Uses a record defined further down; YAML 1.1 keywords as names.
            fields: {on: int8, late: "Late[2]", no: int8, yes: int16}
          Inner:
            fields: {a: int8, b: float64, c: int16}
          Packed1:
            pack: 1
            fields: {a: int8, b: float64, c: int16}
          Packed2:
            pack: 2
            fields: {a: int8, b: float64, c: Small, d: int32}
          Packed4:
            pack: 4
            fields: {a: int8, b: int64, c: Inner}
          Packed8:
            pack: 8
            fields: {a: int8, b: int64, c: "Inner[2]"}
          Packed16:
            pack: 16
            fields: {a: int8, b: int64, c: bool}
          Outer:
            fields:
              head: int8
              inner: Inner
              p1: Packed1
              tail: int8
              p2: Packed2
              p1s: Packed1[3]
              p4: Packed4
              b: int8
              p8: "Packed8[2][2]"
              p16: Packed16
              grid: "Inner[3][2]"
              last: bool
          PackedOuter:
            pack: 1
            fields:
              head: int8
              inner: Inner
              more: "Inner[2]"
              p2: Packed2
              e: Wide
          Pack2Outer:
            pack: 2
            fields: {head: int8, inner: Inner, outer: Outer, e: Small}
          EnumFields:
            fields:
              a: Small
              b: Wide
              c: Plain
              d: Half
              e: Word
              f: Signed8
              g: U16
              h: U64
              smalls: "Small[3]"
              words: "Word[2][3]"
              flag: bool
          EnumsPacked:
            pack: 1
            fields: {a: Small, b: Wide, c: Plain, d: Half, e: Word}
          Arrays:
            fields:
              flags: "bool[5]"
              samples: "float32[8][2]"
              cube: "float64[3][1][2]"
              grid: "int16[3][3]"
              b: uint8
              ids: "uint64[2]"
              single: "int32[1]"
              deep: "uint8[2][3][4][2]"
          Text:
            fields:
              a: int8
              name: "str[16]"
              b: float64
              labels: "str[16][4]"
              c: int16
              raw: "bytes[3]"
              blocks: "bytes[5][2]"
              d: int32
              cells: "str[7][2][3]"
              one: "str[1]"
              e: uint64
          TextPacked:
            pack: 2
            fields: {a: int8, name: "str[5]", b: float64, raw: "bytes[3]", c: int8}
          Late:
            pack: 4
            fields: {a: int8, b: float64, c: "Packed2[2]"}
        """,
    "spec.yaml": """\
        doc: The example of SPEC section 2.
        imports: [nested]
        enums:
          Color: {type: uint8, values: [RED, GREEN, BLUE]}
        records:
          Point:
            fields:
              x: float64
              y: {type: float64, default: 1.5}
          Sprite:
            pack: 1
            fields:
              origin: Point
              corners: Point[4]
              samples: float32[8][2]
              name: str[16]
              labels: str[16][4]
              tag: bytes[4]
              color: {type: Color, default: GREEN}
              visible: bool
          Imported:
            fields:
              a: int8
              inner: nested.Inner
              small: nested.Small
              wide: "nested.Wide[2]"
              outers: "nested.Outer[2]"
              packed: nested.PackedOuter
        """,
    "sub/leaf.yaml": """\
        imports: [spec, nested]
        records:
          Leaf:
            pack: 4
            fields:
              a: int8
              sprite: spec.Sprite
              point: spec.Point
              color: spec.Color
              text: nested.Text
              b: int16
          Twig:
            fields: {a: uint8, leaves: "Leaf[2]", arrays: nested.Arrays, b: float32}
        """,
    "sub/deeper/bud.yaml": """\
        imports: [sub.leaf]
        records:
          Bud:
            pack: 2
            fields: {a: bool, twig: sub.leaf.Twig, b: "sub.leaf.Leaf[1][2]", c: uint8}
        """,
}


def compared(request: pytest.FixtureRequest, count: int) -> int:
    record_counts(request, "test_layout_gcc", {"records compared with gcc": count})
    return count


def test_hand_written_schemas_match_gcc(
    generate: Generate, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    count = check_against_gcc(generate, HAND_WRITTEN, tmp_path)
    assert compared(request, count) == 34


def test_repository_schemas_match_gcc(
    generate: Generate, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    files = {
        path.relative_to(ROOT / "schemas").as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "schemas").rglob("*.yaml"))
    }
    assert compared(request, check_against_gcc(generate, files, tmp_path)) >= 5


# -- a seeded random tree --------------------------------------------------------------

SCALAR_SPELLINGS = [
    *C_SCALARS,
    *[t for t in C_SCALARS if not t.startswith("c_")],  # canonical names more often
]


def random_tree(seed: int, count: int = 50) -> dict[str, str]:
    """``count`` schema files mixing every type, pack, nesting and cross-file import."""
    rng = random.Random(seed)
    files: dict[str, str] = {}
    catalog: list[tuple[str, list[str], list[str]]] = []  # (module, records, enums)
    for index in range(count):
        folder = rng.choice(["", "", "", "grp/", "grp/deep/"])
        module = f"{folder}m{index}".replace("/", ".")
        imports = rng.sample(catalog, k=min(len(catalog), rng.choice([0, 0, 1, 2, 3])))
        enums: dict[str, Any] = {}
        for e in range(rng.randint(0, 2)):
            storage = rng.choice([*INTEGER_TYPES, None])
            bits = int(re.sub(r"\D", "", storage or "32"))
            if storage and storage.startswith("u"):
                low, high = 0, 2**bits - 1
            else:
                low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
            spec: dict[str, Any] = {}
            if storage:
                spec["type"] = rng.choice([storage, f"c_{storage}"])
            if rng.random() < 0.5:
                spec["values"] = [f"V{v}" for v in range(rng.randint(1, 4))]
            else:
                values = {low, high, *(rng.randint(low, high) for _ in range(2))}
                spec["values"] = {f"V{v}": n for v, n in enumerate(sorted(values))}
            enums[f"M{index}E{e}"] = spec
        records: dict[str, Any] = {}
        for r in range(rng.randint(1, 4)):
            fields: dict[str, Any] = {}
            for f in range(rng.randint(1, 7)):
                kind = rng.choices(
                    ["scalar", "enum", "record", "str", "bytes"], [6, 1.5, 2, 1, 1]
                )[0]
                local_enums = list(enums)
                outside_enums = [f"{m}.{e}" for m, _, es in imports for e in es]
                local_records = list(records)
                outside_records = [f"{m}.{rr}" for m, rs, _ in imports for rr in rs]
                dims = [
                    rng.randint(1, 4)
                    for _ in range(rng.choice([0, 0, 0, 0, 0, 1, 1, 2, 3]))
                ]
                if kind == "enum" and (local_enums or outside_enums):
                    base = rng.choice(local_enums + outside_enums)
                elif kind == "record" and (local_records or outside_records):
                    base = rng.choice(local_records + outside_records)
                    dims = dims[:2]
                elif kind in ("str", "bytes"):
                    base = f"{kind}[{rng.randint(1, 20)}]"
                else:
                    base = rng.choice(SCALAR_SPELLINGS)
                spelling = base + "".join(f"[{d}]" for d in dims)
                fields[f"f{f}"] = spelling if rng.random() < 0.7 else {"type": spelling}
            record: dict[str, Any] = {"fields": fields}
            pack = rng.choice([None, None, None, 1, 2, 4, 8, 16])
            if pack:
                record["pack"] = pack
            records[f"M{index}R{r}"] = record
        doc: dict[str, Any] = {}
        if imports:
            doc["imports"] = [m for m, _, _ in imports]
        if enums:
            doc["enums"] = enums
        doc["records"] = records
        files[f"{folder}m{index}.yaml"] = yaml.safe_dump(doc, sort_keys=False)
        catalog.append((module, list(records), list(enums)))
    return files


def test_random_schemas_match_gcc(
    generate: Generate, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    files = random_tree(seed=20240611)
    assert len(files) == 50
    assert compared(request, check_against_gcc(generate, files, tmp_path)) > 100
