"""The pipeline, end to end: find -> load -> validate -> resolve -> render -> write."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from . import cache
from .c_header import render_headers
from .discovery import (
    SCHEMA_SUFFIXES,
    Input,
    UsageError,
    discover,
    is_schema_name,
    what_it_is,
)
from .errors import Diagnostic, SchemaError
from .loader import load_document
from .model import ModuleModel
from .naming import identifier_problem
from .render import render_module, render_package_init, runtime_files
from .resolve import RUNTIME_MODULE, Source, resolve
from .schema import parse_schema, salvage
from .writer import Plan, apply, merge_plans, plan, prune

# discover and UsageError live in discovery; callers know them from here
__all__ = [
    "UsageError",
    "build",
    "compile_inputs",
    "discover",
    "foreign_files_error",
    "load",
    "plan_build",
    "plan_incremental",
    "render_files",
]


def _module_name_problems(inputs: list[Input]) -> list[Diagnostic]:
    problems = []
    by_module: dict[str, Input] = {}
    for item in inputs:
        # judged part by part: a dot in a stem or folder name ('a.b.yaml') must not
        # silently make a sub-package
        for index, part in enumerate(item.parts):
            reason = identifier_problem(part)
            if reason or part == RUNTIME_MODULE:
                what = "file name" if index == len(item.parts) - 1 else "folder name"
                problems.append(
                    Diagnostic(
                        item.display,
                        1,
                        1,
                        "invalid-module-name",
                        f"{what} '{part}' {reason or 'is reserved'}; a schema's path "
                        "must make a valid Python module name",
                    )
                )
                break
        if item.module in by_module:
            first = by_module[item.module]
            problems.append(
                Diagnostic(
                    item.display,
                    1,
                    1,
                    "duplicate-module",
                    f"'{item.display}' and '{first.display}' would both generate "
                    f"module '{item.module}'",
                )
            )
        by_module.setdefault(item.module, item)
    packages = {
        ".".join(m.split(".")[:depth])
        for m in by_module
        for depth in range(1, m.count(".") + 1)
    }
    for module, item in by_module.items():
        if module in packages:  # sim.yaml beside sim/: the package would hide it
            problems.append(
                Diagnostic(
                    item.display,
                    1,
                    1,
                    "duplicate-module",
                    f"'{item.display}' would generate module '{module}', but a folder "
                    f"of schemas makes '{module}' a package; rename one of them",
                )
            )
    return problems


def compile_inputs(inputs: list[Input]) -> list[ModuleModel]:
    """Load, validate and resolve the given schema files together."""
    diagnostics = _module_name_problems(inputs)
    sources = []
    for item in inputs:
        try:
            document = load_document(item.path, item.display, recover=True)
        except SchemaError as exc:
            diagnostics += exc.diagnostics
            continue
        diagnostics += document.problems
        schema, problems = parse_schema(document)
        diagnostics += problems
        dropped: frozenset[str] = frozenset()
        if schema is None:
            # check what is well-formed too, so that one run reports every error
            salvaged = salvage(document)
            if salvaged is not None:
                schema, dropped = salvaged
        if schema is not None:
            sources.append(
                Source(
                    item.module, item.path, item.banner_name, document, schema, dropped
                )
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


def render_files(models: list[ModuleModel], *, helpers: bool = True) -> dict[Path, str]:
    """Every file the output folder should hold, by path relative to it; without
    ``helpers``, the modules alone (no runtime, no package files)."""
    files: dict[Path, str] = {}
    packages = {Path()}
    for model in models:
        files[model.output_path] = render_module(model)
        parent = model.output_path.parent
        while parent != Path():
            packages.add(parent)
            parent = parent.parent
    for package in packages if helpers else ():
        files[package / "__init__.py"] = render_package_init()
    if not helpers:
        return files
    # the helper package is copied as it is: its sources are laid out already
    return {**files, **runtime_files()}


def _check_prune_paths(paths: list[str | os.PathLike[str]]) -> None:
    """Pruning needs whole folders: only they tell which modules are stale."""
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    if not all(Path(p).is_dir() for p in paths):
        raise UsageError("pruning needs every path to be a folder")


def plan_build(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    skipped: list[str] | None = None,
    *,
    prune_stale: bool = False,
    c_out: str | os.PathLike[str] | None = None,
) -> Plan:
    """What a full build would write and find stale (no fingerprint read); with
    ``c_out``, the C headers too (a build with headers is always a full build: the
    fingerprint of incremental builds covers the output folder only).

    ``prune_stale`` (which needs every path to be a folder) also accepts folders
    without any schema: a build of nothing, whose every module is stale."""
    paths = list(paths)
    if prune_stale:
        _check_prune_paths(paths)
    out = _output_folder(out_dir)
    if c_out is not None and not os.fspath(c_out):
        raise UsageError("the C header folder must not be empty (for this folder: .)")
    _root, inputs = discover(paths, skipped, allow_empty=prune_stale)
    models = compile_inputs(inputs)
    headers = render_headers(models) if c_out is not None else {}  # may refuse names
    # a build of some files says nothing of the other modules: only whole folders do
    whole_folders = all(Path(p).is_dir() for p in paths)
    result = plan(out, render_files(models), find_stale=whole_folders)
    if c_out is not None:
        merge_plans(result, plan(Path(c_out), headers, find_stale=False))
    return result


def _output_folder(out_dir: str | os.PathLike[str]) -> Path:
    if not os.fspath(out_dir):  # Path("") would be the working directory
        raise UsageError("the output folder must not be empty (for this folder: -o .)")
    out = Path(out_dir)
    for folder in (out, *out.parents):  # the nearest part of it that exists
        if folder.exists() or folder.is_symlink():
            if not folder.is_dir():
                raise UsageError(f"output folder {out}: {folder} is not a folder")
            break
    return out


def plan_incremental(
    paths: Iterable[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    options: Mapping[str, object],
    skipped: list[str] | None = None,
) -> tuple[Plan, Callable[[], None]]:
    """What a build would write and find stale, rendering again only the modules
    whose schemas (or imported schemas) changed since the fingerprint of the last
    build (see ``cache``). Also returns the function that records this build's
    fingerprint once the plan is applied. A true ``options["prune"]`` needs every path
    to be a folder, which may then hold no schema (see ``plan_build``)."""
    paths = list(paths)
    prune_stale = bool(options.get("prune"))
    if prune_stale:
        _check_prune_paths(paths)
    out = _output_folder(out_dir)
    key = cache.build_key(paths, out_dir, options)
    hashes = cache.input_hashes(paths)  # before reading: a change meanwhile shows
    _root, inputs = discover(paths, skipped, allow_empty=prune_stale)
    modules = {str(i.path): i.module for i in inputs}
    work = cache.plan_work(paths, out_dir, options, modules)
    partial = _render_incremental(out, inputs, work)
    if partial is None:
        models = compile_inputs(inputs)
        files = render_files(models)
        imports = {m.name: [i.module for i in m.imports] for m in models}
    else:
        files, imports = partial
    # a build of some files says nothing of the other modules: only whole folders do
    whole_folders = all(Path(p).is_dir() for p in paths)
    result = plan(out, files, find_stale=whole_folders)

    def record() -> None:
        # stale modules left in place are warned about by every build: not cached
        if hashes is None or any(p.exists() for p in result.stale):
            return
        owned = [*result.changed, *result.unchanged]
        cache.write(out, key, hashes, modules, imports, owned, len(owned))

    return result, record


def _render_incremental(
    out: Path, inputs: list[Input], work: cache.Work
) -> tuple[dict[Path, str], dict[str, list[str]]] | None:
    """The files of a build that renders only the modules in ``work.render`` (compiled
    with the modules they import, directly or not, and no others) and takes the other
    files as the last build wrote them; with the imports of every module. None when a
    full build must run: no fingerprint, or a problem (which a full build then reports
    exactly as it would)."""
    render, last = work.render, work.last
    if render is None or last is None:
        return None
    imports = dict(last.imports)
    files: dict[Path, str] = {}
    again = {str(Path(*m.split(".")).with_suffix(".py")) for m in render}
    try:  # the fingerprint vouches for the others: same inputs, the bytes it wrote
        for relative in last.outputs.keys() - again:
            files[Path(relative)] = (out / relative).read_bytes().decode("utf-8")
    except (OSError, UnicodeError):
        return None
    if not render:
        return files, imports
    by_module = {i.module: i for i in inputs}
    needed: set[str] = set()
    pending = list(render)
    while pending:
        module = pending.pop()
        if module in needed or module not in by_module:
            continue
        needed.add(module)
        if module in render:  # its schema may have changed: what it imports now
            pending += _imports_of(by_module[module].path)
        else:
            pending += imports.get(module, [])
    try:
        models = compile_inputs([i for i in inputs if i.module in needed])
    except SchemaError:
        return None
    imports.update({m.name: [i.module for i in m.imports] for m in models})
    # the runtime and the package files are the last build's: the key vouches for them
    files.update(render_files([m for m in models if m.name in render], helpers=False))
    return files, imports


def _nothing() -> None:
    """What a build that keeps no fingerprint records."""


def foreign_files_error(paths: list[Path], show: Callable[[Path], str]) -> SchemaError:
    """The error for files in the way that structgen did not write (and never will)."""
    return SchemaError(
        [
            Diagnostic(
                show(path),
                1,
                1,
                "not-generated",
                "refusing to overwrite a file that structgen did not write (it lacks "
                "the structgen banner); move it away or choose another -o",
            )
            for path in paths
        ]
    )


def build(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] = "generated",
    check: bool = False,
    *,
    prune_stale: bool = False,
    c_out: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Build schemas into ``out_dir``.

    Returns the files written, or with ``check=True`` the files that are missing or
    out of date, then the old helper files that a build deletes (its helper package
    supersedes them), then the stale ones (nothing is written), as ``structgen build
    --check`` lists them. Stale modules, generated from schemas that are gone, are
    found only when every path is a folder; ``prune_stale`` deletes them (and
    raises ``UsageError`` unless every path is a folder; a folder may then hold no
    schema at all). Raises SchemaError when any schema is invalid, and then writes
    nothing. With ``c_out``, a C11 header per schema is written (or checked) there too.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = list(paths)
    if prune_stale:
        _check_prune_paths(paths)
    if c_out is not None:  # a full build, without the fingerprint
        result = plan_build(paths, out_dir, prune_stale=prune_stale, c_out=c_out)
        record = _nothing
    else:
        options = {"prune": prune_stale}
        if cache.up_to_date(paths, out_dir, options) is not None:
            return []
        result, record = plan_incremental(paths, out_dir, options)
    if result.foreign:
        raise foreign_files_error(result.foreign, str)
    if check:
        return [*result.changed, *result.replaced, *result.stale]
    written = apply(result)
    if prune_stale:
        prune(result)
    record()
    return written


def _imports_of(path: Path) -> list[str]:
    """The ``imports:`` a schema file names (nothing if it cannot be read)."""
    try:
        imports = load_document(path, str(path), recover=True).data.get("imports")
    except SchemaError:
        return []
    if not isinstance(imports, list):
        return []
    return [name for name in imports if isinstance(name, str)]


def _schema_file(root: Path, module: str) -> Path | None:
    """The schema file of dotted ``module`` under ``root``, if there is one."""
    parts = module.split(".")
    if any(identifier_problem(part) for part in parts):
        return None
    for suffix in SCHEMA_SUFFIXES:
        candidate = root.joinpath(*parts[:-1], parts[-1] + suffix)
        if candidate.is_file():
            return candidate
    try:  # A.YAML, as a folder build finds it
        entries = sorted(root.joinpath(*parts[:-1]).iterdir())
    except OSError:
        return None
    return next(
        (
            entry
            for entry in entries
            if entry.stem == parts[-1] and is_schema_name(entry) and entry.is_file()
        ),
        None,
    )


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def load(path: str | os.PathLike[str]) -> ModuleModel:
    """Load and validate one schema file; return its resolved model.

    The schemas it imports are loaded with it. Its schema root is the nearest folder
    above it from which every name in its ``imports:`` is found (``sim/particles.yaml``
    importing ``units`` finds ``units.yaml`` one folder up), else its own folder.
    Raises SchemaError listing every problem.
    """
    target = Path(path).resolve()
    if not target.is_file():
        if target.is_dir():
            raise UsageError(f"{path} is a folder; give one schema file in it")
        what = what_it_is(Path(path))
        if what:
            raise UsageError(f"{path} is {what}, not a schema file")
        raise UsageError(f"no such schema file: {path}")
    wanted = _imports_of(target)
    root = target.parent
    for candidate in [target.parent, *target.parent.parents][:16]:
        if all(_schema_file(candidate, name) for name in wanted):
            root = candidate
            break
    inputs: dict[Path, Input] = {}
    queue = [target]
    while queue:  # the file and, transitively, the schemas it imports
        file = queue.pop()
        if file in inputs:
            continue
        relative = file.relative_to(root)
        inputs[file] = Input(
            file,
            ".".join(relative.with_suffix("").parts),
            relative.with_suffix("").parts,
            str(path) if file == target else _show(file),
            "/".join((root.name, *relative.parts)),
        )
        for name in _imports_of(file):
            found = _schema_file(root, name)
            if found is not None:
                queue.append(found.resolve())
    models = compile_inputs(list(inputs.values()))
    start = inputs[target].module
    return next(m for m in models if m.name == start)
