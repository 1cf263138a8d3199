"""SPEC §3 / issue 3 point 6: across processes a SharedX is the same memory and the
same lock (fork, spawn, forkserver, a Pool initializer); update() keeps exact totals
under contention; multi-field reads and writes are never seen torn; pickling outside
process spawning is refused.

Every join has a time limit: a child that hangs is killed and the test fails.
"""

from __future__ import annotations

import copy
import ctypes
import multiprocessing
import multiprocessing.reduction
import pickle
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
import shared_support as support
from shared_support import shapes_module, watchdog

METHODS = ["fork", "spawn", "forkserver"]
STRESS_N = 2500  # update() increments per process


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return shapes_module(tmp_path_factory)


@pytest.fixture(autouse=True)
def _watchdog() -> Iterator[None]:
    with watchdog():
        yield


def run_all(processes: list[Any], timeout: float = 60) -> list[int | None]:
    """Start, join with a deadline, kill what hangs; the exit codes."""
    for process in processes:
        process.start()
    return join_all(processes, timeout)


def join_all(processes: list[Any], timeout: float = 60) -> list[int | None]:
    deadline = time.monotonic() + timeout
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    hung = [process for process in processes if process.is_alive()]
    for process in hung:
        process.kill()
        process.join(5)
    assert not hung, f"{len(hung)} child process(es) hung"
    return [process.exitcode for process in processes]


# -- same memory, same lock ------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_record_passed_to_a_process_is_the_same_memory_and_lock(
    m: ModuleType, method: str
) -> None:
    ctx = multiprocessing.get_context(method)
    sprite = m.SharedSprite(count=41, name="parent", ctx=ctx)
    timed_out = ctx.Event()
    child = ctx.Process(
        target=support.child_same_memory_and_lock, args=(sprite, 41, timed_out)
    )
    with sprite:  # the child's timed update must fail while we hold the lock
        child.start()
        reported = timed_out.wait(30)
    codes = join_all([child])
    assert reported, "the child did not report its timeout"
    assert codes == [0], {3: "got the lock the parent held", 4: "other memory"}.get(
        codes[0], codes
    )
    obj = sprite.get_obj()
    assert obj.count == 42
    data = sprite.snapshot()
    assert data.origin.x == 0.5
    assert data.corners[2].y == -1.0
    assert data.samples[3][1] == 0.5
    assert data.name == "child"
    assert data.tag == b"ch\0\0"


@pytest.mark.parametrize("method", METHODS)
def test_array_passed_to_a_process_is_the_same_memory_and_lock(
    m: ModuleType, method: str
) -> None:
    ctx = multiprocessing.get_context(method)
    sprites = m.SharedSpriteArray([m.SpriteData(count=7)] * 3, ctx=ctx)
    timed_out = ctx.Event()
    child = ctx.Process(target=support.child_array_writes, args=(sprites, timed_out))
    with sprites:
        child.start()
        reported = timed_out.wait(30)
    assert join_all([child]) == [0]
    assert reported
    snap = sprites.snapshot()
    assert snap[0].count == 8
    assert snap[1] == snap[0]
    assert snap[2].origin.x == 4.5


@pytest.mark.parametrize("method", METHODS)
def test_records_sharing_one_lock_keep_sharing_it_in_a_child(
    m: ModuleType, method: str
) -> None:
    ctx = multiprocessing.get_context(method)
    lock = ctx.Lock()
    point = m.SharedPoint(lock=lock)
    counter = m.SharedCounter(count=41, lock=lock)
    timed_out = ctx.Event()
    # the child's timed update of ``counter`` fails while we hold ``point``
    child = ctx.Process(
        target=support.child_increment_when_free, args=(counter, timed_out)
    )
    with point.update() as view:
        view.x = 1.0
        child.start()
        reported = timed_out.wait(30)
    assert join_all([child]) == [0]
    assert reported
    assert counter.get_obj().count == 42


@pytest.mark.parametrize("method", METHODS)
def test_pool_initializer_shares_memory_and_lock(m: ModuleType, method: str) -> None:
    ctx = multiprocessing.get_context(method)
    counter = m.SharedCounter(ctx=ctx)
    pool = ctx.Pool(2, initializer=support.pool_init, initargs=(counter,))
    try:
        pids = pool.map_async(support.pool_increment, range(40)).get(timeout=60)
        assert counter.get_obj().count == 40
        with counter:
            held = pool.apply_async(support.pool_try_lock, (0.2,)).get(timeout=30)
        free = pool.apply_async(support.pool_try_lock, (5.0,)).get(timeout=30)
    finally:
        pool.terminate()
        pool.join()
    assert held == "timeout"
    assert free == "acquired"
    assert len(pids) == 40


