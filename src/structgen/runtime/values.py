"""Checked values: how each field is checked on write and converted on read.

A codec's ``check`` returns what ctypes stores, or raises an error naming the field; it
never writes, so a refused value leaves shared memory unchanged.
"""

from __future__ import annotations

import ctypes
import dataclasses
import enum
import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Final, Generic, TypeVar, cast

from .views import ArrayView, Field, View

__all__ = [
    "UNSET",
    "Codec",
    "Unset",
    "array",
    "boolean",
    "checked",
    "enum_of",
    "fast_constructor",
    "float32",
    "float64",
    "int8",
    "int16",
    "int32",
    "int64",
    "raw_bytes",
    "record",
    "text",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
]

V = TypeVar("V")  # what a read gives
In = TypeVar("In")  # what a write accepts
L = TypeVar("L")  # what a read gives inside update(): a live view where it can be
E = TypeVar("E", bound=enum.IntEnum)
ViewT = TypeVar("ViewT", bound=View)
DataT = TypeVar("DataT")

# The smallest magnitude that rounds to infinity in float32: FLT_MAX plus half an ulp.
_FLOAT32_OVERFLOW = 2.0**128 - 2.0**103

# -- checks on writes --------------------------------------------------------------


class Codec(Generic[V, In, L]):
    """How one field is checked on write and converted on read.

    ``check`` returns what ctypes stores, or raises an error naming the field;
    it never writes, so a refused value leaves shared memory unchanged.
    """

    __slots__ = ("label",)
    plain: ClassVar[bool] = False  # ctypes' own read already gives the value

    def __init__(self, label: str) -> None:
        self.label = label

    def check(self, value: object) -> Any:
        raise NotImplementedError

    def read(self, raw: Any) -> V:
        return raw  # type: ignore[no-any-return]

    def live(self, raw: Any) -> L:
        return self.read(raw)  # type: ignore[return-value]

    def refuse(self, value: object) -> Exception:
        """The error a write of ``value`` raises (for writes ctypes refused first)."""
        try:
            self.check(value)
        except (TypeError, ValueError, OverflowError) as error:  # for the caller
            return error
        return TypeError(f"{self.label}: cannot store {value!r}")

    def _type_error(self, value: object, expected: str) -> TypeError:
        return TypeError(
            f"{self.label} must be {expected}, not {type(value).__name__} {value!r:.60}"
        )


class _Int(Codec[int, int, int]):
    __slots__ = ("high", "low", "type_name")
    plain = True

    def __init__(self, label: str, type_name: str, low: int, high: int) -> None:
        super().__init__(label)
        self.type_name, self.low, self.high = type_name, low, high

    def check(self, value: object) -> int:
        if type(value) is int and self.low <= value <= self.high:
            return value  # the common case, first
        if not isinstance(value, int):
            raise self._type_error(value, "an int")
        if not self.low <= value <= self.high:
            raise OverflowError(
                f"{self.label} = {value} is out of range for {self.type_name} "
                f"({self.low} .. {self.high})"
            )
        return int(value)


class _Bool(Codec[bool, bool, bool]):
    __slots__ = ()
    plain = True

    def check(self, value: object) -> bool:
        if not isinstance(value, bool):
            raise self._type_error(value, "a bool")
        return value


class _Float(Codec[float, float, float]):
    __slots__ = ("single",)
    plain = True

    def __init__(self, label: str, single: bool) -> None:
        super().__init__(label)
        self.single = single

    def check(self, value: object) -> float:
        # What ctypes itself takes for a double (it is what a view's float64 field
        # takes): a real number, or an object with __float__ or __index__, not text.
        cls = type(value)
        if isinstance(value, str | bytes | bytearray) or not (
            hasattr(cls, "__float__") or hasattr(cls, "__index__")
        ):
            raise self._type_error(value, "a float")
        try:
            number = float(value)  # type: ignore[arg-type]
        except OverflowError:
            number = math.inf  # an int beyond any float: reported below
        # Rounding to float32 is fine, and so are inf and nan; a finite value that
        # would become inf is not.
        limit = _FLOAT32_OVERFLOW if self.single else math.inf
        if not isinstance(value, int):
            huge = limit <= abs(number) < math.inf
        else:  # an int: float() makes a huge one inf, which it never meant
            huge = limit <= abs(number)
        if huge:
            kind = "float32" if self.single else "float64"
            raise OverflowError(
                f"{self.label} = {value!r:.60} is out of range for {kind}"
            )
        return number


