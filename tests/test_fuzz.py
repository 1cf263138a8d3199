"""Fuzzed schema input (issue 4, point 2).

Random and mutated YAML goes through the loader, the validator and the writer: valid
schemas (the repository's own and generated ones) truncated at random offsets, with a
node swapped for a value of another kind, with deep nesting, huge numbers, odd unicode
(combining marks, RTL overrides, NUL, lone surrogates, BOMs, line separators), anchors,
aliases and alias bombs, tags, several documents, token soup and random bytes.

For every input, within a time bound (2 s of this process's CPU time, so that a busy
machine does not make it fail; 60 s of wall time as a backstop against a hang):

* ``structgen.build`` returns or raises ``SchemaError``, nothing else; so do
  ``structgen.load`` and ``build(check=True)``;
* a ``SchemaError`` lists diagnostics that point into the files (1-based line and
  column), carry a kebab-case code and a one-line message, sorted by file and line; and
  the output folder is left exactly as it was (nothing written, nothing removed);
* an input that is still a valid schema builds, and the modules it builds import and
  construct their records (``SharedX().snapshot()`` equals ``XData()``, NaN defaults
  compared as equal to themselves).

A sample goes through the command line (``structgen build`` and ``check``, by
``cli.main`` in this process; ``test_cli.py`` runs the real command): exit 0 or 1 only,
never a traceback, diagnostics one a line, and no file written on exit 1.

Each test asserts minimum counts of what it tried (inputs, refused, still valid; one
test per kind of mutation), so that strategies that stopped producing useful cases
fail; their sums are printed at the end of the run (``test_fuzz: ...``).
``STRUCTGEN_FUZZ_EXAMPLES`` / ``STRUCTGEN_FUZZ_CLI_EXAMPLES`` set the number of inputs
(a longer soak; the hypothesis profile ``broad`` multiplies them by five);
``STRUCTGEN_NO_SHRINK=1`` skips shrinking a failure.
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
from conftest import examples, part_seed, record_counts, run_structgen
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st
from strategies import comparable, schema_sets

import structgen

ROOT = Path(__file__).resolve().parents[1]
STATS: collections.Counter[str] = collections.Counter()
TIME_BOUND = 2.0  # seconds of this process's CPU time per action
WALL_BOUND = 60.0  # seconds of wall time per action: a hang, whatever the load
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
    # every example builds schemas (slow for hypothesis); some inputs are large
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(autouse=True)
def _counts(request: pytest.FixtureRequest) -> Iterator[None]:
    """What each test tried, summed over the run and printed at its end."""
    before = STATS.copy()
    STATS["slowest_ms"] = 0
    yield
    got = STATS - before
    record_counts(
        request,
        "test_fuzz",
        {
            "fuzzed inputs": got["inputs"],
            "refused with diagnostics": got["refused"],
            "still valid and built": got["valid"],
            "through the command line": got["cli"],
            "max ms of CPU time for one action": STATS["slowest_ms"],
        },
    )


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


MUTATIONS = [
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


@st.composite
def fuzzed_inputs(draw: st.DrawFn, kinds: list[str] = MUTATIONS) -> tuple[str, bytes]:
    """One fuzzed schema file: (the kind of mutation, the bytes written to disk)."""
    text = draw(seed_texts())
    kind = draw(st.sampled_from(kinds))
    note(f"mutation: {kind}")
    return kind, _mutated(draw, text, kind)


def _mutated(draw: st.DrawFn, text: str, kind: str) -> bytes:
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
    """Run ``action()``; fail if it takes more than TIME_BOUND seconds of this
    process's CPU time (what a slow parse or an expanding alias bomb burns, and what
    other processes on a busy machine do not), or WALL_BOUND seconds of wall time."""
    previous = {
        number: signal.signal(number, _alarm)
        for number in (signal.SIGPROF, signal.SIGALRM)
    }
    signal.setitimer(signal.ITIMER_PROF, TIME_BOUND)
    signal.setitimer(signal.ITIMER_REAL, WALL_BOUND)
    start = time.process_time()
    try:
        return action()
    except _Timeout:
        pytest.fail(
            f"{what} took longer than {TIME_BOUND} s of CPU time "
            f"or {WALL_BOUND} s of wall time"
        )
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for number, handler in previous.items():
            signal.signal(number, handler)
        elapsed = int((time.process_time() - start) * 1000)
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
                    fresh = getattr(module, f"{name}Data")()
                    # a `.nan` default is unequal to itself: compare NaN-aware
                    assert comparable(shared.snapshot()) == comparable(fresh), name
                    repr(shared)
    finally:
        for name in [m for m in sys.modules if m.startswith(package)]:
            del sys.modules[name]


def prefilled(root: Path) -> Path:
    """An earlier, good build (of the repository's ``units.yaml``), made once and
    copied into each output folder that a fuzzed build must leave alone."""
    template = root / "_prefill"
    if not template.exists():
        structgen.build([ROOT / "schemas" / "units.yaml"], template)
    return template


def run_input(data: bytes, root: Path, *, prefill: bool) -> str:
    """Build one fuzzed input and check the outcome: "refused" or "valid"."""
    package = f"sg_fuzz_{os.getpid()}_{next(_packages)}"
    schemas = root / f"{package}_schemas"
    out = root / package
    files = {**{k: v.encode("utf-8") for k, v in COMPANIONS.items()}, FUZZED: data}
    for name, content in files.items():
        (schemas / name).parent.mkdir(parents=True, exist_ok=True)
        (schemas / name).write_bytes(content)
    if prefill:
        shutil.copytree(prefilled(root), out)
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
            return "refused"
        STATS["valid"] += 1
        check_valid_build(out, package, written)
        bounded(lambda: structgen.load(schemas / FUZZED), "load")
        return "valid"
    finally:
        shutil.rmtree(schemas, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


# -- the tests -------------------------------------------------------------------------


# What hypothesis seed 184470152366279267917367917152734600828 found (issue 14): a
# `.nan` default in a float32[4], which `snapshot() == XData()` called unequal.
NAN_DEFAULT = b"""\
records:
  R:
    fields:
      f:
        type: int32[2]
        default: [2147483647, -42171]
      samples:
        type: float[4]
        default: [33833, 1080481, .inf, .nan]
"""


# Shares of each kind's inputs that must be refused / still valid. Seen over 1,000
# inputs (ci profile): refused 70-100 % of every kind; still valid about 30 % of
# `insert` and `numbers`, 20 % of `aliases`, 5-15 % of `lines`, `swap`, `truncate`
# and `unicode`, none of the rest (random bytes, deep nesting, other encodings and
# token soup are never a schema).
MIN_REFUSED = dict.fromkeys(MUTATIONS, 0.5)
MIN_VALID = dict.fromkeys(MUTATIONS, 0.0) | {
    "aliases": 0.05,
    "insert": 0.05,  # about 10% (15 of 153 under the ci profile)
    "lines": 0.01,
    "numbers": 0.1,
    "swap": 0.01,
    "truncate": 0.03,
    "unicode": 0.03,
}


@pytest.mark.parametrize("kind", sorted(set(MUTATIONS)))
def test_fuzzed_schemas_in_process(workspace: Path, kind: str) -> None:
    """Loader, validator and writer: SchemaError or a build, nothing else.

    One test per kind of mutation, each with its share of the examples: drawn from one
    strategy, hypothesis favours the first kinds of the list, and some were left
    untried; apart, they also run in parallel."""
    total = examples("STRUCTGEN_FUZZ_EXAMPLES", 1000)
    wanted = max(1, total * MUTATIONS.count(kind) // len(MUTATIONS))
    counts: collections.Counter[str] = collections.Counter()

    @part_seed("fuzz", kind)
    @settings(SETTINGS, max_examples=wanted)
    @given(case=fuzzed_inputs([kind]), prefill=st.booleans())
    def fuzz(case: tuple[str, bytes], prefill: bool) -> None:
        _, data = case
        note(f"input: {data!r}")
        counts.update(["inputs", run_input(data, workspace, prefill=prefill)])

    if kind == "numbers":
        fuzz = example(case=("numbers", NAN_DEFAULT), prefill=True)(fuzz)
    fuzz()
    inputs = counts["inputs"]
    # the strategies still make what the test is for: (nearly) every example an input,
    # some refused, and (for most kinds) some still valid
    assert inputs >= 0.9 * wanted, f"{inputs} {kind} inputs tried of {wanted} wanted"
    assert counts["refused"] >= MIN_REFUSED[kind] * inputs, (kind, counts)
    assert counts["valid"] >= MIN_VALID[kind] * inputs, (kind, counts)


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


def run_cli_input(data: bytes, root: Path) -> str:
    """``structgen check`` and ``build`` of one fuzzed input: "refused" or "valid"."""
    package = f"sg_fuzz_cli_{os.getpid()}_{next(_packages)}"
    schemas, out = root / f"{package}_schemas", root / package
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
            result = bounded(lambda c=command: run_structgen(*c), " ".join(command))
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
        outcome = "valid" if result.returncode == 0 else "refused"
        STATS[outcome] += 1
        return outcome
    finally:
        shutil.rmtree(schemas, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)


def test_fuzzed_schemas_through_the_command_line(workspace: Path) -> None:
    """The CLI: exit 0 or 1, no traceback, no file written on exit 1."""
    wanted = examples("STRUCTGEN_FUZZ_CLI_EXAMPLES", 100)
    counts: collections.Counter[str] = collections.Counter()

    @settings(SETTINGS, max_examples=wanted)
    @given(case=fuzzed_inputs())
    def fuzz(case: tuple[str, bytes]) -> None:
        kind, data = case
        note(f"input: {data!r}")
        counts.update(["inputs", run_cli_input(data, workspace), f"kind:{kind}"])

    fuzz()
    inputs = counts["inputs"]
    assert inputs >= 0.9 * wanted, f"{inputs} inputs tried of {wanted} wanted"
    assert counts["refused"] >= inputs // 2, counts
    assert counts["valid"] >= 1, counts
