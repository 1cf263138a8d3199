"""Regenerate the golden outputs: run ``python tests/regen_goldens.py`` from the root.

Every ``tests/cases/<name>/schemas`` folder is built into its sibling ``expected/``,
which is replaced as a whole, so files that a build no longer makes disappear too.
Review the diff (``git diff tests/cases``) before committing it: a golden test failing
means the generated code changed.

``python tests/regen_goldens.py NAME...`` regenerates only the named cases.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

CASES = Path(__file__).resolve().parent / "cases"
ROOT = CASES.parents[1]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
RUNTIME = "_structgen"  # the helper package: see tests/test_golden.py
RUNTIME_CASE = "tutorial"

try:
    import ruff  # type: ignore[import-untyped]  # noqa: F401  (lays output out)

    import structgen
except ImportError:  # a Python without structgen's dependencies: use the project's
    if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parents[1]:
        os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])
    raise


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "schemas").is_dir())


def regenerate(name: str) -> None:
    case = CASES / name
    expected = case / "expected"
    with tempfile.TemporaryDirectory(dir=case) as scratch:
        built = Path(scratch) / "expected"
        structgen.build([case / "schemas"], built)
        if name != RUNTIME_CASE:  # the same in every build: kept in one case only
            shutil.rmtree(built / RUNTIME)
        if expected.exists():
            shutil.rmtree(expected)
        built.rename(expected)


def main(argv: list[str]) -> int:
    names = argv or case_names()
    unknown = sorted(set(names) - set(case_names()))
    if unknown:
        print(f"no such case: {', '.join(unknown)}", file=sys.stderr)
        return 2
    for name in names:
        try:
            regenerate(name)
        except structgen.SchemaError as exc:
            print(f"{name}: schema errors\n{exc}", file=sys.stderr)
            return 1
        print(f"regenerated tests/cases/{name}/expected")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
