"""Named shared memory segments: create, attach, close, unlink, lifetime.

A named record lives in ``/dev/shm/<name>``, laid out as::

    [fixed header, 256 bytes][lock block][layout description][data][undo copy]

every region starting on a 64-byte boundary (``header.py``, docs/segment-format.md).
The creator stores the header with its ready flag clear, lets the caller fill the lock
block and the data, and stores the ready flag last: an attacher never sees a half-made
segment; it waits for one (up to its timeout, or 1 s), then refuses it.

Lifetime: the creator registers the name with the standard library's resource tracker
(the process that unlinks what a family of processes leaves behind once every one of
them has ended, SIGKILL included); attachers never register (CPython gh-82300:
``SharedMemory()`` registers on attach, so it is never used here). On a clean exit the
creator removes the name itself, after multiprocessing has joined its children, and
unregisters it, so the tracker has nothing to warn about. ``persist=True`` registers
nothing: the name stays until ``unlink()``.

Standard library only: this module is copied verbatim into every generated package.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import math
import mmap
import os
import re
import stat
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .header import (
    _HEADER,
    _READY_OFFSET,
    DATA_ALIGN,
    FLAG_PERSIST,
    FORMAT_VERSION,
    HEADER_SIZE,
    KIND_NAMES,
    MAGIC,
    READY,
    Header,
    NotReady,
    parse_header,
    read_description,
)
from .layoutdesc import Description, describe_fingerprint, parse_description
from .lifetime import SHM_DIR, _disown, _own, _owned, _owner_pid, _path_of, _remove

__all__ = [
    "SHM_DIR",
    "Segment",
    "check_name",
    "process_start_time",
    "segment_path",
    "unlink_name",
]

_NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,200}")


def _align(offset: int, to: int = DATA_ALIGN) -> int:
    return -(-offset // to) * to


def check_name(name: object) -> str:
    """A segment name: 1-200 ASCII letters, digits, '.', '_', '-'; not '.' or '..'."""
    if not isinstance(name, str):
        raise TypeError(f"a segment name must be a str, not {type(name).__name__}")
    if not _NAME_RE.fullmatch(name) or name in (".", ".."):
        raise ValueError(
            f"bad segment name {name!r}: use 1-200 ASCII letters, digits, '.', '_' "
            "or '-' (not '.' or '..'; a name is never a path)"
        )
    return name


def segment_path(name: str) -> str:
    return f"{SHM_DIR}/{check_name(name)}"


def _need_linux() -> None:
    if not sys.platform.startswith("linux") or not os.path.isdir(SHM_DIR):
        raise OSError(
            "named records need Linux POSIX shared memory (/dev/shm); "
            f"not available on {sys.platform}"
        )


def process_start_time(pid: int) -> int | None:
    """Field 22 of /proc/<pid>/stat (clock ticks after boot); None if no such live
    process (a zombie counts as dead)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()
    # fields[0] is field 3 (state); field 22 is fields[19]
    if len(fields) < 20 or fields[0] in (b"Z", b"X"):
        return None
    try:
        return int(fields[19])
    except ValueError:
        return None


# -- segments ------------------------------------------------------------------------


def _open_error(exc: OSError, name: str, doing: str) -> OSError:
    path = f"{SHM_DIR}/{name}"
    if isinstance(exc, PermissionError):
        return PermissionError(
            exc.errno,
            f"no permission to {doing} shared memory segment '{name}' ({path}); "
            "it belongs to another user or its mode does not allow you",
        )
    if isinstance(exc, FileNotFoundError):
        return FileNotFoundError(
            exc.errno, f"no shared memory segment named '{name}' ({path})"
        )
    if isinstance(exc, FileExistsError):
        return FileExistsError(
            exc.errno,
            f"shared memory segment '{name}' already exists ({path}); attach to it, "
            "pass exist_ok=True, or remove it with `structgen rm`",
        )
    if exc.errno == errno.ELOOP:
        return OSError(exc.errno, f"'{path}' is a symbolic link, not a segment")
    return exc


def _map(fd: int, name: str, writable: bool) -> mmap.mmap:
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"shared memory segment '{name}' is not a regular file")
    if info.st_size == 0:
        raise NotReady(f"shared memory segment '{name}' is not ready (empty)")
    access = mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ
    return mmap.mmap(fd, info.st_size, access=access)


