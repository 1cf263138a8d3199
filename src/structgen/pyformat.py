"""Lay generated Python out exactly as ``ruff format`` would, without running ruff.

The templates write every statement on one line (or exploded, with a magic trailing
comma, where ruff keeps it so). A statement that fits in the line limit as written is
kept as it is; any other one is parsed (the small expression grammar generated code
uses) into ruff's layout document -- groups that break when they do not fit, soft line
breaks, trailing commas that appear only in a broken group, best-fit parentheses -- and
printed by the same measuring rules as ruff's printer. ``ruff format --check`` over
every golden case, ``generated/`` and the property tests' schema sets proves it.

Also here: isort's order of the imports of other schema modules (ruff's ``I`` rule) and
the isort-style order of ``__all__`` (ruff's ``RUF022``).
"""

from __future__ import annotations

import re
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


# -- documents of expressions, as ruff builds them ------------------------------------


def _magic(items: list[Node], comma: bool, *, tuple_like: bool) -> bool:
    """A trailing comma ruff keeps (not the one of a one-element tuple)."""
    return comma and not (tuple_like and len(items) == 1)


def _comma_list(items: list[Node], *, group: Group | None, one_tuple: bool) -> Doc:
    docs: list[Doc] = []
    for index, item in enumerate(items):
        if index:
            docs += [",", SOFT_OR_SPACE]
        docs.append(expression_doc(item, parenthesized=True))
    docs.append("," if one_tuple else IfBreaks([","], group))
    return docs


def _hugging(open_: str, items: list[Node], comma: bool, close: str) -> Doc:
    """Call arguments, parameters and subscripts: the items may stay on one line.

    A single item takes no trailing comma unless it was written with one (ruff adds
    none; in a subscript it would make a tuple).
    """
    magic = _magic(items, comma, tuple_like=open_ == "[")
    if len(items) == 1 and not magic:
        only = Group([expression_doc(items[0], parenthesized=True)])
        return Group([open_, Indent([SOFT, only]), SOFT, close])
    inner = Group([], expand=magic)
    inner.items = [_comma_list(items, group=inner, one_tuple=False)]
    return Group([open_, Indent([SOFT, inner]), SOFT, close])


def _sequence(open_: str, items: list[Node], comma: bool) -> Doc:
    """A tuple or list: broken, one item per line."""
    close = _CLOSERS[open_]
    one_tuple = open_ == "(" and len(items) == 1 and comma
    outer = Group([], expand=_magic(items, comma, tuple_like=open_ == "("))
    outer.items = [
        open_,
        Indent([SOFT, _comma_list(items, group=outer, one_tuple=one_tuple)]),
        SOFT,
        close,
    ]
    return outer


def expression_doc(node: Node, *, parenthesized: bool) -> Doc:
    """``node``'s document; ``parenthesized``: inside brackets (lines may break)."""
    if isinstance(node, Atom):
        return node.text
    if isinstance(node, Brackets):
        if not node.items:
            return node.open + _CLOSERS[node.open]
        if node.open == "(" and len(node.items) == 1 and not node.trailing_comma:
            inner = expression_doc(node.items[0], parenthesized=True)
            return Group(["(", Indent([SOFT, inner]), SOFT, ")"])
        return _sequence(node.open, node.items, node.trailing_comma)
    if isinstance(node, Primary):
        docs: list[Doc] = [expression_doc(node.base, parenthesized=parenthesized)]
        for trailer in node.trailers:
            if trailer.kind == ".":
                docs.append("." + trailer.name)
            elif not trailer.items:
                docs.append(trailer.kind + _CLOSERS[trailer.kind])
            else:
                docs.append(
                    _hugging(
                        trailer.kind,
                        trailer.items,
                        trailer.trailing_comma,
                        _CLOSERS[trailer.kind],
                    )
                )
        return docs
    if isinstance(node, Unary):
        return [node.op, expression_doc(node.operand, parenthesized=parenthesized)]
    if isinstance(node, Binary):
        docs = [expression_doc(node.operands[0], parenthesized=parenthesized)]
        for op, operand in zip(node.operators, node.operands[1:], strict=True):
            docs += [
                SOFT_OR_SPACE if parenthesized else " ",
                op + " ",
                expression_doc(operand, parenthesized=parenthesized),
            ]
        return Group(docs) if parenthesized else docs
    if isinstance(node, Keyword):
        return [node.name, "=", expression_doc(node.value, parenthesized=True)]
    docs = [node.name]
    if node.annotation is not None:
        docs += [": ", expression_doc(node.annotation, parenthesized=True)]
    if node.default is not None:
        equals = " = " if node.annotation is not None else "="
        docs += [equals, expression_doc(node.default, parenthesized=True)]
    return docs


