"""No module of src/ grows past what one reader can hold in mind (issue 12)."""

from __future__ import annotations

from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 450


def test_no_source_module_over_450_lines() -> None:
    modules = sorted(SRC.rglob("*.py"))
    assert len(modules) >= 10, modules  # the glob found the package
    sizes = {
        str(path.relative_to(SRC)): len(path.read_text(encoding="utf-8").splitlines())
        for path in modules
    }
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
