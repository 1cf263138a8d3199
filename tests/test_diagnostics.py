"""Every diagnostic code: where it points (line AND column) and what it says.

Each code has a test named ``test_<code with _>``; ``test_every_code_has_a_test`` greps
the sources for codes, so that a new one cannot be added without a test here. Positions
are 1-based and point at the offending YAML node: the key for a bad name, the value for
a bad type or default. ``at(text, needle)`` finds where a node starts by plain text
search, so the expected positions are independent of structgen.
"""

from __future__ import annotations

import ctypes
import inspect
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, ROOT, Generate, cpu_clock, run_structgen

import structgen
from structgen import Diagnostic, SchemaError
from structgen.loader import load_document

Found = tuple[
    str, int, int, str
]  # file (relative to the schema root), line, column, code


def at(text: str, needle: str, nth: int = 1) -> tuple[int, int]:
    """1-based line and column where the ``nth`` occurrence of ``needle`` starts."""
    index = -1
    for _ in range(nth):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def write(root: Path, files: Mapping[str, str | bytes]) -> None:
    for name, content in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(textwrap.dedent(content), encoding="utf-8")


def diagnose(tmp_path: Path, files: Mapping[str, str | bytes]) -> list[Diagnostic]:
    """Build ``files`` (a schema folder); the build must fail and write nothing."""
    root = tmp_path / "schemas"
    write(root, files)
    out = tmp_path / "out"
    with pytest.raises(SchemaError) as info:
        structgen.build([root], out)
    assert not out.exists(), "a failed build must not write anything"
    diagnostics = info.value.diagnostics
    assert diagnostics == sorted(diagnostics)
    for d in diagnostics:
        assert d.line >= 1 and d.column >= 1
        assert str(d) == f"{d.file}:{d.line}:{d.column}: error: {d.message} [{d.code}]"
    return diagnostics


def found(tmp_path: Path, diagnostics: list[Diagnostic]) -> list[Found]:
    root = tmp_path / "schemas"
    return [
        (Path(d.file).relative_to(root).as_posix(), d.line, d.column, d.code)
        for d in diagnostics
    ]


def errors(tmp_path: Path, text: str, name: str = "s.yaml") -> list[Diagnostic]:
    """Diagnostics of one schema file (``text`` is dedented)."""
    return diagnose(tmp_path, {name: text})


def only(tmp_path: Path, text: str, code: str) -> Diagnostic:
    """The single diagnostic of ``text``, which must have ``code``."""
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == [code], diagnostics
    return diagnostics[0]


def located(
    d: Diagnostic, text: str, needle: str, nth: int = 1, *, skip: int = 0
) -> None:
    """``d`` points at the ``nth`` ``needle`` in ``text`` (``skip`` characters on)."""
    line, column = at(textwrap.dedent(text), needle, nth)
    assert (d.line, d.column) == (line, column + skip), d


# -- types -------------------------------------------------------------------------


POINTER_SPELLINGS = [
    "c_char_p",
    "c_wchar_p",
    "c_void_p",
    "c_voidp",  # ctypes' alias of c_void_p
    "py_object",
    "POINTER(Point)",
    "pointer",
    "char*",
    "Point *",
    "int32 *",
    "CFUNCTYPE(None, c_int)",
    "ctypes.c_char_p",
    "str",
    "bytes",
]


def assert_pointer_message(d: Diagnostic, field: str, spelling: str) -> None:
    assert d.code == "pointer-field"
    assert f"field '{field}'" in d.message
    if spelling in ("str", "bytes"):
        assert f"'{spelling}' without a length" in d.message
    else:
        assert f"pointer type '{spelling}'" in d.message
    # why: each process has its own address space
    assert "address in one process and means nothing in another" in d.message
    # what to use instead
    for fix in ("'str[N]'", "'bytes[N]'", "index into a shared array"):
        assert fix in d.message


@pytest.mark.parametrize("spelling", POINTER_SPELLINGS)
def test_pointer_field(tmp_path: Path, spelling: str) -> None:
    text = f"""\
    records:
      Point:
        fields:
          x: float64
      Sprite:
        doc: Has a pointer.
        fields:
          size: int32
          owner: {spelling}
    """
    d = only(tmp_path, text, "pointer-field")
    located(d, text, f"owner: {spelling}", skip=len("owner: "))
    assert_pointer_message(d, "Sprite.owner", spelling)


@pytest.mark.parametrize("spelling", POINTER_SPELLINGS)
def test_pointer_field_long_form(tmp_path: Path, spelling: str) -> None:
    text = f"""\
    records:
      Point:
        fields:
          x: float64
      Sprite:
        fields:
          owner: {{type: "{spelling}", doc: Whose it is.}}
    """
    d = only(tmp_path, text, "pointer-field")
    located(d, text, f'"{spelling}"')
    assert_pointer_message(d, "Sprite.owner", spelling)


def test_pointer_message_matches_the_spec_example(tmp_path: Path) -> None:
    """SPEC section 5 shows this line; the message may add to it, not change it."""
    text = """\
    records:
      Sprite:
        fields:
          owner: char*
    """
    d = only(tmp_path, text, "pointer-field")
    assert d.message.startswith(
        "field 'Sprite.owner' has pointer type 'char*'; a pointer is an address in one "
        "process and means nothing in another; use 'str[N]' or 'bytes[N]'"
    )


def test_a_record_named_like_a_pointer_is_not_a_pointer(generate: Generate) -> None:
    ns = generate(
        {
            "handles.yaml": """\
            records:
              Pointer:
                fields: {address: uint64}
              Table:
                fields:
                  first: Pointer
                  rest: Pointer[3]
            """
        }
    )
    assert ns.handles.TableData().first == ns.handles.PointerData(address=0)


