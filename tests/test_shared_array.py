"""SPEC §3: ``SharedXArray`` — a fixed-length shared array of records."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from shared_support import shapes_module, watchdog


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return shapes_module(tmp_path_factory)


@pytest.fixture(autouse=True)
def _watchdog() -> Iterator[None]:
    with watchdog():
        yield


def points(m: ModuleType, n: int = 5) -> list[Any]:
    return [m.PointData(float(i), float(-i)) for i in range(n)]


@pytest.fixture
def arr(m: ModuleType) -> Any:
    return m.SharedPointArray(points(m))


def raw(shared: Any) -> bytes:
    return bytes(shared.get_obj())


def test_len_and_items(m: ModuleType, arr: Any) -> None:
    assert len(arr) == 5
    for i in range(5):
        item = arr[i]
        assert type(item) is m.PointData
        assert item == m.PointData(float(i), float(-i))


@pytest.mark.parametrize(("index", "expected"), [(-1, 4), (-5, 0), (-2, 3)])
def test_negative_indices_count_from_the_end(
    m: ModuleType, arr: Any, index: int, expected: int
) -> None:
    assert arr[index] == m.PointData(float(expected), float(-expected))
    arr[index] = m.PointData(100.0, 100.0)
    assert arr[expected] == m.PointData(100.0, 100.0)
    with arr.update() as items:
        items[index].x = 7.0
    assert arr[expected].x == 7.0


@pytest.mark.parametrize("index", [5, 6, -6, 10**6])
def test_out_of_range_indices_raise_index_error(
    m: ModuleType, arr: Any, index: int
) -> None:
    before = raw(arr)
    with pytest.raises(IndexError):
        _ = arr[index]
    with pytest.raises(IndexError):
        arr[index] = m.PointData()
    with pytest.raises(IndexError), arr.update() as items:
        items[index].x = 1.0
    with pytest.raises(IndexError), arr.update() as items:
        items[index] = m.PointData()
    assert raw(arr) == before


def test_non_integer_indices_raise_type_error(m: ModuleType, arr: Any) -> None:
    with pytest.raises(TypeError):
        _ = arr["1"]
    with pytest.raises(TypeError):
        arr[1.0] = m.PointData()


def test_item_write_is_checked(m: ModuleType, arr: Any) -> None:
    before = raw(arr)
    with pytest.raises(TypeError, match=r"Point\.x"):
        arr[1] = m.PointData(x="s")
    with pytest.raises(OverflowError, match=r"Point\.y"):
        arr[1] = m.PointData(y=10**400)
    with pytest.raises(TypeError):
        arr[1] = (1.0, 2.0)
    assert raw(arr) == before
    arr[1] = m.PointData(9.0, 8.0)
    assert arr[1] == m.PointData(9.0, 8.0)
    assert arr[0] == m.PointData(0.0, 0.0) and arr[2] == m.PointData(2.0, -2.0)


def test_iteration_and_snapshot(m: ModuleType, arr: Any) -> None:
    assert list(arr) == points(m)
    snap = arr.snapshot()
    assert type(snap) is list
    assert snap == points(m)
    assert [item for item in arr] == snap


def test_get_lock_and_get_obj(m: ModuleType, arr: Any) -> None:
    import multiprocessing.synchronize

    assert isinstance(arr.get_lock(), multiprocessing.synchronize.RLock)
    obj = arr.get_obj()
    assert len(obj) == 5
    assert isinstance(obj[0], m.Point)
    assert ctypes.sizeof(obj) == 5 * ctypes.sizeof(m.Point)
    obj[3].x = 33.0  # the same memory
    assert arr[3].x == 33.0


def test_constructed_from_items(m: ModuleType) -> None:
    items = [m.SpriteData(count=i, name=f"n{i}") for i in range(3)]
    sprites = m.SharedSpriteArray(items)
    assert sprites.snapshot() == items
    assert m.SharedSpriteArray(tuple(items)).snapshot() == items
    assert len(m.SharedSpriteArray([])) == 0


def test_constructed_with_a_length_holds_defaults(m: ModuleType) -> None:
    sprites = m.SharedSpriteArray(4)
    assert len(sprites) == 4
    assert sprites.snapshot() == [m.SpriteData()] * 4


def test_update_yields_live_item_views(m: ModuleType, arr: Any) -> None:
    with arr.update() as items:
        assert len(items) == 5
        items[3].x += 1
        items[-1].y = 0.5
        assert items[3].x == 4.0
        items[0] = m.PointData(-1.0, -1.0)
        assert items[0].x == -1.0
    assert arr[3] == m.PointData(4.0, -3.0)
    assert arr[4] == m.PointData(4.0, 0.5)
    assert arr[0] == m.PointData(-1.0, -1.0)


def test_update_iterates_over_live_item_views(arr: Any) -> None:
    with arr.update() as items:
        for item in items:
            item.x *= 2
    assert [p.x for p in arr] == [0.0, 2.0, 4.0, 6.0, 8.0]


def test_update_item_views_have_live_nested_fields(m: ModuleType) -> None:
    sprites = m.SharedSpriteArray(3)
    with sprites.update() as items:
        items[1].origin.x += 1
        items[1].corners[2].y = 0
        items[1].samples[3][1] = 0.5
        items[1].samples[4] = (0.5, 1.5)
        items[1].labels[0] = "é"
        items[2].count = 7
    item = sprites[1]
    assert item.origin == m.PointData(1.0, 1.5)
    assert item.corners[2] == m.PointData(0.0, 0.0)
    assert item.samples[3] == (0.0, 0.5) and item.samples[4] == (0.5, 1.5)
    assert item.labels == ("é", "", "")
    assert sprites[2].count == 7
    assert sprites[0] == m.SpriteData()


class Boom(BaseException):
    pass


@pytest.mark.parametrize(
    "exception", [ValueError("x"), KeyboardInterrupt(), Boom()], ids=repr
)
@pytest.mark.parametrize("timed", [False, True])
def test_update_rolls_back_every_touched_item(
    m: ModuleType, exception: BaseException, timed: bool
) -> None:
    sprites = m.SharedSpriteArray([m.SpriteData(count=i) for i in range(4)])
    before = raw(sprites)
    block = sprites.update(timeout=5) if timed else sprites.update()
    with pytest.raises(type(exception)) as info, block as items:
        items[0].count = 100
        items[1] = m.SpriteData(name="new")
        items[2].origin.x = 5.0
        items[2].samples[0] = (1.0, 1.0)
        items[-1].labels[2] = "zz"
        for item in items:
            item.visible = True
        raise exception
    assert info.value is exception
    assert raw(sprites) == before
    lock = sprites.get_lock()
    assert lock.acquire(timeout=1)
    lock.release()


def test_refused_write_in_update_changes_nothing(m: ModuleType, arr: Any) -> None:
    before = raw(arr)
    with arr.update() as items:
        with pytest.raises(TypeError, match=r"Point"):
            items[2] = m.PairData(1.0, 1.0)
        with pytest.raises(TypeError, match=r"Point\.x"):
            items[2] = m.PointData(x="s")
    assert raw(arr) == before


def test_update_holds_the_lock_for_the_block(arr: Any) -> None:
    lock = arr.get_lock()
    result: list[bool] = []

    def probe() -> None:
        got = lock.acquire(timeout=0.05)
        if got:
            lock.release()
        result.append(got)

    with arr.update():
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(10)
    assert result == [False]


def test_array_without_a_lock(m: ModuleType) -> None:
    arr = m.SharedPointArray(3, lock=False)
    assert arr.get_lock() is None
    arr[1] = m.PointData(1.0, 1.0)
    with arr.update() as items:
        items[2].x = 2.0
    with pytest.raises(ValueError), arr.update() as items:
        items[0].x = 5.0
        raise ValueError("x")
    assert arr.snapshot() == [m.PointData(), m.PointData(1.0, 1.0), m.PointData(2.0)]


def test_negative_length_is_refused(m: ModuleType) -> None:
    with pytest.raises(ValueError):
        m.SharedPointArray(-1)


def test_pickling_an_array_outside_process_spawning_is_refused(m: ModuleType) -> None:
    import pickle

    with pytest.raises(RuntimeError):
        pickle.dumps(m.SharedPointArray(2))
