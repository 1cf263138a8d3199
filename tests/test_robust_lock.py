"""The crash-safe lock of structgen.runtime.robust, with real processes.

Unrelated processes are ``python -c`` children that open the lock by name over a file
mapped by everyone (the memory a named segment would give); parent-made locks go to
multiprocessing children under fork and spawn. Deaths are real SIGKILLs. Every test
removes its semaphores (the autouse fixture checks /dev/shm for leftovers).
"""

from __future__ import annotations

import importlib
import itertools
import math
import mmap
import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from structgen.runtime import robust
from structgen.runtime.robust import (
    LOCK_BLOCK_SIZE,
    RobustLock,
    read_lock_state,
    undo_size,
)

PREFIX = f"sgtest-robust-{os.getpid()}-"
_names = itertools.count()
SHM = Path("/dev/shm")

DATA_AT = LOCK_BLOCK_SIZE
UNDO_AT = 8192
FILE_SIZE = 65536

# The child: opens the lock over the shared file and runs one action.
CHILD = r"""
import mmap, os, signal, sys, time
from structgen.runtime.robust import RobustLock, LOCK_BLOCK_SIZE, undo_size
path, name, elem, count, action, *args = sys.argv[1:]
elem, count = int(elem), int(count)
f = open(path, "r+b")
m = mmap.mmap(f.fileno(), 0)
mv = memoryview(m)
state = mv[:LOCK_BLOCK_SIZE]
data = mv[DATA_AT : DATA_AT + elem * count]
undo = mv[UNDO_AT : UNDO_AT + undo_size(elem, count)]
lk = RobustLock.open(state, name, data=data, undo=undo, elem_size=elem)
words = data[: elem * count // 8 * 8].cast("Q")

def say(text):
    print(text, flush=True)

if action == "count":  # n increments of data word 0, each under the lock and journal
    for _ in range(int(args[0])):
        lk.acquire()
        lk.journal_all()
        value = words[0]
        words[0] = value + 1
        lk.commit()
        lk.release()
    say("done")
elif action == "count-inline":  # the same through raw_parts(), as accessors may
    take, post, owner = lk.raw_parts()
    for _ in range(int(args[0])):
        stamp = lk.stamp
        if stamp and take(False):
            owner[1] = stamp
            try:
                value = words[0]
                words[0] = value + 1
            finally:
                owner[1] = next(lk.markers)
                post()
        else:
            lk.acquire()
            try:
                value = words[0]
                words[0] = value + 1
            finally:
                lk.release()
    say("done")
elif action == "die-holding":  # journal_all, a partial write, then wait to be killed
    lk.acquire()
    lk.journal_all()
    words[0] = 0xDEAD
    say("ready")
    time.sleep(60)
elif action == "die-holding-elements":  # journal two elements, write them, wait
    lk.acquire()
    for index in (3, 1):
        lk.journal_element(index)
        data[index * elem : index * elem + elem] = b"\xee" * elem
    say("ready")
    time.sleep(60)
elif action == "die-unstamped":  # take the semaphore, die before stamping
    lk.acquire(); lk.release()  # a user of the lock (it has a slot)
    lk._sem_acquire(False)
    say("ready")
    sys.stdin.readline()
    os.kill(os.getpid(), signal.SIGKILL)
elif action == "die-releasing":  # write the free stamp, die before posting
    lk.acquire()
    lk._words[1] = next(lk.markers)
    say("ready")
    sys.stdin.readline()
    os.kill(os.getpid(), signal.SIGKILL)
elif action == "hold":  # hold for args[0] seconds, then release
    lk.acquire()
    lk.journal_all()
    words[0] = 7
    say("ready")
    if args[0] == "stdin":  # until told
        sys.stdin.readline()
    else:
        time.sleep(float(args[0]))
    words[1] = 1
    lk.commit()
    lk.release()
    say("released")
elif action == "wait":  # wait for the lock (until killed)
    say("ready")
    lk.acquire()
    say("got")
    lk.release()
""".replace("DATA_AT", str(DATA_AT)).replace("UNDO_AT", str(UNDO_AT))


