"""FastAPI / django-ninja routes whose response schema reads relations of every row they return.

``@app.get("/posts", response_model=list[PostOut])`` returning ``db.query(Post).all()`` with
``PostOut.author: AuthorOut``: the framework reads ``post.author`` of each row while serialising it,
one lazy load per row; the fix is the query's ``joinedload``/``select_related``. Schemas come from
the ``serializer_uses`` facts (``schemas``), this file's own included.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.orm.serializer_uses import COLLECTION_HEADS, schema_reads
from backend_rules.analysis.orm.vocabulary import RESULT_METHODS, SQLA_QUERY_TERMINAL
from backend_rules.analysis.walk import walk
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.query_helpers import KNOWN_METHODS
from backend_rules.rules.data_access.query_resolution import resolve_query, resolve_segs
from backend_rules.rules.data_access.relation_access import (
    covered,
    remedy_for,
    shared_parent,
)
from backend_rules.rules.data_access.schema_facts import schema_facts

# Terminals that hand back one object, not rows.
ONE_ROW = {"get", "first", "last", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "get_or_404",
           "first_or_404", "one_or_404", "get_one", "earliest", "latest", "count", "exists", "aget", "afirst"}
ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "api_route", "route", "api_operation"}


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
    out: list[tuple[cst.CSTNode, str]] = []
    for ret, path in returns:
        is_async = isinstance(ret.value, cst.Await) or func.asynchronous is not None
        message = _unloaded(rule, ret.value, [*rule.context.stack, *path], schema, fields, is_async)
        if message:
            out.append((ret.value, f"`{func.name.value}()` returns rows through {message}"))
    return out


def analyse_dump(rule: Rule, call: cst.Call) -> str | None:
    """Marshmallow: ``PostSchema(many=True).dump(rows)`` / ``posts_schema.dump(rows)`` (bound to
    ``PostSchema(many=True)``) / ``schema.dump(rows, many=True)``: the message, or None."""
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value != "dump" or not call.args \
            or call.args[0].keyword is not None:
        return None
    receiver = call.func.value
    many = _many(call)
    if isinstance(receiver, cst.Name):
        receiver = _module_binding(rule, receiver.value) or receiver
    if not isinstance(receiver, cst.Call):
        return None
    many = many or _many(receiver)
    schema = (dotted_name(receiver.func) or "").split(".")[-1]
    if not many or not schema[:1].isupper():
        return None
    fields = schema_reads(schema_facts(rule), schema)
    if not fields:
        return None
    message = _unloaded(rule, call.args[0].value, list(rule.context.stack), schema, fields, False)
    return f"`{schema}(many=True).dump()` serialises rows through {message}" if message else None


def _many(call: cst.Call) -> bool:
    return any(a.keyword is not None and a.keyword.value == "many" and isinstance(a.value, cst.Name)
               and a.value.value == "True" for a in call.args)


def _module_binding(rule: Rule, name: str) -> cst.Call | None:
    """``posts_schema = PostSchema(many=True)`` at module level."""
    module = rule.context.stack[0] if rule.context.stack else None
    for statement in getattr(module, "body", ()):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return small.value
    return None


def _unloaded(rule: Rule, value: cst.BaseExpression, stack: list[cst.CSTNode], schema: str,
              fields: list[list[Any]], is_async: bool) -> str | None:
    """"`Schema`, which reads ... of every row ...; <fix>" for the relations ``fields`` name that the
    query ``value`` does not load, or None."""
    state = state_of(rule.context)
    query = resolve_query(rule.context, state, value, stack)
    if query is None or query.rows or query.opaque or query.orm not in {"django", "sqlalchemy"} \
            or query.terminal in ONE_ROW or query.trailing:
        return None
    if query.orm == "sqlalchemy" and is_async:
        return None  # async SQLAlchemy cannot load lazily while serialising: it raises instead
    model = state.model(query.model)
    if model is None or not _chain_of_queries(rule, state, value, stack):
        return None
    missing: list[tuple[str, bool]] = []
    for field, _target, _many in fields:
        rel = model.relations.get(field)
        if rel is None or rel.dynamic or rel.kind == "generic" or getattr(rel, "via", None):
            continue
        if rel.eager_by_default and field not in query.lazy or covered(query, [field], rel.collection):
            continue
        if query.orm == "sqlalchemy" and not rel.collection and shared_parent(state, query, rel):
            continue  # the rows are narrowed to that parent: the identity map serves it
        missing.append((field, rel.collection))
    if not missing:
        return None
    row = model.name[0].lower() + model.name[1:]
    reads = ", ".join(f"`{row}.{field}` ({schema}.{field})" for field, _ in missing)
    return f"`{schema}`, which reads {reads} of every row, loaded lazily once per {row}; {remedy_for(query, missing)}"


QUERY_METHODS = KNOWN_METHODS | SQLA_QUERY_TERMINAL | RESULT_METHODS | {
    "query", "where", "options", "join", "outerjoin", "filter_by", "limit", "offset", "group_by", "select_from"}


def _chain_of_queries(rule: Rule, state: Any, value: cst.BaseExpression, stack: list[cst.CSTNode]) -> bool:
    """No call in the chain (through local variables) is a model's method called on what a call
    returned: ``get_current_user().get_solves()`` is the user's solves, not a query of users."""
    scope = enclosing_scope(stack)
    segs = resolve_segs(rule.context, chain_of(value), scope, rule.context.scope_facts(scope).order_of(stack), 0,
                        enclosing_class(stack))
    for before, seg in zip(segs, segs[1:]):
        if not (seg.call and before.call) or seg.name in QUERY_METHODS:
            continue
        owners = [qualname.split(".")[0] for _, qualname in state.functions.methods.get(seg.name, ())]
        if not owners or any(state.model(owner) is not None for owner in owners):
            return False
    return True
