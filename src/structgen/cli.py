"""The ``structgen`` command: the only module that prints or chooses exit codes."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from enum import IntEnum
from pathlib import Path

from . import __version__, cache
from .config import ConfigError, find_config
from .errors import Diagnostic, SchemaError, one_line

# The compiler (api, and through it pydantic, jinja2 and the formatter) is imported
# only when there is work to do: an up-to-date build answers from ``cache`` alone.


class Exit(IntEnum):
    OK = 0
    ERRORS = 1  # schema errors, or --check found differences
    USAGE = 2  # bad options, a path that does not exist


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(Exit.USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="structgen",
        description="Compile YAML record schemas into typed, synchronized ctypes "
        "modules for multiprocessing.",
    )
    parser.add_argument(
        "--version", action="version", version=f"structgen {__version__}"
    )
    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )

    build = commands.add_parser(
        "build", help="generate Python modules from schema files or folders"
    )
    build.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="schema files or folders (default: 'schemas' of [tool.structgen] in "
        "pyproject.toml)",
    )
    build.add_argument(
        "-o",
        "--output",
        default=None,
        metavar="DIR",
        help="output package folder (default: 'output' of [tool.structgen], else "
        "generated)",
    )
    build.add_argument(
        "--c-out",
        default=None,
        metavar="DIR",
        help="also write a C11 header per schema into DIR (default: 'c-out' of "
        "[tool.structgen], else none)",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 listing files that are missing or out of date",
    )
    build.add_argument(
        "--prune",
        action="store_true",
        help="delete generated modules whose schema is gone (only when every PATH is "
        "a folder; only files carrying structgen's banner)",
    )

    check = commands.add_parser(
        "check", help="validate schemas without writing anything"
    )
    check.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="schema files or folders (default: 'schemas' of [tool.structgen])",
    )

    layout = commands.add_parser(
        "layout", help="print each record's size, alignment and field offsets"
    )
    layout.add_argument("file", metavar="FILE", help="a schema file")
    layout.add_argument("record", nargs="?", metavar="RECORD", help="only this record")

    inspect = commands.add_parser(
        "inspect",
        help="show a named segment's header, lock and values (no generated module "
        "needed)",
    )
    inspect.add_argument("name", metavar="NAME", help="segment name (/dev/shm/NAME)")
    inspect.add_argument(
        "--json", action="store_true", help="print one JSON object instead"
    )
    commands.add_parser("ls", help="list structgen's named segments")
    rm = commands.add_parser(
        "rm", help="remove a named segment (only one of structgen's)"
    )
    rm.add_argument("name", metavar="NAME", help="segment name (/dev/shm/NAME)")
    commands.add_parser(
        "schema-json",
        help="print the JSON Schema of schema files (for editors: "
        "# yaml-language-server: $schema=...)",
    )
    return parser


def _report(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in sorted(diagnostics):
        print(diagnostic, file=sys.stderr)
    count = len(diagnostics)
    print(f"{count} error{'s' if count != 1 else ''}", file=sys.stderr)


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _configure(args: argparse.Namespace) -> None:
    """Fill what the command line left out from ``[tool.structgen]``."""
    wants_paths = not args.paths
    wants_output = getattr(args, "output", "") is None
    wants_c_out = getattr(args, "c_out", "") is None
    config = None
    if wants_paths or wants_output or wants_c_out:
        config = find_config()
    if wants_paths:
        if config is None or config.schemas is None:
            raise ConfigError(
                "no PATH given, and no 'schemas' in a [tool.structgen] table of a "
                "pyproject.toml in this folder or above"
            )
        args.paths = [_show(path) for path in config.schemas]
    if wants_output:
        output = config.output if config is not None else None
        args.output = _show(output) if output is not None else "generated"
    if wants_c_out:
        c_out = config.c_out if config is not None else None
        args.c_out = _show(c_out) if c_out is not None else None


# Options of `build` that are not build options (--check) or that the key of the
# build's fingerprint holds already (paths, output); every other one, present and
# future, is in that key as it is, so that changing it rebuilds.
# A build with --c-out never reads nor writes the fingerprint (its headers are outside
# the folder the fingerprint hashes): it is always a full build.
_NOT_BUILD_OPTIONS = ("command", "paths", "output", "check", "c_out")


def _build(args: argparse.Namespace) -> Exit:
    from .api import UsageError, foreign_files_error, plan_build, plan_incremental
    from .writer import apply, prune

    if args.prune and not all(Path(p).is_dir() for p in args.paths):
        missing = [p for p in args.paths if not Path(p).exists()]
        if missing:
            raise UsageError(f"no such file or folder: {missing[0]}")
        raise UsageError("--prune needs every PATH to be a folder")
    options = {k: v for k, v in vars(args).items() if k not in _NOT_BUILD_OPTIONS}
    skipped: list[str] = []
    try:
        if args.c_out is not None:
            # headers are outside the fingerprint's folder: a full build, none recorded
            result = plan_build(
                args.paths,
                args.output,
                skipped,
                prune_stale=args.prune,
                c_out=args.c_out,
            )
            record = None
        else:  # refuses an empty -o
            result, record = plan_incremental(args.paths, args.output, options, skipped)
    finally:
        _warn(skipped)
    if result.foreign:
        raise foreign_files_error(result.foreign, _show)
    if args.check:
        for path in result.changed:
            state = "out of date" if path.exists() else "missing"
            print(f"{_show(path)}: {state}")
        for path in result.replaced:
            print(f"{_show(path)}: superseded (a build deletes it)")
        for path in result.stale:
            print(f"{_show(path)}: stale (its schema is gone; `--prune` deletes it)")
        differ = len(result.changed) + len(result.replaced) + len(result.stale)
        if differ:
            print(
                f"{differ} file(s) differ; "
                f"run: structgen build {' '.join(args.paths)} -o {args.output}"
                + (f" --c-out {args.c_out}" if args.c_out is not None else ""),
                file=sys.stderr,
            )
            return Exit.ERRORS
        print(f"{len(result.unchanged)} file(s) up to date")
        return Exit.OK
    written = apply(result)
    removed = prune(result) if args.prune else []
    for path in written:
        print(f"wrote {_show(path)}")
    for path in result.replaced:
        print(f"removed {_show(path)} (superseded by the helper package)")
    for path in removed:
        print(f"removed {_show(path)}")
    if record is not None:
        record()
    for path in result.stale if not args.prune else []:
        print(
            f"warning: {_show(path)} was generated from a schema that is gone; "
            "`structgen build --prune` deletes it",
            file=sys.stderr,
        )
    print(f"{len(written)} written, {len(result.unchanged)} unchanged")
    return Exit.OK


def _up_to_date(args: argparse.Namespace) -> bool:
    """Answer a build whose fingerprint shows nothing to do, without the compiler."""
    if (
        args.command != "build"
        or args.c_out is not None
        or (args.prune and not all(map(os.path.isdir, args.paths)))
    ):
        return False
    options = {k: v for k, v in vars(args).items() if k not in _NOT_BUILD_OPTIONS}
    count = cache.up_to_date(args.paths, args.output, options)
    if count is None:
        return False
    if args.check:
        print(f"{count} file(s) up to date")
    else:
        print(f"0 written, {count} unchanged")
    return True


def _warn(skipped: list[str]) -> None:
    for sentence in skipped:
        print(f"warning: {one_line(sentence)}", file=sys.stderr)


def _check(args: argparse.Namespace) -> Exit:
    from .api import compile_inputs, discover

    skipped: list[str] = []
    try:
        _root, inputs = discover(args.paths, skipped)
    finally:
        _warn(skipped)
    models = compile_inputs(inputs)  # validation only: no rendering, no ruff run
    records = sum(len(m.records) for m in models)
    print(f"{len(models)} schema file(s), {records} record(s): OK")
    return Exit.OK


def _schema_json(_args: argparse.Namespace) -> Exit:
    sys.stdout.write(schema_json_text())
    return Exit.OK


def schema_json_text() -> str:
    """What ``structgen schema-json`` prints (and ``structgen.schema.json`` holds)."""
    from .schema import json_schema

    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def _layout(args: argparse.Namespace) -> Exit:
    from .api import UsageError, load
    from .layout import format_layout

    if Path(args.file).is_dir():
        found = sorted(Path(args.file).glob("*.yaml"))
        such = f" such as {found[0]}" if found else ""
        raise UsageError(
            f"{args.file} is a folder; `structgen layout` takes one schema file{such}"
        )
    model = load(args.file)
    records = [r for r in model.records if args.record in (None, r.name)]
    if args.record is not None and not records:
        known = ", ".join(r.name for r in model.records) or "none"
        raise UsageError(f"no record '{args.record}' in {args.file} (records: {known})")
    if not records:
        print(f"{args.file}: no records")
        return Exit.OK
    print("\n\n".join(format_layout(r.layout) for r in records))
    return Exit.OK


class SegmentError(Exception):
    """A named segment that is missing, not structgen's, corrupt or not ours to read."""


