"""Each example in examples/ runs as the README says, and shows what it claims.

The examples are run as a user runs them, ``python examples/<name>.py`` from the
repository root, in a subprocess with a time limit so that a hang fails the test.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TIMEOUT = 120  # seconds; each example takes well under one


def run_example(name: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, f"examples/{name}.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"examples/{name}.py did not finish in {TIMEOUT} s: {error}")


def numbers(pattern: str, text: str) -> tuple[int, ...]:
    """The integers the groups of ``pattern`` match in ``text`` (commas allowed)."""
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not found in:\n{text}"
    return tuple(int(group.replace(",", "")) for group in match.groups())


def test_every_example_is_tested() -> None:
    assert sorted(path.stem for path in EXAMPLES.glob("*.py")) == [
        "counter",
        "producer_consumer",
        "shared_lock",
    ]


def test_counter_update_is_exact_and_plain_increments_lose_updates() -> None:
    result = run_example("counter")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    total, expected = numbers(r"update\(\):.* -> ([\d,]+) \(expected ([\d,]+)\)", out)
    assert (total, expected) == (2000, 2000)
    total, expected, lost = numbers(
        r"plain \+=:.* -> ([\d,]+) \(expected ([\d,]+), lost ([\d,]+)\)", out
    )
    assert expected == 200_000
    assert lost == expected - total
    # Losing updates is what plain += may do, not what it must: on a busy machine the
    # two workers may not overlap at all (the example allows that, and says so).
    assert 0 <= lost < expected
    if lost:
        assert "OK: update() is exact; plain += lost updates" in out
    else:
        assert "OK: update() is exact; plain += lost none this run" in out


def test_producer_consumer_loses_and_duplicates_nothing() -> None:
    result = run_example("producer_consumer")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    (produced,) = numbers(r"produced: ([\d,]+) jobs", out)
    taken = [int(n) for n in re.findall(r"consumer \d+: took (\d+) jobs", out)]
    consumed, distinct, lost, duplicated = numbers(
        r"consumed: ([\d,]+) jobs, ([\d,]+) distinct; lost ([\d,]+), "
        r"duplicated ([\d,]+)",
        out,
    )
    assert len(taken) == 2
    assert sum(taken) == consumed == distinct == produced == 200
    assert (lost, duplicated) == (0, 0)
    assert "OK: every job consumed exactly once" in out


def test_shared_lock_keeps_the_sum_and_rolls_back_refused_transfers() -> None:
    result = run_example("shared_lock")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    tried, done, refused = numbers(
        r"transfers: ([\d,]+) tried, ([\d,]+) done, ([\d,]+) refused", out
    )
    assert tried == done + refused == 10_000
    assert refused >= 100  # every 100th transfer asks for more than exists
    a, b, total, expected = numbers(
        r"balances:  a=([\d,]+) \+ b=([\d,]+) = ([\d,]+) \(expected ([\d,]+)\)", out
    )
    assert a + b == total == expected == 200_000
    checks, wrong = numbers(
        r"reader:\s+([\d,]+) checks of the sum, ([\d,]+) wrong", out
    )
    assert checks > 0
    assert wrong == 0
    assert "OK: the sum never changed" in out
