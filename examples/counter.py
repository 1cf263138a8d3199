"""The tutorial's counter: ``update()`` never loses an increment; ``+=`` does.

Run from the repository root::

    python examples/counter.py

Two processes increment one shared ``Counter``. With ``with c.update() as v:
v.count += 1`` the read and the write happen under one lock acquisition, so the total is
exact. With a plain ``c.count += 1`` the read and the write each take the lock, but
separately: another process can write in between, and its increment is lost. The
workers start together behind a barrier so that they really do overlap.

Exits 1 if the ``update()`` total is not exact (the lost updates of ``+=`` are what it
shows, not a failure).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for "import generated"

from generated.counter import SharedCounter

WORKERS = 2
ATOMIC_INCREMENTS = 1_000  # per worker, with update()
# Per worker, with +=: enough to span several scheduler time slices, so that the
# workers overlap and lose updates every time, even sharing one busy CPU.
PLAIN_INCREMENTS = 100_000


def count_atomically(
    counter: SharedCounter, barrier: multiprocessing.synchronize.Barrier, worker: int
) -> None:
    barrier.wait()
    for _ in range(ATOMIC_INCREMENTS):
        with counter.update() as v:  # one lock acquisition for read + write
            v.count += 1
            v.last_worker = worker


def count_plainly(
    counter: SharedCounter, barrier: multiprocessing.synchronize.Barrier, worker: int
) -> None:
    barrier.wait()
    for _ in range(PLAIN_INCREMENTS):
        counter.count += 1  # a locked read, then a locked write: not atomic


Worker = Callable[[SharedCounter, multiprocessing.synchronize.Barrier, int], None]


def run(target: Worker, counter: SharedCounter) -> int:
    """Run ``WORKERS`` processes of ``target`` together; the counter's final count."""
    barrier = multiprocessing.Barrier(WORKERS)
    workers = [
        multiprocessing.Process(target=target, args=(counter, barrier, worker))
        for worker in range(WORKERS)
    ]
    for process in workers:
        process.start()
    for process in workers:
        process.join()
        if process.exitcode != 0:
            sys.exit(f"a worker failed with exit code {process.exitcode}")
    return counter.count


def main() -> int:
    atomic = run(count_atomically, SharedCounter())
    atomic_expected = WORKERS * ATOMIC_INCREMENTS
    print(
        f"update():  {WORKERS} x {ATOMIC_INCREMENTS:,} increments -> "
        f"{atomic:,} (expected {atomic_expected:,})"
    )

    plain = run(count_plainly, SharedCounter())
    plain_expected = WORKERS * PLAIN_INCREMENTS
    lost = plain_expected - plain
    print(
        f"plain +=:  {WORKERS} x {PLAIN_INCREMENTS:,} increments -> "
        f"{plain:,} (expected {plain_expected:,}, lost {lost:,})"
    )

    if atomic != atomic_expected:
        print("FAIL: update() lost increments", file=sys.stderr)
        return 1
    print("OK: update() is exact", end="")
    print("; plain += lost updates" if lost else "; plain += lost none this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
