"""How long `structgen build` takes, against a bare YAML parse of the same files.

Generates (seeded, so every run builds the same tree) 100 schema files holding 1,000
records of mixed fields (every scalar type, enums, nested records, arrays of scalars and
records, multi-dimensional arrays, str/bytes, pack, defaults, docs, cross-file imports)
in a temporary folder, then times, in this one process:

* a full build (``structgen.build``) into a fresh output folder each time;
* a rebuild when nothing changed (the output already present and up to date);
* PyYAML's ``yaml.safe_load`` of the same files (reading them included), and for
  context the libyaml-backed ``CSafeLoader`` that structgen's own loader also uses.

Each figure is the best of several repeats. The goal (issue 2) is a build costing at
most 3x the bare ``yaml.safe_load``.

Then (issue 12), each in fresh processes as a user or pre-commit would run them:

* incremental builds of 30 files and 300 records: a full build, a rebuild and a
  ``--check`` with nothing changed (goal: 5x faster than the full build), and a rebuild
  after one file changed (goal: 1.8x faster), for a typical file (the median number of
  modules importing it, directly or not) and for the most imported one;
* the import of a generated module of 100 records (an int, an enum, a nested record
  and a float32[4] each), its bytecode compiled beforehand, the shared runtime package
  imported first and not counted (goal: 0.5 ms of CPU a record).

    .venv/bin/python benchmarks/build_speed.py            # the figures
    .venv/bin/python benchmarks/build_speed.py --profile  # and where time goes
    .venv/bin/python benchmarks/build_speed.py --only incremental   # or --only import
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import structgen

FILES = 100
RECORDS_PER_FILE = 10
SEED = 20240611
FOLDERS = ["", "", "core/", "sim/", "sim/fluid/", "io/"]
SCALARS = [
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float32",
    "float64",
]
INTEGERS = [t for t in SCALARS if "int" in t]
GOAL = 3.0


# -- the tree ------------------------------------------------------------------------


def _default(rng: random.Random, scalar: str) -> Any:
    if scalar == "bool":
        return rng.random() < 0.5
    if scalar.startswith("float"):
        return round(rng.uniform(-100, 100), 2)
    return rng.randint(0, 100)


def _schema(
    rng: random.Random,
    index: int,
    catalog: list[dict[str, Any]],
    records_per_file: int = RECORDS_PER_FILE,
) -> str:
    """One schema file as YAML text; adds what it defines to ``catalog``."""
    module = catalog[index]["module"]
    imports = rng.sample(catalog[:index], k=min(index, rng.choice([0, 1, 2, 3])))
    enums: dict[str, Any] = {}
    for e in range(rng.randint(1, 3)):
        spec: dict[str, Any] = {"type": rng.choice(INTEGERS)}
        if rng.random() < 0.5:
            spec["values"] = [f"V{v}" for v in range(rng.randint(2, 6))]
        else:
            spec["values"] = {f"V{v}": v * 3 + 1 for v in range(rng.randint(2, 6))}
        enums[f"E{index}x{e}"] = spec
    enum_refs = [(name, spec) for name, spec in enums.items()]
    for other in imports:
        enum_refs += [(f"{other['module']}.{n}", s) for n, s in other["enums"].items()]
    records: dict[str, Any] = {}
    # how deeply each record in reach nests others: nesting stops at 2, so that arrays
    # of records of arrays of records stay a few KiB
    depth = {f"{o['module']}.{n}": d for o in imports for n, d in o["depth"].items()}
    for r in range(records_per_file):
        nestable = [n for n, d in depth.items() if d < 2]
        fields: dict[str, Any] = {}
        my_depth = 0
        for f in range(rng.randint(4, 12)):
            kind = rng.choices(
                ["scalar", "enum", "record", "text", "array"], [8, 2, 2, 2, 2]
            )[0]
            field: dict[str, Any] = {}
            if kind == "enum":
                name, spec = rng.choice(enum_refs)
                field["type"] = name
                if rng.random() < 0.3:
                    values = spec["values"]
                    field["default"] = rng.choice(list(values))
            elif kind == "record" and nestable:
                target = rng.choice(nestable)
                my_depth = max(my_depth, depth[target] + 1)
                count = f"[{rng.randint(1, 3)}]" if rng.random() < 0.5 else ""
                field["type"] = target + count
            elif kind == "text":
                base = rng.choice(["str", "bytes"])
                length = rng.randint(1, 32)
                extra = f"[{rng.randint(2, 4)}]" if rng.random() < 0.2 else ""
                field["type"] = f"{base}[{length}]{extra}"
                if base == "str" and not extra and rng.random() < 0.3:
                    field["default"] = "x" * rng.randint(0, length)
            elif kind == "array":
                scalar = rng.choice(SCALARS)
                dims = [rng.randint(1, 8) for _ in range(rng.choice([1, 1, 2, 3]))]
                field["type"] = scalar + "".join(f"[{d}]" for d in dims)
            else:
                scalar = rng.choice(SCALARS)
                field["type"] = scalar
                if rng.random() < 0.3:
                    field["default"] = _default(rng, scalar)
            if rng.random() < 0.15:
                field["doc"] = f"Field {f} of record {r} in {module}."
            short = set(field) == {"type"} and rng.random() < 0.7
            fields[f"f{f}"] = field["type"] if short else field
        record: dict[str, Any] = {"fields": fields}
        if rng.random() < 0.3:
            record["doc"] = f"Record {r} of {module}."
        if rng.random() < 0.25:
            record["pack"] = rng.choice([1, 2, 4, 8, 16])
        name = f"R{index}x{r}"
        records[name] = record
        depth[name] = my_depth
    catalog[index].update(enums=enums, depth={n: depth[n] for n in records})
    document: dict[str, Any] = {"doc": f"Benchmark schema {index}."}
    if imports:
        document["imports"] = [other["module"] for other in imports]
    document["enums"] = enums
    document["records"] = records
    return yaml.safe_dump(document, sort_keys=False, width=88)


def make_tree(
    root: Path,
    seed: int = SEED,
    files: int = FILES,
    records_per_file: int = RECORDS_PER_FILE,
) -> list[Path]:
    """Write the benchmark's schema tree under ``root``; returns the files."""
    rng = random.Random(seed)
    catalog = []
    for index in range(files):
        folder = FOLDERS[index % len(FOLDERS)]
        catalog.append({"path": f"{folder}s{index:03d}.yaml"})
        catalog[index]["module"] = f"{folder}s{index:03d}".replace("/", ".")
    written = []
    for index in range(files):
        path = root / catalog[index]["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        text = _schema(rng, index, catalog, records_per_file)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


# -- timing --------------------------------------------------------------------------


Step = tuple[Callable[[], object], Callable[[], object]]  # (untimed set-up, timed run)


def timed_rounds(repeats: int, steps: dict[str, Step]) -> dict[str, float]:
    """Best time of each step over ``repeats`` rounds.

    The steps take turns within each round, so that a busy machine slows them alike.
    """
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(repeats):
        for name, (setup, run) in steps.items():
            setup()
            start = time.perf_counter()
            run()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def parse_all(files: list[Path], loader: type[Any]) -> None:
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)


