"""How long a named segment's name lives: the resource tracker, and a clean exit.

The creator registers each name it makes (the segment, its lock's semaphore) with the
standard library's resource tracker, which removes them once the creator and every
process that shares its tracker (its forked children) have ended, SIGKILL included.
On a clean exit the creator removes them itself, after multiprocessing has joined its
children, and unregisters them, so that the tracker has nothing to warn about; it
removes a name only if it is still the object it made (device and inode compared).

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SHM_DIR"]

SHM_DIR = "/dev/shm"

_TrackerHook = Callable[[str, str], None]


def _tracker() -> tuple[_TrackerHook, _TrackerHook]:
    from multiprocessing import resource_tracker

    return resource_tracker.register, resource_tracker.unregister


@dataclass
class _Owned:
    """What this process made for one segment and the tracker watches: (tracker
    name, resource type, (st_dev, st_ino) when made)."""

    entries: list[tuple[str, str, tuple[int, int] | None]]


_owned: dict[str, _Owned] = {}
_owner_pid = [0]


def _path_of(tracker_name: str, rtype: str) -> str:
    base = tracker_name.lstrip("/")
    return f"{SHM_DIR}/sem.{base}" if rtype == "semaphore" else f"{SHM_DIR}/{base}"


def _identity(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _own(name: str, tracker_name: str, rtype: str) -> None:
    """Register a name this process made with the resource tracker (so it goes when
    this process and its children have ended, however they end), and remove it on a
    clean exit, after multiprocessing has joined its children."""
    from multiprocessing import util

    if _owner_pid[0] != os.getpid():  # first time in this process (or a forked child)
        _owned.clear()
        _owner_pid[0] = os.getpid()
        util.Finalize(None, _clean_exit, exitpriority=-100)
    _tracker()[0](tracker_name, rtype)
    entry = _owned.setdefault(name, _Owned([]))
    entry.entries.append(
        (tracker_name, rtype, _identity(_path_of(tracker_name, rtype)))
    )


def _disown(name: str, remove: bool) -> None:
    """Stop tracking what this process made for ``name``; with ``remove``, unlink it
    first, unless the name now belongs to another object (removed and made again)."""
    if _owner_pid[0] != os.getpid():
        return
    entry = _owned.pop(name, None)
    if entry is None:
        return
    unregister = _tracker()[1]
    for tracker_name, rtype, identity in entry.entries:
        path = _path_of(tracker_name, rtype)
        if remove and identity is not None and _identity(path) == identity:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        unregister(tracker_name, rtype)


def _clean_exit() -> None:
    for name in sorted(_owned):
        _disown(name, remove=True)


def _remove(name: str, tracked: bool) -> None:
    if tracked:
        _disown(name, remove=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(f"{SHM_DIR}/{name}")
