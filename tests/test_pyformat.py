"""structgen.pyformat against ruff itself: the orders and layouts it reproduces."""

from __future__ import annotations

import subprocess

import pytest
from conftest import PYTHON

from structgen.pyformat import RelativeImport, dunder_all_order, format_module


def ruff_format(source: str) -> str:
    result = subprocess.run(
        [
            *(PYTHON, "-m", "ruff", "format", "--isolated", "--target-version"),
            *("py311", "--line-length", "88", "-"),
        ],
        input=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def ruff_fix(source: str, rules: str) -> str:
    result = subprocess.run(
        [
            *(PYTHON, "-m", "ruff", "check", "--isolated", "--select", rules, "--fix"),
            *("--exit-zero", "--quiet", "--stdin-filename", "m.py", "-"),
        ],
        input=source,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_dunder_all_order_is_ruf022s() -> None:
    names = ["Pack16", "Pack2", "RED", "X", "Pack16Data", "Pack2Data", "SharedPack2"]
    names += ["abc", "A10b", "A9b", "UNSET", "Unset", "ID", "A_B", "a_b2", "a_b10"]
    ordered = dunder_all_order(names)
    assert ordered.index("Pack2") < ordered.index("Pack16")
    source = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in ordered) + "]\n"
    shuffled = "__all__ = [\n" + "".join(f'    "{n}",\n' for n in names) + "]\n"
    assert ruff_fix(shuffled, "RUF022") == source


def test_import_order_is_isorts() -> None:
    imports = [
        RelativeImport("..", "", "_structgen", "_sg"),
        RelativeImport("..", "sim", "particles", "_sim_particles"),
        RelativeImport("..", "", "units", "_units"),
        RelativeImport("..", "", "Units2", "_Units2"),
        RelativeImport("..", "", "UNITS10", "_UNITS10"),
        RelativeImport("..", "", "units10", "_units10"),
        RelativeImport("..", "", "units9", "_units9"),
        RelativeImport("..", "Sim", "a", "_Sim_a"),
        RelativeImport("..", "sim.deep", "b", "_sim_deep_b"),
        RelativeImport("..", "x" * 70, "y" * 20, "_" + "x" * 70 + "_" + "y" * 20),
    ]
    in_order = sorted(imports, key=RelativeImport.sort_key)
    ordered = "\n".join(i.statement() for i in in_order)
    shuffled = "\n".join(i.statement() for i in imports)
    assert ruff_format(ruff_fix(shuffled + "\n", "I")) == ordered + "\n"


LONG = "a_name_long_enough_to_make_the_statements_below_too_long_for_one_line"

STATEMENTS = [
    f"{LONG}_x = _sg.int16('{LONG}.a')",
    f"{LONG}: tuple[tuple[int, ...], ...] = ((1e+300, 2.5), (-1e+16, 3.0))",
    (
        f"_X: _sg.Codec[tuple[{LONG}Data, ...], _typing.Sequence[{LONG}Data], int] = "
        f"_sg.array(_sg.record('X.y', _{LONG}View, {LONG}Data), {LONG}, 4)"
    ),
    (
        f"    def set(self, *, {LONG}: _typing.Sequence[_typing.Sequence[int]] "
        "| _sg.Unset = _sg.UNSET) -> None:"
    ),
    f"x = f(_sg.SharedRecord[{LONG}, _{LONG}View, {LONG}Data])",
    f"x = _typing.Sequence[_typing.Sequence[{LONG}.{LONG}.{LONG}]]",
    f"x = f('{LONG} {LONG}')",
    f"{LONG}_default = ((_{LONG}.{LONG}Data(),) * 3,) * 2",
    f"{LONG}_s = 'it\\'s \"quoted\" \\'twice\\''",
    f"    def {LONG}(self, value: tuple[tuple[tuple[int, ...], ...], ...]) -> None:",
    f"    def {LONG}(self) -> {LONG}Data:",
    f"class Shared{LONG}(_sg.SharedRecord[{LONG}, _{LONG}View, {LONG}Data]):",
    f"        return _NEW_DATA(raw.a, _{LONG}View._to_data(raw.c), raw.d, raw.e)",
    f"        self._raw_{LONG} = _X_{LONG}.check(value)",
    f"    {LONG}_alias = {LONG}.{LONG}",
]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_statements_laid_out_as_ruff_lays_them_out(statement: str) -> None:
    indent = len(statement) - len(statement.lstrip())
    wrapper = ["class A:\n", "    def f(self):\n"][: indent // 4]
    body = "\n" + " " * (indent + 4) + "pass" if statement.endswith(":") else ""
    source = "".join(wrapper) + statement + body + "\n"
    assert format_module(source) == ruff_format(source)


def test_an_unknown_construct_is_left_as_written() -> None:
    ones = ", ".join(["1"] * 40)
    source = "x = {'a': [i for i in range(10)] + [" + ones + "]}\n"
    assert format_module(source) == source.replace("'a'", '"a"')
