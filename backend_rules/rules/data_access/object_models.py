"""The class (or ORM model) of a local object, so that ``repo.get(...)`` and ``order.lines`` can be judged.

Read from what a reviewer would look at: a parameter's annotation, the constructor a variable was
bound to (``repo = UserRepository(session)``), ``self.repo`` set in ``__init__``, the query a
variable came from (``order = Order.objects.get(...)``), the loop whose item it is, ``self`` in a
model's own method.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.orm.query_calls import Query, classify
from backend_rules.rules.data_access.file_state import FileState, KnownModels

WRAPPERS = {"Optional", "Annotated", "Type", "type", "Mapped"}


def annotation_class(annotation: cst.BaseExpression | None) -> str | None:
    """``UserRepository``, ``Optional["Order"]``, ``Order | None`` -> the class name."""
    node = annotation
    for _ in range(4):
        if isinstance(node, cst.Subscript) and (dotted_name(node.value) or "").split(".")[-1] in WRAPPERS and node.slice:
            element = node.slice[0].slice
            node = element.value if isinstance(element, cst.Index) else None
        elif isinstance(node, cst.BinaryOperation):
            node = node.left
        elif isinstance(node, cst.SimpleString):
            text = node.evaluated_value
            return text.split(".")[-1] if isinstance(text, str) and text[:1].isupper() else None
        else:
            break
    name = (dotted_name(node) or "").split(".")[-1] if node is not None else ""
    return name if name[:1].isupper() else None


def _constructed(value: cst.BaseExpression | None) -> str | None:
    """``UserRepository(session)`` / ``UserRepository.from_session(s)`` -> "UserRepository"."""
    if isinstance(value, cst.Await):
        value = value.expression
    if value is None:
        return None
    segs = chain_of(value)
    if segs and segs[0].name[:1].isupper() and not segs[0].name.isupper() and (
            segs[0].call or len(segs) == 2 and segs[1].call):
        return segs[0].name
    return None


def class_of(context: Any, name: str, stack: list[cst.CSTNode], attribute: str | None = None) -> str | None:
    """The class of local ``name`` (or of ``self.<attribute>`` when ``name`` is ``self``)."""
    if name == "self" and attribute:
        return _attribute_class(context, attribute, stack)
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    bindings = facts.bindings_before(name, facts.order_of(stack))
    if not bindings:
        return None
    last = bindings[-1]
    if last.kind == "param" and isinstance(last.node, cst.Param):
        return annotation_class(last.node.annotation.annotation if last.node.annotation else None)
    if last.kind == "=":
        if isinstance(last.node, cst.AnnAssign):
            return annotation_class(last.node.annotation.annotation)
        return _constructed(last.value)
    return None


def _attribute_class(context: Any, attribute: str, stack: list[cst.CSTNode]) -> str | None:
    """``self.repo``: a class-level annotation, or what ``__init__`` assigns it."""
    klass = enclosing_class(stack)
    if klass is None:
        return None
    for statement in klass.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == attribute:
                return annotation_class(small.annotation.annotation)
    init = context.scope_facts(klass).functions.get("__init__")
    if init is None:
        return None
    found: list[str | None] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Assign) and any(
                isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name)
                and t.target.value.value == "self" and t.target.attr.value == attribute for t in node.targets):
            cls = _constructed(node.value)
            if cls is None and isinstance(node.value, cst.Name):
                for param in init.params.params:
                    if param.name.value == node.value.value and param.annotation is not None:
                        cls = annotation_class(param.annotation.annotation)
            found.append(cls)
        return not isinstance(node, (cst.FunctionDef, cst.ClassDef)) or node is init

    from backend_rules.analysis.walk import walk

    walk(init, enter)
    return found[-1] if found else None


def entity_of_row(query: Query, target: cst.Tuple) -> tuple[Query | None, str | None]:
    """``for user, n in session.execute(select(User, func.count(...)))``: the rows are tuples; the
    first model in them, under the name the loop unpacks it to, is the item (its query's model)."""
    models = query.row_models
    if query.orm != "sqlalchemy" or not query.rows or len(models) != len(target.elements):
        return None, None
    for model, element in zip(models, target.elements):
        if model and isinstance(element.value, cst.Name):
            return replace(query, rows=False, model=model), element.value.value
    return None, None


def model_of(context: Any, state: FileState, name: str, stack: list[cst.CSTNode],
             resolve: Callable[[cst.BaseExpression, list[cst.CSTNode]], Query | None]) -> tuple[str | None, Query | None]:
    """(model of the object in ``name``, the query it is an item of when it is a loop item).

    ``resolve`` reads a loop's iterable as a query (the caller's resolver, to avoid a cycle)."""
    graph = state.graph
    if name in {"self", "cls"}:
        klass = enclosing_class(stack)
        if klass is not None and klass.name.value in graph.by_name:
            return klass.name.value, None
        return None, None
    # the item of an enclosing loop (for or comprehension)
    for index in range(len(stack) - 1, -1, -1):
        node = stack[index]
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            break
        loops = [node] if isinstance(node, cst.For) else []
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
            for_in: cst.CompFor | None = node.for_in
            while for_in is not None:
                loops.append(for_in)
                for_in = for_in.inner_for_in
        for loop in loops:
            target = loop.target
            if index == len(stack) - 1 and loop is node:
                continue  # resolving this loop's own iterable: its target is not bound yet
            if isinstance(target, cst.Name) and target.value == name:
                query = resolve(loop.iter, stack[: index + 1])
                return (query.model if query is not None and not query.rows else None), query
    cls = class_of(context, name, stack)
    if cls is not None:
        return (cls if cls in graph.by_name else None), None
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    bindings = [b for b in facts.bindings_before(name, facts.order_of(stack)) if b.kind == "=" and b.value is not None]
    if bindings:
        value = bindings[-1].value
        if isinstance(value, cst.Await):
            value = value.expression
        query = classify(chain_of(value), KnownModels(state))
        if query is not None and query.evaluated and not query.rows and query.terminal not in {"count", "exists", "all"}:
            return query.model, query  # its eager loads reach the object's relations
    return None, None
