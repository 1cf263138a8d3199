"""Issue 3 point 7: under ``mypy --strict``, correct use of generated records is clean
and misuse is reported.

tests/typing/schemas/ is built into a temporary package ``typed_records``; mypy then
checks tests/typing/ok.py (must be clean, generated code included) and
tests/typing/bad.py (must give exactly the errors in tests/typing/bad.expected).

Regenerate bad.expected (and review the diff!) with:
    .venv/bin/python tests/test_typing.py --regenerate
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TYPING = Path(__file__).resolve().parent / "typing"
EXPECTED = TYPING / "bad.expected"
PACKAGE = "typed_records"
MARK = re.compile(r"#\s*E\s*$")


def run_mypy(root: Path, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Build the snippets' schemas under ``root`` and run mypy --strict on both."""
    import structgen

    structgen.build([TYPING / "schemas"], root / PACKAGE)
    config = root / "mypy.ini"
    config.write_text("[mypy]\n", encoding="utf-8")  # not the project's settings
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--python-version",
            "3.11",
            "--config-file",
            str(config),
            "--cache-dir",
            str(cache or root / ".mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            "--no-pretty",
            "--no-color-output",
            "--show-error-codes",
            "ok.py",
            "bad.py",
        ],
        cwd=TYPING,
        env={**os.environ, "MYPYPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if ": error: " in line]


def expected_errors() -> list[str]:
    lines = EXPECTED.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def line_number(error: str) -> int:
    return int(error.split(":", 2)[1])


@pytest.fixture(scope="module")
def mypy_result(
    tmp_path_factory: pytest.TempPathFactory, mypy_cache: Path
) -> subprocess.CompletedProcess[str]:
    result = run_mypy(tmp_path_factory.mktemp("typing"), mypy_cache)
    assert result.returncode in (0, 1), f"mypy crashed:\n{result.stdout}{result.stderr}"
    return result


def test_generated_code_is_clean_under_strict(
    mypy_result: subprocess.CompletedProcess[str],
) -> None:
    elsewhere = [
        line
        for line in errors(mypy_result.stdout)
        if not line.startswith(("ok.py:", "bad.py:"))
    ]
    assert not elsewhere, "\n".join(elsewhere)


def test_correct_use_is_clean(mypy_result: subprocess.CompletedProcess[str]) -> None:
    in_ok = [line for line in errors(mypy_result.stdout) if line.startswith("ok.py:")]
    assert not in_ok, "\n".join(in_ok)


def test_misuse_gives_exactly_the_expected_errors(
    mypy_result: subprocess.CompletedProcess[str],
) -> None:
    got = [line for line in errors(mypy_result.stdout) if line.startswith("bad.py:")]
    expected = expected_errors()
    missing = [line for line in expected if line not in got]
    unexpected = [line for line in got if line not in expected]
    report = []
    if missing:
        report.append("misuse mypy did not report:\n  " + "\n  ".join(missing))
    if unexpected:
        report.append("errors not in bad.expected:\n  " + "\n  ".join(unexpected))
    assert not report, "\n".join(report)


def test_every_marked_line_of_bad_py_has_an_expected_error() -> None:
    """bad.expected stays in step with bad.py: errors exactly on the ``# E`` lines."""
    source = (TYPING / "bad.py").read_text(encoding="utf-8").splitlines()
    marked = {number for number, text in enumerate(source, 1) if MARK.search(text)}
    with_errors = {line_number(error) for error in expected_errors()}
    assert marked, "bad.py marks no line"
    assert sorted(marked - with_errors) == [], "marked lines without an expected error"
    assert sorted(with_errors - marked) == [], "expected errors on unmarked lines"


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = run_mypy(Path(folder))
    header = [
        line
        for line in EXPECTED.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    got = [line for line in errors(result.stdout) if line.startswith("bad.py:")]
    EXPECTED.write_text("\n".join([*header, *got]) + "\n", encoding="utf-8")
    others = [line for line in errors(result.stdout) if not line.startswith("bad.py:")]
    print(f"wrote {len(got)} errors to {EXPECTED}")
    if others:
        print("other errors (ok.py or generated code):", *others, sep="\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["--regenerate"]:
        sys.exit("usage: python tests/test_typing.py --regenerate")
    regenerate()
