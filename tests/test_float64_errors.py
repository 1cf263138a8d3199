"""Refused writes to raw float64 fields of views name ``Record.field`` at any depth.

A float64 field of a view is ctypes' own (SPEC §3, for speed): a wrong-typed write
raises ctypes' bare message inside the block. Once the error leaves the block, it names
the record that owns the field (``Point.x``, as checked fields of nested records are
named), however deep the view, but only when the write was to one of the block's own
views: any other error keeps its message.
"""

from __future__ import annotations

import ctypes
import re
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import Generate

SCHEMA = """\
records:
  Point:
    fields: {x: float64, y: float64}
  Box:
    fields:
      tl: Point
      corners: Point[2]
      w: float64
  Scene:
    fields:
      origin: Point
      box: Box
      boxes: Box[2][2]
      z: float64
"""

BARE = "must be real number, not str"


@pytest.fixture
def ns(generate: Generate) -> SimpleNamespace:
    return generate({"shapes.yaml": SCHEMA}).shapes  # type: ignore[no-any-return]


def _raw(shared: Any) -> bytes:
    return bytes(shared.get_obj())


def _refused(shared: Any, write: Any, error: type[Exception] = TypeError) -> str:
    """The message of the error ``write(view)`` raises out of the block; no change."""
    before = _raw(shared)
    with pytest.raises(error) as info, shared.update() as view:
        write(view)
    assert _raw(shared) == before
    return str(info.value)


def _set_x(view: Any, value: object = "oops") -> None:
    view.x = value


@pytest.mark.parametrize(
    ("target", "label"),
    [
        ("v.z", "Scene.z"),
        ("v.origin.x", "Point.x"),
        ("v.box.w", "Box.w"),
        ("v.box.tl.y", "Point.y"),
        ("v.box.corners[1].y", "Point.y"),
        ("v.boxes[1][0].corners[i].x", "Point.x"),
        ("v.boxes[-1][1].tl.x", "Point.x"),
    ],
)
def test_nested_and_array_element_fields_are_named(
    ns: SimpleNamespace, target: str, label: str
) -> None:
    scene = ns.SharedScene()
    i = 1
    code = compile(f"{target} = 'oops'", "<block>", "exec")

    def write(v: Any) -> None:
        exec(code, {}, {"v": v, "i": i})  # the test's own text

    assert _refused(scene, write) == f"{label}: {BARE}"


def test_written_as_a_user_writes_it(ns: SimpleNamespace) -> None:
    scene = ns.SharedScene()
    before = _raw(scene)
    with pytest.raises(TypeError, match=rf"^Point\.x: {BARE}$"), scene.update() as v:
        v.origin.x = "oops"
    with pytest.raises(TypeError, match=rf"^Point\.y: {BARE}$"), scene.update() as v:
        v.box.corners[1].y = "b"
    too_large = r"^Point\.x: int too large"
    with pytest.raises(OverflowError, match=too_large), scene.update() as v:
        v.boxes[0][1].tl.x = 10**400
    with pytest.raises(TypeError, match=rf"^Point\.x: {BARE}$"), scene.update() as v:
        corner = v.box.corners[0]  # a view kept in a local
        corner.x = "oops"
    with pytest.raises(TypeError, match=rf"^Point\.x: {BARE}$"), scene.update() as v:
        _set_x(v.origin)  # written in a function the block calls
    assert _raw(scene) == before


def test_elements_of_an_array_update(ns: SimpleNamespace) -> None:
    scenes = ns.SharedSceneArray(3)
    before = bytes(scenes.get_obj())
    point_y, scene_z = rf"^Point\.y: {BARE}$", rf"^Scene\.z: {BARE}$"
    with pytest.raises(TypeError, match=point_y), scenes.update() as items:
        items[2].box.corners[0].y = "oops"
    with pytest.raises(TypeError, match=scene_z), scenes.update() as items:
        items[1].z = "oops"
    assert bytes(scenes.get_obj()) == before


def test_an_error_the_block_catches_keeps_ctypes_message(ns: SimpleNamespace) -> None:
    scene = ns.SharedScene()
    caught: list[BaseException] = []
    with scene.update() as v:
        try:
            v.box.tl.x = "oops"
        except TypeError as error:
            caught.append(error)
    assert [str(e) for e in caught] == [BARE]
    # caught, then raised again inside the block: it leaves the block, so it is named
    with pytest.raises(TypeError) as info, scene.update() as v:
        try:
            v.box.tl.x = "oops"
        except TypeError as error:
            assert str(error) == BARE
            raise
    assert str(info.value) == f"Point.x: {BARE}"


class Unrelated(ctypes.Structure):
    """Not a record: the same field names, float64 too."""

    _fields_ = [("x", ctypes.c_double), ("origin", ctypes.c_double)]


class Holder(ctypes.Structure):
    _fields_ = [("origin", Unrelated)]


def test_errors_of_other_objects_are_never_labelled(ns: SimpleNamespace) -> None:
    scene = ns.SharedScene()
    other = Unrelated()
    holder = Holder()
    with pytest.raises(TypeError) as info, scene.update():
        other.x = "oops"  # a float64 field named like Point.x
    assert str(info.value) == BARE
    with pytest.raises(TypeError) as info, scene.update():
        holder.origin.x = "oops"  # the same path as v.origin.x, another object
    assert str(info.value) == BARE
    with pytest.raises(TypeError) as info, scene.update():
        scene.get_obj().origin.x = "oops"  # the raw Structure: not a view
    assert str(info.value) == BARE
    with pytest.raises(TypeError) as info, scene.update():
        raise TypeError(BARE)  # the block's own error, worded as ctypes words it
    assert str(info.value) == BARE


def test_a_view_of_another_record_is_not_this_blocks(ns: SimpleNamespace) -> None:
    scene, point = ns.SharedScene(), ns.SharedPoint()
    with point.update() as leaked:
        pass
    with pytest.raises(TypeError) as info, scene.update():
        leaked.x = "oops"  # a Point view, but of another record's memory
    assert str(info.value) == BARE
    # two blocks open: named once, by the block whose view it is
    with pytest.raises(TypeError) as info, point.update() as p, scene.update() as v:
        assert v is not None
        p.x = "oops"
    assert str(info.value) == f"Point.x: {BARE}"
    with pytest.raises(TypeError) as info, scene.update() as v, scene.update() as w:
        assert w is not v
        v.origin.x = "oops"
    assert re.fullmatch(rf"Point\.x: {BARE}", str(info.value))
