"""Outside text never becomes code (issue 9, point 1; SPEC section 5).

Text from outside the schema's structure reaches generated source in a few places:
the schema root's folder name (the banner on line 1 and the fallback module
docstring), every ``doc`` (module, enum, record, field) and the ``str``/``bytes``
defaults. Arbitrary text goes into each of them at once: any code point, line breaks
of every kind, quotes, backslashes, triple quotes, jinja's ``{{``/``%}``, and
``# coding:`` declarations (a PEP 263 cookie on line 1 or 2 would make Python decode
the whole module differently, turning escaped text back into code). The module must
compile as bytes (so that a cookie would take effect), declare no encoding, be the
same program as one built from plain text (its syntax tree equal once string constants
are blanked), and import without running anything else (a sentinel that payloads try
to set stays unset).

File and sub-folder names are module names: anything but an ASCII identifier is refused
with a one-line diagnostic, checked here too.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import itertools
import os
import re
import sys
import tempfile
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import run_structgen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import structgen

SENTINEL = "SG_OUTSIDE_TEXT_RAN"
PAYLOAD = f"import builtins; builtins.{SENTINEL} = 1"
# PEP 263: what CPython's tokenizer takes for an encoding declaration
COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]")
LENGTH = 200  # of the str and bytes fields that carry defaults

FRAGMENTS = [
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x85",
    "\u2028",
    "\u2029",
    "\x00",
    "\ufeff",
    "\t",
    " ",
    '"',
    "'",
    '"""',
    "'''",
    "\\",
    "\\'",
    '\\"',
    "\\x22",
    "\\u0022",
    "\\N{QUOTATION MARK}",
    "{{",
    "}}",
    "{%",
    "%}",
    "{#",
    "#}",
    "{{ banner }}",
    "{% raw %}",
    "#",
    "# coding: unicode_escape",
    "# -*- coding: utf-7 -*-",
    "coding=latin-1",
    "+ACIAIgAi-",  # '"""' in UTF-7
    f"\n{PAYLOAD}\n#",
    f'"""; {PAYLOAD}; """',
    f"'''; {PAYLOAD}; '''",
    f'"; {PAYLOAD}; "',
    f"\\'+__import__('builtins').__setattr__('{SENTINEL}', 1)+'",
    "é",
    "\U0001f600",
    "\u202e",
    "\u0301",
]

any_char = st.characters(exclude_categories=("Cs",))  # YAML cannot hold a surrogate
text = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(any_char, max_size=8)), max_size=8
).map("".join)
# a folder name is bytes on Linux: anything but '/' and NUL; undecodable bytes too
folder_name = st.one_of(
    st.sampled_from(FRAGMENTS).map(lambda t: f"x{t}y".replace("\0", "").encode()),
    text.map(lambda t: t.replace("\0", "").encode("utf-8")),
    st.binary(min_size=1, max_size=40),
).map(lambda b: b.replace(b"/", b"").replace(b"\0", b"")[:200] or b"r")


def fits(value: str) -> bool:
    return len(value.encode("utf-8")) <= LENGTH


default_text = text.map(lambda t: t.replace("\0", "")).filter(fits)


def schema(texts: dict[str, str]) -> str:
    """A schema carrying each text where outside text can go, all quoted as strings."""
    data: dict[str, Any] = {
        "doc": texts["module_doc"],
        "enums": {"Color": {"doc": texts["enum_doc"], "values": ["RED", "GREEN"]}},
        "records": {
            "R": {
                "doc": texts["record_doc"],
                "fields": {
                    "s": {
                        "type": f"str[{LENGTH}]",
                        "default": texts["str_default"],
                        "doc": texts["field_doc"],
                    },
                    "b": {
                        "type": f"bytes[{LENGTH}]",
                        "default": texts["bytes_default"],
                    },
                    "c": {
                        "type": "Color",
                        "default": "GREEN",
                        "doc": texts["enum_doc"],
                    },
                    "t": {"type": "str[8][2]", "default": ["a", "b"]},
                },
            }
        },
    }
    return yaml.safe_dump(data, default_style='"', sort_keys=False, allow_unicode=False)


