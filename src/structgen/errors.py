"""Diagnostics: every user mistake becomes one of these, never a traceback."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One error, located at a YAML node (line and column are 1-based)."""

    file: str
    line: int
    column: int
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file.translate(_ESCAPES)}:{self.line}:{self.column}"
        return f"{where}: error: {self.message.translate(_ESCAPES)} [{self.code}]"


class SchemaError(Exception):
    """Raised when one or more schema files are invalid.

    ``diagnostics`` lists every problem found, sorted by file and line.
    """

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = sorted(set(diagnostics))
        super().__init__("\n".join(str(d) for d in self.diagnostics))


class Diagnostics:
    """Collects diagnostics so that a run reports every error, not just the first."""

    def __init__(self) -> None:
        self.items: list[Diagnostic] = []

    def error(self, file: str, line: int, column: int, code: str, message: str) -> None:
        self.items.append(Diagnostic(file, line, column, code, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise SchemaError(self.items)


def one_line(text: str) -> str:
    """``text`` with its control characters and line breaks escaped: one line."""
    return text.translate(_ESCAPES)


# User text quoted in a message, and a file's name, must not break the
# one-diagnostic-a-line format.
_ESCAPES = {c: f"\\x{c:02x}" for c in [*range(32), 0x7F, 0x85] if c != 9}
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})
