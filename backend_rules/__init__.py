"""backend-rules: static analysis for the anti-patterns senior backend reviewers catch by hand."""

__version__ = "0.1.0"

from backend_rules.findings import Finding, FileError  # noqa: E402
from backend_rules.rule import Rule  # noqa: E402
from backend_rules.engine import check_source  # noqa: E402
from backend_rules.runner import check_paths  # noqa: E402

__all__ = ["Finding", "FileError", "Rule", "check_source", "check_paths", "__version__"]
