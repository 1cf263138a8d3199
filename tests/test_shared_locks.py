"""SPEC §3 lock rules: ``lock=True/None/False``, an existing multiprocessing lock
(shared by several records), ``TypeError`` for anything else, a clear ``RuntimeError``
instead of a hang when a plain Lock is re-entered, and ``update(timeout=)``.

Whatever could hang runs in a subprocess with a time limit (``run_python``), so a
deadlock fails the test instead of blocking CI.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.synchronize
import subprocess
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from shared_support import run_python, shapes_module, watchdog


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return shapes_module(tmp_path_factory)


@pytest.fixture(autouse=True)
def _watchdog() -> Iterator[None]:
    with watchdog():
        yield


def make(m: ModuleType, kind: str, **kwargs: Any) -> Any:
    if kind == "record":
        return m.SharedPoint(1.0, 2.0, **kwargs)
    if kind == "array":
        return m.SharedPointArray(2, **kwargs)
    if kind == "from_value":
        return m.SharedPoint.from_value(multiprocessing.RawValue(m.Point), **kwargs)
    raise AssertionError(kind)


KINDS = ["record", "array"]


# -- what lock= accepts ----------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("lock", [True, None], ids=["True", "None"])
def test_default_lock_is_a_new_reentrant_lock(
    m: ModuleType, kind: str, lock: Any
) -> None:
    a = make(m, kind, lock=lock)
    b = make(m, kind, lock=lock)
    assert isinstance(a.get_lock(), multiprocessing.synchronize.RLock)
    assert a.get_lock() is not b.get_lock()


def test_default_lock_is_the_default(m: ModuleType) -> None:
    assert isinstance(m.SharedPoint().get_lock(), multiprocessing.synchronize.RLock)
    assert isinstance(
        m.SharedPointArray(1).get_lock(), multiprocessing.synchronize.RLock
    )


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
@pytest.mark.parametrize("kind", KINDS)
def test_default_lock_comes_from_ctx(m: ModuleType, kind: str, method: str) -> None:
    ctx = multiprocessing.get_context(method)
    lock = make(m, kind, ctx=ctx).get_lock()
    assert isinstance(lock, multiprocessing.synchronize.RLock)
    # a lock made by a fork context cannot go to a spawned child; one made by ctx can
    # (test_shared_processes.py passes records made with ctx to spawned children)
    if not hasattr(lock, "_is_fork_ctx"):
        pytest.skip("this Python's SemLock does not record its context")
    assert lock._is_fork_ctx == (method == "fork")


@pytest.mark.parametrize("kind", [*KINDS, "from_value"])
def test_lock_false_means_no_synchronization(m: ModuleType, kind: str) -> None:
    shared = make(m, kind, lock=False)
    assert shared.get_lock() is None
    with shared, shared.update(), shared.update(timeout=0.01):
        pass
    if kind != "array":
        shared.x = 3.0
        shared.set(y=4.0)
        assert shared.snapshot() == m.PointData(3.0, 4.0)
    else:
        shared[0] = m.PointData(3.0, 4.0)
        assert shared.snapshot()[0] == m.PointData(3.0, 4.0)


def existing_locks() -> list[Any]:
    params = []
    for method in ["fork", "spawn", "forkserver"]:
        ctx = multiprocessing.get_context(method)
        params.append(pytest.param(ctx.Lock, id=f"{method}-Lock"))
        params.append(pytest.param(ctx.RLock, id=f"{method}-RLock"))
    params.append(pytest.param(multiprocessing.Lock, id="default-Lock"))
    params.append(pytest.param(multiprocessing.RLock, id="default-RLock"))
    return params


@pytest.mark.parametrize("kind", [*KINDS, "from_value"])
@pytest.mark.parametrize("factory", existing_locks())
def test_an_existing_lock_is_used_as_is(m: ModuleType, kind: str, factory: Any) -> None:
    lock = factory()
    shared = make(m, kind, lock=lock)
    assert shared.get_lock() is lock
    if kind == "array":
        shared[1] = m.PointData(5.0, 6.0)
        assert shared[1] == m.PointData(5.0, 6.0)
    else:
        shared.x = 5.0
        assert shared.x == 5.0
    assert lock.acquire(timeout=1)  # released after use
    lock.release()


@pytest.mark.parametrize("factory", existing_locks())
def test_several_records_share_one_lock(m: ModuleType, factory: Any) -> None:
    lock = factory()
    a = m.SharedPoint(lock=lock)
    b = m.SharedCounter(lock=lock)
    c = m.SharedPointArray(2, lock=lock)
    assert a.get_lock() is b.get_lock() is c.get_lock() is lock
    outcome: list[str] = []

    def other_thread() -> None:
        for shared in (b, c):
            try:
                with shared.update(timeout=0.05):
                    outcome.append("acquired")
            except TimeoutError:
                outcome.append("timeout")

    with a.update() as view:  # holding a's lock holds b's and c's
        view.x = 1.0
        thread = threading.Thread(target=other_thread, daemon=True)
        thread.start()
        thread.join(10)
    assert outcome == ["timeout", "timeout"]
    b.count = 5  # and free again afterwards
    assert b.count == 5


NOT_LOCKS = [
    pytest.param(threading.Lock, id="threading.Lock"),
    pytest.param(threading.RLock, id="threading.RLock"),
    pytest.param(lambda: 1, id="1"),
    pytest.param(lambda: 0, id="0"),
    pytest.param(lambda: "x", id="str"),
    pytest.param(object, id="object"),
    pytest.param(multiprocessing.Semaphore, id="mp.Semaphore"),
    pytest.param(multiprocessing.BoundedSemaphore, id="mp.BoundedSemaphore"),
    pytest.param(multiprocessing.Event, id="mp.Event"),
    pytest.param(multiprocessing.Condition, id="mp.Condition"),
]


@pytest.mark.parametrize("kind", [*KINDS, "from_value"])
@pytest.mark.parametrize("factory", NOT_LOCKS)
def test_anything_else_is_a_type_error_at_once(
    m: ModuleType, kind: str, factory: Any
) -> None:
    with pytest.raises(TypeError, match="lock"):
        make(m, kind, lock=factory())


# -- re-entry: never a hang ------------------------------------------------------------

PRELUDE = """
import multiprocessing as mp, threading, time
from sg_issue3 import shapes as m
lock = {lock}
p = m.SharedPoint(1.0, 2.0, lock=lock)
q = m.SharedCounter(lock=lock)
arr = m.SharedPointArray(3, lock=lock)
"""

CHECK = """
try:
{body}
except RuntimeError as error:
    print("RuntimeError:", error)