class _Text(Codec[str, str, str]):
    __slots__ = ("ctype", "size")

    def __init__(self, label: str, size: int) -> None:
        super().__init__(label)
        self.size = size
        self.ctype = ctypes.c_char * size

    def check(self, value: object) -> ctypes.Array[ctypes.c_char]:
        if not isinstance(value, str):
            raise self._type_error(value, "a str")
        if "\0" in value:
            raise ValueError(f"{self.label} must not contain NUL characters")
        try:
            encoded = value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"{self.label}: {value!r:.40} cannot be encoded as UTF-8"
            ) from None
        if len(encoded) > self.size:
            raise ValueError(
                f"{self.label} holds at most {self.size} bytes of UTF-8; "
                f"{value!r:.40} needs {len(encoded)}"
            )
        return self.ctype.from_buffer_copy(encoded.ljust(self.size, b"\0"))

    def read(self, raw: Any) -> str:
        data: bytes = raw if isinstance(raw, bytes) else raw.value
        return data.decode("utf-8", "replace")


class _Bytes(Codec[bytes, bytes, bytes]):
    __slots__ = ("ctype", "size")

    def __init__(self, label: str, size: int) -> None:
        super().__init__(label)
        self.size = size
        self.ctype = ctypes.c_uint8 * size

    def check(self, value: object) -> ctypes.Array[ctypes.c_uint8]:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise self._type_error(value, "bytes")
        data = bytes(value)
        if len(data) > self.size:
            raise ValueError(
                f"{self.label} holds at most {self.size} bytes; got {len(data)}"
            )
        return self.ctype.from_buffer_copy(data.ljust(self.size, b"\0"))

    def read(self, raw: Any) -> bytes:
        return bytes(raw)


class _Enum(Codec[E, E | int, E]):
    __slots__ = ("enum", "values")

    def __init__(self, label: str, enum_type: type[E]) -> None:
        super().__init__(label)
        self.enum = enum_type
        self.values = frozenset(member.value for member in enum_type)

    def check(self, value: object) -> int:
        if isinstance(value, self.enum):
            return int(value)
        if isinstance(value, enum.Enum) or not isinstance(value, int):
            raise self._type_error(value, f"a {self.enum.__name__} or its int value")
        if value not in self.values:
            names = ", ".join(f"{m.name}={m.value}" for m in self.enum)
            raise ValueError(
                f"{self.label} = {value} is no member of {self.enum.__name__} ({names})"
            )
        return int(value)

    def read(self, raw: Any) -> E:
        try:
            return self.enum(raw)
        except ValueError:
            names = ", ".join(f"{m.name}={m.value}" for m in self.enum)
            raise ValueError(
                f"{self.label} holds {raw}, which is no member of "
                f"{self.enum.__name__} ({names}); was it written outside structgen, "
                "or is it zeroed memory never assigned?"
            ) from None


class _Record(Codec[DataT, DataT, ViewT]):
    __slots__ = ("data", "store", "to_data", "view")

    def __init__(self, label: str, view: type[ViewT], data: type[DataT]) -> None:
        super().__init__(label)
        self.view, self.data = view, data
        # the generated view class converts to and from its record's ...Data
        self.to_data: Callable[[Any], DataT] = cast(Any, view)._to_data
        self.store: Callable[[ViewT, DataT], None] = cast(Any, view)._store

    def check(self, value: object) -> ViewT:
        if type(value) is not self.data:
            if type(value) is self.view:  # a live view of the same record: its bytes
                return self.view.from_buffer_copy(value)
            raise self._type_error(value, f"a {self.data.__name__}")
        scratch = self.view()
        self.store(scratch, value)
        return scratch

    def read(self, raw: Any) -> DataT:
        return self.to_data(raw)

    def live(self, raw: Any) -> ViewT:
        return self.view.from_buffer(raw)


class _Array(Codec[tuple[V, ...], Sequence[In], ArrayView[L, In]]):
    __slots__ = ("ctype", "item", "length")

    def __init__(self, item: Codec[V, In, L], ctype: Any, length: int) -> None:
        super().__init__(item.label)
        self.item, self.ctype, self.length = item, ctype * length, length

    def check(self, value: object) -> Any:
        if not isinstance(value, Sequence) or isinstance(value, str | bytes):
            raise self._type_error(value, f"a sequence of {self.length} items")
        if len(value) != self.length:
            raise ValueError(
                f"{self.label} holds exactly {self.length} items; got {len(value)}"
            )
        check = self.item.check
        return self.ctype(*[check(item) for item in value])

    def read(self, raw: Any) -> tuple[V, ...]:
        if self.item.plain:
            return tuple(raw)
        read = self.item.read
        return tuple([read(item) for item in raw])

    def live(self, raw: Any) -> ArrayView[L, In]:
        return ArrayView(raw, self.item)


