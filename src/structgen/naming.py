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
        "self",  # the first parameter of every generated method
    }
)

# Methods every ctypes.Structure has; a field of that name would replace the method on
# the generated Structure, and sharing it (``RawValue`` calls ``from_buffer``) breaks.
STRUCTURE_MEMBERS = frozenset(
    {"from_address", "from_buffer", "from_buffer_copy", "from_param", "in_dll"}
)

# Builtins that generated annotations use; a field of that name would shadow them.
SHADOWED_BUILTINS = frozenset({"bool", "bytes", "float", "int", "str", "tuple"})

# IntEnum members with these names would hide Enum's own attributes.
RESERVED_ENUM_MEMBERS = frozenset({"name", "value", "mro"})


def identifier_problem(name: str) -> str | None:
    """Why ``name`` cannot be used as a generated Python name, or None if it can."""
    if not name.isidentifier() or not name.isascii():
        return (
            "is not a valid identifier "
            "(letters, digits and '_', not starting with a digit)"
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