def test_unknown_type(tmp_path: Path) -> None:
    text = """\
    records:
      Point:
        fields:
          x: flaot64
          y: {type: Pointt}
      Sprite:
        fields:
          origin: Piont
          n: unit32
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["unknown-type"] * 4
    x, y, origin, n = diagnostics
    located(x, text, "flaot64")
    assert "unknown type 'flaot64'; did you mean 'float64'?" in x.message
    located(y, text, "Pointt")
    assert "did you mean 'Point'?" in y.message
    located(origin, text, "Piont")
    assert "field 'Sprite.origin'" in origin.message
    assert "did you mean 'Point'?" in origin.message
    located(n, text, "unit32")
    assert "did you mean 'uint32'?" in n.message


def test_unknown_type_from_a_module_not_imported(tmp_path: Path) -> None:
    files = {
        "units.yaml": """\
        records:
          Length:
            fields: {value: float64}
        """,
        "shapes.yaml": """\
        records:
          Box:
            fields:
              width: units.Length
        """,
    }
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [("shapes.yaml", 4, 14, "unknown-type")]
    assert "add 'units' to 'imports:'" in diagnostics[0].message


@pytest.mark.parametrize(
    ("spelling", "instead"),
    [
        ("long", "int64"),
        ("c_long", "int64"),
        ("c_ulong", "uint64"),
        ("size_t", "uint64"),
        ("c_size_t", "uint64"),
        ("ssize_t", "int64"),
        ("c_longdouble", "float64"),
        ("c_wchar", "uint32"),
        ("intptr_t", "int64"),
        # C's own spellings, in several words
        ("unsigned long", "uint64"),
        ("long int", "int64"),
        ("long unsigned int", "uint64"),
        ("long long", "int64"),
        ("unsigned long long", "uint64"),
        ("unsigned int", "uint32"),
        ("unsigned", "uint32"),
        ("signed int", "int32"),
        ("unsigned short", "uint16"),
        ("short int", "int16"),
        ("long double", "float64"),
    ],
)
def test_platform_sized_type(tmp_path: Path, spelling: str, instead: str) -> None:
    text = f"""\
    records:
      Stats:
        fields:
          count: {spelling}
          total: "{spelling}[4]"
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["platform-sized-type"] * 2
    located(diagnostics[0], text, spelling)
    located(diagnostics[1], text, f'"{spelling}[4]"')
    for d in diagnostics:
        assert f"'{spelling}'" in d.message
        assert "different width on different platforms" in d.message
        assert f"fixed-width {instead}" in d.message


@pytest.mark.parametrize(
    "spelling",
    [
        "float64[[3]",
        "float64[3",
        "float64 x",
        "3float",
        "Point.",
        "a-b",
        "long long long",  # not C either
        "short long",
    ],
)
def test_invalid_type(tmp_path: Path, spelling: str) -> None:
    text = f"""\
    records:
      Point:
        fields:
          x: "{spelling}"
    """
    d = only(tmp_path, text, "invalid-type")
    located(d, text, f'"{spelling}"')
    assert f"'{spelling}' is not a type expression" in d.message
    assert "'str[16]'" in d.message


@pytest.mark.parametrize(
    ("spelling", "instead"), [("unsigned char", "uint8"), ("signed char", "int8")]
)
def test_invalid_type_c_char_words_say_what_to_write(
    tmp_path: Path, spelling: str, instead: str
) -> None:
    text = f"""\
    records:
      P:
        fields:
          initial: {spelling}
          many: {{type: "{spelling}[4]"}}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["invalid-type"] * 2
    located(diagnostics[0], text, spelling)
    located(diagnostics[1], text, f'"{spelling}[4]"')
    for d, field in zip(diagnostics, ["initial", "many"], strict=True):
        assert d.message == (
            f"field 'P.{field}': type '{spelling}' is C's name for a one-byte "
            f"integer; use the fixed-width {instead}"
        )


def test_invalid_type_c_char_says_what_to_write(tmp_path: Path) -> None:
    """``c_char`` is one byte everywhere, but a number or text? The user must say."""
    text = """\
    records:
      P:
        fields:
          initial: c_char
    """
    d = only(tmp_path, text, "invalid-type")
    located(d, text, "c_char")
    assert "'c_char' is a one-byte character" in d.message
    for fix in ("int8", "uint8", "bytes[1]", "str[1]"):
        assert fix in d.message


@pytest.mark.parametrize(
    ("spelling", "says"),
    [
        ("float64[0]", "array size 0 in 'float64[0]' must be at least 1"),
        ("float64[-2]", "array size -2 in 'float64[-2]' must be at least 1"),
        ("int8[4][0]", "array size 0 in 'int8[4][0]' must be at least 1"),
        ("float64[x]", "array size 'x' in 'float64[x]' must be a whole number"),
        ("float64[]", "must be a whole number"),
        ("float64[99999999999]", "is too large (at most 1,048,576 per dimension)"),
        ("str[0]", "must be at least 1"),
        ("bytes[100000]", "bytes[100000] is too long (at most 65,536 bytes)"),
        ("str[70000]", "str[70000] is too long"),
    ],
)
def test_array_size(tmp_path: Path, spelling: str, says: str) -> None:
    text = f"""\
    records:
      Grid:
        fields:
          cells: "{spelling}"
    """
    d = only(tmp_path, text, "array-size")
    located(d, text, f'"{spelling}"')
    assert "field 'Grid.cells'" in d.message
    assert says in d.message


@pytest.mark.parametrize(
    ("spelling", "count"),
    [("int8" + "[1]" * 9, 9), ("str[4]" + "[2]" * 9, 9), ("int8" + "[1]" * 1000, 1000)],
)
def test_array_dimensions(tmp_path: Path, spelling: str, count: int) -> None:
    """Refused before anything recurses per dimension (1000 gave a RecursionError)."""
    text = f"""\
    records:
      Grid:
        fields:
          cells: "{spelling}"
    """
    d = only(tmp_path, text, "array-dimensions")
    located(d, text, f'"{spelling}"')
    shown = spelling if len(spelling) <= 40 else spelling[:40] + "..."
    assert d.message == (
        f"field 'Grid.cells': '{shown}' has {count:,} array dimensions; "
        "at most 8 are allowed"
    )


def test_eight_array_dimensions_are_allowed(generate: Generate) -> None:
    ns = generate(
        {
            "grid.yaml": f"""\
            records:
              Grid:
                fields:
                  cells: int8{"[2]" * 8}
                  names: str[3]{"[1]" * 8}
            """
        }
    )
    grid = ns.grid.SharedGrid()
    with grid.update() as view:
        view.cells[1][1][1][1][1][1][1][1] = 5
    assert grid.cells[1][1][1][1][1][1][1][1] == 5
    names: object = ""
    for _ in range(8):
        names = (names,)
    assert grid.names == names


def test_record_too_large(tmp_path: Path) -> None:
    """Each dimension is allowed, their product is gigabytes: refused, not allocated."""
    text = """\
    records:
      Small:
        fields: {x: int8}
      Huge:
        fields:
          cells: float64[1048576][1048576]
      Nested:
        fields:
          many: Block[1000]
      Block:
        fields:
          data: bytes[65536]
    """
    with cpu_clock() as spent:  # sizes computed, not 64 TiB allocated
        diagnostics = errors(tmp_path, text)
    assert spent() < 5
    assert [d.code for d in diagnostics] == ["record-too-large"] * 2
    huge, nested = diagnostics
    located(huge, text, "Huge")
    assert "record 'Huge' is 8,796,093,022,208 bytes" in huge.message
    assert "at most 16,777,216 bytes" in huge.message
    located(nested, text, "Nested")
    assert "record 'Nested' is 65,536,000 bytes" in nested.message


def _chain(links: int, first: int = 0, suffix: str = "") -> str:
    """Records R<first>..R<first+links-1>, each holding the one before it."""
    lines = ["records:", f"  R{first}:", "    fields: {v: float64}"]
    for i in range(first + 1, first + links):
        lines += [f"  R{i}:", f"    fields: {{inner: 'R{i - 1}{suffix}', w: int32}}"]
    return "\n".join(lines) + "\n"


def test_nesting_depth(tmp_path: Path) -> None:
    """65 levels are refused, once, where the limit is passed (the records holding it
    are not reported again); arrays count a level per dimension."""
    text = _chain(65)
    (d,) = errors(tmp_path / "a", text)
    assert d.code == "nesting-depth"
    located(d, text, "R64:")
    assert "record 'R64' nests 65 levels deep; at most 64 are allowed" in d.message
    assert not (tmp_path / "a" / "out").exists()
    # 1 + 31 links of a record and one dimension = 63 levels: allowed; one more is not
    (d,) = errors(tmp_path / "b", _chain(33, suffix="[1]"))
    assert d.code == "nesting-depth"
    assert "record 'R32' nests 65 levels deep" in d.message


def test_nesting_depth_of_a_deep_chain_in_any_order(tmp_path: Path) -> None:
    """600 records, the deepest first: one diagnostic, no RecursionError."""
    text = _chain(600)
    body = text.split("\n", 1)[1].splitlines()
    pairs = ["\n".join(body[i : i + 2]) for i in range(0, len(body), 2)]
    reversed_text = "records:\n" + "\n".join(reversed(pairs)) + "\n"
    (d,) = errors(tmp_path, reversed_text)
    assert d.code == "nesting-depth"
    assert "record 'R64' nests 65 levels deep" in d.message


# -- names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("class", "is a Python keyword"),
        ("None", "is a Python keyword"),
        ("_hidden", "starts with '_'"),
        ("__dunder__", "starts with '_'"),
        ("2fast", "is not a valid identifier"),
        ("has-dash", "is not a valid identifier"),
        ("naïve", "is not a valid identifier: 'ï' is not ASCII"),
        ("ünïcode", "is not a valid identifier: 'ü' is not ASCII (names are ASCII"),
    ],
)
def test_invalid_name(tmp_path: Path, name: str, why: str) -> None:
    text = f"""\
    enums:
      "{name}":
        values: [A]
      Mode:
        values: [OK, "{name}"]
    records:
      "{name}":
        fields: {{x: int8}}
      Point:
        fields:
          "{name}": int8
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["invalid-name"] * 4
    enum, member, record, field = diagnostics
    located(enum, text, f'"{name}"', 1)
    assert f"enum name '{name}' {why}" in enum.message
    located(member, text, f'"{name}"', 2)
    assert f"enum member 'Mode.{name}' {why}" in member.message
    located(record, text, f'"{name}"', 3)
    assert f"record name '{name}' {why}" in record.message
    located(field, text, f'"{name}"', 4)
    assert f"field name 'Point.{name}' {why}" in field.message


