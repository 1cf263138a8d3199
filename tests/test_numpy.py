"""numpy views of shared arrays (SPEC §7): dtype == ctypes layout, zero-copy, checks."""

from __future__ import annotations

import ctypes
import multiprocessing
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import PYTHON, ROOT, Generate

np = pytest.importorskip("numpy", reason="numpy (structgen[numpy]) is not installed")

SCHEMA_SETS = {
    "schemas": ROOT / "schemas",
    **{
        f"case-{case.name}": case / "schemas"
        for case in sorted((ROOT / "tests" / "cases").iterdir())
        if (case / "schemas").is_dir()
    },
}


def _files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*.yaml"))
    }


def _compare(dtype: Any, struct: Any, where: str) -> int:
    """Assert dtype == the ctypes layout of ``struct``; returns the fields compared."""
    assert dtype.itemsize == ctypes.sizeof(struct), where
    compared = 0
    for spec in struct._fields_:
        name, ctype = spec[0], spec[1]
        sub, offset = dtype.fields[name][:2]
        assert offset == getattr(struct, name).offset, f"{where}.{name}"
        assert sub.itemsize == ctypes.sizeof(ctype), f"{where}.{name}"
        shape: list[int] = []
        # arrays are subarrays, down to a scalar, a record or S{N} (str[N], bytes[N])
        while issubclass(ctype, ctypes.Array) and not (
            sub.base.kind == "S" and ctypes.sizeof(ctype) == sub.base.itemsize
        ):
            shape.append(ctype._length_)
            ctype = ctype._type_
        assert sub.shape == tuple(shape), f"{where}.{name}"
        if issubclass(ctype, ctypes.Structure):
            compared += _compare(sub.base, ctype, f"{where}.{name}")
        compared += 1
    return compared


@pytest.mark.parametrize("label", sorted(SCHEMA_SETS))
def test_dtype_matches_ctypes_layout(generate: Generate, label: str) -> None:
    ns = generate(_files(SCHEMA_SETS[label]))
    arrays = 0
    for value in vars(ns).values():
        for name in getattr(value, "__all__", []):
            cls = getattr(value, name)
            if name.startswith("Shared") and name.endswith("Array"):
                _compare(cls.dtype(), cls._struct, name)
                arrays += 1
    assert arrays > 0


def test_dtype_kinds(generate: Generate) -> None:
    ns = generate(_files(SCHEMA_SETS["case-nested"]))
    sprite = ns.scene.SharedSpriteArray.dtype()
    assert sprite["name"] == np.dtype("S16")
    assert sprite["labels"].shape == (3,) and sprite["labels"].base == np.dtype("S8")
    assert sprite["tag"] == np.dtype("S4")
    assert sprite["blob"].shape == (2,) and sprite["blob"].base == np.dtype("S3")
    assert sprite["grid"].shape == (2, 3, 4) and sprite["grid"].base == np.int16
    assert sprite["visible"] == np.dtype("?")
    assert sprite["corners"].shape == (4,)
    assert sprite["corners"].base.names == ("x", "y")
    assert sprite.itemsize == ctypes.sizeof(ns.scene.Sprite)
    frames = ns.scene.SharedFramesArray.dtype()
    assert frames["boxes"].shape == (2, 2)
    modes = generate(_files(SCHEMA_SETS["case-enums"])).modes
    settings = modes.SharedSettingsArray.dtype()
    assert settings["grid"].shape == (2, 2) and settings["grid"].base == np.uint8
    assert settings["palette"].base == np.int32


def test_views_are_zero_copy(generate: Generate) -> None:
    scene = generate(_files(SCHEMA_SETS["case-nested"])).scene
    arr = scene.SharedSpriteArray(3)
    with arr.numpy() as a:
        assert a["name"][0] == b"sprite" and a["visible"].all()
        a["bounds"]["high"]["x"][1] = 7.5
        a["grid"][2, 1, 2, 3] = -12
        a["name"][2] = "héllo".encode()
    assert arr[1].bounds.high.x == 7.5
    assert arr[2].grid[1][2][3] == -12
    assert arr[2].name == "héllo"
    with arr.update() as items:
        items[0].id = 200
        items[0].labels = ("x", "y", "z")
    with arr.numpy() as a:
        assert int(a["id"][0]) == 200
        assert list(a["labels"][0]) == [b"x", b"y", b"z"]
    assert not a.flags.writeable  # flagged read-only once the lock is released
    copy = arr.to_numpy()
    copy["id"][0] = 1  # a copy: the shared array is untouched
    assert arr[0].id == 200 and copy.dtype == scene.SharedSpriteArray.dtype()


