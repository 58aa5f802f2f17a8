"""DRF: a ``SerializerMethodField`` runs once per object of a ``many=True`` serializer.

A query on the object's relations there is one query per serialized object.
"""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import literal_str
from backend_rules.analysis.orm.serializer_uses import serializer_kinds
from backend_rules.analysis.orm.vocabulary import ALWAYS_QUERY
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.relation_access import NOT_RELATION, ItemAccess


def _serializer_object(rule: Rule, func: cst.FunctionDef) -> str | None:
    """The object parameter of ``get_<field>(self, obj)`` in a DRF serializer class, else None."""
    if not func.name.value.startswith("get_") or len(func.params.params) != 2:
        return None
    stack = rule.context.stack
    klass = stack[-2] if len(stack) >= 2 and isinstance(stack[-2], cst.ClassDef) else None
    if klass is None or not any((dotted_name(b.value) or "").endswith("Serializer") for b in klass.bases):
        return None
    field = func.name.value[4:]
    declared = False
    for statement in klass.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                kind = (dotted_name(small.value.func) or "").split(".")[-1]
                if kind != "SerializerMethodField":
                    continue
                names = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
                method = next((literal_str(a.value) for a in small.value.args
                               if a.keyword is not None and a.keyword.value == "method_name"), None)
                if method == func.name.value or (method is None and field in names):
                    declared = True
    return func.params.params[1].name.value if declared else None


def _single_object_only(rule: Rule) -> bool:
    """The serializer (and every subclass) is used only for single objects across the project:
    ``RetrieveAPIView.serializer_class``, ``Serializer(obj)``; its method fields run once."""
    project = rule.context.project
    klass = rule.context.stack[-2] if len(rule.context.stack) >= 2 else None
    if project is None or not isinstance(klass, cst.ClassDef):
        return False
    return serializer_kinds(project.facts("serializer_uses"), klass.name.value) == {"one"}


def analyse_serializer_method(rule: Rule, func: cst.FunctionDef) -> list[tuple[str, cst.CSTNode, str]]:
    state = state_of(rule.context)
    cached = state.loops.get(id(func))
    if cached is not None:
        return cached
    findings: list[tuple[str, cst.CSTNode, str]] = []
    state.loops[id(func)] = findings
    obj = _serializer_object(rule, func)
    if obj is None or _single_object_only(rule):
        return findings
    field = func.name.value[4:]
    visitor = ItemAccess({obj})
    func.body.visit(visitor)
    seen: set[str] = set()
    for node, segs in visitor.found:
        if len(segs) < 3 or not segs[2].call or visitor.rebound:
            continue
        x, method = segs[1].name, segs[2].name
        if x in NOT_RELATION or x in seen or x.startswith("_") or x == "objects" or method not in (ALWAYS_QUERY | {"count", "exists"}):
            continue
        if method in {"values", "only", "defer", "distinct", "select_related"}:
            continue
        if method == "get" and segs[2].args and segs[2].args[0][0] is None \
                and isinstance(segs[2].args[0][1], (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
            continue  # ``obj.extra_data.get("login")``: a dict's get (a manager's takes lookups)
        if x in state.graph.field_names and x not in state.graph.relation_names:
            continue  # a plain field of a project model (a JSON field)
        seen.add(x)
        hint = (f"annotate(Count(\"{x}\")) in the view's queryset and read the annotation"
                if method in {"count", "exists"} else
                f"prefetch it in the view's queryset (Prefetch(\"{x}\", queryset=...)) or annotate it")
        findings.append(("BR202", node, f"`{obj}.{x}.{method}()` in SerializerMethodField `{field}` runs a query "
                         f"once per serialized object; {hint}"))
    return findings
