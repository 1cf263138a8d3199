"""The pipeline, end to end: find -> load -> validate -> resolve -> render -> write."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, SchemaError
from .loader import load_document
from .model import ModuleModel
from .naming import identifier_problem
from .render import format_sources, render_module, render_package_init, render_runtime
from .resolve import RUNTIME_MODULE, Source, resolve
from .schema import parse_schema
from .writer import Plan, apply, plan, prune

SCHEMA_SUFFIXES = (".yaml", ".yml")


class UsageError(Exception):
    """A mistake in how structgen was called (exit code 2), not in a schema."""


@dataclass(frozen=True)
class Input:
    path: Path  # the schema file
    module: str  # dotted module name relative to the schema root
    display: str  # how diagnostics name the file
    banner_name: str  # how the generated banner names the file


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[Path, list[Input]]:
    """Schema files named by ``paths`` (files, or folders searched recursively)."""
    given = [Path(p) for p in paths]
    if not given:
        raise UsageError("no schema file or folder given")
    files: list[tuple[Path, Path]] = []  # (file as given, resolved)
    anchors = []
    for path in given:
        if path.is_dir():
            anchors.append(path.resolve())
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path)
                if found.suffix in SCHEMA_SUFFIXES and found.is_file() and not any(
                    part.startswith(".") for part in relative.parts
                ):
                    files.append((found, found.resolve()))
        elif path.is_file():
            anchors.append(path.resolve().parent)
            files.append((path, path.resolve()))
        else:
            raise UsageError(f"no such file or folder: {path}")
    root = Path(os.path.commonpath(anchors))
    inputs = []
    seen: set[Path] = set()
    for shown, resolved in files:
        if resolved in seen:
            continue
        seen.add(resolved)
        relative = resolved.relative_to(root).with_suffix("")
        inputs.append(
            Input(
                resolved,
                ".".join(relative.parts),
                str(shown),
                "/".join((root.name, *resolved.relative_to(root).parts)),
            )
        )
    return root, inputs


def _module_name_problems(inputs: list[Input]) -> list[Diagnostic]:
    problems = []
    by_module: dict[str, Input] = {}
    for item in inputs:
        parts = item.module.split(".")
        for part in parts:
            reason = identifier_problem(part)
            if reason or part == RUNTIME_MODULE:
                what = "file name" if part == parts[-1] else "folder name"
                problems.append(
                    Diagnostic(
                        item.display, 1, 1, "invalid-module-name",
                        f"{what} '{part}' {reason or 'is reserved'}; a schema's path "
                        "must make a valid Python module name",
                    )
                )
                break
        if item.module in by_module:
            first = by_module[item.module]
            problems.append(
                Diagnostic(
                    item.display, 1, 1, "duplicate-module",
                    f"'{item.display}' and '{first.display}' would both generate module "
                    f"'{item.module}'",
                )
            )
        by_module.setdefault(item.module, item)
    return problems


def compile_inputs(inputs: list[Input]) -> list[ModuleModel]:
    """Load, validate and resolve the given schema files together."""
    diagnostics = _module_name_problems(inputs)
    sources = []
    for item in inputs:
        try:
            document = load_document(item.path, item.display)
        except SchemaError as exc:
            diagnostics += exc.diagnostics
            continue
        schema, problems = parse_schema(document)
        diagnostics += problems
        if schema is not None:
            sources.append(
                Source(item.module, item.path, item.banner_name, document, schema)
            )
    broken = {item.module for item in inputs} - {s.module for s in sources}
    try:
        models = resolve(sources, broken) if sources else []
    except SchemaError as exc:
        diagnostics += exc.diagnostics
        models = []
    if diagnostics:
        raise SchemaError(diagnostics)
    return models


def render_files(models: list[ModuleModel]) -> dict[Path, str]:
    """Every file the output folder should hold, by path relative to it."""
    files: dict[Path, str] = {Path(f"{RUNTIME_MODULE}.py"): render_runtime()}
    packages = {Path()}
    for model in models:
        files[model.output_path] = render_module(model)
        parent = model.output_path.parent
        while parent != Path():
            packages.add(parent)
            parent = parent.parent
    for package in packages:
        files[package / "__init__.py"] = render_package_init()
    return format_sources(files)


def plan_build(
    paths: Iterable[str | os.PathLike[str]], out_dir: str | os.PathLike[str]
) -> Plan:
    _root, inputs = discover(paths)
    models = compile_inputs(inputs)
    return plan(Path(out_dir), render_files(models))


def build(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] = "generated",
    check: bool = False,
    *,
    prune_stale: bool = False,
) -> list[Path]:
    """Build schemas into ``out_dir``.

    Returns the files written, or with ``check=True`` the files that are missing or out
    of date (nothing is written). Raises SchemaError when any schema is invalid, and then
    writes nothing.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    result = plan_build(paths, out_dir)
    if result.foreign:
        raise SchemaError(
            [
                Diagnostic(
                    str(path), 1, 1, "not-generated",
                    "refusing to overwrite a file that structgen did not write "
                    "(it lacks the structgen banner); move it away or choose another -o",
                )
                for path in result.foreign
            ]
        )
    if check:
        return result.changed
    written = apply(result)
    if prune_stale:
        prune(result)
    return written


def load(path: str | os.PathLike[str]) -> ModuleModel:
    """Load and validate one schema file; return its resolved model.

    Schemas it imports are looked up relative to the file's own folder, which acts as
    the schema root. Raises SchemaError listing every problem.
    """
    target = Path(path).resolve()
    if not target.is_file():
        raise UsageError(f"no such schema file: {path}")
    _root, inputs = discover([target.parent])
    start = next((i for i in inputs if i.path == target), None)
    if start is None:  # not a .yaml/.yml name: load it on its own
        _root, inputs = discover([path])
        start = inputs[0]
    by_module = {i.module: i for i in inputs}
    selected = {start.module: start}
    queue = [start]
    while queue:  # the file and, transitively, the schemas it imports
        item = queue.pop()
        try:
            imports = load_document(item.path, item.display).data.get("imports")
        except SchemaError:
            continue
        for name in imports if isinstance(imports, list) else []:
            if isinstance(name, str) and name in by_module and name not in selected:
                selected[name] = by_module[name]
                queue.append(by_module[name])
    models = compile_inputs(list(selected.values()))
    return next(m for m in models if m.name == start.module)
