"""Crash safety of named records (SPEC section 6): a holder SIGKILLed while it holds the
lock is found by the next waiter, which rolls the record back first.

Each holder runs in an unrelated process (``python -c``) that takes the lock the way
one of the accessors does, writes part of the record, then kills itself: the survivor
must get the lock soon after, and see the record as it was before the dead write.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import Generate, run_structgen
from shm_support import cleanup, unique_name

SCHEMA = """\
records:
  Pair:
    fields:
      x: int64
      y: int64
      label: str[24]
"""

# Generous for a loaded machine; the figure that counts (at most 0.5 s after the death)
# is measured by benchmarks/kill_storm.py.
WAIT_LIMIT = 5.0

HOLDERS = {
    # an update() block killed half-way through
    "update": "with p.update() as v:\n    v.x = 111\n    die()\n",
    # with p: (whole-record hold) killed after one property write
    "with": "with p:\n    p.x = 111\n    p.label = 'torn'\n    die()\n",
    # a property write of more than 8 bytes killed in the middle of its copy
    "property": "p._acquire(); p._journal()\np._memory[16:20] = b'torn'\ndie()\n",
    # set() / assign(): the whole-record copy killed half-way
    "set": "p._acquire(); p._journal()\np._memory[:9] = bytes(range(9))\ndie()\n",
    # snapshot(): a reader killed while it holds the lock
    "snapshot": "p._acquire()\ndie()\n",
}


@pytest.fixture
def pairs(generate: Generate) -> SimpleNamespace:
    return generate({"pairs.yaml": SCHEMA})


def _holder(
    ns: SimpleNamespace, name: str, body: str
) -> subprocess.CompletedProcess[str]:
    code = (
        "import os, signal\n"
        f"from {ns.package}.pairs import SharedPair\n"
        "def die(): os.kill(os.getpid(), signal.SIGKILL)\n"
        f"p = SharedPair.attach({name!r})\n" + body
    )
    env = {**os.environ, "PYTHONPATH": str(ns.out.parent)}
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("holder", sorted(HOLDERS))
def test_dead_holder_is_recovered_and_rolled_back(
    pairs: SimpleNamespace, holder: str
) -> None:
    name = unique_name(f"crash-{holder}")
    with cleanup(name):
        p = pairs.pairs.SharedPair.create(name, x=1, y=-1, label="intact")
        result = _holder(pairs, name, HOLDERS[holder])
        assert result.returncode == -9, result.stderr
        began = time.monotonic()
        with p.update(timeout=WAIT_LIMIT) as v:
            waited = time.monotonic() - began
            assert (v.x, v.y, v.label) == (1, -1, "intact")
            v.x += 1
        assert waited < WAIT_LIMIT
        assert p.snapshot() == pairs.pairs.PairData(x=2, y=-1, label="intact")
        info = json.loads(run_structgen("inspect", name, "--json").stdout)
        assert info["recoveries"] == 1 and info["lock"] == "free"
        p.close()


def test_live_holder_is_never_robbed(pairs: SimpleNamespace) -> None:
    name = unique_name("live")
    with cleanup(name):
        p = pairs.pairs.SharedPair.create(name)
        code = (
            "import sys, time\n"
            f"from {pairs.package}.pairs import SharedPair\n"
            f"p = SharedPair.attach({name!r})\n"
            "with p.update() as v:\n"
            "    v.x = 5\n"
            "    print('in', flush=True)\n"
            "    time.sleep(1.5)\n"
            "    v.y = 5\n"
        )
        env = {**os.environ, "PYTHONPATH": str(pairs.out.parent)}
        proc = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline() == "in\n"
        with pytest.raises(TimeoutError), p.update(timeout=0.8):
            pass
        with p.update(timeout=60) as v:  # after the holder's own release
            assert (v.x, v.y) == (5, 5)
        assert proc.wait(60) == 0
        assert (
            json.loads(run_structgen("inspect", name, "--json").stdout)["recoveries"]
            == 0
        )
        p.close()


ARRAY = """\
records:
  Cell:
    fields:
      v: int64
"""


def test_dead_array_holder_rolls_back_touched_elements(generate: Generate) -> None:
    ns = generate({"cells.yaml": ARRAY})
    name = unique_name("cells")
    with cleanup(name):
        arr = ns.cells.SharedCellArray.create(
            name, [ns.cells.CellData(v=i) for i in range(5)]
        )
        code = (
            "import os\n"
            f"from {ns.package}.cells import SharedCellArray, CellData\n"
            f"a = SharedCellArray.attach({name!r})\n"
            "with a.update() as items:\n"
            "    items[1].v = 100\n"
            "    items[3].v = 300\n"
            "    items[1].v = 101\n"
            "    os.kill(os.getpid(), 9)\n"
        )
        env = {**os.environ, "PYTHONPATH": str(ns.out.parent)}
        result = subprocess.run([sys.executable, "-c", code], env=env, timeout=120)
        assert result.returncode == -9
        with arr.update(timeout=WAIT_LIMIT) as items:
            assert [item.v for item in items] == [0, 1, 2, 3, 4]
        arr.close()


def _robust_child(shared: Any) -> None:
    with shared.update() as v:
        v.x = 999
        os.kill(os.getpid(), 9)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_lock_robust_for_a_parent_made_record(
    pairs: SimpleNamespace, method: str
) -> None:
    ctx = multiprocessing.get_context(method)
    p = pairs.pairs.SharedPair(x=3, y=4, lock="robust", ctx=ctx)
    child = ctx.Process(target=_robust_child, args=(p,))
    child.start()
    child.join(120)
    assert child.exitcode == -9
    with p.update(timeout=WAIT_LIMIT) as v:
        assert (v.x, v.y) == (3, 4)
    lock = p.get_lock()
    assert lock is not None and lock.acquire(True, 1.0)
    lock.release()
    assert p.get_lock().recoveries == 1  # type: ignore[union-attr]


def test_lock_robust_array_and_bad_lock(pairs: SimpleNamespace) -> None:
    arr = pairs.pairs.SharedPairArray(3, lock="robust")
    with arr.update() as items:
        items[2].x = 7
    assert arr[2].x == 7
    with pytest.raises(ValueError, match="at least one element"):
        pairs.pairs.SharedPairArray(0, lock="robust")
    with pytest.raises(TypeError, match="'robust'"):
        pairs.pairs.SharedPair(lock="sturdy")


def test_holder_paths_stay_usable(pairs: SimpleNamespace, tmp_path: Path) -> None:
    """Every accessor of a named record under the crash-safe lock, in one process."""
    name = unique_name("paths")
    with cleanup(name):
        p = pairs.pairs.SharedPair.create(name, label="a")
        p.x = 1
        p.label = "bb"
        p.set(y=2)
        p.assign(pairs.pairs.PairData(x=5, y=6, label="c"))
        with p:
            p.x += 1
        with p.update() as v:
            v.y += 1
        with pytest.raises(ValueError):
            p.label = "x" * 100  # too long: nothing written, lock released
        assert p.snapshot() == pairs.pairs.PairData(x=6, y=7, label="c")
        p.close()
