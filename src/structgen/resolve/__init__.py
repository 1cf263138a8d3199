"""Stage 3: give a set of validated schema files their meaning.

Checks names, resolves field types and cross-file references, rejects pointers, cycles
and bad defaults, lays records out, and builds the frozen model the templates render.
Every problem becomes a located diagnostic; nothing stops at the first one.

One module per concern, in the order :func:`resolve` runs them, all sharing one
:class:`~.state.State`:

- ``names``: record, enum and field names;
- ``imports``: imports between schema files, their cycles, module aliases;
- ``enums``: enum storage types and members;
- ``references``: each field's type, and the records and enums it names;
- ``cycles``: records that hold themselves by value;
- ``order``: layouts, record sizes, the order a module defines its records;
- ``defaults``: defaults checked against their fields, and spelled in Python;
- ``models``: the frozen ``ModuleModel`` the templates render.
"""

from __future__ import annotations

from ..model import ModuleModel
from .cycles import check_cycles
from .defaults import check_defaults
from .enums import check_enum
from .imports import assign_aliases, check_imports
from .models import build_module
from .names import check_names
from .order import check_sizes
from .references import check_record
from .state import RUNTIME_MODULE, Source, State

__all__ = ["RUNTIME_MODULE", "Source", "resolve"]


def resolve(sources: list[Source], broken: set[str] | None = None) -> list[ModuleModel]:
    """Resolve every module of one build together. Raises SchemaError on any problem.

    ``broken`` names modules of the build that failed to load; references to them are
    not reported again.
    """
    state = State({s.module: s for s in sources}, broken or set())
    for module in state.sources:
        check_names(state, module)
    graph = check_imports(state)
    for key in list(state.enums):
        check_enum(state, key)
    for key in list(state.records):
        check_record(state, key)
    check_cycles(state)
    check_sizes(state)
    check_defaults(state)
    state.diag.raise_if_any()
    if state.bad_records or state.broken or any(s.dropped for s in sources):
        return []  # their errors were reported while loading; build nothing
    assign_aliases(state, graph)
    return [build_module(state, module, graph[module]) for module in state.sources]
