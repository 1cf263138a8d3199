"""``[tool.structgen]`` in ``pyproject.toml``: what a bare ``structgen build`` builds.

The nearest ``pyproject.toml`` with a ``[tool.structgen]`` table, from the working
folder upward, gives the schema paths, the output folder and the C header folder, each
relative to that file's folder. Arguments on the command line override each key.
"""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass
from pathlib import Path

KEYS = ("schemas", "output", "c-out")


class ConfigError(Exception):
    """A ``[tool.structgen]`` table that cannot be used (a usage error, exit 2)."""


@dataclass(frozen=True)
class Config:
    file: Path  # the pyproject.toml it came from
    schemas: tuple[Path, ...] | None
    output: Path | None
    c_out: Path | None


def find_config(start: Path | None = None) -> Config | None:
    """The ``[tool.structgen]`` table of the nearest ``pyproject.toml`` that has one."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            config = read_config(candidate)
            if config is not None:
                return config
    return None


def read_config(path: Path) -> Config | None:
    """The table of ``path``, or None when it has no ``[tool.structgen]``."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    tool = document.get("tool")
    if not isinstance(tool, dict) or "structgen" not in tool:
        return None
    table = tool["structgen"]
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.structgen] must be a table")
    for key in table:
        if key not in KEYS:
            match = difflib.get_close_matches(key, KEYS, n=1)
            hint = f"; did you mean '{match[0]}'?" if match else ""
            raise ConfigError(
                f"{path}: unknown key '{key}' in [tool.structgen]{hint} "
                f"(allowed: {', '.join(KEYS)})"
            )
    base = path.parent
    schemas = table.get("schemas")
    if isinstance(schemas, str):
        schemas = [schemas]
    if schemas is not None and (
        not isinstance(schemas, list)
        or not schemas
        or not all(isinstance(item, str) and item for item in schemas)
    ):
        raise ConfigError(
            f"{path}: [tool.structgen] 'schemas' must be a list of paths "
            '(e.g. schemas = ["schemas"])'
        )
    return Config(
        path,
        tuple(base / item for item in schemas) if schemas is not None else None,
        _folder(path, table, "output"),
        _folder(path, table, "c-out"),
    )


def _folder(path: Path, table: dict[str, object], key: str) -> Path | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigError(
            f"{path}: [tool.structgen] '{key}' must be a folder path (a string)"
        )
    return path.parent / value