def test_invalid_name_of_enum_members(tmp_path: Path) -> None:
    text = """\
    enums:
      Key:
        values: {name: 1, value: 2, mro: 3, _x: 4, OK: 5}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["invalid-name"] * 4
    for d, member in zip(diagnostics, ["name", "value", "mro", "_x"], strict=True):
        located(d, text, f"{member}:")
        assert f"enum member 'Key.{member}'" in d.message


RESERVED_FIELDS = [
    "update",
    "snapshot",
    "assign",
    "set",
    "get_lock",
    "get_obj",
    "from_value",
    "lock",
    "ctx",
    "create",
    "attach",
    "close",
    "unlink",
    "numpy",
    "to_numpy",
    "assign_numpy",
    "dtype",
]


@pytest.mark.parametrize("name", RESERVED_FIELDS)
def test_reserved_name(tmp_path: Path, name: str) -> None:
    text = f"""\
    records:
      Point:
        fields:
          x: float64
          {name}: {{type: int32}}
    """
    d = only(tmp_path, text, "reserved-name")
    located(d, text, f"{name}:")
    assert f"field name 'Point.{name}' collides with the generated member" in d.message
    assert f"'SharedPoint.{name}'" in d.message


@pytest.mark.parametrize(
    "name", ["from_buffer", "from_buffer_copy", "from_address", "from_param", "in_dll"]
)
def test_reserved_name_of_structure_methods(tmp_path: Path, name: str) -> None:
    """A field replacing ``Structure.from_buffer`` breaks ``RawValue`` at run time."""
    text = f"""\
    records:
      Point:
        fields:
          {name}: int32
    """
    d = only(tmp_path, text, "reserved-name")
    located(d, text, f"{name}:")
    assert "ctypes.Structure" in d.message


@pytest.mark.parametrize("name", ["int", "float", "bool", "str", "bytes", "tuple"])
def test_reserved_name_of_builtins(tmp_path: Path, name: str) -> None:
    text = f"""\
    records:
      Point:
        fields:
          {name}: int32
      {name}:
        fields: {{x: int8}}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["reserved-name"] * 2
    field, record = diagnostics
    located(field, text, f" {name}:", skip=1)
    located(record, text, f" {name}:", 2, skip=1)
    assert f"shadow the builtin type '{name}'" in field.message


