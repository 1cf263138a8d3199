"""The loader: YAML text to plain data with positions, refusing what YAML gets wrong.

Each refusal is exactly one diagnostic with file, line, column and code, raised as a
``SchemaError`` (never another exception); through the command line it is one line on
stderr and never a traceback.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from conftest import Generate, cpu_clock, run_structgen

from structgen import Diagnostic, SchemaError
from structgen.loader import (
    MAX_EXPANDED_TEXT,
    MAX_FILE_BYTES,
    Position,
    load_document,
)

LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): error: .+ \[[a-z0-9-]+\]$"
)


def write(tmp_path: Path, content: str | bytes, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(textwrap.dedent(content), encoding="utf-8")
    return path


def refused(tmp_path: Path, content: str | bytes) -> Diagnostic:
    """The one diagnostic loading ``content`` gives."""
    path = write(tmp_path, content)
    with pytest.raises(SchemaError) as info:
        load_document(path, "s.yaml")
    diagnostics = info.value.diagnostics
    assert len(diagnostics) == 1, diagnostics
    d = diagnostics[0]
    assert d.file == "s.yaml"
    assert d.line >= 1 and d.column >= 1
    return d


def cli_line(tmp_path: Path, content: str | bytes) -> str:
    """The one diagnostic line ``structgen check`` prints for ``content``."""
    folder = tmp_path / "cli"
    folder.mkdir()
    write(folder, content)
    result = run_structgen("check", "s.yaml", cwd=folder)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[1:] == ["1 error"], result.stderr
    assert LINE.match(lines[0]), lines[0]
    return lines[0]


# -- duplicate keys ----------------------------------------------------------------


def test_duplicate_key_is_an_error_at_the_second_key(tmp_path: Path) -> None:
    d = refused(
        tmp_path,
        """\
        records:
          Point:
            fields:
              x: float64
              y: float64
              x: int8
        """,
    )
    assert (d.line, d.column, d.code) == (6, 7, "duplicate-key")
    assert "duplicate key 'x' (first defined at line 4)" in d.message


def test_duplicate_keys_in_flow_style_and_at_the_top(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        records: {P: {fields: {a: int8, b: int8, a: int8}}}
        records: {}
        """,
    )
    with pytest.raises(SchemaError) as info:
        load_document(path, "s.yaml")
    assert [(d.line, d.column, d.code) for d in info.value.diagnostics] == [
        (1, 42, "duplicate-key"),
        (2, 1, "duplicate-key"),
    ]


def test_duplicate_keys_keep_the_first_value_when_recovering(tmp_path: Path) -> None:
    """So that the later stages still check the file and report their errors too."""
    path = write(tmp_path, "a: 1\nb: 2\na: 3\n")
    doc = load_document(path, "s.yaml", recover=True)
    assert doc.data == {"a": 1, "b": 2}
    assert [(d.line, d.column, d.code) for d in doc.problems] == [
        (3, 1, "duplicate-key")
    ]


def test_positions_of_keys_and_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        records:
          Point:
            fields:
              x: float64
              y: {type: float64, default: 1.5}
        """,
    )
    doc = load_document(path)
    assert doc.file == str(path)
    field = ("records", "Point", "fields", "y")
    assert doc.at(field, key=True) == Position(5, 7)
    assert doc.at(field) == Position(5, 10)
    assert doc.at((*field, "default"), key=True) == Position(5, 26)
    assert doc.at((*field, "default")) == Position(5, 35)
    assert doc.at((*field, "nothing", "here")) == Position(5, 10)  # nearest parent


# -- YAML 1.1 surprises --------------------------------------------------------------


@pytest.mark.parametrize(
    "word", ["on", "off", "yes", "no", "y", "n", "On", "NO", "Yes", "OFF"]
)
def test_yaml_11_booleans_stay_strings(tmp_path: Path, word: str) -> None:
    path = write(tmp_path, f"{word}: {word}\nlist: [{word}]\n")
    doc = load_document(path)
    assert doc.data == {word: word, "list": [word]}


def test_yaml_12_scalars(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        t: true
        f: False
        n: null
        tilde: ~
        i: -12
        h: 0x1F
        o: 0o17
        old_octal: 017
        fl: 1.5e3
        inf: -.inf
        sexagesimal: 1:30
        date: 2024-01-01
        text: "on"
        """,
    )
    data = load_document(path).data
    assert data["t"] is True and data["f"] is False
    assert data["n"] is None and data["tilde"] is None
    assert (data["i"], data["h"], data["o"]) == (-12, 31, 15)
    assert data["old_octal"] == 17  # YAML 1.2: a decimal, not octal 15
    assert data["fl"] == 1500.0 and data["inf"] == float("-inf")
    assert data["sexagesimal"] == "1:30"  # YAML 1.1 would say 90
    assert data["date"] == "2024-01-01"  # no datetime objects
    assert data["text"] == "on"


