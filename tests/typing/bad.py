"""Misuse of generated records: every marked line must be a ``mypy --strict`` error.

The exact errors expected are in bad.expected (see its header). One misuse per line,
each line marked ``# E``; tests/test_typing.py also checks that every marked line has
an expected error and no unmarked line has one.
"""

from __future__ import annotations

import threading

from typed_records.scene import SharedScene
from typed_records.shapes import (
    PointData,
    SharedPoint,
    SharedPointArray,
    SharedSprite,
    SpriteData,
    Vec3Data,
)


def shared_record_fields() -> None:
    p = SharedPoint()
    p.x = "oops"  # E
    p.z = 1.0  # E
    print(p.z)  # E
    SharedPoint(z=1.0)  # E
    SharedPoint(x="1.0")  # E
    SharedPoint(lock=threading.Lock())  # E
    SharedPoint(lock=1)  # E
    p.set(x="1.0")  # E
    p.set(z=1.0)  # E
    p.assign(Vec3Data())  # E
    p.update(timeout="1")  # E


def sprite_fields() -> None:
    s = SharedSprite()
    s.count = 1.5  # E
    s.count = "1"  # E
    s.visible = 1  # E
    s.name = b"bytes"  # E
    s.tag = "text"  # E
    s.color = "RED"  # E
    s.origin = Vec3Data()  # E
    s.corners = [Vec3Data()] * 4  # E
    s.samples = [["a", "b"]] * 8  # E
    s.labels = [b"a"] * 4  # E
    s.corners[0].x = 1.0  # E
    s.origin.x = 1.0  # E
    SharedSprite(color="RED")  # E


def data_values() -> None:
    d = PointData()
    d.x = 1.0  # E
    print(d.z)  # E
    PointData(z=1.0)  # E
    SharedPoint().snapshot().x = 2.0  # E
    SpriteData(origin=Vec3Data())  # E


def update_views() -> None:
    s = SharedSprite()
    with s.update() as v:
        v.count = 1.5  # E
        v.name = 5  # E
        v.tag = "text"  # E
        v.color = "RED"  # E
        v.visible = "yes"  # E
        v.origin = Vec3Data()  # E
        v.origin.x = "a"  # E
        v.unknown = 1  # E
        print(v.unknown)  # E
        v.origin.z = 1.0  # E
    p = SharedPoint()
    with p.update() as pv:
        pv.x = "oops"  # E
        pv.z = 1.0  # E


def arrays_in_views() -> None:
    s = SharedSprite()
    with s.update() as v:
        v.samples[3][1] = "x"  # E
        v.samples[3] = ("a", "b")  # E
        v.corners[2].y = "x"  # E
        v.corners[1] = Vec3Data()  # E
        v.corners[0].z = 1.0  # E
        v.labels[0] = 5  # E


def shared_arrays() -> None:
    points = SharedPointArray(3)
    points[0] = Vec3Data()  # E
    points[0].x = 1.0  # E
    points["a"] = PointData()  # E
    SharedPointArray([Vec3Data()])  # E
    with points.update() as items:
        items[0].x = "a"  # E
        items[0].z = 1.0  # E
        items[0] = Vec3Data()  # E


def across_modules() -> None:
    scene = SharedScene()
    scene.camera = SpriteData()  # E
    with scene.update() as v:
        v.sprite.origin.x = "a"  # E
        v.background = 1.5  # E


def set_takes_no_none() -> None:
    SharedPoint().set(x=None)  # E


def named_misuse() -> None:
    SharedPoint.create("n", x="1.0")  # E
    SharedPoint.create("n", z=1.0)  # E
    SharedPoint.create(name="n")  # E
    SharedPoint.attach("n", timeout="1")  # E
    SharedPoint(lock="sturdy")  # E