def test_reserved_name_of_the_future_import(tmp_path: Path) -> None:
    """``from __future__ import annotations`` binds ``annotations`` in every module."""
    text = """\
    enums:
      annotations: {values: [A]}
    records:
      annotations:
        fields: {x: int8}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["reserved-name"] * 2
    enum, record = diagnostics
    located(enum, text, "annotations:")
    located(record, text, "annotations:", 2)
    assert enum.message == (
        "enum name 'annotations' would shadow the module-level name 'annotations' "
        "(from __future__ import annotations) that generated code uses"
    )
    assert record.message.startswith("record name 'annotations' would shadow")


def test_a_field_may_be_named_annotations(generate: Generate) -> None:
    ns = generate({"s.yaml": "records:\n  P:\n    fields: {annotations: int8}\n"})
    assert ns.s.SharedP(annotations=3).annotations == 3


def test_reserved_name_of_a_builtin_that_views_call(tmp_path: Path) -> None:
    """A view's int setter calls ``type()``: a record or enum must not hide it."""
    text = """\
    enums:
      type: {values: [A]}
    records:
      type:
        fields: {x: int8}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["reserved-name"] * 2
    enum, record = diagnostics
    located(enum, text, "type:")
    located(record, text, "type:", 2)
    assert "would shadow the builtin 'type'" in enum.message
    assert "would shadow the builtin 'type'" in record.message


def test_a_field_may_be_named_type(generate: Generate) -> None:
    ns = generate({"s.yaml": "records:\n  P:\n    fields: {type: int8, n: int32}\n"})
    shared = ns.s.SharedP(type=3)
    with shared.update() as view:
        view.type += 1
        view.n = 7
    assert shared.snapshot() == ns.s.PData(type=4, n=7)
    with pytest.raises(OverflowError, match=r"P\.type"), shared.update() as view:
        view.type = 128


@pytest.mark.parametrize("derived", ["PointData", "SharedPoint", "SharedPointArray"])
def test_name_collision(tmp_path: Path, derived: str) -> None:
    text = f"""\
    enums:
      {derived}:
        values: [A]
    records:
      Point:
        fields: {{x: float64}}
      {derived}:
        fields: {{y: float64}}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["name-collision"] * 2
    enum, record = diagnostics
    located(enum, text, f"{derived}:")
    located(record, text, f"{derived}:", 2)
    assert f"enum name '{derived}' collides with the generated class" in enum.message
    assert f"record name '{derived}' collides" in record.message
    assert "of record 'Point'" in record.message


def test_name_collision_of_a_field_with_a_record(tmp_path: Path) -> None:
    text = """\
    enums:
      Color: {values: [RED]}
    records:
      Point:
        fields: {x: float64}
      Sprite:
        fields:
          Point: Point
          Color: Color
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["name-collision"] * 2
    located(diagnostics[0], text, "Point:", 2)
    located(diagnostics[1], text, "Color:", 2)
    assert "field name 'Sprite.Point' is also the name of a record" in (
        diagnostics[0].message
    )


def test_duplicate_name(tmp_path: Path) -> None:
    text = """\
    enums:
      Shape:
        values: [SQUARE, CIRCLE, SQUARE]
    records:
      Shape:
        fields: {x: int8}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["duplicate-name"] * 2
    member, record = diagnostics
    located(member, text, "SQUARE", 2)
    assert "enum member 'Shape.SQUARE' is listed twice" in member.message
    located(record, text, "Shape:", 2)
    assert "'Shape' is defined both as an enum and as a record" in record.message


# -- structure of a schema file ------------------------------------------------------


def test_duplicate_key(tmp_path: Path) -> None:
    text = """\
    records:
      Point:
        fields:
          x: float64
          y: float64
          x: int32
      Point:
        fields: {z: int8}
    enums:
      Color:
        values: {RED: 1, RED: 2}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["duplicate-key"] * 3
    field, record, member = diagnostics
    located(field, text, "x:", 2)
    assert "duplicate key 'x' (first defined at line 4)" in field.message
    assert "silently keep only the last one" in field.message
    located(record, text, "Point:", 2)
    assert "duplicate key 'Point' (first defined at line 2)" in record.message
    located(member, text, "RED", 2)


@pytest.mark.parametrize(
    ("text", "typo", "where", "meant"),
    [
        ("improts: [a]\n", "improts", "the schema file", "imports"),
        (
            "records:\n  Point: {feilds: {x: int8}}\n",
            "feilds",
            "record 'Point'",
            "fields",
        ),
        (
            "records:\n  P: {fields: {x: int8}, packk: 1}\n",
            "packk",
            "record 'P'",
            "pack",
        ),
        (
            "records:\n  P:\n    fields:\n      x: {type: int8, defualt: 1}\n",
            "defualt",
            "field 'P.x'",
            "default",
        ),
        ("records:\n  P: {fields: {x: {tpye: int8}}}\n", "tpye", "field 'P.x'", "type"),
        (
            "records:\n  P: {fields: {x: {type: int8, docs: X}}}\n",
            "docs",
            "field 'P.x'",
            "doc",
        ),
        ("enums:\n  Color: {value: [RED]}\n", "value", "enum 'Color'", "values"),
        (
            "enums:\n  C:\n    values: [RED]\n    tpye: uint8\n",
            "tpye",
            "enum 'C'",
            "type",
        ),
    ],
)
def test_unknown_key(
    tmp_path: Path, text: str, typo: str, where: str, meant: str
) -> None:
    text = "doc: A typo.\n" + text
    d = only(tmp_path, text, "unknown-key")
    located(d, text, f"{typo}:")
    assert f"unknown key '{typo}' in {where}; did you mean '{meant}'?" in d.message


def test_unknown_key_without_a_close_match_lists_the_allowed_keys(
    tmp_path: Path,
) -> None:
    text = """\
    records:
      Point:
        fields:
          x: {type: float64, colour: red}
    """
    d = only(tmp_path, text, "unknown-key")
    located(d, text, "colour")
    assert "unknown key 'colour' in field 'Point.x' (allowed: type, default, doc)" in (
        d.message
    )


def test_missing_key(tmp_path: Path) -> None:
    text = """\
    enums:
      Color:
        type: uint8
    records:
      Point:
        doc: No fields.
      Sprite:
        fields:
          origin: {doc: Where it is.}
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["missing-key"] * 3
    enum, record, field = diagnostics
    located(enum, text, "Color:")
    assert "enum 'Color' is missing the required key 'values'" in enum.message
    located(record, text, "Point:")
    assert "record 'Point' is missing the required key 'fields'" in record.message
    located(field, text, "origin:")
    assert "field 'Sprite.origin' is missing the required key 'type'" in field.message


