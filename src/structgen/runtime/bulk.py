"""numpy views of shared record arrays (optional: numpy is imported only when used).

The dtype is built from the record's ctypes Structure (offsets, sizes, ``pack:``) and
from its fields' codecs (which fields are text, bytes or enums), with explicit names,
formats, offsets and itemsize, so that it is the ctypes layout byte for byte:
nested records are nested dtypes, ``T[N]`` (any number of dimensions) subarrays,
``str[N]`` and ``bytes[N]`` ``S{N}``, enums their integer type and ``bool`` ``?``.
"""

from __future__ import annotations

import ctypes
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from .values import Codec, _Array, _Bytes, _Enum, _Record, _Text

if TYPE_CHECKING:
    import numpy as _numpy  # type: ignore[import-not-found, unused-ignore]

__all__ = ["NumpyMethods", "array_dtype", "check_array", "numpy_module"]

_INSTALL = "numpy is not installed: install structgen[numpy] (pip install numpy) to use"


def numpy_module(what: str) -> Any:
    """The numpy module, or an ImportError that says how to get it."""
    try:
        return importlib.import_module("numpy")
    except ImportError:
        raise ImportError(f"{_INSTALL} {what}") from None


def _structure(view: type[Any]) -> Any:
    for klass in view.__mro__:
        if "_fields_" in klass.__dict__:
            return klass
    raise TypeError(f"{view.__name__} is no ctypes Structure")  # pragma: no cover


def _format(np: Any, codec: Codec[Any, Any, Any], ctype: Any) -> Any:
    shape: list[int] = []
    while isinstance(codec, _Array):
        shape.append(codec.length)
        codec, ctype = codec.item, ctype._type_
    if isinstance(codec, _Record):
        base = record_dtype(np, codec.view)
    elif isinstance(codec, _Text | _Bytes):
        base = np.dtype(f"S{codec.size}")
    else:  # ints, enums (their integer type), bool, floats
        base = np.dtype(ctype)
    return (base, tuple(shape)) if shape else base


def record_dtype(np: Any, view: type[Any]) -> Any:
    """The structured dtype of the record whose generated view class is ``view``."""
    struct = _structure(view)
    types = {spec[0]: spec[1] for spec in struct._fields_}
    names, formats, offsets = [], [], []
    for name, codec in view._codecs:
        names.append(name)
        formats.append(_format(np, codec, types[name]))
        offsets.append(struct.__dict__[name].offset)
    return np.dtype(
        {
            "names": names,
            "formats": formats,
            "offsets": offsets,
            "itemsize": ctypes.sizeof(struct),
        }
    )


def array_dtype(np: Any, view: type[Any]) -> _numpy.dtype[Any]:
    """The dtype of one element, cached on the view class."""
    cached: _numpy.dtype[Any] | None = view.__dict__.get("_sg_dtype")
    if cached is None:
        cached = record_dtype(np, view)
        view._sg_dtype = cached
    return cached


def _first_bad(np: Any, bad: Any) -> int | None:
    """The first record index (axis 0) where ``bad`` is true anywhere."""
    per_record = bad.reshape(bad.shape[0], -1).any(axis=1) if bad.ndim > 1 else bad
    where = np.flatnonzero(per_record)
    return int(where[0]) if len(where) else None


def _check_fields(np: Any, name: str, view: type[Any], values: Any) -> None:
    for field, codec in view._codecs:
        column = values[field]
        while isinstance(codec, _Array):
            codec = codec.item
        if isinstance(codec, _Record):
            _check_fields(np, name, codec.view, column)
        elif isinstance(codec, _Enum):
            members = np.array(sorted(codec.values), dtype=column.dtype.base)
            bad = ~np.isin(column, members)
            index = _first_bad(np, bad)
            if index is not None:
                wrong = column[index][bad[index]] if bad.ndim > 1 else column[index]
                first = int(np.asarray(wrong).flat[0])
                names = ", ".join(f"{m.name}={m.value}" for m in codec.enum)
                raise ValueError(
                    f"{name}.assign_numpy(): {codec.label} at index {index} holds "
                    f"{first}, no member of {codec.enum.__name__} ({names}); "
                    "nothing was written"
                )
        elif isinstance(codec, _Text):
            size = codec.size
            raw = np.ascontiguousarray(column).view(np.uint8)
            raw = raw.reshape((*column.shape, size))
            # a NUL inside the text: a NUL byte followed by a byte that is not one
            inner = (raw[..., :-1] == 0) & (raw[..., 1:] != 0)
            index = _first_bad(np, inner.any(axis=-1))
            if index is not None:
                raise ValueError(
                    f"{name}.assign_numpy(): {codec.label} at index {index} has a NUL "
                    "inside its text (only padding after the text may be NUL); "
                    "nothing was written"
                )
            wide = (raw >= 0x80).any(axis=-1)
            if wide.ndim > 1:
                wide = wide.reshape(wide.shape[0], -1).any(axis=1)
            for position in np.flatnonzero(wide):
                for item in np.asarray(column[position]).reshape(-1):
                    try:
                        bytes(item).decode("utf-8")
                    except UnicodeDecodeError:
                        raise ValueError(
                            f"{name}.assign_numpy(): {codec.label} at index "
                            f"{int(position)} is not valid UTF-8; nothing was written"
                        ) from None


