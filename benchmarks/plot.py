"""Plot the accessor benchmark: structgen's speed relative to the standard library.

Run from the repository root, after one or more runs of the benchmark::

    python benchmarks/accessors.py --json benchmarks/results/accessors-1.json
    python benchmarks/plot.py [FILE.json ...] [-o docs/img/accessors.png]

Without FILEs it reads every ``benchmarks/results/accessors-*.json``. Each bar is the
median over the runs, its whisker the range; 1.0 is the standard library's speed, and a
tick marks each row's target. matplotlib is needed by this script only (it is no
dependency of structgen): ``pip install matplotlib``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def speed(row: dict[str, Any], value: float) -> float:
    """``value`` (a row's ratio or target) as structgen's speed / the stdlib's."""
    return 1.0 / value if row["kind"] == "time" else value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE.json")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=ROOT / "docs" / "img" / "accessors.png",
        help="the image to write (default: docs/img/accessors.png)",
    )
    args = parser.parse_args()
    files = args.files or sorted(
        (ROOT / "benchmarks" / "results").glob("accessors-*.json")
    )
    if not files:
        sys.exit("no figures: run python benchmarks/accessors.py --json FILE first")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("benchmarks/plot.py needs matplotlib: pip install matplotlib")

    runs = [json.loads(path.read_text(encoding="utf-8")) for path in files]
    rows = runs[0]["rows"]
    labels = [row["label"] for row in rows]
    speeds = [
        [
            speed(row, run_row["ratio"])
            for run in runs
            for run_row in run["rows"]
            if run_row["label"] == row["label"]
        ]
        for row in rows
    ]
    middle = [statistics.median(values) for values in speeds]
    low = [m - min(values) for m, values in zip(middle, speeds, strict=True)]
    high = [max(values) - m for m, values in zip(middle, speeds, strict=True)]

    figure, axes = plt.subplots(figsize=(9, 0.55 * len(rows) + 1.6))
    positions = list(range(len(rows)))[::-1]
    colours = ["#2e7d32" if m >= 1 else "#c62828" for m in middle]
    axes.barh(positions, middle, xerr=[low, high], color=colours, alpha=0.8, capsize=3)
    for position, row in zip(positions, rows, strict=True):
        if row["target"] is not None:
            target = speed(row, row["target"])
            axes.plot([target, target], [position - 0.4, position + 0.4], color="black")
    axes.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    axes.set_yticks(positions, labels, fontsize=8)
    axes.set_xlabel("speed relative to the standard library (higher is faster)")
    first = runs[0]
    loads = [run["load"] for run in runs if "load" in run]
    load = f", load average {min(loads):.1f}-{max(loads):.1f}" if loads else ""
    axes.set_title(
        f"structgen vs multiprocessing: {len(runs)} run(s), {first['date']}, "
        f"Python {first['python']}, {first['cpus']} CPUs, {first['start_method']}"
        f"{load}\nbar: median, whisker: range, black tick: target",
        fontsize=9,
    )
    figure.tight_layout()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(args.output, dpi=100)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
