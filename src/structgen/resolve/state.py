"""What the resolve stage knows while it works: the sources and the tables it fills."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Diagnostics
from ..layout import RecordLayout
from ..loader import Document
from ..schema import EnumSpec, RecordSpec, SchemaFile
from ..types import Scalar

RUNTIME_MODULE = "_structgen"

Key = tuple[str, str]  # (module, record or enum name)


@dataclass
class Source:
    """One schema file after loading and structural validation."""

    module: str
    path: Path
    banner_name: str  # how the generated banner names the schema file
    doc: Document
    schema: SchemaFile
    # records and enums left out of ``schema`` because they are malformed (already
    # reported); references to them are not reported again
    dropped: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Base:
    """A field's element type, before array dimensions."""

    kind: str  # int, float, bool, enum, str, bytes, record
    scalar: Scalar | None = None  # scalars, and an enum's storage
    length: int = 0  # str/bytes
    key: Key | None = None  # enum/record


@dataclass(frozen=True)
class Field:
    """A field whose type is resolved."""

    name: str
    doc: str | None
    base: Base
    dims: tuple[int, ...]
    default: Any
    has_default: bool


@dataclass
class State:
    """The tables every step of the resolve stage reads and fills."""

    sources: dict[str, Source]
    broken: set[str]  # modules of the build that failed to load
    diag: Diagnostics = field(default_factory=Diagnostics)
    enums: dict[Key, EnumSpec] = field(default_factory=dict)  # well-named ones
    records: dict[Key, RecordSpec] = field(default_factory=dict)  # well-named ones
    fields: dict[Key, list[Field]] = field(default_factory=dict)
    layouts: dict[Key, RecordLayout] = field(default_factory=dict)
    bad_records: set[Key] = field(default_factory=set)
    # per module: the private alias of every module it may refer to, and those used
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    used: dict[str, set[str]] = field(default_factory=dict)

    def error(
        self,
        module: str,
        path: tuple[str | int, ...],
        code: str,
        message: str,
        *,
        key: bool = False,
    ) -> None:
        """Report ``message`` at ``path`` of ``module`` (at the key with ``key``)."""
        doc = self.sources[module].doc
        pos = doc.at(path, key=key)
        self.diag.error(doc.file, pos.line, pos.column, code, message)

    def enum_members(self, key: Key) -> dict[str, int]:
        values = self.enums[key].values
        if isinstance(values, dict):
            return dict(values)
        return {member: index for index, member in enumerate(values)}
