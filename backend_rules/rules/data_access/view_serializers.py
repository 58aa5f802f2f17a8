"""DRF list views: the serializer reads relations of every row the view's queryset did not load.

``queryset = Post.objects.all()`` with ``serializer_class = PostSerializer`` whose ``comments =
CommentSerializer(many=True)`` (or ``source="author.name"``, a ``SlugRelatedField``, a many-to-many
in ``Meta.fields``) runs one query per post and relation: the loop is DRF's, the fix is the
queryset's ``select_related``/``prefetch_related``.
"""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.orm.serializer_uses import (
    collect_serializer_uses,
    serializer_reads,
)
from backend_rules.analysis.walk import walk
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.query_helpers import KNOWN_METHODS
from backend_rules.rules.data_access.query_resolution import resolve_query, resolve_segs
from backend_rules.rules.data_access.relation_access import covered
from backend_rules.rules.data_access.schema_facts import own_module_facts

LIST_VIEWS = {"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet"}
# Related fields that read only the foreign key's column when not ``many``.
PK_ONLY = {"PrimaryKeyRelatedField", "HyperlinkedRelatedField", "HyperlinkedIdentityField"}


def _class_attribute(klass: cst.ClassDef, name: str) -> cst.Assign | None:
    for statement in klass.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return small
    return None


def _serializer_facts(rule: Rule) -> dict[str, dict[str, Any]]:
    """``serializer_uses`` facts of the project, this file's own (fresher) included; once per file."""

    def merge(per_module: dict[str, dict[str, Any]], module: str, tree: ast.Module | None) -> None:
        if tree is not None:
            per_module[module] = collect_serializer_uses(tree, "")

    return own_module_facts(rule, "_serializer_facts", merge)


def _returned_query(method: cst.FunctionDef) -> cst.BaseExpression | None:
    """The one expression ``get_queryset()`` returns (several returns: the rows vary, left alone)."""
    returns: list[cst.Return] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Return):
            returns.append(node)
        return node is method or not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda))

    walk(method, enter)
    return returns[0].value if len(returns) == 1 else None


def analyse_view(rule: Rule, klass: cst.ClassDef) -> list[tuple[cst.CSTNode, str]]:
    """(node, message) for each relation the list view's serializer reads and its queryset does not load."""
    bases = {(dotted_name(b.value) or "").split(".")[-1] for b in klass.bases}
    if not bases & LIST_VIEWS:
        return []
    serializer = _class_attribute(klass, "serializer_class")
    if serializer is None or not isinstance(serializer.value, (cst.Name, cst.Attribute)):
        return []
    methods = rule.context.scope_facts(klass).functions
    if "get_serializer_class" in methods or "list" in methods:
        return []  # the view picks its serializer or builds its rows elsewhere
    queryset = _class_attribute(klass, "queryset")
    where: cst.CSTNode | None = queryset.value if queryset is not None else None
    stack = [*rule.context.stack, klass]
    if "get_queryset" in methods:
        method = methods["get_queryset"]
        where = _returned_query(method) if isinstance(method, cst.FunctionDef) else None
        stack = [*stack, method]
    if where is None:
        return []
    name = (dotted_name(serializer.value) or "").split(".")[-1]
    message = _missing_loads(rule, where, stack, name)
    return [(where, f"list view `{klass.name.value}`: {message}")] if message else []


def analyse_serializer_call(rule: Rule, call: cst.Call) -> str | None:
    """``PostSerializer(posts, many=True)`` with ``posts`` a queryset: the message, or None."""
    name = (dotted_name(call.func) or "").split(".")[-1]
    if not (name.endswith("Serializer") and name[:1].isupper()) or not call.args or call.args[0].keyword is not None:
        return None
    many = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == "many"), None)
    if not (isinstance(many, cst.Name) and many.value == "True"):
        return None
    message = _missing_loads(rule, call.args[0].value, list(rule.context.stack), name)
    return f"`{name}(..., many=True)`: {message}" if message else None


def _missing_loads(rule: Rule, expr: cst.BaseExpression, stack: list[cst.CSTNode], name: str) -> str | None:
    """What serializer ``name`` reads from each row of the query ``expr`` that the query does not load."""
    state = state_of(rule.context)
    query = resolve_query(rule.context, state, expr, stack)
    if query is None or query.orm != "django" or query.rows or query.evaluated or query.opaque:
        return None
    scope = enclosing_scope(stack)
    segs = resolve_segs(rule.context, chain_of(expr), scope, rule.context.scope_facts(scope).order_of(stack), 0,
                        enclosing_class(stack))
    if any(seg.call and seg.name not in KNOWN_METHODS and not state.functions.methods.get(seg.name) for seg in segs[1:]):
        return None  # a queryset method we cannot read (a third-party manager's): what it loads is unknown
    model = state.model(query.model)
    if model is None:
        return None
    reads = serializer_reads(_serializer_facts(rule), name)
    if reads.get("dyn"):
        return None  # it picks its fields at run time (get_fields(), __init__ dropping fields)
    row = model.name[0].lower() + model.name[1:]
    missing: dict[str, tuple[str, bool]] = {}  # relation -> (serializer field that reads it, collection)

    def judge(attribute: str, source: str, many_field: bool, kind: str) -> None:
        rel = model.relations.get(source)
        if rel is None or source in missing or rel.kind == "generic":
            return
        if not rel.collection and kind in PK_ONLY and not many_field:
            return  # the foreign key's column is enough
        if not covered(query, [source], rel.collection):
            missing[source] = (attribute, rel.collection)

    declared = {n[0] for n in reads.get("n", [])}
    for attribute, source, many_field, kind in reads.get("n", []):
        judge(attribute, source, bool(many_field), kind)
    for attribute, source in reads.get("s", []):
        judge(attribute, source, False, "source")
    fields = reads.get("f")
    for field, rel in model.relations.items():
        listed = fields == "__all__" and rel.kind == "m2m" or isinstance(fields, list) and field in fields
        if listed and field not in declared and rel.collection:
            judge(field, field, True, "PrimaryKeyRelatedField")
    if not missing:
        return None
    reads_text = ", ".join(f"`{row}.{source}` ({name}.{attribute})" for source, (attribute, _) in missing.items())
    prefetch = [f'"{source}"' for source, (_, many) in missing.items() if many]
    select = [f'"{source}"' for source, (_, many) in missing.items() if not many]
    fixes = ([f"select_related({', '.join(select)})"] if select else []) + \
        ([f"prefetch_related({', '.join(prefetch)})"] if prefetch else [])
    return (f"its serializer reads {reads_text} for every row, loaded lazily once per {row}; "
            f"add {' and '.join(fixes)} to the queryset")
