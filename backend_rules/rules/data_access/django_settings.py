"""Django settings the data-access rules depend on, read from the project's settings modules.

Whether DRF paginates list views by default (``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``) and
whether every request runs in one transaction (``ATOMIC_REQUESTS``). Settings are plain literals
in almost every project, so a look at assignments and dict displays is enough; a value that
cannot be read counts as set.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.project_facts import fact_collector

SETTINGS_TRIGGER = r"INSTALLED_APPS|REST_FRAMEWORK|ATOMIC_REQUESTS|DEFAULT_PAGINATION_CLASS"


def _is_false(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in (False, None, 0)


def _target_names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return [node.slice.value]
    return []


@fact_collector("django_settings", trigger=SETTINGS_TRIGGER)
def collect_settings(tree: ast.Module, module: str) -> dict[str, Any]:
    """``{"installed_apps": True, "rest_framework": True, "pagination": "x.Pagination" | "?",
    "atomic_requests": True}``, each key present only when seen."""
    facts: dict[str, Any] = {}

    def setting(name: str, value: ast.AST) -> None:
        if name == "INSTALLED_APPS":
            facts["installed_apps"] = True
        elif name == "REST_FRAMEWORK":
            facts["rest_framework"] = True
            if isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        setting(key.value, item)
        elif name == "DEFAULT_PAGINATION_CLASS":
            if not _is_false(value):
                text = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else "?"
                facts["pagination"] = text
        elif name == "ATOMIC_REQUESTS" and not _is_false(value):
            facts["atomic_requests"] = True

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                for name in _target_names(target):
                    setting(name, node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            for name in _target_names(node.target):
                setting(name, node.value)
        elif isinstance(node, ast.Dict):
            for key, item in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and key.value in ("ATOMIC_REQUESTS", "DEFAULT_PAGINATION_CLASS"):
                    setting(key.value, item)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "update":
            # REST_FRAMEWORK.update({...})
            owner = node.func.value
            if isinstance(owner, ast.Name) and owner.id == "REST_FRAMEWORK" and node.args:
                setting("REST_FRAMEWORK", node.args[0])
    return facts


def project_settings(project: Any) -> dict[str, Any] | None:
    """The settings facts of the whole project merged, or None when no settings module was seen."""
    if project is None:
        return None
    merged: dict[str, Any] = {}
    for facts in project.facts("django_settings").values():
        merged.update(facts)
    return merged or None
