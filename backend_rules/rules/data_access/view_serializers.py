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

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.serializer_uses import (
    collect_serializer_uses,
    serializer_reads,
)
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.query_resolution import resolve_query
from backend_rules.rules.data_access.relation_access import covered

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
    """``serializer_uses`` facts of the project, this file's own (fresher) included."""
    context = rule.context
    state = state_of(context)
    _ = state.graph  # sets the module name
    project = context.project
    per_module = dict(project.facts("serializer_uses")) if project is not None else {}
    try:
        per_module[state.module_name or "__main__"] = collect_serializer_uses(ast.parse(context.source), "")
    except (SyntaxError, ValueError, RecursionError):
        pass
    return per_module


def analyse_view(rule: Rule, klass: cst.ClassDef) -> list[tuple[cst.CSTNode, str]]:
    """(node, message) for each relation the list view's serializer reads and its queryset does not load."""
    bases = {(dotted_name(b.value) or "").split(".")[-1] for b in klass.bases}
    if not bases & LIST_VIEWS:
        return []
    queryset, serializer = _class_attribute(klass, "queryset"), _class_attribute(klass, "serializer_class")
    if queryset is None or serializer is None or not isinstance(serializer.value, (cst.Name, cst.Attribute)):
        return []
    methods = rule.context.scope_facts(klass).functions
    if "get_queryset" in methods or "get_serializer_class" in methods or "list" in methods:
        return []  # the view builds its rows or picks its serializer elsewhere
    state = state_of(rule.context)
    query = resolve_query(rule.context, state, queryset.value, [*rule.context.stack, klass])
    if query is None or query.orm != "django" or query.rows or query.evaluated:
        return []
    model = state.model(query.model)
    if model is None:
        return []
    name = (dotted_name(serializer.value) or "").split(".")[-1]
    reads = serializer_reads(_serializer_facts(rule), name)
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
        return []
    reads_text = ", ".join(f"`{row}.{source}` ({name}.{attribute})" for source, (attribute, _) in missing.items())
    prefetch = [f'"{source}"' for source, (_, many) in missing.items() if many]
    select = [f'"{source}"' for source, (_, many) in missing.items() if not many]
    fixes = ([f"select_related({', '.join(select)})"] if select else []) + \
        ([f"prefetch_related({', '.join(prefetch)})"] if prefetch else [])
    return [(queryset.value, f"list view `{klass.name.value}`: its serializer reads {reads_text} for every row, "
                             f"loaded lazily once per {row}; add {' and '.join(fixes)} to the queryset")]
