"""Share a record by name between two terminals: one publishes, the other watches.

Run from the repository root, in two terminals::

    python examples/named_pose.py publish          # terminal 1
    python examples/named_pose.py watch            # terminal 2

``publish`` makes the named record ``/dev/shm/pose-demo`` (``SharedPose.create``) and
moves the pose around a circle 20 times a second, each step one atomic ``update()``.
``watch`` finds it by name (``SharedPose.attach``, waiting up to 30 s for it to appear)
and prints a consistent ``snapshot()`` a few times a second. The two processes are
unrelated: neither started the other.

Try, while both run: ``structgen inspect pose-demo`` (a third terminal; no generated
module needed), ``kill -9`` the publisher (its record goes with it: the watcher says
so), or start a second watcher. Options: ``--name NAME``, ``--seconds S`` (default:
until Ctrl-C).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for "import generated"

from generated.pose import SharedPose

RATE = 20.0  # updates a second


def publish(name: str, seconds: float | None) -> int:
    pose = SharedPose.create(name, frame="map")  # FileExistsError if already there
    print(
        f"publishing pose on '{name}' ({RATE:g} updates/s); Ctrl-C to stop", flush=True
    )
    began = time.monotonic()
    try:
        while seconds is None or time.monotonic() - began < seconds:
            t = time.monotonic() - began
            with pose.update() as v:  # one atomic step: a watcher never sees half
                v.x = math.cos(t / 2)
                v.y = math.sin(t / 2)
                v.heading = (t / 2 + math.pi / 2) % (2 * math.pi)
                v.seq += 1
            time.sleep(1 / RATE)
    except KeyboardInterrupt:
        pass
    print(f"published {pose.seq} updates; '{name}' goes away as this process ends")
    pose.close()
    return 0


def watch(name: str, seconds: float | None) -> int:
    print(f"waiting for '{name}' (start `named_pose.py publish`)...", flush=True)
    try:
        pose = SharedPose.attach(name, timeout=30)
    except FileNotFoundError:
        print(f"no publisher made '{name}' within 30 s", file=sys.stderr)
        return 1
    began = time.monotonic()
    last = -1
    try:
        while seconds is None or time.monotonic() - began < seconds:
            p = pose.snapshot()  # all fields under one lock acquisition
            if p.seq != last:
                print(
                    f"seq {p.seq:6d}  x {p.x:+.3f}  y {p.y:+.3f}  "
                    f"heading {math.degrees(p.heading):6.1f} deg  ({p.frame})",
                    flush=True,
                )
                last = p.seq
            if not os.path.exists(f"/dev/shm/{name}"):
                print("the publisher has gone (its record was removed)", flush=True)
                break
            time.sleep(0.25)
    except KeyboardInterrupt:
        pass
    pose.close()  # an attacher never removes the record
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("role", choices=["publish", "watch"])
    parser.add_argument("--name", default="pose-demo", help="segment name")
    parser.add_argument(
        "--seconds", type=float, default=None, help="stop after this long"
    )
    args = parser.parse_args()
    if args.role == "publish":
        return publish(args.name, args.seconds)
    return watch(args.name, args.seconds)


if __name__ == "__main__":
    sys.exit(main())
