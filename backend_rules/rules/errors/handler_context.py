"""What surrounds a leak: whether the ``except`` block logs already, and whether only
administrators can reach the view (then the details are theirs to read)."""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.admin_views import admin_only, admin_path
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import find

LOG_METHODS = {"exception", "error", "warning", "warn", "critical", "info", "debug", "log", "capture_exception"}


def handler_logs(stack: list[cst.CSTNode]) -> bool:
    """The enclosing ``except`` block logs (``logger.exception(...)``, ``log.error(e)``,
    sentry's ``capture_exception()``)."""
    handler = next((n for n in reversed(stack) if isinstance(n, cst.ExceptHandler)), None)
    if handler is None:
        return False

    def logs(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
            return node.func.value in {"capture_exception", "log_exception"}  # sentry_sdk's, imported
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return False
        receiver = (dotted_name(node.func.value) or "").split(".")[-1].lower()
        return node.func.attr.value in LOG_METHODS and ("log" in receiver or receiver in {"logging", "sentry_sdk"})

    return find(handler.body, logs) is not None


def for_administrators(context) -> bool:
    """An admin-only view (``@admin_required``, a class on an admin base, ``backoffice/``)."""
    path = context.options.get("relative_path", "") or ""
    return admin_path(path) or admin_only(context.stack)
