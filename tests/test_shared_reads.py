"""SPEC §3: what reads give (text, bytes, enums, nested records, C-order arrays), the
defaults of every field, and the ``...Data`` value class."""

from __future__ import annotations

import ctypes
import dataclasses
import struct
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from shared_support import shapes_module


@pytest.fixture(scope="module")
def m(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return shapes_module(tmp_path_factory)


def poke(struct_obj: ctypes.Structure, field: str, data: bytes) -> None:
    """Write raw bytes into a field of a Structure, bypassing every check."""
    offset = getattr(type(struct_obj), field).offset
    ctypes.memmove(ctypes.addressof(struct_obj) + offset, data, len(data))


def peek(struct_obj: ctypes.Structure, field: str) -> bytes:
    descriptor = getattr(type(struct_obj), field)
    data = bytes(struct_obj)
    return data[descriptor.offset : descriptor.offset + descriptor.size]


# The four ways to read a field of a record in shared memory.
def read_property(shared: Any, array: Any, field: str) -> Any:
    return getattr(shared, field)


def read_snapshot(shared: Any, array: Any, field: str) -> Any:
    return getattr(shared.snapshot(), field)


def read_array_item(shared: Any, array: Any, field: str) -> Any:
    return getattr(array[1], field)


def read_array_snapshot(shared: Any, array: Any, field: str) -> Any:
    return getattr(array.snapshot()[1], field)


READERS: list[Callable[[Any, Any, str], Any]] = [
    read_property,
    read_snapshot,
    read_array_item,
    read_array_snapshot,
]


def poked_sprite(m: ModuleType, field: str, data: bytes) -> tuple[Any, Any]:
    shared = m.SharedSprite()
    poke(shared.get_obj(), field, data)
    array = m.SharedSpriteArray(3)
    poke(array.get_obj()[1], field, data)
    return shared, array


# -- text and bytes --------------------------------------------------------------------


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"ab\0cdefg", "ab"),
        (b"\0bcdefgh", ""),
        (b"abcdefgh", "abcdefgh"),  # all 8 bytes, no NUL
        ("éé\0".encode() + b"xyz", "éé"),
        ("日本".encode() + b"\0\0", "日本"),
    ],
)
def test_text_reads_decode_up_to_the_first_nul(
    m: ModuleType, read: Callable[..., Any], data: bytes, expected: str
) -> None:
    shared, array = poked_sprite(m, "name", data)
    got = read(shared, array, "name")
    assert type(got) is str
    assert got == expected


def test_text_reads_in_views_decode_up_to_the_first_nul(m: ModuleType) -> None:
    shared, array = poked_sprite(m, "name", b"ab\0cdefg")
    with shared.update() as view:
        assert view.name == "ab"
    with array.update() as items:
        assert items[1].name == "ab"


@pytest.mark.parametrize("read", READERS)
def test_text_array_items_decode_up_to_their_first_nul(
    m: ModuleType, read: Callable[..., Any]
) -> None:
    shared, array = poked_sprite(m, "labels", b"x\0yz" + b"abcd" + b"\0\0\0\0")
    assert read(shared, array, "labels") == ("x", "abcd", "")


def _write_name(m: ModuleType, how: str, text: str) -> ctypes.Structure:
    """Write ``text`` over a full-length name with one write path; the Structure."""
    if how.startswith("array"):
        array = m.SharedSpriteArray([m.SpriteData(name="abcdefgh")] * 2)
        if how == "array-item":
            array[1] = m.SpriteData(name=text)
        else:
            with array.update() as items:
                items[1].name = text
        obj: ctypes.Structure = array.get_obj()[1]
        return obj
    shared = m.SharedSprite(name="abcdefgh")
    if how == "accessor":
        shared.name = text
    elif how == "view":
        with shared.update() as view:
            view.name = text
    elif how == "set":
        shared.set(name=text)
    else:
        shared.assign(m.SpriteData(name=text))
    return shared.get_obj()  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "how", ["accessor", "view", "set", "assign", "array-item", "array-view"]
)
def test_text_writes_are_nul_padded(m: ModuleType, how: str) -> None:
    obj = _write_name(m, how, "é")
    assert peek(obj, "name") == "é".encode() + bytes(6)


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize(
    "data", [b"a\0b\0", b"\0\0\0\0", b"\xff\0\0\x01", b"abcd"], ids=repr
)
def test_bytes_reads_give_all_n_bytes(
    m: ModuleType, read: Callable[..., Any], data: bytes
) -> None:
    shared, array = poked_sprite(m, "tag", data)
    got = read(shared, array, "tag")
    assert type(got) is bytes
    assert got == data


