"""Golden tests: each ``tests/cases/<name>/schemas`` builds to exactly ``expected/``.

Compared both ways: a file missing from the build, an extra file, and a changed file all
fail, and the failure names the one command that regenerates the goldens.
"""

from __future__ import annotations

import difflib
import json
import subprocess
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT

import structgen

CASES = ROOT / "tests" / "cases"
REGENERATE = "python tests/regen_goldens.py"
# Every build writes the same runtime helper: kept (and compared) in one case only.
RUNTIME = "_structgen/"  # the helper package
RUNTIME_CASE = "tutorial"
NAMES = sorted(p.name for p in CASES.iterdir() if (p / "schemas").is_dir())


def files_of(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_every_expected_case_is_present() -> None:
    assert set(NAMES) >= {
        "tutorial",
        "scalars",
        "enums",
        "nested",
        "imports",
        "docs",
        "field_on",
    }
    for name in NAMES:
        assert (CASES / name / "expected").is_dir(), (
            f"case {name} has no expected/ folder; run: {REGENERATE}"
        )


@pytest.mark.parametrize("name", NAMES)
def test_golden(tmp_path: Path, name: str) -> None:
    case = CASES / name
    out = tmp_path / "expected"
    structgen.build([case / "schemas"], out)
    actual, expected = files_of(out), files_of(case / "expected")
    if name != RUNTIME_CASE:
        helper = [path for path in actual if path.startswith(RUNTIME)]
        assert helper, f"the build wrote no {RUNTIME} helper package"
        for path in helper:
            actual.pop(path)
    problems = []
    for missing in sorted(expected.keys() - actual.keys()):
        problems.append(f"expected but not generated: {missing}")
    for extra in sorted(actual.keys() - expected.keys()):
        problems.append(f"generated but not expected: {extra}")
    for common in sorted(expected.keys() & actual.keys()):
        if expected[common] != actual[common]:
            diff = difflib.unified_diff(
                expected[common].splitlines(keepends=True),
                actual[common].splitlines(keepends=True),
                f"expected/{common}",
                f"generated/{common}",
                n=2,
            )
            problems.append("".join(list(diff)[:60]))
    assert not problems, (
        f"golden output of case '{name}' differs:\n"
        + "\n".join(problems)
        + f"\n\nIf the change is intended, regenerate with: {REGENERATE}"
        "\nand review `git diff tests/cases`."
    )


def import_in_subprocess(tmp_path: Path, name: str, code: str) -> object:
    """Build case ``name`` as package ``pkg`` and run ``code``; it prints JSON."""
    structgen.build([CASES / name / "schemas"], tmp_path / "pkg")
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_docs_are_escaped_safely_and_survive_the_round_trip(tmp_path: Path) -> None:
    import yaml

    schema = yaml.safe_load((CASES / "docs/schemas/tricky.yaml").read_text())
    code = """
import inspect, json
import pkg.tricky as m
print(json.dumps({
    "module": inspect.cleandoc(m.__doc__),
    "Tricky": inspect.cleandoc(m.Tricky.__doc__),
    "TrickyData": inspect.cleandoc(m.TrickyData.__doc__ or ""),
    "Quote": inspect.cleandoc(m.Quote.__doc__),
    "Plain": inspect.cleandoc(m.Plain.__doc__),
    "path": inspect.cleandoc(m.SharedTricky.path.__doc__),
    "x": inspect.cleandoc(m.SharedPlain.x.__doc__),
    "quote": inspect.cleandoc(m.SharedTricky.quote.__doc__),
    "default": m.TrickyData().path,
    "shared": m.SharedTricky().path,
}))
"""
    docs = import_in_subprocess(tmp_path, "docs", code)
    assert isinstance(docs, dict)
    tricky = schema["records"]["Tricky"]
    assert docs["module"] == schema["doc"].strip()
    assert docs["Tricky"] == tricky["doc"].strip()
    assert docs["Quote"] == schema["enums"]["Quote"]["doc"]
    assert docs["Plain"] == "\\"
    assert docs["path"] == tricky["fields"]["path"]["doc"]
    assert docs["quote"] == tricky["fields"]["quote"]["doc"]
    assert docs["x"] == '"'
    assert docs["default"] == docs["shared"] == 'C:\\temp\\"{{x}}"'


def test_every_golden_module_imports(tmp_path: Path) -> None:
    code = """
import importlib, json, pathlib
names = sorted(
    ".".join(p.with_suffix("").parts).removesuffix(".__init__")
    for p in pathlib.Path("pkg").rglob("*.py")
)
for name in names:
    importlib.import_module(name)
print(json.dumps(names))
"""
    for name in NAMES:
        folder = tmp_path / name
        folder.mkdir()
        imported = import_in_subprocess(folder, name, code)
        assert isinstance(imported, list) and len(imported) >= 3, name


def test_yaml_11_words_are_field_names_in_the_golden(tmp_path: Path) -> None:
    code = """
import dataclasses, json
import pkg.switch as m
data = m.SwitchData()
print(json.dumps({
    "fields": [f.name for f in dataclasses.fields(data)],
    "members": [a.name for a in m.Answer],
    "values": [data.on, data.off, data.yes.name, data.label],
}))
"""
    result = import_in_subprocess(tmp_path, "field_on", code)
    assert result == {
        "fields": ["on", "off", "yes", "no", "y", "n", "label"],
        "members": ["no", "yes"],
        "values": [False, True, "yes", "on"],
    }
