"""The fixed figures of docs/guarantees.md, printed one a line.

    .venv/bin/python tests/figures.py

Each line is a phrase of the document (``37 diagnostic codes``); ``test_figures.py``
checks that the document holds every one of them, so that a figure cannot go stale.
The figures of a run (inputs fuzzed, schema sets generated, records compared with gcc,
kill trials, updates a second) are printed at the end of ``python -m pytest`` instead
(the lines ``test_fuzz: ...``, ``test_properties: ...`` and so on).
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def diagnostic_codes() -> int:
    """The codes structgen's sources report (as ``test_every_code_has_a_test``)."""
    codes: set[str] = set()
    for path in (ROOT / "src" / "structgen").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        reports = ("Diagnostic", "TypeProblem", "state.error(")
        if any(word in source for word in reports):  # modules that report
            codes |= set(re.findall(r'"([a-z][a-z0-9]*(?:-[a-z0-9]+)+)"', source))
    return len(codes - {"utf-8", "schema-json"})  # an encoding, a subcommand


def collected(*selection: str) -> int:
    """How many tests ``pytest --collect-only`` finds for ``selection``."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q"]
    result = subprocess.run(
        [*command, "-p", "no:xdist", "-p", "no:cacheprovider", *selection],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return sum("::" in line for line in result.stdout.splitlines())


def reentry_scenarios() -> int:
    """The entries of ``REENTRY`` in test_shared_locks.py."""
    tree = ast.parse((TESTS / "test_shared_locks.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "REENTRY"
            and isinstance(node.value, ast.Dict)
        ):
            return len(node.value.keys)
    raise LookupError("REENTRY not found in test_shared_locks.py")


def figures() -> list[str]:
    checks = "tests/test_shared_checks.py::test_"
    refused = collected(checks + "refused_write_raises_names_field_and_changes_nothing")
    accepted = collected(checks + "accepted_write_reads_back")
    return [
        f"{diagnostic_codes()} diagnostic codes",
        f"{refused} hand-made refusal cases",
        f"{accepted} hand-made accepted writes",
        f"{collected('tests/test_shared_update.py')} tests in test_shared_update.py",
        f"{reentry_scenarios()} re-entry scenarios",
    ]


if __name__ == "__main__":
    for line in figures():
        print(line)