@pytest.mark.parametrize(
    ("line", "needle", "says"),
    [
        ("records: [Point]", "[Point]", "'records' must be a mapping, not a list"),
        ("enums: 5", "5", "'enums' must be a mapping, not int 5"),
        ("imports: units", "units", "'imports' must be a list, not str 'units'"),
        ("doc: [a, b]", "[a, b]", "'doc' must be a string, not a list"),
        ("records: {P: 5}", "5", "'records.P' must be a mapping, not int 5"),
        ("records: {P: {fields: {}}}", "{}", "'records.P.fields' needs at least one"),
        ("records: {P: {fields: {x: 5}}}", "5", "field 'P.x' must be a type name or"),
        ("records: {P: {fields: {x: [int8]}}}", "[int8]", "not a list"),
        (
            "records: {P: {fields: {x: int8}, pack: '4'}}",
            "'4'",
            "whole number, not str",
        ),
        (
            "records: {P: {fields: {x: int8}, pack: true}}",
            "true",
            "not the boolean true",
        ),
        (
            "records: {P: {fields: {x: {type: 3}}}}",
            "3",
            "'records.P.fields.x.type' must",
        ),
        (
            "enums: {E: {values: []}}",
            "[]",
            "'enums.E.values' needs at least one member",
        ),
        ("enums: {E: {values: [A, 1]}}", "1", "'enums.E.values.1' must be a string"),
        ("enums: {E: {values: {A: x}}}", "x", "'enums.E.values.A' must be a whole num"),
        ("enums: {E: {values: 7}}", "7", "must be a list of member names or a mapping"),
        ("enums: {E: {values: [A], type: 8}}", "8", "'enums.E.type' must be a string"),
    ],
)
def test_invalid_value(tmp_path: Path, line: str, needle: str, says: str) -> None:
    text = line + "\n"
    d = only(tmp_path, text, "invalid-value")
    located(d, text, needle)
    assert says in d.message


@pytest.mark.parametrize("pack", [0, 3, 32, -1])
def test_invalid_pack(tmp_path: Path, pack: int) -> None:
    text = f"""\
    records:
      Packed:
        pack: {pack}
        fields: {{x: int8, y: int64}}
    """
    d = only(tmp_path, text, "invalid-pack")
    located(d, text, str(pack))
    assert f"record 'Packed' pack {pack} must be one of 1, 2, 4, 8, 16" in d.message


# -- enums -------------------------------------------------------------------------


@pytest.mark.parametrize("storage", ["float32", "bool", "str[4]", "Color", "long"])
def test_invalid_enum_type(tmp_path: Path, storage: str) -> None:
    text = f"""\
    enums:
      Color:
        values: [RED]
      Mode:
        type: "{storage}"
        values: [ON, OFF]
    records:
      Lamp:
        fields:
          mode: {{type: Mode, default: OFF}}
    """
    d = only(tmp_path, text, "invalid-enum-type")
    located(d, text, f'"{storage}"')
    assert f"enum 'Mode' storage type '{storage}' must be an integer type" in d.message
    if storage == "long":
        assert "different width on different platforms" in d.message


def test_enum_storage_types_accept_aliases(generate: Generate) -> None:
    ns = generate(
        {
            "e.yaml": """\
            enums:
              A: {type: c_int, values: [X]}
              B: {type: char, values: {Y: -128}}
              C: {type: c_uint16, values: {Z: 65535}}
            records:
              R:
                fields: {a: A, b: B, c: C}
            """
        }
    )

    assert ctypes.sizeof(ns.e.R) == 8
    assert ns.e.RData().b is ns.e.B.Y


@pytest.mark.parametrize(
    ("storage", "values", "bad"),
    [
        ("uint8", "{LOW: 0, HIGH: 256}", "HIGH: 256"),
        ("uint8", "{NEG: -1, OK: 1}", "NEG: -1"),
        ("int8", "{A: 127, B: 128}", "B: 128"),
        ("int64", "{HUGE: 9223372036854775808}", "HUGE: 9223372036854775808"),
    ],
)
def test_enum_value_range(tmp_path: Path, storage: str, values: str, bad: str) -> None:
    text = f"""\
    enums:
      Level:
        type: {storage}
        values: {values}
    """
    d = only(tmp_path, text, "enum-value-range")
    key, number = bad.split(": ")
    located(d, text, number)
    assert f"enum member 'Level.{key}' = {number} does not fit" in d.message
    assert f"storage type {storage}" in d.message


def test_enum_value_range_of_a_long_list(tmp_path: Path) -> None:
    names = ", ".join(f"M{i}" for i in range(130))
    text = f"enums:\n  Big:\n    type: int8\n    values: [{names}]\n"
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["enum-value-range"] * 2
    located(diagnostics[0], text, "M128")
    located(diagnostics[1], text, "M129")


# -- defaults ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "default", "says"),
    [
        ("int8", "200", "default 200 of 'R.f' is out of range for int8 (-128 .. 127)"),
        ("uint16", "-1", "out of range for uint16 (0 .. 65535)"),
        ("uint64", "18446744073709551616", "out of range for uint64"),
        ("int32", "1.5", "must be a whole number, not 1.5"),
        ("int32", "true", "must be a whole number, not True"),
        ("int32", "'3'", "must be a whole number, not '3'"),
        ("float32", "1e39", "out of range for float32"),
        ("float32", "-3.5e38", "out of range for float32"),
        ("float64", "'fast'", "must be a number, not 'fast'"),
        ("bool", "1", "must be true or false, not 1"),
        ("bool", "yes", "must be true or false, not 'yes'"),
        (
            "Color",
            "PURPLE",
            "must name a member of enum 'Color' (RED, GREEN), not 'PURPLE'",
        ),
        ("Color", "1", "must name a member of enum 'Color'"),
        ('"str[4]"', "hello", "is 5 bytes in UTF-8; the field holds at most 4"),
        ('"str[4]"', "'héé'", "is 5 bytes in UTF-8"),
        ('"str[4]"', "5", "must be a string, not 5"),
        ('"bytes[2]"', "abc", "is 3 bytes in UTF-8; the field holds at most 2"),
        ('"int8[2]"', "[1]", "has 1 values; the array holds 2"),
        ('"int8[2]"', "[1, 300]", "default 300 of 'R.f' is out of range for int8"),
        ('"int8[2]"', "3", "must be a list of 2 values"),
        ('"int8[2][2]"', "[[1, 2], [3]]", "has 1 values; the array holds 2"),
        ("Point", "{x: 1.0, z: 2.0}", "names no field 'z' of 'Point'"),
        ("Point", "{x: red}", "default of 'Point.x' must be a number, not 'red'"),
        ("Point", "5", "must be a mapping of its fields, not 5"),
        ("int8", "null", "must be a whole number, not None"),
    ],
)
def test_invalid_default(tmp_path: Path, type_: str, default: str, says: str) -> None:
    text = f"""\
    enums:
      Color: {{values: [RED, GREEN]}}
    records:
      Point:
        fields: {{x: float64, y: float64}}
      R:
        fields:
          f: {{type: {type_}, default: {default}}}
    """
    d = only(tmp_path, text, "invalid-default")
    located(d, text, f"default: {default}", skip=len("default: "))
    assert says in d.message


