"""Shared fixtures: build schemas into a throw-away package and import the result."""

from __future__ import annotations

import importlib
import itertools
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace

import pytest

import structgen
import structgen.runtime

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
# The helper package every build writes into its output root: the modules of
# structgen.runtime, copied (relative paths, sorted).
HELPER_FILES = sorted(
    f"_structgen/{path.name}"
    for path in Path(structgen.runtime.__file__).parent.glob("*.py")
)
_counter = itertools.count()

Generate = Callable[..., SimpleNamespace]


def run_structgen(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (``python -m structgen``)."""
    return subprocess.run(
        [PYTHON, "-m", "structgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def generate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Generate]:
    """``generate({"geometry.yaml": "..."})`` builds schemas and imports every module.

    Returns a namespace of the generated modules, dots in their names replaced by
    ``_`` (``ns.geometry``, ``ns.sim_particles``); ``ns.package`` is the package name,
    ``ns.out`` the output folder (its parent is on ``sys.path``, for spawned children
    too).
    """
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []

    def make(files: dict[str, str]) -> SimpleNamespace:
        package = f"sg_test_{next(_counter)}"
        schemas = tmp_path / f"{package}_schemas"
        for name, text in files.items():
            target = schemas / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text), encoding="utf-8")
        out = tmp_path / package
        structgen.build([schemas], out)
        created.append(package)
        namespace = SimpleNamespace(package=package, out=out, schemas=schemas)
        for name in files:
            dotted = name.rsplit(".", 1)[0].replace("/", ".")
            module: ModuleType = importlib.import_module(f"{package}.{dotted}")
            setattr(namespace, dotted.replace(".", "_"), module)
        return namespace

    yield make
    for package in created:
        for name in [
            m for m in sys.modules if m == package or m.startswith(package + ".")
        ]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def repo_generated() -> ModuleType:
    """The committed ``generated`` package of this repository."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("generated")