def _int(name: str, size: int, signed: bool) -> Callable[[str], _Int]:
    low = -(1 << (8 * size - 1)) if signed else 0
    high = (1 << (8 * size - (1 if signed else 0))) - 1
    return lambda label: _Int(label, name, low, high)


int8, int16, int32, int64 = (_int(f"int{8 * n}", n, True) for n in (1, 2, 4, 8))
uint8, uint16, uint32, uint64 = (_int(f"uint{8 * n}", n, False) for n in (1, 2, 4, 8))


def boolean(label: str) -> _Bool:
    return _Bool(label)


def float32(label: str) -> _Float:
    return _Float(label, single=True)


def float64(label: str) -> _Float:
    return _Float(label, single=False)


def text(label: str, size: int) -> _Text:
    return _Text(label, size)


def raw_bytes(label: str, size: int) -> _Bytes:
    return _Bytes(label, size)


def enum_of(label: str, enum_type: type[E]) -> _Enum[E]:
    return _Enum(label, enum_type)


def record(label: str, view: type[ViewT], data: type[DataT]) -> _Record[DataT, ViewT]:
    return _Record(label, view, data)


def array(
    item: Codec[V, In, L], ctype: Any, *dims: int
) -> Codec[tuple[Any, ...], Sequence[Any], ArrayView[Any, Any]]:
    """Codec of a C-order array: ``array(float32(label), c_float, 8, 2)`` is [8][2]."""
    codec: Codec[Any, Any, Any] = item
    for length in reversed(dims):
        codec = _Array(codec, ctype, length)
        ctype = ctype * length
    return codec


class Unset(enum.Enum):
    """The type of ``UNSET``, the default of ``set()``'s keywords: not given.

    ``None`` would not do: ``p.set(x=None)`` must be refused like ``p.x = None``.
    """

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


# -- fast values -----------------------------------------------------------------------

T = TypeVar("T")


def fast_constructor(cls: type[T]) -> Callable[..., T]:
    """A positional constructor of the frozen, slotted dataclass ``cls``.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``.
    This fills an unfrozen twin with the same slots by plain attribute stores, then
    makes it a ``cls`` (same slots, so same layout): equal, hashable and frozen like
    any other, at about half the cost. As ``dataclasses`` does for ``__init__``, the
    function is compiled once, for this class's fields.
    """
    names = [field.name for field in dataclasses.fields(cls)]  # type: ignore[arg-type]
    twin = type(cls.__name__, (), {"__slots__": tuple(cls.__slots__)})  # type: ignore[attr-defined]
    namespace: dict[str, Any] = {"_new": object.__new__, "_twin": twin, "_cls": cls}
    lines = [f"def make({', '.join(names)}):", "    self = _new(_twin)"]
    lines += [f"    self.{name} = {name}" for name in names]
    lines += ["    self.__class__ = _cls", "    return self"]
    # As dataclasses builds __init__; field names are identifiers: nothing to inject.
    exec("\n".join(lines), namespace)  # noqa: S102
    return namespace["make"]  # type: ignore[no-any-return]


def checked(raw: Any, codec: Codec[V, In, L]) -> Field[L, In]:
    """A view field that checks every write with ``codec`` before ctypes stores it."""
    get, put, check = raw.__get__, raw.__set__, codec.check
    if isinstance(codec, _Text):
        # ctypes copies bytes into a char array only up to their first NUL, leaving
        # the tail of a longer old text behind it: copy all N bytes ourselves.
        offset, size = raw.offset, raw.size
        memmove, address = ctypes.memmove, ctypes.addressof

        def put(obj: Any, array: Any) -> None:
            memmove(address(obj) + offset, array, size)

    def write(obj: object, value: object) -> None:
        put(obj, check(value))

    if isinstance(codec, _Int):  # the hot path of counters: check in line
        low, high = codec.low, codec.high

        def write(obj: object, value: object) -> None:
            if type(value) is int and low <= value <= high:
                put(obj, value)
            else:
                put(obj, check(value))

    if codec.plain:
        return property(get, write)  # type: ignore[return-value]
    live = codec.live

    def read(obj: object) -> L:
        return live(get(obj))

    return property(read, write)  # type: ignore[return-value]
