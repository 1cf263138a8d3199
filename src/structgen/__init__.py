"""structgen: typed shared-struct schema generator.

YAML schemas in, Python modules out: ctypes Structures, frozen ``...Data`` values and
typed, synchronized ``Shared...`` records for multiprocessing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

from .errors import Diagnostic, SchemaError

if TYPE_CHECKING:
    from .api import build, load

__all__ = ["Diagnostic", "SchemaError", "__version__", "build", "load"]


def __getattr__(name: str) -> Any:
    # imported on first use: a command that finds nothing to do (an up-to-date
    # build) never loads the compiler and its libraries
    if name in ("build", "load"):
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
