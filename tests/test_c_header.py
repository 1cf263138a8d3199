"""C11 headers (``structgen build --c-out DIR``, SPEC §7).

Real C and C++ programs include every header of a build, compiled with
``-std=c11 -Wall -Wextra -Werror -pedantic`` (and ``g++ -std=c++17`` likewise); the C
program prints ``sizeof`` of every record and ``offsetof`` of every field, which must
equal ctypes' figures on the generated Python classes, over the repository's schemas and
every golden case. The headers' own ``static_assert``s would stop the compile first if
they disagreed with the layout; the printed figures check the asserts are not vacuous.
"""

from __future__ import annotations

import ctypes
import importlib
import itertools
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, run_structgen

import structgen
from structgen.api import compile_inputs, discover
from structgen.model import ModuleModel

GCC = shutil.which("gcc")
GXX = shutil.which("g++")
pytestmark = pytest.mark.skipif(
    GCC is None, reason="gcc is not installed; these tests compile C with gcc"
)
C_FLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"]
CXX_FLAGS = ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic"]
_counter = itertools.count()

CASES = [
    ROOT / "schemas",
    *sorted(path / "schemas" for path in (ROOT / "tests" / "cases").iterdir()),
]


def _build(tmp_path: Path, schemas: Path) -> tuple[str, Path, list[ModuleModel]]:
    package = f"sg_c_{next(_counter)}"
    out, include = tmp_path / package, tmp_path / "include"
    structgen.build([schemas], out, c_out=include)
    _root, inputs = discover([schemas])
    return package, include, compile_inputs(inputs)


def _program(models: list[ModuleModel]) -> str:
    lines = ["#include <stdio.h>"]
    lines += [f'#include "{"/".join(m.name.split("."))}.h"' for m in models]
    lines.append("int main(void) {")
    for model in models:
        for record in model.records:
            name = record.name
            lines.append(f'    printf("{name} %zu\\n", sizeof({name}));')
            for field in record.fields:
                lines.append(
                    f'    printf("{name}.{field.name} %zu\\n", '
                    f"offsetof({name}, {field.name}));"
                )
    lines += ["    return 0;", "}"]
    return "\n".join(lines) + "\n"


def _compile(
    compiler: str, flags: list[str], source: Path, include: Path, *extra: str
) -> Path:
    binary = source.with_suffix(".bin")
    result = subprocess.run(
        [compiler, *flags, "-I", str(include), str(source), "-o", str(binary), *extra],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return binary


def _ctypes_figures(package: str, models: list[ModuleModel]) -> list[str]:
    lines = []
    for model in models:
        module = importlib.import_module(f"{package}.{model.name}")
        for record in model.records:
            cls = getattr(module, record.name)
            lines.append(f"{record.name} {ctypes.sizeof(cls)}")
            lines += [
                f"{record.name}.{f.name} {getattr(cls, f.name).offset}"
                for f in record.fields
            ]
    return lines


@pytest.mark.parametrize("schemas", CASES, ids=lambda p: p.parent.name)
def test_c_layout_equals_ctypes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, schemas: Path
) -> None:
    assert GCC is not None
    monkeypatch.syspath_prepend(str(tmp_path))
    package, include, models = _build(tmp_path, schemas)
    assert sorted(p.relative_to(include).as_posix() for p in include.rglob("*.h")) == (
        sorted(f"{'/'.join(m.name.split('.'))}.h" for m in models)
    )
    source = tmp_path / "layout.c"
    source.write_text(_program(models))
    binary = _compile(GCC, C_FLAGS, source, include)
    printed = subprocess.run(
        [str(binary)], capture_output=True, text=True, timeout=60, check=True
    ).stdout.splitlines()
    expected = _ctypes_figures(package, models)
    assert len(expected) >= 3
    assert printed == expected
    if GXX is not None:  # the same program as C++17
        cxx = tmp_path / "layout.cpp"
        cxx.write_text(_program(models))
        cxx_binary = _compile(GXX, CXX_FLAGS, cxx, include)
        again = subprocess.run(
            [str(cxx_binary)], capture_output=True, text=True, timeout=60, check=True
        ).stdout.splitlines()
        assert again == expected


ENUMS = """\
enums:
  Big:
    type: int64
    values: {LOW: -9223372036854775808, HIGH: 9223372036854775807, ZERO: 0}
  Huge:
    type: uint64
    values: {TOP: 18446744073709551615}
  Low32:
    type: int32
    values: {MIN: -2147483648}
  Small:
    type: uint8
    values: [A, B, C]
records:
  Holder:
    doc: |
      Hostile text stays in comments: */ int injected; /* \\
      a trigraph ??/
      and a last line with a backslash \\
    pack: 2
    fields:
      b: {type: Big, doc: "ends with a backslash \\\\"}
      h: Huge
      s: Small[3][2]
      flag: bool
      text: str[5][2]
      raw: bytes[3]
"""


