"""The query an expression denotes, through local variables and wrappers (``list(qs)``, ``enumerate(qs)``)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import (
    Seg,
    chain_of,
    literal_str,
    looks_like_model,
    render,
)
from backend_rules.analysis.orm.query_calls import (
    Query,
    classify,
    read_methods,
    statement_query,
)
from backend_rules.analysis.orm.vocabulary import (
    CURSOR_RE,
    DJANGO_EVALUATING,
    DJANGO_LAZY,
    QUERYSET_NAME_RE,
    SESSION_RE,
)
from backend_rules.analysis.walk import walk
from backend_rules.rules.data_access.built_objects import BULK_CREATE, mark_built_relations
from backend_rules.rules.data_access.file_state import FileState, KnownModels
from backend_rules.rules.data_access.object_models import model_of
from backend_rules.rules.data_access.query_helpers import (
    apply_custom_methods,
    function_summary,
    helper_query,
)
from backend_rules.rules.data_access.query_helpers_eager import passthrough_query

# Builtins that evaluate a queryset passed to them: ``len(qs)``, ``list(qs)``.
EVALUATING_BUILTINS = {"list", "len", "tuple", "set", "sorted", "bool", "sum", "any", "all", "max", "min", "dict", "frozenset"}


def resolve_segs(context: Any, segs: list[Seg], scope: cst.CSTNode, order: int, depth: int = 0,
                 klass: cst.ClassDef | None = None) -> list[Seg]:
    """``segs`` with a local-variable root replaced by the chain it was assigned (a few levels)."""
    if not segs or depth > 4:
        return segs
    root = segs[0]
    if root.call:
        return segs
    if root.name in {"self", "cls"} and len(segs) > 1 and klass is not None:
        second = segs[1]
        if second.name in {"queryset", "get_queryset"}:
            facts = context.scope_facts(klass)
            bindings = [b for b in facts.bindings.get("queryset", ()) if b.kind == "=" and b.value is not None]
            if bindings:
                rest = segs[2:]
                return chain_of(bindings[-1].value) + rest
        return segs
    if len(segs) > 1 and segs[1].call and (SESSION_RE.search(root.name) or CURSOR_RE.search(root.name)) \
            and not QUERYSET_NAME_RE.match(root.name):
        return segs  # ``session.query(...)``: the name says what it is, whatever made it (object_session())
    facts = context.scope_facts(scope)
    bindings = [b for b in facts.bindings_before(root.name, order) if b.kind != "param"]
    if not bindings:
        return segs
    last = bindings[-1]
    if last.kind != "=" or last.value is None:
        return segs
    value = last.value
    if isinstance(value, cst.Await):
        value = value.expression
    model = _get_model_name(value)
    if model is not None:
        return [Seg(model)] + segs[1:]  # ``Interface = apps.get_model("dcim", "Interface")``
    inner = chain_of(value)
    if inner and inner[0].name == root.name and not inner[0].call:
        inner = resolve_segs(context, inner, scope, last.order, depth + 1, klass)
    elif inner and not inner[0].call:
        inner = resolve_segs(context, inner, scope, last.order, depth + 1, klass)
    return inner + segs[1:]


def _get_model_name(value: cst.BaseExpression) -> str | None:
    """``apps.get_model("dcim", "Interface")`` / ``get_model("dcim.Interface")`` -> "Interface"."""
    if not (isinstance(value, cst.Call) and (dotted_name(value.func) or "").split(".")[-1] == "get_model" and value.args):
        return None
    text = literal_str(value.args[-1].value)
    if text is None or value.args[-1].keyword is not None:
        return None
    name = text.split(".")[-1]
    return name if looks_like_model(name) else None


def strip_wrappers(node: cst.BaseExpression) -> tuple[cst.BaseExpression, int | None]:
    """``enumerate(x)`` -> (x, 1), ``list(x)``/``sorted(x)``/``reversed(x)`` -> (x, None)."""
    index: int | None = None
    for _ in range(3):
        if isinstance(node, cst.Await):
            node = node.expression
            continue
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.args and not node.args[0].keyword:
            name = node.func.value
            if name == "enumerate":
                node, index = node.args[0].value, 1
                continue
            if name in {"list", "tuple", "sorted", "reversed", "iter", "set"}:
                node = node.args[0].value
                continue
        break
    return node, index


def resolve_query(context: Any, state: FileState, expr: cst.BaseExpression, stack: list[cst.CSTNode],
                  order: int | None = None) -> Query | None:
    """The query ``expr`` denotes at ``stack`` (at statement ``order`` of its scope, when given)."""
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    order = facts.order_of(stack) if order is None else order
    klass = enclosing_class(stack)
    segs = resolve_segs(context, chain_of(expr), scope, order, 0, klass)
    query = classify(segs, KnownModels(state))
    if query is None or query.trailing and query.evaluated:
        # not a query itself, or an attribute of a query's result (``order.lines.all()`` with
        # ``order = Order.objects.get(...)``): a helper's rows, or the rows of an object's relation
        query = _passthrough(context, state, expr, stack, order) or helper_query(context, state, segs, stack) \
            or related_rows(context, state, chain_of(expr), stack) or _bound_related_rows(context, state, expr, stack, order) \
            or (query if query is not None else None)
        if query is None:
            return None
    if query.orm == "dbapi":
        return query
    if query.terminal in BULK_CREATE:
        mark_built_relations(context, scope, order, query, segs)  # the objects given, built in memory
    if query.orm == "django":
        apply_custom_methods(state, query, segs)
    elif query.sql_arg is not None and query.model is None:
        _read_statement(context, state, query, stack)
    # Conditional rebinding (``if x: qs = qs.select_related(...)``): take eager loads of every
    # binding of the root name, so a load on one path keeps us silent.
    root = chain_of(expr)[0]
    if not root.call:
        for binding in facts.bindings_before(root.name, order)[:-1]:
            if binding.kind == "=" and binding.value is not None:
                other = classify(resolve_segs(context, chain_of(binding.value), scope, binding.order, 1, klass), KnownModels(state))
                if other is not None:
                    if query.model is None and other.orm == query.orm:
                        query.model = other.model  # ``qs = qs.filter(...)`` rebound past the depth we follow
                    query.eager |= other.eager
                    query.eager_all |= other.eager_all
                    query.eager_collections |= other.eager_collections
                    query.rows |= other.rows
    return query


def _passthrough(context: Any, state: FileState, expr: cst.BaseExpression, stack: list[cst.CSTNode],
                 order: int) -> Query | None:
    """A project helper that hands back the query it was given: that query (query_helpers_eager)."""
    if state.resolving > 4:
        return None
    state.resolving += 1
    try:
        return passthrough_query(context, state, expr, stack, order,
                                 lambda e, where, at: resolve_query(context, state, e, where, at), function_summary,
                                 resolve_segs)
    finally:
        state.resolving -= 1


def related_rows(context: Any, state: FileState, segs: list[Seg], stack: list[cst.CSTNode]) -> Query | None:
    """``order.lines.all()`` / ``user.projects``: the rows of a collection relation of an object, with
    what the query that loaded the object eager-loads below that relation (``lines__variant``)."""
    if len(segs) < 2 or segs[0].call or segs[1].call or segs[0].name == "[]":
        return None
    if len(segs) > 2 and segs[0].name == "request" and segs[1].name == "user" and not segs[2].call:
        segs = [Seg("request.user"), *segs[2:]]  # the signed-in user: request.user.teams
        if len(segs) < 2 or segs[1].call:
            return None
    if len(segs) > 2 and not (segs[2].call and (segs[2].name in DJANGO_LAZY or segs[2].name in DJANGO_EVALUATING)):
        return None
    owner = segs[0].name
    if owner == "request.user":
        model, outer = ("User" if "User" in state.graph.by_name else None), None
    elif state.resolving > 4:
        return None  # owners of owners of owners: deep enough
    else:
        state.resolving += 1
        try:
            model, outer = model_of(context, state, owner, stack,
                                    lambda expr, where: resolve_query(context, state, expr, where))
        finally:
            state.resolving -= 1
    if model is None and owner == "self" and state.resolving <= 4:
        state.resolving += 1
        try:
            assigned = _self_attribute_query(context, state, segs, stack)
        finally:
            state.resolving -= 1
        if assigned is not None:
            return assigned
    manager_only = len(segs) > 2 and segs[2].call and segs[2].name in MANAGER_ONLY
    info = state.model(model) or _owner_by_name(state, segs[1].name, owner, manager_only)
    rel = info.relations.get(segs[1].name) if info is not None else None
    if rel is None or not (rel.collection or rel.dynamic) or not rel.target:
        return None
    if rel.orm == "django" and len(segs) == 2:
        return None  # a Django related manager is not iterable: ``fulfillment.lines`` is some other object's list
    query = Query(rel.orm, model=rel.target, text=render(segs))
    query.through = (info.name, rel.name, owner)
    if outer is not None and (len(segs) == 2 or segs[2].name == "all" and len(segs) == 3):
        for path in outer.eager:
            for prefix in (rel.name + "__", rel.name + "."):
                if path.startswith(prefix):
                    query.eager.add(path[len(prefix):])
        query.eager_all = outer.eager_all and outer.eager_collections
    if len(segs) > 2:
        read_methods(query, segs, 2)
    return query


def _bound_related_rows(context: Any, state: FileState, expr: cst.BaseExpression, stack: list[cst.CSTNode],
                        order: int) -> Query | None:
    """``posts = category.post_set.all()`` and then ``for p in posts``: the rows of that relation."""
    if not isinstance(expr, cst.Name):
        return None
    bindings = [b for b in context.scope_facts(enclosing_scope(stack)).bindings_before(expr.value, order) if b.kind != "param"]
    if not bindings or bindings[-1].kind != "=" or bindings[-1].value is None:
        return None
    return related_rows(context, state, chain_of(bindings[-1].value), stack)


# Methods of a related manager that no list, set or dict has: ``leader.groups.filter(...)`` is a query.
MANAGER_ONLY = {"filter", "exclude", "exists", "order_by", "values", "values_list", "annotate", "aggregate",
                "select_related", "prefetch_related", "only", "defer", "distinct", "latest", "earliest",
                "filter_by", "aexists", "acount"}


def _owner_by_name(state: FileState, relation: str, owner: str, manager_only: bool = False) -> Any:
    """An object of unknown class named like the one model that has ``relation``: ``order.lines`` with
    ``Order.lines`` (``draft_order``, ``session_`` too); ``error.items`` names no model. A manager-only
    method (``x.groups.filter(...)``) vouches for the relation whatever the object's name."""
    wanted = owner.replace("_", "").lower()
    having = [info for infos in state.graph.by_name.values() for info in infos[:1] if relation in info.relations
              and (info.relations[relation].collection or info.relations[relation].dynamic)]
    named = [info for info in having if wanted and (wanted == info.name.lower() or wanted.endswith(info.name.lower()))]
    if len(named) == 1:
        return named[0]
    if manager_only and having and len({info.relations[relation].target for info in having}) == 1:
        return having[0]
    return None


