"""``python -m backend_rules`` is the CLI."""

import sys

from backend_rules.cli import main

sys.exit(main())
