"""The runtime's checked values, tested directly: ``structgen.runtime.values`` and
``structgen.runtime.views``, with no generated module in sight."""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import math
from typing import Any

import pytest

from structgen.runtime import values, views
from structgen.runtime.values import UNSET


class Color(enum.IntEnum):
    RED = 0
    GREEN = 1
    BLUE = 5


class Other(enum.IntEnum):
    RED = 0


@pytest.mark.parametrize(
    ("factory", "low", "high"),
    [
        (values.int8, -128, 127),
        (values.int16, -(2**15), 2**15 - 1),
        (values.int32, -(2**31), 2**31 - 1),
        (values.int64, -(2**63), 2**63 - 1),
        (values.uint8, 0, 255),
        (values.uint16, 0, 2**16 - 1),
        (values.uint32, 0, 2**32 - 1),
        (values.uint64, 0, 2**64 - 1),
    ],
)
def test_integer_codecs_take_their_range_and_refuse_one_beyond(
    factory: Any, low: int, high: int
) -> None:
    codec = factory("R.n")
    assert codec.check(low) == low and codec.check(high) == high
    for beyond in (low - 1, high + 1):
        with pytest.raises(OverflowError, match=rf"^R\.n = {beyond} is out of range"):
            codec.check(beyond)
    with pytest.raises(TypeError, match=r"^R\.n must be an int, not float 1\.0"):
        codec.check(1.0)
    assert codec.plain  # ctypes' own read is the value


def test_bool_codec_refuses_ints() -> None:
    codec = values.boolean("R.flag")
    assert codec.check(True) is True
    with pytest.raises(TypeError, match=r"^R\.flag must be a bool, not int 1"):
        codec.check(1)


def test_float_codecs_refuse_overflow_and_text_but_keep_inf_and_nan() -> None:
    single, double = values.float32("R.f"), values.float64("R.d")
    assert single.check(1) == 1.0 and isinstance(single.check(1), float)
    assert single.check(math.inf) == math.inf
    assert math.isnan(double.check(math.nan))
    assert single.check(3.4e38) == 3.4e38  # rounds to FLT_MAX: fine
    with pytest.raises(
        OverflowError, match=r"^R\.f = 3\.5e\+38 is out of range for float32"
    ):
        single.check(3.5e38)
    with pytest.raises(OverflowError, match="out of range for float64"):
        double.check(10**400)  # float() would make it inf, which it never meant
    with pytest.raises(OverflowError, match="out of range for float32"):
        single.check(2**200)
    for text in ("1.0", b"1.0"):
        with pytest.raises(TypeError, match=r"^R\.d must be a float"):
            double.check(text)


def test_text_codec_checks_encoded_length_and_nul() -> None:
    codec = values.text("R.name", 4)
    stored = codec.check("ab")
    assert bytes(stored) == b"ab\0\0"
    assert bytes(codec.check("éé")) == "éé".encode()  # 4 bytes of UTF-8: full
    with pytest.raises(
        ValueError, match=r"holds at most 4 bytes of UTF-8; 'ééa' needs 5"
    ):
        codec.check("ééa")
    with pytest.raises(ValueError, match="must not contain NUL"):
        codec.check("a\0")
    with pytest.raises(ValueError, match="cannot be encoded as UTF-8"):
        codec.check("\ud800")
    with pytest.raises(TypeError, match=r"^R\.name must be a str"):
        codec.check(b"ab")
    assert codec.read(b"ab") == "ab"
    assert codec.read(b"\xff") == "\ufffd"  # a bad byte written outside: replaced


def test_bytes_codec_pads_and_reads_every_byte() -> None:
    codec = values.raw_bytes("R.tag", 4)
    assert bytes(codec.check(bytearray(b"xy"))) == b"xy\0\0"
    assert bytes(codec.check(memoryview(b"wxyz"))) == b"wxyz"
    with pytest.raises(ValueError, match="holds at most 4 bytes; got 5"):
        codec.check(b"12345")
    with pytest.raises(TypeError, match="must be bytes"):
        codec.check("xy")
    assert codec.read((ctypes.c_uint8 * 4)(120, 0, 0, 0)) == b"x\0\0\0"


