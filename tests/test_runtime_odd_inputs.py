"""The odd inputs of the runtime (issue 9.4): each a clear message, nothing written.

- a shared array too large for the machine: a MemoryError naming the class, the count
  and the bytes, before anything is allocated;
- ``pickle`` of an ``update()`` view, live array or array items: TypeError, never a
  silent copy of shared memory;
- ``update(timeout=)`` on a busy lock: 0 or less makes one try (a negative timeout is a
  deadline already past), inf or a huge number waits for ever, None too.
"""

from __future__ import annotations

import errno
import math
import multiprocessing
import multiprocessing.sharedctypes
import os
import pickle
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from conftest import Generate

SCHEMA = """\
records:
  Vec3:
    fields: {x: float64, y: float64, z: float64}
  Body:
    fields:
      pos: Vec3
      path: Vec3[3]
      mass: {type: float32, default: 2.5}
      tag: {type: "str[4]", default: "ab"}
"""


@pytest.fixture
def ns(generate: Generate) -> Any:
    return generate({"shapes.yaml": SCHEMA}).shapes


def _shm() -> set[str]:
    try:
        return set(os.listdir("/dev/shm"))
    except FileNotFoundError:  # no /dev/shm here: nothing to leave behind
        return set()


# -- arrays too large ------------------------------------------------------------------


@pytest.mark.parametrize("count", [10**12, 2**63, 10**30])
def test_an_array_too_large_for_the_machine_says_how_large(ns: Any, count: int) -> None:
    before = _shm()
    started = time.monotonic()
    with pytest.raises(MemoryError) as info:
        ns.SharedVec3Array(count)
    assert time.monotonic() - started < 10  # refused, not tried
    message = str(info.value)
    assert message.startswith(f"SharedVec3Array({count:,}): {count:,} records of 24 ")
    assert f"are {count * 24:,} bytes; this machine has " in message
    assert _shm() == before


def test_an_allocation_the_system_refuses_says_how_large(
    ns: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(multiprocessing.sharedctypes, "RawArray", refuse)
    with pytest.raises(MemoryError, match=r"^SharedBodyArray\(1,000\): 1,000 records"):
        ns.SharedBodyArray(1000)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 8, 17, 1000])
def test_every_element_of_a_new_array_holds_the_defaults(ns: Any, count: int) -> None:
    bodies = ns.SharedBodyArray(count)
    assert bodies.snapshot() == [ns.BodyData()] * count
    assert ns.BodyData().mass == 2.5  # not zeroed memory


# -- pickling views --------------------------------------------------------------------


def test_views_are_never_pickled(ns: Any) -> None:
    body = ns.SharedBody()
    bodies = ns.SharedBodyArray(2)
    with body.update() as v:
        for live, what in [
            (v, "a view of Body"),
            (v.pos, "a view of Vec3"),
            (v.path, "a live array of Body.path"),
            (v.path[1], "a view of Vec3"),
        ]:
            with pytest.raises(TypeError, match=f"^cannot pickle {what}: it is live"):
                pickle.dumps(live)
    with bodies.update() as items:
        with pytest.raises(TypeError, match=r"^cannot pickle the items of Shared"):
            pickle.dumps(items)
        with pytest.raises(TypeError, match=r"^cannot pickle a view of Body"):
            pickle.dumps(items[1])
    assert pickle.loads(pickle.dumps(body.snapshot())) == ns.BodyData()


def test_a_view_given_to_a_new_process_is_refused(ns: Any) -> None:
    ctx = multiprocessing.get_context("spawn")
    body = ns.SharedBody(ctx=ctx)
    with body.update() as v:
        child = ctx.Process(target=print, args=(v,))
        with pytest.raises(TypeError, match=r"^cannot pickle a view of Body"):
            child.start()


# -- update(timeout=) on a busy lock ---------------------------------------------------


@contextmanager
def _busy_thread(shared: Any, seconds: float) -> Iterator[list[float]]:
    """The lock held by another thread for ``seconds``; yields [when it let go]."""
    held, released = threading.Event(), []

    def hold() -> None:
        with shared:
            held.set()
            time.sleep(seconds)
            released.append(time.monotonic())

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(30)
    try:
        yield released
    finally:
        holder.join(60)


def _hold_in_child(shared: Any, held: Any, release: Any) -> None:
    with shared:
        held.set()
        release.wait(60)


@pytest.mark.parametrize("timeout", [-1, -0.5, -math.inf, 0, 0.0])
@pytest.mark.parametrize("kind", ["record", "array"])
def test_a_timeout_of_zero_or_less_makes_one_try(
    ns: Any, timeout: float, kind: str
) -> None:
    shared = ns.SharedBody() if kind == "record" else ns.SharedBodyArray(2)
    with _busy_thread(shared, 1.0) as released:
        started = time.monotonic()
        with pytest.raises(TimeoutError) as info, shared.update(timeout=timeout):
            pass  # pragma: no cover
        assert not released  # it did not wait for the holder
        assert time.monotonic() - started < 0.9
    message = str(info.value)
    assert f"lock busy, and timeout={float(timeout)} does not wait" in message
    assert "None waits for ever" in message
    assert "within" not in message


@pytest.mark.parametrize("timeout", [math.inf, 1e300, 10**400, 2e9])
@pytest.mark.parametrize("kind", ["record", "array"])
def test_an_infinite_or_huge_timeout_waits_for_the_lock(
    ns: Any, timeout: float, kind: str
) -> None:
    shared = ns.SharedBody() if kind == "record" else ns.SharedBodyArray(2)
    with _busy_thread(shared, 0.3) as released, shared.update(timeout=timeout):
        assert released  # entered only once the holder let go


def test_a_positive_timeout_says_how_long_it_waited(ns: Any) -> None:
    body = ns.SharedBody()
    with (
        _busy_thread(body, 2.0),
        pytest.raises(TimeoutError) as info,
        body.update(timeout=0.2),
    ):
        pass  # pragma: no cover
    assert "lock not acquired within 0.2 s" in str(info.value)


@pytest.mark.parametrize(
    ("timeout", "waits"), [(-1, False), (0, False), (math.inf, True), (1e12, True)]
)
def test_timeouts_on_a_lock_another_process_holds(
    ns: Any, timeout: float, waits: bool
) -> None:
    ctx = multiprocessing.get_context("fork")
    body = ns.SharedBody(ctx=ctx)
    held, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=_hold_in_child, args=(body, held, release))
    child.start()
    try:
        assert held.wait(30)
        if not waits:
            refused = pytest.raises(TimeoutError, match="does not wait")
            with refused, body.update(timeout=timeout):
                pass  # pragma: no cover
        else:
            timer = threading.Timer(0.3, release.set)
            timer.start()
            with body.update(timeout=timeout) as v:
                assert release.is_set()
                v.mass = 1.0
            timer.join()
            assert body.mass == 1.0
    finally:
        release.set()
        child.join(60)
    assert child.exitcode == 0
