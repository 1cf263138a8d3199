"""Bulk work on shared arrays against the standard library (issue 11, speed and scale).

Run from the repository root::

    python benchmarks/bulk.py [--quick]

Every figure is a ratio measured in one run on the same ``Point`` (two float64) records,
best of 5 (3 for N = 10**6), structgen and stdlib interleaved:

1. ``SharedPointArray(N)`` / ``multiprocessing.Array(Point, N)``             (<= 3x)
2. memory kept per record (shared bytes + Python heap kept, tracemalloc) after
   writing every element once, / the stdlib's; and the peak while doing it
                                                                  (<= 1.2x, peak <= 2x)
3. ``arr[i] = PointData(...)`` / ``ma[i] = Point(...)``                    (<= 1.5x)
4. ``with arr.update() as it: it[i].x += 1`` / ``with lock: ma[i].x += 1`` (<= 1.5x)
5. ``with arr.update() as it: for v in it: v.x += 1``, per record, / the stdlib's
   locked loop ``with lock: for p in ma.get_obj(): p.x += 1``               (<= 1.3x)
6. ``arr.to_numpy()`` / numpy copying the same bytes (``np.frombuffer(..).copy()``)
                                                                             (<= 1.5x)
7. sum of ``x``: the stdlib's locked loop / ``with arr.numpy() as a: a["x"].sum()``
                                                                             (>= 100x)
8. ``arr.snapshot()`` / ``[(p.x, p.y) for p in ma]``                       (<= 1.0x)

This is a report, not a test: it exits 0 whatever the figures.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import multiprocessing
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from generated.geometry import Point, PointData, SharedPointArray


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def pair(
    ours: Callable[[], object], theirs: Callable[[], object], repeat: int
) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeat):
        b.append(best(theirs, 1))
        a.append(best(ours, 1))
    return min(a), min(b)


def kept(make: Callable[[], Any], fill: Callable[[Any], None]) -> tuple[float, float]:
    """(bytes kept, peak bytes) of Python heap plus the shared bytes, per record."""
    gc.collect()
    tracemalloc.start()
    obj = make()
    fill(obj)
    gc.collect()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = len(obj)
    shared = n * ctypes.sizeof(Point)
    del obj
    return (current + shared) / n, (peak + shared) / n


def measure(n: int) -> list[str]:
    """The figures for one N, in the order of the table."""
    figures: list[str] = []
    repeat = 3 if n >= 10**6 else 5
    ours, theirs = pair(
        lambda: SharedPointArray(n), lambda: multiprocessing.Array(Point, n), repeat
    )
    figures.append(f"{ours / theirs:.2f}")

    k = min(n, 10**5)  # elements written (memory)

    def fill_ours(arr: Any) -> None:
        for i in range(k):
            arr[i] = PointData(1.0, 2.0)

    def fill_theirs(ma: Any) -> None:
        for i in range(k):
            ma[i] = Point(1.0, 2.0)

    ok, op = kept(lambda: SharedPointArray(n), fill_ours)
    tk, tp = kept(lambda: multiprocessing.Array(Point, n), fill_theirs)
    figures.append(f"{ok / tk:.2f}")
    figures.append(f"{op / tp:.2f}")

    arr = SharedPointArray(n)
    ma = multiprocessing.Array(Point, n)
    lock = ma.get_lock()
    obj = ma.get_obj()
    m = 10**4
    idx = [(i * 7919) % n for i in range(m)]
    data = PointData(1.0, 2.0)

    def set_ours() -> None:
        for i in idx:
            arr[i] = data

    def set_theirs() -> None:
        for i in idx:
            ma[i] = Point(1.0, 2.0)

    ours, theirs = pair(set_ours, set_theirs, 5)
    figures.append(f"{ours / theirs:.2f}")

    def one_ours() -> None:
        for i in idx:
            with arr.update() as items:
                items[i].x += 1

    def one_theirs() -> None:
        for i in idx:
            with lock:
                ma[i].x += 1

    ours, theirs = pair(one_ours, one_theirs, 5)
    figures.append(f"{ours / theirs:.2f}")

    def all_ours() -> None:
        with arr.update() as items:
            for v in items:
                v.x += 1

    def all_theirs() -> None:
        with lock:
            for p in obj:
                p.x += 1

    ours, theirs = pair(all_ours, all_theirs, repeat)
    figures.append(f"{ours / theirs:.2f}")

    raw = memoryview(obj).cast("B")
    ours, theirs = pair(
        arr.to_numpy, lambda: np.frombuffer(raw, dtype=np.uint8).copy(), repeat
    )
    figures.append(f"{ours / theirs:.2f}")

    def sum_ours() -> float:
        with arr.numpy() as a:
            return float(a["x"].sum())

    def sum_theirs() -> float:
        with lock:
            return sum(p.x for p in obj)

    ours, theirs = pair(sum_ours, sum_theirs, repeat)
    figures.append(f"{theirs / ours:.0f}")

    ours, theirs = pair(arr.snapshot, lambda: [(p.x, p.y) for p in ma], repeat)
    figures.append(f"{ours / theirs:.2f}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="N up to 10**5")
    args = parser.parse_args()
    sizes = [10**3, 10**4, 10**5] + ([] if args.quick else [10**6])
    rows: list[tuple[str, list[str], str]] = []

    def row(name: str, values: list[str], target: str) -> None:
        rows.append((name, values, target))

    columns = [measure(n) for n in sizes]
    ctor, memk, memp, setr, up1, upall, tonp, sums, snap = (
        [column[k] for column in columns] for k in range(9)
    )
    row("SharedPointArray(N) / multiprocessing.Array(Point, N)", ctor, "<= 3")
    row("memory kept per record / stdlib", memk, "<= 1.2")
    row("peak memory per record / stdlib", memp, "<= 2")
    row("arr[i] = data / ma[i] = Point(...)", setr, "<= 1.5")
    row("update() touching 1 element / with lock: ma[i].x += 1", up1, "<= 1.5")
    row("update() touching all N, per record / locked loop", upall, "<= 1.3")
    row("arr.to_numpy() / numpy copying the same bytes", tonp, "<= 1.5")
    row("sum of x: stdlib locked loop / arr.numpy()", sums, ">= 100")
    row("arr.snapshot() / [(p.x, p.y) for p in ma]", snap, "<= 1.0")
    heads = " | ".join(f"N=10^{len(str(n)) - 1}" for n in sizes)
    print(f"| figure | {heads} | target |")
    print("|---|" + "---|" * len(sizes) + "---|")
    for name, values, target in rows:
        print(f"| {name} | {' | '.join(values)} | {target} |")
    print(f"\n{platform_note()}")


def platform_note() -> str:
    import platform

    python = platform.python_version()
    return f"Python {python}, numpy {np.__version__}, {platform.machine()}"


if __name__ == "__main__":
    main()
