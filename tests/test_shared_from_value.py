"""SPEC §3: ``SharedX.from_value`` gives typed, checked access to memory that already
exists: a synchronized ``multiprocessing.Value`` (its own lock), or a ``RawValue`` /
``Value(..., lock=False)`` (the given lock, or none)."""

from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.synchronize
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from shared_support import child_from_value, shapes_module, watchdog


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return shapes_module(tmp_path_factory)


@pytest.fixture(autouse=True)
def _watchdog() -> Iterator[None]:
    with watchdog():
        yield


def same_memory(a: ctypes.Structure, b: ctypes.Structure) -> bool:
    return ctypes.addressof(a) == ctypes.addressof(b)


@pytest.mark.parametrize("method", [None, "fork", "spawn"])
def test_synchronized_value_uses_its_own_lock(
    m: ModuleType, method: str | None
) -> None:
    ctx: Any = (
        multiprocessing if method is None else multiprocessing.get_context(method)
    )
    value = ctx.Value(m.Point, 1.0, 2.0)
    shared = m.SharedPoint.from_value(value)
    assert shared.get_lock() is value.get_lock()
    assert same_memory(shared.get_obj(), value.get_obj())
    assert shared.snapshot() == m.PointData(1.0, 2.0)
    shared.x = 5.0
    assert value.x == 5.0
    value.y = 7.0
    assert shared.y == 7.0
    with shared.update() as view:
        view.x += 1
    assert value.x == 6.0


def test_synchronized_value_lock_is_held_by_update(m: ModuleType) -> None:
    value = multiprocessing.Value(m.Point, 1.0, 2.0)
    shared = m.SharedPoint.from_value(value)
    got: list[bool] = []

    def probe() -> None:
        lock = value.get_lock()
        acquired = lock.acquire(timeout=0.05)
        if acquired:
            lock.release()
        got.append(acquired)

    with shared.update():
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(10)
    assert got == [False]


def test_synchronized_value_with_a_plain_lock(m: ModuleType) -> None:
    lock = multiprocessing.Lock()
    value = multiprocessing.Value(m.Point, 1.0, 2.0, lock=lock)
    shared = m.SharedPoint.from_value(value)
    assert shared.get_lock() is lock
    shared.x = 3.0
    assert value.x == 3.0


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda m: multiprocessing.RawValue(m.Point, 1.0, 2.0), id="raw"),
        pytest.param(
            lambda m: multiprocessing.Value(m.Point, 1.0, 2.0, lock=False),
            id="unlocked-value",
        ),
    ],
)
def test_raw_value_gets_the_given_lock_or_none(m: ModuleType, make: Any) -> None:
    value = make(m)
    assert m.SharedPoint.from_value(value).get_lock() is None
    assert m.SharedPoint.from_value(value, lock=False).get_lock() is None
    lock = multiprocessing.Lock()
    assert m.SharedPoint.from_value(value, lock=lock).get_lock() is lock
    rlock = multiprocessing.get_context("spawn").RLock()
    assert m.SharedPoint.from_value(value, lock=rlock).get_lock() is rlock
    new = m.SharedPoint.from_value(value, lock=True).get_lock()
    assert isinstance(new, multiprocessing.synchronize.RLock)
    shared = m.SharedPoint.from_value(value, lock=lock)
    assert same_memory(shared.get_obj(), value)
    shared.set(x=8.0, y=9.0)
    assert (value.x, value.y) == (8.0, 9.0)


