"""Which DRF serializers a project writes with, and which forms only its admin uses: index facts.

A serializer takes client data when it is the ``serializer_class`` of a view that creates or
updates (``ModelViewSet``, ``CreateAPIView``, ``UpdateModelMixin``...), is built with
``data=`` (``UserSerializer(data=request.data)``), or is returned by ``get_serializer_class`` of
such a view. One that is only used to render (``ReadOnlyModelViewSet``, ``X(instance)``) does not.
A form named as ``form``/``add_form`` of a ``ModelAdmin`` serves staff, who may edit every field.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.project_facts import fact_collector

WRITING_VIEWS = {
    "ModelViewSet", "CreateAPIView", "UpdateAPIView", "ListCreateAPIView", "RetrieveUpdateAPIView",
    "RetrieveUpdateDestroyAPIView", "CreateModelMixin", "UpdateModelMixin",
}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _serializer_names(node: ast.AST | None) -> set[str]:
    """Class names a ``serializer_class = ...`` value or a returned value can stand for."""
    if node is None:
        return set()
    return {_name(n) for n in ast.walk(node) if isinstance(n, (ast.Name, ast.Attribute)) and "Serializer" in _name(n)}


ADMIN_FORM_ATTRIBUTES = {"form", "add_form", "change_form", "change_password_form"}


def _admin_forms(node: ast.ClassDef) -> set[str]:
    """Forms a ``ModelAdmin`` (or another ``*Admin`` class) is given."""
    if not any("Admin" in _name(base) for base in node.bases):
        return set()
    found = set()
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id in ADMIN_FORM_ATTRIBUTES for t in stmt.targets):
            found.add(_name(stmt.value))
    return found - {""}


def collect_form_usage(tree: ast.Module, module: str) -> dict[str, Any]:
    """``{"w": [...], "u": [...], "a": [...]}``: serializers used to write, every serializer used at
    all, and forms given to an admin class."""
    writes: set[str] = set()
    used: set[str] = set()
    admin: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if "Serializer" in name or name == "get_serializer":
                if name != "get_serializer":
                    used.add(name)
                takes_data = any(kw.arg == "data" for kw in node.keywords) or len(node.args) >= 2
                if takes_data and name != "get_serializer":
                    writes.add(name)
        elif isinstance(node, ast.ClassDef):
            _view_class(node, writes, used)
            admin |= _admin_forms(node)
    facts: dict[str, Any] = {"w": sorted(writes), "u": sorted(used | writes)} if used or writes else {}
    if admin:
        facts["a"] = sorted(admin)
    return facts


def _view_class(node: ast.ClassDef, writes: set[str], used: set[str]) -> None:
    bases = {_name(b) for b in node.bases}
    writable = bool(bases & WRITING_VIEWS)
    named: set[str] = set()
    for stmt in node.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "serializer_class" for t in stmt.targets):
            named |= _serializer_names(stmt.value)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if stmt.name == "get_serializer_class":
                for inner in ast.walk(stmt):
                    if isinstance(inner, ast.Return):
                        named |= _serializer_names(inner.value)
            if _calls_get_serializer_with_data(stmt):
                writable = True
            for decorator in stmt.decorator_list:  # @action(methods=["post"], serializer_class=X)
                if isinstance(decorator, ast.Call) and _name(decorator.func) == "action":
                    action_named = set()
                    for kw in decorator.keywords:
                        if kw.arg == "serializer_class":
                            action_named = _serializer_names(kw.value)
                    used.update(action_named)
                    if _writes_by_method(decorator):
                        writes.update(action_named)
    used.update(named)
    if writable:
        writes.update(named)


def _calls_get_serializer_with_data(func: ast.AST) -> bool:
    return any(
        isinstance(n, ast.Call) and _name(n.func) == "get_serializer" and any(kw.arg == "data" for kw in n.keywords)
        for n in ast.walk(func)
    )


def _writes_by_method(decorator: ast.Call) -> bool:
    for kw in decorator.keywords:
        if kw.arg == "methods":
            return any(
                isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value.lower() in {"post", "put", "patch"}
                for n in ast.walk(kw.value)
            )
    return False


@fact_collector("form_usage", trigger=r"Serializer|Admin")
def _collect_form_usage(tree: ast.Module, module: str) -> dict[str, Any]:
    return collect_form_usage(tree, module)
