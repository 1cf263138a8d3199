"""Imports between schema files: checks, cycles, and how one module names another."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter

from .. import naming
from ..schema import SchemaFile
from .state import Key, State

# Private names generated code defines itself: module aliases of the standard library
# and the runtime, and attributes of the generated classes (seen in class bodies).
GENERATED_PRIVATE_NAMES = frozenset(
    {
        "_sg",
        "_ctypes",
        "_dataclasses",
        "_enum",
        "_typing",
        "_struct",
        "_view",
        "_codec",
        "_obj",
        "_lock",
        "_acquire",
        "_release",
        "_memory",
        "_updater",
        "_live",
        "_item_size",
        "_to_data",
        "_store",
    }
)


def check_imports(state: State) -> dict[str, list[str]]:
    """Report bad imports and import cycles; return each module's sound imports."""
    graph: dict[str, list[str]] = {}
    for module, source in state.sources.items():
        deps: list[str] = []
        for index, target in enumerate(source.schema.imports):
            path = ("imports", index)
            if target in state.broken:
                continue
            if target == module:
                state.error(
                    module, path, "invalid-import", f"'{module}' imports itself"
                )
            elif target not in state.sources:
                known = ", ".join(sorted(m for m in state.sources if m != module))
                state.error(
                    module,
                    path,
                    "unknown-import",
                    f"import '{target}' names no schema of this build "
                    f"(imports are paths relative to the schema root, dotted, "
                    f"without extension; known: {known or 'none'})",
                )
            elif target in deps:
                state.error(
                    module, path, "duplicate-import", f"'{target}' imported twice"
                )
            else:
                deps.append(target)
        graph[module] = deps
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = list(exc.args[1])
        first = cycle[-1]
        index = state.sources[first].schema.imports.index(cycle[-2])
        state.error(
            first,
            ("imports", index),
            "import-cycle",
            "schema imports form a cycle: " + " -> ".join(reversed(cycle)),
        )
    return graph


def reserved_private_names(schema: SchemaFile) -> set[str]:
    return set(GENERATED_PRIVATE_NAMES) | {
        n
        for record in schema.records
        for n in (naming.view_name(record), f"{naming.view_name(record)}Base")
    }


class PrivateNames:
    """Hands out module-level private names, never the same one twice."""

    def __init__(self, taken: set[str]) -> None:
        self.taken = set(taken)

    def claim(self, wanted: str) -> str:
        name, number = wanted, 1
        while name in self.taken:
            number += 1
            name = f"{wanted}_{number}"
        self.taken.add(name)
        return name


def assign_aliases(state: State, graph: dict[str, list[str]]) -> None:
    """Give each module a private alias for every module it can reach by imports.

    A default can name an enum two imports away, so reachable, not only direct,
    modules may be referred to; aliases never meet the generated code's own names.
    """
    for module in state.sources:
        reachable: set[str] = set()
        pending = list(graph.get(module, []))
        while pending:
            target = pending.pop()
            if target not in reachable and target in state.sources:
                reachable.add(target)
                pending += graph.get(target, [])
        names = PrivateNames(reserved_private_names(state.sources[module].schema))
        state.aliases[module] = {
            target: names.claim(naming.import_alias(target))
            for target in sorted(reachable)
        }


def ref(state: State, key: Key, here: str, name: str | None = None) -> str:
    """How module ``here`` spells ``name`` (default: the record) of ``key``.

    Notes the module referred to in ``state.used``, so that ``here`` imports it.
    """
    module, record = key
    name = name or record
    if module == here:
        return name
    state.used.setdefault(here, set()).add(module)
    return f"{state.aliases[here][module]}.{name}"