def test_on_no_yes_off_stay_field_names(generate: Generate) -> None:
    ns = generate(
        {
            "switch.yaml": """\
            enums:
              Answer:
                values: [no, yes]
            records:
              Switch:
                fields:
                  on: bool
                  off: {type: bool, default: true}
                  yes: {type: Answer, default: yes}
                  no: int8
                  label: {type: "str[4]", default: on}
            """
        }
    )
    module = ns.switch
    data = module.SwitchData()
    assert (data.on, data.off, data.no, data.label) == (False, True, 0, "on")
    assert data.yes is module.Answer.yes
    assert [m.name for m in module.Answer] == ["no", "yes"]
    shared = module.SharedSwitch(on=True)
    assert shared.on is True


# -- files that are refused --------------------------------------------------------


def test_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 12):  # 8**12 nodes if expanded: far beyond any memory
        refs = ", ".join([f"*lol{level - 1}"] * 8)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    content = "\n".join(lines) + "\n"
    # expanded, it would never end; refused, it takes milliseconds (CPU time, so that
    # a busy machine does not make it fail)
    with cpu_clock() as spent:
        d = refused(tmp_path, content)
    assert spent() < 5
    assert d.code == "too-large"
    assert "alias bomb" in d.message
    with cpu_clock() as spent:
        line = cli_line(tmp_path, content)
    assert spent() < 5
    assert line.endswith("[too-large]")


def test_scalar_alias_bomb_is_refused_fast(tmp_path: Path) -> None:
    """Few nodes, but one long string aliased thousands of times: gigabytes of text."""
    lines = [f'doc: &a "{"x" * 900_000}"', "records:"]
    lines += [f"  R{i}: {{doc: *a, fields: {{x: int8}}}}" for i in range(3000)]
    content = "\n".join(lines) + "\n"
    assert len(content) < MAX_FILE_BYTES
    with cpu_clock() as spent:  # expanded: 2.7 GB of text
        d = refused(tmp_path, content)
    assert spent() < 5
    assert (d.line, d.column, d.code) == (3, 3, "too-large")  # the records mapping
    assert d.message == (
        f"document's aliases expand its text to more than {MAX_EXPANDED_TEXT:,} "
        "characters (an alias bomb?); schemas must be small"
    )
    with cpu_clock() as spent:
        line = cli_line(tmp_path, content)
    assert spent() < 5
    assert line.startswith("s.yaml:3:3: error: document's aliases expand its text")
    assert line.endswith("[too-large]")


def test_aliases_of_long_text_within_the_limit_load(generate: Generate) -> None:
    text = "a long shared doc " * 10_000  # 180 KB, used four times
    ns = generate(
        {
            "s.yaml": f"""\
            doc: &d "{text}"
            records:
              P: {{doc: *d, fields: &f {{x: int8, y: {{type: int8, doc: *d}}}}}}
              Q: {{doc: *d, fields: *f}}
            """
        }
    )
    assert ns.s.__doc__.split() == text.split()  # wrapped, but all of it
    assert ns.s.SharedQ(y=2).y == 2


def test_an_alias_inside_its_own_anchor_is_refused(tmp_path: Path) -> None:
    d = refused(tmp_path, "a: &loop [1, *loop]\n")
    assert (d.line, d.column, d.code) == (1, 4, "too-large")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    d = refused(tmp_path, "a: " + "[" * 100 + "]" * 100 + "\n")
    assert d.code == "too-large"
    assert d.line == 1


