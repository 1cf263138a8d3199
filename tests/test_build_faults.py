"""Build faults (issue 4, point 3): a killed build, ``--check`` and ``--prune``.

* A large schema tree is built once (its *old* version), every schema is changed (the
  *new* version, which also adds and drops files), then real ``python -m structgen
  build`` processes are SIGKILLed: a third of them at seeded random moments spread over
  the whole build (its duration measured first), the others aimed at the write phase
  (0-3 ms after the build renamed a randomly chosen module into place, found by
  watching its inode), so most kills land mid-write. After every kill each module
  file is byte-for-byte its old content, its new content, or (for a module the new
  version adds) absent: never half-written. No temporary file can be imported (nothing
  besides the expected modules ends in ``.py``; ``pkgutil`` finds only those).
  Between kills every module is put back to its old version, but any other file a
  killed build left is kept, so leftovers accumulate; they are counted and printed.
* ``build --check`` is exact: it lists exactly the missing, out-of-date and stale
  files, exits 0 only when the output is identical, and writes nothing (a snapshot of
  the whole tree, contents, inodes and mtimes included, is unchanged).
* Modules of deleted schemas are reported; ``build --prune`` deletes exactly those that
  carry structgen's banner: never a hand-written file, nor a user's own ``__init__.py``.

Set ``STRUCTGEN_KILL_TRIALS`` to run more kill trials (default 40).
"""

from __future__ import annotations

import contextlib
import os
import pkgutil
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import HELPER_FILES, PYTHON, run_structgen

import structgen

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGKILL and fork-free process groups are POSIX"
)

SEED = 20240604
TREE_SIZE = 80  # schema files of the old version
KILL_TRIALS = int(os.environ.get("STRUCTGEN_KILL_TRIALS", "40"))
MIN_MIXED = 3  # kills that must land mid-write (some modules new, some old)
MAX_TRIALS = KILL_TRIALS * 3
TEMPORARY = re.compile(r"^\.[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_]+\.tmp$")
SCALARS = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float32", "float64",
]  # fmt: skip
ARRAYS = ["str[12]", "bytes[6]", "float32[3][2]", "int16[4]", "str[8][3]"]


# -- a large schema tree, in two versions ----------------------------------------------


def _folder(index: int) -> str:
    return ["", "alpha/", "beta/", "beta/deep/"][index % 4]


def schema_tree(version: int, size: int = TREE_SIZE) -> dict[str, str]:
    """``size`` schema files (relative path -> YAML) with imports and sub-packages.

    Version 2 changes every file (docs, an added field, a changed default), drops the
    last two files and adds three, one of them in a new sub-package.
    """
    rng = random.Random(SEED)  # the same shape in both versions
    indices = list(range(size)) if version == 1 else list(range(size - 2))
    extra = [] if version == 1 else [size, size + 1, size + 2]
    files: dict[str, str] = {}
    for index in indices + extra:
        folder = "gamma/" if index == size + 2 else _folder(index)
        name = f"{folder}mod_{index:03d}.yaml"
        lines = [f"doc: Module {index}, version {version}."]
        imported = f"{_folder(index - 1)}mod_{index - 1:03d}".replace("/", ".")
        has_import = index % 5 == 1 and index - 1 in indices
        if has_import:
            lines.append(f"imports: [{imported}]")
        lines += [
            "enums:",
            f"  Mode{index}:",
            "    type: uint8",
            "    values: [IDLE, BUSY, DONE]",
            "records:",
        ]
        for number in range(rng.randint(2, 4)):
            lines += [
                f"  Rec{index}x{number}:",
                f"    doc: Record {number} of module {index}, version {version}.",
                *(["    pack: 1"] if number == 1 else []),
                "    fields:",
            ]
            for position in range(rng.randint(3, 8)):
                kind = rng.choice(SCALARS + ARRAYS)
                lines.append(f'      f{position}: {{type: "{kind}"}}')
            default = "BUSY" if version == 1 else "DONE"
            lines.append(f"      mode: {{type: Mode{index}, default: {default}}}")
            if number > 0:
                lines.append(f"      inner: Rec{index}x0")
            if has_import and number == 0:
                lines.append(f"      other: {imported.rsplit('.', 1)[-1]}_ref")
            if version > 1:
                lines.append(f"      added_v{version}: {{type: int32, default: 7}}")
        text = "\n".join(lines) + "\n"
        if has_import:  # name the imported record by its module's dotted name
            text = text.replace(
                f"{imported.rsplit('.', 1)[-1]}_ref", f"{imported}.Rec{index - 1}x0"
            )
        files[name] = text
    return files