@pytest.fixture(autouse=True)
def no_leftovers() -> Iterator[None]:
    """No semaphore (sem.*) or segment of this module's stays in /dev/shm."""
    yield
    left = sorted(p.name for p in SHM.iterdir() if PREFIX in p.name)
    for name in left:  # leave /dev/shm clean even when a test failed
        (SHM / name).unlink(missing_ok=True)
    assert left == []


class Shared:
    """A file mapped here and in children, with a lock over it."""

    def __init__(self, path: Path, elem: int = 16, count: int = 1) -> None:
        self.path = path
        self.name = f"/{PREFIX}{next(_names)}"
        self.elem, self.count = elem, count
        path.write_bytes(bytes(FILE_SIZE))
        self._file = path.open("r+b")
        self._map = mmap.mmap(self._file.fileno(), 0)
        view = memoryview(self._map)
        self.state = view[:LOCK_BLOCK_SIZE]
        self.data = view[DATA_AT : DATA_AT + elem * count]
        self.undo = view[UNDO_AT : UNDO_AT + undo_size(elem, count)]
        self.words = self.data[: elem * count // 8 * 8].cast("Q")
        self.lock = RobustLock.create(
            self.state, self.name, data=self.data, undo=self.undo, elem_size=elem
        )

    def child(self, action: str, *args: object) -> subprocess.Popen[str]:
        command = [sys.executable, "-c", CHILD, str(self.path), self.name]
        command += [str(self.elem), str(self.count), action, *map(str, args)]
        return subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )

    def close(self) -> None:
        self.lock.unlink()
        self.lock.close()
        self.words.release()
        for view in (self.state, self.data, self.undo):
            view.release()
        self._map.close()
        self._file.close()


@pytest.fixture
def shared(tmp_path: Path) -> Iterator[Callable[..., Shared]]:
    made: list[Shared] = []

    def make(elem: int = 16, count: int = 1) -> Shared:
        made.append(Shared(tmp_path / f"mem{len(made)}", elem, count))
        return made[-1]

    yield make
    for item in made:
        item.close()


def expect(child: subprocess.Popen[str], line: str) -> None:
    assert child.stdout is not None
    got = child.stdout.readline().strip()
    assert got == line, f"child said {got!r}, expected {line!r}"


def finish(child: subprocess.Popen[str], now: bool = False) -> None:
    """Let the child end (kill it at once with ``now``, else after 60 s); reap it."""
    if now and child.poll() is None:
        child.kill()
    try:
        child.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate(timeout=30)


def kill(child: subprocess.Popen[str]) -> float:
    """SIGKILL the child; the moment it is dead (not yet reaped: a zombie)."""
    os.kill(child.pid, signal.SIGKILL)
    while True:
        stat = Path(f"/proc/{child.pid}/stat").read_text()
        if stat[stat.rfind(")") + 2] == "Z":
            return time.monotonic()
        time.sleep(0.001)


def acquire_in_thread(lock: RobustLock, timeout: float | None = None) -> Waiter:
    """Start a thread that acquires the lock and keeps it until ``done()``."""
    return Waiter(lock, timeout)


def wait_for(waiter: Waiter, limit: float = 30) -> None:
    """Until the waiter's acquire() has returned."""
    end = time.monotonic() + limit
    while not waiter.out and time.monotonic() < end:
        time.sleep(0.001)
    assert waiter.out, "acquire() did not return"


class Waiter(threading.Thread):
    def __init__(self, lock: RobustLock, timeout: float | None) -> None:
        super().__init__()
        self.lock, self.timeout = lock, timeout
        self.out: list[Any] = []  # [acquired, when]
        self._done = threading.Event()
        self.start()

    def run(self) -> None:
        got = self.lock.acquire(timeout=self.timeout)
        self.out += [got, time.monotonic()]
        if got:
            self._done.wait(60)
            self.lock.release()

    def done(self) -> None:
        self._done.set()
        self.join(60)


# -- the private API the lock stands on ---------------------------------------------


