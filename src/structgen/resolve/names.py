"""Names of records, enums and fields: valid, not reserved, not colliding."""

from __future__ import annotations

from .. import naming
from ..types import ALIASES, PLATFORM_SIZED, POINTER_NAMES, SCALARS, TEXT_TYPES
from .state import State


def check_names(state: State, module: str) -> None:
    """Report bad record and enum names of ``module``; enter the good ones."""
    schema = state.sources[module].schema
    records, enums = list(schema.records), list(schema.enums)
    generated: dict[str, str] = {}
    for record in records:
        for derived in naming.generated_names(record):
            if derived in generated:  # e.g. records Shared and Data: SharedData
                state.error(
                    module,
                    ("records", record),
                    "name-collision",
                    f"record '{record}' would generate '{derived}', which record "
                    f"'{generated[derived]}' generates too; rename one of them",
                    key=True,
                )
            generated.setdefault(derived, record)
    type_words = {*SCALARS, *ALIASES, *TEXT_TYPES, *PLATFORM_SIZED, *POINTER_NAMES}
    for section, names in (("enums", enums), ("records", records)):
        what = "enum" if section == "enums" else "record"
        for name in names:
            path = (section, name)
            problem = naming.identifier_problem(name)
            if problem:
                state.error(
                    module,
                    path,
                    "invalid-name",
                    f"{what} name '{name}' {problem}",
                    key=True,
                )
            elif name in (
                naming.SHADOWED_BUILTINS
                | naming.CALLED_BUILTINS
                | naming.GENERATED_LOCALS
                | naming.MODULE_NAMES
            ):
                state.error(
                    module,
                    path,
                    "reserved-name",
                    f"{what} name '{name}' would shadow "
                    f"{naming.shadowed(name)} that generated code uses",
                    key=True,
                )
            elif name in type_words:
                state.error(
                    module,
                    path,
                    "reserved-name",
                    f"{what} name '{name}' is the name of a built-in type; a field "
                    f"of type '{name}' would mean that type",
                    key=True,
                )
            elif name in generated:
                state.error(
                    module,
                    path,
                    "name-collision",
                    f"{what} name '{name}' collides with the generated class "
                    f"'{name}' of record '{generated[name]}'",
                    key=True,
                )
            elif section == "records" and name in enums:
                state.error(
                    module,
                    path,
                    "duplicate-name",
                    f"'{name}' is defined both as an enum and as a record",
                    key=True,
                )
            else:
                key = (module, name)
                if section == "enums":
                    state.enums[key] = schema.enums[name]
                else:
                    state.records[key] = schema.records[name]


def taken_by_schema(state: State, module: str) -> set[str]:
    """Names a field of ``module`` may not take: its records, enums, generated classes.

    Generated code names imported modules by a private alias, so only records and enums
    of this schema can be shadowed by a field.
    """
    schema = state.sources[module].schema
    taken = {*schema.records, *schema.enums}
    taken |= {n for record in schema.records for n in naming.generated_names(record)}
    return taken


def check_field_name(
    state: State,
    module: str,
    record: str,
    fname: str,
    path: tuple[str | int, ...],
    taken: set[str],
) -> None:
    """Report the field name ``record.fname`` if generated code could not use it."""
    label = f"field name '{record}.{fname}'"
    problem = naming.identifier_problem(fname)
    if problem:
        state.error(module, path, "invalid-name", f"{label} {problem}", key=True)
    elif fname in naming.RESERVED_FIELD_NAMES:
        state.error(
            module,
            path,
            "reserved-name",
            f"{label} collides with the generated member "
            f"'Shared{record}.{fname}'; choose another name",
            key=True,
        )
    elif fname in naming.STRUCTURE_MEMBERS:
        state.error(
            module,
            path,
            "reserved-name",
            f"{label} collides with the ctypes.Structure "
            f"method '{record}.{fname}'; choose another name",
            key=True,
        )
    elif fname in naming.SHADOWED_BUILTINS or fname == naming.SCRATCH_LOCAL:
        state.error(
            module,
            path,
            "reserved-name",
            f"{label} would shadow {naming.shadowed(fname)} that generated code uses",
            key=True,
        )
    elif fname in taken:
        state.error(
            module,
            path,
            "name-collision",
            f"{label} is also the name of a record, enum "
            "or generated class of this schema; generated code could not tell "
            "them apart",
            key=True,
        )
