"""Generated modules stand alone: standard library only, clean under mypy --strict."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PYTHON, ROOT

import structgen

FORBIDDEN = ("structgen", "pydantic", "pydantic_core", "jinja2", "yaml", "ruff")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's ``schemas/`` built into ``<tmp>/shm``."""
    root = tmp_path_factory.mktemp("generated")
    structgen.build([ROOT / "schemas"], root / "shm")
    return root


def modules_of(root: Path) -> list[str]:
    out = root / "shm"
    return sorted(
        ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
        for path in out.rglob("*.py")
    )


def test_importing_generated_modules_loads_no_build_dependency(built: Path) -> None:
    modules = modules_of(built)
    assert "shm.geometry" in modules and "shm.sim.particles" in modules
    code = f"""
import importlib, json, sys
for name in {modules!r}:
    importlib.import_module(name)
from shm.geometry import SharedPoint, SharedPointArray
point = SharedPoint(x=1.0)
with point.update() as view:
    view.y = 2.0
points = SharedPointArray(3)
points[1] = point.snapshot()
loaded = sorted(
    name for name in sys.modules if name.split(".")[0] in {FORBIDDEN!r}
)
print(json.dumps([loaded, repr(points[1])]))
"""
    result = subprocess.run(
        [PYTHON, "-c", code], cwd=built, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded, point = json.loads(result.stdout)
    assert loaded == []
    assert point == "PointData(x=1.0, y=2.0)"


def test_generated_code_imports_only_the_standard_library(built: Path) -> None:
    for path in (built / "shm").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # imports for mypy only (numpy's types, for the optional numpy methods)
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If)
            and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"
            for inner in node.body
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: another module of the same build
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", (
                    f"{path.name} imports {name}"
                )


def test_mypy_strict_passes_over_generated_output(
    built: Path, mypy_cache: Path
) -> None:
    result = subprocess.run(
        [PYTHON, "-m", "mypy", "--strict", "--cache-dir", str(mypy_cache), "shm"],
        cwd=built,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


@pytest.mark.parametrize("config", ["ruff's defaults", "this project's rules"])
def test_ruff_check_passes_over_generated_output(built: Path, config: str) -> None:
    """Clean as a user's own ``ruff check`` sees it, and under this repo's rules."""
    options = (
        ["--isolated"]
        if config == "ruff's defaults"
        else ["--config", str(ROOT / "pyproject.toml")]
    )
    result = subprocess.run(
        [PYTHON, "-m", "ruff", "check", "--no-cache", *options, str(built / "shm")],
        cwd=built,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
