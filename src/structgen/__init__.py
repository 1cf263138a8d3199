"""structgen: typed shared-struct schema generator.

YAML schemas in, Python modules out: ctypes Structures, frozen ``...Data`` values and
typed, synchronized ``Shared...`` records for multiprocessing.
"""

from __future__ import annotations

__version__ = "0.1.0"

from .api import build, load
from .errors import Diagnostic, SchemaError

__all__ = ["Diagnostic", "SchemaError", "__version__", "build", "load"]
