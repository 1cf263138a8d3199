"""Speed of the generated accessors against the standard library, on the same records.

Run from the repository root::

    python benchmarks/accessors.py [--quick]

Every figure compares structgen with the standard library's own way of doing the same
thing on the same ctypes Structure, measured in one run, so that the ratios hold on any
machine even where the nanoseconds do not:

a. a locked read or write of one field: ``SharedPoint.x`` against the synchronized
   property of ``multiprocessing.Value(Point)`` (float64; target: time ratio <= 1.05).
   The int64 rows are for information: a checked integer write pays for its range check.
b. ``with p.update() as v: v.x += 1; v.y += 1`` (checks and rollback included) against
   the stdlib's ``with v: v.x += 1; v.y += 1`` (target: >= 1.8x faster; aim 2.5x).
c. ``snapshot()`` of a 4-field record against reading its 4 fields one by one through
   ``multiprocessing.Value`` (target: no slower).
d. two processes doing 20,000 ``update()`` increments each against the best correct
   stdlib pattern, ``RawValue(Counter)`` plus an explicit ``multiprocessing.Lock`` with
   ``with lock: raw.count += 1`` (target: >= 0.8x its throughput). Totals are checked.
   For information, the same with ``update()``'s brief retries of a busy lock turned
   off (it then sleeps on the lock at once, as the stdlib does; fork only).
e. for information: that increment in one process, where the lock is never busy:
   ``update()`` on an int64 field against ``with lock: raw.count += 1``.

Single-process figures are the best of several timeit repeats, structgen and stdlib
interleaved; the multi-process figures are the median of several runs. Both include
timeit's loop overhead, printed for reference. This is a report, not a test: it exits 0
whatever the figures.
"""

from __future__ import annotations

import argparse
import ctypes
import multiprocessing
import multiprocessing.sharedctypes
import multiprocessing.synchronize
import platform
import statistics
import sys
import time
import timeit
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for "import generated"

from generated._structgen import locks as _locks
from generated.bench import Quad, SharedQuad
from generated.counter import Counter, SharedCounter
from generated.geometry import Point, SharedPoint

WORKERS = 2
INCREMENTS = 20_000  # per worker, for (d)


@dataclass
class Row:
    label: str
    ours: float  # ns per operation, or operations per second for a throughput row
    theirs: float
    kind: str  # "time": ours/theirs, lower is better; "speedup": theirs/ours;
    #            "throughput": ours/theirs, higher is better
    target: float | None  # None: for information only
    note: str = ""

    @property
    def ratio(self) -> float:
        if self.kind == "speedup":
            return self.theirs / self.ours
        return self.ours / self.theirs

    @property
    def verdict(self) -> str:
        if self.note.startswith("WRONG"):
            return "FAIL"
        if self.target is None:
            return "info"
        if self.kind == "time":
            return "PASS" if self.ratio <= self.target else "MISS"
        return "PASS" if self.ratio >= self.target else "MISS"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return "-"
        if self.kind == "time":
            return f"time <= {self.target:.2f}"
        if self.kind == "speedup":
            return f"speedup >= {self.target:.1f}"
        return f"thruput >= {self.target:.1f}"


# -- single process: timeit, best of several interleaved repeats ---------------------


def best_of(
    pairs: list[tuple[str, str]], names: dict[str, Any], number: int, repeat: int
) -> list[tuple[float, float]]:
    """ns/op of each (ours, theirs) statement pair: the best of ``repeat`` runs."""
    timers = [
        (timeit.Timer(ours, globals=names), timeit.Timer(theirs, globals=names))
        for ours, theirs in pairs
    ]
    best = [[float("inf"), float("inf")] for _ in pairs]
    for _ in range(repeat):
        for times, (ours_timer, theirs_timer) in zip(best, timers, strict=True):
            times[0] = min(times[0], ours_timer.timeit(number))
            times[1] = min(times[1], theirs_timer.timeit(number))
    return [(ours * 1e9 / number, theirs * 1e9 / number) for ours, theirs in best]


UPDATE = """
with p.update() as w:
    w.x += 1
    w.y += 1
"""
STDLIB_UPDATE = """
with v:
    v.x += 1
    v.y += 1
"""
COUNT = """
with c.update() as w:
    w.count += 1
"""
STDLIB_COUNT = """
with lk:
    rc.count += 1
"""


def single_process_rows(number: int, repeat: int) -> tuple[list[Row], float]:
    names: dict[str, Any] = {
        "p": SharedPoint(1.0, 2.0),
        "v": multiprocessing.Value(Point, 1.0, 2.0),
        "c": SharedCounter(7),
        "vc": multiprocessing.Value(Counter, 7, -1),
        "q": SharedQuad(1.0, 2.0, 3.0, 4.0),
        "vq": multiprocessing.Value(Quad, 1.0, 2.0, 3.0, 4.0),
        "rc": multiprocessing.RawValue(Counter),
        "lk": multiprocessing.Lock(),
    }
    cases: list[tuple[str, str, str, str, float | None]] = [
        ("a. float64 read    p.x", "p.x", "v.x", "time", 1.05),
        ("a. float64 write   p.x = 1.5", "p.x = 1.5", "v.x = 1.5", "time", 1.05),
        ("a. int64 read      c.count", "c.count", "vc.count", "time", None),
        ("a. int64 write     c.count = 5", "c.count = 5", "vc.count = 5", "time", None),
        ("b. update() x += 1; y += 1", UPDATE, STDLIB_UPDATE, "speedup", 1.8),
        (
            "c. snapshot() of 4 float64",
            "q.snapshot()",
            "vq.a; vq.b; vq.c; vq.d",
            "time",
            1.0,
        ),
        ("e. 1 proc: update() count += 1", COUNT, STDLIB_COUNT, "time", None),
    ]
    pairs = [(ours, theirs) for _, ours, theirs, _, _ in cases]
    pairs.append(("pass", "pass"))  # timeit's own loop overhead
    times = best_of(pairs, names, number, repeat)
    rows = [
        Row(label, ours, theirs, kind, target)
        for (label, _, _, kind, target), (ours, theirs) in zip(
            cases, times, strict=False
        )
    ]
    # The stdlib updates moved v and p: both did the same number of increments.
    return rows, min(times[-1])


