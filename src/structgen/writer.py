"""Stage 6: write generated files atomically, only when changed, never over a user's."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .render import BANNER


def carries_banner(path: Path) -> bool:
    """Whether ``path`` was written by structgen (so it may be replaced or pruned)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(BANNER)) == BANNER.encode()
    except OSError:
        return False


@dataclass
class Plan:
    """What a build would do to the output folder."""

    out_dir: Path
    changed: list[Path] = field(default_factory=list)  # missing or out of date
    unchanged: list[Path] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)  # generated, but no schema any more
    foreign: list[Path] = field(default_factory=list)  # a user's file in the way
    contents: dict[Path, str] = field(default_factory=dict)


def plan(out_dir: Path, files: dict[Path, str]) -> Plan:
    """Compare ``files`` (relative path -> content) with what ``out_dir`` holds."""
    result = Plan(out_dir)
    for relative, content in sorted(files.items()):
        target = out_dir / relative
        result.contents[target] = content
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            result.changed.append(target)
            continue
        except OSError:
            result.changed.append(target)
            continue
        if current == content.encode("utf-8"):
            result.unchanged.append(target)
        elif not current.startswith(BANNER.encode()):
            if relative.name == "__init__.py":
                continue  # the user's own package file: keep it, it still imports fine
            result.foreign.append(target)
        else:
            result.changed.append(target)
    if out_dir.is_dir():
        wanted = {out_dir / r for r in files}
        for path in sorted(out_dir.rglob("*.py")):
            if path not in wanted and carries_banner(path):
                result.stale.append(path)
    return result


def write_atomic(path: Path, content: str) -> None:
    """Write via a temporary file Python cannot import, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def apply(result: Plan) -> list[Path]:
    """Write every changed file. Returns the paths written."""
    for path in result.changed:
        write_atomic(path, result.contents[path])
    return list(result.changed)


def prune(result: Plan) -> list[Path]:
    """Delete stale generated modules (only files carrying the banner), then empty
    folders."""
    removed = []
    for path in result.stale:
        if carries_banner(path):
            path.unlink()
            removed.append(path)
    for path in removed:
        folder = path.parent
        while folder != result.out_dir and folder.is_dir():
            leftovers = [p for p in folder.iterdir() if p.name != "__pycache__"]
            if leftovers:
                break
            cache = folder / "__pycache__"
            if cache.is_dir():
                for item in cache.iterdir():
                    item.unlink()
                cache.rmdir()
            folder.rmdir()
            folder = folder.parent
    return removed
