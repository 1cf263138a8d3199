"""mkdocs hooks: the parts of the docs that are generated from the code.

A page asks for generated text with an HTML comment on a line of its own (invisible when
the Markdown is read elsewhere):

- ``<!-- structgen:types -->``: the table of scalar types, aliases and refused
  spellings, from ``structgen.types``;
- ``<!-- structgen:cli -->``: every command and option of ``structgen``, from the
  argparse parser in ``structgen.cli``;
- ``<!-- structgen:include PATH -->``: a file of the repository (such as
  ``generated/geometry.py``) as a fenced code block, so that the docs show the real
  generated code.

The text is made when the site is built, so it cannot drift from the code. These are
plain functions, importable without mkdocs (``tests/test_docs_samples.py`` checks them).
"""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

_MARKER = re.compile(r"^<!-- structgen:(\w+)(?: +(\S+))? -->$", re.MULTILINE)


def type_table() -> str:
    """Markdown: every scalar type, its aliases, and the spellings that are refused."""
    from structgen import types

    lines = [
        "| schema type | aliases | ctypes | Python | bytes | range |",
        "|---|---|---|---|---|---|",
    ]
    for name, scalar in types.SCALARS.items():
        aliases = sorted(a for a, target in types.ALIASES.items() if target == name)
        if scalar.kind == "int":
            values = f"{scalar.min:,} … {scalar.max:,}"
        elif scalar.kind == "bool":
            values = "`False`, `True`"
        else:
            values = "IEEE 754 " + ("single" if scalar.size == 4 else "double")
        lines.append(
            f"| `{name}` | {', '.join(f'`{a}`' for a in aliases) or '-'} "
            f"| `{scalar.ctype}` | `{scalar.python}` "
            f"| {scalar.size} | {values} |"
        )
    lines += [
        "",
        (
            f"Text and bytes: `str[N]`, `bytes[N]` (N from 1 to "
            f"{types.MAX_TEXT_BYTES:,} bytes). Arrays: `T[N]`, `T[N][M]`, ... up to "
            f"{types.MAX_DIMENSIONS} dimensions of 1 to "
            f"{types.MAX_ARRAY_ELEMENTS:,} elements each; a record is at most "
            f"{types.MAX_RECORD_BYTES // (1 << 20)} MiB."
        ),
        "",
        (
            "Refused because their width differs between platforms (the message "
            "names the fixed-width type to write instead):"
        ),
        "",
        "| refused | write instead |",
        "|---|---|",
    ]
    lines += [
        f"| `{name}` | {instead} |" for name, instead in types.PLATFORM_SIZED.items()
    ]
    lines += [f"| `{name}` | {reason} |" for name, reason in types.AMBIGUOUS.items()]
    lines += [
        "",
        "Refused as pointers (an address in one process means nothing in another): "
        "anything with a `*`, `POINTER(...)`, names ending in `_p`, `str` and `bytes` "
        "without a length, and "
        + ", ".join(f"`{name}`" for name in sorted(types.POINTER_NAMES))
        + ".",
    ]
    return "\n".join(lines)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _help(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {
                choice.dest: choice.help or "" for choice in action._choices_actions
            }
    return {}


def _arguments(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        if action.option_strings:
            name = ", ".join(action.option_strings)
            if action.nargs != 0:
                name += f" {action.metavar or action.dest.upper()}"
        else:
            name = str(action.metavar or action.dest)
            if action.nargs in ("+", "*"):
                name += "..."
            elif action.nargs == "?":
                name = f"[{name}]"
        text = action.help or ""
        if isinstance(action, argparse._VersionAction):
            text = "print the version and exit"
        escaped = text.replace("|", r"\|")
        rows.append(f"| `{name}` | {escaped} |")
    return rows


def cli_reference() -> str:
    """Markdown: usage and arguments of ``structgen`` and each of its commands."""
    from structgen import cli

    os.environ.setdefault("COLUMNS", "88")  # argparse wraps usage to the terminal
    parser = cli._parser()
    lines = [
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        parser.description or "",
        "",
        "| argument | meaning |",
        "|---|---|",
        "| `-h`, `--help` | print help and exit (after any command too) |",
        *_arguments(parser),
    ]
    helps = _help(parser)
    for name, sub in _subcommands(parser).items():
        lines += [
            "",
            f"### `structgen {name}`",
            "",
            helps.get(name, "")[:1].upper() + helps.get(name, "")[1:] + ".",
            "",
            "```text",
            sub.format_usage().strip(),
            "```",
            "",
            "| argument | meaning |",
            "|---|---|",
            *_arguments(sub),
        ]
    return "\n".join(lines)


def include(path: str) -> str:
    """Markdown: a repository file as a fenced block, its language from its suffix."""
    target = (ROOT / path).resolve()
    if ROOT not in target.parents:
        raise ValueError(f"structgen:include {path}: not a file of the repository")
    language = {".py": "python", ".yaml": "yaml", ".yml": "yaml"}.get(target.suffix, "")
    text = target.read_text(encoding="utf-8").rstrip("\n")
    return f'```{language} title="{path}"\n{text}\n```'


def expand(markdown: str) -> str:
    """``markdown`` with every ``<!-- structgen:... -->`` marker replaced."""

    def replace(match: re.Match[str]) -> str:
        kind, argument = match[1], match[2]
        if kind == "types":
            return type_table()
        if kind == "cli":
            return cli_reference()
        if kind == "include" and argument:
            return include(argument)
        raise ValueError(f"unknown docs marker: {match[0]}")

    return _MARKER.sub(replace, markdown)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """The mkdocs hook: expand the markers of every page."""
    return expand(markdown)
