"""``[tool.structgen]`` in pyproject.toml; the pre-commit hook ``structgen-check``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, run_structgen

from structgen.config import ConfigError, find_config

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
SCHEMA = "records:\n  Point:\n    fields: {x: int32, y: float64}\n"


def _project(folder: Path, table: str, **schemas: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0"\n\n[tool.structgen]\n{table}\n',
        encoding="utf-8",
    )
    for name, text in (schemas or {"defs/geometry.yaml": SCHEMA}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder


def test_bare_build_uses_the_table(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", 'schemas = ["defs"]\noutput = "out/shm"')
    result = run_structgen("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "out" / "shm" / "geometry.py").is_file()
    assert not (project / "generated").exists()
    checked = run_structgen("build", "--check", cwd=project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "up to date" in checked.stdout


def test_found_from_a_sub_folder_paths_relative_to_the_file(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", 'schemas = ["defs"]\noutput = "out"')
    deep = project / "src" / "pkg"
    deep.mkdir(parents=True)
    result = run_structgen("build", cwd=deep)
    assert result.returncode == 0, result.stderr
    assert (project / "out" / "geometry.py").is_file()  # not src/pkg/out
    assert not (deep / "out").exists()
    # --check from there too: out of date after the schema changes
    (project / "defs" / "geometry.yaml").write_text(
        SCHEMA.replace("int32", "int64"), encoding="utf-8"
    )
    checked = run_structgen("build", "--check", cwd=deep)
    assert checked.returncode == 1
    assert "geometry.py: out of date" in checked.stdout


def test_nearest_pyproject_with_the_table_wins(tmp_path: Path) -> None:
    outer = _project(tmp_path / "outer", 'schemas = ["defs"]\noutput = "o1"')
    inner = outer / "inner"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "x"\n')  # no table
    config = find_config(inner)
    assert config is not None and config.file == outer / "pyproject.toml"
    _project(inner, 'schemas = ["s"]\noutput = "o2"', **{"s/a.yaml": SCHEMA})
    config = find_config(inner)
    assert config is not None and config.output == inner / "o2"


def test_arguments_override_each_key(tmp_path: Path) -> None:
    project = _project(
        tmp_path / "p",
        'schemas = ["defs"]\noutput = "out"',
        **{"defs/a.yaml": SCHEMA, "other/b.yaml": SCHEMA},
    )
    # PATH given: the table's output still applies
    result = run_structgen("build", "other", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "out" / "b.py").is_file()
    assert not (project / "out" / "a.py").exists()
    # -o given: the table's schemas still apply
    result = run_structgen("build", "-o", "elsewhere", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "elsewhere" / "a.py").is_file()
    assert not (project / "elsewhere" / "b.py").exists()


@pytest.mark.parametrize(
    ("table", "named"),
    [
        (
            'schemas = ["defs"]\noutptu = "o"',
            "unknown key 'outptu' in [tool.structgen]",
        ),
        ('schemas = ["defs"]\nc_out = "h"', "unknown key 'c_out'"),
        ('schema = ["defs"]', "unknown key 'schema'"),
        ("schemas = 3", "'schemas' must be a list of paths"),
        ('schemas = ["defs"]\noutput = 1', "'output' must be a folder path"),
        ('schemas = ["defs"\n', "not valid TOML"),
    ],
)
def test_bad_table_is_a_one_line_usage_error(
    tmp_path: Path, table: str, named: str
) -> None:
    project = _project(tmp_path / "p", table)
    for args in (["build"], ["build", "--check"]):
        result = run_structgen(*args, cwd=project)
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert named in lines[0]
        assert "Traceback" not in result.stderr
    assert not (project / "out").exists()
    assert not (project / "generated").exists()


def test_unknown_key_suggests(tmp_path: Path) -> None:
    project = _project(tmp_path / "p", 'schemas = ["defs"]\ncout = "h"')
    with pytest.raises(ConfigError, match="did you mean 'c-out'"):
        find_config(project)


def test_bare_build_without_a_table_is_a_usage_error(tmp_path: Path) -> None:
    result = run_structgen("build", cwd=tmp_path)
    assert result.returncode == 2
    assert "no PATH given" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_this_repository_builds_bare() -> None:
    config = find_config(ROOT)
    assert config is not None
    assert config.schemas == (ROOT / "schemas",)
    assert config.output == ROOT / "generated"
    result = run_structgen("build", "--check", cwd=ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr


# -- the pre-commit hook ---------------------------------------------------------------


def _hook() -> dict[str, object]:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(hooks, list)
    found = [h for h in hooks if h["id"] == "structgen-check"]
    assert len(found) == 1
    hook: dict[str, object] = found[0]
    return hook


def test_hook_definition() -> None:
    hook = _hook()
    assert hook["entry"] == "structgen build --check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    files = re.compile(str(hook["files"]))
    for name in ("schemas/a.yaml", "b.yml", "pyproject.toml", "sub/pyproject.toml"):
        assert files.search(name), name
    for name in ("a.py", "notpyproject.toml", "a.yaml.bak"):
        assert not files.search(name), name


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_hook_with_pre_commit_try_repo(tmp_path: Path) -> None:
    """pre-commit installs this repository into its own environment and runs the
    hook: one module up to date, one missing, and only the missing one is listed."""
    pytest.importorskip("pre_commit", reason="pre-commit is not installed")
    project = _project(
        tmp_path / "p",
        'schemas = ["defs"]\noutput = "gen"',
        **{"defs/ok.yaml": SCHEMA},
    )
    built = run_structgen("build", cwd=project)
    assert built.returncode == 0, built.stderr
    (project / "defs" / "new.yaml").write_text(SCHEMA, encoding="utf-8")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-qm", "state")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache")}
    env.pop("PRE_COMMIT", None)
    result = subprocess.run(
        [*PRE_COMMIT, "try-repo", str(ROOT), "structgen-check", "--all-files"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "structgen build --check" in out and "Failed" in out, out
    assert "gen/new.py: missing" in out, out
    assert "gen/ok.py" not in out, out
    assert not (project / "gen" / "new.py").exists()  # the hook writes nothing
