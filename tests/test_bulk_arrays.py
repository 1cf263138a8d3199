"""Bulk work on shared arrays: no object kept per index; update() rolls back all."""

from __future__ import annotations

from typing import Any

import pytest


def test_writes_keep_no_object_per_index(repo_generated: Any) -> None:
    from generated import geometry

    arr = geometry.SharedPointArray(1000)
    kept = dict(arr.get_obj()._objects)  # the shared buffer the array was made from
    for i in range(1000):
        arr[i] = geometry.PointData(float(i), 1.0)
    with arr.update() as items:
        for i in range(0, 1000, 3):
            items[i] = geometry.PointData(2.0, float(i))
    assert arr.get_obj()._objects == kept  # ctypes kept nothing per element written
    assert arr[3] == geometry.PointData(2.0, 3.0) and arr[4].x == 4.0
    built = geometry.SharedPointArray([geometry.PointData(1.0, 2.0)] * 50)
    assert len(built.get_obj()._objects) == len(kept) and built[49].y == 2.0


def test_iterating_update_rolls_back_everything(repo_generated: Any) -> None:
    from generated import geometry

    arr = geometry.SharedPointArray(
        [geometry.PointData(float(i), 0.0) for i in range(10)]
    )
    before = bytes(arr.get_obj())
    with pytest.raises(ZeroDivisionError), arr.update() as items:
        items[2].y = 5.0  # saved per element first, then the whole array
        for view in items:
            view.x += 100
        items[7].y = 9.0
        1 / 0  # noqa: B018
    assert bytes(arr.get_obj()) == before
    with arr.update() as items:
        for view in items:
            view.x += 1
    assert [p.x for p in arr] == [float(i + 1) for i in range(10)]


def test_a_large_snapshot_leaves_the_collector_as_it_was(repo_generated: Any) -> None:
    import gc

    from generated import geometry

    arr = geometry.SharedPointArray(2_000)
    assert gc.isenabled()
    assert len(arr.snapshot()) == 2_000 and gc.isenabled()
    gc.disable()
    try:
        assert arr.snapshot()[-1] == geometry.PointData() and not gc.isenabled()
    finally:
        gc.enable()
