"""Generated named records (SPEC section 6): create, attach, close, unlink, lifetime.

Sharing is proven with real, unrelated processes (``subprocess`` running
``python -c``), not only multiprocessing children. Every test removes its segments.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import Generate, run_structgen
from shm_support import cleanup, unique_name

from structgen.runtime.segment import SHM_DIR

ROOT = Path(__file__).resolve().parents[1]

SCHEMA = """\
enums:
  Color:
    type: uint8
    values: [RED, GREEN, BLUE]
records:
  Point:
    fields:
      x: float64
      y: {type: float64, default: 1.5}
  Sprite:
    fields:
      origin: Point
      corners: Point[2]
      name: str[8]
      tag: bytes[3]
      color: {type: Color, default: GREEN}
      samples: float32[2][3]
      count: int64
      visible: bool
"""

# the same record names, another layout
OTHER = """\
records:
  Point:
    fields:
      x: float64
      y: float32
"""


@pytest.fixture
def shapes(generate: Generate) -> SimpleNamespace:
    return generate({"shapes.yaml": SCHEMA}).shapes  # type: ignore[no-any-return]


def python(
    code: str, out: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in an unrelated interpreter that can import the generated code."""
    env = {**os.environ, "PYTHONPATH": str(out.parent)}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_create_and_attach_in_another_process(
    generate: Generate, shapes: SimpleNamespace
) -> None:
    ns = generate({"shapes.yaml": SCHEMA})
    mod = ns.shapes
    name = unique_name("sprite")
    with cleanup(name):
        sprite = mod.SharedSprite.create(
            name, name="hero", count=7, color=mod.Color.BLUE, tag=b"ab"
        )
        with sprite.update() as v:
            v.origin.x = 2.5
            v.corners[1].y = -1.0
            v.samples[1][2] = 0.25
        code = (
            f"from {ns.package}.shapes import SharedSprite, Color\n"
            f"s = SharedSprite.attach({name!r})\n"
            "d = s.snapshot()\n"
            "assert d.name == 'hero' and d.count == 7 and d.color is Color.BLUE\n"
            "assert d.origin.x == 2.5 and d.corners[1].y == -1.0, d\n"
            "assert d.samples[1][2] == 0.25 and d.tag == b'ab\\0'\n"
            "with s.update() as v:\n"
            "    v.count += 1\n"
            "    v.name = 'villain'\n"
        )
        result = python(code, ns.out)
        assert result.returncode == 0, result.stderr
        assert sprite.count == 8 and sprite.name == "villain"
        sprite.close()


def test_exist_ok_and_file_exists(shapes: SimpleNamespace) -> None:
    name = unique_name("exists")
    with cleanup(name):
        first = shapes.SharedPoint.create(name, x=1.0)
        with pytest.raises(FileExistsError, match=name):
            shapes.SharedPoint.create(name, x=2.0)
        second = shapes.SharedPoint.create(name, x=3.0, exist_ok=True)
        assert second.x == 1.0  # attached: the values given are ignored
        second.x = 4.0
        assert first.x == 4.0
        with pytest.raises(ValueError, match="holds a record of Point"):
            shapes.SharedPointArray.create(name, 2, exist_ok=True)
        first.close()
        second.close()


def test_record_and_array_segments_told_apart(shapes: SimpleNamespace) -> None:
    record, array = unique_name("rec"), unique_name("arr")
    with cleanup(record, array):
        p = shapes.SharedPoint.create(record)
        a = shapes.SharedPointArray.create(array, [shapes.PointData(x=1.0)] * 3)
        with pytest.raises(ValueError, match="an array of Point, not a record"):
            shapes.SharedPoint.attach(array)
        with pytest.raises(ValueError, match="a record of Point, not an array"):
            shapes.SharedPointArray.attach(record)
        b = shapes.SharedPointArray.attach(array)
        assert len(b) == 3 and b[2].x == 1.0
        with b.update() as items:
            items[0].y = 7.0
        assert a[0].y == 7.0
        with pytest.raises(ValueError, match="holds a record of Point"):
            shapes.SharedSpriteArray.attach(record)
        for shared in (p, a, b):
            shared.close()


def test_layout_mismatch_names_the_field(
    generate: Generate, shapes: SimpleNamespace
) -> None:
    other = generate({"other.yaml": OTHER}).other
    name = unique_name("layout")
    with cleanup(name):
        p = shapes.SharedPoint.create(name)
        with pytest.raises(
            ValueError, match=r"'Point\.y' is float64.*float32.*in this module"
        ) as info:
            other.SharedPoint.attach(name)
        assert name in str(info.value)
        with pytest.raises(ValueError, match="holds record 'Point', not 'Sprite'"):
            shapes.SharedSprite.attach(name)
        p.close()