def _has_own_brackets(node: Node) -> bool:
    """Splittable by brackets of its own at its end (a call, a subscript, a tuple)."""
    if isinstance(node, Brackets):
        return bool(node.items)
    if isinstance(node, Primary):
        last = node.trailers[-1]
        return last.kind != "." and bool(last.items)
    return False


def _starts_with_brackets(node: Node) -> bool:
    if isinstance(node, Brackets):
        return bool(node.items)
    if isinstance(node, Primary):
        return _starts_with_brackets(node.base)
    return False


def value_doc(node: Node) -> Doc:
    """The value of an assignment or ``return`` laid out as is (the last resort)."""
    if _has_own_brackets(node):
        return expression_doc(node, parenthesized=True)
    if isinstance(node, Binary):
        can_omit = len(node.operators) == 1 and (
            _starts_with_brackets(node.operands[0])
            or _has_own_brackets(node.operands[-1])
        )
        if can_omit:
            return expression_doc(node, parenthesized=False)
        parens = Group([])
        parens.items = [
            IfBreaks(["("], parens),
            Indent([SOFT, expression_doc(node, parenthesized=True)]),
            SOFT,
            IfBreaks([")"], parens),
        ]
        return parens
    return BestFit([expression_doc(node, parenthesized=False)])


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


@dataclass(eq=False)
class FirstLine:
    """A layout taken if its first line fits, however long the others are."""

    doc: Doc


def value_variants(
    head: Doc, node: Node, *, annotated: Node | None = None
) -> list[Doc | FirstLine]:
    """Layouts of ``<head><value>`` in ruff's order of preference: the first whose
    every line fits is taken, else the last.

    Ruff splits the value at its own brackets before it parenthesizes it, and both
    before it splits the target (an annotation).
    """
    flat_head = _flat(head)
    value = value_doc(node)
    variants: list[Doc | FirstLine] = []
    if isinstance(node, Binary):
        if not isinstance(value, Group):  # ruff may leave out the parentheses
            variants.append([flat_head, value])
        if annotated is not None:
            variants.append([head, _flat(value)])
        parens = Group([])
        parens.items = [
            IfBreaks(["("], parens),
            Indent([SOFT, expression_doc(node, parenthesized=True)]),
            SOFT,
            IfBreaks([")"], parens),
        ]
        if not isinstance(value, Group):  # the first line fits: still no parentheses
            variants.append(FirstLine([flat_head, value]))
        variants.append([head, value] if annotated is not None else [flat_head, parens])
        return variants
    variants.append([flat_head, value])
    if not isinstance(node, Brackets):
        inner = expression_doc(node, parenthesized=True)
        parens = Group(["(", Indent([SOFT, inner]), SOFT, ")"], expand=True)
        variants.append([flat_head, parens])
    variants.append([head, value])
    if (
        not isinstance(node, Brackets)
        and not _has_own_brackets(node)
        and annotated is not None
        and _has_own_brackets(annotated)
        and width(flat_head) + 1 <= LINE_LIMIT
    ):
        variants.append(variants[1])  # nothing fits: ruff parenthesizes the value
    return variants


