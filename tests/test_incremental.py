"""Incremental builds (issue 12, point 4): the fingerprint in the output folder.

An up-to-date build does no work and loads no compiler; a changed schema re-renders its
module and every module importing it, directly or not; and whatever else changes (the
version, structgen's own files, an option, an output file, the fingerprint itself) the
result is byte for byte that of a fresh full build.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON

import structgen
from structgen import api, cache
from structgen.cli import main

UNITS = """\
enums:
  Unit:
    type: uint8
    values: {METRE: 1, FOOT: 2}
records:
  Length:
    fields:
      value: float64
      unit: {type: Unit, default: METRE}
"""

SHAPES = """\
imports: [units]
records:
  Box:
    fields:
      side: units.Length
      unit: {type: units.Unit, default: FOOT}
"""

SCENE = """\
imports: [shapes]
records:
  Scene:
    fields:
      boxes: shapes.Box[2]
"""

ALONE = """\
records:
  Alone:
    fields:
      count: int32
"""


class Spy:
    """Which modules a build renders (None: it rendered nothing at all)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.rendered: set[str] | None = None
        real = api.render_files

        def render_files(models: list[Any], **options: Any) -> dict[Path, str]:
            self.rendered = (self.rendered or set()) | {m.name for m in models}
            return real(models, **options)

        monkeypatch.setattr(api, "render_files", render_files)

    def take(self) -> set[str] | None:
        rendered, self.rendered = self.rendered, None
        return rendered


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A schema folder (units <- shapes <- scene, and alone), built once into out/."""
    monkeypatch.chdir(tmp_path)
    schemas = tmp_path / "schemas"
    (schemas / "world").mkdir(parents=True)
    (schemas / "units.yaml").write_text(UNITS)
    (schemas / "shapes.yaml").write_text(SHAPES)
    (schemas / "world" / "scene.yaml").write_text(SCENE)
    (schemas / "alone.yaml").write_text(ALONE)
    assert structgen.build([schemas], tmp_path / "out")
    assert (tmp_path / "out" / cache.CACHE_NAME).is_file()
    yield schemas


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> Spy:
    return Spy(monkeypatch)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*.py"))
        if "__pycache__" not in p.parts
    }


def fresh_build(schemas: Path, where: Path) -> dict[str, bytes]:
    """What a full build of ``schemas`` writes, with no fingerprint to trust."""
    shutil.rmtree(where, ignore_errors=True)
    structgen.build([schemas], where)
    return files_of(where)


def test_nothing_changed_renders_nothing(tree: Path, spy: Spy) -> None:
    out = tree.parent / "out"
    before = files_of(out)
    assert structgen.build([tree], out) == []
    assert structgen.build([tree], out, check=True) == []
    assert spy.take() is None
    assert files_of(out) == before


def test_a_changed_schema_renders_it_and_its_importers(tree: Path, spy: Spy) -> None:
    out = tree.parent / "out"
    (tree / "units.yaml").write_text(UNITS.replace("FOOT: 2", "FOOT: 2, INCH: 3"))
    written = structgen.build([tree], out)
    assert spy.take() == {"units", "shapes", "world.scene"}  # not alone
    assert written == [out / "units.py"]  # the importers' text did not change
    assert files_of(out) == fresh_build(tree, tree.parent / "fresh")
    spy.take()  # forget the fresh build's

    (tree / "world" / "scene.yaml").write_text(SCENE + "    doc: A scene.\n")
    written = structgen.build([tree], out)
    assert spy.take() == {"world.scene"}
    assert written == [out / "world" / "scene.py"]
    assert files_of(out) == fresh_build(tree, tree.parent / "fresh")


def test_an_imported_schema_changes_what_its_importer_writes(
    tree: Path, spy: Spy
) -> None:
    out = tree.parent / "out"
    # the enum shapes uses changes storage: shapes.py's struct changes too
    (tree / "units.yaml").write_text(UNITS.replace("uint8", "uint32"))
    written = structgen.build([tree], out)
    assert spy.take() == {"units", "shapes", "world.scene"}
    assert out / "shapes.py" in written
    assert files_of(out) == fresh_build(tree, tree.parent / "fresh")


def test_a_new_import_is_loaded_with_the_changed_schema(tree: Path, spy: Spy) -> None:
    out = tree.parent / "out"
    (tree / "alone.yaml").write_text(
        "imports: [units]\n" + ALONE + "      size: units.Length\n"
    )
    structgen.build([tree], out)
    assert spy.take() == {"alone"}
    assert files_of(out) == fresh_build(tree, tree.parent / "fresh")


def test_an_error_in_a_changed_schema_is_reported_as_a_full_build_would(
    tree: Path,
) -> None:
    out = tree.parent / "out"
    (tree / "shapes.yaml").write_text(SHAPES.replace("units.Length", "nowhere.Length"))
    before = files_of(out)
    with pytest.raises(structgen.SchemaError) as incremental:
        structgen.build([tree], out)
    (out / cache.CACHE_NAME).unlink()
    with pytest.raises(structgen.SchemaError) as full:
        structgen.build([tree], out)
    assert incremental.value.diagnostics == full.value.diagnostics
    assert files_of(out) == before  # a bad schema writes nothing


@pytest.mark.parametrize(
    "change",
    ["version", "package", "output folder", "prune"],
)
def test_what_the_key_holds_rebuilds_everything(
    tree: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    out = tree.parent / "out"
    if change == "version":
        monkeypatch.setattr(cache, "__version__", "99.0")
    elif change == "package":  # a template or runtime source edited
        monkeypatch.setattr(cache, "_package_hash", lambda: "another")
    elif change == "output folder":  # the fingerprint vouches for its own folder only
        shutil.copytree(out, tree.parent / "copy")
        out = tree.parent / "copy"
    structgen.build([tree], out, prune_stale=change == "prune")
    assert spy.take() == {"units", "shapes", "world.scene", "alone"}
    # ... and the next build with the same key trusts the new fingerprint
    structgen.build([tree], out, prune_stale=change == "prune")
    assert spy.take() is None


def test_the_package_hash_covers_templates_and_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "structgen"
    shutil.copytree(
        cache._PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(cache, "_PACKAGE", package)
    first = cache._package_hash()
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.pyc").write_bytes(b"compiled")
    assert cache._package_hash() == first  # bytecode is not a source
    sources = [
        p
        for p in sorted(package.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    ]
    templates = [p for p in sources if "templates" in p.parts or "runtime" in p.parts]
    assert templates, sources
    for path in [*templates, package / "render.py"]:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert cache._package_hash() != first, path
        path.write_bytes(original)
    assert cache._package_hash() == first


def test_every_cli_option_but_check_is_in_the_key(
    tree: Path, spy: Spy, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    keys: list[dict[str, Any]] = []
    real = cache.build_key

    def build_key(*args: Any) -> dict[str, Any]:
        keys.append(real(*args))
        return keys[-1]

    monkeypatch.setattr(cache, "build_key", build_key)
    assert main(["build", str(tree), "-o", "out", "--check"]) == 0
    assert main(["build", str(tree), "-o", "out"]) == 0
    assert spy.take() is None
    assert keys[0]["options"] == {"prune": False}
    assert keys[0] == keys[-1]
    assert main(["build", str(tree), "-o", "out", "--prune"]) == 0
    assert keys[-1]["options"] == {"prune": True}
    assert spy.take() == {"units", "shapes", "world.scene", "alone"}


@pytest.mark.parametrize("how", ["deleted", "edited"])
def test_an_output_changed_by_hand_is_written_again(
    tree: Path, spy: Spy, how: str
) -> None:
    out = tree.parent / "out"
    expected = files_of(out)
    target = out / "shapes.py"
    if how == "deleted":
        target.unlink()
    else:
        target.write_text(target.read_text().replace("Box", "Bix"))
    assert structgen.build([tree], out, check=True) == [target]
    assert structgen.build([tree], out) == [target]
    assert spy.take() == {"shapes"}
    assert files_of(out) == expected


def test_the_runtime_changed_by_hand_is_written_again(tree: Path) -> None:
    out = tree.parent / "out"
    expected = files_of(out)
    helper = out / "_structgen" / "values.py"
    helper.write_text(helper.read_text().replace("def ", "def broken_", 1))
    assert structgen.build([tree], out) == [helper]
    assert files_of(out) == expected


@pytest.mark.parametrize("how", ["deleted", "garbage", "edited", "truncated"])
def test_a_damaged_fingerprint_means_a_full_build(
    tree: Path, spy: Spy, how: str
) -> None:
    out = tree.parent / "out"
    fingerprint = out / cache.CACHE_NAME
    text = fingerprint.read_text()
    if how == "deleted":
        fingerprint.unlink()
    elif how == "garbage":
        fingerprint.write_bytes(b"\xff\x00 not json")
    elif how == "truncated":
        fingerprint.write_text(text[: len(text) // 2])
    else:  # claims shapes.py holds what the user wrote there
        (out / "shapes.py").write_text("# Generated by structgen. Do not edit.\nx\n")
        banner, _, body = text.partition("\n")
        data = json.loads(body)
        data["body"]["outputs"]["shapes.py"] = cache._digest(
            (out / "shapes.py").read_bytes()
        )
        fingerprint.write_text(banner + "\n" + json.dumps(data))
    structgen.build([tree], out)
    assert spy.take() == {"units", "shapes", "world.scene", "alone"}
    assert files_of(out) == fresh_build(tree, tree.parent / "fresh")
    if how == "garbage":  # no banner: maybe the user's, left alone
        assert fingerprint.read_bytes() == b"\xff\x00 not json"
    else:
        assert cache.read(out) is not None  # written again


def test_a_users_file_of_that_name_is_left_alone(tree: Path) -> None:
    out = tree.parent / "out"
    fingerprint = out / cache.CACHE_NAME
    fingerprint.write_text("my notes\n")
    structgen.build([tree], out)
    assert fingerprint.read_text() == "my notes\n"


def test_schema_files_coming_and_going(tree: Path, spy: Spy) -> None:
    out = tree.parent / "out"
    (tree / "more.yaml").write_text(ALONE.replace("Alone", "More"))
    structgen.build([tree], out)
    assert spy.take() == {"units", "shapes", "world.scene", "alone", "more"}
    (tree / "more.yaml").unlink()
    assert structgen.build([tree], out, check=True) == [out / "more.py"]  # stale
    assert cache.read(out) is not None
    last = cache.read(out)
    structgen.build([tree], out)  # leaves the stale module: no new fingerprint
    assert cache.read(out) == last
    assert structgen.build([tree], out, check=True) == [out / "more.py"]
    structgen.build([tree], out, prune_stale=True)
    assert not (out / "more.py").exists()
    assert files_of(out) == fresh_build(tree, tree.parent / "fresh")
    spy.take()
    assert structgen.build([tree], out, prune_stale=True) == []
    assert spy.take() is None


def test_a_generated_module_copied_into_the_output_is_stale(tree: Path) -> None:
    out = tree.parent / "out"
    shutil.copy(out / "alone.py", out / "extra.py")
    assert structgen.build([tree], out, check=True) == [out / "extra.py"]


def _run(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


HEAVY = ("pydantic", "jinja2", "ruff", "yaml", "structgen.api", "structgen.render")


@pytest.mark.parametrize("check", [False, True])
def test_the_up_to_date_path_loads_no_compiler(tree: Path, check: bool) -> None:
    assert main(["build", "schemas", "-o", "out"]) == 0  # the paths as the key has them
    flags = ', "--check"' if check else ""
    done = _run(
        f"""
        import sys
        from structgen.cli import main
        code = main(["build", "schemas", "-o", "out"{flags}])
        loaded = [m for m in {HEAVY!r} if m in sys.modules]
        print("exit", code, "loaded", loaded)
        """,
        tree.parent,
    )
    assert done.returncode == 0, done.stderr
    count = len(files_of(tree.parent / "out"))
    expected = (
        f"{count} file(s) up to date" if check else f"0 written, {count} unchanged"
    )
    assert done.stdout.splitlines() == [expected, "exit 0 loaded []"]
    # the same command with a schema changed does load it, and says what it wrote
    (tree / "alone.yaml").write_text(ALONE.replace("int32", "int64"))
    done = _run(
        f"""
        import sys
        from structgen.cli import main
        code = main(["build", "schemas", "-o", "out"{flags}])
        print("exit", code, "pydantic" in sys.modules)
        """,
        tree.parent,
    )
    assert done.stdout.splitlines()[-1] == f"exit {int(check)} True", done


def test_the_command_line_agrees(tree: Path) -> None:
    assert main(["build", "schemas", "-o", "out"]) == 0
    (tree.parent / "out" / "alone.py").unlink()  # the fast path must see it
    done = subprocess.run(
        [PYTHON, "-m", "structgen", "build", "schemas", "-o", "out", "--check"],
        cwd=tree.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stdout) == (1, "out/alone.py: missing\n")
    assert main(["build", "schemas", "-o", "out"]) == 0
    done = subprocess.run(
        [PYTHON, "-m", "structgen", "build", "schemas", "-o", "out", "--check"],
        cwd=tree.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    count = len(files_of(tree.parent / "out"))
    assert (done.returncode, done.stdout) == (0, f"{count} file(s) up to date\n")
