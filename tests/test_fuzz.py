"""Fuzzed schema input (issue 4, point 2).

Random and mutated YAML goes through the loader, the validator and the writer: valid
schemas (the repository's own and generated ones) truncated at random offsets, with a
node swapped for a value of another kind, with deep nesting, huge numbers, odd unicode
(combining marks, RTL overrides, NUL, lone surrogates, BOMs, line separators), anchors,
aliases and alias bombs, tags, several documents, token soup and random bytes.

For every input, within a time bound (2 s in-process; 10 s through the command line,
a fresh interpreter's start included):

* ``structgen.build`` returns or raises ``SchemaError``, nothing else; so do
  ``structgen.load`` and ``build(check=True)``;
* a ``SchemaError`` lists diagnostics that point into the files (1-based line and
  column), carry a kebab-case code and a one-line message, sorted by file and line; and
  the output folder is left exactly as it was (nothing written, nothing removed);
* an input that is still a valid schema builds, and the modules it builds import and
  construct their records (``SharedX().snapshot() == XData()``).

A sample goes through the real command line (``python -m structgen build`` and
``check``): exit 0 or 1 only, never a traceback, diagnostics one a line, and no file
written on exit 1. A summary line with the number of inputs is printed at the end.
``STRUCTGEN_FUZZ_EXAMPLES`` / ``STRUCTGEN_FUZZ_CLI_EXAMPLES`` set the number of inputs
(a longer soak); ``STRUCTGEN_NO_SHRINK=1`` skips shrinking a failure.
"""

from __future__ import annotations

import collections
import ctypes
import importlib
import itertools
import os
import re
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_structgen
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from strategies import schema_sets

import structgen

ROOT = Path(__file__).resolve().parents[1]
STATS: collections.Counter[str] = collections.Counter()
TIME_BOUND = 2.0  # seconds per input, in-process
CLI_TIME_BOUND = 10.0  # a fresh interpreter: imports included
_packages = itertools.count()

# The repository's schemas: the fuzzed file may import the two that others import.
SEEDS = {
    path.relative_to(ROOT / "schemas").as_posix(): path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "schemas").rglob("*.yaml"))
}
COMPANIONS = {name: SEEDS[name] for name in ("units.yaml", "geometry.yaml")}
FUZZED = "fuzzed.yaml"

