"""``python -m structgen``: the same as the ``structgen`` command."""

from .cli import main

raise SystemExit(main())
