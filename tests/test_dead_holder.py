"""A dead lock holder (issue 4, point 5): a process SIGKILLed inside ``update()``.

SIGKILL runs no ``finally`` and no ``__exit__``: the process dies holding the lock, and
whatever its block had written so far stays in shared memory. What a user can rely on,
and what these tests prove, for the default RLock and for a plain ``Lock``, under fork
and spawn:

* ``update(timeout=s)`` in another process raises ``TimeoutError`` after about ``s``
  seconds and never hangs (each attempt runs in a child process with a hard timeout, so
  a hang fails the test instead of freezing it); ``timeout=0`` fails at once. The same
  holds for ``Shared...Array.update(timeout=s)``.
* The half-done update is *not* rolled back: the memory shows the writes the block made
  before the kill (read here through ``get_obj()``, which takes no lock). The record
  is torn until someone repairs it.
* Recovery by hand: a plain ``multiprocessing.Lock`` may be released by any process, so
  once the holder is known to be dead (``Process.exitcode == -SIGKILL``) a supervisor
  can repair the record and ``release()`` the lock, and ``update()`` works again. An
  RLock refuses a release by a process that does not own it: the record's lock is gone
  for good and the data must be moved to a new record.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.queues
import multiprocessing.synchronize
import os
import signal
import sys
import time
from typing import Any

import pytest
from conftest import Generate

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

HARD_TIMEOUT = 20.0  # seconds a child may take before the test calls it a hang
# Wall time a timed-out attempt may take beyond its timeout: generous, for a busy
# machine; an attempt that ignored its timeout would wait for HARD_TIMEOUT.
LATE = 10.0
TIMEOUT = 0.5

SCHEMA = """\
records:
  Pair:
    doc: Every update keeps x + y == 0.
    fields:
      x: int64
      y: int64
      note: str[16]
"""


def hold_and_wait(
    shared: Any, ready: multiprocessing.synchronize.Event, array: bool
) -> None:
    """Enter ``update()``, write half of the step, signal, and wait to be killed."""
    if array:
        with shared.update() as items:
            items[1].x += 1
            items[1].note = "half done"
            ready.set()
            time.sleep(3600)
            items[1].y -= 1  # never reached
    else:
        with shared.update() as view:
            view.x += 1
            view.note = "half done"
            ready.set()
            time.sleep(3600)
            view.y -= 1  # never reached


def try_update(
    shared: Any, timeout: float, results: multiprocessing.queues.Queue[Any]
) -> None:
    """Try one ``update(timeout=)``; report what happened and how long it took."""
    began = time.monotonic()
    try:
        with shared.update(timeout=timeout) as view:
            target = view[0] if hasattr(shared, "__len__") else view  # an array
            target.x += 100
            target.y -= 100
        outcome, message = "acquired", ""
    except TimeoutError as error:
        outcome, message = "TimeoutError", str(error)
    except BaseException as error:  # reported, so that the test shows it
        outcome, message = type(error).__name__, str(error)
    results.put((outcome, message, time.monotonic() - began))


def release_from_elsewhere(
    lock: Any, results: multiprocessing.queues.Queue[Any]
) -> None:
    """A supervisor's attempt to free a lock whose holder died."""
    try:
        lock.release()
        results.put(("released", ""))
    except BaseException as error:
        results.put((type(error).__name__, str(error)))


def in_child(ctx: Any, target: Any, *args: Any) -> Any:
    """Run ``target(*args, results)`` in a child; its result, or fail if it hangs."""
    results = ctx.Queue()
    child = ctx.Process(target=target, args=(*args, results))
    child.start()
    child.join(HARD_TIMEOUT)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"{target.__name__} hung for more than {HARD_TIMEOUT} s")
    assert child.exitcode == 0, f"{target.__name__} exited with {child.exitcode}"
    return results.get(timeout=5)


def kill_inside_update(ctx: Any, shared: Any, array: bool = False) -> None:
    """Start a process that enters ``update()`` and SIGKILL it there."""
    ready = ctx.Event()
    holder = ctx.Process(target=hold_and_wait, args=(shared, ready, array))
    holder.start()
    try:
        assert ready.wait(HARD_TIMEOUT), "the holder never entered update()"
        os.kill(holder.pid, signal.SIGKILL)
        holder.join(HARD_TIMEOUT)
    finally:
        if holder.is_alive():
            holder.kill()
            holder.join()
    assert holder.exitcode == -signal.SIGKILL


