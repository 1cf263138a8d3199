"""Lay generated Python out exactly as ``ruff format`` would, without running ruff.

The templates write every statement on one line (or exploded, with a magic trailing
comma, where ruff keeps it so). A statement that fits in the line limit as written is
kept as it is; any other one is parsed (the small expression grammar generated code
uses) into ruff's layout document -- groups that break when they do not fit, soft line
breaks, trailing commas that appear only in a broken group, best-fit parentheses -- and
printed by the same measuring rules as ruff's printer. ``ruff format --check`` over
every golden case, ``generated/`` and the property tests' schema sets proves it.

Also here: isort's order of the imports of other schema modules (ruff's ``I`` rule) and
the isort-style order of ``__all__`` (ruff's ``RUF022``).
"""

from __future__ import annotations

from .doc import LINE_LIMIT, width
from .module import format_module
from .order import RelativeImport, dunder_all_order, import_block

__all__ = [
    "LINE_LIMIT",
    "RelativeImport",
    "dunder_all_order",
    "format_module",
    "import_block",
    "width",
]
