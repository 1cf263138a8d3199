"""Which processes are alive: pid and start time from /proc (standard library only).

A process is named by its pid and the low 32 bits of its start time (clock ticks,
field 22 of /proc/<pid>/stat): a reused pid is not mistaken for the process it replaced.
``IDENTITY`` is this process's identity word (``refresh_identity()`` after a fork).
"""

from __future__ import annotations

import os

__all__ = ["IDENTITY", "identity_alive", "need_proc", "pid_alive", "refresh_identity"]


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """(state letter, start time in clock ticks) of ``pid``, or None if it is gone.

    Anything else that goes wrong (no permission, an unexpected format) raises
    ``OSError``: the caller must then not take the process for dead.
    """
    try:
        fd = os.open(f"/proc/{pid}/stat", os.O_RDONLY)
    except (FileNotFoundError, ProcessLookupError):
        return None
    try:
        raw = os.read(fd, 4096)
    except ProcessLookupError:  # it went while we read
        return None
    finally:
        os.close(fd)
    # "pid (comm) S ...": comm may hold spaces and ")", so split after the last ")"
    fields = raw[raw.rfind(b")") + 2 :].split()
    try:
        return fields[0].decode("ascii", "replace"), int(fields[19])
    except (IndexError, ValueError):
        raise OSError(f"/proc/{pid}/stat has an unexpected format") from None


def pid_alive(pid: int, start: int) -> bool:
    """Whether process ``pid`` that started at ``start`` (low 32 bits of the clock
    ticks of /proc/<pid>/stat field 22) is still running: a reused pid, a zombie and a
    vanished process are all dead. When /proc cannot tell (no permission, an odd
    format), the process is taken for alive: a live holder is never robbed."""
    if pid <= 0:
        return False
    try:
        stat = _proc_stat(pid)
    except OSError:
        return True
    if stat is None:
        return False
    state, ticks = stat
    return state not in ("Z", "X", "x") and (ticks & 0xFFFFFFFF) == start


def _self_identity() -> int:
    """This process's identity word: pid | (start time low 32 bits) << 32; 0 when
    /proc cannot tell (then no lock is made or opened: see need_proc)."""
    pid = os.getpid()
    try:
        stat = _proc_stat(pid)
    except OSError:
        return 0
    if stat is None:
        return 0
    return pid | (stat[1] & 0xFFFFFFFF) << 32


def need_proc() -> None:
    if not IDENTITY:
        raise OSError(
            "RobustLock needs Linux's /proc/<pid>/stat to tell a dead holder from a "
            "live one, and cannot read it here"
        )


def identity_alive(identity: int) -> bool:
    return pid_alive(identity & 0xFFFFFFFF, identity >> 32)


IDENTITY = _self_identity()


def refresh_identity() -> None:
    """Recompute ``IDENTITY`` (in a forked child: a new pid and start time)."""
    global IDENTITY
    IDENTITY = _self_identity()
