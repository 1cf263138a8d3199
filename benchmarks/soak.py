"""Soak test: many processes update shared records for long; nothing is lost or torn.

Run from the repository root (with the project installed, e.g. in ``.venv``)::

    .venv/bin/python benchmarks/soak.py --processes 8 --duration 90
    .venv/bin/python benchmarks/soak.py --updates 100000 --start-method spawn

The longer sibling of ``tests/test_stress.py``. It builds its own schema into a
temporary package, then ``--processes`` writers update five shared things until each
has done ``--updates`` updates or ``--duration`` seconds have passed, whichever comes
first:

* ``A`` and ``B``: two records sharing one ``multiprocessing.RLock`` (``lock=``); an
  update of ``A`` also moves a token from ``A`` to ``B`` in the same step (nested
  ``update()`` blocks), so ``A.z + B.z == 0`` holds across the two records;
* ``C``: a record with its own RLock, updated with ``update(timeout=...)``;
* ``D``: a record with its own plain ``Lock``; every 97th update of it raises inside
  the block after half its writes and must be rolled back;
* ``E``: a ``Shared...Array`` of 4 records under one lock.

Each update does ``x += 1; y -= 1; count += 1; per_worker[w] += 1``. A reader process
checks ``x + y == 0``, ``x == count``, ``sum(per_worker) == count`` (and the token
invariant of ``A``/``B``, read under their shared lock) on every ``snapshot()`` it
takes.
At the end every writer's committed updates must equal what the records counted.

Prints processes x updates, time, throughput, snapshots checked and violations; exits 1
if any check failed.
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROLLBACK_EVERY = 97
CELLS = ("A", "B", "C", "D")
ELEMENTS = 4
TARGETS = (*CELLS, *(f"E{i}" for i in range(ELEMENTS)))
CHECK_CLOCK_EVERY = 256  # updates between looks at the clock


def schema(processes: int) -> str:
    return f"""\
doc: Records for the soak test.
records:
  Cell:
    fields:
      x: int64
      y: int64
      count: uint64
      z: int64
      per_worker: uint64[{processes}]
      last: str[8]
