"""Django querysets keep their rows: a queryset *variable* evaluated once answers again from its cache.

``for c in checks`` after ``all(c.x for c in checks)`` runs no second query, and the objects it
yields are the same ones, with the relations the first pass loaded. A variable bound before a
loop is evaluated by the loop's first iteration only. (SQLAlchemy queries have no such cache.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import SCOPE_NODES, enclosing_scope
from backend_rules.analysis.walk import Visitor, walk

# Builtins whose argument is evaluated (rows fetched into the cache).
FILLING_BUILTINS = {"list", "len", "tuple", "set", "sorted", "bool", "any", "all", "sum", "max", "min",
                    "enumerate", "reversed", "dict", "frozenset", "iter"}


@dataclass
class _Uses:
    evaluations: dict[str, list[int]] = field(default_factory=dict)  # name -> statement orders
    # name -> [(statement order, attributes read from the loop item)] for loops over the name
    item_reads: dict[str, list[tuple[int, set[str]]]] = field(default_factory=dict)


class _UseCollector(Visitor):
    def __init__(self, root: cst.CSTNode, orders: dict[int, int]) -> None:
        self.root = root
        self.orders = orders
        self.current = 0
        self.uses = _Uses()

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is not self.root and isinstance(node, SCOPE_NODES):
            return False
        order = self.orders.get(id(node))
        if order is not None:
            self.current = order
        return super().on_visit(node)

    def _evaluated(self, expr: cst.BaseExpression) -> str | None:
        if isinstance(expr, cst.Name):
            self.uses.evaluations.setdefault(expr.value, []).append(self.current)
            return expr.value
        return None

    def _loop(self, target: cst.BaseExpression, iterable: cst.BaseExpression, parts: list[cst.CSTNode]) -> None:
        inner = iterable
        while isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value in FILLING_BUILTINS \
                and inner.args:
            inner = inner.args[0].value
        name = self._evaluated(inner)
        if name is None or not isinstance(target, cst.Name):
            return
        reads: set[str] = set()
        for part in parts:
            _attributes_of(part, target.value, reads)
        self.uses.item_reads.setdefault(name, []).append((self.current, reads))

    def visit_For(self, node: cst.For) -> None:
        self._loop(node.target, node.iter, [node.body])

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._loop(node.target, node.iter, [])

    def leave_ListComp(self, node: cst.ListComp) -> None:
        self._comp_reads(node.for_in, [node.elt])

    def leave_SetComp(self, node: cst.SetComp) -> None:
        self._comp_reads(node.for_in, [node.elt])

    def leave_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._comp_reads(node.for_in, [node.elt])

    def leave_DictComp(self, node: cst.DictComp) -> None:
        self._comp_reads(node.for_in, [node.key, node.value])

    def _comp_reads(self, for_in: cst.CompFor, parts: list[cst.CSTNode]) -> None:
        """Attribute reads of a comprehension's element: added to the entry its CompFor made."""
        iterable = for_in.iter
        if not isinstance(iterable, cst.Name) or not isinstance(for_in.target, cst.Name):
            return
        entries = self.uses.item_reads.get(iterable.value)
        if not entries:
            return
        reads = entries[-1][1]
        for part in [*parts, *for_in.ifs]:
            _attributes_of(part, for_in.target.value, reads)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in FILLING_BUILTINS and node.args:
            self._evaluated(node.args[0].value)

    def visit_If(self, node: cst.If) -> None:
        self._truth(node.test)

    def visit_While(self, node: cst.While) -> None:
        self._truth(node.test)

    def _truth(self, test: cst.BaseExpression) -> None:
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        self._evaluated(test)


def _attributes_of(node: cst.CSTNode, item: str, reads: set[str]) -> None:
    def enter(child: cst.CSTNode) -> bool:
        if isinstance(child, cst.Attribute) and isinstance(child.value, cst.Name) and child.value.value == item:
            reads.add(child.attr.value)
        return True

    walk(node, enter)


def _uses_of(context: Any, scope: cst.CSTNode) -> _Uses:
    cache = context.__dict__.setdefault("_queryset_uses", {})
    uses = cache.get(id(scope))
    if uses is None:
        collector = _UseCollector(scope, context.scope_facts(scope).statement_order)
        collector.walk(scope)
        uses = cache[id(scope)] = collector.uses
    return uses


def _binding_order(context: Any, stack: list[cst.CSTNode], name: str) -> tuple[cst.CSTNode, int, int] | None:
    """(scope, order of the binding of ``name`` that reaches the node, order of the node)."""
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    order = facts.order_of(stack)
    bindings = facts.bindings_before(name, order, facts.blocks_of(stack))
    if not bindings or bindings[-1].kind != "=":
        return None
    return scope, bindings[-1].order, order


def evaluated_before(context: Any, stack: list[cst.CSTNode], name: str) -> bool:
    """The queryset in ``name`` was iterated, ``len()``-ed, ``list()``-ed or tested before this
    statement, by the binding that reaches it: its rows are in its cache."""
    found = _binding_order(context, stack, name)
    if found is None:
        return False
    scope, bound, here = found
    return any(bound < seen < here for seen in _uses_of(context, scope).evaluations.get(name, ()))


def served_from_cache(context: Any, stack: list[cst.CSTNode], name: str, loop: cst.CSTNode) -> bool:
    """Evaluating the queryset in ``name`` here runs no query per item: it was evaluated before
    (same binding), or it is bound outside ``loop`` (the first iteration fills its cache)."""
    found = _binding_order(context, stack, name)
    if found is None:
        return False
    scope, bound, here = found
    facts = context.scope_facts(scope)
    loop_order = facts.statement_order.get(id(loop))
    if loop_order is None:  # a comprehension: the statement holding it
        loop_order = facts.order_of(stack[: stack.index(loop) + 1]) if loop in stack else here
    return bound < loop_order or evaluated_before(context, stack, name)


def relations_read_before(context: Any, stack: list[cst.CSTNode], name: str) -> set[str]:
    """Attributes an earlier loop over the same queryset variable (same binding) read from its items:
    those objects come back from the cache with what that loop loaded."""
    found = _binding_order(context, stack, name)
    if found is None:
        return set()
    scope, bound, here = found
    reads: set[str] = set()
    for seen, attributes in _uses_of(context, scope).item_reads.get(name, ()):
        if bound < seen < here:
            reads |= attributes
    return reads