def test_valid_defaults_are_accepted(generate: Generate) -> None:
    ns = generate(
        {
            "d.yaml": """\
            enums:
              Color: {values: [RED, GREEN]}
            records:
              Point:
                fields: {x: float64, y: {type: float64, default: 2.0}}
              R:
                fields:
                  a: {type: int8, default: -128}
                  b: {type: uint64, default: 18446744073709551615}
                  c: {type: float32, default: 3.4028234e38}
                  d: {type: float64, default: .inf}
                  e: {type: bool, default: true}
                  f: {type: Color, default: GREEN}
                  g: {type: "str[5]", default: héé}
                  h: {type: "bytes[3]", default: ab}
                  i: {type: "int8[2][2]", default: [[1, 2], [3, 4]]}
                  j: {type: Point, default: {x: 1.0}}
                  k: {type: float32, default: 7}
            """
        }
    )
    r = ns.d.RData()
    assert (r.a, r.b, r.e, r.f, r.g, r.h) == (
        -128,
        2**64 - 1,
        True,
        ns.d.Color.GREEN,
        "héé",
        b"ab\0",
    )
    assert r.d == float("inf") and r.k == 7.0
    assert r.i == ((1, 2), (3, 4))
    assert r.j == ns.d.PointData(x=1.0, y=2.0)


# -- cycles ------------------------------------------------------------------------


