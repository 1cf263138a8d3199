"""The runtime's update() and shared bases, tested directly.

A record is written here by hand the way a generated module writes it (a Structure, a
checked view, a ``...Data`` value), so ``structgen.runtime`` is exercised without
generating anything. Also: the package imports only the standard library, and is what
a build copies into its output.
"""

from __future__ import annotations

import ast
import ctypes
import dataclasses
import multiprocessing
import pickle
import re
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import structgen.runtime
from structgen.render import BANNER, runtime_files
from structgen.runtime import SharedRecord, SharedRecordArray, values
from structgen.runtime.update import Update

RUNTIME = Path(structgen.runtime.__file__).parent


class Pair(ctypes.Structure):
    _fields_ = [
        ("n", ctypes.c_int16),
        ("x", ctypes.c_double),
        ("name", ctypes.c_char * 4),
        ("v", ctypes.c_float * 2),
    ]


@dataclasses.dataclass(frozen=True, slots=True)
class PairData:
    n: int = 0
    x: float = 0.0
    name: str = ""
    v: tuple[float, ...] = (0.0, 0.0)


N = values.int16("Pair.n")
NAME = values.text("Pair.name", 4)
V = values.array(values.float32("Pair.v"), ctypes.c_float, 2)
RAW_N, RAW_X, RAW_NAME, RAW_V = Pair.n, Pair.x, Pair.name, Pair.v


class PairView(Pair):
    n = values.checked(Pair.n, N)
    # x stays ctypes' own c_double field, as in a generated view
    name = values.checked(Pair.name, NAME)
    v = values.checked(Pair.v, V)

    @staticmethod
    def _to_data(raw: Any) -> PairData:
        return PairData(
            RAW_N.__get__(raw),
            RAW_X.__get__(raw),
            NAME.read(RAW_NAME.__get__(raw)),
            V.read(RAW_V.__get__(raw)),
        )

    def _store(self, data: PairData) -> None:
        self.n = data.n
        self.x = data.x
        self.name = data.name
        self.v = data.v


class SharedPair(SharedRecord[Pair, Any, PairData]):
    _struct = Pair
    _view = PairView
    _codec = values.record("Pair", PairView, PairData)

    def __init__(self, data: PairData = PairData(), *, lock: Any = True) -> None:
        scratch = PairView()
        scratch._store(data)
        super().__init__(scratch, lock, None)


class SharedPairArray(SharedRecordArray[Pair, Any, PairData]):
    _struct = Pair
    _view = PairView
    _codec = SharedPair._codec


START = PairData(1, 2.5, "ab", (0.5, 1.5))


def test_update_commits_a_block_as_one_step() -> None:
    shared = SharedPair(START)
    with shared.update() as view:
        view.n += 1
        view.x = 4.0
        view.name = "xyz"
        view.v[1] = 3.0
    assert shared.snapshot() == PairData(2, 4.0, "xyz", (0.5, 3.0))
    assert repr(shared) == "SharedPair(n=2, x=4.0, name='xyz', v=(0.5, 3.0))"


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_update_rolls_back_when_the_block_raises(error: type[BaseException]) -> None:
    shared = SharedPair(START)
    with pytest.raises(error), shared.update() as view:
        view.n = 9
        view.name = "zz"
        view.v = (7.0, 8.0)
        raise error("stop")
    assert shared.snapshot() == START
    shared.assign(PairData(n=3))  # the lock was released: the record works on
    assert shared.snapshot().n == 3


def test_a_refused_write_inside_update_writes_nothing_even_if_caught() -> None:
    shared = SharedPair(START)
    with shared.update() as view:
        with pytest.raises(OverflowError, match=r"^Pair\.n = 40000"):
            view.n = 40000
        with pytest.raises(ValueError, match=r"^Pair\.v holds exactly 2 items"):
            view.v = (1.0, 2.0, 3.0)
    assert shared.snapshot() == START


def test_a_raw_float64_write_error_names_its_field_when_it_leaves_the_block() -> None:
    shared = SharedPair(START)
    expected = r"^Pair\.x: must be real number, not str"
    with pytest.raises(TypeError, match=expected), shared.update() as view:
        view.x = "1.5"
    assert shared.snapshot() == START


