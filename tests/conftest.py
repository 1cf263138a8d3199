"""Shared fixtures: build schemas into a throw-away package and import the result.

Also the hypothesis profiles (``HYPOTHESIS_PROFILE``):

* ``ci`` (the default, and always when ``CI`` is set and no profile is named):
  derandomized, so a run is reproducible and cannot fail at random; no example
  database; a failure prints the blob that reproduces it.
* ``broad``: random seeds, five times the examples, the example database kept in
  ``.hypothesis/``: for a local search for new counter-examples
  (``HYPOTHESIS_PROFILE=broad python -m pytest tests/test_properties.py``).

Property and fuzz tests take their example counts from :func:`examples`, which scales
them by the profile.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import importlib
import io
import itertools
import os
import subprocess
import sys
import textwrap
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from hypothesis import seed, settings

import structgen
import structgen.cli
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


settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True, max_examples=100
)
settings.register_profile("broad", derandomize=False, max_examples=500)
_PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or "ci"
settings.load_profile(_PROFILE)


def part_seed(test: str, part: object) -> Callable[[Any], Any]:
    """For one part of a property test split in parts (so that the parts can run in
    parallel): under a derandomized profile, a fixed seed of the part's own (with
    ``derandomize`` alone every part would draw the same examples); otherwise nothing,
    so ``broad`` stays random."""
    if not settings().derandomize:
        return lambda function: function
    digest = hashlib.sha256(f"{test}:{part}".encode()).digest()
    return seed(int.from_bytes(digest[:16], "big"))


def examples(variable: str, default: int) -> int:
    """Examples for one property test: ``default`` scaled by the profile (``broad``:
    five times as many), unless the environment variable ``variable`` sets it."""
    if os.environ.get(variable):
        return int(os.environ[variable])
    return max(1, default * settings().max_examples // 100)


def _cpu_now() -> float:
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@contextlib.contextmanager
def cpu_clock() -> Iterator[Callable[[], float]]:
    """``with cpu_clock() as spent:`` ... ``spent()``: seconds of CPU time this process
    (and the children it waited for) spent since the block began. Unlike wall time it
    does not grow when other processes keep a busy machine's cores: time bounds in
    tests measure it, with generous limits."""
    start = _cpu_now()
    yield lambda: _cpu_now() - start


def run_structgen(
    *args: str, cwd: Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the command line in this process: ``structgen.cli.main(args)`` in ``cwd``,
    its stdout and stderr captured, an uncaught exception shown as a traceback on
    stderr with exit status 1, as the interpreter would. (``timeout`` is accepted for
    the signature of :func:`run_structgen_subprocess`.)

    Starting a fresh interpreter for each call cost most of the CLI tests' time; a few
    tests still go through the real command (:func:`run_structgen_subprocess`)."""
    out, err = io.StringIO(), io.StringIO()
    code: object
    with (
        contextlib.chdir(cwd or Path.cwd()),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = structgen.cli.main(list(args))
        except SystemExit as exit_:  # argparse: --help, --version, usage errors
            code = exit_.code
        except Exception:
            traceback.print_exc()
            code = 1
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=err)
        code = 1
    return subprocess.CompletedProcess(
        ["structgen", *args], int(code), out.getvalue(), err.getvalue()
    )


def run_structgen_subprocess(
    *args: str,
    cwd: Path | None = None,
    timeout: float = 120,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run the real command line in a subprocess (``python -m structgen``)."""
    return subprocess.run(
        [PYTHON, "-m", "structgen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
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
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One mypy cache for every mypy run of a test session (of one xdist worker):
    the standard library is analysed once, not once a run."""
    return tmp_path_factory.mktemp("mypy_cache")


@pytest.fixture(scope="session")
def repo_generated() -> ModuleType:
    """The committed ``generated`` package of this repository."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module("generated")


@pytest.fixture(scope="session", autouse=True)
def dev_shm_left_as_found() -> Iterator[None]:
    """The suite leaves /dev/shm as it found it: every test removes its segments
    (SPEC section 6; a left-over name fails the session). Tests name their segments
    with this process's pid (shm_support.unique_name), which is how they are told
    from those of other jobs running on the machine at the same time."""
    shm = Path("/dev/shm")
    before = set(os.listdir(shm)) if shm.is_dir() else set()
    yield
    if not shm.is_dir():
        return
    deadline = time.monotonic() + 10  # a SIGKILLed creator's tracker may still be at it
    while True:
        left = sorted(set(os.listdir(shm)) - before)
        # only this session's names: other jobs on the machine use /dev/shm too
        mine = [n for n in left if f"-{os.getpid()}" in n]
        if not mine or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not mine, f"the test suite left these in /dev/shm: {mine}"


# -- running in parallel -------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Where pytest-xdist is installed (the ``test`` extra), run on every core unless
    told otherwise (``-n 0``, ``-n N``, ``-p no:xdist``, ``--pdb``): the suite takes
    under 3 minutes on 2 cores instead of twice that. Work is stolen between workers
    (``--dist worksteal``), since a few tests take far longer than the rest."""
    if hasattr(config, "workerinput") or os.environ.get("PYTEST_XDIST_WORKER"):
        return  # an xdist worker itself: never start workers of its own
    option = config.option
    if getattr(option, "numprocesses", 0) is not None:
        return  # no xdist, or the user chose
    if config.getoption("usepdb", False) or config.getoption("collectonly", False):
        return
    option.numprocesses = "auto"
    if getattr(option, "dist", "no") == "no":
        option.dist = "worksteal"


# -- figures of a run ----------------------------------------------------------------
#
# Property and fuzz tests report what they tried (schema sets, inputs, refusals...) as
# counts; pytest prints their sums at the end of the run, also when the tests ran in
# several xdist workers (the counts travel in the reports' user_properties).

_COUNTS = "structgen-counts"
_totals: dict[str, collections.Counter[str]] = {}


def record_counts(
    request: pytest.FixtureRequest, group: str, counts: Mapping[str, int]
) -> None:
    """Report ``counts`` of this test under ``group``; keys starting "max " are
    maxima, the rest are summed over the run."""
    request.node.user_properties.append((_COUNTS, [group, dict(counts)]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "teardown":  # its user_properties: all the test's
        return
    for name, value in report.user_properties:
        if name != _COUNTS:
            continue
        group, counts = value
        total = _totals.setdefault(group, collections.Counter())
        for key, number in counts.items():
            if key.startswith("max "):
                total[key] = max(total[key], number)
            else:
                total[key] += number


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for group, total in sorted(_totals.items()):
        shown = ", ".join(f"{key} {number:,}" for key, number in sorted(total.items()))
        terminalreporter.write_line(f"{group}: {shown}")
