"""Whole modules: statements ruff would keep pass through; the others are laid out."""

from __future__ import annotations

import re

from .doc import INDENT, LINE_LIMIT, Doc, _expands, _Printer, width
from .parse import Unsupported, _Parser
from .statements import expression_doc, lay_out_statement

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