def write_tree(root: Path, files: dict[str, str]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def read_outputs(out: Path) -> dict[str, bytes]:
    """Every file under ``out`` (relative path -> bytes), caches excluded."""
    return {
        path.relative_to(out).as_posix(): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@dataclass(frozen=True)
class Entry:
    content: bytes
    mtime_ns: int
    inode: int
    mode: int


def snapshot(root: Path) -> dict[str, Entry | str]:
    """The whole tree: files with content, mtime, inode and mode; folders with mtime."""
    result: dict[str, Entry | str] = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        key = path.relative_to(root).as_posix()
        if path.is_dir():
            result[key + "/"] = f"dir mtime={stat.st_mtime_ns}"
        else:
            result[key] = Entry(
                path.read_bytes(), stat.st_mtime_ns, stat.st_ino, stat.st_mode
            )
    stat = root.lstat()
    result["./"] = f"dir mtime={stat.st_mtime_ns}"
    return result


# -- killing builds ----------------------------------------------------------------


@dataclass
class KillStats:
    trials: int = 0
    all_old: int = 0  # killed before any module was replaced
    mixed: int = 0  # killed mid-write: some modules old, some new
    all_new: int = 0  # killed after the last rename (or the build had finished)
    finished: int = 0  # the build exited on its own before the kill
    temporaries: list[str] = field(default_factory=list)
    delays: list[float] = field(default_factory=list)


def _start_build(
    schemas: Path, out: Path, env: dict[str, str]
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [PYTHON, "-m", "structgen", "build", str(schemas), "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,  # its own process group: ruff children die with it
    )


def _kill(process: subprocess.Popen[bytes]) -> bool:
    """SIGKILL the build and its children; whether it was still running."""
    running = process.poll() is None
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    return running


def _restore(out: Path, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    """Put every module back to its old version (absent if the old build lacks it).

    Leftover temporary files are kept, so that they accumulate over the trials.
    """
    for relative in set(old) | set(new):
        target = out / relative
        if relative in old:
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists() or target.read_bytes() != old[relative]:
                target.write_bytes(old[relative])
        else:
            target.unlink(missing_ok=True)


def _modules_under(out: Path, expected: set[str]) -> dict[str, set[str]]:
    """For each package folder, the module names Python could import from it."""
    found: dict[str, set[str]] = {}
    folders = {out} | {(out / p).parent for p in expected}
    for folder in folders:
        if folder.is_dir():
            key = folder.relative_to(out).as_posix()
            found[key] = {info.name for info in pkgutil.iter_modules([str(folder)])}
    return found


def check_state(
    out: Path, old: dict[str, bytes], new: dict[str, bytes]
) -> tuple[str, list[str]]:
    """Assert every module is old or new; return the state and the temporary files."""
    expected = set(old) | set(new)
    temporaries: list[str] = []
    states = {"old": 0, "new": 0}
    for path in sorted(out.rglob("*")):
        if path.is_dir():
            continue
        relative = path.relative_to(out).as_posix()
        if relative in expected or "__pycache__" in path.parts:
            continue  # Python's cache folder: bytecode, and the build's fingerprint
        assert not path.name.endswith(".py"), f"stray importable file {relative}"
        assert TEMPORARY.match(path.name), f"unexpected file {relative} in the output"
        temporaries.append(relative)
    for relative in sorted(expected):
        target = out / relative
        content = target.read_bytes() if target.exists() else None
        allowed = {old.get(relative), new.get(relative)}
        assert content in allowed, (
            f"{relative} is neither its old nor its new version "
            f"({'absent' if content is None else f'{len(content)} bytes'})"
        )
        if relative in new and old.get(relative) != new[relative]:
            states["old" if content == old.get(relative) else "new"] += 1
    # nothing Python could import besides the expected modules
    wanted: dict[str, set[str]] = {}
    for relative in expected:
        folder, _, name = relative.rpartition("/")
        wanted.setdefault(folder or ".", set()).add(name.removesuffix(".py"))
    for folder, names in _modules_under(out, expected).items():
        packages = {
            p.relative_to(out / folder if folder != "." else out).parts[0]
            for p in (out / folder).iterdir()
            if p.is_dir() and (p / "__init__.py").exists()
        }
        extra = names - wanted.get(folder, set()) - packages
        assert not extra, f"importable stray modules in {folder}: {sorted(extra)}"
    if states["new"] == 0:
        return "old", temporaries
    if states["old"] == 0:
        return "new", temporaries
    return "mixed", temporaries


def _build_time(
    schemas: Path,
    out: Path,
    old: dict[str, bytes],
    new: dict[str, bytes],
    env: dict[str, str],
) -> float:
    """How long a whole build from the old to the new version takes (median of 3)."""
    times = []
    for _ in range(3):
        _restore(out, old, new)
        began = time.perf_counter()
        process = _start_build(schemas, out, env)
        _, stderr = process.communicate(timeout=120)
        times.append(time.perf_counter() - began)
        assert process.returncode == 0, stderr
        stale = {r: c for r, c in old.items() if r not in new}  # kept: no --prune
        assert read_outputs(out) == {**stale, **new}, "a whole build did not give new"
    return sorted(times)[1]


def _inode(path: Path) -> int:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return -1


def _wait_for_rename(
    process: subprocess.Popen[bytes], target: Path, before: int
) -> None:
    """Return as soon as the build has renamed its new ``target`` into place."""
    deadline = time.monotonic() + 120
    while _inode(target) == before and process.poll() is None:
        assert time.monotonic() < deadline, "the build neither wrote nor finished"
        time.sleep(0.0001)


@pytest.fixture
def large_tree(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Schemas of both versions and reference outputs, built separately."""
    paths = {
        # the banner names the schema folder: the same name everywhere
        "old_schemas": tmp_path / "old" / "schemas",
        "new_schemas": tmp_path / "new" / "schemas",
        "ref_old": tmp_path / "ref_old" / "out",
        "ref_new": tmp_path / "ref_new" / "out",
        "schemas": tmp_path / "work" / "schemas",
        "out": tmp_path / "work" / "out",
        "systmp": tmp_path / "systmp",
    }
    write_tree(paths["old_schemas"], schema_tree(1))
    write_tree(paths["new_schemas"], schema_tree(2))
    structgen.build([paths["old_schemas"]], paths["ref_old"])
    structgen.build([paths["new_schemas"]], paths["ref_new"])
    paths["systmp"].mkdir()
    yield paths


def test_large_tree_versions_differ_in_every_module(
    large_tree: dict[str, Path],
) -> None:
    old = read_outputs(large_tree["ref_old"])
    new = read_outputs(large_tree["ref_new"])
    modules = {r for r in set(old) | set(new) if not r.endswith("__init__.py")}
    modules -= set(HELPER_FILES)
    assert len(modules) >= TREE_SIZE
    assert all(old.get(r) != new.get(r) for r in modules)
    assert {r for r in new if r not in old} == {
        "mod_080.py", "alpha/mod_081.py", "gamma/mod_082.py", "gamma/__init__.py",
    }  # fmt: skip
    assert {r for r in old if r not in new} == {
        "beta/mod_078.py",
        "beta/deep/mod_079.py",
    }


def test_sigkill_during_build_leaves_each_module_old_or_new(
    large_tree: dict[str, Path],
) -> None:
    old = read_outputs(large_tree["ref_old"])
    new = read_outputs(large_tree["ref_new"])
    schemas, out = large_tree["schemas"], large_tree["out"]
    shutil.copytree(large_tree["new_schemas"], schemas)
    shutil.copytree(large_tree["ref_old"], out)
    env = {**os.environ, "TMPDIR": str(large_tree["systmp"])}

    total = _build_time(schemas, out, old, new, env)
    changing = sorted(r for r in new if old.get(r) != new[r])
    rng = random.Random(SEED)
    stats = KillStats()
    while stats.trials < KILL_TRIALS or (
        stats.mixed < MIN_MIXED and stats.trials < MAX_TRIALS
    ):
        _restore(out, old, new)
        if stats.trials % 3 == 0:
            # a seeded random moment anywhere in the build
            delay = rng.uniform(0.0, total)
            stats.delays.append(delay)
            process = _start_build(schemas, out, env)
            time.sleep(delay)
        else:
            # aimed at the write phase, whatever the machine's speed: a moment just
            # after the build renamed a randomly chosen module into place
            watched = out / rng.choice(changing)
            extra = rng.uniform(0.0, 0.003)
            before = _inode(watched)
            process = _start_build(schemas, out, env)
            _wait_for_rename(process, watched, before)
            time.sleep(extra)
        if not _kill(process):
            stats.finished += 1
            assert process.returncode == 0, process.stderr
        if process.stderr:
            process.stderr.close()
        state, temporaries = check_state(out, old, new)
        stats.trials += 1
        if state == "old":
            stats.all_old += 1
        elif state == "new":
            stats.all_new += 1
        else:
            stats.mixed += 1
        stats.temporaries = temporaries

    leftover_ruff_dirs = sorted(p.name for p in large_tree["systmp"].iterdir())
    # A complete build afterwards gives exactly the new version (--prune: without
    # the modules of the dropped schemas) and removes the killed builds' temporaries.
    result = run_structgen("build", str(schemas), "-o", str(out), "--prune")
    assert result.returncode == 0, result.stderr
    final = read_outputs(out)
    after_build_temporaries = [r for r in final if TEMPORARY.match(Path(r).name)]
    assert after_build_temporaries == [], "a full build left temporary files behind"
    assert final == new
    check = run_structgen("build", str(schemas), "-o", str(out), "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    print(
        f"\nkill trials: {stats.trials} (a whole build takes {total:.3f} s); "
        f"all old {stats.all_old}, mixed "
        f"{stats.mixed}, all new {stats.all_new}, finished before the kill "
        f"{stats.finished}; temporary files left in the output: "
        f"{len(stats.temporaries)} (still there after a full build: "
        f"{len(after_build_temporaries)}); ruff work folders left in TMPDIR: "
        f"{len(leftover_ruff_dirs)}"
    )
    assert stats.mixed >= MIN_MIXED, (
        f"only {stats.mixed} of {stats.trials} kills landed mid-write; the test "
        "did not exercise the write phase"
    )
    assert stats.all_old > 0, "no kill landed before the write phase"


def test_temporary_file_name_cannot_be_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The writer's temporary names are hidden, not ``.py``, and not module names."""
    from structgen.writer import write_atomic

    seen: list[str] = []
    real_replace = os.replace
    package = tmp_path / "pkg"

    def spy(source: str, target: Path) -> None:
        # the temporary file exists here, just before its rename
        seen.append(Path(source).name)
        done = {p.stem for p in package.glob("*.py")}
        importable = {m.name for m in pkgutil.iter_modules([str(package)])}
        assert importable == done - {"__init__"}
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    write_atomic(package / "module.py", "x = 1\n")
    write_atomic(package / "__init__.py", "")
    write_atomic(package / "module.py", "x = 2\n")
    monkeypatch.undo()
    assert len(seen) == 3
    for name in seen:
        assert TEMPORARY.match(name), name
        assert not name.endswith((".py", ".pyc", ".pyw", ".so"))
    assert sorted(p.name for p in package.iterdir()) == ["__init__.py", "module.py"]
    assert (package / "module.py").read_text(encoding="utf-8") == "x = 2\n"


# -- --check is exact ---------------------------------------------------------------


SMALL = {
    "geo.yaml": "records:\n  Point:\n    fields:\n      x: float64\n      y: float64\n",
    "units.yaml": "records:\n  Length:\n    fields:\n      metres: float64\n",
    "sim/body.yaml": (
        "imports: [geo]\nrecords:\n  Body:\n    fields:\n      at: geo.Point\n"
    ),
    "sim/deep/probe.yaml": "records:\n  Probe:\n    fields:\n      hits: uint32\n",
}


def _check(schemas: Path, out: Path, cwd: Path) -> tuple[int, dict[str, str], str]:
    """Run ``build --check``; return its exit code, {path: state} and stderr."""
    result = run_structgen(
        "build", schemas.relative_to(cwd).as_posix(), "-o",
        out.relative_to(cwd).as_posix(), "--check", cwd=cwd,
    )  # fmt: skip
    listed: dict[str, str] = {}
    for line in result.stdout.splitlines():
        match = re.fullmatch(r"(.+?): (missing|out of date|superseded|stale)\b.*", line)
        if match:
            path = Path(match.group(1)).relative_to(out.relative_to(cwd)).as_posix()
            assert path not in listed, f"{path} listed twice"
            listed[path] = match.group(2)
        else:
            assert re.fullmatch(r"\d+ file\(s\) up to date", line), line
    return result.returncode, listed, result.stderr


@pytest.fixture
def small_build(tmp_path: Path) -> tuple[Path, Path]:
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    write_tree(schemas, SMALL)
    structgen.build([schemas], out)
    return schemas, out


def test_check_passes_on_identical_output_and_writes_nothing(
    tmp_path: Path, small_build: tuple[Path, Path]
) -> None:
    schemas, out = small_build
    before = snapshot(out)
    code, listed, stderr = _check(schemas, out, tmp_path)
    assert (code, listed) == (0, {}), stderr
    assert snapshot(out) == before
    assert structgen.build([schemas], out, check=True) == []
    assert snapshot(out) == before
    # a plain build of identical output rewrites nothing either (mtimes, inodes kept)
    result = run_structgen("build", str(schemas), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "0 written" in result.stdout
    assert snapshot(out) == before


def test_check_lists_exactly_what_differs_and_writes_nothing(
    tmp_path: Path, small_build: tuple[Path, Path]
) -> None:
    schemas, out = small_build
    # out of date by a schema change, by a hand edit of one byte, by line endings
    (schemas / "units.yaml").write_text(
        "records:\n  Length:\n    fields:\n      metres: float32\n", encoding="utf-8"
    )
    body = out / "sim" / "body.py"
    text = body.read_bytes()
    body.write_bytes(text[:-2] + bytes([text[-2] ^ 1]) + text[-1:])
    init = out / "__init__.py"
    init.write_bytes(init.read_bytes().replace(b"\n", b"\r\n"))
    # missing: a deleted module, a deleted package file, a new schema
    (out / "geo.py").unlink()
    (out / "sim" / "__init__.py").unlink()
    (schemas / "extra.yaml").write_text(
        "records:\n  Extra:\n    fields:\n      n: int8\n", encoding="utf-8"
    )
    # stale: the schema of a generated module is gone (and so its package's)
    (schemas / "sim" / "deep" / "probe.yaml").rename(schemas / "sim" / "probe2.yaml")
    # an unchanged file whose mtime changed is not out of date
    os.utime(out / "_structgen" / "__init__.py", ns=(1, 1))
    before = snapshot(out)

    code, listed, stderr = _check(schemas, out, tmp_path)
    assert code == 1
    assert listed == {
        "units.py": "out of date",
        "sim/body.py": "out of date",
        "__init__.py": "out of date",
        "geo.py": "missing",
        "sim/__init__.py": "missing",
        "extra.py": "missing",
        "sim/probe2.py": "missing",
        "sim/deep/probe.py": "stale",
        "sim/deep/__init__.py": "stale",
    }
    assert "9 file(s) differ" in stderr
    assert snapshot(out) == before, "--check wrote to the output"
    # the library agrees, stale files included
    changed = structgen.build([schemas], out, check=True)
    assert sorted(p.relative_to(out).as_posix() for p in changed) == sorted(listed)
    assert snapshot(out) == before

    # after a build only the stale module is left to report; after --prune, nothing
    assert run_structgen("build", str(schemas), "-o", str(out)).returncode == 0
    code, listed, _ = _check(schemas, out, tmp_path)
    assert (code, listed) == (
        1,
        {"sim/deep/probe.py": "stale", "sim/deep/__init__.py": "stale"},
    )
    assert (
        run_structgen("build", str(schemas), "-o", str(out), "--prune").returncode == 0
    )
    code, listed, stderr = _check(schemas, out, tmp_path)
    assert (code, listed) == (0, {}), stderr


def test_check_on_missing_output_creates_nothing(tmp_path: Path) -> None:
    schemas, out = tmp_path / "schemas", tmp_path / "nowhere" / "out"
    write_tree(schemas, SMALL)
    before = snapshot(tmp_path)
    code, listed, _ = _check(schemas, out, tmp_path)
    assert code == 1
    assert listed == {
        "__init__.py": "missing", "geo.py": "missing",
        "units.py": "missing", "sim/__init__.py": "missing", "sim/body.py": "missing",
        "sim/deep/__init__.py": "missing", "sim/deep/probe.py": "missing",
        **dict.fromkeys(HELPER_FILES, "missing"),
    }  # fmt: skip
    assert not (tmp_path / "nowhere").exists()
    after = snapshot(tmp_path)
    created = sorted(set(after) - set(before))
    assert not created, f"--check created {created} in its working directory"
    assert after == before


def test_check_writes_nothing_in_the_working_directory(
    tmp_path: Path, small_build: tuple[Path, Path]
) -> None:
    """``--check`` (a pre-commit hook, run at a repository's root) leaves no trace."""
    schemas, out = small_build
    before = snapshot(tmp_path)
    code, listed, stderr = _check(schemas, out, tmp_path)
    assert (code, listed) == (0, {}), stderr
    after = snapshot(tmp_path)
    created = sorted(set(after) - set(before))
    assert not created, f"--check created {created} in its working directory"
    assert after == before


def test_check_with_schema_errors_writes_nothing(
    tmp_path: Path, small_build: tuple[Path, Path]
) -> None:
    schemas, out = small_build
    (schemas / "geo.yaml").write_text(
        "records:\n  Point:\n    fields:\n      x: c_char_p\n", encoding="utf-8"
    )
    before = snapshot(out)
    for extra in ([], ["--check"], ["--prune"]):
        result = run_structgen("build", str(schemas), "-o", str(out), *extra)
        assert result.returncode == 1
        assert "[pointer-field]" in result.stderr
        assert snapshot(out) == before


# -- stale modules and --prune ------------------------------------------------------


HAND_WRITTEN = b'"""My own helper, next to the generated modules."""\n\nVALUE = 1\n'


def _prune_fixture(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A built tree with hand-written files, then schemas deleted."""
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    files = dict(SMALL)
    files["gone/only.yaml"] = "records:\n  Only:\n    fields:\n      n: int8\n"
    files["mixed/kept.yaml"] = "records:\n  Kept:\n    fields:\n      n: int8\n"
    files["mixed/dropped.yaml"] = "records:\n  Dropped:\n    fields:\n      n: int8\n"
    files["mine/generated.yaml"] = "records:\n  Mine:\n    fields:\n      n: int8\n"
    write_tree(schemas, files)
    structgen.build([schemas], out)
    # a user's own package file replacing the generated one, and hand-written modules
    user_files = {
        "mine/__init__.py": b'"""My package: I wrote this file."""\n',
        "helper.py": HAND_WRITTEN,
        "sim/deep/helper.py": HAND_WRITTEN,
        # a module the user took over: banner removed, then its schema deleted
        "units.py": b"# Was generated once; now maintained by hand.\n"
        + (out / "units.py").read_bytes().split(b"\n", 2)[2],
        # the banner words, but not at the start of the file
        "quoted.py": b'"""Quoting:"""\n'
        b"# Generated by structgen from x.yaml. Do not edit.\n",
        # a non-Python file that starts with the banner
        "notes.txt": b"# Generated by structgen from notes. Do not edit.\n",
    }
    for relative, content in user_files.items():
        (out / relative).write_bytes(content)
    for gone in ["units.yaml", "gone/only.yaml", "mixed/dropped.yaml",
                 "mine/generated.yaml", "sim/deep/probe.yaml"]:  # fmt: skip
        (schemas / gone).unlink()
    return schemas, out, user_files


STALE = {
    "gone/__init__.py", "gone/only.py", "mixed/dropped.py", "mine/generated.py",
    "sim/deep/probe.py", "sim/deep/__init__.py",
}  # fmt: skip


def test_stale_modules_are_reported_and_kept_without_prune(tmp_path: Path) -> None:
    schemas, out, _user = _prune_fixture(tmp_path)
    code, listed, _ = _check(schemas, out, tmp_path)
    assert code == 1
    assert listed == dict.fromkeys(STALE, "stale")
    before = snapshot(out)
    result = run_structgen("build", str(schemas), "-o", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    warned = {
        Path(m).relative_to("out").as_posix()
        for m in re.findall(
            r"warning: (\S+) was generated from a schema", result.stderr
        )
    }
    assert warned == STALE
    assert snapshot(out) == before


def test_prune_removes_only_files_with_the_banner(tmp_path: Path) -> None:
    schemas, out, user = _prune_fixture(tmp_path)
    before = read_outputs(out)
    result = run_structgen("build", "schemas", "-o", "out", "--prune", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    removed = {
        Path(m).relative_to("out").as_posix()
        for m in re.findall(r"^removed (\S+)$", result.stdout, re.MULTILINE)
    }
    assert removed == STALE
    after = read_outputs(out)
    assert set(before) - set(after) == STALE
    for relative, content in user.items():
        assert after[relative] == content, f"prune touched {relative}"
    for relative in set(after):
        assert after[relative] == before[relative], f"prune changed {relative}"
    # a folder of generated files only is gone; one with the user's files stays
    assert not (out / "gone").exists()
    assert (out / "sim" / "deep" / "helper.py").exists()
    assert (out / "mine" / "__init__.py").read_bytes() == user["mine/__init__.py"]
    assert (out / "mixed" / "kept.py").exists()
    code, listed, _ = _check(schemas, out, tmp_path)
    assert (code, listed) == (0, {})


def test_prune_needs_folders(tmp_path: Path) -> None:
    schemas, out, _user = _prune_fixture(tmp_path)
    before = snapshot(out)
    result = run_structgen(
        "build", str(schemas / "geo.yaml"), "-o", str(out), "--prune", cwd=tmp_path
    )
    assert result.returncode == 2
    assert "--prune" in result.stderr
    assert snapshot(out) == before


def test_prune_spares_a_file_that_only_resembles_the_banner(tmp_path: Path) -> None:
    """Another tool's header that merely starts with the same words is not ours."""
    schemas, out = tmp_path / "schemas", tmp_path / "out"
    write_tree(schemas, SMALL)
    structgen.build([schemas], out)
    lookalikes = {
        "other_tool.py": b"# Generated by structgenie 2.1 from tables.toml\nA = 1\n",
        "sim/legacy.py": b"# Generated by structgen_legacy.sh, hand-edited\nB = 2\n",
    }
    for relative, content in lookalikes.items():
        (out / relative).write_bytes(content)
    result = run_structgen("build", str(schemas), "-o", str(out), "--prune")
    assert result.returncode == 0, result.stderr
    for relative, content in lookalikes.items():
        assert (out / relative).exists(), f"--prune deleted the hand-written {relative}"
        assert (out / relative).read_bytes() == content