def test_bytes_reads_in_views_give_all_n_bytes(m: ModuleType) -> None:
    shared, array = poked_sprite(m, "tag", b"a\0b\0")
    with shared.update() as view:
        assert view.tag == b"a\0b\0"
    with array.update() as items:
        assert items[1].tag == b"a\0b\0"


def test_bytes_writes_are_nul_padded_over_old_content(m: ModuleType) -> None:
    shared = m.SharedSprite(tag=b"wxyz")
    shared.tag = b"a"
    assert peek(shared.get_obj(), "tag") == b"a\0\0\0"
    assert shared.tag == b"a\0\0\0"
    with shared.update() as view:
        view.tag = b"bc"
    assert shared.tag == b"bc\0\0"


# -- arrays: tuples, C (row-major) order -----------------------------------------------


def test_multi_dimensional_arrays_are_in_c_row_major_order(m: ModuleType) -> None:
    values = [[float(2 * row + col) for col in range(2)] for row in range(8)]
    shared = m.SharedSprite(samples=values)
    obj = shared.get_obj()
    flat = struct.unpack("<16f", peek(obj, "samples"))
    assert flat == tuple(float(i) for i in range(16))
    assert obj.samples[3][1] == 7.0
    assert shared.samples[3][1] == 7.0
    assert shared.samples[3] == (6.0, 7.0)


def test_multi_dimensional_reads_follow_memory_in_c_order(m: ModuleType) -> None:
    shared = m.SharedSprite()
    poke(shared.get_obj(), "samples", struct.pack("<16f", *range(100, 116)))
    expected = tuple((100.0 + 2 * row, 101.0 + 2 * row) for row in range(8))
    assert shared.samples == expected
    assert shared.snapshot().samples == expected
    with shared.update() as view:
        assert view.samples[5][0] == 110.0
        assert [tuple(row) for row in view.samples] == list(expected)
        view.samples[5][1] = -1.0
    assert struct.unpack("<16f", peek(shared.get_obj(), "samples"))[11] == -1.0


def test_text_arrays_are_stored_item_after_item(m: ModuleType) -> None:
    shared = m.SharedSprite(labels=["ab", "é", "wxyz"])
    assert peek(shared.get_obj(), "labels") == b"ab\0\0" + "é".encode() + b"\0\0wxyz"


def test_arrays_read_as_tuples(m: ModuleType) -> None:
    shared = m.SharedSprite()
    data = shared.snapshot()
    for value in (shared.samples, data.samples, shared.corners, data.corners):
        assert type(value) is tuple
    for row in (*shared.samples, *data.samples):
        assert type(row) is tuple
    for corner in (*shared.corners, *data.corners):
        assert type(corner) is m.PointData
    assert type(shared.labels) is tuple
    assert type(shared.labels[0]) is str


# -- enums and nested records ----------------------------------------------------------


@pytest.mark.parametrize("read", READERS)
@pytest.mark.parametrize(
    ("field", "stored", "expected"),
    [
        ("color", b"\x02", "Color.BLUE"),
        ("color", b"\x00", "Color.RED"),
        ("level", struct.pack("<h", -3), "Level.LOW"),
        ("level", struct.pack("<h", 5), "Level.HIGH"),
        ("code", struct.pack("<H", 9), "Code.BETA"),
    ],
)
def test_enum_fields_read_back_as_members(
    m: ModuleType, read: Callable[..., Any], field: str, stored: bytes, expected: str
) -> None:
    enum_name, member = expected.split(".")
    shared, array = poked_sprite(m, field, stored)
    got = read(shared, array, field)
    assert type(got) is getattr(m, enum_name)
    assert got is getattr(getattr(m, enum_name), member)


