"""``frozen_dataclass`` makes what ``@dataclass(frozen=True, slots=True)`` makes."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from structgen.runtime.data import frozen_dataclass
from structgen.runtime.values import fast_constructor


@frozen_dataclass
class Point:
    """A point."""

    x: int = 0
    y: float = 1.5
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Reference:
    """The same class, made by dataclasses."""

    x: int = 0
    y: float = 1.5
    tags: tuple[str, ...] = ()


@frozen_dataclass
class Single:
    only: int = 7


def same(made: Any, reference: Any) -> None:
    assert repr(made).replace("Point", "Reference") == repr(reference)
    assert dataclasses.astuple(made) == dataclasses.astuple(reference)
    assert hash(made) == hash(reference)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((), {}), ((3,), {}), ((3, 2.5), {"tags": ("a",)}), ((), {"y": -0.0, "x": 9})],
)
def test_it_behaves_as_the_dataclass(args: tuple[Any, ...], kwargs: Any) -> None:
    made, reference = Point(*args, **kwargs), Reference(*args, **kwargs)
    same(made, reference)
    assert made == Point(*args, **kwargs)
    assert made != Point(x=made.x + 1)
    assert made != reference  # another class: never equal, as dataclasses do
    assert (made == reference) is False
    assert made.__eq__(reference) is NotImplemented


def test_it_is_a_frozen_slotted_dataclass() -> None:
    point = Point(1, 2.0)
    assert dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(Point)] == ["x", "y", "tags"]
    assert Point.__slots__ == ("x", "y", "tags")  # type: ignore[attr-defined]
    assert Point.__match_args__ == ("x", "y", "tags")
    assert Point.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert not hasattr(point, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x  # type: ignore[misc]
    assert dataclasses.replace(point, y=4.0) == Point(1, 4.0)
    assert dataclasses.asdict(point) == {"x": 1, "y": 2.0, "tags": ()}
    assert Point.__doc__ == "A point."
    assert Point.__init__.__qualname__ == "Point.__init__"
    match point:
        case Point(1, y):
            assert y == 2.0
        case _:  # pragma: no cover - the match above must succeed
            raise AssertionError


def test_pickle_and_copy() -> None:
    point = Point(1, 2.0, ("a", "b"))
    assert pickle.loads(pickle.dumps(point)) == point
    assert copy.copy(point) == point
    assert copy.deepcopy(point) == point


def test_one_field() -> None:
    assert Single() == Single(7)
    assert hash(Single(3)) == hash((3,))
    assert repr(Single(3)) == "Single(only=3)"


def test_wrong_arguments_raise_as_dataclasses_do() -> None:
    with pytest.raises(TypeError, match="takes 3 positional arguments but 4"):
        Point(1, 2.0, (), 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        Point(z=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="multiple values for argument 'x'"):
        Point(1, x=2)  # type: ignore[misc]


def test_the_fast_constructor_makes_equal_values() -> None:
    make = fast_constructor(Point)
    made = make(1, 2.0, ())
    assert type(made) is Point
    assert made == Point(1, 2.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.x = 2  # type: ignore[misc]


def test_mypy_sees_a_frozen_dataclass(tmp_path: Any) -> None:
    mypy = pytest.importorskip("mypy.api")
    source = textwrap.dedent(
        """
        import dataclasses
        from structgen.runtime.data import frozen_dataclass

        @frozen_dataclass
        class Point:
            x: int = 0

        point = Point(x=1)
        reveal_type(dataclasses.replace(point, x=2))
        point.x = 3
        Point(x="a")
        """
    )
    (tmp_path / "snippet.py").write_text(source)
    out, _err, _code = mypy.run(
        ["--strict", "--no-incremental", str(tmp_path / "snippet.py")]
    )
    assert 'Revealed type is "snippet.Point"' in out, out
    assert 'Property "x" defined in "Point" is read-only' in out, out
    assert 'Argument "x" to "Point" has incompatible type "str"' in out, out


def test_creating_many_compiles_nothing() -> None:
    """No source text compiled per class (that is what made imports slow)."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import builtins
                from structgen.runtime.data import frozen_dataclass
                calls = []
                real = builtins.exec
                builtins.exec = lambda *a, **k: (calls.append(1), real(*a, **k))[1]
                for n in range(20):
                    frozen_dataclass(type(f"C{n}", (), {"__annotations__": {"a": "int"},
                                                       "a": 0}))
                print(len(calls))
                """
            ),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == "0", done