# -- statements -----------------------------------------------------------------------

_HEADER = re.compile(r"(class|def) (\w+)")


def statement_doc(
    text: str, parsers: list[_Parser] | None = None
) -> list[Doc | FirstLine]:
    """Layouts of one simple statement or compound-statement header, preferred first
    (``parsers`` collects the parsers used, which know of trailing commas)."""
    made = [] if parsers is None else parsers

    def parse(source: str) -> _Parser:
        made.append(_Parser(source))
        return made[-1]

    stripped = text.strip()
    match = _HEADER.match(stripped)
    if match:
        keyword, name = match.groups()
        parser = parse(stripped[match.end() :])
        docs: list[Doc] = [f"{keyword} {name}"]
        if keyword == "def":
            # the parameters' parentheses break with the return annotation's group;
            # one parameter takes a trailing comma then, several may stay on one line
            parser.take("(")
            items, comma = parser.items(")")
            header = Group([])
            if len(items) == 1:
                inner: Doc = [
                    expression_doc(items[0], parenthesized=True),
                    IfBreaks([","], header),
                ]
                header.expand = comma
            else:
                inner = _hugging("(", items, comma, ")").items[1].items[1]  # type: ignore[union-attr]
            header.items = ["(", Indent([SOFT, inner]), SOFT, ")"]
            if parser.peek() == "->":
                parser.take()
                returns = parser.expression()
                returns_doc = expression_doc(returns, parenthesized=False)
                if not _has_own_brackets(returns):
                    returns_doc = BestFit([returns_doc])
                header.items += [" -> ", returns_doc]
            docs.append(header)
        elif parser.peek() == "(":
            parser.take()
            items, comma = parser.items(")")
            docs.append(_hugging("(", items, comma, ")") if items else "()")
        parser.take(":")
        if not parser.done():
            raise Unsupported("text after a header")
        docs.append(":")
        return [docs]
    for keyword in ("return ", "raise "):
        if stripped.startswith(keyword):
            parser = parse(stripped[len(keyword) :])
            value = parser.expression()
            tail: list[Doc] = []
            if parser.peek() == "from":
                parser.take()
                tail = [
                    " from ",
                    expression_doc(parser.expression(), parenthesized=False),
                ]
            if not parser.done():
                raise Unsupported("text after a return or raise")
            return [[*v, *tail] for v in value_variants(keyword, value)]  # type: ignore[misc]
    if stripped.startswith(("if ", "elif ")):
        keyword, _, rest = stripped.partition(" ")
        parser = parse(rest)
        test = parser.expression()
        parser.take(":")
        parens = Group([])
        parens.items = [
            IfBreaks(["("], parens),
            Indent([SOFT, expression_doc(test, parenthesized=True)]),
            SOFT,
            IfBreaks([")"], parens),
        ]
        return [[keyword + " ", parens, ":"]]
    if stripped.startswith("@"):
        parser = parse(stripped[1:])
        return [["@", expression_doc(parser.expression(), parenthesized=False)]]
    parser = parse(stripped)
    target = parser.expression()
    docs = [expression_doc(target, parenthesized=False)]
    annotation: Node | None = None
    if parser.peek() == ":":
        parser.take()
        annotation = parser.expression()
        docs += [": ", expression_doc(annotation, parenthesized=False)]
    variants: list[Doc | FirstLine] = [docs]
    if parser.peek() == "=":
        parser.take()
        variants = value_variants(
            [*docs, " = "], parser.expression(), annotated=annotation
        )
    elif annotation is not None and not _has_own_brackets(annotation):
        variants = [[*docs[:2], BestFit([docs[2]])]]
    elif len(docs) == 1:
        variants = [[value_doc(target)]]
    if not parser.done():
        raise Unsupported(f"cannot lay out {stripped!r}")
    return variants