def test_enum_fields_read_back_as_members_after_an_int_write(m: ModuleType) -> None:
    shared = m.SharedScalars()
    shared.color = 2
    assert shared.color is m.Color.BLUE
    with shared.update() as view:
        view.level = -3
        assert view.level is m.Level.LOW
        assert view.color is m.Color.BLUE
    assert shared.snapshot().level is m.Level.LOW
    assert shared.get_obj().level == -3


def test_nested_records_read_as_data(m: ModuleType) -> None:
    shared = m.SharedSprite(origin=m.PointData(3.0, 4.0))
    assert type(shared.origin) is m.PointData
    assert shared.origin == m.PointData(3.0, 4.0)
    data = shared.snapshot()
    assert type(data) is m.SpriteData
    assert type(data.origin) is m.PointData
    assert data.origin == m.PointData(3.0, 4.0)
    array = m.SharedSpriteArray([data])
    assert type(array[0].origin) is m.PointData
    assert array[0] == data


def test_scalar_reads_have_python_types(m: ModuleType) -> None:
    shared = m.SharedScalars(flag=True, single=0.5, double=2.0)
    assert type(shared.flag) is bool and shared.flag is True
    assert type(shared.single) is float
    assert type(shared.double) is float
    ints = m.SharedInts(u64=2**64 - 1, i64=-(2**63))
    assert type(ints.u64) is int and ints.u64 == 2**64 - 1
    assert ints.i64 == -(2**63)


def test_snapshot_matches_the_properties(m: ModuleType) -> None:
    """Both read paths give back what the constructor was given, every field (the
    ones not given: their defaults), with the reading's own types."""
    given = {
        "origin": m.PointData(1.0, 2.0),
        "corners": tuple(m.PointData(float(i), -float(i)) for i in range(4)),
        "samples": tuple((float(i), 0.5) for i in range(8)),
        "name": "nm",
        "labels": ("a", "b", "c"),
        "tag": b"t",
        "color": m.Color.BLUE,
        "level": m.Level.LOW,
        "code": m.Code.BETA,
        "visible": True,
        "weight": 0.25,
        "count": -4,
        "anchor": m.PointData(x=7.5),
    }
    expected = {**expected_sprite_defaults(m), **given, "tag": b"t\0\0\0"}
    shared = m.SharedSprite(**given)
    data = shared.snapshot()
    assert [f.name for f in dataclasses.fields(data)] == list(expected)
    for name, value in expected.items():
        for how, got in [
            ("snapshot", getattr(data, name)),
            ("property", getattr(shared, name)),
        ]:
            assert got == value, (how, name)
            assert type(got) is type(value), (how, name)


# -- defaults --------------------------------------------------------------------------


def expected_sprite_defaults(m: ModuleType) -> dict[str, Any]:
    return {
        "origin": m.PointData(0.0, 1.5),  # the nested record's own defaults
        "corners": (m.PointData(0.0, 1.5),) * 4,
        "samples": ((0.0, 0.0),) * 8,
        "name": "",
        "labels": ("", "", ""),
        "tag": b"\0\0\0\0",
        "color": m.Color.GREEN,  # the schema's default
        "level": m.Level.ZERO,  # the member whose value is 0, not the first one
        "code": m.Code.ALPHA,  # no member is 0: the first member
        "visible": False,
        "weight": 0.0,
        "count": 0,
        "anchor": m.PointData(2.5, 1.5),  # a schema default, the rest nested defaults
        "title": "hé",
        "magic": b"ab\0\0",
        "ratio": 0.25,
        "on": True,
    }


def test_data_defaults(m: ModuleType) -> None:
    data = m.SpriteData()
    for field, expected in expected_sprite_defaults(m).items():
        got = getattr(data, field)
        assert got == expected, field
        assert type(got) is type(expected), field
    assert m.PointData() == m.PointData(0.0, 1.5)
    assert m.IntsData() == m.IntsData(0, 0, 0, 0, 0, 0, 0, 0)
    scalars = m.ScalarsData()
    assert scalars.flag is False
    assert scalars.color is m.Color.GREEN
    assert scalars.level is m.Level.ZERO
    assert scalars.code is m.Code.ALPHA


