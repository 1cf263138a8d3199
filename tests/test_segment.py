"""Named segments (SPEC section 6): names, the header, hostile segments, lifetime.

Lifetime is proven with real, unrelated processes (``python -c`` subprocesses): the
creator's end removes the name even by SIGKILL, an attacher's end never does, and
``persist=True`` keeps it. Every test removes the segments it makes.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shm_support import (
    POINT,
    canonical,
    cleanup,
    make_point,
    remove,
    unique_name,
)

from structgen.runtime.header import HEADER_SIZE, parse_header, read_description
from structgen.runtime.layoutdesc import (
    compare_layouts,
    decode_values,
    parse_description,
)
from structgen.runtime.segment import SHM_DIR, Segment, check_name

ROOT = Path(__file__).resolve().parents[1]
SRC = str(ROOT / "src")


def run_python(code: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT / 'tests'}"}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def wait_gone(name: str, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not os.path.exists(f"{SHM_DIR}/{name}"):
            return True
        time.sleep(0.05)
    return False


# -- names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["", ".", "..", "a/b", "/a", "../etc", "a b", "é", "x" * 201, "a:b", "a\0b"],
)
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="bad segment name"):
        check_name(name)
    with pytest.raises(ValueError, match="bad segment name"):
        Segment.attach(name)


def test_good_names() -> None:
    for name in ["a", "x" * 200, "A.b_c-9", "..."]:
        assert check_name(name) == name
    with pytest.raises(TypeError):
        check_name(b"abc")


# -- create / attach -----------------------------------------------------------------


def test_create_attach_and_decode() -> None:
    name = unique_name("basic")
    with cleanup(name):
        made = make_point(name)
        other = Segment.attach(name)
        assert other.header.record == "Point"
        assert other.header.count == 1 and other.header.kind == 1
        assert other.header.creator_pid == os.getpid()
        assert other.description.raw == POINT
        start = other.header.data_offset
        values = decode_values(
            other.description, other.buffer[start : start + 16], 1, 1
        )
        assert values == {"x": 1.5, "y": -3, "c": "GREEN", "t": "hi"}
        other.close()
        made.close()
        with pytest.raises(ValueError, match="closed"):
            _ = other.buffer
        other.close()  # idempotent


def test_mode_is_exact_whatever_the_umask() -> None:
    name = unique_name("mode")
    old = os.umask(0o077)
    try:
        with cleanup(name):
            make_point(name, mode=0o644).close()
            assert os.stat(f"{SHM_DIR}/{name}").st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
    name = unique_name("mode")
    with cleanup(name):
        make_point(name).close()
        assert os.stat(f"{SHM_DIR}/{name}").st_mode & 0o777 == 0o600


def test_bad_mode_refused_and_no_file_left() -> None:
    name = unique_name("badmode")
    with cleanup(name):
        with pytest.raises(ValueError, match="mode"):
            make_point(name, mode=0o1777)
        with pytest.raises(TypeError, match="mode"):
            make_point(name, mode="rw")  # type: ignore[arg-type]
        assert not os.path.exists(f"{SHM_DIR}/{name}")


def test_existing_name_refused() -> None:
    name = unique_name("exists")
    with cleanup(name):
        make_point(name).close()
        with pytest.raises(FileExistsError, match=name):
            make_point(name)


def test_missing_name_and_timeout() -> None:
    name = unique_name("missing")
    with pytest.raises(FileNotFoundError, match=name):
        Segment.attach(name)
    began = time.monotonic()
    with pytest.raises(FileNotFoundError):
        Segment.attach(name, timeout=0.3)
    assert time.monotonic() - began >= 0.3


def test_attach_waits_for_the_name_to_appear() -> None:
    name = unique_name("appear")
    with cleanup(name):
        timer = threading.Timer(0.3, lambda: make_point(name).close())
        timer.start()
        try:
            segment = Segment.attach(name, timeout=30)
            assert segment.header.record == "Point"
            segment.close()
        finally:
            timer.join()


def test_init_failure_leaves_nothing() -> None:
    name = unique_name("initfail")

    def init(segment: Segment) -> None:
        raise RuntimeError("boom")

    with cleanup(name), pytest.raises(RuntimeError):
        Segment.create(
            name,
            kind=1,
            description=POINT,
            count=1,
            elem_size=16,
            elem_align=8,
            lock_size=64,
            undo_size=16,
            init=init,
        )
    assert not os.path.exists(f"{SHM_DIR}/{name}")


def _write_file(name: str, data: bytes) -> None:
    fd = os.open(f"{SHM_DIR}/{name}", os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def test_not_ready_segment_is_waited_for_then_refused() -> None:
    for content in (b"", bytes(HEADER_SIZE), bytes(4096)):
        name = unique_name("notready")
        with cleanup(name):
            _write_file(name, content)
            began = time.monotonic()
            with pytest.raises(ValueError, match=r"not ready.*may have died"):
                Segment.attach(name)
            assert 0.9 <= time.monotonic() - began < 30
            began = time.monotonic()
            with pytest.raises(ValueError, match="not ready"):
                Segment.attach(name, timeout=0.2)
            assert time.monotonic() - began >= 0.2


def test_half_made_segment_becomes_ready() -> None:
    """A segment whose ready flag is clear is waited for, then used."""
    name = unique_name("halfmade")
    with cleanup(name):
        make_point(name).close()
        path = f"{SHM_DIR}/{name}"
        with open(path, "r+b") as f:
            f.seek(20)
            f.write(struct.pack("<I", 0))

        def finish() -> None:
            with open(path, "r+b") as f:
                f.seek(20)
                f.write(struct.pack("<I", 1))

        timer = threading.Timer(0.3, finish)
        timer.start()
        try:
            segment = Segment.attach(name, timeout=30)
            segment.close()
        finally:
            timer.join()


def test_foreign_and_corrupt_segments_are_refused_at_once() -> None:
    valid_name = unique_name("valid")
    with cleanup(valid_name):
        make_point(valid_name).close()
        with open(f"{SHM_DIR}/{valid_name}", "rb") as f:
            valid = f.read()
    cases = {
        b"hello world, not a segment" * 20: "not a structgen segment",
        valid[:100]: "truncated",
        valid[:-64]: "truncated or corrupt",
        valid[:8] + struct.pack("<I", 99) + valid[12:]: "format version 99",
        valid[:16] + struct.pack("<I", 7) + valid[20:]: "unknown kind",
        valid[:72] + struct.pack("<Q", 1 << 40) + valid[80:]: "outside",
        valid[:-1] + b"\x01": None,  # the undo copy: not checked, still valid
    }
    for content, message in cases.items():
        name = unique_name("corrupt")
        with cleanup(name):
            _write_file(name, content)
            began = time.monotonic()
            if message is None:
                Segment.attach(name).close()
                continue
            with pytest.raises(ValueError, match=message):
                Segment.attach(name)
            assert time.monotonic() - began < 0.5  # refused at once, not waited for


def test_lying_description_is_refused() -> None:
    doc = json.loads(POINT)
    doc["records"]["Point"]["fields"][1]["offset"] = 14  # int32 ends past 16 bytes
    with pytest.raises(ValueError, match="ends past"):
        parse_description(canonical(doc))
    doc = json.loads(POINT)
    doc["records"]["Point"]["fields"][3]["length"] = 2  # size 3 != 1 x 2
    with pytest.raises(ValueError, match="not 1 x 2"):
        parse_description(canonical(doc))
    doc = json.loads(POINT)
    doc["records"]["Point"]["fields"][0] = {
        "name": "me",
        "type": "record",
        "ref": "Point",
        "offset": 0,
        "size": 16,
        "dims": [],
    }
    with pytest.raises(ValueError, match="contains itself"):
        parse_description(canonical(doc))
    with pytest.raises(ValueError, match="not JSON"):
        parse_description(b"\xff\xfe")


def test_description_that_does_not_match_its_fingerprint() -> None:
    name = unique_name("fp")
    with cleanup(name):
        segment = make_point(name)
        offset = segment.header.desc_offset
        segment.buffer[offset + 20 : offset + 21] = b" "
        segment.close()
        with pytest.raises(ValueError, match="fingerprint"):
            Segment.attach(name)


# -- fuzzing the parser --------------------------------------------------------------


def _valid_image() -> bytes:
    name = unique_name("image")
    with cleanup(name):
        make_point(name).close()
        with open(f"{SHM_DIR}/{name}", "rb") as f:
            return f.read()


VALID = _valid_image()


def _parse_all(image: bytes) -> None:
    """Everything attach and inspect do with a segment's bytes."""
    try:
        header = parse_header(image, "fuzz")
        desc = read_description(image, header, "fuzz")
        start = header.data_offset
        data = image[start : start + header.data_size]
        decode_values(desc, data, header.count, header.kind)
    except ValueError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_fuzz_random_bytes(image: bytes) -> None:
    _parse_all(image)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=12,
    ),
    st.integers(0, len(VALID)),
)
def test_fuzz_mutated_segment(changes: list[tuple[int, int]], cut: int) -> None:
    image = bytearray(VALID)
    for at, value in changes:
        image[at] = value
    _parse_all(bytes(image[: max(cut, HEADER_SIZE + 1)]))
    _parse_all(bytes(image))