def test_close_then_any_use_raises(shapes: SimpleNamespace) -> None:
    name, arr = unique_name("close"), unique_name("closearr")
    with cleanup(name, arr):
        p = shapes.SharedPoint.create(name, x=1.0)
        with p.update() as v:
            v.x = 2.0
        view = v  # a view kept past its block must not stop close()
        p.close()
        p.close()  # twice is fine
        for use in (
            lambda: p.x,
            lambda: setattr(p, "x", 1.0),
            p.snapshot,
            lambda: p.set(x=1.0),
            lambda: p.assign(shapes.PointData()),
            lambda: p.update().__enter__(),
            lambda: p.__enter__(),
            p.get_obj,
        ):
            with pytest.raises(ValueError, match="closed"):
                use()
        del view
        a = shapes.SharedPointArray.create(arr, 2)
        a.close()
        for use in (lambda: a[0], lambda: len(a), a.snapshot, lambda: list(a)):
            with pytest.raises(ValueError, match="closed"):
                use()
        assert os.path.exists(f"{SHM_DIR}/{name}")  # closing never removes


def test_unlink_and_unnamed_records(shapes: SimpleNamespace) -> None:
    name = unique_name("unlink")
    with cleanup(name):
        p = shapes.SharedPoint.create(name, x=5.0)
        q = shapes.SharedPoint.attach(name)
        q.unlink()
        assert not os.path.exists(f"{SHM_DIR}/{name}")
        assert not os.path.exists(f"{SHM_DIR}/sem.structgen.{name}.lock")
        p.x += 1  # mapped processes go on working
        assert q.x == 6.0
        with pytest.raises(FileNotFoundError):
            shapes.SharedPoint.attach(name)
        p.close()
        q.close()
    plain = shapes.SharedPoint()
    with pytest.raises(TypeError, match="only a named record"):
        plain.close()
    with pytest.raises(TypeError, match="only a named record"):
        plain.unlink()


def test_mode_and_persist(shapes: SimpleNamespace) -> None:
    name = unique_name("mode")
    with cleanup(name):
        p = shapes.SharedPoint.create(name, mode=0o640, persist=True)
        assert os.stat(f"{SHM_DIR}/{name}").st_mode & 0o777 == 0o640
        p.close()
    with pytest.raises(TypeError, match="persist"):
        shapes.SharedPoint.create(unique_name("bad"), persist="yes")


def test_attach_timeout_waits_for_the_creator(shapes: SimpleNamespace) -> None:
    name = unique_name("later")
    with cleanup(name):
        made: list[Any] = []
        timer = threading.Timer(
            0.3, lambda: made.append(shapes.SharedPoint.create(name, x=9.0))
        )
        timer.start()
        try:
            p = shapes.SharedPoint.attach(name, timeout=30)
            assert p.x == 9.0
            p.close()
        finally:
            timer.join()
            for shared in made:
                shared.close()
        with pytest.raises(TypeError, match="timeout"):
            shapes.SharedPoint.attach(name, timeout="1")


def test_two_attaches_in_one_process_share_the_lock(shapes: SimpleNamespace) -> None:
    """The lock is reentrant per thread across every attach of one process."""
    name = unique_name("reentrant")
    with cleanup(name):
        p = shapes.SharedPoint.create(name)
        q = shapes.SharedPoint.attach(name)
        with p, q, q.update() as v:  # would deadlock with two separate locks
            v.x += 1
        assert p.x == 1.0
        got: list[bool] = []
        with p:  # another thread waits for it
            thread = threading.Thread(
                target=lambda: got.append(q.get_lock().acquire(True, 0.2))  # type: ignore[union-attr]
            )
            thread.start()
            thread.join()
        assert got == [False]
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with q.update(timeout=0.1):
                    pass
            except BaseException as exc:
                errors.append(exc)

        with p:  # held here: another thread's update(timeout=) gives up
            thread = threading.Thread(target=run)
            thread.start()
            thread.join()
        assert len(errors) == 1 and isinstance(errors[0], TimeoutError)
        p.close()
        q.close()


def _child_add(shared: Any, amount: float) -> None:
    with shared.update() as v:
        v.x += amount


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_named_record_reaches_children_by_name(generate: Generate, method: str) -> None:
    ns = generate({"kids.yaml": SCHEMA})
    name = unique_name(f"kids-{method}")
    with cleanup(name):
        p = ns.kids.SharedPoint.create(name, x=1.0)
        ctx = multiprocessing.get_context(method)
        children = [ctx.Process(target=_child_add, args=(p, 10.0)) for _ in range(2)]
        for child in children:
            child.start()
        for child in children:
            child.join(120)
            assert child.exitcode == 0
        assert p.x == 21.0
        p.close()


COUNTER = """\
records:
  Tally:
    fields:
      n: int64
      m: float64
"""