def blanked(source: bytes) -> str:
    """The program without its string constants: its shape and every name in it."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
            node.value = type(node.value)()
    return ast.dump(tree)


_packages = itertools.count()


def build_module(base: Path, folder: str, texts: dict[str, str]) -> tuple[Path, bytes]:
    root = base / folder
    root.mkdir()
    (root / "mod.yaml").write_text(schema(texts), encoding="utf-8")
    out = base / f"sg_outside_{next(_packages)}"
    structgen.build([root], out)
    return out, (out / "mod.py").read_bytes()


def check_module(out: Path, source: bytes) -> None:
    """Compiles as bytes without a warning, declares no encoding, and imports running
    nothing else."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an invalid escape sequence ('\\/') included
        compile(source, str(out / "mod.py"), "exec", dont_inherit=True)
    for line in source.splitlines()[:2]:
        assert not COOKIE.match(line), line
    sys.path.insert(0, str(out.parent))
    try:
        module = importlib.import_module(f"{out.name}.mod")
        assert module.SharedR().snapshot() == module.RData()
    finally:
        sys.path.remove(str(out.parent))
        for name in [m for m in sys.modules if m.split(".")[0] == out.name]:
            del sys.modules[name]
    assert not hasattr(builtins, SENTINEL)


_baselines: dict[tuple[tuple[str, str], ...], str] = {}


def plain(texts: dict[str, str]) -> dict[str, str]:
    """The same texts made harmless, keeping what changes the program's shape: an
    empty text (no docstring, no default), a blank one (no docstring either)."""
    return {
        key: ""
        if not value
        else "x"
        if value.strip() or key.endswith("_default")
        else " "
        for key, value in texts.items()
    }


def baseline(texts: dict[str, str]) -> str:
    harmless = plain(texts)
    key = tuple(sorted(harmless.items()))
    if key not in _baselines:
        with tempfile.TemporaryDirectory() as folder:
            _out, source = build_module(Path(folder), "schemas", harmless)
        _baselines[key] = blanked(source)
    return _baselines[key]


texts_strategy = st.fixed_dictionaries(
    {
        "module_doc": text,
        "enum_doc": text,
        "record_doc": text,
        "field_doc": text,
        "str_default": default_text,
        "bytes_default": default_text,
    }
)


@settings(
    max_examples=int(os.environ.get("STRUCTGEN_OUTSIDE_TEXT_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(folder=folder_name, texts=texts_strategy)
def test_arbitrary_outside_text_never_becomes_code(
    folder: bytes, texts: dict[str, str]
) -> None:
    with tempfile.TemporaryDirectory() as temporary:
        base = Path(temporary)
        name = os.fsdecode(folder)
        if name in (".", ".."):
            name = f"x{name}"
        out, source = build_module(base, name, texts)
        check_module(out, source)
        assert blanked(source) == baseline(texts)


EXPLOITS = {
    # the red team's: a cookie on line 2 plus a default holding \' ran a command
    "coding-cookie": "x\n# coding: unicode_escape\n#",
    "code-line": f"evil\n{PAYLOAD}\n#",
    "triple-quote": f'a"""; {PAYLOAD}; """b',
    "backslash": "a\\",
    "carriage-return": "a\rb",
    "cookie-on-line-1": "x coding:unicode_escape y",
    "jinja": "{{ banner }}{% if true %}%}",
}


@pytest.mark.parametrize("folder", EXPLOITS.values(), ids=EXPLOITS.keys())
def test_hostile_root_folder_names_are_data(tmp_path: Path, folder: str) -> None:
    texts = {
        "module_doc": "",  # the fallback docstring names the folder
        "enum_doc": "",
        "record_doc": "",
        "field_doc": "",
        "str_default": f"\\'+__import__('builtins').__setattr__('{SENTINEL}', 1)+'",
        "bytes_default": "\\'",
    }
    out, source = build_module(tmp_path, folder, texts)
    check_module(out, source)
    first = source.splitlines()[0].decode()
    assert first.startswith("# Generated by structgen from ")
    assert first.endswith("/mod.yaml. Do not edit.")
    assert blanked(source) == baseline(texts)
    module_doc = ast.get_docstring(ast.parse(source))
    assert module_doc == f"Shared records generated from {folder}/mod.yaml."
    # the banner is still recognised as structgen's: a rebuild replaces, never refuses
    assert structgen.build([tmp_path / folder], out) == []


@pytest.mark.parametrize(
    ("relative", "what"),
    [
        ('a"b.yaml', "file name 'a\"b'"),
        ("x\nimport os\n#.yaml", "file name 'x\\x0aimport os\\x0a#'"),
        ("sub\rfolder/a.yaml", "folder name 'sub\\x0dfolder'"),
        ("{{x}}/a.yaml", "folder name '{{x}}'"),
        ("é.yaml", "file name 'é'"),
    ],
)
def test_hostile_file_and_folder_names_are_refused(
    tmp_path: Path, relative: str, what: str
) -> None:
    target = tmp_path / "schemas" / relative
    target.parent.mkdir(parents=True)
    target.write_text("records: {R: {fields: {x: int8}}}\n", encoding="utf-8")
    result = run_structgen("build", "schemas", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    [line, count] = result.stderr.splitlines()
    assert what in line
    assert line.endswith("[invalid-module-name]")
    assert count == "1 error"
    assert not (tmp_path / "generated").exists()
