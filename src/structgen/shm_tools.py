"""``structgen inspect``, ``ls`` and ``rm``: named segments seen from outside.

Everything here reads the segment's own header and layout description; no generated
module is imported. Values are read without taking the record's lock (inspect must
never wait on, or disturb, the processes using it), so a value being written at that
instant may be shown half old, half new.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

from .runtime import lockinfo
from .runtime.header import HEADER_SIZE, MAGIC, Header, parse_header, read_description
from .runtime.layoutdesc import decode_values
from .runtime.segment import (
    _NAME_RE,
    SHM_DIR,
    _map,
    _need_linux,
    check_name,
    process_start_time,
    unlink_name,
)

__all__ = ["format_inspect", "format_ls", "inspect_segment", "remove_segment"]


@dataclass(frozen=True)
class Creator:
    pid: int
    alive: bool  # the same process (pid and start time), not a reused pid


def _creator(header: Header) -> Creator:
    start = process_start_time(header.creator_pid) if header.creator_pid > 0 else None
    alive = start is not None and start == header.creator_start
    return Creator(header.creator_pid, alive)


def _open_read_only(name: str) -> int:
    """A read-only descriptor of segment ``name``, never opened through a link."""
    check_name(name)
    path = f"{SHM_DIR}/{name}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        raise FileNotFoundError(f"no shared memory segment named '{name}'") from None
    except PermissionError:
        raise PermissionError(
            f"no permission to read shared memory segment '{name}' ({path})"
        ) from None
    return fd


def _read(name: str) -> tuple[Header, bytes]:
    """The header and a copy of the whole segment (read-only, no lock taken)."""
    fd = _open_read_only(name)
    try:
        size = os.fstat(fd).st_size
        if size > 1 << 34:
            raise ValueError(f"shared memory segment '{name}' is {size} bytes")
        raw = b""
        while len(raw) < size:
            chunk = os.pread(fd, size - len(raw), len(raw))
            if not chunk:
                break
            raw += chunk
    finally:
        os.close(fd)
    return parse_header(raw, name), raw


def inspect_segment(name: str) -> dict[str, Any]:
    """What ``structgen inspect --json`` prints."""
    header, raw = _read(name)
    desc = read_description(raw, header, name)
    lock = lockinfo.describe(
        raw[header.lock_offset : header.lock_offset + header.lock_size],
        header.lock_kind,
        name,
    )
    data = raw[header.data_offset : header.data_offset + header.data_size]
    creator = _creator(header)
    return {
        "name": name,
        "record": desc.record,
        "kind": header.kind_name,
        "count": header.count,
        "element_size": header.elem_size,
        "size": header.size,
        "format_version": header.version,
        "fingerprint": header.fingerprint.hex(),
        "creator": {"pid": creator.pid, "alive": creator.alive},
        "created": header.created_ns / 1e9,
        "persist": header.persist,
        "lock": lock.text,
        "lock_holder": (
            None if lock.pid is None else {"pid": lock.pid, "alive": lock.alive}
        ),
        "recoveries": lock.recoveries,
        "fields": [
            {"name": f.name, "type": f.spelled(), "offset": f.offset, "size": f.size}
            for f in desc.root.fields
        ],
        "values": decode_values(desc, data, header.count, header.kind),
    }


def _age(created: float) -> str:
    seconds = max(0.0, time.time() - created)
    for unit, length in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= length:
            return f"{seconds / length:.0f} {unit}"
    return f"{seconds:.0f} s"


def format_inspect(info: dict[str, Any]) -> str:
    creator = info["creator"]
    lines = [
        (
            f"segment      {info['name']} ({SHM_DIR}/{info['name']}, "
            f"{info['size']} bytes, format version {info['format_version']})"
        ),
        (
            f"record       {info['record']} ({info['kind']}, {info['count']} element"
            f"{'s' if info['count'] != 1 else ''} of {info['element_size']} bytes)"
        ),
        f"fingerprint  {info['fingerprint']}",
        f"creator      pid {creator['pid']} ({'alive' if creator['alive'] else 'gone'})"
        f", {_age(info['created'])} ago" + (", persistent" if info["persist"] else ""),
        f"lock         {info['lock']}",
        f"recoveries   {info['recoveries']}",
        "values (read without the lock):",
    ]
    values = info["values"]
    if isinstance(values, list):
        lines += [f"  [{i}] {json.dumps(v)}" for i, v in enumerate(values)]
    else:
        lines += [f"  {key} = {json.dumps(v)}" for key, v in values.items()]
    return "\n".join(lines)


def format_ls() -> str:
    rows = [("NAME", "RECORD", "SIZE", "CREATOR", "AGE")]
    for name, header, problem in list_segments():
        if header is None:
            rows.append((name, f"? ({problem})", "", "", ""))
            continue
        creator = _creator(header)
        record = header.record
        if header.kind_name == "array":
            record += f"[{header.count}]"
        rows.append(
            (
                name,
                record,
                str(header.size),
                f"{creator.pid} ({'alive' if creator.alive else 'gone'})",
                _age(header.created_ns / 1e9),
            )
        )
    if len(rows) == 1:
        return "no structgen segments"
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return "\n".join(
        (
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False))
            + "  "
            + row[4]
        ).rstrip()
        for row in rows
    )


def remove_segment(name: str) -> None:
    """Unlink a structgen segment and its lock's companions; refuse anything else."""
    fd = _open_read_only(name)
    try:
        head = os.pread(fd, 8, 0)
    finally:
        os.close(fd)
    if head != b"STRUCTGN":
        raise ValueError(
            f"shared memory segment '{name}' is not a structgen segment; not removed"
        )
    unlink_name(name)
    lockinfo.unlink_companions(name)


def list_segments() -> list[tuple[str, Header | None, str]]:
    """Every entry of /dev/shm that is a structgen segment: (name, header, problem).

    A structgen segment that cannot be read fully comes with its header None and the
    reason; other files are left out.
    """
    _need_linux()
    found: list[tuple[str, Header | None, str]] = []
    for entry in sorted(os.listdir(SHM_DIR)):
        if not _NAME_RE.fullmatch(entry) or entry in (".", ".."):
            continue
        try:
            fd = os.open(
                f"{SHM_DIR}/{entry}", os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
            )
        except OSError:
            continue
        try:
            head = os.pread(fd, HEADER_SIZE, 0)
            if not head.startswith(MAGIC):
                continue
            try:
                buf = _map(fd, entry, writable=False)
            except (OSError, ValueError) as exc:
                found.append((entry, None, str(exc)))
                continue
            try:
                header = parse_header(buf, entry)
                found.append((entry, header, ""))
            except ValueError as exc:
                found.append((entry, None, str(exc)))
            finally:
                buf.close()
        finally:
            os.close(fd)
    return found
