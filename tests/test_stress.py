"""Stress (issue 4, point 4): 8 writer processes x 10,000 updates, under fork, spawn
and forkserver.

Five shared things, written at once by 8 processes:

* ``A`` and ``B``: two ``SharedCell`` records built with the *same*
  ``multiprocessing.RLock()`` passed as ``lock=``. An update of ``A`` also moves a
  token from ``A`` to ``B`` in the same step (``a.update()`` and ``b.update()``
  nested, which the shared reentrant lock allows), so ``A.z + B.z == 0`` holds
  *across* the two records;
* ``C``: a record with its own default lock (an RLock), updated with ``timeout=``;
* ``D``: a record with its own plain ``multiprocessing.Lock()``; every 97th update of
  it raises inside the block, after half its writes, and must be rolled back;
* ``E``: a ``SharedCellArray`` of 4 records under one lock, updated through the
  array's ``update()``.

Every update of a cell does ``x += 1; y -= 1; count += 1; per_worker[w] += 1``, so
each cell keeps ``x + y == 0``, ``x == count`` and ``sum(per_worker) == count``. A
reader process takes ``snapshot()`` of every cell (``A`` and ``B`` together under their
shared lock) as fast as it can while the writers run, and checks the invariants on
each one. At the end the totals are exact: each cell counted exactly the updates
(minus the rolled-back ones) that the writers' schedule gave it, per worker.

``STRUCTGEN_STRESS_UPDATES`` overrides the updates per writer (default 10,000).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import multiprocessing.queues
import multiprocessing.synchronize
import os
import time
from types import ModuleType
from typing import Any

import pytest
from conftest import Generate, record_counts

WRITERS = 8
UPDATES = int(os.environ.get("STRUCTGEN_STRESS_UPDATES", "10000"))
HARD_TIMEOUT = 240.0  # seconds for one run: a deadlock fails instead of hanging
ROLLBACK_EVERY = 97  # every 97th update of D raises inside its block
CELLS = ("A", "B", "C", "D")
ELEMENTS = 4

SCHEMA = """\
doc: Records for the stress test.
records:
  Cell:
    doc: Each update keeps x + y == 0, x == count and sum(per_worker) == count.
    fields:
      x: int64
      y: int64
      count: uint64
      z: {type: int64, doc: Tokens moved in from the other record of a pair.}
      per_worker: uint32[8]
      last: {type: "str[8]", doc: Name of the last writer.}