def test_enum_codec_takes_members_and_values_of_its_own_enum_only() -> None:
    codec = values.enum_of("R.color", Color)
    assert codec.check(Color.BLUE) == 5 and codec.check(1) == 1
    with pytest.raises(TypeError, match="must be a Color or its int value"):
        codec.check(Other.RED)  # its value 0 would fit, but it is another enum's
    with pytest.raises(ValueError, match=r"= 2 is no member of Color \(RED=0, GREEN=1"):
        codec.check(2)
    assert codec.read(5) is Color.BLUE
    with pytest.raises(ValueError, match="holds 3, which is no member of Color"):
        codec.read(3)


def test_array_codec_checks_length_and_every_item_before_building() -> None:
    codec = values.array(values.int8("R.grid"), ctypes.c_int8, 2, 3)
    raw = codec.check([(1, 2, 3), [4, 5, 6]])
    assert codec.read(raw) == ((1, 2, 3), (4, 5, 6))
    with pytest.raises(ValueError, match=r"^R\.grid holds exactly 2 items; got 1"):
        codec.check([(1, 2, 3)])
    with pytest.raises(OverflowError, match=r"^R\.grid = 300 is out of range for int8"):
        codec.check([(1, 2, 3), (4, 5, 300)])
    with pytest.raises(TypeError, match="must be a sequence of 3 items"):
        codec.check([(1, 2, 3), "abc"])
    refused = codec.refuse([(1,)])
    assert isinstance(refused, ValueError) and "exactly 2 items" in str(refused)


def test_a_live_array_view_reads_and_writes_through_and_compares_by_value() -> None:
    codec = values.array(values.int16("R.a"), ctypes.c_int16, 3)
    raw = codec.check([1, 2, 3])
    live = codec.live(raw)
    assert isinstance(live, views.ArrayView)
    assert len(live) == 3 and live[-1] == 3 and live[0:2] == (1, 2)
    live[1] = 20
    assert raw[1] == 20 and list(live) == [1, 20, 3]
    assert live == (1, 20, 3) and live == [1, 20, 3] and live != (1, 20)
    assert 20 in live and live.index(3) == 2 and live.count(1) == 1
    with pytest.raises(OverflowError, match="out of range for int16"):
        live[0] = 2**20
    assert raw[0] == 1  # a refused write writes nothing
    with pytest.raises(IndexError, match=r"R\.a: index 3 out of range\(3\)"):
        live[3]
    with pytest.raises(TypeError, match="indices must be int"):
        live["0"]  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="is not in the array"):
        live.index(99)
    with pytest.raises(TypeError, match="unhashable"):
        hash(live)
    assert repr(live) == "ArrayView((1, 20, 3))"


def test_a_checked_field_refuses_before_ctypes_stores_and_clears_a_text_tail() -> None:
    class Rec(ctypes.Structure):
        _fields_ = [("n", ctypes.c_int8), ("name", ctypes.c_char * 4)]

    class RecView(Rec):
        n = values.checked(Rec.n, values.int8("Rec.n"))
        name = values.checked(Rec.name, values.text("Rec.name", 4))

    view = RecView()
    view.n = 5
    with pytest.raises(OverflowError, match=r"^Rec\.n = 128"):
        view.n = 128
    assert view.n == 5
    view.name = "abcd"
    view.name = "a"  # ctypes alone would leave "bcd" behind the NUL
    assert view.name == "a" and bytes(view)[1:] == b"a\0\0\0"
    with pytest.raises(TypeError, match=r"^Rec\.name must be a str"):
        view.name = 1
    assert view.name == "a"


def test_fast_constructor_makes_equal_frozen_hashable_values() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class PointData:
        x: float = 0.0
        y: float = 0.0

    make = values.fast_constructor(PointData)
    point = make(1.0, 2.0)
    assert type(point) is PointData and point == PointData(1.0, 2.0)
    assert hash(point) == hash(PointData(1.0, 2.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 3.0  # type: ignore[misc]
    assert dataclasses.replace(point, y=5.0) == PointData(1.0, 5.0)


def test_unset_is_a_singleton_not_none() -> None:
    assert UNSET is values.Unset.UNSET and UNSET is not None
    assert repr(UNSET) == "UNSET"