def test_semlock_rebuild_opens_by_name() -> None:
    """Pin the private _multiprocessing.SemLock API: make one named semaphore (kind
    SEMAPHORE, maxvalue 1), reopen it by name with _rebuild(0, ...), and post it from
    the second handle."""
    mp = importlib.import_module("_multiprocessing")
    name = f"/{PREFIX}{next(_names)}"
    first = mp.SemLock(1, 1, 1, name, False)
    try:
        assert (SHM / f"sem.{name[1:]}").exists()
        second = mp.SemLock._rebuild(0, 1, 1, name)
        assert first.acquire(False)
        assert not second.acquire(False)
        second.release()  # a SEMAPHORE may be posted by anyone
        assert first.acquire(False)
        first.release()
        with pytest.raises(ValueError):  # maxvalue 1: a second post is refused
            first.release()
    finally:
        mp.sem_unlink(name)


# -- exclusion and reentrancy -----------------------------------------------------


def test_three_unrelated_processes_exact_total(shared: Callable[..., Shared]) -> None:
    mem = shared()
    children = [mem.child("count", 20_000) for _ in range(3)]
    try:
        for child in children:
            expect(child, "done")
    finally:
        for child in children:
            finish(child)
    assert [child.returncode for child in children] == [0, 0, 0]
    assert mem.words[0] == 60_000
    info = read_lock_state(mem.state)
    assert info["held"] is False
    assert info["dirty"] is False
    assert info["recoveries"] == 0
    assert info["users"] == []  # each child gave its slot back when it exited


def test_inline_fast_path_excludes_too(shared: Callable[..., Shared]) -> None:
    """raw_parts() holds mixed with acquire() holds: still exact totals."""
    mem = shared()
    children = [mem.child(action, 20_000) for action in ("count-inline",) * 2]
    children.append(mem.child("count", 20_000))
    try:
        for child in children:
            expect(child, "done")
    finally:
        for child in children:
            finish(child)
    assert mem.words[0] == 60_000
    assert read_lock_state(mem.state)["held"] is False


def test_named_lock_refuses_pickling(shared: Callable[..., Shared]) -> None:
    import pickle

    with pytest.raises(TypeError, match="open it by name"):
        pickle.dumps(shared().lock)


def test_close_then_use_is_refused(shared: Callable[..., Shared]) -> None:
    mem = shared()
    again = RobustLock.open(
        mem.state, mem.name, data=mem.data, undo=mem.undo, elem_size=16
    )
    again.close()
    mem.lock.close()  # the last open: the object is unusable now
    with pytest.raises(ValueError):
        mem.lock.acquire()
    mem.lock.close()  # a second close does nothing
    reopened = RobustLock.open(
        mem.state, mem.name, data=mem.data, undo=mem.undo, elem_size=16
    )
    assert reopened is not mem.lock
    with reopened:
        pass
    mem.lock = reopened  # (the fixture unlinks and closes it)


def test_reentrant_per_thread(shared: Callable[..., Shared]) -> None:
    lock = shared().lock
    assert lock.acquire()
    assert lock.acquire()  # the same thread again: no deadlock
    waiter = acquire_in_thread(lock, timeout=0.2)
    waiter.join()
    assert waiter.out[0] is False  # another thread waits
    lock.release()
    waiter = acquire_in_thread(lock, timeout=0.2)
    waiter.join()
    assert waiter.out[0] is False  # still held once
    lock.release()
    waiter = acquire_in_thread(lock, timeout=5)
    wait_for(waiter)
    assert waiter.out[0] is True
    with pytest.raises(RuntimeError, match="does not hold"):
        lock.release()  # the other thread holds it
    assert lock.holder() == (os.getpid(), True)
    waiter.done()


def test_with_statement_and_release_unheld(shared: Callable[..., Shared]) -> None:
    lock = shared().lock
    with lock:
        assert lock.holder() == (os.getpid(), True)
    assert lock.holder() is None
    with pytest.raises(RuntimeError):
        lock.release()


# -- timeouts -------------------------------------------------------------------


