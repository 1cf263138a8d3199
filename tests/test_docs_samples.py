"""Every code sample of the docs runs, so that no sample can rot.

Samples are the fenced blocks of ``README.md`` and ``docs/*.md``. A comment on the line
just above a fence says what to do with it (the comment is invisible on the site):

- a ```` ```python ```` block runs by default, as a script (``python sample.py``, so
  that ``multiprocessing`` with spawn or forkserver works) in a scratch folder holding a
  copy of the repository's ``schemas/`` and a fresh build of them in ``generated/``; it
  must exit 0. ``<!-- sample: skip -->`` above it leaves it out (use sparingly: a
  sample that shows a mistake should catch the error instead);
- ``<!-- sample: schema NAME.yaml -->`` above a ```` ```yaml ```` block adds it to that
  page's scratch ``schemas/`` before the build, so the page's Python samples can import
  ``generated.NAME``;
- ``<!-- sample: run -->`` above a ```` ```sh ```` block runs it with bash (``set -e``)
  in the same scratch folder, the venv's scripts on ``PATH``. Other ``sh`` blocks (the
  set-up commands) are not run here; ``.ci/run`` runs those.

Each page gets its own scratch folder, shared by its samples in page order.
The generated parts of the pages (``docs/hooks.py``) are checked here too.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

import structgen

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
TIMEOUT = 180  # seconds a sample may take before it counts as a hang

_FENCE = re.compile(
    r"(?:^<!-- sample: (?P<marker>[^>]*?) -->\n)?"
    r"^(?P<indent> *)```(?P<lang>\w*)[^\n]*\n(?P<body>.*?)^(?P=indent)```$",
    re.MULTILINE | re.DOTALL,
)


@dataclass(frozen=True)
class Sample:
    page: Path
    line: int
    lang: str
    marker: str  # "", "skip", "run", "schema NAME.yaml"
    body: str

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def samples(page: Path) -> list[Sample]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in _FENCE.finditer(text):
        line = text.count("\n", 0, match.start("indent")) + 1
        indent = len(match["indent"])
        body = "".join(row[indent:] for row in match["body"].splitlines(keepends=True))
        marker = (match["marker"] or "").strip()
        found.append(Sample(page, line, match["lang"], marker, body))
    return found


ALL = [sample for page in PAGES for sample in samples(page)]
RUNNABLE = [
    s
    for s in ALL
    if (s.lang == "python" and s.marker != "skip")
    or (s.lang == "sh" and s.marker == "run")
]

_workspaces: dict[Path, Path] = {}


def workspace(page: Path, tmp_root: Path) -> Path:
    """The page's scratch folder: schemas/ (the repository's and the page's), built."""
    if page in _workspaces:
        return _workspaces[page]
    folder = tmp_root / page.stem
    schemas = [s for s in samples(page) if s.marker.startswith("schema ")]
    if not schemas:  # the repository's schemas only: built once, copied
        base = tmp_root / "_base"
        if not base.exists():
            shutil.copytree(ROOT / "schemas", base / "schemas")
            structgen.build([base / "schemas"], base / "generated")
        shutil.copytree(base, folder)
    else:
        shutil.copytree(ROOT / "schemas", folder / "schemas")
        for sample in schemas:
            name = sample.marker.split(" ", 1)[1]
            (folder / "schemas" / name).write_text(sample.body, encoding="utf-8")
        structgen.build([folder / "schemas"], folder / "generated")
    _workspaces[page] = folder
    return folder


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("docs")


def test_markers_are_known() -> None:
    for sample in ALL:
        marker = sample.marker
        assert marker in ("", "skip", "run") or marker.startswith("schema "), sample.id
        if marker.startswith("schema "):
            assert sample.lang == "yaml", sample.id
            assert re.fullmatch(r"schema \w+\.yaml", marker), sample.id
        if marker == "run":
            assert sample.lang == "sh", sample.id


