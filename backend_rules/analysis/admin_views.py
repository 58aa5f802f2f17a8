"""Whether the code being checked only serves administrators (who may set privileged fields and
may read an error's details).

``@admin_required``/``@staff_member_required``/``@admins_only``, DRF ``permission_classes =
[IsAdminUser]``, a class deriving (here or through a class of this module) from an admin base
(``class RHSettings(RHAdminBase)``), an ``if not current_user.is_admin: abort(403)`` guard in the
function, or a module of an admin application (``backoffice/``, ``admin/``).
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.imports import dotted_name
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


ADMIN_DIRECTORIES = {"backoffice", "admin", "admins", "staff", "superadmin", "adminpanel", "admin_panel"}


def admin_path(relative_path: str) -> bool:
    """A module of an admin application: a ``backoffice/`` or ``admin/`` directory."""
    parts = relative_path.replace("\\", "/").lower().split("/")[:-1]
    return bool(ADMIN_DIRECTORIES.intersection(parts))


def _admin_class(cls: cst.ClassDef, classes: dict[str, cst.ClassDef], depth: int = 0) -> bool:
    """``class RHCephalopod(RHCephalopodBase)`` with ``class RHCephalopodBase(RHAdminBase)``."""
    for base in cls.bases:
        name = dotted_name(base.value) or ""
        if ADMIN_WORDS.search(name.split(".")[-1]):
            return True
        parent = classes.get(name)
        if parent is not None and parent is not cls and depth < 8 and _admin_class(parent, classes, depth + 1):
            return True
    return False


def admin_only(stack: list[cst.CSTNode]) -> bool:
    """Some enclosing function or class on ``stack`` is restricted to administrators."""
    module = stack[0] if stack and isinstance(stack[0], cst.Module) else None
    classes = {s.name.value: s for s in module.body if isinstance(s, cst.ClassDef)} if module is not None else {}
    for parent in stack:
        if isinstance(parent, cst.ClassDef) and _admin_class(parent, classes):
            return True
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