def _self_attribute_query(context: Any, state: FileState, segs: list[Seg], stack: list[cst.CSTNode]) -> Query | None:
    """``for a in self.abstracts`` where a method of the class set ``self.abstracts = <query>``."""
    klass = enclosing_class(stack)
    if klass is None:
        return None
    for name, method in context.scope_facts(klass).functions.items():
        found: list[cst.BaseExpression] = []

        def enter(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Assign) and any(
                    isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name)
                    and t.target.value.value == "self" and t.target.attr.value == segs[1].name for t in node.targets):
                found.append(node.value)
            return not isinstance(node, (cst.ClassDef, cst.Lambda)) and (node is method or not isinstance(node, cst.FunctionDef))

        walk(method, enter)
        for value in found:
            query = resolve_query(context, state, value, [stack[0], klass, method])
            if query is not None and not query.trailing:
                if len(segs) > 2:
                    read_methods(query, segs, 2)
                return query
    return None


def _read_statement(context: Any, state: FileState, query: Query, stack: list[cst.CSTNode]) -> None:
    """``session.scalars(statement)``: the model and loader options of the statement the variable
    holds, built here or by a project helper; otherwise what it loads is unknown (``opaque``)."""
    sql = query.sql_arg
    if not isinstance(sql, cst.Name):
        return
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    klass = enclosing_class(stack)
    bindings = [b for b in facts.bindings_before(sql.value, facts.order_of(stack)) if b.kind == "=" and b.value is not None]
    if not bindings:
        query.opaque = True
        return
    resolved = False
    for binding in bindings:
        value = binding.value.expression if isinstance(binding.value, cst.Await) else binding.value
        segs = resolve_segs(context, chain_of(value), scope, binding.order, 1, klass)
        found = statement_query(value, segs) or helper_query(context, state, segs, stack)
        if found is None:
            continue
        resolved = True
        query.model = query.model or found.model
        query.eager |= found.eager
        query.eager_all |= found.eager_all
        query.eager_collections |= found.eager_collections
        query.rows |= found.rows and found.model is None
        query.from_helper = query.from_helper or found.from_helper
    if not resolved:
        query.opaque = True