# -- two processes: throughput of exact increments -----------------------------------


def count_with_update(counter: SharedCounter) -> None:
    for _ in range(INCREMENTS):
        with counter.update() as v:
            v.count += 1


def count_with_lock(pair: tuple[Any, multiprocessing.synchronize.Lock]) -> None:
    raw, lock = pair
    for _ in range(INCREMENTS):
        with lock:
            raw.count += 1


def timed_worker(
    work: Callable[[Any], None],
    subject: Any,
    barrier: multiprocessing.synchronize.Barrier,
    clock: Any,
    slot: int,
) -> None:
    barrier.wait()
    clock[2 * slot] = time.perf_counter()  # CLOCK_MONOTONIC: one clock for all
    work(subject)
    clock[2 * slot + 1] = time.perf_counter()


def elapsed(work: Callable[[Any], None], subject: Any) -> float:
    """Seconds from the workers' common start to the last one's end."""
    barrier = multiprocessing.Barrier(WORKERS)
    clock = multiprocessing.RawArray(ctypes.c_double, 2 * WORKERS)
    workers = [
        multiprocessing.Process(
            target=timed_worker, args=(work, subject, barrier, clock, slot)
        )
        for slot in range(WORKERS)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"a benchmark worker exited with {process.exitcode}")
    return max(clock[1::2]) - min(clock[0::2])


def throughput_row(runs: int, retries: bool = True) -> Row:
    expected = WORKERS * INCREMENTS
    ours: list[float] = []
    theirs: list[float] = []
    wrong: list[str] = []
    for _ in range(runs):
        counter = SharedCounter()
        ours.append(expected / elapsed(count_with_update, counter))
        if counter.count != expected:
            wrong.append(f"update() total {counter.count} != {expected}")
        raw = multiprocessing.RawValue(Counter)
        theirs.append(
            expected / elapsed(count_with_lock, (raw, multiprocessing.Lock()))
        )
        if raw.count != expected:
            wrong.append(f"stdlib total {raw.count} != {expected}")
    spread = (
        f"runs {min(ours) / 1e3:,.0f}..{max(ours) / 1e3:,.0f}k/s vs "
        f"{min(theirs) / 1e3:,.0f}..{max(theirs) / 1e3:,.0f}k/s"
    )
    note = (
        f"WRONG: {'; '.join(wrong)}"
        if wrong
        else f"totals exact ({expected:,}) in all {runs} runs of each; {spread}"
    )
    label = f"d. {WORKERS} procs x {INCREMENTS // 1000}k update() increments"
    return Row(
        label if retries else "d. the same, update() without retries",
        statistics.median(ours),
        statistics.median(theirs),
        "throughput",
        0.8 if retries else None,
        note,
    )


# -- report --------------------------------------------------------------------------


def print_table(rows: list[Row], overhead: float) -> None:
    header = (
        f"{'benchmark':<42} {'structgen':>11} {'stdlib':>11} "
        f"{'ratio':>7}  {'target':<15} result"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        if row.kind == "throughput":
            ours, theirs = f"{row.ours / 1e3:,.0f}k/s", f"{row.theirs / 1e3:,.0f}k/s"
        else:
            ours, theirs = f"{row.ours:,.0f} ns", f"{row.theirs:,.0f} ns"
        print(
            f"{row.label:<42} {ours:>11} {theirs:>11} {row.ratio:>6.3f}x  "
            f"{row.target_text:<15} {row.verdict}"
        )
        for note in row.note.split("; ") if row.note else []:
            print(f"{'':<3}{note}")
    print("-" * len(header))
    print(
        "ratio: 'time' rows structgen/stdlib (lower is better); 'speedup' stdlib/"
        "structgen;\n'thruput' structgen/stdlib operations per second (higher is "
        f"better). ns include timeit's\nloop overhead of {overhead:.0f} ns per op."
    )
    aim = next(row for row in rows if row.kind == "speedup")
    print(f"update() speed-up aim 2.5x: {'met' if aim.ratio >= 2.5 else 'not met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args()
    number, repeat, runs = (20_000, 3, 3) if args.quick else (100_000, 15, 9)

    print(
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{multiprocessing.cpu_count()} CPUs, start method "
        f"{multiprocessing.get_start_method()}; best of {repeat} x {number:,} "
        f"(single process), median of {runs} runs (processes)\n"
    )
    rows, overhead = single_process_rows(number, repeat)
    rows.append(throughput_row(runs))
    spins = _locks._SPINS
    _locks._SPINS = 0  # children inherit it under fork, spawn re-imports it
    try:
        if multiprocessing.get_start_method() == "fork":
            rows.append(throughput_row(runs, retries=False))
    finally:
        _locks._SPINS = spins
    print_table(rows, overhead)
    return 0


if __name__ == "__main__":
    sys.exit(main())