# The stages of a build, by the function of ``structgen.api`` that runs each one.
STAGES = [
    ("discover", "find the schema files"),
    ("load_document", "read + compose YAML (libyaml), positions, dup keys"),
    ("parse_schema", "check structure with pydantic"),
    ("resolve", "resolve types and imports, validate, lay out"),
    ("render_module", "render modules with jinja2"),
    ("runtime_files", "read the helper package's sources"),
    ("format_sources", "format with ruff (temp files + 2 subprocesses)"),
    ("plan", "compare with the output folder"),
    ("apply", "write changed files atomically (fsync)"),
]


def stage_times(schemas: Path, work: Path, repeats: int) -> None:
    """Wall-clock time of each stage of a fresh build (no profiler).

    Each function of ``structgen.api`` that runs a stage is wrapped in a timer, and
    ``subprocess.run`` too (that is ruff); the breakdown shown is that of the fastest of
    ``repeats`` builds.
    """
    from structgen import api

    originals = {name: getattr(api, name) for name, _ in STAGES if hasattr(api, name)}
    real_run = subprocess.run
    spent: dict[str, float] = {}

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - start

        return wrapper

    runs = []
    out = work / "staged"
    for _ in range(repeats):
        shutil.rmtree(out, ignore_errors=True)
        spent.clear()
        for name, function in originals.items():
            setattr(api, name, timed(name, function))
        subprocess.run = timed("ruff", real_run)
        try:
            start = time.perf_counter()
            structgen.build([schemas], out)
            spent["total"] = time.perf_counter() - start
        finally:
            for name, function in originals.items():
                setattr(api, name, function)
            subprocess.run = real_run
        runs.append(dict(spent))
    fastest = min(runs, key=lambda run: run["total"])
    total = fastest["total"]

    def row(name: str, label: str, seconds: float | None) -> None:
        if seconds is None:
            print(f"  {name:<15} {label:<50}      n/a")
        else:
            share = 100 * seconds / total
            print(f"  {name:<15} {label:<50} {seconds * 1000:7.1f} ms {share:5.1f} %")

    print(
        f"\nStages of a fresh build (wall clock, the fastest of {repeats} builds: "
        f"{total * 1000:.0f} ms):"
    )
    for name, label in STAGES:
        row(name, label, fastest.get(name) if name in originals else None)
    row("", "... of which waiting on the ruff subprocesses", fastest.get("ruff", 0.0))
    staged = sum(fastest.get(name, 0.0) for name in originals)
    row("", "everything else", total - staged)