def check_array(
    np: Any, name: str, view: type[Any], dtype: Any, length: int, values: object
) -> Any:
    """``values`` as a C-contiguous array ready to copy, or the error refusing it."""
    if not isinstance(values, np.ndarray):
        raise TypeError(
            f"{name}.assign_numpy() needs a numpy array of {name}.dtype(), "
            f"not {type(values).__name__}"
        )
    if values.dtype != dtype:
        raise TypeError(
            f"{name}.assign_numpy() needs an array of {name}.dtype() {dtype}; "
            f"got dtype {values.dtype}"
        )
    if values.shape != (length,):
        raise ValueError(
            f"{name}.assign_numpy() needs shape ({length},), one item per element; "
            f"got {values.shape}"
        )
    _check_fields(np, name, view, values)
    return np.ascontiguousarray(values)


class NumpyMethods:
    """The numpy methods of ``SharedRecordArray`` (which provides these attributes)."""

    _view: ClassVar[type[Any]]
    _obj: Any
    _memory: memoryview
    _acquire: Callable[..., Any]
    _release: Callable[[], None]
    _journal: Callable[..., Any]

    @classmethod
    def dtype(cls) -> _numpy.dtype[Any]:
        """The structured numpy dtype of one element: the ctypes layout exactly."""
        np = numpy_module(f"{cls.__name__}.dtype()")
        return array_dtype(np, cls._view)

    @contextmanager
    def numpy(self) -> Iterator[_numpy.ndarray[Any, Any]]:
        """Hold the lock for the block and yield a zero-copy numpy view of the array.

        Writes through the view go straight to shared memory, unchecked (numpy's own
        semantics: no enum or text checks). The view is flagged read-only when the
        block ends; any array derived from it inside the block stays valid memory
        (it keeps the shared memory alive) but is no longer guarded by the lock:
        keep nothing from the block, copy what you need (``to_numpy()``).
        """
        np = numpy_module(f"{type(self).__name__}.numpy()")
        dtype = array_dtype(np, self._view)
        self._acquire()
        try:
            self._journal()  # writes may follow: a crash-safe lock's undo copy
            # over the ctypes array itself: the view keeps it (and so the mapping of
            # a named array) alive, even past close()
            view = np.frombuffer(self._obj, dtype=dtype)
            try:
                yield view
            finally:
                view.flags.writeable = False
        finally:
            self._release()

    def to_numpy(self) -> _numpy.ndarray[Any, Any]:
        """A copy of every element as a numpy array, taken under one acquisition."""
        np = numpy_module(f"{type(self).__name__}.to_numpy()")
        dtype = array_dtype(np, self._view)
        self._acquire()
        try:
            # copied as bytes (one memcpy), then seen as records
            raw: _numpy.ndarray[Any, Any] = np.frombuffer(self._obj, np.uint8)
            copy = raw.copy()
        finally:
            self._release()
        return copy.view(dtype)

    def assign_numpy(self, values: _numpy.ndarray[Any, Any]) -> None:
        """Write a whole array of ``dtype()`` and this length under one acquisition.

        Enum fields must hold members and ``str`` fields valid UTF-8 with no NUL
        inside the text; on a refusal (ValueError/TypeError naming the field and the
        index) nothing is written.
        """
        name = type(self).__name__
        np = numpy_module(f"{name}.assign_numpy()")
        dtype = array_dtype(np, self._view)
        source = check_array(np, name, self._view, dtype, len(self._obj), values)
        size = len(self._memory)
        self._acquire()
        try:
            self._journal()
            if size:
                ctypes.memmove(ctypes.addressof(self._obj), source.ctypes.data, size)
        finally:
            self._release()
