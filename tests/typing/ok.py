"""Correct use of generated records: must be clean under ``mypy --strict``.

Checked by tests/test_typing.py against records built from tests/typing/schemas/
into a package named ``typed_records``. ``assert_type`` pins what mypy must infer,
so a field silently typed ``Any`` is an error here too.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import multiprocessing.synchronize
from typing import assert_type

from typed_records.scene import SceneData, SharedScene, SharedSceneArray
from typed_records.shapes import (
    Color,
    Point,
    PointData,
    SharedPoint,
    SharedPointArray,
    SharedSprite,
    SharedSpriteArray,
    SharedVec3,
    SpriteData,
    Vec3Data,
)


def shared_record() -> None:
    p = SharedPoint(1.0, 2.0)
    p = SharedPoint(x=1.0, y=2.0, lock=False)
    p = SharedPoint(lock=multiprocessing.Lock())
    p = SharedPoint(lock=multiprocessing.get_context("spawn").RLock())
    p = SharedPoint(ctx=multiprocessing.get_context("forkserver"))
    assert_type(p.x, float)
    p.x = 3.0
    p.y = 4  # an int is a fine float
    p.x += 1.5
    assert_type(p.snapshot(), PointData)
    p.assign(PointData(1.0, 2.0))
    p.set(x=5.0)
    p.set(x=5.0, y=6.0)
    lock = p.get_lock()
    assert_type(p.get_obj(), Point)
    if lock is not None:
        assert isinstance(
            lock, multiprocessing.synchronize.Lock | multiprocessing.synchronize.RLock
        )
    with p:
        pass


def sprite_fields() -> None:
    s = SharedSprite(name="hello", color=Color.BLUE, count=3)
    s = SharedSprite(color=1, samples=[[0.5, 1.5]] * 8, labels=["a", "b", "c", "d"])
    assert_type(s.origin, PointData)
    assert_type(s.corners, tuple[PointData, ...])
    assert_type(s.samples, tuple[tuple[float, ...], ...])
    assert_type(s.name, str)
    assert_type(s.labels, tuple[str, ...])
    assert_type(s.tag, bytes)
    assert_type(s.color, Color)
    assert_type(s.visible, bool)
    assert_type(s.count, int)
    assert_type(s.weight, float)
    s.origin = PointData(1.0, 2.0)
    s.corners = [PointData()] * 4
    s.corners = (PointData(), PointData(), PointData(), PointData())
    s.samples = [(0.0, 1.0)] * 8
    s.name = "name"
    s.labels = ("a", "b", "c", "d")
    s.tag = b"tag"
    s.color = Color.RED
    s.color = 2  # a member's value
    s.visible = True
    s.count = -5
    s.weight = 0.25
    s.set(name="x", color=Color.GREEN, corners=[PointData()] * 4)
    corner_x: float = s.corners[0].x
    row: tuple[float, ...] = s.samples[3]
    print(corner_x, row)


def update_views() -> None:
    s = SharedSprite()
    with s.update() as v:
        assert_type(v.count, int)
        assert_type(v.name, str)
        assert_type(v.tag, bytes)
        assert_type(v.color, Color)
        assert_type(v.visible, bool)
        assert_type(v.weight, float)
        assert_type(v.origin.x, float)
        v.count += 1
        v.weight = 2.0
        v.name = "next"
        v.tag = b"ab"
        v.color = Color.BLUE
        v.color = 0
        v.visible = False
        v.origin.x += 1
        v.origin = PointData(1.0, 2.0)
        v.corners[2].y = 0
        v.corners[1] = PointData(3.0, 4.0)
        v.samples[3][1] = 0.5
        v.samples[3] = (0.5, 1.5)
        v.labels[0] = "label"
        v.samples[0] = v.samples[7]  # a live array is a Sequence of its values
        v.samples = v.samples[::-1]
        v.labels = v.labels
        equal: bool = v.samples[3] == (0.5, 1.5)
        print(equal, sum(v.samples[3]), list(v.labels))
        total: float = v.samples[3][0] + v.corners[0].x
        size: int = len(v.corners) + len(v.samples[0])
        print(total, size)
    with s.update(timeout=1.5) as v:
        v.count = 0
    p = SharedPoint()
    with p.update() as pv:
        pv.x += 1
        pv.y = 2.0
        assert_type(pv.x, float)
    vec = SharedVec3()
    with vec.update() as vv:
        vv.z = 1.0
        assert_type(vv.z, float)


def data_values() -> None:
    d = SpriteData(name="n", origin=PointData(1.0, 2.0))
    assert_type(d.origin, PointData)
    assert_type(d.corners, tuple[PointData, ...])
    assert_type(d.color, Color)
    e = dataclasses.replace(d, count=3)
    assert_type(e, SpriteData)
    assert d == e or d != e
    print(hash(d), {d, e}, Vec3Data(1.0, 2.0, 3.0))


def arrays() -> None:
    points = SharedPointArray(4)
    points = SharedPointArray([PointData(1.0, 2.0), PointData()], lock=False)
    assert_type(points[0], PointData)
    assert_type(points.snapshot(), list[PointData])
    points[1] = PointData(3.0, 4.0)
    points[-1] = PointData()
    n: int = len(points)
    for item in points:
        assert_type(item, PointData)
    with points.update() as items:
        items[0].x += 1
        items[1] = PointData(5.0, 6.0)
        assert_type(items[0].y, float)
        for view in items:
            view.y = 0.0
    with points.update(timeout=2.0) as items:
        items[0].y = 1.0
    sprites = SharedSpriteArray(2, ctx=multiprocessing.get_context("spawn"))
    with sprites.update() as sprite_items:
        sprite_items[0].samples[3][1] = 0.5
        sprite_items[1].origin.x = 1.0
        sprite_items[1].color = Color.RED
    print(n, points.get_lock(), points.get_obj(), sprites.snapshot())


def from_value() -> None:
    value = multiprocessing.Value(Point, 1.0, 2.0)
    p = SharedPoint.from_value(value)
    assert_type(p, SharedPoint)
    raw = multiprocessing.RawValue(Point)
    q = SharedPoint.from_value(raw, lock=multiprocessing.Lock())
    q.x = p.x


def across_modules() -> None:
    scene = SharedScene(background=Color.BLUE, frame=2**40)
    assert_type(scene.sprite, SpriteData)
    assert_type(scene.background, Color)
    with scene.update() as v:
        v.sprite.origin.x = 1.0
        v.sprite.corners[0].y = 2.0
        v.camera = PointData()
        v.background = Color.GREEN
        v.frame += 1
    data = scene.snapshot()
    assert_type(data, SceneData)
    assert_type(data.sprite.origin, PointData)
    scenes = SharedSceneArray([data])
    assert_type(scenes[0].camera, PointData)


def named_records() -> None:
    p = SharedPoint.create("typed-point", x=1.0, mode=0o640, persist=True)
    assert_type(p, SharedPoint)
    q = SharedPoint.attach("typed-point", timeout=2.5)
    assert_type(q.x, float)
    a = SharedPointArray.create("typed-points", 3, exist_ok=True)
    assert_type(SharedPointArray.attach("typed-points"), SharedPointArray)
    assert_type(a[0], PointData)
    robust = SharedPoint(lock="robust")
    robust.x = 2.0
    q.close()
    p.unlink()
