"""``structgen layout FILE [RECORD]``, through a real subprocess.

Its figures (size, alignment, pack, and every field's offset, size, alignment and the
padding before it, then the tail padding) must be those of ctypes on the generated
classes; mistakes in the call give exit 2, mistakes in the schema exit 1.
"""

from __future__ import annotations

import ctypes
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT, Generate, run_structgen

SCHEMAS = {
    "units.yaml": """\
        enums:
          Unit: {type: uint8, values: {METRE: 1, FOOT: 2}}
        records:
          Length:
            fields: {value: float64, unit: Unit}
        """,
    "shapes.yaml": """\
        imports: [units]
        enums:
          Wide: {type: int64, values: [A, B]}
        records:
          Point:
            fields: {x: float64, y: float64}
          Mixed:
            doc: Fields in an order that needs padding.
            fields:
              flag: bool
              big: int64
              small: int16
              ratio: float32
              kind: Wide
              tail: uint8
          Sprite:
            pack: 2
            fields:
              tag: int8
              origin: Point
              corners: Point[4]
              samples: float32[8][2]
              name: str[5]
              labels: str[16][4]
              raw: bytes[3]
              size: units.Length
              visible: bool
          Tight:
            pack: 1
            fields: {a: int8, b: float64, c: "Mixed[2]", d: uint16}
          Wrapper:
            fields: {head: int8, sprite: Sprite, tight: Tight, last: int32}
        """,
}

_HEADING = re.compile(r"(\w+): size (\d+), alignment (\d+)(?:, pack (\d+))?")
_HEADER = re.compile(r"  offset +size +align +pad-before +field")
_ROW = re.compile(r" +(\d+) +(\d+) +(\d+) +(\d+)  (\w+)")
_TAIL = re.compile(r"  tail padding: (\d+) bytes?(?: \(offset (\d+) to (\d+)\))?")


@dataclass
class Table:
    size: int
    align: int
    pack: int | None
    rows: list[tuple[str, int, int, int, int]]  # name, offset, size, align, pad-before
    tail: int


def parse(output: str) -> dict[str, Table]:
    """Read ``structgen layout`` output strictly: every line must be understood."""
    tables: dict[str, Table] = {}
    for block in output.rstrip("\n").split("\n\n"):
        heading, header, *rows, tail = block.split("\n")
        match = _HEADING.fullmatch(heading)
        assert match, heading
        assert _HEADER.fullmatch(header), header
        parsed = []
        for row in rows:
            cells = _ROW.fullmatch(row)
            assert cells, row
            offset, size, align, pad = map(int, cells.groups()[:4])
            parsed.append((cells[5], offset, size, align, pad))
        end = _TAIL.fullmatch(tail)
        assert end, tail
        pack = int(match[4]) if match[4] else None
        tables[match[1]] = Table(
            int(match[2]), int(match[3]), pack, parsed, int(end[1])
        )
    return tables


def ctypes_table(cls: type[ctypes.Structure]) -> Table:
    """What the layout of a generated class must read, from ctypes alone."""
    pack = getattr(cls, "_pack_", None)
    rows = []
    end = 0
    for entry in cls._fields_:
        name, ctype = entry[0], entry[1]
        field = getattr(cls, name)
        align = ctypes.alignment(ctype)
        if pack:
            align = min(align, pack)
        rows.append((name, field.offset, field.size, align, field.offset - end))
        end = field.offset + field.size
    size = ctypes.sizeof(cls)
    return Table(size, ctypes.alignment(cls), pack, rows, size - end)


@pytest.fixture
def built(generate: Generate) -> tuple[Path, dict[str, type[ctypes.Structure]]]:
    ns = generate(SCHEMAS)
    classes = {
        name: getattr(ns.shapes, name)
        for name in ("Point", "Mixed", "Sprite", "Tight", "Wrapper")
    }
    return ns.schemas, classes