def test_enums_keep_their_width_and_values(tmp_path: Path) -> None:
    assert GCC is not None
    schemas = tmp_path / "s"
    schemas.mkdir()
    (schemas / "wide.yaml").write_text(ENUMS)
    _package, include, _models = _build(tmp_path, schemas)
    header = (include / "wide.h").read_text()
    assert "typedef int64_t Big;" in header
    assert "typedef uint8_t Small;" in header
    assert "#pragma pack(push, 2)" in header
    assert "Small s[3][2];" in header and "char text[2][5];" in header
    assert "uint8_t raw[3];" in header and "bool flag;" in header
    source = tmp_path / "enums.c"
    source.write_text(
        '#include <stdio.h>\n#include <inttypes.h>\n#include "wide.h"\n'
        "int main(void) {\n"
        '    printf("%zu %zu %zu\\n", sizeof(Big), sizeof(Small), sizeof(Huge));\n'
        '    printf("%" PRId64 " %" PRId64 "\\n", Big_LOW, Big_HIGH);\n'
        '    printf("%" PRIu64 " %" PRId32 "\\n", Huge_TOP, Low32_MIN);\n'
        '    printf("%d %d\\n", (int)Small_C, (int)sizeof(Holder));\n'
        "    return 0;\n}\n"
    )
    binary = _compile(GCC, C_FLAGS, source, include)
    out = subprocess.run(
        [str(binary)], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out == [
        "8",
        "1",
        "8",
        str(-(2**63)),
        str(2**63 - 1),
        str(2**64 - 1),
        str(-(2**31)),
        "2",
        str(structgen.load(schemas / "wide.yaml").records[0].layout.size),
    ]
    # no text of the schema escapes its comment: the struct has only its fields
    hostile = [line for line in header.splitlines() if "injected" in line]
    assert hostile and all(line.startswith("// ") for line in hostile), hostile
    for line in header.splitlines():
        assert not line.rstrip().endswith("\\"), line
        assert "??/" not in line, line


def test_check_covers_headers(tmp_path: Path) -> None:
    schemas = tmp_path / "s"
    schemas.mkdir()
    (schemas / "a.yaml").write_text("records:\n  P:\n    fields: {x: int32}\n")
    args = ["build", str(schemas), "-o", str(tmp_path / "out")]
    with_c = [*args, "--c-out", str(tmp_path / "inc")]
    assert run_structgen(*args).returncode == 0
    missing = run_structgen(*with_c, "--check")
    assert missing.returncode == 1
    assert "inc/a.h: missing" in missing.stdout
    assert not (tmp_path / "inc").exists()  # --check writes nothing
    assert run_structgen(*with_c).returncode == 0
    assert run_structgen(*with_c, "--check").returncode == 0
    header = tmp_path / "inc" / "a.h"
    header.write_text(header.read_text().replace("int32_t x", "int64_t x"))
    stale = run_structgen(*with_c, "--check")
    assert stale.returncode == 1
    assert "inc/a.h: out of date" in stale.stdout
    assert run_structgen(*with_c).returncode == 0
    assert "int32_t x;" in header.read_text()
    # a header the user wrote is never overwritten
    header.write_text("// my own header\n")
    refused = run_structgen(*with_c)
    assert refused.returncode == 1
    assert "not-generated" in refused.stderr
    assert header.read_text() == "// my own header\n"


def test_c_out_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.yaml").write_text("records:\n  P:\n    fields: {x: int8}\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.structgen]\nschemas = ["s"]\noutput = "out"\nc-out = "inc"\n'
    )
    assert run_structgen("build", cwd=tmp_path).returncode == 0
    assert (tmp_path / "inc" / "a.h").is_file()
    other = run_structgen("build", "--c-out", "inc2", cwd=tmp_path)  # overridden
    assert other.returncode == 0
    assert (tmp_path / "inc2" / "a.h").is_file()


def test_names_c_cannot_declare_are_refused_only_with_c_out(tmp_path: Path) -> None:
    schemas = tmp_path / "s"
    schemas.mkdir()
    (schemas / "a.yaml").write_text(
        "records:\n  Thing:\n    fields: {new: int32, double_: int8}\n"
    )
    out = tmp_path / "out"
    plain = run_structgen("build", str(schemas), "-o", str(out))
    assert plain.returncode == 0, plain.stderr
    refused = run_structgen(
        "build", str(schemas), "-o", str(tmp_path / "o2"), "--c-out", "inc"
    )
    assert refused.returncode == 1
    assert "field 'Thing.new' is a C/C++ keyword" in refused.stderr
    assert "[c-reserved-name]" in refused.stderr
    assert not (tmp_path / "o2").exists()  # a bad schema writes no file


def test_header_is_self_contained_and_guarded(tmp_path: Path) -> None:
    """Each header compiles alone, and twice in one unit (include guards)."""
    assert GCC is not None
    _package, include, models = _build(tmp_path, ROOT / "schemas")
    for model in models:
        name = "/".join(model.name.split(".")) + ".h"
        source = tmp_path / "once.c"
        source.write_text(
            f'#include "{name}"\n#include "{name}"\nint main(void) {{ return 0; }}\n'
        )
        _compile(GCC, C_FLAGS, source, include)
