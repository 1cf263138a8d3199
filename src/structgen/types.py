"""The one table of scalar types, their aliases, and the type expressions of a schema.

Everything structgen knows about a scalar (its ctypes name, Python annotation, size and
range) lives here, so the validator, the layout and the templates can never disagree.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["int", "float", "bool"]


@dataclass(frozen=True)
class Scalar:
    name: str  # canonical schema name, e.g. "float64"
    ctype: str  # attribute of the ctypes module
    kind: Kind
    size: int  # bytes; alignment equals size for every scalar we allow
    signed: bool = True

    @property
    def python(self) -> str:
        return self.kind

    @property
    def min(self) -> int:
        return -(1 << (self.size * 8 - 1)) if self.signed else 0

    @property
    def max(self) -> int:
        return (1 << (self.size * 8 - (1 if self.signed else 0))) - 1


SCALARS: dict[str, Scalar] = {
    s.name: s
    for s in [
        Scalar("bool", "c_bool", "bool", 1, signed=False),
        Scalar("int8", "c_int8", "int", 1),
        Scalar("int16", "c_int16", "int", 2),
        Scalar("int32", "c_int32", "int", 4),
        Scalar("int64", "c_int64", "int", 8),
        Scalar("uint8", "c_uint8", "int", 1, signed=False),
        Scalar("uint16", "c_uint16", "int", 2, signed=False),
        Scalar("uint32", "c_uint32", "int", 4, signed=False),
        Scalar("uint64", "c_uint64", "int", 8, signed=False),
        Scalar("float32", "c_float", "float", 4),
        Scalar("float64", "c_double", "float", 8),
    ]
}

ALIASES: dict[str, str] = {
    "double": "float64",
    "float": "float32",
    "char": "int8",
    "byte": "int8",
    "c_bool": "bool",
    "c_byte": "int8",
    "c_ubyte": "uint8",
    "c_short": "int16",
    "c_ushort": "uint16",
    "c_int": "int32",
    "c_uint": "uint32",
    "c_longlong": "int64",
    "c_ulonglong": "uint64",
    "c_float": "float32",
    "c_double": "float64",
    **{f"c_{n}": n for n in SCALARS if n.startswith(("int", "uint"))},
}

# Types whose width depends on the platform, with the fixed-width type to use instead.
PLATFORM_SIZED: dict[str, str] = {
    "long": "int64 (or int32, whichever width you mean)",
    "ulong": "uint64 (or uint32)",
    "c_long": "int64 (or int32, whichever width you mean)",
    "c_ulong": "uint64 (or uint32)",
    "size_t": "uint64",
    "c_size_t": "uint64",
    "ssize_t": "int64",
    "c_ssize_t": "int64",
    "intptr_t": "int64",
    "uintptr_t": "uint64",
    "ptrdiff_t": "int64",
    "time_t": "int64",
    "c_time_t": "int64",
    "off_t": "int64",
    "c_longdouble": "float64",
    "longdouble": "float64",
    "long_double": "float64",
    "c_wchar": "uint32 (or str[N] for text)",
    "wchar": "uint32 (or str[N] for text)",
    "wchar_t": "uint32 (or str[N] for text)",
    "int": "int32 or int64",
    "uint": "uint32 or uint64",
    "short": "int16",
}

# Fixed-width, but ambiguous between a number and text: say which to write instead.
AMBIGUOUS: dict[str, str] = {
    "c_char": "a one-byte character; use int8 or uint8 for a number, bytes[1] or "
    "str[1] for text",
}

POINTER_NAMES = frozenset(
    {
        "c_char_p",
        "c_wchar_p",
        "c_void_p",
        "c_voidp",  # ctypes' own alias of c_void_p
        "py_object",
        "pointer",
        "ptr",
        "object",
        "c_funcptr",
        "function",
        "callback",
        "cfunctype",
        "pyfunctype",
        "winfunctype",
    }
)

TEXT_TYPES = ("str", "bytes")

_C_WORDS = frozenset({"signed", "unsigned", "char", "short", "int", "long", "double"})


def c_type_words(spelling: str) -> tuple[str, str] | None:
    """``(code, message)`` for a C type spelled in keywords (``unsigned long``,
    ``long long int``, ``long double``...), naming the fixed-width type to write."""
    words = spelling.split()
    if not words or any(w not in _C_WORDS for w in words):
        return None
    if len(words) == 1 and words[0] not in ("signed", "unsigned"):
        return None  # `long`, `int`, `char`, `double`: the single-name tables judge
    count = {w: words.count(w) for w in _C_WORDS}
    if count["signed"] + count["unsigned"] > 1 or count["int"] > 1:
        return None
    u = "u" if count["unsigned"] else ""
    other = len(words) - count["signed"] - count["unsigned"]
    if count["double"]:
        if len(words) != 2 or count["double"] != 1 or count["long"] != 1:
            return None
        instead = "float64"
    elif count["char"]:
        if count["char"] != 1 or other != 1:
            return None
        message = (
            f"type '{spelling}' is C's name for a one-byte integer; "
            f"use the fixed-width {u}int8"
        )
        return "invalid-type", message
    elif count["short"]:
        if count["short"] != 1 or count["long"]:
            return None
        instead = f"{u}int16"
    elif count["long"] == 1:
        instead = f"{u}int64 (or {u}int32, whichever width you mean)"
    elif count["long"] == 2:
        instead = f"{u}int64"
    elif count["long"] == 0:
        instead = f"{u}int32 or {u}int64"
    else:
        return None
    message = (
        f"type '{spelling}' has a different width on different platforms; "
        f"use the fixed-width {instead}"
    )
    return "platform-sized-type", message


MAX_ARRAY_ELEMENTS = 1 << 20  # per dimension
MAX_DIMENSIONS = 8  # of one array; generated code nests once per dimension
MAX_TEXT_BYTES = 1 << 16
MAX_RECORD_BYTES = 1 << 24  # 16 MiB: a shared record, not a data set
# Levels of nesting (a record, each nested record, each array dimension): the runtime
# checks and converts nested values by recursive calls, up to 3 frames a level, so
# 64 levels stay well inside Python's default recursion limit of 1000.
MAX_NESTING_DEPTH = 64

_TYPE_RE = re.compile(
    r"^(?P<base>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)"
    r"(?P<dims>(?:\[[^\[\]]*\])*)$"
)
_DIM_RE = re.compile(r"\[([^\[\]]*)\]")


@dataclass(frozen=True)
class TypeExpr:
    """A parsed type expression such as ``float32[8][2]`` or ``str[16][4]``."""

    base: str  # canonical scalar name, "str", "bytes", or a record/enum reference
    dims: tuple[int, ...]  # array dimensions, outermost first (C order)
    length: int | None = None  # byte length of str/bytes


class TypeProblem(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def pointer_reason(spelling: str) -> str | None:
    """If ``spelling`` names a pointer in any spelling, say so; else None."""
    text = spelling.strip()
    lowered = text.replace(" ", "").lower()
    head = lowered.split("[", 1)[0].split("(", 1)[0]
    if (
        lowered.endswith("*")
        or "*" in lowered
        or head in POINTER_NAMES
        or head in ("pointer", "lp_c_char", "lp")
        or head.startswith("lp_")
        or "functype" in head
        or head.endswith("_p")
    ):
        return text
    if lowered.startswith(("pointer(", "pointer[", "ctypes.pointer")):
        return text
    return None


def _suggest(name: str, candidates: list[str]) -> str:
    match = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not match:
        match = difflib.get_close_matches(name.lower(), candidates, n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def parse_type(spelling: str, known: list[str]) -> TypeExpr:
    """Parse a field type. ``known`` lists record and enum names in scope (for hints).

    Raises TypeProblem with a stable code for every kind of mistake.
    """
    text = spelling.strip()
    head = text.split("[", 1)[0].strip()
    # bare `str`/`bytes` would need a pointer, even where a (refused) record of that
    # name is in scope
    if text in TEXT_TYPES or (head not in known and pointer_reason(text) is not None):
        raise TypeProblem("pointer-field", text)
    words = c_type_words(" ".join(head.split()))
    if words is not None:
        raise TypeProblem(*words)
    # spaces may surround brackets and dots (``str [16]``), not split a name
    compact = re.sub(r"\s*([\[\].])\s*", r"\1", text)
    match = _TYPE_RE.match(compact)
    if not match:
        raise TypeProblem(
            "invalid-type",
            f"'{text}' is not a type expression; write a name with optional sizes, "
            "such as 'float64', 'str[16]' or 'Point[4]'",
        )
    base = match["base"]
    sizes = _DIM_RE.findall(match["dims"])
    count = len(sizes) - (1 if base in TEXT_TYPES else 0)  # str[N]: N is a length
    if count > MAX_DIMENSIONS:  # before anything recurses or nests per dimension
        shown = text if len(text) <= 40 else f"{text[:40]}..."
        raise TypeProblem(
            "array-dimensions",
            f"'{shown}' has {count:,} array dimensions; at most {MAX_DIMENSIONS} "
            "are allowed",
        )
    dims: list[int] = []
    for raw in sizes:
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise TypeProblem(
                "array-size", f"array size '{raw}' in '{text}' must be a whole number"
            )
        if len(raw.lstrip("+-0")) > 20:  # int() refuses past 4300 digits: say so first
            shown = f"{text[:40]}..."
            if raw.startswith("-"):
                raise TypeProblem(
                    "array-size", f"array size in '{shown}' must be at least 1"
                )
            raise TypeProblem(
                "array-size",
                f"array size in '{shown}' is too large "
                f"(at most {MAX_ARRAY_ELEMENTS:,} per dimension)",
            )
        size = int(raw)
        if size < 1:
            raise TypeProblem(
                "array-size", f"array size {size} in '{text}' must be at least 1"
            )
        if size > MAX_ARRAY_ELEMENTS:
            raise TypeProblem(
                "array-size",
                f"array size {size:,} in '{text}' is too large "
                f"(at most {MAX_ARRAY_ELEMENTS:,} per dimension)",
            )
        dims.append(size)
    if base in TEXT_TYPES:
        length, dims = dims[0], dims[1:]
        if length > MAX_TEXT_BYTES:
            raise TypeProblem(
                "array-size",
                f"{base}[{length}] is too long (at most {MAX_TEXT_BYTES:,} bytes)",
            )
        return TypeExpr(base, tuple(dims), length)
    if base in AMBIGUOUS:
        raise TypeProblem("invalid-type", f"type '{base}' is {AMBIGUOUS[base]}")
    if base in PLATFORM_SIZED:
        raise TypeProblem(
            "platform-sized-type",
            f"type '{base}' has a different width on different platforms; "
            f"use the fixed-width {PLATFORM_SIZED[base]}",
        )
    canonical = ALIASES.get(base, base)
    if canonical in SCALARS or "." in base or base in known:
        return TypeExpr(canonical, tuple(dims))
    candidates = sorted({*SCALARS, *ALIASES, *TEXT_TYPES, *known})
    raise TypeProblem(
        "unknown-type", f"unknown type '{base}'{_suggest(base, candidates)}"
    )