SETTINGS = settings(
    deadline=None,
    phases=[
        p
        for p in Phase
        if p != Phase.shrink or not os.environ.get("STRUCTGEN_NO_SHRINK")
    ],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


def _examples(variable: str, default: int) -> int:
    return int(os.environ.get(variable, default))


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Iterator[None]:
    start = time.monotonic()
    yield
    line = (
        f"test_fuzz: {STATS['inputs']} fuzzed inputs "
        f"({STATS['refused']} refused with diagnostics, {STATS['valid']} still valid "
        f"and built), {STATS['cli']} of them through the command line; slowest "
        f"in-process input {STATS['slowest_ms'] / 1000:.2f} s; "
        f"in {time.monotonic() - start:.1f} s"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    else:  # pragma: no cover
        print(line)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("fuzz")
    sys.path.insert(0, str(root))
    yield root
    sys.path.remove(str(root))


# -- inputs ---------------------------------------------------------------------------

ODD_TEXT = [
    "e\u0301",  # combining acute accent
    "\u202eevil\u202c",  # right-to-left override
    "\u05d0\u05d1",  # Hebrew (RTL)
    "\u200b",  # zero width space
    "\u200d",  # zero width joiner
    "\ufeff",  # BOM in the middle of the text
    "\x00",  # NUL
    "\x85",  # NEL
    "\u2028",  # line separator
    "\u2029",  # paragraph separator
    "\uff58",  # fullwidth x (NFKC: x)
    "\u0445",  # Cyrillic x
    "\U0001f600",  # emoji
    "\t",
    "\r",
    "\r\n",
    "\x1b[31m",
    "\\",
    '"',
    "'",
    "\ufffd",
]
# escapes a YAML double-quoted scalar can carry but a UTF-8 file cannot (surrogates)
ODD_ESCAPES = ['"\\ud800"', '"\\udfff x"', '"a\\0b"', '"\\x85"', '"\\u2028"', '"\\e"']
HUGE_NUMBERS = [
    "0",
    "-1",
    "1e3",
    "0x10",
    "0o17",
    "1_000",
    "+5",
    "2147483648",
    "4294967296",
    "18446744073709551616",
    "99999999999999999999999999999999",
    "1" + "0" * 400,
    "9" * 5000,
    "1e400",
    "-1e400",
    ".nan",
    ".inf",
    "-.inf",
    "1048576",
    "1048577",
    "16777217",
]
SNIPPETS = [
    "&a ",
    "*a",
    "*undefined",
    "<<: *a\n",
    "!!python/object:os.system ",
    "!!binary aGVsbG8=",
    "!custom ",
    "!!set ",
    "!!omap ",
    "!!str ",
    "!!int ",
    "!!float ",
    "!!timestamp 2001-12-14",
    "? [a, b]\n: c\n",
    "~: x\n",
    "1: x\n",
    "true: x\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n---\n",
    "%TAG ! tag:x,2000:\n",
    "{",
    "}",
    "[",
    "]",
    ": ",
    "- ",
    ", ",
    "|\n  ",
    ">-\n  ",
    "# comment\n",
    "\t",
    "\n",
    "  ",
    "'",
    '"',
    "[1, 2",
    "{a: 1, a: 2}",
    "records: {}\n",
    "records:\n",
    "enums:\n",
    "imports: [fuzzed]\n",
    "imports: [units, units]\n",
    "pack: 3\n",
    "type: c_char_p\n",
    "POINTER(c_int)",
    "char*",
    "str",
    "bytes[0]",
    "float32[8][0]",
    "int8[1048576][1048576]",
    "str[65537]",
    "units.Length",
    "units.Unit",
    "geometry.Point[4]",
    "long",
    "size_t",
]
TOKENS = [*SNIPPETS, "records", "fields", "enums", "type", "default", "values", "doc"]
TOKENS += ["x", "Point", "int32", "float64", "str[4]", "A", "B", "1", "-", "[2]"]

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n"
    for i in range(8)
)


def _swap_values() -> st.SearchStrategy[Any]:
    base = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.sampled_from([2**64, -(2**63) - 1, 10**30, 10**400]),
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(ODD_TEXT),
        st.sampled_from(["int32", "str[4]", "Point", "c_void_p", "x", "RED", ""]),
    )
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.text(max_size=6), inner, max_size=4),
        ),
        max_leaves=8,
    )


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            paths += _paths(value, (*prefix, ("value", key)))
            paths.append((*prefix, ("key", key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            paths += _paths(value, (*prefix, ("value", index)))
    return paths


def _replace(node: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    (kind, key), rest = path[0], path[1:]
    if isinstance(node, dict):
        copy = dict(node)
        if kind == "key" and not rest:
            value = copy.pop(key)
            try:
                copy[new] = value
            except TypeError:  # an unhashable key: write it as YAML text instead
                copy[str(new)] = value
            return copy
        copy[key] = _replace(copy[key], rest, new)
        return copy
    copy_list = list(node)
    copy_list[key] = _replace(copy_list[key], rest, new)
    return copy_list


def _dump(tree: Any, flow: bool | None, unicode: bool) -> str:
    try:
        text: str = yaml.safe_dump(
            tree, sort_keys=False, default_flow_style=flow, allow_unicode=unicode
        )
    except (yaml.YAMLError, ValueError, RecursionError):
        text = repr(tree)
    return text


@st.composite
def seed_texts(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 2)) == 0:
        schema = draw(schema_sets(max_modules=1))
        return next(iter(schema.files().values()))
    return SEEDS[draw(st.sampled_from(sorted(SEEDS)))]


@st.composite
def fuzzed_inputs(draw: st.DrawFn) -> bytes:
    """One fuzzed schema file, as the bytes written to disk."""
    text = draw(seed_texts())
    kind = draw(
        st.sampled_from(
            [
                "truncate",
                "swap",
                "swap",
                "insert",
                "insert",
                "lines",
                "deep",
                "numbers",
                "unicode",
                "aliases",
                "soup",
                "bytes",
                "encoding",
            ]
        )
    )
    note(f"mutation: {kind}")
    if kind == "truncate":
        data = text.encode("utf-8")
        return data[: draw(st.integers(0, len(data)))]
    if kind == "swap":
        try:
            tree = yaml.safe_load(text)
        except yaml.YAMLError:
            tree = text
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(_paths(tree)))
            tree = _replace(tree, path, draw(_swap_values()))
        flow = draw(st.sampled_from([False, None, True]))
        return _dump(tree, flow, draw(st.booleans())).encode("utf-8")
    if kind == "insert":
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(text)))
            snippet = draw(st.sampled_from(SNIPPETS + ODD_TEXT + ODD_ESCAPES))
            text = text[:at] + snippet + text[at:]
        return text.encode("utf-8", "surrogatepass")
    if kind == "lines":
        lines = text.splitlines(keepends=True) or [""]
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(lines) - 1))
            j = draw(st.integers(0, len(lines) - 1))
            action = draw(st.sampled_from(["dup", "del", "swap", "indent", "dedent"]))
            if action == "dup":
                lines.insert(i, lines[j])
            elif action == "del" and len(lines) > 1:
                del lines[i]
            elif action == "swap":
                lines[i], lines[j] = lines[j], lines[i]
            elif action == "indent":
                lines[i] = " " * draw(st.integers(1, 5)) + lines[i]
            else:
                lines[i] = lines[i].lstrip(" ")
        return "".join(lines).encode("utf-8")
    if kind == "deep":
        depth = draw(st.sampled_from([10, 63, 64, 65, 100, 1000, 5000, 20000]))
        style = draw(
            st.sampled_from(["flow-list", "flow-map", "block-map", "block-list"])
        )
        if style == "flow-list":
            nest = "[" * depth + "1" + "]" * depth
        elif style == "flow-map":
            nest = "{a: " * depth + "1" + "}" * depth
        elif style == "block-map":
            depth = min(depth, 2000)
            nest = "\n" + "".join("  " * (i + 1) + "a:\n" for i in range(depth))
        else:
            depth = min(depth, 2000)
            nest = "\n" + "".join("  " * (i + 1) + "- \n" for i in range(depth))
        where = draw(st.sampled_from(["doc", "default", "top", "fields"]))
        if where == "top":
            return f"records: {nest}\n".encode()
        if where == "doc":
            return (f"doc: {nest}\n" + text).encode("utf-8")
        if where == "fields":
            return f"records:\n  R:\n    fields: {nest}\n".encode()
        field = f"x: {{type: int32, default: {nest}}}"
        return f"records:\n  R:\n    fields:\n      {field}\n".encode()
    if kind == "numbers":
        numbers = re.compile(r"(?<![\w.])\d+(?![\w.])")
        spots = list(numbers.finditer(text))
        if not spots:
            text += "\nrecords: {R: {fields: {x: int8[3]}}}\n"
            spots = list(numbers.finditer(text))
        for _ in range(draw(st.integers(1, 3))):
            spot = draw(st.sampled_from(spots))
            big = draw(st.sampled_from(HUGE_NUMBERS))
            text = text[: spot.start()] + big + text[spot.end() :]
            spots = list(numbers.finditer(text)) or spots[:0]
            if not spots:
                break
        return text.encode("utf-8")
    if kind == "unicode":
        words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text))
        for _ in range(draw(st.integers(1, 3))):
            if not words:
                break
            word = draw(st.sampled_from(words))
            odd = draw(st.sampled_from(ODD_TEXT))
            at = draw(st.integers(word.start(), word.end()))
            text = text[:at] + odd + text[at:]
            words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*", text))
        data = text.encode("utf-8")
        if draw(st.booleans()):
            data = b"\xef\xbb\xbf" + data  # a UTF-8 BOM (allowed)
        return data
    if kind == "aliases":
        variant = draw(
            st.sampled_from(["bomb", "bomb-in-doc", "reuse", "recursive", "merge"])
        )
        if variant == "bomb":
            return (BOMB + "records: *i\n").encode()
        if variant == "bomb-in-doc":
            return (BOMB + text).encode("utf-8")
        if variant == "reuse":
            return (
                b"enums:\n  E: &values {values: [A, B]}\n  F: *values\n"
                b"records:\n  R: &rec {fields: {x: int8, e: E}}\n  S: *rec\n"
                b"  T: {fields: {r: R, s: &t S}}\n"
            )
        if variant == "recursive":
            return b"records: &r {R: {fields: *r}}\n"
        return (
            b"records:\n  R: &base {fields: {x: int8}}\n  S:\n    <<: *base\n"
            b"    doc: merged\n"
        )
    if kind == "soup":
        tokens = draw(st.lists(st.sampled_from(TOKENS), max_size=40))
        return " ".join(tokens).encode("utf-8")
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    # encoding
    encoding = draw(
        st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"])
    )
    return text.replace("doc:", "doc: caf\u00e9").encode(encoding, "replace")