else:
    print("no error")
# afterwards: the lock is free, nothing was torn, everything still works
assert lock is None or lock.acquire(False), "the lock was left held"
if lock is not None:
    lock.release()
assert p.snapshot() == m.PointData(1.0, 2.0), p.snapshot()
p.x = 3.0
with p.update() as v:
    v.y += 1
assert p.snapshot() == m.PointData(3.0, 3.0)
arr[0] = m.PointData(1.0, 1.0)
print("done")
"""

REENTRY = {
    "with-p-read": "with p:\n    p.x",
    "with-p-write": "with p:\n    p.x = 9.0",
    "with-p-with-p": "with p:\n    with p:\n        pass",
    "with-p-update": "with p:\n    with p.update() as v:\n        v.x = 9.0",
    "update-read": "with p.update():\n    p.y",
    "update-snapshot": "with p.update():\n    p.snapshot()",
    "update-set": "with p.update():\n    p.set(x=9.0)",
    "update-assign": "with p.update():\n    p.assign(m.PointData(9.0, 9.0))",
    "update-update": (
        "with p.update() as v:\n    v.x = 9.0\n    with p.update() as w:\n"
        "        w.y = 9.0"
    ),
    "update-timed-update": (
        "with p.update():\n    with p.update(timeout=5) as w:\n        w.y = 9.0"
    ),
    "timed-update-update": (
        "with p.update(timeout=5):\n    with p.update() as w:\n        w.y = 9.0"
    ),
    "update-with-p": "with p.update() as v:\n    v.x = 9.0\n    with p:\n        pass",
    "shared-lock-other-record": "with p.update():\n    q.count = 1",
    "shared-lock-array": "with p.update():\n    arr[0] = m.PointData(9.0, 9.0)",
    "array-update-item": "with arr.update():\n    arr[1]",
    "array-update-snapshot": "with arr.update():\n    arr.snapshot()",
    "array-update-update": (
        "with arr.update() as items:\n    items[0].x = 9.0\n"
        "    with arr.update():\n        pass"
    ),
    "array-update-timed": (
        "with arr.update():\n    with arr.update(timeout=5):\n        pass"
    ),
}


def reentry_script(lock: str, body: str) -> str:
    indented = "\n".join("    " + line for line in body.splitlines())
    return PRELUDE.format(lock=lock) + CHECK.format(body=indented)


@pytest.mark.parametrize("name", list(REENTRY))
def test_plain_lock_reentry_raises_runtime_error_never_hangs(
    m: ModuleType, name: str
) -> None:
    result = run_python(reentry_script("mp.Lock()", REENTRY[name]), timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # the class the second acquisition went through, that its Lock is not reentrant
    # and would deadlock, and what to do instead
    owner = (
        "SharedCounter"
        if name == "shared-lock-other-record"
        else "SharedPointArray"
        if name.startswith(("array-", "shared-lock-array"))
        else "SharedPoint"
    )
    message = lines[0]
    assert message.startswith(f"RuntimeError: {owner}: "), result.stdout
    for words in ("already holds", "Lock", "not reentrant", "deadlock", "lock=True"):
        assert words in message, (words, message)
    assert lines[-1] == "done"


REENTRANT_SCRIPT = """
import multiprocessing as mp
from sg_issue3 import shapes as m
lock = {lock}
p = m.SharedPoint(1.0, 2.0, lock=lock)
q = m.SharedCounter(lock=p.get_lock() if lock is not False else False)
arr = m.SharedPointArray(3, lock=p.get_lock() if lock is not False else False)
lock = p.get_lock()
{scenarios}
for name, scenario in SCENARIOS:
    p.assign(m.PointData(1.0, 2.0))
    try:
        scenario()
    except Exception as error:
        print(name, "failed:", repr(error))
    else:
        print(name, "ok")
    assert lock is None or lock.acquire(False), "the lock was left held"
    if lock is not None:
        lock.release()