@st.composite
def lying_descriptions(draw: st.DrawFn) -> bytes:
    doc = json.loads(POINT)
    field = draw(st.sampled_from(doc["records"]["Point"]["fields"]))
    key = draw(st.sampled_from(["offset", "size", "dims", "type", "length", "ref"]))
    field[key] = draw(
        st.one_of(
            st.integers(-(2**70), 2**70),
            st.lists(st.integers(-5, 1 << 40), max_size=10),
            st.text(max_size=5),
            st.none(),
            st.sampled_from(["record", "enum", "str", "Point", "Color", "bytes"]),
        )
    )
    return canonical(doc)


@settings(max_examples=400, deadline=None)
@given(lying_descriptions())
def test_fuzz_lying_description(raw: bytes) -> None:
    try:
        desc = parse_description(raw)
    except ValueError:
        return
    decode_values(desc, bytes(desc.root.size), 1, 1)


# -- comparing layouts ---------------------------------------------------------------


def test_compare_names_the_first_differing_field() -> None:
    mine = parse_description(POINT)
    assert compare_layouts(mine, mine) is None
    doc = json.loads(POINT)
    doc["records"]["Point"]["fields"][1]["type"] = "uint32"
    message = compare_layouts(parse_description(canonical(doc)), mine)
    assert message is not None
    assert "'Point.y'" in message and "uint32" in message and "int32" in message
    doc = json.loads(POINT)
    doc["records"]["Point"]["fields"][1]["name"] = "z"
    message = compare_layouts(parse_description(canonical(doc)), mine)
    assert message is not None and "'Point.y'" in message and "'z'" in message
    doc = json.loads(POINT)
    doc["enums"]["Color"]["members"].append(["BLUE", 2])
    message = compare_layouts(parse_description(canonical(doc)), mine)
    assert message is not None and "'Point.c'" in message
    doc = json.loads(POINT)
    doc["record"] = "Other"
    doc["records"] = {"Other": doc["records"]["Point"]}
    message = compare_layouts(parse_description(canonical(doc)), mine)
    assert message is not None and "'Other'" in message