# -- the oracle -----------------------------------------------------------------------


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def bounded(action: Any, what: str) -> Any:
    """Run ``action()``; fail if it takes longer than TIME_BOUND."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, TIME_BOUND)
    start = time.monotonic()
    try:
        return action()
    except _Timeout:
        pytest.fail(f"{what} took longer than {TIME_BOUND} s")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        elapsed = int((time.monotonic() - start) * 1000)
        STATS["slowest_ms"] = max(STATS["slowest_ms"], elapsed)


def snapshot_tree(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


_CODE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def check_diagnostics(error: structgen.SchemaError, files: dict[str, bytes]) -> None:
    assert error.diagnostics, "SchemaError without diagnostics"
    assert error.diagnostics == sorted(error.diagnostics), "diagnostics not sorted"
    assert "Traceback" not in str(error)
    for d in error.diagnostics:
        shown = str(d)
        assert "\n" not in shown and "\r" not in shown, f"not one line: {shown!r}"
        assert _CODE.match(d.code), f"code {d.code!r} is not kebab-case: {shown}"
        assert d.message.strip(), shown
        assert d.line >= 1 and d.column >= 1, shown
        name = Path(d.file).name
        data = next((v for k, v in files.items() if Path(k).name == name), None)
        if data is not None:
            text = data.decode("utf-8", "replace").removeprefix("\ufeff")
            lines = re.split("\r\n|[\r\n\x85\u2028\u2029]", text)  # YAML's line breaks
            assert d.line <= len(lines) + 1, f"line {d.line} past the end: {shown}"


def check_valid_build(out: Path, package: str, written: list[Path]) -> None:
    """An accepted schema builds modules that import and construct their records."""
    assert written, "a build that succeeds writes its modules"
    importlib.invalidate_caches()
    try:
        for path in sorted(out.rglob("*.py")):
            if path.name.startswith("_") or path.name == "__init__.py":
                continue
            dotted = ".".join(path.relative_to(out).with_suffix("").parts)
            module = importlib.import_module(f"{package}.{dotted}")
            for name in module.__all__:
                structure = getattr(module, name)
                if isinstance(structure, type) and issubclass(
                    structure, ctypes.Structure
                ):
                    shared = getattr(module, f"Shared{name}")(lock=False)
                    assert shared.snapshot() == getattr(module, f"{name}Data")()
                    repr(shared)
    finally:
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def run_input(data: bytes, root: Path, *, prefill: bool) -> None:
    package = f"sg_fuzz_{os.getpid()}_{next(_packages)}"
    schemas = root / f"{package}_schemas"
    out = root / package
    files = {**{k: v.encode("utf-8") for k, v in COMPANIONS.items()}, FUZZED: data}
    for name, content in files.items():
        (schemas / name).parent.mkdir(parents=True, exist_ok=True)
        (schemas / name).write_bytes(content)
    if prefill:  # an earlier, good build in the output folder
        structgen.build([ROOT / "schemas" / "units.yaml"], out)
    before = snapshot_tree(out)
    STATS["inputs"] += 1
    try:
        try:
            written = bounded(lambda: structgen.build([schemas], out), "build")
        except structgen.SchemaError as error:
            STATS["refused"] += 1
            check_diagnostics(error, files)
            assert snapshot_tree(out) == before, "a refused build changed the output"
            for action, what in [
                (lambda: structgen.build([schemas], out, check=True), "build --check"),
                (lambda: structgen.load(schemas / FUZZED), "load"),
            ]:
                try:
                    bounded(action, what)
                except structgen.SchemaError as again:
                    check_diagnostics(again, files)
            assert snapshot_tree(out) == before, "--check changed the output"
            return
        STATS["valid"] += 1
        check_valid_build(out, package, written)
        bounded(lambda: structgen.load(schemas / FUZZED), "load")
    finally:
        shutil.rmtree(schemas, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


# -- the tests -------------------------------------------------------------------------


@settings(SETTINGS, max_examples=_examples("STRUCTGEN_FUZZ_EXAMPLES", 1000))
@given(data=fuzzed_inputs(), prefill=st.booleans())
def test_fuzzed_schemas_in_process(workspace: Path, data: bytes, prefill: bool) -> None:
    """Loader, validator and writer: SchemaError or a build, nothing else."""
    note(f"input: {data!r}")
    run_input(data, workspace, prefill=prefill)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BOMB + "records: *i\n", id="billion-laughs"),
        pytest.param("records: &r {R: {fields: *r}}\n", id="recursive-alias"),
        pytest.param("[" * 100000 + "]" * 100000, id="deep-flow-100k"),
        pytest.param(
            "a:\n" + "".join("  " * i + "a:\n" for i in range(1, 3000)), id="deep-block"
        ),
        pytest.param(
            "records: {R: {fields: {x: " + "9" * 100000 + "}}}\n", id="long-number"
        ),
        pytest.param("doc: " + "x" * 900_000 + "\n", id="almost-1MiB"),
        pytest.param("doc: " + "x" * 1_100_000 + "\n", id="over-1MiB"),
        pytest.param("\ufeff\ufeffrecords: {}\n", id="two-boms"),
        pytest.param('records: {R: {doc: " ", fields: {x: int8}}}\n', id="blank-doc"),
        pytest.param('records: {R: {doc: "\\x85", fields: {x: int8}}}\n', id="nel-doc"),
        pytest.param(
            'records: {R: {doc: \'"""\', fields: {x: int8}}}\n', id="quotes-doc"
        ),
        pytest.param(
            'records: {R: {fields: {x: {type: int8, "a\\rb": 1}}}}\n', id="cr-in-key"
        ),
        pytest.param(
            "enums: {E: {values: {A: null}}}\n"
            "records: {R: {fields: {e: E}},\n"
            "          S: {fields: {r: {type: R, default: {e: A}}}}}\n",
            id="default-into-malformed-enum",
        ),
        pytest.param(
            "records: {R: {fields: {x: 'int8[" + "9" * 5000 + "]'}}}\n",
            id="dim-of-5000-digits",
        ),
        pytest.param(
            "records: {str: {fields: {x: int8}}, H: {fields: {a: str, b: bytes}}}\n",
            id="record-named-str",
        ),
        pytest.param("records: {R: {fields: {x: int8}}}\n\x00", id="trailing-nul"),
        pytest.param(
            'records: {R: {doc: "\\ud800", fields: {x: int8}}}\n', id="surrogate"
        ),
        pytest.param(
            'records: {R: {fields: {x: {type: int8, doc: "a\\0b"}}}}\n', id="nul-doc"
        ),
        pytest.param(
            'records: {R: {fields: {"x\\u0301": int8}}}\n', id="combining-name"
        ),
        pytest.param(
            'records: {R: {fields: {x: int8, "x\\u200b": int8}}}\n', id="zwsp"
        ),
        pytest.param(
            "records: {R: {fields: {x: 'int8[99999999999999999999]'}}}\n", id="huge-dim"
        ),
        pytest.param(
            "records: {R: {fields: {x: 'int8[1048576][1048576]'}}}\n", id="huge-record"
        ),
        pytest.param(
            "records: {R: {fields: {x: 'str[4][1048576][16]'}}}\n", id="huge-text-array"
        ),
        pytest.param(
            "records: {R: {pack: 18446744073709551616, fields: {x: int8}}}\n",
            id="huge-pack",
        ),
        pytest.param(
            "enums: {E: {values: {A: " + "1" * 4301 + "}}}\n", id="enum-4301-digits"
        ),
        pytest.param(
            "records: {R: {fields: {x: {type: float32, default: 1e400}}}}\n",
            id="float-inf-literal",
        ),
        pytest.param(
            "records: {R: {fields: {x: {type: float32, default: 3.4028235e38}}}}\n",
            id="float32-max-rounding",
        ),
        pytest.param("records: !!python/object:os.system {}\n", id="python-tag"),
        pytest.param("? [a, b]\n: c\nrecords: {}\n", id="complex-key"),
        pytest.param("records: {}\n---\nrecords: {}\n", id="two-documents"),
        pytest.param(
            "%YAML 1.1\n---\nrecords: {R: {fields: {on: int8}}}\n", id="yaml-1.1-on"
        ),
    ],
)
def test_nasty_inputs(workspace: Path, text: str) -> None:
    """Hand-picked worst cases, each within the time bound."""
    run_input(text.encode("utf-8", "surrogatepass"), workspace, prefill=True)