"""


@pytest.mark.parametrize("lock", ["True", "None", "mp.RLock()", "False"])
def test_reentrant_locks_allow_reentry(m: ModuleType, lock: str) -> None:
    functions = []
    for index, body in enumerate(REENTRY.values()):
        indented = "\n".join("    " + line for line in body.splitlines())
        functions.append(f"def scenario_{index}():\n{indented}\n")
    pairs = ", ".join(f"({name!r}, scenario_{i})" for i, name in enumerate(REENTRY))
    scenarios = "\n".join(functions) + f"SCENARIOS = [{pairs}]\n"
    script = REENTRANT_SCRIPT.format(lock=lock, scenarios=scenarios)
    try:
        result = run_python(script, timeout=30)
    except subprocess.TimeoutExpired as expired:
        pytest.fail(f"hung after: {expired.stdout!r}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{name} ok" for name in REENTRY]


def test_plain_lock_rollback_when_reentry_fails_inside_update(m: ModuleType) -> None:
    result = run_python(
        """
        import multiprocessing as mp
        from sg_issue3 import shapes as m
        p = m.SharedPoint(1.0, 2.0, lock=mp.Lock())
        try:
            with p.update() as v:
                v.x = 9.0
                v.y = 9.0
                p.snapshot()
        except RuntimeError:
            pass
        print(p.snapshot())
        """,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PointData(x=1.0, y=2.0)"


def test_plain_lock_views_do_not_take_the_lock(m: ModuleType) -> None:
    """Inside update() every read and write of the view, nested records and arrays
    included, goes without the lock: with a plain Lock none may raise or hang."""
    result = run_python(
        """
        import multiprocessing as mp
        from sg_issue3 import shapes as m
        lock = mp.Lock()
        s = m.SharedSprite(lock=lock)
        arr = m.SharedSpriteArray(2, lock=lock)
        with s.update() as v:
            v.count += 1
            v.origin.x += 1
            v.corners[2].y = 3.0
            v.samples[3][1] = 0.5
            v.samples[4] = (1.5, 2.5)
            v.labels[0] = "a"
            v.name = v.name + "x"
            v.color = m.Color.BLUE
            read = (v.tag, v.level, v.visible, list(v.samples[3]), v.anchor.x)
        with arr.update() as items:
            items[0].count = 5
            items[1].origin.y = 2.0
            items[1] = m.SpriteData(count=6)
            total = sum(item.count for item in items)
        print(s.count, s.origin.x, s.corners[2].y, s.samples[4], s.name, total)
        """,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1.0", "3.0", "(1.5,", "2.5)", "x", "11"]


def test_plain_lock_held_by_another_thread_is_waited_for(m: ModuleType) -> None:
    """Re-entry detection must not refuse a lock merely held by someone else."""
    result = run_python(
        """
        import multiprocessing as mp, threading, time
        from sg_issue3 import shapes as m
        lock = mp.Lock()
        p = m.SharedPoint(1.0, 2.0, lock=lock)
        held, trying = threading.Event(), threading.Event()
        seen = []
        def holder():
            with lock:
                held.set()
                trying.wait(20)  # the main thread is about to write ...
                time.sleep(0.2)
                seen.append(p.get_obj().x)  # ... and has not, while this holds it
        t = threading.Thread(target=holder)
        t.start()
        held.wait(20)
        trying.set()
        p.x = 5.0
        with p.update() as v:
            v.y = 6.0
        t.join()
        print(p.snapshot(), seen)
        """,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PointData(x=5.0, y=6.0) [1.0]"


# -- update(timeout=) ------------------------------------------------------------------

TIMEOUT_SCRIPT = """
import multiprocessing as mp, sys, time
from sg_issue3 import shapes as m
from shared_support import child_hold_lock

