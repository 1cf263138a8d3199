"""isort's order of imports (ruff's ``I`` rule) and ``RUF022``'s ``__all__`` order."""

from __future__ import annotations

from dataclasses import dataclass

from .doc import INDENT, LINE_LIMIT, width

# -- natural order and the isort-style orders of ruff ---------------------------------


def _natord_cmp(left: str, right: str) -> int:
    """Compare like the ``natord`` crate (case sensitive)."""
    i = j = 0
    while True:
        if i >= len(left) or j >= len(right):
            return (i < len(left)) - (j < len(right))
        a, b = left[i], right[j]
        if a.isdigit() and b.isdigit() and a.isascii() and b.isascii():
            if a == "0" or b == "0":  # fractional part: digit by digit
                while True:
                    a_digit = i < len(left) and left[i].isdigit() and left[i].isascii()
                    b_digit = (
                        j < len(right) and right[j].isdigit() and right[j].isascii()
                    )
                    if not a_digit and not b_digit:
                        break
                    if not a_digit:
                        return -1
                    if not b_digit:
                        return 1
                    if left[i] != right[j]:
                        return -1 if left[i] < right[j] else 1
                    i += 1
                    j += 1
                continue
            bias = 0  # longest run wins, else the first difference
            while True:
                a_digit = i < len(left) and left[i].isdigit() and left[i].isascii()
                b_digit = j < len(right) and right[j].isdigit() and right[j].isascii()
                if not a_digit and not b_digit:
                    if bias:
                        return bias
                    break
                if not a_digit:
                    return -1
                if not b_digit:
                    return 1
                if not bias and left[i] != right[j]:
                    bias = -1 if left[i] < right[j] else 1
                i += 1
                j += 1
            continue
        if a != b:
            return -1 if a < b else 1
        i += 1
        j += 1


class _Natural:
    """Wraps a string so that sorting uses ``natord`` order."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __lt__(self, other: _Natural) -> bool:
        return _natord_cmp(self.text, other.text) < 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Natural) and self.text == other.text

    def __hash__(self) -> int:
        return hash(self.text)


def _member_type(name: str) -> int:
    """isort's type of a name: 0 CONSTANT, 1 Class, 2 anything else."""
    if len(name) > 1 and name.isupper():
        return 0
    if name[:1].isupper():
        return 1
    return 2


def dunder_all_order(names: list[str] | tuple[str, ...]) -> list[str]:
    """``__all__`` in ``RUF022``'s isort-style order (``Pack2`` before ``Pack16``)."""
    return sorted(names, key=lambda n: (_member_type(n), _Natural(n)))


@dataclass(frozen=True)
class RelativeImport:
    """``from <dots><package> import <name> as <alias>``."""

    dots: str
    package: str  # "" for ``from . import name``
    name: str
    alias: str

    def sort_key(self) -> tuple[object, ...]:
        return (
            -len(self.dots),  # furthest to closest
            self.package != "",
            _Natural(self.package.lower()),
            _Natural(self.package),
            _member_type(self.name),
            _Natural(self.name.lower()),
            _Natural(self.name),
            _Natural(self.alias),
        )

    def statement(self) -> str:
        head = f"from {self.dots}{self.package} import "
        line = f"{head}{self.name} as {self.alias}"
        if width(line) <= LINE_LIMIT:
            return line
        return f"{head}(\n{INDENT}{self.name} as {self.alias},\n)"


def import_block(imports: list[RelativeImport]) -> str:
    """The imports of one section, in the order ruff's isort rule gives them."""
    return "\n".join(
        i.statement() for i in sorted(imports, key=RelativeImport.sort_key)
    )