"""


class Planned(Exception):
    """Raised inside an update block on purpose, to exercise the rollback."""


def target_of(worker: int, number: int) -> str:
    """What update ``number`` of ``worker`` writes: a cell name, or ``E<index>``."""
    choice = (number + worker) % 5
    if choice < 4:
        return CELLS[choice]
    return f"E{(number // 5 + worker) % ELEMENTS}"


def rolled_back(worker: int, number: int) -> bool:
    return target_of(worker, number) == "D" and number % ROLLBACK_EVERY == worker


def expected_counts(updates: int) -> dict[str, list[int]]:
    """Per target, the updates each worker commits."""
    counts = {
        name: [0] * WRITERS for name in (*CELLS, *(f"E{i}" for i in range(ELEMENTS)))
    }
    for worker in range(WRITERS):
        for number in range(updates):
            if not rolled_back(worker, number):
                counts[target_of(worker, number)][worker] += 1
    return counts


def _bump(view: Any, worker: int) -> None:
    view.x += 1
    view.y -= 1
    view.count += 1
    view.per_worker[worker] += 1
    view.last = f"w{worker}"


def writer(
    worker: int,
    updates: int,
    records: dict[str, Any],
    start: multiprocessing.synchronize.Barrier,
) -> None:
    a, b, c, d, e = (records[name] for name in "ABCDE")
    start.wait()
    for number in range(updates):
        target = target_of(worker, number)
        if target == "A":
            with a.update() as va, b.update() as vb:  # one step on both records
                _bump(va, worker)
                va.z -= 1
                vb.z += 1
        elif target == "B":
            with b.update() as vb:
                _bump(vb, worker)
        elif target == "C":
            with c.update(timeout=60) as vc:
                _bump(vc, worker)
        elif target == "D":
            try:
                with d.update() as vd:
                    vd.x += 1
                    vd.count += 1
                    if number % ROLLBACK_EVERY == worker:
                        raise Planned  # x and count written, y not: rolled back
                    vd.y -= 1
                    vd.per_worker[worker] += 1
                    vd.last = f"w{worker}"
            except Planned:
                pass
        else:
            with e.update() as items:
                _bump(items[int(target[1:])], worker)


def problems(data: Any, name: str) -> list[str]:
    found = []
    if data.x + data.y != 0:
        found.append(f"{name}: x + y = {data.x + data.y}")
    if data.x != data.count:
        found.append(f"{name}: x = {data.x} but count = {data.count}")
    if sum(data.per_worker) != data.count:
        found.append(
            f"{name}: sum(per_worker) = {sum(data.per_worker)} != {data.count}"
        )
    return found


def reader(
    records: dict[str, Any],
    pair_lock: multiprocessing.synchronize.RLock,
    start: multiprocessing.synchronize.Barrier,
    stop: multiprocessing.synchronize.Event,
    results: multiprocessing.queues.Queue[dict[str, Any]],
) -> None:
    a, b, c, d, e = (records[name] for name in "ABCDE")
    snapshots = violations = 0
    examples: list[str] = []
    seen_counts: set[int] = set()
    start.wait()
    while not stop.is_set():
        with pair_lock:  # A and B read together: one consistent state of both
            pair = a.snapshot(), b.snapshot()
        found = problems(pair[0], "A") + problems(pair[1], "B")
        if pair[0].z + pair[1].z != 0 or pair[0].z != -pair[0].count:
            found.append(
                f"A.z = {pair[0].z}, B.z = {pair[1].z}, A.count = {pair[0].count}"
            )
        found += problems(c.snapshot(), "C") + problems(d.snapshot(), "D")
        for index, item in enumerate(e.snapshot()):
            found += problems(item, f"E{index}")
        snapshots += 5  # a, b, c, d, and the array's (4 elements under one lock)
        seen_counts.add(pair[0].count)
        if found:
            violations += len(found)
            examples = (examples + found)[:10]
    results.put(
        {
            "snapshots": snapshots,
            "violations": violations,
            "examples": examples,
            "distinct": len(seen_counts),
        }
    )


def run_stress(
    module: ModuleType, method: str, updates: int
) -> tuple[dict[str, Any], dict[str, Any], float]:
    """Run the writers and the reader; the final records, the reader's report, time."""
    ctx = multiprocessing.get_context(method)
    pair_lock = ctx.RLock()
    records: dict[str, Any] = {
        "A": module.SharedCell(lock=pair_lock, ctx=ctx),
        "B": module.SharedCell(lock=pair_lock, ctx=ctx),
        "C": module.SharedCell(ctx=ctx),
        "D": module.SharedCell(lock=ctx.Lock(), ctx=ctx),
        "E": module.SharedCellArray(ELEMENTS, ctx=ctx),
    }
    assert records["A"].get_lock() is records["B"].get_lock() is pair_lock
    assert records["C"].get_lock() is not pair_lock
    start = ctx.Barrier(WRITERS + 2)
    stop = ctx.Event()
    results: multiprocessing.queues.Queue[dict[str, Any]] = ctx.Queue()
    writers = [
        ctx.Process(target=writer, args=(w, updates, records, start), name=f"w{w}")
        for w in range(WRITERS)
    ]
    watcher = ctx.Process(
        target=reader, args=(records, pair_lock, start, stop, results)
    )
    processes = [*writers, watcher]
    try:
        for process in processes:
            process.start()
        start.wait(timeout=HARD_TIMEOUT)  # every child is up: the clock starts
        began = time.perf_counter()
        deadline = time.monotonic() + HARD_TIMEOUT
        for process in writers:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
            assert process.exitcode == 0, f"{process.name} exit code {process.exitcode}"
        elapsed = time.perf_counter() - began
        stop.set()
        report = results.get(timeout=60)
        watcher.join(timeout=60)
        assert watcher.exitcode == 0
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    final = {name: records[name].snapshot() for name in "ABCDE"}
    return final, report, elapsed


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_eight_writers_exact_totals_and_no_torn_record(
    generate: Generate, method: str, request: pytest.FixtureRequest
) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"start method {method} is not available on this platform")
    module = generate({"stress.yaml": SCHEMA}).stress
    final, report, elapsed = run_stress(module, method, UPDATES)

    expected = expected_counts(UPDATES)
    cells = {
        **{name: final[name] for name in CELLS},
        **{f"E{i}": item for i, item in enumerate(final["E"])},
    }
    for name, data in cells.items():
        per_worker = expected[name]
        assert list(data.per_worker) == per_worker, name
        assert data.count == sum(per_worker), name
        assert (data.x, data.y) == (data.count, -data.count), name
        assert data.last in {f"w{w}" for w in range(WRITERS)}, name
    assert final["A"].z == -final["A"].count
    assert final["B"].z == final["A"].count
    assert sum(final["D"].per_worker) < UPDATES * WRITERS // 5  # some rolled back
    committed = sum(sum(counts) for counts in expected.values())
    rolled = WRITERS * UPDATES - committed
    assert rolled > 0

    record_counts(
        request,
        "test_stress",
        {
            f"{method} updates": WRITERS * UPDATES,
            f"max {method} ms": round(elapsed * 1000),
            f"{method} snapshots checked": report["snapshots"],
            f"{method} violations": report["violations"],
        },
    )
    print(
        f"\n{method}: {WRITERS} processes x {UPDATES} updates in {elapsed:.2f} s "
        f"({WRITERS * UPDATES / elapsed:,.0f} updates/s; {rolled} rolled back); "
        f"reader: {report['snapshots']} snapshots, {report['violations']} violations, "
        f"{report['distinct']} distinct states of A seen"
    )
    assert report["violations"] == 0, report["examples"]
    assert report["snapshots"] > 0
    # the reader really ran alongside the writers: it saw intermediate states
    assert report["distinct"] > 2
