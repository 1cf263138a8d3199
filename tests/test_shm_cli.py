"""``structgen inspect/ls/rm`` (SPEC section 6), through the real command line.

``inspect`` decodes the values from the segment's own description: these tests run it
in a subprocess that has no generated module anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from conftest import run_structgen
from shm_support import cleanup, make_point, unique_name

from structgen.runtime.segment import SHM_DIR

ROOT = Path(__file__).resolve().parents[1]


def test_inspect_text_and_json() -> None:
    name = unique_name("inspect")
    with cleanup(name):
        segment = make_point(name, x=2.25)
        result = run_structgen("inspect", name)
        assert result.returncode == 0, result.stderr
        for text in ("Point", "free", "recoveries", "x = 2.25", 't = "hi"', "GREEN"):
            assert text in result.stdout
        assert f"pid {os.getpid()} (alive)" in result.stdout
        result = run_structgen("inspect", name, "--json")
        assert result.returncode == 0, result.stderr
        info = json.loads(result.stdout)
        assert info["record"] == "Point"
        assert info["count"] == 1
        assert info["lock"] == "free"
        assert info["recoveries"] == 0
        assert info["values"] == {"x": 2.25, "y": -3, "c": "GREEN", "t": "hi"}
        assert info["fingerprint"] == segment.header.fingerprint.hex()
        segment.close()


def test_inspect_shows_a_held_lock() -> None:
    name = unique_name("held")
    with cleanup(name):
        make_point(name).close()
        code = (
            "import sys, time\n"
            "from shm_support import attach_lock\n"
            f"lock = attach_lock({name!r})\n"
            "lock.acquire(); print('held', flush=True); sys.stdin.read()\n"
        )
        env = {
            **os.environ,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT / 'tests'}",
        }
        holder = subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline() == "held\n"
            info = json.loads(run_structgen("inspect", name, "--json").stdout)
            assert info["lock"] == f"held by pid {holder.pid} (alive)"
            assert info["lock_holder"] == {"pid": holder.pid, "alive": True}
            text = run_structgen("inspect", name).stdout
            assert f"held by pid {holder.pid} (alive)" in text
            holder.kill()
            holder.wait()
            info = json.loads(run_structgen("inspect", name, "--json").stdout)
            assert info["lock"].startswith(f"held by pid {holder.pid} (dead")
        finally:
            holder.kill()
            holder.wait()


def test_ls_lists_structgen_segments_only() -> None:
    name, other = unique_name("ls"), unique_name("lsforeign")
    with cleanup(name, other):
        make_point(name).close()
        with open(f"{SHM_DIR}/{other}", "wb") as f:
            f.write(b"not ours" * 100)
        result = run_structgen("ls")
        assert result.returncode == 0, result.stderr
        line = next(x for x in result.stdout.splitlines() if x.startswith(name))
        assert "Point" in line and str(os.getpid()) in line
        assert other not in result.stdout


def test_rm_removes_and_refuses_foreign_files() -> None:
    name, other = unique_name("rm"), unique_name("rmforeign")
    with cleanup(name, other):
        make_point(name, persist=True).close()
        result = run_structgen("rm", name)
        assert result.returncode == 0, result.stderr
        assert not os.path.exists(f"{SHM_DIR}/{name}")
        assert not os.path.exists(f"{SHM_DIR}/sem.structgen.{name}.lock")
        with open(f"{SHM_DIR}/{other}", "wb") as f:
            f.write(b"x" * 300)
        result = run_structgen("rm", other)
        assert result.returncode == 1
        assert "not a structgen segment" in result.stderr
        assert "Traceback" not in result.stderr
        assert os.path.exists(f"{SHM_DIR}/{other}")


def test_errors_are_one_line() -> None:
    for args, message in (
        (("inspect", "no-such-segment-here"), "no shared memory segment named"),
        (("inspect", "../etc/passwd"), "bad segment name"),
        (("rm", "no-such-segment-here"), "no shared memory segment named"),
        (("rm", ".."), "bad segment name"),
    ):
        result = run_structgen(*args)
        assert result.returncode == 1
        assert message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


def test_inspect_refuses_a_corrupt_segment() -> None:
    name = unique_name("corruptcli")
    with cleanup(name):
        make_point(name).close()
        with open(f"{SHM_DIR}/{name}", "r+b") as f:
            f.truncate(300)
        result = run_structgen("inspect", name)
        assert result.returncode == 1
        assert "truncated" in result.stderr and "Traceback" not in result.stderr
