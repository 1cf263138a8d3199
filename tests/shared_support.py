"""Shared helpers of the issue-3 tests (Shared... classes): schemas, builds, children.

Kept free of pytest and structgen imports at module level: spawned and forkserver
children import this module to find their targets, and should start quickly.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

TESTS = Path(__file__).resolve().parent
PACKAGE = "sg_issue3"

# Every kind of field SPEC §3 checks, in records small enough to reason about.
SHAPES = """\
doc: Records for the tests of issue 3 (Shared... classes, checked writes, locks).
enums:
  Color:
    type: uint8
    values: [RED, GREEN, BLUE]
  Level:
    doc: Default is the member whose value is 0, not the first one.
    type: int16
    values: {HIGH: 5, ZERO: 0, LOW: -3}
  Code:
    doc: No member is 0, so the default is the first one.
    type: uint16
    values: {ALPHA: 7, BETA: 9}
records:
  Ints:
    fields:
      i8: int8
      i16: int16
      i32: int32
      i64: int64
      u8: uint8
      u16: uint16
      u32: uint32
      u64: uint64
  Scalars:
    fields:
      flag: bool
      single: float32
      double: float64
      color: {type: Color, default: GREEN}
      level: Level
      code: Code
  Point:
    fields:
      x: float64
      y: {type: float64, default: 1.5}
  Pair:
    doc: Same shape as Point, but another record.
    fields:
      x: float64
      y: float64
  Sprite:
    fields:
      origin: Point
      corners: Point[4]
      samples: float32[8][2]
      name: str[8]
      labels: str[4][3]
      tag: bytes[4]
      color: {type: Color, default: GREEN}
      level: Level
      code: Code
      visible: bool
      weight: float32
      count: int32
      anchor: {type: Point, default: {x: 2.5}}
      title: {type: "str[8]", default: "hé"}
      magic: {type: "bytes[4]", default: "ab"}
      ratio: {type: float32, default: 0.25}
      on: {type: bool, default: true}
  Counter:
    fields:
      count: int64
      hits: uint32
"""

_built: dict[str, Path] = {}


def build(root: Path) -> Path:
    """Build SHAPES into ``root/PACKAGE`` once per session; return the folder to put
    on ``sys.path`` (children started later inherit it)."""
    if "root" not in _built:
        import structgen

        schemas = root / "schemas"
        schemas.mkdir(parents=True)
        (schemas / "shapes.yaml").write_text(SHAPES, encoding="utf-8")
        structgen.build([schemas], root / PACKAGE)
        if str(root) not in sys.path:
            sys.path.insert(0, str(root))
        _built["root"] = root
    return _built["root"]


def shapes_module(tmp_path_factory: Any) -> ModuleType:
    """The generated ``shapes`` module, built once per test session."""
    import importlib

    if "root" not in _built:
        build(tmp_path_factory.mktemp("issue3"))
    return importlib.import_module(f"{PACKAGE}.shapes")


def run_python(code: str, *, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that can import the generated package.

    For anything that could hang (locks): a hang becomes a TimeoutExpired failure.
    """
    paths = [str(_built["root"]), str(TESTS)]
    env = dict(os.environ)
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return subprocess.run(
        [sys.executable, "-u", "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@contextlib.contextmanager
def watchdog(seconds: float = 120) -> Iterator[None]:
    """For in-process tests that could deadlock (re-entering the default lock): if
    the test takes longer than ``seconds``, dump every thread's traceback and exit,
    so that CI fails instead of hanging."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


# -- targets of child processes (module level, so spawn can find them) ----------------


def child_increment(shared: Any, n: int, barrier: Any) -> None:
    """Stress: n increments of ``count`` in update(), started together."""
    barrier.wait(timeout=60)
    for _ in range(n):
        with shared.update() as view:
            view.count += 1


def child_array_increment(shared: Any, n: int, barrier: Any) -> None:
    barrier.wait(timeout=60)
    for _ in range(n):
        with shared.update() as items:
            items[1].count += 1
            items[-1].hits += 1


def child_same_memory_and_lock(shared: Any, expected: int, timed_out: Any) -> None:
    """The parent holds the record's lock: a timed update here must fail; once the
    parent lets go, this child sees the parent's value and writes its own."""
    try:
        with shared.update(timeout=0.2):
            sys.exit(3)  # got a lock the parent holds: not the same lock
    except TimeoutError:
        pass
    timed_out.set()
    with shared.update() as view:
        if view.count != expected:
            sys.exit(4)  # not the parent's memory
        view.count += 1
        view.origin.x += 0.5
        view.corners[2].y = -1.0
        view.samples[3][1] = 0.5
        view.name = "child"
        view.tag = b"ch"


def child_increment_when_free(shared: Any, timed_out: Any) -> None:
    """The parent holds the lock through another record sharing it."""
    try:
        with shared.update(timeout=0.2):
            sys.exit(3)  # the lock is not the one the parent holds
    except TimeoutError:
        pass
    timed_out.set()
    with shared.update() as view:
        view.count += 1


def child_array_writes(shared: Any, timed_out: Any) -> None:
    try:
        with shared.update(timeout=0.2):
            sys.exit(3)
    except TimeoutError:
        pass
    timed_out.set()
    with shared.update() as items:
        if items[0].count != 7:
            sys.exit(4)
        items[0].count += 1
        items[2].origin.x = 4.5
    shared[1] = shared[0]


def child_from_value(value: Any, record: type[Any]) -> None:
    shared = record.from_value(value)
    with shared.update() as view:
        view.x += 1.0
        view.y = -view.y


def child_hold_lock(shared: Any, holding: Any, release: Any) -> None:
    """Hold the lock of ``shared`` until ``release`` is set."""
    with shared:
        holding.set()
        release.wait(60)


def child_write_pairs(shared: Any, how: str, seconds: float, started: Any) -> None:
    """Keep writing x = i, y = -i with one call of ``how``: readers must never see a
    pair that breaks y == -x."""
    data_cls = type(shared.snapshot())
    started.set()
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        i += 1
        if how == "set":
            shared.set(x=float(i), y=float(-i))
        elif how == "assign":
            shared.assign(data_cls(float(i), float(-i)))
        elif how == "rollback":  # every odd update fails half-done, and is undone
            try:
                with shared.update() as view:
                    view.x = float(i)
                    if i % 2:
                        raise ValueError("half done")
                    view.y = float(-i)
            except ValueError:
                pass
        else:
            with shared.update() as view:
                view.x = float(i)
                view.y = float(-i)


def child_write_array_pairs(shared: Any, seconds: float, started: Any) -> None:
    data_cls = type(shared[0])
    started.set()
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        i += 1
        if i % 2:
            with shared.update() as items:
                for item in items:
                    item.x = float(i)
                    item.y = float(-i)
        else:
            for index in range(len(shared)):
                shared[index] = data_cls(float(i), float(-i))


_pool_shared: Any = None


def pool_init(shared: Any) -> None:
    global _pool_shared
    _pool_shared = shared


def pool_increment(_: int) -> int:
    with _pool_shared.update() as view:
        view.count += 1
    return os.getpid()


def pool_try_lock(timeout: float) -> str:
    try:
        with _pool_shared.update(timeout=timeout):
            return "acquired"
    except TimeoutError:
        return "timeout"
