"""References: each field's type, and the records and enums it names."""

from __future__ import annotations

from ..schema import FieldSpec
from ..types import SCALARS, TypeProblem, parse_type
from .names import check_field_name, taken_by_schema
from .state import Base, Field, Key, State

VALID_PACKS = (1, 2, 4, 8, 16)


def resolve_type(
    state: State,
    module: str,
    record: str,
    fname: str,
    spelling: str,
    path: tuple[str | int, ...],
) -> tuple[Base, tuple[int, ...]] | None:
    """The element type and dimensions ``spelling`` means in ``module``, or None.

    None after reporting the problem, or silently when the problem is reported elsewhere
    (a module that failed to load, a malformed definition).
    """
    sources = state.sources
    schema = sources[module].schema
    imports = set(schema.imports)
    known = [*schema.records, *schema.enums, *sources[module].dropped]
    for target in imports:
        if target in sources:
            other = sources[target]
            names = (*other.schema.records, *other.schema.enums, *other.dropped)
            known += [f"{target}.{n}" for n in names]
    where = f"field '{record}.{fname}'"
    try:
        expr = parse_type(spelling, known)
    except TypeProblem as problem:
        if problem.code == "pointer-field":
            text = problem.message
            bare = text in ("str", "bytes")
            why = (
                f"has type '{text}' without a length, which would need a pointer"
                if bare
                else f"has pointer type '{text}'"
            )
            state.error(
                module,
                path,
                "pointer-field",
                f"{where} {why}; a pointer is an address in one process and means "
                "nothing in another; use 'str[N]' or 'bytes[N]' for text and data, "
                "or an index into a shared array",
            )
        else:
            state.error(module, path, problem.code, f"{where}: {problem.message}")
        return None
    if expr.base in ("str", "bytes"):
        return Base(expr.base, length=expr.length or 0), expr.dims
    if expr.base in SCALARS:
        scalar = SCALARS[expr.base]
        return Base(scalar.kind, scalar=scalar), expr.dims
    target_module, _, name = expr.base.rpartition(".")
    target_module = target_module or module
    if target_module in state.broken:
        return None
    if target_module != module and target_module not in imports:
        hint = (
            f"; add '{target_module}' to 'imports:'" if target_module in sources else ""
        )
        state.error(
            module,
            path,
            "unknown-type",
            f"{where}: unknown type '{expr.base}'{hint}",
        )
        return None
    key = (target_module, name)
    if key in state.enums:
        storage = SCALARS.get(state.enums[key].type)
        if storage is None:
            return None  # the enum's storage type already has its own error
        return Base("enum", scalar=storage, key=key), expr.dims
    if key in state.records:
        return Base("record", key=key), expr.dims
    if target_module in sources and (
        name in sources[target_module].schema.records
        or name in sources[target_module].schema.enums
        or name in sources[target_module].dropped
    ):
        return None  # that definition already has its own error
    state.error(module, path, "unknown-type", f"{where}: unknown type '{expr.base}'")
    return None


def check_record(state: State, key: Key) -> None:
    """Check a record's pack and field names; resolve its fields into ``state.fields``.

    A record with a field whose type cannot be resolved joins ``state.bad_records``.
    """
    module, name = key
    spec = state.records[key]
    base = ("records", name)
    if spec.pack is not None and spec.pack not in VALID_PACKS:
        state.error(
            module,
            (*base, "pack"),
            "invalid-pack",
            f"record '{name}' pack {spec.pack} must be one of 1, 2, 4, 8, 16",
        )
    taken = taken_by_schema(state, module)
    fields: list[Field] = []
    for fname, raw in spec.fields.items():
        path = (*base, "fields", fname)
        check_field_name(state, module, name, fname, path, taken)
        type_path: tuple[str | int, ...]
        if isinstance(raw, FieldSpec):
            spelling, type_path = raw.type, (*path, "type")
        else:
            spelling, type_path = raw, path
        resolved = resolve_type(state, module, name, fname, spelling, type_path)
        if resolved is None:
            state.bad_records.add(key)
            continue
        field_base, dims = resolved
        has_default = isinstance(raw, FieldSpec) and "default" in raw.model_fields_set
        default = raw.default if isinstance(raw, FieldSpec) else None
        doc = raw.doc if isinstance(raw, FieldSpec) else None
        fields.append(Field(fname, doc, field_base, dims, default, has_default))
    state.fields[key] = fields