def test_timeout_semantics(shared: Callable[..., Shared]) -> None:
    mem = shared()
    lock = mem.lock
    for registered in (False, True):  # slow path, then fast path: checked at once
        for bad, error in (("1", TypeError), (True, TypeError), (math.nan, ValueError)):
            with pytest.raises(error):
                lock.acquire(timeout=bad)  # type: ignore[arg-type]
        if not registered:
            with lock:
                pass
    holder = mem.child("hold", 1.5)
    try:
        expect(holder, "ready")
        start = time.monotonic()
        assert lock.acquire(block=False) is False
        assert (
            lock.acquire(timeout=-1) is False
        )  # negative: one try, as multiprocessing
        assert lock.acquire(timeout=0) is False
        assert time.monotonic() - start < 0.5
        start = time.monotonic()
        assert lock.acquire(timeout=0.2) is False
        assert time.monotonic() - start >= 0.2
        assert lock.acquire(timeout=math.inf) is True  # no limit: waits for release
        assert mem.words[1] == 1  # the holder finished first
        lock.release()
        assert lock.acquire(timeout=10**400) is True  # beyond any float: no limit
        lock.release()
        assert lock.acquire(timeout=None) is True
        lock.release()
        expect(holder, "released")
    finally:
        finish(holder)


# -- crashes ---------------------------------------------------------------------


def test_killed_holder_rolled_back_within_half_a_second(
    shared: Callable[..., Shared],
) -> None:
    mem = shared()
    mem.words[0] = 41
    child = mem.child("die-holding")
    try:
        expect(child, "ready")
        assert mem.words[0] == 0xDEAD  # the partial write is there
        assert read_lock_state(mem.state)["holder_pid"] == child.pid
        waiter = acquire_in_thread(mem.lock)
        time.sleep(0.3)  # the waiter is waiting
        assert waiter.out == []
        died = kill(child)
        wait_for(waiter)
        got, when = waiter.out
        assert got is True
        assert when - died <= 0.5, f"recovered {when - died:.3f} s after death"
        assert mem.words[0] == 41  # rolled back
        info = read_lock_state(mem.state)
        assert info["recoveries"] == 1
        assert info["dirty"] is False
        assert info["holder_pid"] == os.getpid()
        assert [user["pid"] for user in info["users"]] == [os.getpid()]
        waiter.done()
    finally:
        finish(child, now=True)
    assert mem.lock.recoveries == 1
    assert mem.lock.acquire(timeout=1)
    mem.lock.release()


def test_killed_holder_of_array_elements_rolled_back(
    shared: Callable[..., Shared],
) -> None:
    mem = shared(elem=12, count=5)
    before = bytes(range(60))
    mem.data[:] = before
    child = mem.child("die-holding-elements")
    try:
        expect(child, "ready")
        assert bytes(mem.data) != before
        info = read_lock_state(mem.state)
        assert (info["journal"], info["logged"]) == ("log", 2)
        died = kill(child)
        assert mem.lock.acquire(timeout=10)
        assert time.monotonic() - died <= 0.5
        assert bytes(mem.data) == before
        assert mem.lock.recoveries == 1
        mem.lock.release()
    finally:
        finish(child, now=True)


@pytest.mark.parametrize("action", ["die-unstamped", "die-releasing"])
def test_death_between_semaphore_and_stamp(
    shared: Callable[..., Shared], action: str
) -> None:
    """Died holding the semaphore with no stamp (taking it, or releasing it): found
    within 1 s, since a registered process is dead and the stamp stays unchanged."""
    mem = shared()
    mem.words[0] = 5
    child = mem.child(action)
    try:
        expect(child, "ready")
        # held with no stamp by a live process, and no user dead: not taken, even
        # after the grace period (0.5 s)
        assert mem.lock.acquire(timeout=0.8) is False
        waiter = acquire_in_thread(mem.lock)
        time.sleep(0.1)
        assert child.stdin is not None
        child.stdin.write("die\n")
        child.stdin.flush()
        died = kill(child)  # (it kills itself; this waits for the zombie)
        wait_for(waiter)
        got, when = waiter.out
        assert got is True
        assert when - died <= 1.0, f"recovered {when - died:.3f} s after death"
        assert mem.words[0] == 5
        assert mem.lock.recoveries == 1
        waiter.done()
    finally:
        finish(child, now=True)


def test_live_holder_is_never_robbed(shared: Callable[..., Shared]) -> None:
    mem = shared()
    holder = mem.child("hold", 3)
    try:
        expect(holder, "ready")
        start = time.monotonic()
        assert mem.lock.acquire(timeout=30)
        waited = time.monotonic() - start
        assert mem.words[1] == 1  # the holder had finished its hold
        assert waited >= 2.5
        assert mem.lock.recoveries == 0
        assert mem.words[0] == 7  # its committed write stands
        mem.lock.release()
        expect(holder, "released")
    finally:
        finish(holder)