def test_nested_difference_named_with_its_path() -> None:
    def doc(inner_type: str) -> bytes:
        return canonical(
            {
                "record": "Outer",
                "records": {
                    "Inner": {
                        "size": 8,
                        "align": 8,
                        "fields": [
                            {
                                "name": "v",
                                "type": inner_type,
                                "offset": 0,
                                "size": 8,
                                "dims": [],
                            }
                        ],
                    },
                    "Outer": {
                        "size": 16,
                        "align": 8,
                        "fields": [
                            {
                                "name": "pair",
                                "type": "record",
                                "ref": "Inner",
                                "offset": 0,
                                "size": 16,
                                "dims": [2],
                            }
                        ],
                    },
                },
                "enums": {},
            }
        )

    message = compare_layouts(
        parse_description(doc("int64")), parse_description(doc("float64"))
    )
    assert message is not None and "'Outer.pair.v'" in message


# -- lifetime, with real unrelated processes -----------------------------------------

MAKE = "from shm_support import make_point; import os, signal, sys, time\n"


def test_creator_sigkill_removes_the_name() -> None:
    name = unique_name("sigkill")
    with cleanup(name):
        result = run_python(
            MAKE + f"make_point({name!r}); os.kill(os.getpid(), signal.SIGKILL)"
        )
        assert result.returncode == -signal.SIGKILL
        assert wait_gone(name), "the tracker did not remove a SIGKILLed creator's name"
        assert not os.path.exists(f"{SHM_DIR}/sem.structgen.{name}.lock")


