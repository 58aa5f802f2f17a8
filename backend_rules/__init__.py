"""backend-rules: static analysis for the anti-patterns senior backend reviewers catch by hand.

The public API is imported lazily: the flake8 plugin and ``backend-rules --help`` must not pay
for libcst and every rule before they know they need them.
"""

from __future__ import annotations

from typing import Any

from backend_rules.version import __version__

__all__ = ["Finding", "FileError", "Rule", "check_source", "check_paths", "__version__"]

_LAZY = {
    "Finding": "backend_rules.engine.findings",
    "FileError": "backend_rules.engine.findings",
    "Rule": "backend_rules.rule",
    "check_source": "backend_rules.engine.checker",
    "check_paths": "backend_rules.engine.runner",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'backend_rules' has no attribute {name!r}")
