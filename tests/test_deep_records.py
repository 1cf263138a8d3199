"""Records nested as deep as the build allows (64 levels): every operation runs.

The build refuses deeper records (``nesting-depth``, tested in test_diagnostics); here
the deepest accepted one is imported and constructed, read, written, snapshotted,
assigned, updated through nested views, rolled back, compared, printed and given to a
spawned child, with room to spare on the stack.
"""

from __future__ import annotations

import copy
import inspect
import multiprocessing
import pickle
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest
from conftest import Generate

DEPTH = 64  # structgen.types.MAX_NESTING_DEPTH
# What every operation may use, in frames, at the deepest level: about 4 a level.
FRAMES = 300


def _chain(links: int, suffix: str = "") -> str:
    lines = ["records:", "  R0:", "    fields: {v: float64}"]
    for i in range(1, links):
        lines += [f"  R{i}:", f"    fields: {{inner: 'R{i - 1}{suffix}', w: int32}}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def deep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    import importlib

    import structgen

    root = tmp_path_factory.mktemp("deep")
    schemas = root / "schemas"
    schemas.mkdir()
    (schemas / "chain.yaml").write_text(_chain(DEPTH), encoding="utf-8")
    structgen.build([schemas], root / "sg_deep")
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("sg_deep.chain")
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.split(".")[0] == "sg_deep"]:
            del sys.modules[name]


def _within(frames: int, operation: Callable[[], Any]) -> Any:
    """Run ``operation`` with only ``frames`` more frames allowed than are in use."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack(0)) + frames)
    try:
        return operation()
    finally:
        sys.setrecursionlimit(old)


def _innermost(view: Any) -> Any:
    for _ in range(DEPTH - 1):
        view = view.inner
    return view


def child_deep(shared: Any, expected: float) -> None:
    """Spawned: the same memory, read and written through nested views."""
    assert _innermost(shared.snapshot()).v == expected
    with shared.update() as view:
        _innermost(view).v = expected + 1


def test_every_operation_at_the_deepest_accepted_level(deep: ModuleType) -> None:
    top = DEPTH - 1
    shared_cls, data_cls = getattr(deep, f"SharedR{top}"), getattr(deep, f"R{top}Data")
    array_cls = getattr(deep, f"SharedR{top}Array")
    shared = _within(FRAMES, shared_cls)
    data = data_cls()
    assert _within(FRAMES, shared.snapshot) == data
    inner = _within(FRAMES, lambda: shared.inner)
    assert inner == data.inner
    value: Any = deep.R0Data(v=2.5)  # the chain again, built bottom-up
    for level in range(1, DEPTH):
        value = getattr(deep, f"R{level}Data")(inner=value, w=level)
    _within(FRAMES, lambda: shared.assign(value))
    assert _innermost(shared.snapshot()).v == 2.5
    _within(FRAMES, lambda: setattr(shared, "inner", data.inner))
    assert shared.snapshot() == data_cls(inner=data.inner, w=top)
    _within(FRAMES, lambda: shared.set(inner=value.inner))
    assert shared.snapshot() == value
    assert _within(FRAMES, lambda: shared.snapshot() == value) is True
    assert _within(FRAMES, lambda: hash(shared.snapshot())) == hash(value)
    assert "R0Data(v=2.5)" in str(_within(FRAMES, lambda: repr(shared)))
    assert _within(FRAMES, lambda: pickle.loads(pickle.dumps(value))) == value
    assert _within(FRAMES, lambda: copy.deepcopy(value)) == value

    def nested_writes() -> None:
        with shared.update() as view:
            _innermost(view).v = 7.0
            view.inner = view.inner  # a nested view written back: its bytes
            view.inner.inner = data.inner.inner

    _within(FRAMES, nested_writes)
    assert shared.snapshot().inner.inner == data.inner.inner

    def rolled_back() -> None:
        with shared.update() as view:
            view.inner = value.inner
            raise KeyError("undo")

    before = shared.snapshot()
    with pytest.raises(KeyError):
        _within(FRAMES, rolled_back)
    assert shared.snapshot() == before

    def refused() -> None:
        shared.inner = value  # a whole R63Data where an R62Data goes

    with pytest.raises(TypeError, match=rf"R{top}\.inner must be a R{top - 1}Data"):
        _within(FRAMES, refused)

    array = _within(FRAMES, lambda: array_cls(2))
    _within(FRAMES, lambda: array.__setitem__(1, value))
    assert _within(FRAMES, array.snapshot) == [data, value]

    ctx = multiprocessing.get_context("spawn")
    given = shared_cls(inner=value.inner, ctx=ctx)
    child = ctx.Process(target=child_deep, args=(given, 2.5))
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert _innermost(given.snapshot()).v == 3.5


def test_arrays_count_a_level_per_dimension(generate: Generate) -> None:
    """1 + 31 links of a record in a one-element array: 63 levels, all operations."""
    ns = generate({"chain.yaml": _chain(32, "[1]")})
    shared = _within(FRAMES, ns.chain.SharedR31)
    data = _within(FRAMES, shared.snapshot)
    _within(FRAMES, lambda: shared.assign(data))
    assert _within(FRAMES, lambda: repr(data)).startswith("R31Data(")

    def write_deepest() -> None:
        with shared.update() as view:
            for _ in range(31):
                view = view.inner[0]
            view.v = 1.5

    _within(FRAMES, write_deepest)
    value = shared.snapshot()
    for _ in range(31):
        value = value.inner[0]
    assert value.v == 1.5