def profile_build(schemas: Path, work: Path) -> None:
    """Where a build's own Python time goes, function by function (cProfile)."""
    out = work / "profiled"
    shutil.rmtree(out, ignore_errors=True)
    profiler = cProfile.Profile()
    profiler.enable()
    structgen.build([schemas], out)
    profiler.disable()
    print("\nTop functions of one fresh build by own time (cProfile):")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)


# -- incremental builds (issue 12) -----------------------------------------------------

INCREMENTAL_FILES = 30
INCREMENTAL_RECORDS = 10  # a file: 300 records in all
NO_CHANGE_GOAL = 5.0
ONE_FILE_GOAL = 1.8


def _cli(work: Path, *args: str) -> tuple[float, float]:
    """Wall-clock and CPU time (user + system) of one ``structgen`` command in a fresh
    process. CPU time suffers less from a busy machine."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "structgen", *args],
        cwd=work,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _import_graph(root: Path, files: list[Path]) -> dict[str, set[str]]:
    """Each module, and the modules importing it, directly or not."""
    imports = {
        ".".join(p.relative_to(root).with_suffix("").parts): yaml.safe_load(
            p.read_text(encoding="utf-8")
        ).get("imports", [])
        for p in files
    }
    importers: dict[str, set[str]] = {}
    for module, targets in imports.items():
        for target in targets:
            importers.setdefault(target, set()).add(module)
    reach: dict[str, set[str]] = {}
    for module in imports:
        seen: set[str] = set()
        pending = [module]
        while pending:
            for other in importers.get(pending.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    pending.append(other)
        reach[module] = seen
    return reach


def incremental(repeats: int) -> None:
    """Fresh-process times of a full build, a rebuild and a ``--check`` with nothing
    changed, and a rebuild after one schema file changed: a typical file (the median
    number of modules importing it, directly or not) and the file most imported."""
    with tempfile.TemporaryDirectory(prefix="structgen-bench-") as folder:
        work = Path(folder)
        root = work / "schemas"
        files = make_tree(
            root, files=INCREMENTAL_FILES, records_per_file=INCREMENTAL_RECORDS
        )
        reach = _import_graph(root, files)
        by_reach = sorted(files, key=lambda p: (len(reach[_module(root, p)]), p))
        picks = {"typical": by_reach[len(by_reach) // 2], "hub": by_reach[-1]}
        originals = {name: path.read_text() for name, path in picks.items()}
        _cli(work, "build", "schemas", "-o", "kept")
        best: dict[str, tuple[float, float]] = {}

        def keep(name: str, times: tuple[float, float]) -> None:
            old = best.get(name, (float("inf"), float("inf")))
            best[name] = (min(old[0], times[0]), min(old[1], times[1]))

        for round_ in range(repeats):
            shutil.rmtree(work / "fresh", ignore_errors=True)
            keep("full", _cli(work, "build", "schemas", "-o", "fresh"))
            keep("none", _cli(work, "build", "schemas", "-o", "kept"))
            keep("check", _cli(work, "build", "schemas", "-o", "kept", "--check"))
            for name, path in picks.items():
                edit = f"doc: Edit {round_} of"
                path.write_text(originals[name].replace("doc: Benchmark", edit))
                keep(name, _cli(work, "build", "schemas", "-o", "kept"))
                path.write_text(originals[name])
                _cli(work, "build", "schemas", "-o", "kept")
    print(
        f"\nIncremental builds: {INCREMENTAL_FILES} files, "
        f"{INCREMENTAL_FILES * INCREMENTAL_RECORDS} records; each a fresh process "
        f"(`python -m structgen build`), best of {repeats} rounds, wall clock and "
        "CPU time (user + system):"
    )
    rows = [("full", "full build, fresh output folder", None)]
    rows += [
        ("none", "rebuild, nothing changed", NO_CHANGE_GOAL),
        ("check", "build --check, nothing changed", NO_CHANGE_GOAL),
    ]
    for name, path in picks.items():
        module = _module(root, path)
        label = f"rebuild, one file changed, {name} ({module}: +{len(reach[module])})"
        rows.append((name, label, ONE_FILE_GOAL))
    for name, label, goal in rows:
        wall, cpu = best[name]
        line = f"  {label:<50} {wall * 1000:7.1f} ms {cpu * 1000:7.1f} ms cpu"
        if goal is not None:
            ratio = best["full"][0] / wall
            cpu_ratio = best["full"][1] / cpu
            verdict = "meets" if min(ratio, cpu_ratio) >= goal else "MISSES"
            line += f"  {ratio:4.1f}x / {cpu_ratio:4.1f}x cpu ({verdict} {goal}x)"
        print(line)
    print("  (+N: the modules importing that file, directly or not, rendered with it)")


def _module(root: Path, path: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


# -- import cost of a generated module (issue 12, point 5) ---------------------------

IMPORT_RECORDS = 100
IMPORT_GOAL_MS = 0.5  # a record
_IMPORT_PROBE = """
import sys, time
import out._structgen  # the runtime is shared by every module: not counted
wall, cpu = time.perf_counter(), time.process_time()
import out.many
cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
assert "out.many" in sys.modules and out.many.__cached__
print(wall, cpu)
"""


def import_schema() -> str:
    """100 records of 4 fields (an int, an enum, a nested record, an array)."""
    lines = [
        "doc: Import cost benchmark.",
        "enums:",
        "  Mode:",
        "    type: uint8",
        "    values: [IDLE, RUN, STOP]",
        "records:",
        "  Inner:",
        "    fields:",
        "      a: int32",
        "      b: float64",
    ]
    for index in range(IMPORT_RECORDS - 1):
        lines += [
            f"  R{index:03d}:",
            "    fields:",
            "      count: int32",
            "      mode: Mode",
            "      inner: Inner",
            "      values: float32[4]",
        ]
    return "\n".join(lines) + "\n"


def import_cost(repeats: int) -> None:
    """Time ``import`` of a generated module of 100 records in fresh processes, with
    its bytecode compiled beforehand (``compileall``; the processes may read and
    write bytecode whatever PYTHONDONTWRITEBYTECODE says), after importing the
    runtime package it shares with every other module."""
    with tempfile.TemporaryDirectory(prefix="structgen-bench-") as folder:
        work = Path(folder)
        (work / "schemas").mkdir()
        (work / "schemas" / "many.yaml").write_text(import_schema(), encoding="utf-8")
        structgen.build([work / "schemas"], work / "out")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(work / "out")],
            check=True,
            env=env,
        )
        walls, cpus = [], []
        for _ in range(max(repeats, 5)):
            done = subprocess.run(
                [sys.executable, "-c", _IMPORT_PROBE],
                cwd=work,
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            wall, cpu = map(float, done.stdout.split())
            walls.append(wall)
            cpus.append(cpu)
    wall, cpu = min(walls), min(cpus)
    per_record = cpu * 1000 / IMPORT_RECORDS
    verdict = "meets" if per_record <= IMPORT_GOAL_MS else "MISSES"
    print(
        f"\nImport of a generated module of {IMPORT_RECORDS} records (int, enum, "
        "nested "
        f"record, float32[4]), bytecode cached, fresh processes, best of "
        f"{len(walls)}:\n  {wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU: "
        f"{per_record:.2f} ms a record ({verdict} the goal of {IMPORT_GOAL_MS} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Time `structgen build` of a generated tree against yaml.safe_load."
    )
    parser.add_argument("--repeats", type=int, default=7, help="rounds (default 7)")
    parser.add_argument(
        "--only",
        choices=["incremental", "import"],
        help="run only this part",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also time each stage of a build, and profile one",
    )
    args = parser.parse_args()
    if args.only == "incremental":
        incremental(args.repeats)
        return 0
    if args.only == "import":
        import_cost(args.repeats)
        return 0
    with tempfile.TemporaryDirectory(prefix="structgen-bench-") as folder:
        work = Path(folder)
        schemas = work / "schemas"
        files = make_tree(schemas)
        documents = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in files]
        records = [r for d in documents for r in d["records"].values()]
        fields = sum(len(r["fields"]) for r in records)
        kib = sum(p.stat().st_size for p in files) / 1024
        print(
            f"tree: {len(files)} schema files, {len(records)} records, {fields} "
            f"fields, {kib:.0f} KiB of YAML (seed {SEED}); best of {args.repeats} "
            "rounds:"
        )
        print(
            f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
            "(other work on the machine inflates every figure)"
        )
        fresh, again = work / "fresh", work / "again"
        structgen.build([schemas], again)
        c_loader = getattr(yaml, "CSafeLoader", None)

        def nothing() -> None:
            pass

        steps: dict[str, Step] = {
            "build": (
                lambda: shutil.rmtree(fresh, ignore_errors=True),
                lambda: structgen.build([schemas], fresh),
            ),
            "rebuild": (nothing, lambda: structgen.build([schemas], again)),
            "safe_load": (nothing, lambda: parse_all(files, yaml.SafeLoader)),
        }
        if c_loader is not None:
            steps["CSafeLoader"] = (nothing, lambda: parse_all(files, c_loader))
        best = timed_rounds(args.repeats, steps)
        written = len(list(fresh.rglob("*.py")))
        assert structgen.build([schemas], again) == [], "a rebuild rewrote files"

        labels = {
            "build": f"structgen build, fresh output ({written} files)",
            "rebuild": "structgen build again, nothing changed",
            "safe_load": "yaml.safe_load of the same files",
            "CSafeLoader": "yaml CSafeLoader (libyaml) of the same files",
        }
        for name, seconds in best.items():
            print(f"  {labels[name]:<46} {seconds * 1000:8.1f} ms")
        ratio = best["build"] / best["safe_load"]
        verdict = "within" if ratio <= GOAL else "ABOVE"
        ratios = [
            ("build / yaml.safe_load", ratio, f"({verdict} the goal of {GOAL:.0f}x)"),
            ("rebuild / yaml.safe_load", best["rebuild"] / best["safe_load"], ""),
        ]
        if "CSafeLoader" in best:
            ratios.append(
                ("build / CSafeLoader", best["build"] / best["CSafeLoader"], "")
            )
        for label, value, note in ratios:
            print(f"  ratio {label:<25} {value:5.2f}x {note}".rstrip())
        if args.profile or ratio > GOAL:
            stage_times(schemas, work, args.repeats)
            profile_build(schemas, work)
    incremental(args.repeats)
    import_cost(args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
