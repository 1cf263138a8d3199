"""The odd inputs of a red-team pass (issue 9, points 4 and 5): each gets a clear
message, and a refused build writes nothing.

Decisions where SPEC section 4 is silent: a PATH that exists but is neither a file nor
a folder (a FIFO, a device, a dangling link) is a usage error (exit 2) saying what it
is; a folder build takes ``*.yaml``/``*.yml`` in any case (``A.YAML`` is the schema of
module ``A``, as on case-insensitive file systems); a schema file reached through a
symbolic link is built, named by where the link is; a linked folder is not followed
(it could loop) and a ``*.yaml`` that is not a regular file is skipped, each with a
warning; ``layout`` takes one file and says so when given a folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import run_structgen

import structgen
from structgen.api import UsageError

POINT = "records:\n  Point:\n    fields:\n      x: float64\n"


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def tree(folder: Path) -> list[str]:
    """The files under ``folder``; the helper package ``_structgen/`` as one entry."""
    return sorted(
        {
            "_structgen/" if relative.parts[0] == "_structgen" else relative.as_posix()
            for relative in (
                p.relative_to(folder)
                for p in folder.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            )
        }
    )


def refused(result: subprocess.CompletedProcess[str], code: int) -> list[str]:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


# -- paths that are neither files nor folders --------------------------------------


def test_a_fifo_as_path_is_named_for_what_it_is(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    for command in ("build", "check"):
        lines = refused(run_structgen(command, "pipe.yaml", cwd=tmp_path), 2)
        assert lines == [
            (
                "structgen: error: pipe.yaml is a named pipe (FIFO), not a schema file "
                "or folder"
            )
        ]
    lines = refused(run_structgen("layout", "pipe.yaml", cwd=tmp_path), 2)
    assert lines == [
        "structgen: error: pipe.yaml is a named pipe (FIFO), not a schema file"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.yaml"]


def test_a_device_or_a_dangling_link_as_path(tmp_path: Path) -> None:
    lines = refused(run_structgen("build", "/dev/zero", cwd=tmp_path), 2)
    assert lines == [
        "structgen: error: /dev/zero is a character device, not a schema file or folder"
    ]
    (tmp_path / "gone.yaml").symlink_to(tmp_path / "nowhere.yaml")
    lines = refused(run_structgen("build", "gone.yaml", cwd=tmp_path), 2)
    assert lines == [
        (
            "structgen: error: gone.yaml is a symbolic link to nothing, not a schema "
            "file or folder"
        )
    ]
    lines = refused(run_structgen("build", "missing.yaml", cwd=tmp_path), 2)
    assert lines == ["structgen: error: no such file or folder: missing.yaml"]
    lines = refused(run_structgen("build", "two\nlines", cwd=tmp_path), 2)
    assert lines == ["structgen: error: no such file or folder: two\\x0alines"]
    assert not (tmp_path / "generated").exists()


def test_non_regular_files_and_linked_folders_in_a_folder_are_warned(
    tmp_path: Path,
) -> None:
    write(tmp_path / "schemas", {"a.yaml": POINT})
    write(tmp_path / "elsewhere", {"b.yaml": POINT})
    os.mkfifo(tmp_path / "schemas/pipe.yaml")
    (tmp_path / "schemas/linked").symlink_to(tmp_path / "elsewhere")
    result = run_structgen("build", "schemas", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        (
            "warning: skipped schemas/linked: a symbolic link to a folder is not "
            "followed; give that folder as a PATH of its own"
        ),
        "warning: skipped schemas/pipe.yaml: a named pipe (FIFO), not a schema file",
    ]
    assert tree(tmp_path / "generated") == ["__init__.py", "_structgen/", "a.py"]


def test_a_symlinked_schema_file_is_built_by_its_place(tmp_path: Path) -> None:
    write(tmp_path / "shared", {"point.yaml": POINT})
    write(tmp_path / "schemas", {"own.yaml": POINT})
    (tmp_path / "schemas/linked.yaml").symlink_to(tmp_path / "shared/point.yaml")
    result = run_structgen("build", "schemas", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    out = tmp_path / "generated"
    assert tree(out) == ["__init__.py", "_structgen/", "linked.py", "own.py"]
    banner = (out / "linked.py").read_text().splitlines()[0]
    assert banner == "# Generated by structgen from schemas/linked.yaml. Do not edit."
    # the same, given as a file
    result = run_structgen("build", "schemas/linked.yaml", "-o", "one", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "one") == ["__init__.py", "_structgen/", "linked.py"]


# -- upper-case extensions ---------------------------------------------------------


def test_an_upper_case_extension_is_a_schema(tmp_path: Path) -> None:
    write(
        tmp_path / "schemas",
        {
            "Units.YAML": POINT,
            "shapes.Yml": "imports: [Units]\n"
            "records:\n  Box:\n    fields:\n      at: Units.Point\n",
        },
    )
    result = run_structgen("build", "schemas", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "generated") == [
        "Units.py",
        "__init__.py",
        "_structgen/",
        "shapes.py",
    ]
    # load() finds an imported Units.YAML as a folder build does
    assert structgen.load(tmp_path / "schemas/shapes.Yml").records[0].name == "Box"


# -- layout of a folder ------------------------------------------------------------


def test_layout_of_a_folder_says_it_wants_a_file(tmp_path: Path) -> None:
    write(tmp_path / "schemas", {"geometry.yaml": POINT})
    lines = refused(run_structgen("layout", "schemas", cwd=tmp_path), 2)
    assert lines == [
        (
            "structgen: error: schemas is a folder; `structgen layout` takes one "
            "schema file such as schemas/geometry.yaml"
        )
    ]
    with pytest.raises(UsageError, match="is a folder; give one schema file in it"):
        structgen.load(tmp_path / "schemas")


# -- defaults and errors reported together -----------------------------------------


def test_a_default_beyond_float64_is_refused_naming_inf(tmp_path: Path) -> None:
    write(
        tmp_path / "schemas",
        {
            "a.yaml": "records:\n  R:\n    fields:\n"
            "      x: {type: float64, default: 1e400}\n"
            '      y: {type: "float32[2]", default: [1.0, -1e400]}\n'
            "      z: {type: float64, default: .inf}\n"
        },
    )
    lines = refused(run_structgen("build", "schemas", cwd=tmp_path), 1)
    assert lines == [
        (
            "schemas/a.yaml:4:35: error: default 1e400 of 'R.x' is beyond float64's "
            "range and would silently become infinity; write .inf (or -.inf) for "
            "infinity [invalid-default]"
        ),
        (
            "schemas/a.yaml:5:40: error: default -1e400 of 'R.y' is beyond float64's "
            "range and would silently become infinity; write .inf (or -.inf) for "
            "infinity [invalid-default]"
        ),
        "2 errors",
    ]
    assert not (tmp_path / "generated").exists()


def test_a_record_too_large_is_reported_beside_its_other_errors(
    tmp_path: Path,
) -> None:
    write(
        tmp_path / "schemas",
        {
            "a.yaml": "records:\n  Big:\n    fields:\n"
            '      pixels: "uint8[4096][4096][2]"\n'
            "      owner: nosuchtype\n"
        },
    )
    lines = refused(run_structgen("check", "schemas", cwd=tmp_path), 1)
    assert lines == [
        (
            "schemas/a.yaml:2:3: error: record 'Big' is at least 33,554,432 bytes; a "
            "shared record may be at most 16,777,216 bytes [record-too-large]"
        ),
        (
            "schemas/a.yaml:5:14: error: field 'Big.owner': unknown type 'nosuchtype' "
            "[unknown-type]"
        ),
        "2 errors",
    ]


# -- pruning -----------------------------------------------------------------------


def test_library_prune_refuses_file_paths_as_the_cli_does(tmp_path: Path) -> None:
    write(tmp_path / "schemas", {"a.yaml": POINT, "b.yaml": POINT})
    out = tmp_path / "out"
    structgen.build([tmp_path / "schemas"], out)
    (tmp_path / "schemas/b.yaml").unlink()
    with pytest.raises(UsageError, match="pruning needs every path to be a folder"):
        structgen.build([tmp_path / "schemas/a.yaml"], out, prune_stale=True)
    assert (out / "b.py").exists()
    structgen.build([tmp_path / "schemas"], out, prune_stale=True)
    assert tree(out) == ["__init__.py", "_structgen/", "a.py"]


def test_prune_of_a_folder_whose_last_schema_is_gone(tmp_path: Path) -> None:
    write(tmp_path / "schemas", {"a.yaml": POINT, "sub/b.yaml": POINT})
    assert run_structgen("build", "schemas", cwd=tmp_path).returncode == 0
    (tmp_path / "schemas/a.yaml").unlink()
    (tmp_path / "schemas/sub/b.yaml").unlink()
    # without --prune an empty folder is still a mistake
    lines = refused(run_structgen("build", "schemas", cwd=tmp_path), 2)
    assert lines == ["structgen: error: no schema files (*.yaml, *.yml) in schemas"]
    check = run_structgen("build", "schemas", "--check", "--prune", cwd=tmp_path)
    assert check.returncode == 1
    assert check.stdout.splitlines() == [
        "generated/a.py: stale (its schema is gone; `--prune` deletes it)",
        "generated/sub/__init__.py: stale (its schema is gone; `--prune` deletes it)",
        "generated/sub/b.py: stale (its schema is gone; `--prune` deletes it)",
    ]
    result = run_structgen("build", "schemas", "--prune", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert tree(tmp_path / "generated") == ["__init__.py", "_structgen/"]


def test_a_pruned_package_keeps_its_init_while_a_users_file_stays(
    tmp_path: Path,
) -> None:
    write(tmp_path / "schemas", {"a.yaml": POINT, "old/x.yaml": POINT})
    assert run_structgen("build", "schemas", cwd=tmp_path).returncode == 0
    out = tmp_path / "generated"
    (out / "old/mine.py").write_text("VALUE = 1\n")
    (tmp_path / "schemas/old/x.yaml").unlink()
    result = run_structgen("build", "schemas", "--prune", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "removed generated/old/x.py"
    assert tree(out) == [
        "__init__.py",
        "_structgen/",
        "a.py",
        "old/__init__.py",
        "old/mine.py",
    ]
    # the package still imports the user's module
    imported = subprocess.run(
        [sys.executable, "-c", "import generated.old.mine as m; print(m.VALUE)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout == "1\n"
    assert run_structgen("build", "schemas", "--check", cwd=tmp_path).returncode == 0


# -- a killed build leaves nothing in $TMPDIR --------------------------------------


def test_a_build_never_uses_the_system_temporary_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a build puts in $TMPDIR, a SIGKILL leaves there: it puts nothing (its
    temporary files sit beside their targets, and a later build removes them)."""

    def refuse() -> str:
        raise AssertionError("the build used the system temporary folder")

    write(tmp_path / "schemas", {"a.yaml": POINT, "sub/b.yaml": POINT})
    monkeypatch.setattr(tempfile, "gettempdir", refuse)
    monkeypatch.setattr(tempfile, "gettempdirb", refuse)
    structgen.build([tmp_path / "schemas"], tmp_path / "out")
    assert tree(tmp_path / "out") == [
        "__init__.py",
        "_structgen/",
        "a.py",
        "sub/__init__.py",
        "sub/b.py",
    ]


def test_a_sigkilled_build_leaves_nothing_in_tmpdir(tmp_path: Path) -> None:
    write(tmp_path / "schemas", {f"m{i}.yaml": POINT for i in range(20)})
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "structgen", "build", "schemas", "-o", "out"],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # kill it the moment anything shows up in $TMPDIR, if anything does
        while process.poll() is None and not any(scratch.iterdir()):
            time.sleep(0.001)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert sorted(p.name for p in scratch.iterdir()) == []