def test_samples_are_found_with_their_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "text\n"
        "```python\nassert True\n```\n"
        "<!-- sample: skip -->\n```python\nraise SystemExit(1)\n```\n"
        "- a list item:\n\n  ```sh\n  echo indented\n  ```\n"
        "<!-- sample: schema extra.yaml -->\n```yaml\nrecords: {}\n```\n",
        encoding="utf-8",
    )
    found = [(s.line, s.lang, s.marker, s.body) for s in samples(page)]
    assert found == [
        (2, "python", "", "assert True\n"),
        (6, "python", "skip", "raise SystemExit(1)\n"),
        (11, "sh", "", "echo indented\n"),
        (15, "yaml", "schema extra.yaml", "records: {}\n"),
    ]


def test_the_pages_have_samples() -> None:
    """The runner finds the samples (a broken pattern would pass every page)."""
    assert len(RUNNABLE) >= 20
    readme = [s for s in RUNNABLE if s.page.name == "README.md"]
    assert readme, "the README's tour must run"


@pytest.mark.parametrize("sample", RUNNABLE, ids=[s.id for s in RUNNABLE])
def test_sample_runs(sample: Sample, tmp_root: Path) -> None:
    folder = workspace(sample.page, tmp_root)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"}
    env["PATH"] += os.environ.get("PATH", "")
    env.pop("PYTHONPATH", None)
    if sample.lang == "python":
        script = folder / f"sample_{sample.line}.py"
        script.write_text(sample.body, encoding="utf-8")
        command = [sys.executable, script.name]
    else:
        command = ["bash", "-e", "-c", sample.body]
    try:
        result = subprocess.run(
            command,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{sample.id}: did not finish in {TIMEOUT} s")
    assert result.returncode == 0, (
        f"{sample.id} failed (exit {result.returncode}):\n"
        f"{result.stdout}\n{result.stderr}"
    )


# -- the generated parts of the pages ----------------------------------------------


def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "docs/hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_type_table_lists_every_scalar_alias_and_refusal() -> None:
    from structgen import types

    table = hooks().type_table()
    for name in [*types.SCALARS, *types.ALIASES, *types.PLATFORM_SIZED]:
        assert f"`{name}`" in table, name
    assert "| `int32` |" in table and "2,147,483,647" in table


def test_cli_reference_lists_every_command_and_option() -> None:
    from structgen import cli

    text = hooks().cli_reference()
    parser = cli._parser()
    for action in parser._actions:
        for option in action.option_strings:
            assert option in text, option
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for name, sub in action.choices.items():
            assert f"### `structgen {name}`" in text, name
            for sub_action in sub._actions:
                for option in sub_action.option_strings:
                    if option not in ("-h", "--help"):
                        assert option in text, (name, option)


def test_markers_expand_and_unknown_ones_are_refused() -> None:
    module = hooks()
    page = "before\n<!-- structgen:include generated/geometry.py -->\nafter\n"
    assert "class SharedPoint" in module.expand(page)
    with pytest.raises(ValueError, match="unknown docs marker"):
        module.expand("<!-- structgen:nonsense -->")
    with pytest.raises(ValueError, match="not a file of the repository"):
        module.expand("<!-- structgen:include ../../etc/passwd -->")


def test_every_page_is_in_the_site_navigation() -> None:
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in (ROOT / "docs").glob("*.md"):
        assert f": {page.name}" in nav, f"{page.name} is missing from mkdocs.yml nav"


def test_every_page_expands() -> None:
    """The markers the pages use are known and their sources are there."""
    module = hooks()
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        expanded = module.expand(text)
        assert not re.search(r"^<!-- structgen:", expanded, re.MULTILINE), page.name
    schema = module.expand((ROOT / "docs/schema.md").read_text(encoding="utf-8"))
    assert "| `float64` |" in schema
    cli_page = module.expand((ROOT / "docs/cli.md").read_text(encoding="utf-8"))
    assert "### `structgen build`" in cli_page