def test_an_open_update_block_cannot_be_entered_again() -> None:
    shared = SharedPair(START)
    updater = shared.update()
    assert isinstance(updater, Update)
    with updater:
        with pytest.raises(RuntimeError, match="already open"), updater:
            pass  # pragma: no cover
        with shared.update() as inner:  # a nested update() is a new block
            inner.n = 5
    assert shared.snapshot().n == 5


def test_update_times_out_while_another_thread_holds_the_lock() -> None:
    shared = SharedPair(START)
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with shared:
            held.set()
            done.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(30)
        expected = r"^Pair: lock not acquired within 0\.1 s"
        with pytest.raises(TimeoutError, match=expected), shared.update(timeout=0.1):
            pass  # pragma: no cover
    finally:
        done.set()
        holder.join()
    with shared.update(timeout=5) as view:
        view.n = 7
    assert shared.snapshot().n == 7


def test_assign_checks_everything_before_writing() -> None:
    shared = SharedPair(START)
    with pytest.raises(ValueError, match="holds at most 4 bytes"):
        shared.assign(PairData(name="too long"))
    assert shared.snapshot() == START
    shared.assign(PairData(n=-1))
    assert shared.snapshot() == PairData(n=-1)
    with pytest.raises(TypeError, match="must be a PairData"):
        shared.assign("x")  # type: ignore[arg-type]


def test_without_a_lock_there_is_no_lock_and_records_still_update() -> None:
    shared = SharedPair(START, lock=False)
    assert shared.get_lock() is None
    with shared.update() as view:
        view.n = 4
    assert shared.snapshot().n == 4


def test_from_value_takes_a_values_own_lock_and_refuses_private_memory() -> None:
    value = multiprocessing.Value(Pair)
    shared = SharedPair.from_value(value)
    assert shared.get_lock() is value.get_lock()
    shared.assign(START)
    assert value.get_obj().n == 1
    with pytest.raises(TypeError, match="needs a multiprocessing Value or RawValue"):
        SharedPair.from_value(Pair())
    with pytest.raises(TypeError, match="needs a Value of Pair, not c_int"):
        SharedPair.from_value(multiprocessing.RawValue(ctypes.c_int))


def test_a_record_pickles_only_while_a_process_starts() -> None:
    with pytest.raises(RuntimeError, match="inheritance"):
        pickle.dumps(SharedPair(START))


def test_array_update_rolls_back_only_what_it_touched() -> None:
    array = SharedPairArray([START, START, START])
    assert len(array) == 3 and array[1] == START
    array[2] = PairData(n=5)
    with pytest.raises(KeyError), array.update() as items:
        items[0].n = 10
        items[1] = PairData(n=11)
        raise KeyError("undo")
    assert array.snapshot() == [START, START, PairData(n=5)]
    with array.update() as items:
        items[-1].name = "end"
    assert array[2] == PairData(n=5, name="end")
    with pytest.raises(IndexError, match=r"SharedPairArray index 3 out of range\(3\)"):
        array[3]
    with pytest.raises(ValueError, match="length must be at least 0"):
        SharedPairArray(-1)
    assert list(SharedPairArray(2)) == [PairData(), PairData()]


def test_each_runtime_module_imports_only_the_standard_library_and_siblings() -> None:
    modules = sorted(RUNTIME.glob("*.py"))
    assert {path.name for path in modules} >= {
        "__init__.py",
        "values.py",
        "locks.py",
        "update.py",
        "records.py",
    }
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    assert node.level == 1, f"{path.name}: import beyond the package"
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top == "__future__", (
                    f"{path.name} imports {name}"
                )


def test_a_build_copies_every_runtime_module_verbatim_after_the_banner() -> None:
    files = runtime_files()
    sources = {path.name: path for path in RUNTIME.glob("*.py")}
    assert sorted(files) == [Path("_structgen", name) for name in sorted(sources)]
    for relative, content in files.items():
        source = sources[relative.name].read_text(encoding="utf-8")
        assert content == f"{BANNER}. Do not edit.\n{source}"


def test_the_package_exports_every_name_generated_modules_use() -> None:
    used: set[str] = set()
    cases = RUNTIME.parents[2] / "tests" / "cases"
    for module in cases.glob("*/expected/**/*.py"):
        used |= set(re.findall(r"\b_sg\.(\w+)", module.read_text(encoding="utf-8")))
    assert len(used) > 20
    exported = set(structgen.runtime.__all__)
    assert used <= exported, sorted(used - exported)
    for name in exported:
        assert hasattr(structgen.runtime, name), name
