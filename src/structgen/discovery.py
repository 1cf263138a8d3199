"""Stage 0: the schema files that the paths given on the command line name."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

SCHEMA_SUFFIXES = (".yaml", ".yml")


class UsageError(Exception):
    """A mistake in how structgen was called (exit code 2), not in a schema."""


@dataclass(frozen=True)
class Input:
    path: Path  # the schema file
    module: str  # dotted module name relative to the schema root
    parts: tuple[str, ...]  # its folder names and file stem, each a module name
    display: str  # how diagnostics name the file
    banner_name: str  # how the generated banner names the file


def what_it_is(path: Path) -> str:
    """What ``path`` is when it is neither a regular file nor a folder."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return "a symbolic link to nothing" if path.is_symlink() else ""
    for test, name in (
        (stat.S_ISFIFO, "a named pipe (FIFO)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def is_schema_name(path: Path) -> bool:
    # .YAML too: case-insensitive file systems (macOS, Windows) call it a .yaml file
    return path.suffix.lower() in SCHEMA_SUFFIXES


def discover(
    paths: Iterable[str | os.PathLike[str]],
    skipped: list[str] | None = None,
    *,
    allow_empty: bool = False,
) -> tuple[Path, list[Input]]:
    """Schema files named by ``paths`` (files, or folders searched recursively).

    A folder yields its ``*.yaml``/``*.yml`` files, the extension in any case, outside
    hidden (dot) folders. A file found through a symbolic link is built, named by
    where the link is; a symbolically linked folder is not followed (it could loop),
    and neither is a ``*.yaml`` that is not a regular file (a FIFO): each is told in
    ``skipped``, when given, as a sentence.
    """
    given = [Path(p) for p in paths]
    if not given:
        raise UsageError("no schema file or folder given")
    files: list[tuple[Path, Path]] = []  # (file as given, absolute path)
    anchors = []
    for path in given:
        if path.is_dir():
            anchors.append(Path(os.path.abspath(path)))
            for found in sorted(path.rglob("*")):
                relative = found.relative_to(path)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                if found.is_symlink() and found.is_dir():
                    if skipped is not None:
                        skipped.append(
                            f"skipped {found}: a symbolic link to a folder is not "
                            "followed; give that folder as a PATH of its own"
                        )
                elif is_schema_name(found):
                    if found.is_file():
                        files.append((found, Path(os.path.abspath(found))))
                    elif not found.is_dir() and skipped is not None:
                        skipped.append(
                            f"skipped {found}: {what_it_is(found)}, not a schema file"
                        )
        elif path.is_file():
            anchors.append(Path(os.path.abspath(path)).parent)
            files.append((path, Path(os.path.abspath(path))))
        else:
            what = what_it_is(path)
            if not what:
                raise UsageError(f"no such file or folder: {path}")
            raise UsageError(f"{path} is {what}, not a schema file or folder")
    if not files and not allow_empty:
        raise UsageError(
            "no schema files (*.yaml, *.yml) in " + ", ".join(str(p) for p in given)
        )
    root = Path(os.path.commonpath(anchors))
    inputs: list[Input] = []
    seen: set[Path] = set()
    for shown, absolute in files:
        if absolute in seen:
            continue
        seen.add(absolute)
        relative = absolute.relative_to(root)
        inputs.append(
            Input(
                absolute,
                ".".join(relative.with_suffix("").parts),
                relative.with_suffix("").parts,
                str(shown),
                "/".join((root.name, *relative.parts)),
            )
        )
    return root, inputs
