"""A producer and two consumers sharing a queue of ``Job`` slots in shared memory.

Run from the repository root::

    python examples/producer_consumer.py

The queue is a ``SharedJobArray``: a fixed number of slots, each a ``Job`` record with a
``state`` (EMPTY, READY, TAKEN, CLOSED). The producer puts each job into an EMPTY slot
and marks it READY; a consumer claims a READY slot by marking it TAKEN (its own id in
``taken_by``), does the work outside the lock, then empties the slot. Every look at a
slot and every change of it happens inside one ``with queue.update() as slots:`` block,
so two consumers can never claim the same job and the producer never overwrites a job
that was not taken. When all jobs are out, the producer puts one CLOSED slot per
consumer, and each consumer stops at the first one it takes.

Each consumer reports the jobs it did; the example checks that every job produced was
consumed exactly once (none lost, none duplicated) and exits 1 otherwise.
"""

from __future__ import annotations

import collections
import multiprocessing
import multiprocessing.queues
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for "import generated"

from generated.jobs import JobState, SharedJobArray

SLOTS = 4
JOBS = 200
CONSUMERS = 2
PAUSE = 0.0002  # seconds to wait when there is nothing to do


def payload_of(job_id: int) -> int:
    return 1_000 + 7 * job_id


def put(queue: SharedJobArray, state: JobState, job_id: int, payload: int) -> None:
    """Wait for an EMPTY slot and fill it, in one update() per attempt."""
    while True:
        with queue.update() as slots:
            for slot in slots:
                if slot.state == JobState.EMPTY:
                    slot.state = state
                    slot.job_id = job_id
                    slot.payload = payload
                    slot.taken_by = -1
                    return
        time.sleep(PAUSE)  # the queue is full: let the consumers catch up


def produce(queue: SharedJobArray) -> None:
    for job_id in range(JOBS):
        put(queue, JobState.READY, job_id, payload_of(job_id))
    for _ in range(CONSUMERS):
        put(queue, JobState.CLOSED, -1, 0)


def consume(
    queue: SharedJobArray,
    consumer: int,
    results: multiprocessing.queues.Queue[tuple[int, list[tuple[int, int]]]],
) -> None:
    done: list[tuple[int, int]] = []  # (job_id, result)
    while True:
        claimed: tuple[int, int, int] | None = None  # (slot, job_id, payload)
        closed = False
        with queue.update() as slots:
            states = [slot.state for slot in slots]
            if JobState.READY in states:  # jobs first: a CLOSED slot may come earlier
                index = states.index(JobState.READY)
                slot = slots[index]
                slot.state = JobState.TAKEN  # claimed: no one else will take it
                slot.taken_by = consumer
                claimed = (index, slot.job_id, slot.payload)
            elif JobState.CLOSED in states:
                slots[states.index(JobState.CLOSED)].state = JobState.EMPTY
                closed = True
        if closed:
            break
        if claimed is None:
            time.sleep(PAUSE)  # the queue is empty: wait for the producer
            continue
        index, job_id, payload = claimed
        result = payload * payload  # the work, done without holding the lock
        with queue.update() as slots:
            slot = slots[index]
            if slot.state != JobState.TAKEN or slot.taken_by != consumer:
                raise RuntimeError(f"consumer {consumer}: slot {index} changed hands")
            slot.state = JobState.EMPTY
        done.append((job_id, result))
    results.put((consumer, done))


def main() -> int:
    queue = SharedJobArray(SLOTS)
    results: multiprocessing.queues.Queue[tuple[int, list[tuple[int, int]]]] = (
        multiprocessing.Queue()
    )
    producer = multiprocessing.Process(target=produce, args=(queue,))
    consumers = [
        multiprocessing.Process(target=consume, args=(queue, consumer, results))
        for consumer in range(CONSUMERS)
    ]
    for process in [producer, *consumers]:
        process.start()
    reports = dict(results.get(timeout=60) for _ in consumers)
    for process in [producer, *consumers]:
        process.join()

    failures: list[str] = []
    print(f"produced: {JOBS} jobs (ids 0..{JOBS - 1}) through {SLOTS} slots")
    consumed: list[int] = []
    for consumer, done in sorted(reports.items()):
        print(f"consumer {consumer}: took {len(done)} jobs")
        consumed.extend(job_id for job_id, _ in done)
        failures += [
            f"job {job_id}: wrong result {result}"
            for job_id, result in done
            if result != payload_of(job_id) ** 2
        ]
    lost = sorted(set(range(JOBS)) - set(consumed))
    counts = collections.Counter(consumed)
    duplicated = sorted(job_id for job_id, times in counts.items() if times > 1)
    print(
        f"consumed: {len(consumed)} jobs, {len(set(consumed))} distinct; "
        f"lost {len(lost)}, duplicated {len(duplicated)}"
    )
    leftover = [slot for slot in queue.snapshot() if slot.state != JobState.EMPTY]
    failures += [f"lost jobs: {lost}"] if lost else []
    failures += [f"duplicated jobs: {duplicated}"] if duplicated else []
    failures += [f"slots left non-empty: {leftover}"] if leftover else []
    failures += [
        f"{process.name} exited with {process.exitcode}"
        for process in [producer, *consumers]
        if process.exitcode != 0
    ]
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        return 1
    print("OK: every job consumed exactly once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