def _segment_errors(
    handler: Callable[[argparse.Namespace], Exit],
) -> Callable[[argparse.Namespace], Exit]:
    def run(args: argparse.Namespace) -> Exit:
        try:
            return handler(args)
        except (ValueError, OSError) as exc:
            raise SegmentError(str(exc)) from None

    return run


@_segment_errors
def _inspect(args: argparse.Namespace) -> Exit:
    from . import shm_tools

    info = shm_tools.inspect_segment(args.name)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print(shm_tools.format_inspect(info))
    return Exit.OK


@_segment_errors
def _ls(args: argparse.Namespace) -> Exit:
    from . import shm_tools

    print(shm_tools.format_ls())
    return Exit.OK


@_segment_errors
def _rm(args: argparse.Namespace) -> Exit:
    from . import shm_tools

    shm_tools.remove_segment(args.name)
    print(f"removed {args.name}")
    return Exit.OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return Exit.USAGE
    try:
        if args.command in ("build", "check"):
            _configure(args)  # [tool.structgen]: read with tomllib alone
    except ConfigError as exc:
        print(f"structgen: error: {exc}", file=sys.stderr)
        return Exit.USAGE
    if _up_to_date(args):
        return Exit.OK
    from .api import UsageError

    try:
        handler = {
            "build": _build,
            "check": _check,
            "layout": _layout,
            "inspect": _inspect,
            "ls": _ls,
            "rm": _rm,
            "schema-json": _schema_json,
        }[args.command]
        return handler(args)
    except UsageError as exc:
        print(f"structgen: error: {one_line(str(exc))}", file=sys.stderr)
        return Exit.USAGE
    except SchemaError as exc:
        _report(exc.diagnostics)
        return Exit.ERRORS
    except SegmentError as exc:
        print(f"structgen: error: {exc}", file=sys.stderr)
        return Exit.ERRORS
    except OSError as exc:  # the output folder cannot be written, a disk is full, ...
        where = f": {exc.filename}" if exc.filename else ""
        message = f"{exc.strerror or exc}{where}"
        print(f"structgen: error: {one_line(message)}", file=sys.stderr)
        return Exit.ERRORS
    except KeyboardInterrupt:
        return 130
