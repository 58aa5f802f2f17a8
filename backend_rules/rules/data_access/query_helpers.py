"""Queries built by the project's own helpers, read from the function summaries of the project index.

``Order.objects.with_customer()`` (a custom QuerySet method), a manager whose ``get_queryset()``
adds ``select_related``, ``repository.paid_orders(session)`` or a statement from
``repo.list_statement()``: what they load eagerly decides whether a loop over their rows is an N+1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class
from backend_rules.analysis.orm.chains import Seg
from backend_rules.analysis.orm.query_calls import Query, read_methods
from backend_rules.analysis.orm.vocabulary import (
    DJANGO_BULK,
    DJANGO_EVALUATING,
    DJANGO_LAZY,
    MANAGER_NAMES,
)
from backend_rules.rules.data_access.file_state import FileState
from backend_rules.rules.data_access.object_models import class_of
from backend_rules.rules.data_access.query_helpers_eager import model_named_like, own_relation_model
from backend_rules.rules.data_access.querying_functions import resolve_relative

KNOWN_METHODS = DJANGO_LAZY | DJANGO_EVALUATING | DJANGO_BULK | {"get_queryset"}


def merge_returned(query: Query, summary: dict[str, Any]) -> None:
    """Add what a helper's returned query loads (``ret`` of a function summary) to ``query``."""
    query.eager.update(summary.get("e", ()))
    if summary.get("a"):
        query.eager_all = query.eager_collections = True
    if summary.get("r"):
        query.rows = True
    if not query.model and summary.get("m"):
        query.model = summary["m"]


def apply_custom_methods(state: FileState, query: Query, segs: list[Seg]) -> None:
    """``Order.objects.with_customer().filter(...)``: the custom methods' eager loads, and those of the
    manager's own ``get_queryset()``, count for the chain."""
    if query.orm != "django":
        return
    info = state.model(query.model)
    manager = next((s.name for s in segs[1:3] if not s.call and s.name not in {"[]"}), "objects")
    classes = list(info.managers.get(manager, ())) if info is not None else []
    index = state.functions
    if classes and manager in MANAGER_NAMES | set(info.managers if info else ()):
        for cls in classes:
            found = index.method(cls, "get_queryset")
            if found and found[2].get("ret"):
                merge_returned(query, found[2]["ret"])
    for seg in segs[1:]:
        if not seg.call or seg.name in KNOWN_METHODS:
            continue
        found = next((hit for cls in classes if (hit := index.method(cls, seg.name))), None) \
            or index.unique_method(seg.name)
        if found and found[2].get("ret"):
            merge_returned(query, found[2]["ret"])


@dataclass
class Callee:
    """A project function a call reaches: its summary, and where the call sits in the chain."""

    shown: str  # as the call site writes it: ``fmt``, ``repo.paid_orders``
    summary: dict[str, Any]
    at: int  # index of the call in the chain
    module: str
    qualname: str  # ``func`` or ``Class.method``


def function_summary(context: Any, state: FileState, segs: list[Seg], stack: list[cst.CSTNode]) -> Callee | None:
    """The project function a chain starts by calling: ``helper(...)``, ``module.helper(...)``,
    ``self.method(...)``, ``Class.method(...)``, ``repo.method(...)`` with ``repo = Repo(...)``,
    or a method whose name is unique in the project."""
    if not segs:
        return None
    index = state.functions
    imports = context.imports.names
    module = state.module_name or "__main__"
    head = segs[0]
    if head.call:
        name = head.name
        summary = index.function(module, name)
        if summary is not None:
            return Callee(name, summary, 0, module, name)
        if name in imports:
            hit = index.qualified(resolve_relative(module, imports[name]))
            if hit is not None:
                return Callee(name, hit[2], 0, hit[0], hit[1])
        return None
    if len(segs) > 2 and head.name == "self" and not segs[1].call and segs[2].call:
        cls = class_of(context, "self", stack, attribute=segs[1].name)  # self.orders.paid()
        hit = index.method(cls, segs[2].name, module) if cls else None
        return Callee(f"self.{segs[1].name}.{segs[2].name}", hit[2], 2, hit[0], hit[1]) if hit else None
    if len(segs) < 2 or not segs[1].call:
        return None
    owner, method = head.name, segs[1].name
    hit = None
    if owner in {"self", "cls"}:
        klass = enclosing_class(stack)
        if klass is not None:
            hit = index.method(klass.name.value, method, module)
    elif owner in imports:
        hit = index.qualified(resolve_relative(module, f"{imports[owner]}.{method}"))
        if hit is None:
            hit = index.method(imports[owner].split(".")[-1], method)
    elif owner[:1].isupper():
        hit = index.method(owner, method, module)
    else:
        cls = class_of(context, owner, stack) or model_named_like(state, owner)  # ``basket`` -> Basket
        if cls:
            hit = index.method(cls, method, module)
    if hit is None:
        hit = index.unique_method(method)
    return Callee(f"{owner}.{method}", hit[2], 1, hit[0], hit[1]) if hit is not None else None


def callee_in(state: FileState, module: str, qualname: str, callee: str) -> tuple[str, str, dict[str, Any]] | None:
    """A function named as ``callee`` inside ``module``'s ``qualname`` (``helper``, ``self.m``, ``x.m``)."""
    index = state.functions
    if "." not in callee:
        summary = index.function(module, callee)
        return (module, callee, summary) if summary is not None else None
    owner, _, method = callee.rpartition(".")
    if owner in {"self", "cls"} and "." in qualname:
        return index.method(qualname.split(".")[0], method, module)
    return index.qualified(callee) or index.unique_method(method)


def helper_query(context: Any, state: FileState, segs: list[Seg], stack: list[cst.CSTNode]) -> Query | None:
    """The query a project helper returns (``orders_with_customers(session)``), with the methods the
    chain adds after it."""
    found = function_summary(context, state, segs, stack)
    if found is None:
        return None
    shown, summary, at = found.shown, found.summary, found.at
    returned = summary.get("ret")
    if not returned:
        return None
    query = Query(returned.get("o", "django"), model=returned.get("m"), text=f"{shown}()")
    if returned.get("s"):  # ``self.lines.select_related(...)``: rows of a relation, if ``self`` is a model
        is_model, query.model, orm = own_relation_model(state, found.qualname, returned["s"])
        if not is_model:
            return None
        query.orm = orm or query.orm
    merge_returned(query, returned)
    if returned.get("cm"):  # ``return Field.objects.get_for_model(m)``: what those methods load
        apply_custom_methods(state, query, [Seg(query.model or ""), Seg("objects")]
                             + [Seg(name, call=True) for name in returned["cm"]])
    query.from_helper = shown
    if len(segs) > at + 1:
        read_methods(query, segs, at + 1)
    if query.orm == "sqlalchemy":
        query.evaluated = True  # a helper hands back rows (or a statement run by the caller)
    return query