def test_record_cycle(tmp_path: Path) -> None:
    text = """\
    records:
      A:
        fields:
          b: B
      B:
        fields:
          n: int32
          a: {type: "A[2]"}
      Self:
        fields:
          me: Self
      Fine:
        fields:
          a: A
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["record-cycle"] * 2
    ab, me = diagnostics
    located(ab, text, "B", 1)
    assert "record 'A' contains itself: A.b -> B.a -> A" in ab.message
    assert "cannot hold itself by value" in ab.message
    located(me, text, "Self", 2)
    assert "Self.me -> Self" in me.message


def test_record_cycle_across_files(tmp_path: Path) -> None:
    """Record cycles through imports need an import cycle, reported too."""
    files = {
        "a.yaml": """\
        imports: [b]
        records:
          A:
            fields:
              other: b.B
        """,
        "b.yaml": """\
        imports: [a]
        records:
          B:
            fields:
              other: a.A
        """,
    }
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [
        ("a.yaml", 1, 11, "import-cycle"),
        ("a.yaml", 5, 14, "record-cycle"),
    ]
    assert "A.other -> b.B.other -> A" in diagnostics[1].message


def test_import_cycle(tmp_path: Path) -> None:
    files = {
        "a.yaml": "imports: [b]\nrecords:\n  A:\n    fields: {x: int8}\n",
        "b.yaml": "imports: [sub.c]\nrecords:\n  B:\n    fields: {x: int8}\n",
        "sub/c.yaml": "imports: [a]\nrecords:\n  C:\n    fields: {x: int8}\n",
    }
    diagnostics = diagnose(tmp_path, files)
    assert [(f, c) for f, _line, _col, c in found(tmp_path, diagnostics)] == [
        (found(tmp_path, diagnostics)[0][0], "import-cycle")
    ]
    d = diagnostics[0]
    assert "schema imports form a cycle:" in d.message
    cycle = d.message.split(": ", 1)[1].split(" -> ")
    assert cycle[0] == cycle[-1] and sorted(cycle[:-1]) == ["a", "b", "sub.c"]
    assert (d.line, d.column) == (1, 11)


# -- imports -----------------------------------------------------------------------


def test_unknown_import(tmp_path: Path) -> None:
    files = {
        "units.yaml": "records:\n  Length:\n    fields: {value: float64}\n",
        "sim/particles.yaml": """\
        imports: [units, unist, sim/units]
        records:
          P:
            fields: {x: int8}
        """,
    }
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [
        ("sim/particles.yaml", 1, 18, "unknown-import"),
        ("sim/particles.yaml", 1, 25, "unknown-import"),
    ]
    assert "import 'unist' names no schema of this build" in diagnostics[0].message
    assert "known: units" in diagnostics[0].message
    assert "dotted" in diagnostics[1].message


def test_invalid_import(tmp_path: Path) -> None:
    text = "imports: [s]\nrecords:\n  P:\n    fields: {x: int8}\n"
    d = only(tmp_path, text, "invalid-import")
    assert (d.line, d.column) == (1, 11)
    assert "'s' imports itself" in d.message


def test_duplicate_import(tmp_path: Path) -> None:
    files = {
        "units.yaml": "records:\n  Length:\n    fields: {value: float64}\n",
        "s.yaml": "imports:\n  - units\n  - units\nrecords: {P: {fields: {x: int8}}}\n",
    }
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [("s.yaml", 3, 5, "duplicate-import")]
    assert "'units' imported twice" in diagnostics[0].message


def test_a_field_may_share_the_name_of_an_imported_module(generate: Generate) -> None:
    ns = generate(
        {
            "units.yaml": "enums:\n  Unit: {values: [M, FT]}\n",
            "box.yaml": """\
            imports: [units]
            records:
              Box:
                fields:
                  units: {type: units.Unit, default: FT}
            """,
        }
    )
    assert ns.box.SharedBox().units is ns.units.Unit.FT


# -- files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "part", "what"),
    [
        ("my-schema.yaml", "my-schema", "file name"),
        ("class.yaml", "class", "file name"),
        ("2d.yaml", "2d", "file name"),
        ("_structgen.yaml", "_structgen", "file name"),
        ("my-folder/ok.yaml", "my-folder", "folder name"),
        ("import/ok.yaml", "import", "folder name"),
        ("a.b.yaml", "a.b", "file name"),  # not module 'a.b' in a package 'a'
        ("my.pkg/ok.yaml", "my.pkg", "folder name"),
    ],
)
def test_invalid_module_name(tmp_path: Path, name: str, part: str, what: str) -> None:
    files = {name: "records:\n  P:\n    fields: {x: int8}\n", "fine.yaml": "doc: x\n"}
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [(name, 1, 1, "invalid-module-name")]
    assert f"{what} '{part}'" in diagnostics[0].message
    assert "valid Python module name" in diagnostics[0].message


def test_duplicate_module(tmp_path: Path) -> None:
    files = {
        "shapes.yaml": "records:\n  P:\n    fields: {x: int8}\n",
        "shapes.yml": "records:\n  Q:\n    fields: {x: int8}\n",
    }
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [("shapes.yml", 1, 1, "duplicate-module")]
    assert "would both generate module 'shapes'" in diagnostics[0].message


def test_not_generated(tmp_path: Path) -> None:
    write(
        tmp_path / "schemas",
        {"geometry.yaml": "records:\n  P:\n    fields: {x: int8}\n"},
    )
    out = tmp_path / "out"
    out.mkdir()
    mine = out / "geometry.py"
    mine.write_text("# my own module\n")
    with pytest.raises(SchemaError) as info:
        structgen.build([tmp_path / "schemas"], out)
    [d] = info.value.diagnostics
    assert (d.file, d.line, d.column, d.code) == (str(mine), 1, 1, "not-generated")
    assert "refusing to overwrite a file that structgen did not write" in d.message
    assert mine.read_text() == "# my own module\n"
    assert sorted(p.name for p in out.iterdir()) == ["geometry.py"]


def test_yaml_syntax(tmp_path: Path) -> None:
    text = "records:\n  P:\n    fields:\n      x: [int8, int16\n      y: int8\n"
    d = only(tmp_path, text, "yaml-syntax")
    assert (d.line, d.column) == (5, 8)
    assert d.message.startswith("invalid YAML: ")


def test_yaml_tag(tmp_path: Path) -> None:
    text = """\
    records: !!python/object:os.system
      P:
        fields:
          x: !custom int8
    """
    diagnostics = errors(tmp_path, text)
    assert [d.code for d in diagnostics] == ["yaml-tag"] * 2
    located(diagnostics[0], text, "!!python")
    assert "unsupported YAML tag 'tag:yaml.org,2002:python/object:os.system'" in (
        diagnostics[0].message
    )
    located(diagnostics[1], text, "!custom")


def test_invalid_key(tmp_path: Path) -> None:
    text = """\
    records:
      P:
        fields:
          ? [a, b]
          : int8
          y: int8
    """
    d = only(tmp_path, text, "invalid-key")
    located(d, text, "[a, b]")
    assert "mapping keys must be plain names" in d.message


def test_not_utf8(tmp_path: Path) -> None:
    raw = b"records:\n  P:\n    fields:\n      caf\xe9: int8\n"
    [d] = diagnose(tmp_path, {"s.yaml": raw})
    assert (d.line, d.column, d.code) == (4, 10, "not-utf8")
    assert "not valid UTF-8 (byte 0xe9)" in d.message


def test_empty_file(tmp_path: Path) -> None:
    [d] = diagnose(tmp_path, {"s.yaml": ""})
    assert (d.line, d.column, d.code) == (1, 1, "empty-file")
    assert "file is empty" in d.message


def test_not_a_mapping(tmp_path: Path) -> None:
    [d] = diagnose(tmp_path, {"s.yaml": "# schema\n- Point\n- Sprite\n"})
    assert (d.line, d.column, d.code) == (2, 1, "not-a-mapping")
    assert "must be a mapping" in d.message


def test_too_large(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for index in range(1, 10):
        previous, name = chr(ord("a") + index - 1), chr(ord("a") + index)
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    with cpu_clock() as spent:  # 10**10 nodes if expanded
        [d] = diagnose(tmp_path, {"s.yaml": "\n".join(lines) + "\n"})
    assert spent() < 5
    assert d.code == "too-large"
    assert "alias bomb" in d.message
    assert d.line <= 10


def test_file_too_large(tmp_path: Path) -> None:
    [d] = diagnose(tmp_path, {"s.yaml": "#" * (1 << 20) + "\nrecords: {}\n"})
    assert (d.line, d.column, d.code) == (1, 1, "file-too-large")
    assert "a schema may be at most 1,048,576" in d.message


def test_unreadable_file(tmp_path: Path) -> None:
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    with pytest.raises(SchemaError) as info:
        load_document(folder, "folder.yaml")
    [d] = info.value.diagnostics
    assert (d.file, d.line, d.column, d.code) == (
        "folder.yaml",
        1,
        1,
        "unreadable-file",
    )
    assert "cannot read file" in d.message


# -- every error, in one run ---------------------------------------------------------


def test_every_error_is_reported_not_just_the_first(tmp_path: Path) -> None:
    files = {
        "a.yaml": """\
        records:
          Point:
            feilds:
              x: float64
          Sprite:
            fields:
              owner: char*
              where: Point
              size: int32
              size: int64
              name: {type: "str[4]", default: too long}
        """,
        "b.yaml": """\
        enums:
          Mode: {type: float32, values: [A]}
        records:
          Q:
            fields: {x: unit8, y: size_t}
        """,
        "bad.yaml": "records: [\n",
    }
    diagnostics = diagnose(tmp_path, files)
    assert found(tmp_path, diagnostics) == [
        ("a.yaml", 3, 5, "unknown-key"),
        ("a.yaml", 7, 14, "pointer-field"),
        ("a.yaml", 10, 7, "duplicate-key"),
        ("a.yaml", 11, 39, "invalid-default"),
        ("b.yaml", 2, 16, "invalid-enum-type"),
        ("b.yaml", 5, 17, "unknown-type"),
        ("b.yaml", 5, 27, "platform-sized-type"),
        ("bad.yaml", 2, 1, "yaml-syntax"),
    ]


DONE_WHEN_SCHEMA = """\
doc: Shapes shared between the renderer and its workers.
enums:
  Color:
    type: uint8
    values: [RED, GREEN, BLUE]
records:
  Point:
    doc: A 2-D point.
    fields:
      x: float64
      y: {type: float64, default: 1.5}
  Sprite:
    fields:
      origin: Piont
      owner: char*
      color: {type: Color, default: GREEN}
      color: uint8
      name: str[16]
"""

FIXED_SCHEMA = (
    DONE_WHEN_SCHEMA.replace("Piont", "Point")
    .replace("      owner: char*\n", "      owner: str[16]\n")
    .replace("      color: uint8\n", "")
)

USER_CODE = """\
from shm.shapes import Color, PointData, SharedSprite, SpriteData

sprite = SharedSprite(name="hero")
origin: PointData = sprite.origin
x: float = sprite.origin.x
color: Color = sprite.color
owner: str = sprite.owner
with sprite.update() as view:
    view.origin.x += 1.0
    view.color = Color.BLUE
data: SpriteData = sprite.snapshot()
"""

MISUSE = """\
from shm.shapes import SharedSprite