def lay_out_statement(text: str) -> str:
    """``text`` (one statement, possibly over several lines) laid out as ruff does.

    A construct the layout does not know (none that the templates write) is left as
    written: still valid Python, and the tests' ``ruff format --check`` would say so.
    """
    try:
        return _lay_out_statement(text)
    except Unsupported:
        return text


def _lay_out_statement(text: str) -> str:
    indent = len(text) - len(text.lstrip(" "))
    parsers: list[_Parser] = []
    variants = statement_doc(text, parsers)
    magic = any(parser.trailing_comma for parser in parsers)
    for number, variant in enumerate(variants, 1):
        doc = variant.doc if isinstance(variant, FirstLine) else variant
        if (
            number < len(variants)
            and isinstance(doc, list)
            and isinstance(doc[0], str)
            and indent + width(doc[0]) > LINE_LIMIT
        ):
            continue  # its first line cannot fit
        if magic:
            _expands(doc)
        laid_out = " " * indent + _Printer().print(doc, indent // len(INDENT), indent)
        lines = laid_out.split("\n")
        if isinstance(variant, FirstLine):
            lines = lines[:1]
        if number == len(variants) or all(width(line) <= LINE_LIMIT for line in lines):
            return laid_out
    raise AssertionError("unreachable")  # pragma: no cover


# -- whole modules --------------------------------------------------------------------

_STRINGS_AND_BRACKETS = re.compile(
    r"""[bBrRuUfF]*(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')|#.*|[()\[\]{}]"""
)


def _depth(line: str) -> int:
    if '"' not in line and "'" not in line and "#" not in line:
        return (
            line.count("(")
            + line.count("[")
            + line.count("{")
            - line.count(")")
            - line.count("]")
            - line.count("}")
        )
    depth = 0
    for match in _STRINGS_AND_BRACKETS.finditer(line):
        token = match.group()
        if token in ("(", "[", "{"):
            depth += 1
        elif token in (")", "]", "}"):
            depth -= 1
    return depth


_EXPONENT = re.compile(r"(?<=[0-9.])e\+(?=[0-9])")


def _numbers(line: str) -> str:
    """Float literals as ruff writes them: ``1e300``, not ``repr``'s ``1e+300``."""
    if "e+" not in line:
        return line
    pieces, last = [], 0
    for match in _STRINGS_AND_BRACKETS.finditer(line):
        if len(match.group()) > 1:  # a string literal or a comment: left alone
            pieces.append(_EXPONENT.sub("e", line[last : match.start()]))
            pieces.append(match.group())
            last = match.end()
    pieces.append(_EXPONENT.sub("e", line[last:]))
    return "".join(pieces)


def _requote(literal: str) -> str:
    """A single-quoted string literal as ruff writes it: double quotes unless the text
    holds more double quotes than single ones (fewer escapes)."""
    quote_at = literal.index("'")
    prefix, body = literal[:quote_at], literal[quote_at + 1 : -1]
    if body.count('"') > body.count("'"):
        return literal
    out, chars = [], iter(body)
    for char in chars:
        if char == "\\":
            escaped = next(chars)
            out.append("'" if escaped == "'" else "\\" + escaped)
        elif char == '"':
            out.append('\\"')
        else:
            out.append(char)
    return f'{prefix}"{"".join(out)}"'


def _quotes(line: str) -> str:
    """String literals of a code line quoted as ruff quotes them."""
    if "'" not in line:
        return line
    return _STRINGS_AND_BRACKETS.sub(
        lambda m: (
            _requote(m.group())
            if m.group().lstrip("bBrRuUfF")[:1] == "'"
            else m.group()
        ),
        line,
    )


def _exploded_items(statement: list[str]) -> list[str] | None:
    """The item lines of an exploded bracket with a magic trailing comma (ruff keeps
    it exploded, one item per line), or None if ``statement`` is not one."""
    head, items, tail = statement[0], statement[1:-1], statement[-1]
    if (
        len(statement) < 3
        or width(head) > LINE_LIMIT
        or width(tail) > LINE_LIMIT
        or not head.endswith(("(", "["))
        or not items[-1].endswith(",")
    ):
        return None
    pad = len(head) - len(head.lstrip(" "))
    inner = " " * (pad + len(INDENT))
    if tail[:pad].strip() or tail[pad : pad + 1] not in (")", "]"):
        return None
    for line in items:
        if not line.startswith(inner) or line[len(inner)] == " ":
            return None
        if not line.endswith(",") or _depth(line) != 0:
            return None
    return items


def _lay_out_item(line: str) -> str:
    """One item of an exploded bracket, followed by its comma, laid out as ruff does."""
    if width(line) <= LINE_LIMIT:
        return line
    try:
        return _lay_out_long_item(line)
    except Unsupported:  # as lay_out_statement(): left as written
        return line


def _lay_out_long_item(line: str) -> str:
    indent = len(line) - len(line.lstrip(" "))
    parser = _Parser(line.strip()[:-1])
    doc: Doc = [expression_doc(parser.item(), parenthesized=True), ","]
    if not parser.done():
        raise Unsupported(f"cannot lay out {line.strip()!r}")
    if parser.trailing_comma:
        _expands(doc)
    return " " * indent + _Printer().print(doc, indent // len(INDENT), indent)


_OPENERS = ("(", "[", "{")
_OPENERS_OR_NOTHING = ("(", "[", "{", "")


def format_module(source: str) -> str:
    """Lay out a module the templates wrote: ruff's layout, no formatter run.

    Docstrings and comments pass through (the renderer wraps them); blank lines are
    capped as ruff caps them (two at the top level, one inside a block).
    """
    lines = source.split("\n")
    out: list[str] = []
    append = out.append
    blank = 0
    index = 0
    count = len(lines)
    while index < count:
        line = lines[index]
        index += 1
        if (  # the common case: a short ASCII statement that needs nothing
            len(line) <= LINE_LIMIT
            and line[-1:] not in _OPENERS_OR_NOTHING
            and line.isascii()
            and "'" not in line
            and "e+" not in line
            and "#" not in line
            and '"""' not in line
        ):
            if blank:
                out += [""] * min(blank, 1 if line[0] == " " else 2)
                blank = 0
            append(line)
            continue
        stripped = line.strip()
        if not stripped:
            blank += 1
            continue
        if blank:
            out += [""] * min(blank, 1 if line[0] == " " else 2)
            blank = 0
        if stripped.startswith("#"):
            append(line.rstrip())
            continue
        if stripped.startswith('"""'):  # a docstring: the renderer laid it out
            append(line)
            if stripped == '"""' or not stripped.endswith('"""') or len(stripped) < 6:
                while index < count:
                    append(lines[index])
                    index += 1
                    if lines[index - 1].rstrip().endswith('"""'):
                        break
            continue
        if "e+" in line:
            line = _numbers(line)
        if "'" in line:
            line = _quotes(line)
        if not line.endswith(_OPENERS):  # one statement on one line
            if width(line) <= LINE_LIMIT or stripped.startswith(("from ", "import ")):
                append(line)
            else:
                append(lay_out_statement(line))
            continue
        # a statement the templates spread over lines opens a bracket at a line's end
        statement = [line]
        depth = _depth(line)
        while depth > 0 and index < count:
            following = lines[index]
            index += 1
            if "e+" in following:
                following = _numbers(following)
            if "'" in following:
                following = _quotes(following)
            statement.append(following)
            depth += _depth(following)
        items = _exploded_items(statement)
        if stripped.startswith(("from ", "import ")):  # laid out by import_block()
            out += statement
        elif items is not None:
            append(statement[0])
            out += [_lay_out_item(item) for item in items]
            append(statement[-1])
        else:
            append(lay_out_statement("\n".join(statement)))
    if blank:
        out += [""] * blank
    return "\n".join(out)
