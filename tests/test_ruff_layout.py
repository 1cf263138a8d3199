"""Generated code is already what ruff lays out and accepts; no formatter runs at build.

``ruff format --check`` and ``ruff check`` (isolated: ruff's own defaults, as a user
runs them) over ``generated/``, every golden case and schemas written to wrap (long
names, many fields, long defaults, deep nesting, long docs, every type of the type
table). The property tests run the same check over their hypothesis-generated sets
(``test_properties.py::test_mypy_strict_on_a_sample``). And structgen installs beside an
old ruff without replacing it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT
from ruff_support import ruff_clean

import structgen


def test_generated_and_every_golden_case_are_ruff_clean() -> None:
    expected = sorted((ROOT / "tests" / "cases").glob("*/expected"))
    assert len(expected) >= 7
    ruff_clean(ROOT / "generated", *expected)


def test_build_runs_no_subprocess_and_imports_no_ruff(tmp_path: Path) -> None:
    code = f"""
import subprocess, sys
def refuse(*args, **kwargs):
    raise AssertionError("a build ran a subprocess: " + repr(args))
subprocess.run = subprocess.Popen = refuse
import structgen
structgen.build([{str(ROOT / "schemas")!r}], {str(tmp_path / "out")!r})
assert "ruff" not in sys.modules, "a build imported ruff"
print("ok")
"""
    result = subprocess.run(
        [PYTHON, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_runtime_dependencies_hold_no_formatter() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = [d.split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in
             project["project"]["dependencies"]]  # fmt: skip
    assert names == ["pydantic", "jinja2", "pyyaml"]
    assert "ruff==0.17.6" in project["project"]["optional-dependencies"]["test"]


# -- schemas written to wrap ----------------------------------------------------------

LONG = "a_rather_long_field_name_that_makes_every_line_it_is_on_too_long_to_fit"
RECORD = "AVeryLongRecordNameThatMakesClassHeadersAndAnnotationsWrapAroundX"
ENUM = "AnEnumWhoseNameIsLongEnoughToMakeEveryDefaultNamingItWrapAroundEnd"
SCALARS = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "char", "byte", "c_int", "c_double", "float", "double",
]  # fmt: skip


MANY = ", ".join(str(i + 0.5) for i in range(40))


def wrapping_schemas(folder: Path) -> None:
    deep = folder / "a_deeply_nested_package_name" / "with_another_long_level"
    deep.mkdir(parents=True)
    doc = "A long doc line that goes on and on. " * 6
    (folder / "first_module_with_a_long_name.yaml").write_text(
        f"""
doc: "{doc}"
enums:
  {ENUM}:
    doc: "{doc}"
    type: uint16
    values: [{LONG}_first, {LONG}_second, short]
  Pack2: {{values: [a]}}
  Pack16: {{values: [b]}}
records:
  {RECORD}:
    doc: "{doc}"
    fields:
"""
        + "".join(f"      {t}_{LONG}: {t}\n" for t in SCALARS)
        + "".join(f"      {t}_a{i}: {t}[2][3]\n" for i, t in enumerate(SCALARS))
        + f"""
      text_{LONG}:
        type: str[90]
        default: "{"x" * 90}"
        doc: "{doc}"
      blob_{LONG}: {{type: "bytes[80]", default: "{"y" * 70}"}}
      texts: str[40][3][2]
      choice_{LONG}: {{type: {ENUM}, default: {LONG}_second}}
      choices:
        type: "{ENUM}[2][2]"
        default: [[short, short], [short, {LONG}_first]]
      many: {{type: "float64[40]", default: [{MANY}]}}
  Inner:
    pack: 2
    fields:
      x: int32
      values: {{type: "int64[3]", default: [9223372036854775807, -1, 0]}}
      {LONG}: float32
  Outer:
    fields:
      inner: {{type: Inner, default: {{x: 1, values: [1, 2, 3], {LONG}: 1.5}}}}
      inners: {{type: "Inner[2][2]", default: [[{{x: 2}}, {{x: 3}}], [{{}}, {{}}]]}}
      nested_{LONG}: {RECORD}
      deep: "{RECORD}[2][2][2]"
""",
        encoding="utf-8",
    )
    (
        deep / "second_module_with_an_even_longer_name_than_the_first_one.yaml"
    ).write_text(
        f"""
imports: [first_module_with_a_long_name]
records:
  {RECORD}Again:
    fields:
      outer: {{type: first_module_with_a_long_name.Outer}}
      outers: "first_module_with_a_long_name.Outer[3]"
      choice: {{type: "first_module_with_a_long_name.{ENUM}", default: short}}
      records: "first_module_with_a_long_name.{RECORD}[2][2]"
""",
        encoding="utf-8",
    )


def test_wrapping_cases_are_ruff_clean(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    wrapping_schemas(schemas)
    out = tmp_path / "out"
    structgen.build([schemas], out)
    source = (out / "first_module_with_a_long_name.py").read_text(encoding="utf-8")
    assert max(len(line) for line in source.splitlines()) > 88  # unsplittable lines
    assert f'"{RECORD}Data",' in source
    assert source.index('"Pack2",') < source.index('"Pack16",')  # RUF022's order
    ruff_clean(out)


# -- installing beside an old ruff ----------------------------------------------------

OLD_RUFF = "ruff==0.5.0"


def test_installs_beside_an_old_ruff_without_replacing_it(tmp_path: Path) -> None:
    """A project that pins an old ruff installs structgen with no resolver conflict."""
    env = tmp_path / "venv"
    venv.create(env, with_pip=True)
    python = env / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    old = subprocess.run([*pip, OLD_RUFF], capture_output=True, text=True, timeout=600)
    if old.returncode != 0 and "No matching distribution" in old.stderr:
        pytest.skip(f"{OLD_RUFF} cannot be installed here (no package index)")
    assert old.returncode == 0, old.stderr
    source = tmp_path / "structgen-src"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(".venv", ".git", "*.egg-info", "__pycache__"),
    )
    installed = subprocess.run(
        [*pip, str(source)], capture_output=True, text=True, timeout=900
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    version = subprocess.run(
        [str(env / "bin" / "ruff"), "--version"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "ruff 0.5.0", version.stdout + version.stderr
    check = subprocess.run(
        [str(env / "bin" / "structgen"), "build", "schemas/", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}"},
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert sys.executable != str(python)
