"""Tokens and a parser for the expressions and statements generated code uses."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# -- expressions ----------------------------------------------------------------------


class Unsupported(Exception):
    """Generated code used a construct this module cannot lay out (a structgen bug)."""


@dataclass
class Atom:
    text: str


@dataclass
class Brackets:
    """``(...)``, ``[...]`` as an atom (tuple, list, parenthesized expression)."""

    open: str
    items: list[Node]
    trailing_comma: bool  # written with a comma after the last item


@dataclass
class Trailer:
    kind: str  # "." | "(" | "["
    name: str = ""
    items: list[Node] = field(default_factory=list)
    trailing_comma: bool = False


@dataclass
class Primary:
    base: Node
    trailers: list[Trailer]


@dataclass
class Unary:
    op: str
    operand: Node


@dataclass
class Binary:
    precedence: int
    operands: list[Node]
    operators: list[str]


@dataclass
class Keyword:
    name: str
    value: Node


@dataclass
class Param:
    name: str
    annotation: Node | None
    default: Node | None


Node = Atom | Brackets | Primary | Unary | Binary | Keyword | Param

_PRECEDENCE = {
    "or": 1,
    "and": 2,
    "<": 4,
    "<=": 4,
    ">": 4,
    ">=": 4,
    "==": 4,
    "!=": 4,
    "is": 4,
    "is not": 4,
    "in": 4,
    "not in": 4,
    "|": 5,
    "^": 6,
    "&": 7,
    "<<": 8,
    ">>": 8,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "//": 10,
    "%": 10,
    "@": 10,
}
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


_TOKEN = re.compile(
    r"""[bBrRuU]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    |(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?[jJ]?
    |\w+
    |->|\*\*|//|<<|>>|<=|>=|==|!=|\.\.\.|[-+*/%@|&^~<>()\[\]{},:.=;]""",
    re.VERBOSE,
)
_BLANKS = str.maketrans("", "", " \t\n")


def _tokens(text: str) -> list[str]:
    """The tokens of one statement (the subset of Python that generated code uses)."""
    tokens: list[str] = _TOKEN.findall(text)
    if "".join(tokens).translate(_BLANKS) != text.translate(_BLANKS):
        raise Unsupported(f"cannot read {text[:40]!r}")  # e.g. a comment
    return tokens


def _kind(token: str) -> str:
    first = token[0]
    if first in "\"'" or (token[-1] in "\"'" and first in "bBrRuU"):
        return "string"
    if first.isdigit() or (first == "." and token[1:2].isdigit()):
        return "number"
    if first.isalpha() or first == "_":
        return "name"
    return "op"


class _Parser:
    def __init__(self, text: str) -> None:
        self.texts = _tokens(text)
        self.count = len(self.texts)
        self.at = 0
        self.trailing_comma = False  # any bracket closed after a comma

    def peek(self, offset: int = 0) -> str:
        index = self.at + offset
        return self.texts[index] if index < self.count else ""

    def take(self, expected: str | None = None) -> str:
        if self.at >= self.count:
            raise Unsupported("unexpected end of statement")
        text = self.texts[self.at]
        if expected is not None and text != expected:
            raise Unsupported(f"expected {expected!r}, found {text!r}")
        self.at += 1
        return text

    def done(self) -> bool:
        return self.at >= self.count

    def operator(self) -> str | None:
        text = self.peek()
        if text == "is" and self.peek(1) == "not":
            return "is not"
        if text == "not" and self.peek(1) == "in":
            return "not in"
        return text if text in _PRECEDENCE else None

    def expression(self, minimum: int = 1) -> Node:
        left = self.unary()
        while True:
            op = self.operator()
            if op is None or _PRECEDENCE[op] < minimum:
                return left
            precedence = _PRECEDENCE[op]
            operands, operators = [left], []
            while self.operator() == op or (
                self.operator() is not None
                and _PRECEDENCE[self.operator() or ""] == precedence
            ):
                found = self.operator() or ""
                for _ in found.split():
                    self.take()
                operators.append(found)
                operands.append(self.expression(precedence + 1))
            left = Binary(precedence, operands, operators)

    def unary(self) -> Node:
        if self.peek() in ("-", "+", "~"):
            op = self.take()
            return Unary(op, self.unary())
        if self.peek() == "not":
            self.take()
            return Unary("not ", self.expression(3))
        return self.primary()

    def primary(self) -> Node:
        base = self.atom()
        if self.at >= self.count or self.texts[self.at] not in (".", "(", "["):
            return base
        trailers: list[Trailer] = []
        while self.peek() in (".", "(", "["):
            kind = self.take()
            if kind == ".":
                trailers.append(Trailer(".", name=self.take()))
            else:
                items, comma = self.items(_CLOSERS[kind])
                trailers.append(Trailer(kind, items=items, trailing_comma=comma))
        return Primary(base, trailers) if trailers else base

    def atom(self) -> Node:
        text = self.peek()
        if text in ("(", "["):
            self.take()
            items, comma = self.items(_CLOSERS[text])
            return Brackets(text, items, comma)
        kind = _kind(text) if text else None
        if kind in ("name", "number", "string") or text == "...":
            self.take()
            if kind == "string" and self.peek() and _kind(self.peek()) == "string":
                raise Unsupported("implicit string concatenation")
            return Atom(text)
        raise Unsupported(f"unexpected {text!r}")

    def item(self) -> Node:
        if self.peek() == "*" and self.peek(1) in (",", ")"):
            self.take()
            return Atom("*")
        if self.peek(1) in ("=", ":") and _kind(self.peek()) == "name":
            name = self.take()
            annotation = default = None
            if self.peek() == ":":
                self.take()
                annotation = self.expression()
            if self.peek() == "=":
                self.take()
                default = self.expression()
            if annotation is None and default is not None:
                return Keyword(name, default)
            return Param(name, annotation, default)
        return self.expression()

    def items(self, closer: str) -> tuple[list[Node], bool]:
        items: list[Node] = []
        comma = False
        while self.peek() != closer:
            items.append(self.item())
            comma = False
            if self.peek() == ",":
                self.take()
                comma = True
            elif self.peek() != closer:
                raise Unsupported(f"expected ',' or {closer!r}, found {self.peek()!r}")
        self.take(closer)
        self.trailing_comma = self.trailing_comma or comma
        return items, comma