if __name__ == "__main__":
    ctx = mp.get_context("{method}")
    lock = {lock}
    p = {make}
    before = bytes(p.get_obj())
    holding, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=child_hold_lock, args=(p, holding, release))
    child.start()
    try:
        assert holding.wait(20), "the child never took the lock"
        start = time.monotonic()
        try:
            with p.update(timeout=0.3) as v:
                {write}
            print("entered")
        except TimeoutError as error:
            elapsed = time.monotonic() - start  # at least the timeout; a busy machine
            print("TimeoutError", 0.25 <= elapsed < 60, error)  # may add a lot
        assert bytes(p.get_obj()) == before, "memory changed"
    finally:
        release.set()
        child.join(20)
    # once the other process lets go, a timed update gets in
    with p.update(timeout=5) as v:
        {write}
    print("after", child.exitcode)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
@pytest.mark.parametrize(
    ("lock", "make", "write"),
    [
        ("True", "m.SharedPoint(1.0, 2.0, ctx=ctx)", "v.x = 9.0"),
        ("ctx.Lock()", "m.SharedPoint(1.0, 2.0, lock=lock)", "v.x = 9.0"),
        ("ctx.RLock()", "m.SharedPoint(1.0, 2.0, lock=lock)", "v.x = 9.0"),
        ("True", "m.SharedPointArray(3, ctx=ctx)", "v[1].x = 9.0"),
        ("ctx.Lock()", "m.SharedPointArray(3, lock=lock)", "v[1].x = 9.0"),
    ],
    ids=["record-rlock", "record-lock", "record-given-rlock", "array", "array-lock"],
)
def test_update_timeout_when_another_process_holds_the_lock(
    m: ModuleType, method: str, lock: str, make: str, write: str
) -> None:
    script = TIMEOUT_SCRIPT.format(method=method, lock=lock, make=make, write=write)
    result = run_python(script, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("TimeoutError True"), result.stdout
    assert lines[1] == "after 0"


def test_update_timeout_when_another_thread_holds_the_lock(m: ModuleType) -> None:
    result = run_python(
        """
        import contextlib, multiprocessing as mp, threading
        from sg_issue3 import shapes as m
        for lock in (True, mp.Lock(), mp.RLock()):
            p = m.SharedPoint(1.0, 2.0, lock=lock)
            arr = m.SharedPointArray(2, lock=lock)
            held, release = threading.Event(), threading.Event()
            def holder():
                with contextlib.ExitStack() as stack:
                    stack.enter_context(p)
                    if arr.get_lock() is not p.get_lock():
                        stack.enter_context(arr)
                    held.set()
                    release.wait(20)
            t = threading.Thread(target=holder)
            t.start()
            held.wait(10)
            for shared in (p, arr):
                try:
                    with shared.update(timeout=0.1):
                        print("entered")
                except TimeoutError:
                    print("timeout")
            release.set()
            t.join()
            with p.update(timeout=1) as v:
                v.x = 3.0
            print(p.x)
        """,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["timeout", "timeout", "3.0"] * 3


def test_update_timeout_when_the_lock_is_free_succeeds_at_once(m: ModuleType) -> None:
    point = m.SharedPoint(1.0, 2.0)
    with point.update(timeout=0.5) as view:
        view.x = 4.0
    assert point.x == 4.0
    arr = m.SharedPointArray(2)
    with arr.update(timeout=0.5) as items:
        items[1].y = 4.0
    assert arr[1].y == 4.0


# -- a busy lock: brief retries, then a wait ------------------------------------------

WAIT_SCRIPT = """
import multiprocessing as mp, threading, time
from sg_issue3 import shapes as m
from shared_support import child_hold_lock

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    lock = {lock}
    p = {make}
    holding, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=child_hold_lock, args=(p, holding, release))
    child.start()
    assert holding.wait(20), "the child never took the lock"
    released = []

    def let_go():
        released.append(time.monotonic())
        release.set()

    threading.Timer(0.3, let_go).start()
    with p.update() as v:
        entered = time.monotonic()  # not before the child was told to let go
        {write}
    child.join(20)
    print(entered >= released[0], {read}, child.exitcode)
"""


@pytest.mark.parametrize(
    ("lock", "make", "write", "read"),
    [
        ("True", "m.SharedPoint(1.0, 2.0, ctx=ctx)", "v.x = 9.0", "p.x"),
        ("ctx.Lock()", "m.SharedPoint(1.0, 2.0, lock=lock)", "v.x = 9.0", "p.x"),
        ("True", "m.SharedPointArray(3, ctx=ctx)", "v[1].x = 9.0", "p[1].x"),
        ("ctx.Lock()", "m.SharedPointArray(3, lock=lock)", "v[1].x = 9.0", "p[1].x"),
    ],
    ids=["record-rlock", "record-lock", "array-rlock", "array-lock"],
)
def test_update_waits_for_a_lock_held_longer_than_its_retries(
    m: ModuleType, lock: str, make: str, write: str, read: str
) -> None:
    """update() retries a busy lock briefly, then sleeps on it until it is free."""
    script = WAIT_SCRIPT.format(lock=lock, make=make, write=write, read=read)
    result = run_python(script, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "9.0", "0"]


ENDLESS_SCRIPT = """
import multiprocessing as mp, threading, time
from sg_issue3 import shapes as m
from shared_support import child_hold_lock

if __name__ == "__main__":
    ctx = mp.get_context("fork")
    endless = [("inf", float("inf")), ("1e300", 1e300), ("10**400", 10**400)]
    endless.append(("2e9", 2e9))  # beyond what the semaphore takes as a deadline
    for label, timeout in endless:
        lock = {lock}
        p = {make}
        holding, release = ctx.Event(), ctx.Event()
        child = ctx.Process(target=child_hold_lock, args=(p, holding, release))
        child.start()
        assert holding.wait(20), "the child never took the lock"
        released = []

        def let_go():
            released.append(time.monotonic())
            release.set()

        threading.Timer(0.2, let_go).start()
        try:
            with p.update(timeout=timeout) as v:
                entered = time.monotonic()
                {write}
            outcome = entered >= released[0]
        except Exception as error:
            outcome = repr(error)
            release.set()
        child.join(20)
        print(label, outcome, {read}, child.exitcode)
"""


@pytest.mark.parametrize(
    ("lock", "make", "write", "read"),
    [
        ("True", "m.SharedPoint(1.0, 2.0, ctx=ctx)", "v.x += 1", "p.x"),
        ("ctx.Lock()", "m.SharedPoint(1.0, 2.0, lock=lock)", "v.x += 1", "p.x"),
        ("True", "m.SharedPointArray(3, ctx=ctx)", "v[1].x += 1", "p[1].x"),
        ("ctx.Lock()", "m.SharedPointArray(3, lock=lock)", "v[1].x += 1", "p[1].x"),
    ],
    ids=["record-rlock", "record-lock", "array-rlock", "array-lock"],
)
def test_an_endless_timeout_waits_for_a_busy_lock(
    m: ModuleType, lock: str, make: str, write: str, read: str
) -> None:
    """``update(timeout=inf)`` or a huge timeout means no limit (SPEC §3) also when
    another process holds the lock: the waiter gets it once it is let go, instead of
    an error from a deadline the semaphore cannot take."""
    script = ENDLESS_SCRIPT.format(lock=lock, make=make, write=write, read=read)
    result = run_python(script, timeout=120)
    assert result.returncode == 0, result.stderr
    expected = "2.0" if "Array" not in make else "1.0"
    assert result.stdout.splitlines() == [
        f"{label} True {expected} 0" for label in ("inf", "1e300", "10**400", "2e9")
    ]


class FakeAcquire:
    """A lock's acquire that is busy for the first ``busy`` non-blocking tries."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.calls: list[tuple[object, ...]] = []

    def __call__(self, *args: object) -> bool:
        self.calls.append(args)
        if args in ((), (True, 0.5)):  # a blocking wait: the holder let go
            return True
        return len(self.calls) > self.busy


def runtime(m: ModuleType) -> ModuleType:
    import importlib

    return importlib.import_module(m.__package__ + "._structgen.locks")


def test_a_lock_freed_during_the_retries_is_taken_without_sleeping(
    m: ModuleType,
) -> None:
    sg = runtime(m)
    acquire = FakeAcquire(busy=5)
    assert sg._acquire_contended(acquire) is True
    assert acquire.calls == [(False,)] * 6


@pytest.mark.parametrize(("timeout", "wait"), [(None, ()), (0.5, (True, 0.5))])
def test_a_lock_still_busy_after_the_retries_is_waited_for(
    m: ModuleType, timeout: float | None, wait: tuple[object, ...]
) -> None:
    sg = runtime(m)
    acquire = FakeAcquire(busy=10**9)
    assert sg._acquire_contended(acquire, timeout) is True
    assert acquire.calls == [(False,)] * sg._SPINS + [wait]
    assert 10 <= sg._SPINS <= 10_000  # bounded: a few microseconds of retries


def test_a_plain_lock_released_by_another_process_is_free_again(m: ModuleType) -> None:
    """multiprocessing lets another process release a plain Lock; no false alarm."""
    result = run_python(
        """
        import multiprocessing as mp
        from sg_issue3 import shapes as m
        ctx = mp.get_context("fork")
        lock = ctx.Lock()
        p = m.SharedPoint(1.0, 2.0, lock=lock)
        lock.acquire()
        child = ctx.Process(target=lock.release)
        child.start()
        child.join(20)
        p.x = 5.0  # the lock is free: this thread takes it, though it took it before
        with p.update() as v:
            v.y = 6.0
        print(p.snapshot(), lock.acquire(False))
        lock.release()
        """,
        timeout=20,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "PointData(x=5.0, y=6.0) True"
