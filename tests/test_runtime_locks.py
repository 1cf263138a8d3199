"""The runtime's lock rules, tested directly: ``structgen.runtime.locks``."""

from __future__ import annotations

import math
import multiprocessing
import multiprocessing.synchronize
import threading
import time

import pytest

from structgen.runtime import locks


def test_true_and_none_make_a_new_rlock_false_makes_none() -> None:
    for arg in (True, None):
        made = locks._resolve_lock(arg, None, "SharedX")
        assert isinstance(made, multiprocessing.synchronize.RLock)
    spawn = multiprocessing.get_context("spawn")
    assert isinstance(
        locks._resolve_lock(True, spawn, "SharedX"), multiprocessing.synchronize.RLock
    )
    assert locks._resolve_lock(False, None, "SharedX") is None
    shared = multiprocessing.Lock()
    assert locks._resolve_lock(shared, None, "SharedX") is shared


def test_anything_else_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match=r"^SharedX: lock must be True, False, None"):
        locks._resolve_lock(threading.Lock(), None, "SharedX")
    with pytest.raises(TypeError, match="not str"):
        locks._resolve_lock("robust-ish", None, "SharedX")
    with pytest.raises(TypeError, match="ctx must be a multiprocessing context"):
        locks._resolve_lock(True, "fork", "SharedX")


def test_no_lock_acquires_and_releases_as_no_ops() -> None:
    acquire, release = locks._lock_functions(None, "SharedX")
    assert acquire() is True and acquire(False) is True
    release()


def test_an_rlock_is_reentrant_and_a_plain_lock_raises_instead_of_hanging() -> None:
    acquire, release = locks._lock_functions(multiprocessing.RLock(), "SharedX")
    assert acquire() and acquire()
    release()
    release()
    plain = multiprocessing.Lock()
    acquire, release = locks._lock_functions(plain, "SharedX")
    assert acquire()
    with pytest.raises(RuntimeError, match=r"^SharedX: this thread already holds"):
        acquire()
    release()
    assert acquire(True, 1.0)
    release()


def test_a_plain_lock_released_elsewhere_is_free_to_its_old_holder() -> None:
    plain = multiprocessing.Lock()
    acquire, release = locks._lock_functions(plain, "SharedX")
    assert acquire()
    worker = threading.Thread(target=plain.release)  # a Lock lets anyone release
    worker.start()
    worker.join()
    assert acquire()  # not a false "already holds" alarm
    release()


@pytest.mark.parametrize(
    ("timeout", "seconds"),
    [(None, None), (0, 0.0), (0.5, 0.5), (3, 3.0), (math.inf, None), (2e9, None)],
)
def test_timeouts_are_seconds_and_huge_ones_mean_no_limit(
    timeout: float | None, seconds: float | None
) -> None:
    assert locks._seconds(timeout, "SharedX") == seconds
    assert locks._seconds(10**400, "SharedX") is None  # beyond any float


def test_bad_timeouts_are_refused_at_once() -> None:
    for bad in (True, "1", [1]):
        with pytest.raises(TypeError, match=r"^SharedX\.update\(\): timeout must be"):
            locks._seconds(bad, "SharedX")
    with pytest.raises(ValueError, match="not nan"):
        locks._seconds(math.nan, "SharedX")


def test_a_contended_acquire_waits_then_gives_up_at_its_timeout() -> None:
    lock = multiprocessing.Lock()
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            held.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        started = time.monotonic()
        assert locks._acquire_contended(lock.acquire, 0.2) is False
        assert time.monotonic() - started >= 0.15
    finally:
        done.set()
        holder.join()
    assert locks._acquire_contended(lock.acquire, 0.2) is True
    lock.release()