def test_creator_clean_exit_removes_the_name_without_warnings() -> None:
    name = unique_name("clean")
    with cleanup(name):
        result = run_python(MAKE + f"s = make_point({name!r}); s.close()")
        assert result.returncode == 0, result.stderr
        assert "leaked" not in result.stderr and "Warning" not in result.stderr
        assert not os.path.exists(f"{SHM_DIR}/{name}")
        assert not os.path.exists(f"{SHM_DIR}/sem.structgen.{name}.lock")


def test_attacher_exit_and_sigkill_never_remove() -> None:
    name = unique_name("attacher")
    with cleanup(name):
        make_point(name, persist=True).close()
        attach = "from structgen.runtime.segment import Segment\n"
        result = run_python(attach + f"Segment.attach({name!r})")
        assert result.returncode == 0, result.stderr
        result = run_python(
            attach
            + "import os, signal\n"
            + f"Segment.attach({name!r}); os.kill(os.getpid(), signal.SIGKILL)"
        )
        assert result.returncode == -signal.SIGKILL
        time.sleep(0.5)
        assert os.path.exists(f"{SHM_DIR}/{name}")
        assert "leaked" not in result.stderr


def test_persist_keeps_the_name_after_the_creator() -> None:
    name = unique_name("persist")
    with cleanup(name):
        for ending in ("s.close()", "os.kill(os.getpid(), signal.SIGKILL)"):
            remove(name)
            run_python(MAKE + f"s = make_point({name!r}, persist=True); {ending}")
            time.sleep(0.3)
            assert os.path.exists(f"{SHM_DIR}/{name}")
            Segment.attach(name).close()


def test_name_stays_while_a_forked_child_lives() -> None:
    """The name goes when the creator and its forked children have all ended."""
    name = unique_name("forkchild")
    code = MAKE + (
        f"make_point({name!r})\n"
        "if os.fork() == 0:\n"
        "    sys.stdin.read(); os._exit(0)\n"  # lives until the test closes stdin
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT / 'tests'}"}
    with cleanup(name):
        proc = subprocess.Popen(
            [sys.executable, "-c", code], env=env, stdin=subprocess.PIPE, text=True
        )
        assert proc.wait(timeout=60) == -signal.SIGKILL
        time.sleep(1.0)
        assert os.path.exists(f"{SHM_DIR}/{name}"), "removed while a child lives"
        assert proc.stdin is not None
        proc.stdin.close()  # the child ends
        assert wait_gone(name)


def test_unlink_removes_and_later_users_keep_working() -> None:
    name = unique_name("unlink")
    with cleanup(name):
        made = make_point(name)
        other = Segment.attach(name)
        made.unlink()
        assert not os.path.exists(f"{SHM_DIR}/{name}")
        other.buffer[other.header.data_offset] = 7  # still mapped, still works
        with pytest.raises(FileNotFoundError):
            Segment.attach(name)
        other.close()
        made.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to run a child as nobody")
def test_permission_error_names_the_segment() -> None:
    name = unique_name("perm")
    with cleanup(name):
        make_point(name).close()
        code = (
            "import os\n"
            "from structgen.runtime.segment import Segment\n"
            "os.setgid(65534); os.setuid(65534)  # nobody, after every import\n"
            "try:\n"
            f"    Segment.attach({name!r})\n"
            "except PermissionError as e:\n"
            "    print('PERM', e)\n"
        )
        result = run_python(code)
        assert "PERM" in result.stdout and name in result.stdout, result.stderr