sprite = SharedSprite()
sprite.name = 3
sprite.origin.x = 1.0
sprite.colour = 1
"""


def test_done_when_every_mistake_at_its_line_then_fixed_and_typed(
    tmp_path: Path, mypy_cache: Path
) -> None:
    """The issue's scenario, end to end through the command line."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "shapes.yaml").write_text(DONE_WHEN_SCHEMA)
    broken = run_structgen("build", "schemas", "-o", "shm", cwd=tmp_path)
    assert broken.returncode == 1, broken.stderr
    assert "Traceback" not in broken.stderr
    assert not (tmp_path / "shm").exists()
    lines = broken.stderr.splitlines()
    assert lines[-1] == "3 errors"
    text = DONE_WHEN_SCHEMA
    expected = [
        ("unknown-type", at(text, "Piont"), "did you mean 'Point'?"),
        ("pointer-field", at(text, "char*"), "'str[N]' or 'bytes[N]'"),
        ("duplicate-key", at(text, "color:", 2), "first defined at line 16"),
    ]
    assert len(lines) == 4
    for line, (code, (row, column), says) in zip(lines, expected, strict=False):
        assert line.startswith(f"schemas/shapes.yaml:{row}:{column}: error: "), line
        assert line.endswith(f"[{code}]")
        assert says in line

    (schemas / "shapes.yaml").write_text(FIXED_SCHEMA)
    built = run_structgen("build", "schemas", "-o", "shm", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (tmp_path / "user.py").write_text(USER_CODE)
    imported = subprocess.run(
        [PYTHON, "user.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert imported.returncode == 0, imported.stderr
    # ... mypy takes the correct use, and understands every field: misuse is an
    # error at each line (one mypy run for both)
    (tmp_path / "misuse.py").write_text(MISUSE)
    mypy = [PYTHON, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache)]
    checked = subprocess.run(
        [*mypy, "user.py", "misuse.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert checked.returncode == 1, checked.stdout + checked.stderr
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    assert not [line for line in errors if not line.startswith("misuse.py:")], errors
    for number in (4, 5, 6):
        assert f"misuse.py:{number}: error" in checked.stdout, checked.stdout


# -- the list of codes -------------------------------------------------------------

_NOT_CODES = {"utf-8", "schema-json"}  # an encoding, a subcommand


def _codes_in_sources() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "src" / "structgen").rglob("*.py"):
        source = path.read_text()
        reports = ("Diagnostic", "TypeProblem", "state.error(")
        if any(word in source for word in reports):  # modules that report
            codes |= set(re.findall(r'"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)"', source))
    return codes - _NOT_CODES


def _first_parameters(function: Any) -> dict[str, Any]:
    """The first parameter set of each ``parametrize`` mark of a test function."""
    arguments: dict[str, Any] = {}
    for mark in getattr(function, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        names, values = mark.args[0], mark.args[1]
        if isinstance(names, str):
            names = [name.strip() for name in names.split(",")]
        first = values[0]
        first = first.values if hasattr(first, "values") else first
        if len(names) == 1 and not hasattr(values[0], "values"):
            first = (first,)
        arguments.update(zip(names, first, strict=True))
    return arguments


def test_every_code_has_a_test(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each code of the sources has a test ``test_<code>`` that names the code (in an
    assertion) and, run here with its first parameters, makes structgen report it."""
    codes = _codes_in_sources()
    assert len(codes) >= 30, codes
    reported: list[str] = []
    original = SchemaError.__init__

    def recording(self: SchemaError, diagnostics: list[Diagnostic]) -> None:
        reported.extend(d.code for d in diagnostics)
        original(self, diagnostics)

    monkeypatch.setattr(SchemaError, "__init__", recording)
    problems = []
    for code in sorted(codes):
        name = f"test_{code.replace('-', '_')}"
        function = globals().get(name)
        if function is None:
            problems.append(f"{code}: no test {name}")
            continue
        if f'"{code}"' not in inspect.getsource(function):
            problems.append(f"{code}: {name} does not name the code")
        arguments = _first_parameters(function)
        wanted = set(inspect.signature(function).parameters) - set(arguments)
        if wanted != {"tmp_path"}:
            problems.append(f"{code}: {name} needs fixtures {sorted(wanted)}")
            continue
        reported.clear()
        function(tmp_path=tmp_path_factory.mktemp(name), **arguments)
        if code not in reported:
            problems.append(f"{code}: {name} passed without it being reported")
    assert not problems, "\n".join(problems)


def test_no_traceback_for_any_of_them(tmp_path: Path) -> None:
    """One CLI run over many broken files: one line each, exit 1, no traceback."""
    files: dict[str, str | bytes] = {
        "a.yaml": "records:\n  P:\n    fields: {x: c_void_p}\n",
        "b.yaml": b"\xff\xfe",
        "c.yaml": "",
        "d.yaml": "- 1\n",
        "e.yaml": "a: [\n",
        "f.yaml": "records:\n  P:\n    fields: {x: int8, x: int8}\n",
        "g.yaml": "records: {P: {fields: {x: {type: int8, default: 999}}}}\n",
        "h-h.yaml": "doc: x\n",
    }
    write(tmp_path / "schemas", files)
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    result = subprocess.run(
        [sys.executable, "-m", "structgen", "check", "schemas"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == f"{len(files)} errors"
    assert len(lines) == len(files) + 1
    pattern = re.compile(r"^schemas/[\w-]+\.yaml:\d+:\d+: error: .+ \[[a-z0-9-]+\]$")
    for line in lines[:-1]:
        assert pattern.match(line), line


def test_c_reserved_name(tmp_path: Path) -> None:
    """Names C or C++ cannot declare: refused only when C headers are built."""
    schemas = tmp_path / "s"
    schemas.mkdir()
    (schemas / "a.yaml").write_text(
        "enums:\n  Mode:\n    values: [A]\n"
        "records:\n  template:\n    fields: {x: int32}\n"
        "  P:\n    fields: {int8_t: int8}\n"
    )
    structgen.build([schemas], tmp_path / "out")  # Python alone is fine
    with pytest.raises(SchemaError) as caught:
        structgen.build([schemas], tmp_path / "o2", c_out=tmp_path / "inc")
    found = caught.value.diagnostics
    assert {d.code for d in found} == {"c-reserved-name"}
    messages = sorted(d.message for d in found)
    assert "field 'P.int8_t' is a C/C++ keyword" in messages[0]
    assert "name 'template' cannot be declared in a C header" in messages[1]
    assert not (tmp_path / "o2").exists() and not (tmp_path / "inc").exists()