def test_assign_numpy_round_trip_and_refusals(generate: Generate) -> None:
    ns = generate(_files(SCHEMA_SETS["case-enums"]))
    modes = ns.modes
    arr = modes.SharedSettingsArray(4)
    before = arr.to_numpy()
    good = before.copy()
    good["palette"][3] = [int(m) for m in list(modes.Color)[:3]]
    arr.assign_numpy(good)
    assert bytes(arr.get_obj()) == good.tobytes()

    bad = good.copy()
    bad["grid"][2, 1, 0] = 250  # no member of Level
    with pytest.raises(ValueError, match=r"Settings\.grid at index 2 holds 250"):
        arr.assign_numpy(bad)
    assert bytes(arr.get_obj()) == good.tobytes()  # nothing written
    with pytest.raises(TypeError, match="dtype"):
        arr.assign_numpy(good.astype([("x", "i4")] * 1))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        arr.assign_numpy(good[:3])
    with pytest.raises(TypeError, match="numpy array"):
        arr.assign_numpy([1, 2])

    scene = generate(_files(SCHEMA_SETS["case-nested"])).scene
    sprites = scene.SharedSpriteArray(3)
    values = sprites.to_numpy()
    values["name"][1] = b"ok"
    sprites.assign_numpy(values)
    assert sprites[1].name == "ok"
    wrong = values.copy()
    wrong["labels"][2, 1] = b"a\0b"
    with pytest.raises(ValueError, match=r"Sprite\.labels at index 2 has a NUL"):
        sprites.assign_numpy(wrong)
    wrong = values.copy()
    wrong["name"][0] = b"\xff\xfe"
    with pytest.raises(ValueError, match=r"Sprite\.name at index 0 is not valid UTF-8"):
        sprites.assign_numpy(wrong)
    assert bytes(sprites.get_obj()) == values.tobytes()
    wrong = values.copy()
    wrong["tag"][0] = b"\0\xff\0x"  # bytes: anything goes
    sprites.assign_numpy(wrong)
    assert sprites[0].tag == b"\0\xff\0x"


def _child_sum(arr: Any, out: Any) -> None:
    with arr.numpy() as a:
        out.value = float(a["x"].sum())
        a["y"][:] = 2.0


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_child_sees_the_same_memory(repo_generated: Any, method: str) -> None:
    from generated import geometry

    ctx: Any = multiprocessing.get_context(method)
    arr = geometry.SharedPointArray(1000, ctx=ctx)
    with arr.numpy() as a:
        a["x"][:] = np.arange(1000)
    out = ctx.Value("d", 0.0)
    child = ctx.Process(target=_child_sum, args=(arr, out))
    child.start()
    child.join(120)
    assert child.exitcode == 0
    assert out.value == sum(range(1000))
    assert arr[999].y == 2.0 and arr.to_numpy()["y"].sum() == 2000.0


def test_without_numpy_modules_import_and_say_what_to_install() -> None:
    code = (
        "import sys; sys.modules['numpy'] = None\n"
        "from generated import geometry\n"
        "arr = geometry.SharedPointArray(3); arr[1] = geometry.PointData(1.0, 2.0)\n"
        "assert arr.snapshot()[1].x == 1.0\n"
        "for call in (arr.dtype, arr.to_numpy, arr.numpy().__enter__):\n"
        "    try: call()\n"
        "    except ImportError as e: assert 'structgen[numpy]' in str(e), e\n"
        "    else: raise AssertionError(call)\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_generated_type_checks_without_numpy() -> None:
    """mypy --strict over generated/ with site-packages hidden (so no numpy)."""
    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-site-packages", "generated"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _child_attach_and_sum(name: str, out: Any) -> None:
    from generated import geometry

    arr = geometry.SharedPointArray.attach(name)
    with arr.numpy() as a:
        out.value = float(a["x"].sum())
        a["y"][:] = 3.0
    arr.close()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_process_attaches_a_named_array_and_reads_numpy_views(
    repo_generated: Any, method: str
) -> None:
    from shm_support import cleanup, unique_name

    from generated import geometry

    name = unique_name("numpy")
    with cleanup(name):
        arr = geometry.SharedPointArray.create(name, 500)
        arr.assign_numpy(np.zeros(500, dtype=arr.dtype()))
        with arr.numpy() as a:
            a["x"][:] = np.arange(500)
        ctx: Any = multiprocessing.get_context(method)
        out = ctx.Value("d", 0.0)
        child = ctx.Process(target=_child_attach_and_sum, args=(name, out))
        child.start()
        child.join(120)
        assert child.exitcode == 0
        assert out.value == sum(range(500))
        assert arr.to_numpy()["y"].sum() == 1500.0 and arr[7].y == 3.0
        with arr.numpy() as kept:
            pass
        arr.close()
        assert kept["x"][499] == 499.0  # the view keeps the mapping: no dangling read
        arr.unlink()
