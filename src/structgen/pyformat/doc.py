"""ruff's layout document (groups, soft line breaks, trailing commas that appear only
in a broken group, best-fit parentheses) and a printer with ruff's measuring rules."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

LINE_LIMIT = 88
INDENT = "    "

# -- text width, as ruff measures it (East Asian wide characters count twice) --------


def width(text: str) -> int:
    """Columns ``text`` takes, as ruff measures them (East Asian wide count two)."""
    if text.isascii():
        return len(text)
    total = 0
    for char in text:
        if char.isascii():
            total += 1
        elif (
            unicodedata.combining(char)
            or unicodedata.category(char) in ("Mn", "Me")
            or "\u1160" <= char <= "\u11ff"  # Hangul medial vowels, final consonants
            or "\ud7b0" <= char <= "\ud7ff"
        ):
            continue
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            total += 2
        else:
            total += 1
    return total


# -- the layout document --------------------------------------------------------------


@dataclass(eq=False)
class Line:
    space: bool  # printed as " " when flat (else as nothing)


SOFT = Line(False)
SOFT_OR_SPACE = Line(True)


@dataclass(eq=False)
class Group:
    items: list[Doc]
    expand: bool = False
    mode: list[bool] = field(default_factory=lambda: [False])  # [broken?] once printed
    flat: tuple[str, int] | None = None  # the group on one line, and its width

    def one_line(self) -> tuple[str, int]:
        """The group printed flat (cached; valid since no group inside is expanded)."""
        if self.flat is None:
            text = _flat(self.items)
            self.flat = (text, width(text))
        return self.flat


@dataclass(eq=False)
class Indent:
    items: list[Doc]


@dataclass(eq=False)
class IfBreaks:
    items: list[Doc]
    group: Group | None = None  # None: the enclosing group


@dataclass(eq=False)
class BestFit:
    """Parenthesized on lines of its own only if that makes the content fit."""

    items: list[Doc]


Doc = str | Line | Group | Indent | IfBreaks | BestFit | list["Doc"]


def _expands(doc: Doc) -> bool:
    """Propagate magic trailing commas: a group holding an expanded group expands."""
    if isinstance(doc, str | Line):
        return False
    if isinstance(doc, list):
        result = False
        for item in doc:
            result = _expands(item) or result
        return result
    if isinstance(doc, Group):
        inner = _expands(doc.items)
        doc.expand = doc.expand or inner
        return doc.expand
    if isinstance(doc, IfBreaks):
        return False
    return _expands(doc.items)


_FLAT, _BREAK = False, True


class _Printer:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0

    def fits(
        self,
        first: tuple[int, bool, Doc],
        rest: list[tuple[int, bool, Doc]],
        remaining: int,
    ) -> bool:
        pending = [first]
        rest_index = len(rest)
        while True:
            if not pending:
                if rest_index == 0:
                    return True
                rest_index -= 1
                pending.append(rest[rest_index])
            indent, mode, doc = pending.pop()
            kind = type(doc)
            if kind is str:
                remaining -= width(doc)  # type: ignore[arg-type]
                if remaining < 0:
                    return False
            elif kind is list:
                pending.extend((indent, mode, item) for item in reversed(doc))  # type: ignore[arg-type]
            elif kind is Group:
                assert isinstance(doc, Group)
                if doc.expand:
                    pending.append((indent, _BREAK, doc.items))
                elif mode == _FLAT:
                    remaining -= doc.one_line()[1]
                    if remaining < 0:
                        return False
                else:
                    pending.append((indent, mode, doc.items))
            elif kind is Line:
                assert isinstance(doc, Line)
                if mode == _BREAK:
                    return True
                remaining -= doc.space
                if remaining < 0:
                    return False
            elif kind is Indent:
                assert isinstance(doc, Indent)
                pending.append((indent + 1, mode, doc.items))
            elif kind is IfBreaks:
                assert isinstance(doc, IfBreaks)
                broken = doc.group.mode[0] if doc.group is not None else mode
                if broken:
                    pending.append((indent, mode, doc.items))
            else:  # BestFit: measured as its content
                assert isinstance(doc, BestFit)
                pending.append((indent, _FLAT, doc.items))

    def print(self, doc: Doc, indent: int, column: int) -> str:
        self.column = column
        out = self.out
        stack: list[tuple[int, bool, Doc]] = [(indent, _BREAK, doc)]
        while stack:
            level, mode, item = stack.pop()
            kind = type(item)
            if kind is str:
                assert isinstance(item, str)
                out.append(item)
                self.column += width(item)
            elif kind is list:
                stack.extend((level, mode, d) for d in reversed(item))  # type: ignore[arg-type]
            elif kind is Group:
                assert isinstance(item, Group)
                if not item.expand:
                    text, size = item.one_line()
                    if mode == _FLAT or (
                        self.column + size <= LINE_LIMIT
                        and self.fits(
                            (level, _FLAT, ""), stack, LINE_LIMIT - self.column - size
                        )
                    ):
                        item.mode[0] = _FLAT
                        out.append(text)
                        self.column += size
                        continue
                item.mode[0] = _BREAK
                stack.append((level, _BREAK, item.items))
            elif kind is Line:
                assert isinstance(item, Line)
                if mode == _BREAK:
                    out.append("\n" + INDENT * level)
                    self.column = len(INDENT) * level
                elif item.space:
                    out.append(" ")
                    self.column += 1
            elif kind is Indent:
                assert isinstance(item, Indent)
                stack.append((level + 1, mode, item.items))
            elif kind is IfBreaks:
                assert isinstance(item, IfBreaks)
                broken = item.group.mode[0] if item.group is not None else mode
                if broken:
                    stack.append((level, mode, item.items))
            else:  # BestFit
                assert isinstance(item, BestFit)
                if mode == _FLAT or self.fits(
                    (level, _FLAT, item.items), stack, LINE_LIMIT - self.column
                ):
                    stack.append((level, _FLAT, item.items))
                    continue
                inner = _Printer().print(
                    item.items, level + 1, len(INDENT) * (level + 1)
                )
                closing = (level, _FLAT, ")")
                if (
                    self.column < LINE_LIMIT
                    and width(inner) + len(INDENT) * (level + 1) <= LINE_LIMIT
                    and self.fits(closing, stack, LINE_LIMIT - len(INDENT) * level)
                ):
                    stack.append(
                        (level, _BREAK, ["(", Indent([SOFT, item.items]), SOFT, ")"])
                    )
                else:
                    stack.append((level, _FLAT, item.items))
        return "".join(out)


def _flat(doc: Doc) -> str:
    """``doc`` printed on one line."""
    kind = type(doc)
    if kind is str:
        return doc  # type: ignore[return-value]
    if kind is list:
        return "".join([_flat(item) for item in doc])  # type: ignore[union-attr]
    if kind is Group:
        return doc.one_line()[0]  # type: ignore[union-attr]
    if kind is Line:
        return " " if doc.space else ""  # type: ignore[union-attr]
    if kind is IfBreaks:
        return ""
    return _flat(doc.items)  # type: ignore[union-attr]