def test_three_unrelated_processes_20000_updates_each(generate: Generate) -> None:
    ns = generate({"tally.yaml": COUNTER})
    name = unique_name("tally")
    with cleanup(name):
        tally = ns.tally.SharedTally.create(name)
        code = (
            f"from {ns.package}.tally import SharedTally\n"
            f"t = SharedTally.attach({name!r}, timeout=30)\n"
            "for _ in range(20000):\n"
            "    with t.update() as v:\n"
            "        v.n += 1\n"
            "        v.m += 0.5\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ns.out.parent)}
        procs = [
            subprocess.Popen([sys.executable, "-c", code], env=env) for _ in range(3)
        ]
        for proc in procs:
            assert proc.wait(timeout=600) == 0
        assert tally.snapshot() == ns.tally.TallyData(n=60000, m=30000.0)
        tally.close()


def test_lifetime_of_a_generated_record(generate: Generate) -> None:
    ns = generate({"life.yaml": COUNTER})
    made = f"from {ns.package}.life import SharedTally\nimport os, signal\n"
    killed, attached, kept = (unique_name(s) for s in ("killed", "attached", "kept"))
    with cleanup(killed, attached, kept):
        # the creator SIGKILLed: the name goes (the resource tracker removes it)
        result = python(
            made + f"SharedTally.create({killed!r})\nos.kill(os.getpid(), 9)", ns.out
        )
        assert result.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 30
        while os.path.exists(f"{SHM_DIR}/{killed}") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not os.path.exists(f"{SHM_DIR}/{killed}")
        assert not os.path.exists(f"{SHM_DIR}/sem.structgen.{killed}.lock")
        # an attacher's end (clean or SIGKILL) never removes it
        tally = ns.life.SharedTally.create(attached)
        for ending in ("pass", "os.kill(os.getpid(), 9)"):
            result = python(
                made + f"t = SharedTally.attach({attached!r}); t.n += 1\n{ending}",
                ns.out,
            )
            assert "leaked" not in result.stderr
        time.sleep(0.3)
        assert tally.n == 2 and os.path.exists(f"{SHM_DIR}/{attached}")
        tally.close()
        # persist=True outlives its creator
        result = python(
            made + f"SharedTally.create({kept!r}, n=5, persist=True)", ns.out
        )
        assert result.returncode == 0 and "leaked" not in result.stderr
        time.sleep(0.3)
        t = ns.life.SharedTally.attach(kept)
        assert t.n == 5
        t.unlink()
        t.close()


def test_inspect_decodes_a_generated_record_without_its_module(
    shapes: SimpleNamespace, tmp_path: Path
) -> None:
    name = unique_name("inspect")
    with cleanup(name):
        s = shapes.SharedSprite.create(name, name="hero", count=3, tag=b"\x01\x02")
        with s.update() as v:
            v.corners[1].x = 4.0
            v.samples[0][1] = 0.5
        result = run_structgen("inspect", name, "--json", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        info = json.loads(result.stdout)
        values = info["values"]
        assert info["record"] == "Sprite" and info["count"] == 1
        assert values["name"] == "hero" and values["count"] == 3
        assert values["color"] == "GREEN" and values["tag"] == "010200"
        assert values["corners"][1] == {"x": 4.0, "y": 1.5}
        assert values["origin"] == {"x": 0.0, "y": 1.5}
        assert values["samples"] == [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]]
        assert values["visible"] is False
        s.close()
        arr = unique_name("inspectarr")
        with cleanup(arr):
            a = shapes.SharedPointArray.create(
                arr, [shapes.PointData(x=float(i)) for i in range(3)]
            )
            info = json.loads(run_structgen("inspect", arr, "--json").stdout)
            assert info["count"] == 3
            assert [v["x"] for v in info["values"]] == [0.0, 1.0, 2.0]
            a.close()


CLASHING = """\
records:
  Job:
    fields:
      name: str[8]
      mode: int32
      persist: bool
      exist_ok: uint8
"""


def test_fields_named_like_create_options(generate: Generate) -> None:
    """A field may be called name, mode, persist or exist_ok: create() then spells
    that option segment_<option>."""
    ns = generate({"jobs.yaml": CLASHING})
    name = unique_name("clash")
    with cleanup(name):
        job = ns.jobs.SharedJob.create(
            name, name="a", mode=3, persist=True, exist_ok=7, segment_mode=0o640
        )
        assert job.snapshot() == ns.jobs.JobData(
            name="a", mode=3, persist=True, exist_ok=7
        )
        assert os.stat(f"{SHM_DIR}/{name}").st_mode & 0o777 == 0o640
        again = ns.jobs.SharedJob.create(name, mode=9, segment_exist_ok=True)
        assert again.mode == 3
        job.close()
        again.close()