def test_oversized_file_is_refused_before_parsing(tmp_path: Path) -> None:
    content = "records:\n" + "  # padding\n" * (MAX_FILE_BYTES // 12 + 1)
    assert len(content) > MAX_FILE_BYTES
    with cpu_clock() as spent:
        d = refused(tmp_path, content)
    assert spent() < 2
    assert (d.line, d.column, d.code) == (1, 1, "file-too-large")
    assert f"a schema may be at most {MAX_FILE_BYTES:,}" in d.message
    assert cli_line(tmp_path, content).startswith("s.yaml:1:1: error: file is ")


def test_a_file_just_under_the_limit_loads(tmp_path: Path) -> None:
    content = "a: 1\n" + "#" * (MAX_FILE_BYTES - 10) + "\n"
    assert len(content) <= MAX_FILE_BYTES
    assert load_document(write(tmp_path, content)).data == {"a": 1}


def test_non_utf8_file(tmp_path: Path) -> None:
    content = "records:\n  Café:\n".encode("latin-1")
    d = refused(tmp_path, content)
    assert (d.line, d.column, d.code) == (2, 6, "not-utf8")
    assert "not valid UTF-8 (byte 0xe9)" in d.message
    assert cli_line(tmp_path, content).startswith("s.yaml:2:6: error: ")


def test_utf16_file(tmp_path: Path) -> None:
    d = refused(tmp_path, "records: {}\n".encode("utf-16"))
    assert d.code == "not-utf8"
    assert (d.line, d.column) == (1, 1)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path, "\ufeffdoc: Hello\n")
    assert load_document(path).data == {"doc": "Hello"}


@pytest.mark.parametrize(
    "content", ["", "\n\n", "# only a comment\n", "---\n", "--- # nothing\n...\n"]
)
def test_empty_file(tmp_path: Path, content: str) -> None:
    d = refused(tmp_path, content)
    assert (d.line, d.column, d.code) == (1, 1, "empty-file")
    assert "file is empty" in d.message
    assert cli_line(tmp_path, content) == (
        "s.yaml:1:1: error: file is empty; a schema needs at least 'records:' "
        "[empty-file]"
    )


@pytest.mark.parametrize(
    ("content", "line", "column"),
    [
        ("- Point\n- Sprite\n", 1, 1),
        ("# schema\n\n  just text\n", 3, 3),
        ("42\n", 1, 1),
        ("null\n", 1, 1),
        ("'quoted'\n", 1, 1),
        ("---\n[a, b]\n", 2, 1),
    ],
)
def test_non_mapping_file(tmp_path: Path, content: str, line: int, column: int) -> None:
    d = refused(tmp_path, content)
    assert (d.line, d.column, d.code) == (line, column, "not-a-mapping")
    assert "must be a mapping" in d.message
    assert cli_line(tmp_path, content).startswith(f"s.yaml:{line}:{column}: error: ")


@pytest.mark.parametrize(
    ("content", "line", "column"),
    [
        ("records:\n  P:\n    fields: {x: int8\n", 4, 1),
        ("records:\n  P: [a, b\n  Q: 1\n", 3, 4),
        ("records:\n\tP: 1\n", 2, 1),
        ("a: b: c\n", 1, 5),
        ("a: 'unclosed\n", 2, 1),
        ("a: *nowhere\n", 1, 4),
        ("records: {}\n---\nrecords: {}\n", 2, 1),
        ("a:\n  - 1\n b: 2\n", 3, 2),
    ],
)
def test_bad_yaml_syntax(tmp_path: Path, content: str, line: int, column: int) -> None:
    d = refused(tmp_path, content)
    assert (d.line, d.column, d.code) == (line, column, "yaml-syntax"), d
    assert d.message.startswith("invalid YAML: ")
    assert "\n" not in d.message
    assert cli_line(tmp_path, content).startswith(f"s.yaml:{line}:{column}: error: ")


def test_second_document_message(tmp_path: Path) -> None:
    d = refused(tmp_path, "records: {}\n---\nrecords: {}\n")
    assert "one document" in d.message


def test_python_tags_are_never_constructed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    content = (
        f"doc: !!python/object/apply:os.system ['touch {marker}']\nrecords: {{}}\n"
    )
    d = refused(tmp_path, content)
    assert (d.line, d.column, d.code) == (1, 6, "yaml-tag")
    assert not marker.exists()


def test_errors_are_schema_errors_with_diagnostics(tmp_path: Path) -> None:
    path = write(tmp_path, "a: [\n")
    with pytest.raises(SchemaError) as info:
        load_document(path)
    [d] = info.value.diagnostics
    assert str(info.value) == str(d)
    assert str(d) == f"{path}:2:1: error: {d.message} [yaml-syntax]"
