"""Every fixed figure of docs/guarantees.md is what ``tests/figures.py`` prints."""

from __future__ import annotations

from pathlib import Path

import figures

GUARANTEES = Path(__file__).resolve().parents[1] / "docs" / "guarantees.md"


def test_the_guarantees_hold_the_figures_the_command_prints() -> None:
    text = " ".join(GUARANTEES.read_text(encoding="utf-8").split())
    printed = figures.figures()
    assert len(printed) >= 5
    missing = [line for line in printed if line not in text]
    assert not missing, (
        f"docs/guarantees.md lacks {missing}: copy what `python tests/figures.py` "
        "prints into it"
    )
    assert "python tests/figures.py" in text


def test_every_test_the_guarantees_name_exists() -> None:
    """A ``tests/x.py::test_y`` named in the document is a test of that file."""
    import re

    text = GUARANTEES.read_text(encoding="utf-8")
    root = GUARANTEES.parents[1]
    named = re.findall(r"`(tests/[\w/]+\.py)(?:::(\w+))?", text)
    assert len(named) >= 10, named
    for path, test in named:
        source = (root / path).read_text(encoding="utf-8")
        if test:
            assert f"def {test}(" in source, f"{path}::{test} does not exist"