def test_from_value_writes_are_checked(m: ModuleType) -> None:
    value = multiprocessing.RawValue(m.Sprite)
    shared = m.SharedSprite.from_value(value)
    shared.code = m.Code.ALPHA  # zeroed memory holds no Code member yet
    before = bytes(value)
    with pytest.raises(OverflowError, match=r"Sprite\.count"):
        shared.count = 2**31
    with pytest.raises(ValueError, match=r"Sprite\.name"):
        shared.name = "much too long"
    with pytest.raises(ValueError, match=r"Sprite\.color"), shared.update() as view:
        view.color = 9
    assert bytes(value) == before


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda m: multiprocessing.Value(m.Pair), id="Value-of-Pair"),
        pytest.param(lambda m: multiprocessing.RawValue(m.Pair), id="RawValue-of-Pair"),
        pytest.param(
            lambda m: multiprocessing.Value(m.Pair, lock=False), id="unlocked-Pair"
        ),
        pytest.param(lambda m: multiprocessing.Value(ctypes.c_double), id="c_double"),
        pytest.param(lambda m: multiprocessing.RawValue(ctypes.c_int32), id="c_int32"),
        pytest.param(lambda m: multiprocessing.RawArray(m.Point, 2), id="RawArray"),
        pytest.param(lambda m: multiprocessing.Value(m.Sprite), id="Value-of-Sprite"),
    ],
)
def test_a_value_of_another_type_is_refused(m: ModuleType, make: Any) -> None:
    with pytest.raises(TypeError):
        m.SharedPoint.from_value(make(m))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda m: multiprocessing.RawValue(m.Point), id="RawValue"),
        pytest.param(lambda m: multiprocessing.Value(m.Point), id="Value"),
    ],
)
@pytest.mark.parametrize("lock", [threading.Lock(), "yes", 1])
def test_a_bad_lock_is_refused(m: ModuleType, make: Any, lock: Any) -> None:
    """Even beside a synchronized Value, whose own lock would be used."""
    with pytest.raises(TypeError, match="lock must be"):
        m.SharedPoint.from_value(make(m), lock=lock)


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda m: m.Point(1.0, 2.0), id="Point()"),
        pytest.param(
            lambda m: m.Point.from_buffer(bytearray(ctypes.sizeof(m.Point))),
            id="from_buffer",
        ),
    ],
)
def test_memory_of_one_process_is_refused(m: ModuleType, make: Any) -> None:
    """A plain Structure would be copied into a child, never shared: refused."""
    with pytest.raises(TypeError, match="memory of one process"):
        m.SharedPoint.from_value(make(m), lock=True)


def test_an_element_of_a_shared_array_is_refused(m: ModuleType) -> None:
    """It is shared memory, but no Value of its own: a child could not be given it."""
    element = multiprocessing.RawArray(m.Point, 2)[0]
    with pytest.raises(TypeError, match="an element of a shared array"):
        m.SharedPoint.from_value(element)


def test_a_value_with_a_lock_of_threading_is_refused(m: ModuleType) -> None:
    """multiprocessing.Value accepts any lock; a record needs a multiprocessing one."""
    value = multiprocessing.Value(m.Point, lock=threading.Lock())
    with pytest.raises(TypeError, match="the Value's own lock"):
        m.SharedPoint.from_value(value)


def test_zeroed_memory_of_an_enum_without_a_zero_member_names_the_field(
    m: ModuleType,
) -> None:
    shared = m.SharedSprite.from_value(multiprocessing.RawValue(m.Sprite))
    message = r"Sprite\.code holds 0, which is no member of Code \(ALPHA=7, BETA=9\)"
    with pytest.raises(ValueError, match=message):
        _ = shared.code
    with pytest.raises(ValueError, match=message):
        shared.snapshot()
    with pytest.raises(ValueError, match=message), shared.update() as view:
        _ = view.code
    shared.set(code=m.Code.BETA)  # writing a member makes the record readable
    assert shared.snapshot().code is m.Code.BETA


def test_from_value_in_a_child_process(m: ModuleType) -> None:
    ctx = multiprocessing.get_context("fork")
    value = ctx.Value(m.Point, 1.0, 2.0)
    child = ctx.Process(target=child_from_value, args=(value, m.SharedPoint))
    child.start()
    child.join(30)
    if child.is_alive():
        child.kill()
        pytest.fail("the child hung")
    assert child.exitcode == 0
    assert (value.x, value.y) == (2.0, -2.0)