def test_every_record_matches_ctypes(built: tuple[Path, dict[str, type]]) -> None:
    schemas, classes = built
    result = run_structgen("layout", str(schemas / "shapes.yaml"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    tables = parse(result.stdout)
    assert list(tables) == list(classes)  # dependency order: here, schema order
    for name, cls in classes.items():
        assert tables[name] == ctypes_table(cls), name
    # the figures that make the table worth reading, spelled out
    assert tables["Mixed"].rows[1] == ("big", 8, 8, 8, 7)
    assert tables["Mixed"].tail == 7
    assert tables["Sprite"].pack == 2
    assert tables["Sprite"].rows[1] == ("origin", 2, 16, 2, 1)
    assert tables["Tight"].pack == 1
    assert (tables["Tight"].size, tables["Tight"].align) == (91, 1)


def test_tail_padding_line_names_its_bytes(built: tuple[Path, dict[str, type]]) -> None:
    schemas, classes = built
    result = run_structgen("layout", str(schemas / "shapes.yaml"), "Mixed")
    tail = result.stdout.rstrip("\n").split("\n")[-1]
    assert tail == "  tail padding: 7 bytes (offset 33 to 39)"
    assert ctypes.sizeof(classes["Mixed"]) == 40
    point = run_structgen("layout", str(schemas / "shapes.yaml"), "Point")
    assert point.stdout.rstrip("\n").split("\n")[-1] == "  tail padding: 0 bytes"


def test_one_record(built: tuple[Path, dict[str, type]]) -> None:
    schemas, classes = built
    result = run_structgen("layout", str(schemas / "shapes.yaml"), "Sprite")
    assert result.returncode == 0, result.stderr
    tables = parse(result.stdout)
    assert list(tables) == ["Sprite"]
    assert tables["Sprite"] == ctypes_table(classes["Sprite"])
    assert result.stdout.startswith("Sprite: size 236, alignment 2, pack 2\n")


def test_imported_record(generate: Generate) -> None:
    ns = generate(SCHEMAS)
    result = run_structgen("layout", str(ns.schemas / "units.yaml"))
    assert result.returncode == 0, result.stderr
    assert parse(result.stdout) == {"Length": ctypes_table(ns.units.Length)}


def test_unknown_record_is_a_usage_error(built: tuple[Path, dict[str, type]]) -> None:
    schemas, _ = built
    result = run_structgen("layout", str(schemas / "shapes.yaml"), "Sprit")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "no record 'Sprit'" in result.stderr
    assert "records: Point, Mixed, Sprite, Tight, Wrapper" in result.stderr
    assert "Traceback" not in result.stderr


def test_enum_name_is_not_a_record(built: tuple[Path, dict[str, type]]) -> None:
    schemas, _ = built
    result = run_structgen("layout", str(schemas / "shapes.yaml"), "Wide")
    assert result.returncode == 2
    assert "no record 'Wide'" in result.stderr


def test_file_without_records(tmp_path: Path) -> None:
    schema = tmp_path / "flags.yaml"
    schema.write_text("enums:\n  Flag: {values: [OFF, ON]}\n", encoding="utf-8")
    result = run_structgen("layout", str(schema))
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{schema}: no records\n"


def test_bad_schema_exits_1_with_diagnostics(tmp_path: Path) -> None:
    schema = tmp_path / "bad.yaml"
    schema.write_text(
        "records:\n  Point:\n    fields:\n      x: flaot64\n      name: c_char_p\n",
        encoding="utf-8",
    )
    result = run_structgen("layout", str(schema))
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert re.fullmatch(
        r".*bad\.yaml:4:10: error: .*'flaot64'.*\[unknown-type\]", lines[0]
    )
    assert re.fullmatch(r".*bad\.yaml:5:13: error: .*\[pointer-field\]", lines[1])
    assert lines[-1] == "2 errors"


def test_broken_yaml_exits_1(tmp_path: Path) -> None:
    schema = tmp_path / "broken.yaml"
    schema.write_text("records: [\n", encoding="utf-8")
    result = run_structgen("layout", str(schema))
    assert result.returncode == 1
    assert "broken.yaml:" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    result = run_structgen("layout", str(tmp_path / "nope.yaml"))
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_file_is_a_usage_error() -> None:
    result = run_structgen("layout")
    assert result.returncode == 2
    assert "FILE" in result.stderr


def test_repository_schemas() -> None:
    result = run_structgen("layout", "schemas/units.yaml", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    tables = parse(result.stdout)
    assert (tables["Length"].size, tables["Length"].align) == (16, 8)


def test_schema_in_a_sub_folder_imports_from_the_outer_root(
    repo_generated: ModuleType,
) -> None:
    result = run_structgen("layout", "schemas/sim/particles.yaml", cwd=ROOT)
    assert result.returncode == 0, result.stderr
    particles = importlib.import_module("generated.sim.particles")
    tables = parse(result.stdout)
    assert list(tables) == ["Vec3", "Particle", "Frame"]
    for name, table in tables.items():
        assert table == ctypes_table(getattr(particles, name)), name