def make_lock(ctx: Any, kind: str) -> Any:
    return {"default": True, "rlock": ctx.RLock(), "lock": ctx.Lock()}[kind]


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize("kind", ["default", "rlock", "lock"])
def test_update_with_timeout_raises_after_holder_was_killed(
    generate: Generate, method: str, kind: str
) -> None:
    ctx = multiprocessing.get_context(method)
    module = generate({"pairs.yaml": SCHEMA}).pairs
    shared = module.SharedPair(lock=make_lock(ctx, kind), ctx=ctx)
    kill_inside_update(ctx, shared)

    outcome, message, elapsed = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "TimeoutError", message
    assert "Pair" in message and "0.5" in message
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + LATE, elapsed
    outcome, message, elapsed = in_child(ctx, try_update, shared, 0)
    assert outcome == "TimeoutError", message
    assert elapsed < LATE, elapsed
    # and again: a timed-out attempt leaves nothing behind that could change that
    outcome, _, elapsed = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "TimeoutError" and TIMEOUT * 0.9 <= elapsed < TIMEOUT + LATE

    # The SIGKILLed block is not rolled back: its first writes are in shared memory.
    raw = shared.get_obj()  # no lock: the lock is held by a dead process
    assert (raw.x, raw.y, raw.note) == (1, 0, b"half done")
    assert raw.x + raw.y == 1  # the invariant x + y == 0 is broken: a torn record


@pytest.mark.parametrize("kind", ["default", "lock"])
def test_array_update_with_timeout_raises_after_holder_was_killed(
    generate: Generate, kind: str
) -> None:
    ctx = multiprocessing.get_context("fork")
    module = generate({"pairs.yaml": SCHEMA}).pairs
    shared = module.SharedPairArray(3, lock=make_lock(ctx, kind), ctx=ctx)
    kill_inside_update(ctx, shared, array=True)

    outcome, message, elapsed = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "TimeoutError", message
    assert "PairArray" in message
    assert TIMEOUT * 0.9 <= elapsed < TIMEOUT + LATE, elapsed
    raw = shared.get_obj()
    assert [(item.x, item.y, item.note) for item in raw] == [
        (0, 0, b""), (1, 0, b"half done"), (0, 0, b""),
    ]  # fmt: skip


def test_plain_lock_can_be_released_by_a_supervisor_after_repair(
    generate: Generate,
) -> None:
    ctx = multiprocessing.get_context("fork")
    module = generate({"pairs.yaml": SCHEMA}).pairs
    shared = module.SharedPair(lock=ctx.Lock(), ctx=ctx)
    kill_inside_update(ctx, shared)

    # the supervisor knows the holder is dead: it repairs the record, frees the lock
    raw = shared.get_obj()
    raw.x, raw.y, raw.note = 0, 0, b"repaired"
    assert in_child(ctx, release_from_elsewhere, shared.get_lock()) == ("released", "")
    outcome, message, _ = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "acquired", message
    assert shared.snapshot() == module.PairData(x=100, y=-100, note="repaired")


def test_rlock_of_a_dead_holder_cannot_be_released_elsewhere(
    generate: Generate,
) -> None:
    ctx = multiprocessing.get_context("fork")
    module = generate({"pairs.yaml": SCHEMA}).pairs
    shared = module.SharedPair(ctx=ctx)  # the default: a reentrant lock
    kill_inside_update(ctx, shared)

    outcome, _message = in_child(ctx, release_from_elsewhere, shared.get_lock())
    assert outcome == "AssertionError"  # "attempt to release recursive lock not owned"
    outcome, message, _ = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "TimeoutError", message
    # what is left: copy the (repaired) data into a new record with a new lock
    raw = shared.get_obj()
    fresh = module.SharedPair(x=raw.x, y=-raw.x, note="moved", ctx=ctx)
    outcome, message, _ = in_child(ctx, try_update, fresh, TIMEOUT)
    assert outcome == "acquired", message
    assert fresh.snapshot() == module.PairData(x=101, y=-101, note="moved")


def test_a_process_killed_outside_update_leaves_the_lock_free(
    generate: Generate,
) -> None:
    """The control case: only a kill while the lock is held leaves it held."""
    ctx = multiprocessing.get_context("fork")
    module = generate({"pairs.yaml": SCHEMA}).pairs
    shared = module.SharedPair(ctx=ctx)
    outcome, message, _ = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "acquired", message
    holder = ctx.Process(target=time.sleep, args=(3600,))
    holder.start()
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(HARD_TIMEOUT)
    outcome, message, _ = in_child(ctx, try_update, shared, TIMEOUT)
    assert outcome == "acquired", message  # (else: TimeoutError after TIMEOUT)
    assert shared.snapshot() == module.PairData(x=200, y=-200)
