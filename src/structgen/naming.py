"""Identifier rules and every name the generator derives from a schema name."""

from __future__ import annotations

import keyword

# Members of the generated Shared... classes; a field of such a name would hide one.
RESERVED_FIELD_NAMES = frozenset(
    {
        "update",
        "snapshot",
        "assign",
        "set",
        "get_lock",
        "get_obj",
        "from_value",
        "lock",
        "ctx",
        # named records (SPEC section 6): methods, and parameters of create()
        "create",
        "attach",
        "close",
        "unlink",
        "cls",  # the first parameter of create()
        # bulk data (SPEC section 7)
        "numpy",
        "to_numpy",
        "assign_numpy",
        "dtype",
        "self",  # the first parameter of every generated method
    }
)

# Methods every ctypes.Structure has; a field of that name would replace the method on
# the generated Structure, and sharing it (``RawValue`` calls ``from_buffer``) breaks.
STRUCTURE_MEMBERS = frozenset(
    {"from_address", "from_buffer", "from_buffer_copy", "from_param", "in_dll"}
)

# Builtins that generated code uses (annotations, decorators, except clauses); a field,
# record or enum of that name would shadow them.
SHADOWED_BUILTINS = frozenset(
    {
        "bool",
        "bytes",
        "float",
        "int",
        "str",
        "tuple",
        "object",
        "property",
        "staticmethod",
        "classmethod",
        "super",
        "OverflowError",
        "TypeError",
    }
)

# Builtins that generated methods call but whose names are never parameters there; only
# a record or enum (a module global) of that name would shadow them.
CALLED_BUILTINS = frozenset({"type"})

# Local names of generated methods: a record or enum (a global read there) of the same
# name would be hidden by them.
GENERATED_LOCALS = frozenset({"scratch", "raw", "data", "value", "self"})
# ...and the one local that shares a scope with fields as parameters (__init__, set).
SCRATCH_LOCAL = "scratch"

# Public names every generated module binds at module level (``from __future__ import
# annotations``); a record or enum of that name would rebind it. (Everything else a
# module binds at its top level is private: ``_sg``, ``_ctypes``, ``__all__``, ...)
MODULE_NAMES = frozenset({"annotations"})

# IntEnum members with these names would hide Enum's own attributes.
RESERVED_ENUM_MEMBERS = frozenset({"name", "value", "mro"})


def shadowed(name: str) -> str:
    """How a message names the builtin or local ``name`` that would be shadowed."""
    if name in {"bool", "bytes", "float", "int", "str", "tuple", "object"}:
        return f"the builtin type '{name}'"
    if name in SHADOWED_BUILTINS | CALLED_BUILTINS:
        return f"the builtin '{name}'"
    if name in MODULE_NAMES:
        return f"the module-level name '{name}' (from __future__ import {name})"
    return f"the name '{name}'"


def identifier_problem(name: str) -> str | None:
    """Why ``name`` cannot be used as a generated Python name, or None if it can."""
    if not name.isascii():
        other = next(c for c in name if not c.isascii())
        return (
            f"is not a valid identifier: {other!r} is not ASCII (names are ASCII "
            "letters, digits and '_', not starting with a digit)"
        )
    if not name.isidentifier():
        return (
            "is not a valid identifier "
            "(ASCII letters, digits and '_', not starting with a digit)"
        )
    if keyword.iskeyword(name):
        return "is a Python keyword"
    if name.startswith("_"):
        return "starts with '_', which generated code reserves for private names"
    return None


def data_name(record: str) -> str:
    return f"{record}Data"


def shared_name(record: str) -> str:
    return f"Shared{record}"


def shared_array_name(record: str) -> str:
    return f"Shared{record}Array"


def view_name(record: str) -> str:
    return f"_{record}View"


def generated_names(record: str) -> tuple[str, ...]:
    """Public module-level names generated for a record, besides the record itself."""
    return (data_name(record), shared_name(record), shared_array_name(record))


def import_alias(module: str) -> str:
    """Module-level name under which a generated module imports another one."""
    return "_" + module.replace(".", "_")