def test_killed_waiter_breaks_nothing(shared: Callable[..., Shared]) -> None:
    mem = shared()
    holder = mem.child("hold", "stdin")
    expect(holder, "ready")
    waiter = mem.child("wait")  # started once the holder holds the lock
    try:
        expect(waiter, "ready")
        end = time.monotonic() + 20
        while time.monotonic() < end:  # until the waiter has marked its slot
            users = read_lock_state(mem.state)["users"]
            if any(u["pid"] == waiter.pid and u["waiting"] for u in users):
                break
            time.sleep(0.01)
        else:
            state = read_lock_state(mem.state)
            pytest.fail(
                f"the waiter never marked its slot waiting: {state}, "
                f"holder {holder.poll()}, waiter {waiter.poll()}"
            )
        kill(waiter)
        assert holder.stdin is not None
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert mem.lock.acquire(timeout=30)
        assert mem.words[:2].tolist() == [7, 1]  # the live holder finished, unrobbed
        assert mem.lock.recoveries == 0
        mem.lock.release()
        expect(holder, "released")
        counter = mem.child("count", 500)  # and the lock goes on working
        expect(counter, "done")
        finish(counter)
        assert mem.words[0] == 507
    finally:
        finish(holder)
        finish(waiter, now=True)


# -- the journal -----------------------------------------------------------------


def test_journal_rules(shared: Callable[..., Shared]) -> None:
    mem = shared(elem=8, count=4)
    lock = mem.lock
    with pytest.raises(RuntimeError, match="not held"):
        lock.journal_all()
    with lock:
        lock.journal_element(2)
        mem.words[2] = 9
        lock.journal_all()  # after a log: the other elements are logged too
        mem.words[0] = 1
        info = read_lock_state(mem.state)
        assert (info["journal"], info["logged"]) == ("log", 4)
        lock._restore()  # what a recovering waiter does
        assert mem.words.tolist() == [0, 0, 0, 0]
        lock.journal_all()
        mem.words[1] = 3
        lock.journal_all()  # a second call keeps the first copy
        lock._restore()
        assert mem.words.tolist() == [0, 0, 0, 0]
        with pytest.raises(IndexError):
            lock.journal_element(4)
        lock.journal_element(1)
    assert read_lock_state(mem.state)["dirty"] is False  # release committed


# -- one object per name, fork ------------------------------------------------------


def test_open_twice_shares_one_object(shared: Callable[..., Shared]) -> None:
    mem = shared()
    again = RobustLock.open(
        mem.state, mem.name, data=mem.data, undo=mem.undo, elem_size=16
    )
    assert again is mem.lock
    again.close()  # one of two opens: still usable
    with mem.lock:
        pass
    with pytest.raises(FileExistsError):
        RobustLock.create(
            mem.state, mem.name, data=mem.data, undo=mem.undo, elem_size=16
        )


def test_open_refuses_other_shapes_and_missing_names(
    shared: Callable[..., Shared],
) -> None:
    mem = shared()
    mp = importlib.import_module("_multiprocessing")
    name = f"/{PREFIX}{next(_names)}"
    with pytest.raises(FileNotFoundError):
        RobustLock.open(mem.state, name, data=mem.data, undo=mem.undo, elem_size=16)
    sem = mp.SemLock(1, 1, 1, name, False)
    try:
        with pytest.raises(ValueError, match="describes"):
            RobustLock.open(
                mem.state, name, data=mem.data[:8], undo=mem.undo, elem_size=8
            )
    finally:
        del sem
        mp.sem_unlink(name)
    with pytest.raises(ValueError, match="semaphore name"):
        RobustLock.open(mem.state, "/a/b", data=mem.data, undo=mem.undo, elem_size=16)
    with pytest.raises(ValueError, match="undo"):
        RobustLock.open(mem.state, name, data=mem.data, undo=mem.undo[:8], elem_size=16)