_DIAGNOSTIC_LINE = re.compile(r"^.+:\d+:\d+: error: .+ \[[a-z0-9]+(?:-[a-z0-9]+)*\]$")
_COUNT_LINE = re.compile(r"^\d+ errors?$")


@settings(SETTINGS, max_examples=_examples("STRUCTGEN_FUZZ_CLI_EXAMPLES", 24))
@given(data=fuzzed_inputs())
def test_fuzzed_schemas_through_the_command_line(workspace: Path, data: bytes) -> None:
    """The real CLI: exit 0 or 1, no traceback, no file written on exit 1."""
    note(f"input: {data!r}")
    package = f"sg_fuzz_cli_{os.getpid()}_{next(_packages)}"
    schemas, out = workspace / f"{package}_schemas", workspace / package
    schemas.mkdir()
    for name, text in COMPANIONS.items():
        (schemas / name).write_text(text, encoding="utf-8")
    (schemas / FUZZED).write_bytes(data)
    STATS["inputs"] += 1
    STATS["cli"] += 1
    try:
        for command in (
            ["check", str(schemas)],
            ["build", str(schemas), "-o", str(out)],
        ):
            start = time.monotonic()
            result = run_structgen(*command, timeout=CLI_TIME_BOUND)
            assert time.monotonic() - start < CLI_TIME_BOUND
            assert result.returncode in (0, 1), (command, result)
            assert "Traceback" not in result.stderr, result.stderr
            if result.returncode == 1:
                lines = result.stderr.splitlines()
                assert lines and _COUNT_LINE.match(lines[-1]), result.stderr
                for line in lines[:-1]:
                    assert _DIAGNOSTIC_LINE.match(line), f"not a diagnostic: {line!r}"
                assert snapshot_tree(out) == {}, "files written on exit 1"
            elif command[0] == "build":
                assert (out / "__init__.py").exists(), result
        if result.returncode == 0:
            STATS["valid"] += 1
        else:
            STATS["refused"] += 1
    finally:
        shutil.rmtree(schemas, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
