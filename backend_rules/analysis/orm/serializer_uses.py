"""How each DRF serializer of the project is used: for many objects, for one, or in a way we cannot tell.

A ``SerializerMethodField`` that queries runs once per object only when the serializer serializes
a list: ``many=True``, a list view's ``serializer_class``, a field nested with ``many=True``. A
serializer used only by single-object views (``RetrieveAPIView``, ``Serializer(obj)``) runs it
once per request. Facts per module: ``uses`` [[serializer, "many"|"one"|"unknown"]] and ``bases``
{serializer class: its bases}, so a subclass's use counts for the methods it inherits.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.orm.chains import name_of
from backend_rules.analysis.project_facts import fact_collector

LIST_VIEWS = {"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "ListModelMixin",
              "GenericViewSet", "ViewSet", "ViewSetMixin"}
ONE_VIEWS = {"RetrieveAPIView", "RetrieveUpdateAPIView", "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView",
             "UpdateAPIView", "CreateAPIView", "DestroyAPIView", "RetrieveModelMixin", "UpdateModelMixin",
             "CreateModelMixin", "DestroyModelMixin"}


def _last(node: ast.AST | None) -> str:
    return (name_of(node) or "").split(".")[-1] if node is not None else ""


def _is_serializer_name(name: str) -> bool:
    return name.endswith("Serializer") and name[:1].isupper()


def _view_kind(bases: list[str]) -> str:
    if any(b in LIST_VIEWS for b in bases):
        return "many"
    if bases and all(b in ONE_VIEWS or b.endswith("Mixin") for b in bases) and any(b in ONE_VIEWS for b in bases):
        return "one"
    return "unknown"


def collect_serializer_uses(tree: ast.Module, module: str) -> dict[str, Any]:
    uses: list[list[str]] = []
    bases: dict[str, list[str]] = {}
    counted: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            names = [_last(b) for b in node.bases]
            counted.update(id(n) for b in node.bases for n in ast.walk(b))
            if _is_serializer_name(node.name) or any(_is_serializer_name(b) for b in names):
                bases[node.name] = [b for b in names if b]
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "serializer_class" for t in stmt.targets):
                    serializer = _last(stmt.value)
                    if _is_serializer_name(serializer):
                        uses.append([serializer, _view_kind(names)])
                        counted.add(id(stmt.value))
        elif isinstance(node, ast.Call):
            serializer = _last(node.func)
            if not _is_serializer_name(serializer):
                continue
            counted.add(id(node.func))
            many = next((kw.value for kw in node.keywords if kw.arg == "many"), None)
            if many is None:
                uses.append([serializer, "one"])
            elif isinstance(many, ast.Constant) and many.value is False:
                uses.append([serializer, "one"])
            else:
                uses.append([serializer, "many"])
        elif isinstance(node, (ast.arg, ast.AnnAssign)) and node.annotation is not None:
            counted.update(id(n) for n in ast.walk(node.annotation))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            counted.update(id(n) for n in ast.walk(node.returns))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            counted.add(id(node.value))  # ``FooSerializer.Meta.model``: reading the class, not using it
    # any other mention (a dict of serializers per action, get_serializer_class() returning it): unknown
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in counted and isinstance(getattr(node, "ctx", None), ast.Load):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if _is_serializer_name(name):
                uses.append([name, "unknown"])
    out: dict[str, Any] = {}
    if uses:
        unique: list[list[str]] = []
        for use in uses:
            if use not in unique:
                unique.append(use)
        out["uses"] = unique
    if bases:
        out["bases"] = bases
    return out


@fact_collector("serializer_uses", trigger=r"Serializer\b")
def _collect(tree: ast.Module, module: str) -> dict[str, Any]:
    return collect_serializer_uses(tree, module)


def serializer_kinds(per_module: dict[str, dict[str, Any]], serializer: str) -> set[str]:
    """How ``serializer`` and its subclasses are used across the project ("many", "one", "unknown")."""
    children: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for facts in per_module.values():
        for child, parents in (facts.get("bases") or {}).items():
            for parent in parents:
                children.setdefault(parent, set()).add(child)
        for name, kind in facts.get("uses") or []:
            uses.setdefault(name, set()).add(kind)
    kinds: set[str] = set()
    pending, seen = [serializer], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        kinds |= uses.get(name, set())
        pending.extend(children.get(name, ()))
    return kinds
