"""FastAPI / django-ninja routes whose response schema reads relations of every row they return.

``@app.get("/posts", response_model=list[PostOut])`` returning ``db.query(Post).all()`` with
``PostOut.author: AuthorOut``: the framework reads ``post.author`` of each row while serialising it,
one lazy load per row; the fix is the query's ``joinedload``/``select_related``. Schemas come from
the ``serializer_uses`` facts (``schemas``), this file's own included.
"""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.serializer_uses import COLLECTION_HEADS, collect_schemas, schema_reads
from backend_rules.analysis.walk import walk
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.query_resolution import resolve_query
from backend_rules.rules.data_access.relation_access import covered, remedy_for

ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "api_route", "route", "api_operation"}


def schema_facts(rule: Rule) -> dict[str, dict[str, Any]]:
    """``serializer_uses`` facts of the project with this file's schemas (fresher) in place."""
    context = rule.context
    state = state_of(context)
    _ = state.graph  # sets the module name
    project = context.project
    per_module = dict(project.facts("serializer_uses")) if project is not None else {}
    module = state.module_name or "__main__"
    try:
        own = collect_schemas(ast.parse(context.source))
    except (SyntaxError, ValueError, RecursionError):
        own = {}
    per_module[module] = dict(per_module.get(module) or {}, schemas=own)
    return per_module


def _list_of(node: cst.BaseExpression | None) -> str | None:
    """``list[PostOut]`` / ``List["PostOut"]`` / ``Sequence[PostOut]`` -> "PostOut" (a list of rows)."""
    if not isinstance(node, cst.Subscript) or (dotted_name(node.value) or "").split(".")[-1] not in COLLECTION_HEADS:
        return None
    element = node.slice[0].slice if node.slice else None
    inner = element.value if isinstance(element, cst.Index) else None
    if isinstance(inner, cst.SimpleString):
        text = inner.evaluated_value
        name = text.split(".")[-1] if isinstance(text, str) else ""
    else:
        name = (dotted_name(inner) or "").split(".")[-1] if inner is not None else ""
    return name if name[:1].isupper() else None


def _response_schema(func: cst.FunctionDef) -> str | None:
    """The schema a route serialises a list of rows with: ``response_model=list[X]`` (FastAPI),
    ``response=List[X]`` (django-ninja), or ``-> list[X]`` on a route."""
    routed = False
    for decorator in func.decorators:
        call = decorator.decorator
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute) \
                or call.func.attr.value not in ROUTE_METHODS:
            continue
        routed = True
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in {"response_model", "response"}:
                return _list_of(arg.value)
    if routed and func.returns is not None:
        return _list_of(func.returns.annotation)
    return None


def _returns(func: cst.FunctionDef) -> list[tuple[cst.Return, list[cst.CSTNode]]]:
    """The function's own ``return <expr>`` statements, each with its path from ``func``."""
    found: list[tuple[cst.Return, list[cst.CSTNode]]] = []
    path: list[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if node is not func and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        path.append(node)
        if isinstance(node, cst.Return) and node.value is not None:
            found.append((node, list(path)))
        return True

    def leave(node: cst.CSTNode) -> None:
        if path and path[-1] is node:
            path.pop()

    walk(func, enter, leave)
    return found


def analyse_route(rule: Rule, func: cst.FunctionDef) -> list[tuple[cst.CSTNode, str]]:
    """(node, message) for each returned query whose rows the response schema reads relations of."""
    schema = _response_schema(func)
    if schema is None:
        return []
    returns = _returns(func)
    if not returns:
        return []
    fields = schema_reads(schema_facts(rule), schema)
    if not fields:
        return []
    state = state_of(rule.context)
    out: list[tuple[cst.CSTNode, str]] = []
    for ret, path in returns:
        value = ret.value
        query = resolve_query(rule.context, state, value, [*rule.context.stack, *path])
        if query is None or query.rows or query.opaque or query.orm not in {"django", "sqlalchemy"}:
            continue
        if query.orm == "sqlalchemy" and (func.asynchronous is not None or isinstance(value, cst.Await)):
            continue  # async SQLAlchemy cannot load lazily while serialising: it raises instead
        model = state.model(query.model)
        if model is None:
            continue
        missing: list[tuple[str, bool]] = []
        for field, _target, _many in fields:
            rel = model.relations.get(field)
            if rel is None or rel.dynamic or rel.kind == "generic" or getattr(rel, "via", None):
                continue
            if rel.eager_by_default and field not in query.lazy or covered(query, [field], rel.collection):
                continue
            missing.append((field, rel.collection))
        if not missing:
            continue
        row = model.name[0].lower() + model.name[1:]
        reads = ", ".join(f"`{row}.{field}` ({schema}.{field})" for field, _ in missing)
        out.append((value, f"`{func.name.value}()` returns rows through `{schema}`, which reads {reads} of every "
                           f"row, loaded lazily once per {row}; {remedy_for(query, missing)}"))
    return out

