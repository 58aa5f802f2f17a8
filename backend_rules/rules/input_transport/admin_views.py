"""Whether the code being checked only serves administrators (who may set privileged fields).

``@admin_required``/``@staff_member_required``/``@admins_only``, DRF ``permission_classes =
[IsAdminUser]``, or an ``if not current_user.is_admin: abort(403)`` guard in the function.
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.walk import find

ADMIN_WORDS = re.compile(r"admin|staff|superuser", re.IGNORECASE)
USER_WORDS = re.compile(r"\buser\b|current_user|request\.user|g\.user|\.user\b|\bme\b", re.IGNORECASE)


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _guarded(func: cst.FunctionDef) -> bool:
    """An ``if``/``assert`` on the current user's admin or staff flag inside the function."""
    def guard(node: cst.CSTNode) -> bool:
        test = node.test if isinstance(node, (cst.If, cst.Assert)) else None
        if test is None:
            return False
        text = _code(test)
        return bool(ADMIN_WORDS.search(text) and USER_WORDS.search(text))

    return find(func.body, guard) is not None


def admin_only(stack: list[cst.CSTNode]) -> bool:
    """Some enclosing function or class on ``stack`` is restricted to administrators."""
    for parent in stack:
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)):
            if any(ADMIN_WORDS.search(_code(d.decorator)) for d in parent.decorators):
                return True
        if isinstance(parent, cst.ClassDef):
            permissions = find(parent.body, lambda n: isinstance(n, cst.Assign) and any(
                isinstance(t.target, cst.Name) and t.target.value == "permission_classes" for t in n.targets))
            if permissions is not None and ADMIN_WORDS.search(_code(permissions)):
                return True
        if isinstance(parent, cst.FunctionDef) and _guarded(parent):
            return True
    return False
