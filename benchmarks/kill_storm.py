"""Kill storm: SIGKILL the holders of a named record's lock, over and over.

Three unrelated worker processes (``python -c``) loop on ``update()``: ``x += 1``, a
short busy loop, ``y -= 1``. One of them, picked at random, is SIGKILLed at a random
moment (most of its time is spent holding the lock), and restarted, 200 times, while
this process reads ``snapshot()`` without pause and checks ``x + y == 0`` on each.

Printed: kills, recoveries (the lock's own count), torn snapshots (must be 0), the
longest wait of a survivor for the lock (must be <= 0.5 s; measured by each worker
around each update() entry), and progress after the storm (updates a second).

    python benchmarks/kill_storm.py [--kills 200]
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import structgen

SCHEMA = """\
records:
  Storm:
    fields:
      x: int64
      y: int64
      stop: bool
"""

WORKER = """\
import os, sys, time
from {package}.storm import SharedStorm
p = SharedStorm.attach({name!r}, timeout=30)
out = os.open({waits!r}, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
longest = 0.0
clock = time.monotonic
with p.update():
    pass
os.write(1, b"r")  # attached and running: may be killed from now on
while True:
    began = clock()
    with p.update() as v:
        waited = clock() - began
        if v.stop:
            break
        v.x += 1
        for _ in range(200):
            pass
        v.y -= 1
    if waited > longest:
        longest = waited
        os.write(out, b"%f\\n" % waited)
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="kill-storm-") as folder:
        root = Path(folder)
        (root / "schemas").mkdir()
        (root / "schemas" / "storm.yaml").write_text(SCHEMA)
        package = "storm_pkg"
        structgen.build([root / "schemas"], root / package)
        sys.path.insert(0, folder)
        storm = importlib.import_module(f"{package}.storm")
        name = f"kill-storm-{os.getpid()}"
        record = storm.SharedStorm.create(name)
        env = {**os.environ, "PYTHONPATH": folder}

        def start(index: int) -> subprocess.Popen[bytes]:
            waits = str(root / f"waits-{index}-{time.monotonic_ns()}")
            code = WORKER.format(package=package, name=name, waits=waits)
            return subprocess.Popen(
                [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE
            )

        ready: set[int] = set()

        def running() -> list[int]:
            """Workers that have attached and are looping (not still starting)."""
            pending = {
                w.stdout.fileno(): i  # type: ignore[union-attr]
                for i, w in enumerate(workers)
                if i not in ready
            }
            if pending:
                readable, _, _ = select.select(list(pending), [], [], 0)
                for fd in readable:
                    os.read(fd, 1)
                    ready.add(pending[fd])
            return sorted(ready)

        workers = [start(i) for i in range(args.workers)]
        time.sleep(1.0)  # let them attach
        kills = torn = reads = 0
        rng = random.Random(1)
        began = time.monotonic()
        next_kill = began + rng.uniform(0.01, 0.05)
        try:
            while kills < args.kills:
                snap = record.snapshot()
                reads += 1
                if snap.x + snap.y != 0:
                    torn += 1
                now = time.monotonic()
                if now >= next_kill and (candidates := running()):
                    index = rng.choice(candidates)
                    workers[index].send_signal(signal.SIGKILL)
                    workers[index].wait()
                    kills += 1
                    ready.discard(index)
                    workers[index] = start(index)
                    next_kill = now + rng.uniform(0.01, 0.05)
            storm_time = time.monotonic() - began
            time.sleep(1.0)  # the restarted workers attach
            before = record.x
            time.sleep(1.0)
            progress = record.x - before
            for _ in range(200):  # still consistent after the storm
                snap = record.snapshot()
                torn += snap.x + snap.y != 0
        finally:
            record.stop = True
            for worker in workers:
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
        lock = record.get_lock()
        recoveries = lock.recoveries if lock is not None else 0  # type: ignore[attr-defined]
        longest = max(
            (
                float(line)
                for path in root.glob("waits-*")
                for line in path.read_text().split()
            ),
            default=0.0,
        )
        final = record.snapshot()
        record.unlink()
        record.close()
    print(f"kills:                 {kills} in {storm_time:.1f} s")
    print(f"recoveries:            {recoveries}")
    print(f"snapshots read:        {reads}")
    print(f"torn snapshots:        {torn}  (must be 0)")
    print(f"longest survivor wait: {longest * 1000:.0f} ms  (must be <= 500 ms)")
    print(f"progress after storm:  {progress} updates in 1 s")
    print(f"final x + y:           {final.x + final.y}  (x = {final.x})")
    ok = torn == 0 and final.x + final.y == 0 and progress > 0 and longest <= 0.5
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
