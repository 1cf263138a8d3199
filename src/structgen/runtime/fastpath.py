"""Property reads and writes of one scalar under the crash-safe lock, inline.

A record guarded by a ``RobustLock`` (named records; ``lock="robust"``) would pay two
Python calls (``acquire``/``release``) on every property access. For a plain scalar
field (an int, float or bool of at most 8 bytes: no journal needed, since such a store
cannot be torn) this module gives the record's class a subclass whose property takes
the lock inline, as ``RobustLock.raw_parts()`` documents: try the semaphore, stamp the
owner word, read or write, put a release marker, post. Anything else (the lock busy,
held by this thread already, not yet registered, a refused value) goes through the
generated property, which takes the lock fully (waits, re-entry, recovery) and names
the field in its errors.

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import ctypes
import operator
import typing
from collections.abc import Callable
from typing import Any

__all__ = ["fast_class"]

_cache: dict[type[Any], type[Any]] = {}
_SCALAR_VALUES = (int, float, bool)


def fast_class(cls: type[Any]) -> type[Any]:
    """``cls`` with inline-locked properties for its plain scalar fields (cached)."""
    fast = _cache.get(cls)
    if fast is None:
        namespace: dict[str, Any] = {"_fast_of": cls, "__module__": cls.__module__}
        hints = typing.get_type_hints(cls._codec.data)
        for name, ctype, *_bits in cls._struct._fields_:
            prop = getattr(cls, name, None)
            if (
                isinstance(prop, property)
                and hints.get(name) in _SCALAR_VALUES
                and issubclass(ctype, ctypes._SimpleCData)
                and ctypes.sizeof(ctype) <= 8
            ):
                namespace[name] = _inline(name, prop)
        fast = type(cls.__name__, (cls,), namespace)
        fast.__qualname__ = cls.__qualname__
        _cache[cls] = fast
    return fast


def _inline(name: str, prop: property) -> property:
    read = operator.attrgetter(name)
    slow_get: Callable[[Any], Any] = prop.fget  # type: ignore[assignment]
    slow_set: Callable[[Any, Any], None] = prop.fset  # type: ignore[assignment]

    def fget(self: Any) -> Any:
        lock = self._lock
        stamp = lock.stamp
        if stamp and self._try_take(False):
            words = self._words
            words[1] = stamp  # the owner word
            try:
                return read(self._obj)
            finally:
                words[1] = next(lock.markers)
                self._post()
        return slow_get(self)

    def fset(self: Any, value: Any) -> None:
        lock = self._lock
        stamp = lock.stamp
        if stamp and self._try_take(False):
            words = self._words
            words[1] = stamp
            try:
                setattr(self._live, name, value)  # checked by the view; <= 8 bytes
                return
            except (TypeError, OverflowError, ValueError):
                pass  # refused, nothing written: the full path names the field
            finally:
                words[1] = next(lock.markers)
                self._post()
        slow_set(self, value)

    return property(fget, fset, doc=prop.__doc__)