"""


class Planned(Exception):
    """Raised inside an update block on purpose, to exercise the rollback."""


def target_of(worker: int, number: int) -> str:
    choice = (number + worker) % 5
    if choice < 4:
        return CELLS[choice]
    return f"E{(number // 5 + worker) % ELEMENTS}"


def _bump(view: Any, worker: int) -> None:
    view.x += 1
    view.y -= 1
    view.count += 1
    view.per_worker[worker] += 1
    view.last = f"w{worker}"


def writer(
    worker: int,
    updates: int,
    duration: float,
    records: dict[str, Any],
    start: multiprocessing.synchronize.Barrier,
    results: multiprocessing.queues.Queue[tuple[int, dict[str, int], int]],
) -> None:
    a, b, c, d, e = (records[name] for name in "ABCDE")
    committed = dict.fromkeys(TARGETS, 0)
    rolled = 0
    start.wait()
    stop_at = time.monotonic() + duration
    number = 0
    while number < updates:
        if number % CHECK_CLOCK_EVERY == 0 and time.monotonic() >= stop_at:
            break
        target = target_of(worker, number)
        if target == "A":
            with a.update() as va, b.update() as vb:
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
                    if number % ROLLBACK_EVERY == worker % ROLLBACK_EVERY:
                        raise Planned
                    vd.y -= 1
                    vd.per_worker[worker] += 1
                    vd.last = f"w{worker}"
            except Planned:
                rolled += 1
                number += 1
                continue
        else:
            with e.update() as items:
                _bump(items[int(target[1:])], worker)
        committed[target] += 1
        number += 1
    results.put((worker, committed, rolled))


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
    start.wait()
    while not stop.is_set():
        with pair_lock:
            first, second = a.snapshot(), b.snapshot()
        found = problems(first, "A") + problems(second, "B")
        if first.z + second.z != 0 or first.z != -first.count:
            found.append(f"A.z = {first.z}, B.z = {second.z}, A.count = {first.count}")
        found += problems(c.snapshot(), "C") + problems(d.snapshot(), "D")
        for index, item in enumerate(e.snapshot()):
            found += problems(item, f"E{index}")
        snapshots += 5
        if found:
            violations += len(found)
            examples = (examples + found)[:10]
    results.put(
        {"snapshots": snapshots, "violations": violations, "examples": examples}
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=8, help="writer processes")
    parser.add_argument(
        "--updates", type=int, default=10**12,
        help="updates per writer (default: no limit, --duration decides)",
    )  # fmt: skip
    parser.add_argument("--duration", type=float, default=60.0, help="seconds at most")
    parser.add_argument(
        "--start-method", default="fork",
        choices=multiprocessing.get_all_start_methods(),
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not 1 <= args.processes <= 256:
        parser.error("--processes must be between 1 and 256")

    folder = Path(tempfile.mkdtemp(prefix="structgen-soak-"))
    try:
        return run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run(args: argparse.Namespace, folder: Path) -> int:
    import structgen

    (folder / "schemas").mkdir()
    (folder / "schemas" / "soak.yaml").write_text(schema(args.processes))
    structgen.build([folder / "schemas"], folder / "soak_generated")
    sys.path.insert(0, str(folder))  # spawned children inherit sys.path
    module = importlib.import_module("soak_generated.soak")

    ctx = multiprocessing.get_context(args.start_method)
    pair_lock = ctx.RLock()
    records: dict[str, Any] = {
        "A": module.SharedCell(lock=pair_lock, ctx=ctx),
        "B": module.SharedCell(lock=pair_lock, ctx=ctx),
        "C": module.SharedCell(ctx=ctx),
        "D": module.SharedCell(lock=ctx.Lock(), ctx=ctx),
        "E": module.SharedCellArray(ELEMENTS, ctx=ctx),
    }
    start = ctx.Barrier(args.processes + 2)
    stop = ctx.Event()
    done: multiprocessing.queues.Queue[tuple[int, dict[str, int], int]] = ctx.Queue()
    report: multiprocessing.queues.Queue[dict[str, Any]] = ctx.Queue()
    writers = [
        ctx.Process(
            target=writer,
            args=(w, args.updates, args.duration, records, start, done),
        )
        for w in range(args.processes)
    ]
    watcher = ctx.Process(target=reader, args=(records, pair_lock, start, stop, report))
    for process in [*writers, watcher]:
        process.start()
    start.wait()
    began = time.perf_counter()
    outcomes = [done.get() for _ in writers]  # before join: a full queue blocks exit
    elapsed = time.perf_counter() - began
    for process in writers:
        process.join()
    stop.set()
    seen = report.get()
    watcher.join()

    failures: list[str] = []
    if any(p.exitcode != 0 for p in [*writers, watcher]):
        failures.append("a child process failed")
    expected = {name: [0] * args.processes for name in TARGETS}
    rolled = 0
    for worker, committed, rolled_back in outcomes:
        rolled += rolled_back
        for name, count in committed.items():
            expected[name][worker] = count
    final = {name: records[name].snapshot() for name in CELLS}
    final.update({f"E{i}": item for i, item in enumerate(records["E"].snapshot())})
    for name, data in final.items():
        if list(data.per_worker) != expected[name]:
            failures.append(f"{name}: per_worker {data.per_worker} != {expected[name]}")
        failures += problems(data, name)
    if final["B"].z != final["A"].count or final["A"].z != -final["A"].count:
        failures.append("A/B token totals are wrong")
    total = sum(sum(counts) for counts in expected.values())
    per_process = (total + rolled) / args.processes
    print(
        f"start method: {args.start_method}\n"
        f"processes x updates: {args.processes} x {per_process:,.0f} "
        f"= {total + rolled:,} updates ({total:,} committed, {rolled:,} rolled back)\n"
        f"time: {elapsed:.2f} s; throughput: {(total + rolled) / elapsed:,.0f} "
        f"updates/s\n"
        f"snapshots checked: {seen['snapshots']:,}; violations: {seen['violations']}\n"
        f"final totals exact: {'yes' if not failures else 'NO'}"
    )
    for line in [*seen["examples"], *failures][:20]:
        print(f"  {line}")
    return 1 if failures or seen["violations"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