# -- stress: exact totals --------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "lock"),
    [("fork", "default"), ("spawn", "default"), ("fork", "Lock"), ("spawn", "Lock")],
)
def test_four_processes_of_update_increments_reach_the_exact_total(
    m: ModuleType, method: str, lock: str
) -> None:
    ctx = multiprocessing.get_context(method)
    kwargs: dict[str, Any] = {"ctx": ctx} if lock == "default" else {"lock": ctx.Lock()}
    counter = m.SharedCounter(**kwargs)
    barrier = ctx.Barrier(4)
    children = [
        ctx.Process(target=support.child_increment, args=(counter, STRESS_N, barrier))
        for _ in range(4)
    ]
    assert run_all(children, timeout=90) == [0, 0, 0, 0]
    assert counter.get_obj().count == 4 * STRESS_N


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_four_processes_of_array_update_increments_reach_the_exact_total(
    m: ModuleType, method: str
) -> None:
    ctx = multiprocessing.get_context(method)
    counters = m.SharedCounterArray(3, ctx=ctx)
    barrier = ctx.Barrier(4)
    children = [
        ctx.Process(
            target=support.child_array_increment, args=(counters, STRESS_N, barrier)
        )
        for _ in range(4)
    ]
    assert run_all(children, timeout=90) == [0, 0, 0, 0]
    obj = counters.get_obj()
    assert (obj[0].count, obj[1].count, obj[2].hits) == (0, 4 * STRESS_N, 4 * STRESS_N)


# -- never torn ------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["set", "assign", "update", "rollback"])
def test_multi_field_writes_and_reads_are_never_seen_torn(
    m: ModuleType, how: str
) -> None:
    """Another process keeps writing (i, -i) with one set()/assign()/update() (or
    fails half of its updates half-done); each snapshot() and each read in an
    update() block sees y == -x, and never the x of a failed update."""
    ctx = multiprocessing.get_context("fork")
    pair = m.SharedPair(0.0, 0.0, ctx=ctx)
    started = ctx.Event()
    child = ctx.Process(
        target=support.child_write_pairs, args=(pair, how, 0.6, started)
    )
    child.start()
    try:
        assert started.wait(20)
        torn: list[tuple[float, float]] = []
        reads = 0
        seen = set()
        deadline = time.monotonic() + 20
        while child.is_alive() and time.monotonic() < deadline:
            data = pair.snapshot()
            seen.add(data.x)
            if data.y != -data.x or (how == "rollback" and data.x % 2):
                torn.append((data.x, data.y))
            with pair.update() as view:
                x, y = view.x, view.y
            if y != -x:
                torn.append((x, y))
            reads += 1
    finally:
        codes = join_all([child])
    assert codes == [0]
    assert not torn, f"{len(torn)} torn reads of {reads}, e.g. {torn[:3]}"
    assert len(seen) > 10, "reader and writer did not overlap"


def test_array_snapshots_are_never_seen_torn(m: ModuleType) -> None:
    ctx = multiprocessing.get_context("fork")
    pairs = m.SharedPairArray(4, ctx=ctx)
    started = ctx.Event()
    child = ctx.Process(
        target=support.child_write_array_pairs, args=(pairs, 0.6, started)
    )
    child.start()
    try:
        assert started.wait(20)
        torn = []
        reads = 0
        deadline = time.monotonic() + 20
        while child.is_alive() and time.monotonic() < deadline:
            for item in pairs.snapshot():
                if item.y != -item.x:
                    torn.append(item)
            item = pairs[2]
            if item.y != -item.x:
                torn.append(item)
            reads += 1
    finally:
        codes = join_all([child])
    assert codes == [0]
    assert not torn, f"{len(torn)} torn reads of {reads}, e.g. {torn[:3]}"
    assert reads > 10


# -- pickling --------------------------------------------------------------------------


def shared_objects(m: ModuleType) -> list[Any]:
    return [
        m.SharedPoint(),
        m.SharedPoint(lock=False),
        m.SharedPoint(lock=multiprocessing.Lock()),
        m.SharedPointArray(2),
        m.SharedPointArray(2, lock=False),
        m.SharedPoint.from_value(multiprocessing.Value(m.Point)),
        m.SharedPoint.from_value(multiprocessing.RawValue(m.Point)),
    ]


@pytest.mark.parametrize("index", range(7))
def test_pickling_outside_process_spawning_is_refused(
    m: ModuleType, index: int
) -> None:
    shared = shared_objects(m)[index]
    with pytest.raises(RuntimeError, match=r"(?i)process|inherit|spawn"):
        pickle.dumps(shared)
    with pytest.raises(RuntimeError):
        multiprocessing.reduction.ForkingPickler.dumps(shared)


@pytest.mark.parametrize("index", range(7))
def test_copying_never_makes_a_silent_private_copy(m: ModuleType, index: int) -> None:
    """Not pickling, but the same hazard: a copy would look shared and not be. Either
    refuse, or share the very same memory."""
    shared = shared_objects(m)[index]
    for function in (copy.copy, copy.deepcopy):
        try:
            duplicate = function(shared)
        except (RuntimeError, TypeError):
            continue
        assert ctypes.addressof(duplicate.get_obj()) == ctypes.addressof(
            shared.get_obj()
        ), f"{function.__name__} made a private copy"
