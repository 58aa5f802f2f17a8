"""What project helpers keep of the query they touch: a model method's related rows, a helper's argument.

Two ways an eager load reaches a loop through the project's own code, read from the function
summaries of the project index:

- ``basket.all_lines()`` is a model method returning ``self.lines.select_related("product")``: its
  rows are the relation's (``s`` of the summary), with what the method loads;
- ``talks = annotate_status(talks)`` hands back its argument with ``annotate()``/``filter()`` added
  (``pa``): the loop's query is the argument's, with the ``select_related("room")`` it had.
"""

from __future__ import annotations

from typing import Any, Callable

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.orm.chains import Seg, chain_of
from backend_rules.analysis.orm.query_calls import Query, read_methods
from backend_rules.analysis.orm.vocabulary import DJANGO_LAZY
from backend_rules.rules.data_access.file_state import FileState

Resolver = Callable[[cst.BaseExpression, list[cst.CSTNode], int], "Query | None"]
MODEL_BASES = {"Model", "AbstractModel", "TimeStampedModel", "PolymorphicModel", "MPTTModel"}


def own_relation_model(state: FileState, qualname: str, relation: str) -> tuple[bool, str | None, str | None]:
    """(the method's class is a model, the model of its ``relation``'s rows and the relation's ORM
    when the graph knows them: a SQLAlchemy ``lazy="dynamic"`` relationship filtered is no queryset).

    ``AbstractBasket.all_lines`` returning ``self.lines...``: the relation may be declared on a
    concrete subclass's side (``Line.basket`` pointing at ``Basket(AbstractBasket)``)."""
    owner = qualname.split(".")[0] if "." in qualname else ""
    if not owner:
        return False, None, None
    graph = state.graph
    candidates = list(graph.by_name.get(owner, ())[:1])
    candidates += [infos[0] for infos in graph.by_name.values() if infos and owner in infos[0].bases]
    for info in candidates:
        rel = info.relations.get(relation)
        if rel is not None:
            return True, rel.target, rel.orm
    if candidates:
        return True, None, None
    return _inherits_a_model(state, owner), None, None


def model_named_like(state: FileState, name: str) -> str | None:
    """The one project model an object's name spells (``basket``, ``user_basket`` -> ``Basket``), so
    that ``basket.all_lines()`` finds the model's own method even when another class has one too."""
    wanted = name.replace("_", "").lower()
    if len(wanted) < 3:
        return None
    named = {info.name for infos in state.graph.by_name.values() for info in infos[:1]
             if wanted == info.name.lower() or wanted.endswith(info.name.lower()) and len(info.name) > 3}
    return named.pop() if len(named) == 1 else None


def _inherits_a_model(state: FileState, owner: str) -> bool:
    pending, seen = [owner], set()
    while pending and len(seen) < 12:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in MODEL_BASES or name != owner and name in state.graph.by_name:
            return True
        for _, bases in state.functions.classes.get(name, []):
            pending.extend(bases)
    return False


def returned_argument(state: FileState, module: str, summary: dict[str, Any], depth: int = 0) -> int | None:
    """The position of the parameter a function hands back (``pa``), once the project helpers it
    goes through (``pc``) are found to hand it back too."""
    position = summary.get("pa")
    if position is None or depth > 3:
        return None
    for entry in summary.get("pc", ()):
        name, _, at = entry.rpartition(" ")
        inner = state.functions.function(module, name)
        found = (module, inner) if inner is not None else None
        if found is None:
            hit = state.functions.qualified(f"{module.rpartition('.')[0]}.{name}") if "." in module else None
            found = (hit[0], hit[2]) if hit else None
        if found is None or returned_argument(state, found[0], found[1], depth + 1) != int(at):
            return None
    return position


def passthrough_query(context: Any, state: FileState, expr: cst.BaseExpression, stack: list[cst.CSTNode],
                      order: int, resolve: Resolver, summary_of: Callable[..., Any],
                      segs_of: Callable[..., list[Seg]]) -> Query | None:
    """``for talk in talks`` with ``talks = annotate_status(talks)``: the query of the argument the
    helper hands back, with the methods the chain adds after the call. ``segs_of`` is
    ``query_resolution.resolve_segs`` (passed in: that module imports this one)."""
    segs = chain_of(expr)
    if not segs:
        return None
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    call_segs, rest, at_order = segs, [], order
    if not segs[0].call:
        bindings = [b for b in facts.bindings_before(segs[0].name, order) if b.kind != "param"]
        if not bindings or bindings[-1].kind != "=" or bindings[-1].value is None:
            return None
        value = bindings[-1].value
        value = value.expression if isinstance(value, cst.Await) else value
        call_segs, rest, at_order = chain_of(value), segs[1:], bindings[-1].order
    callee = summary_of(context, state, call_segs, stack)
    if callee is None:
        return None
    position = returned_argument(state, callee.module, callee.summary)
    positional = [value for key, value in call_segs[callee.at].args if key is None]
    if position is None or position >= len(positional):
        return None
    argument = positional[position]
    query = resolve(argument, stack, at_order)
    if query is None:
        query = _eager_of_unresolved(context, argument, scope, at_order, stack, callee.summary, segs_of)
    if query is None:
        return None
    whole = call_segs + rest
    if len(whole) > callee.at + 1:
        read_methods(query, whole, callee.at + 1)
    return query


def _eager_of_unresolved(context: Any, argument: cst.BaseExpression, scope: cst.CSTNode, order: int,
                         stack: list[cst.CSTNode], summary: dict[str, Any],
                         segs_of: Callable[..., list[Seg]]) -> Query | None:
    """``base.select_related("room")`` where ``base`` cannot be read (``(a if x else b).filter()``):
    the eager loads written on the argument still hold; without any, nothing is learnt."""
    segs: list[Seg] = segs_of(context, chain_of(argument), scope, order, 1, enclosing_class(stack))
    start = next((i for i, s in enumerate(segs) if s.call and s.name in DJANGO_LAZY), None)
    if start is None:
        return None
    returned = summary.get("ret") or {}
    query = read_methods(Query("django", model=returned.get("m")), segs, start)
    return query if query.eager or query.eager_all else None
