"""Documents of expressions and statements, built as ruff builds them, and the layouts
ruff prefers for an assigned or returned value."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .doc import (
    INDENT,
    LINE_LIMIT,
    SOFT,
    SOFT_OR_SPACE,
    BestFit,
    Doc,
    Group,
    IfBreaks,
    Indent,
    _expands,
    _flat,
    _Printer,
    width,
)
from .parse import (
    _CLOSERS,
    Atom,
    Binary,
    Brackets,
    Keyword,
    Node,
    Primary,
    Unary,
    Unsupported,
    _Parser,
)

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
