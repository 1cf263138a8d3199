"""The frozen model of each module, with every string the templates print decided."""

from __future__ import annotations

import re

from .. import naming
from ..model import EnumModel, FieldModel, ImportModel, ModuleModel, RecordModel
from ..types import SCALARS
from .defaults import python_default
from .imports import PrivateNames, ref, reserved_private_names
from .order import record_layout, record_order
from .state import RUNTIME_MODULE, Field, Key, State

_PLAIN_ANNOTATIONS = {"int": "int", "float": "float", "bool": "bool"}


def field_model(
    state: State,
    key: Key,
    f: Field,
    layout_size: int,
    align: int,
    names: PrivateNames,
) -> FieldModel:
    here, record = key
    base, dims = f.base, f.dims
    label = f"{record}.{f.name}"
    if base.kind in _PLAIN_ANNOTATIONS:
        assert base.scalar is not None
        elem_ctype = f"_ctypes.{base.scalar.ctype}"
        value_ann = input_ann = live_ann = _PLAIN_ANNOTATIONS[base.kind]
        struct_ann = value_ann
        factory = "boolean" if base.kind == "bool" else base.scalar.name
        codec = f'_sg.{factory}("{label}")'
        read: str | None = "{}"
    elif base.kind == "enum":
        assert base.scalar is not None and base.key is not None
        elem_ctype = f"_ctypes.{base.scalar.ctype}"
        enum_ref = ref(state, base.key, here)
        value_ann = live_ann = enum_ref
        input_ann = f"{enum_ref} | int"
        struct_ann = "int"
        codec = f'_sg.enum_of("{label}", {enum_ref})'
        read = None  # the codec's read names the field when memory holds no member
    elif base.kind == "str":
        elem_ctype = f"_ctypes.c_char * {base.length}"
        value_ann = input_ann = live_ann = "str"
        struct_ann = ""
        codec = f'_sg.text("{label}", {base.length})'
        read = None
    elif base.kind == "bytes":
        elem_ctype = f"_ctypes.c_uint8 * {base.length}"
        value_ann = input_ann = live_ann = "bytes"
        struct_ann = ""
        codec = f'_sg.raw_bytes("{label}", {base.length})'
        read = None
    else:
        assert base.key is not None
        elem_ctype = ref(state, base.key, here)
        struct_ann = ""
        value_ann = input_ann = ref(
            state, base.key, here, naming.data_name(base.key[1])
        )
        live_ann = ref(state, base.key, here, naming.view_name(base.key[1]))
        codec = f'_sg.record("{label}", {live_ann}, {value_ann})'
        read = f"{live_ann}._to_data({{}})"
    plain = base.kind in _PLAIN_ANNOTATIONS and not dims
    codec_type = ""  # inferred from the factory, except for arrays (see below)
    codec_name = names.claim(f"_{record}_{f.name}".upper())
    if dims:
        # str/bytes are arrays of bytes already: parenthesise, then add dimensions
        ctype = f"({elem_ctype})" if base.kind in ("str", "bytes") else elem_ctype
        for index, size in enumerate(reversed(dims)):
            ctype = f"({ctype}) * {size}" if index else f"{ctype} * {size}"
        for _ in dims:
            live_ann = f"_sg.ArrayView[{live_ann}, {input_ann}]"
            value_ann = f"tuple[{value_ann}, ...]"
            input_ann = f"_typing.Sequence[{input_ann}]"
        struct_ann = ""
        array_elem = f"({elem_ctype})" if base.kind in ("str", "bytes") else elem_ctype
        codec = f"_sg.array({codec}, {array_elem}, {', '.join(map(str, dims))})"
        codec_type = f"_sg.Codec[{value_ann}, {input_ann}, {live_ann}]"
        read = None
    else:
        ctype = elem_ctype
    if read is None:
        read = f"{codec_name}.read({{}})"
    default = python_default(
        state, base, dims, f.default if f.has_default else None, here
    )
    # A call into another module, or to a ...Data class (linters do not see that it
    # is a frozen dataclass), looks mutable to linters (B008/RUF009): name it.
    calls_import = re.search(r"\b_\w+\.\w+\(|\b\w+Data\(", default) is not None
    return FieldModel(
        name=f.name,
        doc=f.doc,
        kind=base.kind,
        dims=dims,
        ctype=ctype,
        struct_annotation=struct_ann,
        value_annotation=value_ann,
        input_annotation=input_ann,
        live_annotation=live_ann,
        default=default,
        default_name=names.claim(f"{codec_name}_DEFAULT") if calls_import else None,
        codec=codec,
        codec_type=codec_type,
        codec_name=codec_name,
        read=read,
        plain=plain,
        raw_in_view=plain
        and base.kind == "float"
        and base.scalar is not None
        and base.scalar.size == 8,
        int_range=(base.scalar.min, base.scalar.max)
        if plain and base.kind == "int" and base.scalar is not None
        else None,
        view_alias=f"_raw_{f.name}",
        size=layout_size,
        align=align,
        scalar=base.scalar.name if base.scalar is not None else None,
        length=base.length,
        target=base.key,
    )


def build_module(state: State, module: str, imports: list[str]) -> ModuleModel:
    source = state.sources[module]
    schema = source.schema
    depth = module.count(".")
    import_models = []
    enums = []
    for name in schema.enums:
        enum_spec = state.enums[(module, name)]
        members = state.enum_members((module, name))
        default = next((m for m, v in members.items() if v == 0), next(iter(members)))
        scalar = SCALARS[enum_spec.type]
        enums.append(
            EnumModel(
                name,
                enum_spec.doc,
                scalar.name,
                f"_ctypes.{scalar.ctype}",
                tuple(members.items()),
                default,
            )
        )
    aliases = state.aliases.get(module, {})
    names = PrivateNames(reserved_private_names(schema) | set(aliases.values()))
    records = []
    for name in record_order(state, module):
        key = (module, name)
        layout = record_layout(state, key)
        maker = names.claim(f"_NEW_{name.upper()}_DATA")
        view_base = f"{naming.view_name(name)}Base"  # reserved above for this record
        fields = tuple(
            field_model(state, key, f, fl.size, fl.align, names)
            for f, fl in zip(state.fields[key], layout.fields, strict=True)
        )
        spec = state.records[key]
        records.append(
            RecordModel(
                name=name,
                doc=spec.doc,
                pack=spec.pack,
                fields=fields,
                layout=layout,
                data_name=naming.data_name(name),
                shared_name=naming.shared_name(name),
                shared_array_name=naming.shared_array_name(name),
                view_name=naming.view_name(name),
                maker_name=maker,
                view_base=view_base,
            )
        )
    for target in sorted(set(imports) | state.used.get(module, set())):
        package, _, leaf = target.rpartition(".")
        dots = "." * (depth + 1)
        import_models.append(
            ImportModel(
                target, f"from {dots}{package} import {leaf} as {aliases[target]}"
            )
        )
    exports = sorted(
        [e.name for e in enums]
        + [n for rec in records for n in (rec.name, *naming.generated_names(rec.name))]
    )
    return ModuleModel(
        name=module,
        source=source.path,
        display=source.doc.file,
        banner_name=source.banner_name,
        doc=schema.doc,
        imports=tuple(import_models),
        runtime_import=f"from {'.' * (depth + 1)} import {RUNTIME_MODULE} as _sg",
        enums=tuple(enums),
        records=tuple(records),
        exports=tuple(exports),
    )