@dataclass(frozen=True)
class Plan:
    """Where each region goes in a segment of ``count`` elements."""

    lock_offset: int
    lock_size: int
    desc_offset: int
    desc_size: int
    data_offset: int
    data_size: int
    undo_offset: int
    undo_size: int
    size: int

    @classmethod
    def make(
        cls,
        lock_size: int,
        desc_size: int,
        data_size: int,
        undo_size: int,
        elem_align: int,
    ) -> Plan:
        lock_off = HEADER_SIZE
        desc_off = _align(lock_off + lock_size)
        data_off = _align(desc_off + desc_size, max(DATA_ALIGN, elem_align))
        undo_off = _align(data_off + data_size, max(DATA_ALIGN, elem_align))
        size = _align(undo_off + undo_size)
        return cls(
            lock_off,
            lock_size,
            desc_off,
            desc_size,
            data_off,
            data_size,
            undo_off,
            undo_size,
            size,
        )


class Segment:
    """One mapping of a named segment: its header, description and regions."""

    name: str
    header: Header
    description: Description
    created: bool

    def __init__(
        self,
        name: str,
        buf: mmap.mmap,
        header: Header,
        description: Description,
        created: bool,
    ) -> None:
        self.name = name
        self._mmap: mmap.mmap | None = buf
        self.header = header
        self.description = description
        self.created = created
        self._views: list[memoryview] = []
        self.tracked = False

    # -- regions (memoryviews the segment releases on close) --
    @property
    def buffer(self) -> mmap.mmap:
        if self._mmap is None:
            raise ValueError(f"shared memory segment '{self.name}' is closed")
        return self._mmap

    def view(self, offset: int, size: int) -> memoryview:
        whole = memoryview(self.buffer)
        part = whole[offset : offset + size]
        self._views += (whole, part)
        return part

    @property
    def closed(self) -> bool:
        return self._mmap is None

    # -- making and finding segments --
    @classmethod
    def create(
        cls,
        name: str,
        *,
        kind: int,
        description: bytes,
        count: int,
        elem_size: int,
        elem_align: int,
        lock_size: int,
        undo_size: int,
        lock_kind: int = 1,
        mode: int = 0o600,
        persist: bool = False,
        init: Callable[[Segment], None] | None = None,
    ) -> Segment:
        """Make ``/dev/shm/<name>`` (never an existing one), lay it out, let ``init``
        fill the lock block and the data, then set the ready flag."""
        check_name(name)
        _need_linux()
        if isinstance(mode, bool) or not isinstance(mode, int):
            raise TypeError(f"mode must be an int such as 0o600, not {mode!r}")
        if not 0 <= mode <= 0o777:
            raise ValueError(f"mode must be permission bits 0o000-0o777, not {mode:#o}")
        if kind not in KIND_NAMES:
            raise ValueError(f"unknown segment kind {kind}")
        desc = parse_description(description, "this module")
        if desc.root.size != elem_size:
            raise ValueError("description and element size disagree")
        plan = Plan.make(
            lock_size, len(description), elem_size * count, undo_size, elem_align
        )
        path = f"{SHM_DIR}/{name}"
        flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        try:
            fd = os.open(path, flags, mode)
        except OSError as exc:
            raise _open_error(exc, name, "create") from None
        tracked = False
        try:
            if not persist:
                _own(name, f"/{name}", "shared_memory")
                tracked = True
            os.fchmod(fd, mode)  # the umask must not change the mode asked for
            os.ftruncate(fd, plan.size)
            buf = mmap.mmap(fd, plan.size, access=mmap.ACCESS_WRITE)
        except BaseException:
            os.close(fd)
            _remove(name, tracked)
            raise
        os.close(fd)
        pid = os.getpid()
        fingerprint = describe_fingerprint(description)
        header = Header(
            FORMAT_VERSION,
            kind,
            False,
            plan.size,
            count,
            elem_size,
            elem_align,
            plan.lock_offset,
            plan.lock_size,
            plan.data_offset,
            plan.data_size,
            plan.undo_offset,
            plan.undo_size,
            plan.desc_offset,
            plan.desc_size,
            pid,
            process_start_time(pid) or 0,
            time.time_ns(),
            FLAG_PERSIST if persist else 0,
            lock_kind,
            fingerprint,
            desc.record,
        )
        _HEADER.pack_into(
            buf,
            0,
            MAGIC,
            FORMAT_VERSION,
            HEADER_SIZE,
            kind,
            0,
            plan.size,
            count,
            elem_size,
            elem_align,
            plan.lock_offset,
            plan.lock_size,
            plan.data_offset,
            plan.data_size,
            plan.undo_offset,
            plan.undo_size,
            plan.desc_offset,
            plan.desc_size,
            pid,
            header.creator_start,
            header.created_ns,
            header.flags,
            lock_kind,
            fingerprint,
            desc.record.encode()[:72],
        )
        buf[plan.desc_offset : plan.desc_offset + plan.desc_size] = description
        segment = cls(name, buf, header, desc, created=True)
        segment.tracked = tracked
        try:
            if init is not None:
                init(segment)
        except BaseException:
            segment.close()
            _remove(name, tracked)
            raise
        struct.pack_into("<I", buf, _READY_OFFSET, READY)  # last: now it may be used
        segment.header = dataclasses.replace(header, ready=True)
        return segment

    @classmethod
    def attach(
        cls, name: str, *, timeout: float | None = None, writable: bool = True
    ) -> Segment:
        """Map an existing segment once it is ready; never registers its name."""
        check_name(name)
        _need_linux()
        if timeout is not None:
            if isinstance(timeout, bool) or not isinstance(timeout, int | float):
                raise TypeError(
                    f"timeout must be a number of seconds or None, not {timeout!r}"
                )
            if math.isnan(timeout) or timeout < 0:
                raise ValueError(f"timeout must be >= 0, not {timeout}")
        start = time.monotonic()
        appear_by = start + (timeout if timeout is not None else 0.0)
        ready_by = start + (timeout if timeout is not None else 1.0)
        path = f"{SHM_DIR}/{name}"
        flags = (os.O_RDWR if writable else os.O_RDONLY) | os.O_NOFOLLOW | os.O_CLOEXEC
        delay = 0.001
        while True:
            try:
                fd = os.open(path, flags)
            except FileNotFoundError as exc:
                if time.monotonic() >= appear_by:
                    raise _open_error(exc, name, "open") from None
            except OSError as exc:
                raise _open_error(exc, name, "open") from None
            else:
                try:
                    buf = _map(fd, name, writable)
                    try:
                        header = parse_header(buf, name)
                        description = read_description(buf, header, name)
                    except BaseException:
                        buf.close()
                        raise
                    return cls(name, buf, header, description, created=False)
                except NotReady as exc:
                    if time.monotonic() >= ready_by:
                        raise NotReady(
                            f"{exc} after {1.0 if timeout is None else timeout:g} s: "
                            "its creator "
                            "may have died while making it (remove it with "
                            f"`structgen rm {name}`)"
                        ) from None
                finally:
                    os.close(fd)
            time.sleep(delay)
            delay = min(delay * 2, 0.05)

    # -- ending --
    def close(self) -> None:
        """Unmap. Later use raises ValueError. Idempotent."""
        if self._mmap is None:
            return
        for view in reversed(self._views):
            view.release()
        self._views.clear()
        buf, self._mmap = self._mmap, None
        # While ctypes objects made from the buffer still point into it, the mapping
        # goes when the last of them is freed.
        with contextlib.suppress(BufferError):
            buf.close()

    def adopt(self, tracker_name: str, rtype: str) -> None:
        """A companion object (its lock's semaphore) made with this segment: it
        shares the segment's lifetime (tracked unless ``persist``)."""
        if self.tracked:
            _own(self.name, tracker_name, rtype)

    def unlink(self, companions: Sequence[tuple[str, str]] = ()) -> None:
        """Remove the name (and stop tracking it); mapped processes go on working."""
        unlink_name(self.name, companions)


def unlink_name(name: str, companions: Sequence[tuple[str, str]] = ()) -> None:
    """Remove a segment's name and its companions' (``(tracker name, type)``, e.g. its
    lock's semaphore); stop tracking them if this process made them."""
    check_name(name)
    owned = _owner_pid[0] == os.getpid() and name in _owned
    try:
        os.unlink(f"{SHM_DIR}/{name}")
    except FileNotFoundError:
        if not owned:
            raise FileNotFoundError(
                errno.ENOENT, f"no shared memory segment named '{name}'"
            ) from None
    except PermissionError as exc:
        raise _open_error(exc, name, "remove") from None
    for tracker_name, rtype in companions:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(_path_of(tracker_name, rtype))
    _disown(name, remove=False)