def test_shared_record_defaults(m: ModuleType) -> None:
    shared = m.SharedSprite()
    expected = expected_sprite_defaults(m)
    for field, value in expected.items():
        assert getattr(shared, field) == value, field
    assert shared.snapshot() == m.SpriteData(**expected)
    obj = shared.get_obj()  # and in memory
    assert (obj.color, obj.level, obj.code) == (1, 0, 7)
    assert peek(obj, "magic") == b"ab\0\0"
    assert peek(obj, "title") == "hé".encode() + bytes(5)
    assert (obj.anchor.x, obj.anchor.y, obj.origin.y) == (2.5, 1.5, 1.5)
    assert m.SharedScalars().snapshot() == m.ScalarsData()
    assert m.SharedInts().snapshot() == m.IntsData()
    assert m.SharedPoint().snapshot() == m.PointData(0.0, 1.5)


def test_shared_array_element_defaults(m: ModuleType) -> None:
    sprites = m.SharedSpriteArray(3)
    assert len(sprites) == 3
    assert sprites.snapshot() == [m.SpriteData()] * 3
    assert sprites[2] == m.SpriteData(**expected_sprite_defaults(m))
    obj = sprites.get_obj()
    assert [(item.color, item.level, item.code) for item in obj] == [(1, 0, 7)] * 3
    assert m.SharedScalarsArray(2).snapshot() == [m.ScalarsData()] * 2
    assert m.SharedPointArray(1)[0] == m.PointData(0.0, 1.5)


def test_constructors_take_every_field_as_an_optional_keyword(m: ModuleType) -> None:
    shared = m.SharedSprite(count=3, level=m.Level.HIGH)
    expected = {**expected_sprite_defaults(m), "count": 3, "level": m.Level.HIGH}
    assert shared.snapshot() == m.SpriteData(**expected)
    assert m.SpriteData(count=3, level=m.Level.HIGH) == m.SpriteData(**expected)
    everything = m.SpriteData(**expected)
    assert m.SharedSprite(**expected).snapshot() == everything
    assert m.SharedPoint(1.0, 2.0).snapshot() == m.PointData(1.0, 2.0)
    assert m.SharedPoint(y=4.0).snapshot() == m.PointData(0.0, 4.0)


# -- the ...Data value class -----------------------------------------------------------


def test_data_is_a_frozen_slotted_dataclass(m: ModuleType) -> None:
    data = m.PointData(1.0, 2.0)
    assert dataclasses.is_dataclass(data)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.x = 5.0  # type: ignore[misc]
    assert not hasattr(data, "__dict__")
    assert m.PointData.__slots__ == ("x", "y")


def test_data_equality_hashing_repr_and_replace(m: ModuleType) -> None:
    a = m.SpriteData(origin=m.PointData(1.0, 2.0), name="a")
    b = m.SpriteData(origin=m.PointData(1.0, 2.0), name="a")
    assert a == b and hash(a) == hash(b)
    assert len({a, b, m.SpriteData()}) == 2
    assert a != m.SpriteData(origin=m.PointData(1.0, 2.5), name="a")
    assert "origin=PointData(x=1.0, y=2.0)" in repr(a)
    assert "name='a'" in repr(a)
    c = dataclasses.replace(a, name="c")
    assert c.name == "c" and c.origin == a.origin and a.name == "a"


def test_get_obj_is_the_shared_structure(m: ModuleType) -> None:
    shared = m.SharedSprite(count=5)
    obj = shared.get_obj()
    assert type(obj) is m.Sprite
    assert obj is shared.get_obj()
    obj.count = 6  # unchecked raw access writes the same memory
    assert shared.count == 6
    array = m.SharedSpriteArray(2)
    raw = array.get_obj()
    assert len(raw) == 2
    assert isinstance(raw[0], m.Sprite)
    raw[1].count = 9
    assert array[1].count == 9
