"""Stage 1: read a YAML file into plain values that remember where they came from.

PyYAML composes the document into nodes that carry line and column; we turn those nodes
into dicts, lists and scalars ourselves so that we can:

* report duplicate keys (PyYAML silently keeps the last one);
* resolve scalars by the YAML 1.2 core schema, so ``on``, ``no``, ``yes`` stay strings;
* refuse alias bombs and oversized files before they cost memory or time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import yaml

from .errors import Diagnostic, SchemaError

MAX_FILE_BYTES = 1 << 20  # a schema is hand-written; a megabyte is already absurd
MAX_NODES = 200_000  # nodes visited, aliases expanded: stops "billion laughs" early
MAX_EXPANDED_TEXT = 4 << 20  # characters of scalar text, aliases expanded
MAX_DEPTH = 64

Path_ = tuple[str | int, ...]

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class OverflowedFloat(float):
    """A finite-looking YAML float (``1e400``) beyond float64's range: ``inf`` to
    Python, but remembered, so that a default can be refused instead of silently
    becoming infinity (only ``.inf`` means that)."""

    text: str

    def __new__(cls, text: str) -> Self:
        number = super().__new__(cls, text)
        number.text = text
        return number

    def __repr__(self) -> str:
        return self.text


class _Resolver(yaml.resolver.BaseResolver):
    """Implicit tags of the YAML 1.2 core schema (no YAML 1.1 yes/no/on/off)."""


_Resolver.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Resolver.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"),
    list("-+0123456789"),
)
_Resolver.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)
_Resolver.add_implicit_resolver(
    _NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)

if yaml.__with_libyaml__:  # the C parser is several times faster; same nodes and marks
    from yaml._yaml import CParser

    class _Composer(CParser, _Resolver):
        def __init__(self, text: str) -> None:
            CParser.__init__(self, text)
            _Resolver.__init__(self)

else:  # pragma: no cover - PyYAML built without libyaml

    class _Composer(  # type: ignore[no-redef]
        yaml.reader.Reader,
        yaml.scanner.Scanner,
        yaml.parser.Parser,
        yaml.composer.Composer,
        _Resolver,
    ):
        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)
            yaml.composer.Composer.__init__(self)
            _Resolver.__init__(self)


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class Document:
    """A loaded schema file: plain data plus the position of every node in it."""

    file: str
    data: dict[str, Any]
    values: dict[Path_, Position] = field(default_factory=dict)
    keys: dict[Path_, Position] = field(default_factory=dict)
    # Mistakes the loader could step over (a duplicate key keeps its first value), so
    # that later stages still report theirs in the same run.
    problems: list[Diagnostic] = field(default_factory=list)

    def at(self, path: Path_, *, key: bool = False) -> Position:
        """Position of the node at ``path`` (its key with ``key=True``).

        A path that holds no node gives its nearest parent's position.
        """
        table = self.keys if key else self.values
        while path:
            if path in table:
                return table[path]
            if not key and path in self.keys:
                return self.keys[path]
            path = path[:-1]
        return self.values.get((), Position(1, 1))


class _TooBig(Exception):
    def __init__(self, node: yaml.Node, message: str) -> None:
        self.node = node
        self.message = message


class _Converter:
    def __init__(self, file: str) -> None:
        self.file = file
        self.doc = Document(file, {})
        self.errors: list[Diagnostic] = []
        self.count = 0

    def error(self, node: yaml.Node, code: str, message: str) -> None:
        mark = node.start_mark
        self.errors.append(
            Diagnostic(self.file, mark.line + 1, mark.column + 1, code, message)
        )

    def convert(self, node: yaml.Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooBig(
                node,
                f"document expands to more than {MAX_NODES:,} nodes "
                "(an alias bomb?); schemas must be small",
            )
        if depth > MAX_DEPTH:
            raise _TooBig(node, f"document is nested more than {MAX_DEPTH} levels deep")
        self.doc.values.setdefault(
            path, Position(node.start_mark.line + 1, node.start_mark.column + 1)
        )
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                self.error(node, "yaml-tag", f"unsupported YAML tag '{node.tag}'")
            result: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self.convert_key(key_node, path)
                if key is None:
                    continue
                if key in result:
                    first = self.doc.keys[(*path, key)]
                    self.error(
                        key_node,
                        "duplicate-key",
                        f"duplicate key '{key}' (first defined at line {first.line}); "
                        "YAML would silently keep only the last one",
                    )
                    continue
                self.doc.keys[(*path, key)] = Position(
                    key_node.start_mark.line + 1, key_node.start_mark.column + 1
                )
                result[key] = self.convert(value_node, (*path, key), depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.error(node, "yaml-tag", f"unsupported YAML tag '{node.tag}'")
            return [
                self.convert(item, (*path, index), depth + 1)
                for index, item in enumerate(node.value)
            ]
        return self.scalar(node)

    def convert_key(self, node: yaml.Node, path: Path_) -> str | None:
        if not isinstance(node, yaml.ScalarNode):
            self.error(node, "invalid-key", "mapping keys must be plain names")
            return None
        value = self.scalar(node)
        if not isinstance(value, str):
            # `1: x` or `true: x`: keep the text the user wrote; the name rules judge it
            return str(node.value)
        return value

    def scalar(self, node: yaml.Node) -> Any:
        text: str = node.value
        tag = node.tag
        try:
            if tag == _STR:
                return text
            if tag == _NULL:
                return None
            if tag == _BOOL:
                return text.lower() == "true"
            if tag == _INT:
                if len(text) > 4300:  # CPython's int() limit; also absurd in a schema
                    raise ValueError
                return int(text, 0) if text[:2] in ("0o", "0x") else int(text)
            if tag == _FLOAT:
                lowered = text.lower().lstrip("+")
                if lowered in (".inf", "-.inf", ".nan"):
                    return {".inf": math.inf, "-.inf": -math.inf, ".nan": math.nan}[
                        lowered
                    ]
                number = float(text)
                return OverflowedFloat(text) if math.isinf(number) else number
        except ValueError:
            self.error(node, "yaml-syntax", f"'{text[:40]}' is not a valid {tag[18:]}")
            return text
        self.error(node, "yaml-tag", f"unsupported YAML tag '{tag}'")
        return text


def _check_expanded_size(root: yaml.Node) -> None:
    """Refuse a document whose aliases expand it beyond ``MAX_NODES`` nodes or
    ``MAX_EXPANDED_TEXT`` characters of scalar text, before expanding.

    An alias is the same node object appearing again, so the expanded size of each node
    is computed once (``10`` aliases of ``10`` aliases of ... cost nothing to measure).
    A file without aliases is at most ``MAX_FILE_BYTES`` of text, far below the limit;
    one long string aliased thousands of times (a doc each) is not.
    """
    sizes: dict[int, tuple[int, int]] = {}  # node id -> (nodes, characters)

    def size(node: yaml.Node, depth: int) -> tuple[int, int]:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if depth > MAX_DEPTH:  # also ends an alias that refers to its own anchor
            raise _TooBig(node, f"document is nested more than {MAX_DEPTH} levels deep")
        nodes, text = 1, 0
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [item for pair in node.value for item in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            text = len(node.value)
        for child in children:
            child_nodes, child_text = size(child, depth + 1)
            nodes += child_nodes
            text += child_text
        if nodes > MAX_NODES:
            raise _TooBig(
                node,
                f"document expands to more than {MAX_NODES:,} nodes "
                "(an alias bomb?); schemas must be small",
            )
        if text > MAX_EXPANDED_TEXT:
            raise _TooBig(
                node,
                f"document's aliases expand its text to more than "
                f"{MAX_EXPANDED_TEXT:,} characters (an alias bomb?); schemas must be "
                "small",
            )
        sizes[id(node)] = nodes, text
        return nodes, text

    size(root, 0)


def _read_text(path: Path, file: str) -> str:
    def fail(code: str, message: str, line: int = 1, column: int = 1) -> SchemaError:
        return SchemaError([Diagnostic(file, line, column, code, message)])

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise fail(
                "file-too-large",
                f"file is {size:,} bytes; a schema may be at most {MAX_FILE_BYTES:,}",
            )
        raw = path.read_bytes()
    except OSError as exc:
        raise fail("unreadable-file", f"cannot read file: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(
            "not-utf8",
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            line,
            column,
        ) from None
    return text.removeprefix("\ufeff")


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    """Line and column (1-based) of a reader error's offset: libyaml counts bytes."""
    if yaml.__with_libyaml__:
        data = text.encode("utf-8", "surrogatepass")[:offset]
        before = data.decode("utf-8", "replace")
    else:  # pragma: no cover - the pure-Python reader counts characters
        before = text[:offset]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def load_document(
    path: Path, file: str | None = None, *, recover: bool = False
) -> Document:
    """Parse one schema file. Raises SchemaError listing every problem found.

    With ``recover=True``, problems the loader can step over (duplicate keys, unknown
    tags, keys that are not names) are left in ``Document.problems`` instead, so that
    the later stages can report their own in the same run. A file that cannot be read
    or parsed at all still raises.
    """
    file = file if file is not None else str(path)
    text = _read_text(path, file)

    def fail(code: str, message: str, line: int = 1, column: int = 1) -> SchemaError:
        return SchemaError([Diagnostic(file, line, column, code, message)])

    try:
        composer = _Composer(text)
        try:
            root = composer.get_single_node()
        finally:
            composer.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "another document" in problem:
            problem = "a schema file holds one document, but another one starts here"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise fail("yaml-syntax", f"invalid YAML: {problem}", line, column) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line, column = _offset_position(text, exc.position)
        raise fail(
            "yaml-syntax",
            f"invalid YAML: character U+{exc.character:04X}: {exc.reason}",
            line,
            column,
        ) from None
    except yaml.YAMLError as exc:  # one line, as every diagnostic
        problem = " ".join(str(exc).split())
        raise fail("yaml-syntax", f"invalid YAML: {problem}") from None
    except RecursionError:  # the pure-Python parser recurses per nesting level
        raise fail("too-large", "document is nested too deeply") from None
    if root is None or (
        isinstance(root, yaml.ScalarNode)
        and root.tag == _NULL
        and root.value == ""
        and not root.style
    ):
        raise fail("empty-file", "file is empty; a schema needs at least 'records:'")
    if not isinstance(root, yaml.MappingNode):
        raise fail(
            "not-a-mapping",
            "a schema file must be a mapping with keys such as 'records:' and 'enums:'",
            root.start_mark.line + 1,
            root.start_mark.column + 1,
        )
    converter = _Converter(file)
    try:
        _check_expanded_size(root)
        data = converter.convert(root, (), 0)
    except _TooBig as exc:
        mark = exc.node.start_mark
        raise fail("too-large", exc.message, mark.line + 1, mark.column + 1) from None
    except RecursionError:
        raise fail("too-large", "document is nested too deeply") from None
    if converter.errors and not recover:
        raise SchemaError(converter.errors)
    converter.doc.data = data
    converter.doc.problems = converter.errors
    return converter.doc
