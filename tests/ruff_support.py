"""`ruff format --check` and `ruff check` over generated output, as users run them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from conftest import PYTHON

RUFF_OPTIONS = ["--isolated", "--no-cache", "--target-version", "py311"]


def ruff_clean(*folders: Path, ignore: tuple[str, ...] = ()) -> None:
    """One ``ruff format --check`` and one ``ruff check`` over ``folders``.

    Isolated (ruff's defaults: line length 88), as in a project without ruff settings;
    the check adds the rules whose fixes build time used to apply: isort (``I``) and
    ``__all__``'s order (``RUF022``), with pycodestyle and pyflakes. ``ignore`` leaves
    out rules a caller's schemas break on purpose.
    """
    paths = [str(f) for f in folders]
    layout = subprocess.run(
        [PYTHON, "-m", "ruff", "format", "--check", "--diff", *RUFF_OPTIONS, *paths],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert layout.returncode == 0, (
        "generated code is not laid out as ruff format lays it out:\n"
        + layout.stdout[-20000:]
        + layout.stderr[-5000:]
    )
    lint = subprocess.run(
        [
            *(PYTHON, "-m", "ruff", "check", *RUFF_OPTIONS),
            *("--select", "E,F,W,I,RUF022", "--ignore", ",".join(("E501", *ignore))),
            *paths,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert lint.returncode == 0, lint.stdout[-20000:] + lint.stderr[-5000:]