def test_forked_child_has_its_own_identity(shared: Callable[..., Shared]) -> None:
    mem = shared()
    with mem.lock:  # held by this thread while forking
        pid = os.fork()
        if pid == 0:  # the child: not the holder, and not taken for this process
            code = 0
            try:
                if mem.lock.acquire(timeout=0.1):
                    code = 1
            except BaseException:
                code = 2
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    pid = os.fork()
    if pid == 0:
        code = 3
        try:
            with mem.lock:
                if mem.lock.holder() == (os.getpid(), True):
                    code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0


# -- parent-made locks -----------------------------------------------------------


def _count_anonymous(lock: RobustLock, n: int) -> None:
    words = lock.data.cast("Q")
    for _ in range(n):
        with lock:
            lock.journal_all()
            words[0] = words[0] + 1


def _die_holding(lock: RobustLock, ready: Any) -> None:
    lock.acquire()
    lock.journal_all()
    lock.data[0:8] = b"\xff" * 8
    ready.set()
    time.sleep(60)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_anonymous_lock_in_children(method: str) -> None:
    ctx = multiprocessing.get_context(method)
    lock = RobustLock.anonymous(elem_size=8, count=2, ctx=ctx)
    try:
        n = 5_000 if method == "fork" else 2_000
        workers = [
            ctx.Process(target=_count_anonymous, args=(lock, n)) for _ in range(2)
        ]
        for worker in workers:
            worker.start()
        _count_anonymous(lock, n)
        for worker in workers:
            worker.join(120)
        assert [w.exitcode for w in workers] == [0, 0]
        assert lock.data.cast("Q")[0] == 3 * n
        ready = ctx.Event()
        dying = ctx.Process(target=_die_holding, args=(lock, ready))
        dying.start()
        assert ready.wait(60)
        assert lock.data.cast("Q")[0] == 0xFFFFFFFFFFFFFFFF
        os.kill(dying.pid or 0, signal.SIGKILL)
        died = time.monotonic()
        assert lock.acquire(timeout=10)
        assert time.monotonic() - died <= 0.5 + 0.2  # (a little for the kill itself)
        assert lock.data.cast("Q")[0] == 3 * n
        assert lock.recoveries == 1
        lock.release()
        dying.join(30)
    finally:
        lock.close()


def test_anonymous_named_pickling_rules() -> None:
    lock = RobustLock.anonymous(elem_size=4)
    try:
        assert lock.name == ""
        assert read_lock_state(bytes(lock._state))["anonymous"] is True
    finally:
        lock.close()


# -- hostile state bytes -------------------------------------------------------------

_GOOD = struct.pack("<IHH", robust.MAGIC, robust.VERSION, robust.SLOT_COUNT)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=2 * LOCK_BLOCK_SIZE),
        st.binary(min_size=0, max_size=LOCK_BLOCK_SIZE).map(lambda b: _GOOD + b),
        st.builds(
            lambda header, words, rest: header + struct.pack("<5Q", *words) + rest,
            st.sampled_from([_GOOD, struct.pack("<IHH", robust.MAGIC, 1, 3)]),
            st.tuples(*[st.integers(0, 2**64 - 1)] * 5),
            st.binary(max_size=LOCK_BLOCK_SIZE),
        ),
    )
)
def test_read_lock_state_never_trusts_bytes(raw: bytes) -> None:
    try:
        info = read_lock_state(raw)
    except ValueError as error:
        assert str(error)
        return
    assert info["count"] > 0 and info["elem_size"] > 0
    assert info["journal"] in ("clean", "all", "log")
    assert all(0 <= user["slot"] < robust.SLOT_COUNT for user in info["users"])
    if info["held"]:
        assert isinstance(info["holder_pid"], int)
    for view in (memoryview(raw), bytearray(raw)):
        assert read_lock_state(view) == info


def test_read_lock_state_messages() -> None:
    with pytest.raises(ValueError, match="truncated"):
        read_lock_state(b"SGLK")
    with pytest.raises(ValueError, match="all zero"):
        read_lock_state(bytes(LOCK_BLOCK_SIZE))
    with pytest.raises(ValueError, match="not a structgen lock"):
        read_lock_state(b"x" * LOCK_BLOCK_SIZE)


def test_undo_size() -> None:
    assert undo_size(16, 1) == 24
    assert undo_size(12, 5) == 64 + 40
    with pytest.raises(ValueError):
        undo_size(0, 1)
