"""Every read of a local name inside one function, and what surrounds it (awaited, passed, stored...)."""

from __future__ import annotations

from typing import Any

import libcst as cst

from backend_rules.analysis.walk import Visitor
from backend_rules.rules.async_errors.file_cache import file_cache


class NameUse:
    """One read of a local name and what surrounds it."""

    __slots__ = ("ancestors", "grandparent", "kind", "node", "parent")

    def __init__(self, kind: str, node: cst.Name, parent: cst.CSTNode | None, grandparent: cst.CSTNode | None,
                 ancestors: tuple[cst.CSTNode, ...] = ()):
        self.kind, self.node, self.parent, self.grandparent = kind, node, parent, grandparent
        self.ancestors = ancestors  # the nearest enclosing nodes, outermost first (parent last)


class ScopeUses:
    """Every read of every name inside one function (closures included), plus global names."""

    def __init__(self) -> None:
        self.uses: dict[str, list[NameUse]] = {}
        self.declared_global: set[str] = set()
        self.calls: list[cst.Call] = []


STORE_CONTAINERS = (cst.Element, cst.Tuple, cst.List, cst.StarredElement)
ANCESTORS_KEPT = 8  # enough to climb out of an f-string inside a log call's argument


class _UseCollector(Visitor):
    def __init__(self, result: ScopeUses) -> None:
        self.result = result
        self.stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            self._name(node)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                self.result.declared_global.add(item.name.value)
        elif isinstance(node, cst.Call):
            self.result.calls.append(node)
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()

    def _name(self, node: cst.Name) -> None:
        parent = self.stack[-1] if self.stack else None
        grand = self.stack[-2] if len(self.stack) > 1 else None
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return
        if isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.ImportAlias, cst.AsName,
                               cst.Global, cst.Nonlocal, cst.NameItem)):
            return
        # climb out of tuple/list targets: ``a, b = ...``
        index = len(self.stack) - 1
        child: cst.CSTNode = node
        while index >= 0 and isinstance(self.stack[index], STORE_CONTAINERS):
            child = self.stack[index]
            index -= 1
        holder = self.stack[index] if index >= 0 else None
        if isinstance(holder, cst.AssignTarget) and holder.target is child:
            return
        if isinstance(holder, (cst.AnnAssign, cst.NamedExpr)) and holder.target is child:
            return
        if isinstance(holder, (cst.For, cst.CompFor)) and holder.target is child:
            return
        if isinstance(holder, cst.AugAssign) and holder.target is child:
            kind = "augassign"
        elif isinstance(parent, cst.Await):
            kind = "await"
        elif isinstance(parent, cst.Arg):
            kind = "arg"
        elif isinstance(parent, (cst.Return, cst.Yield, cst.Lambda)):
            kind = "return"
        elif isinstance(parent, (cst.Element, cst.DictElement, cst.StarredElement, cst.StarredDictElement)):
            kind = "collection"
        elif isinstance(parent, (cst.Assign, cst.AnnAssign)):
            kind = "alias"
        elif isinstance(parent, cst.Attribute):
            kind = "attr"
        elif isinstance(parent, cst.Subscript):
            kind = "subscript"
        elif isinstance(parent, cst.WithItem):
            kind = "with"
        elif isinstance(parent, (cst.For, cst.CompFor)):
            kind = "iterate"
        else:
            kind = "other"
        self.result.uses.setdefault(node.value, []).append(
            NameUse(kind, node, parent, grand, tuple(self.stack[-ANCESTORS_KEPT:]))
        )


def scope_uses(context: Any, scope: cst.CSTNode) -> ScopeUses:
    cache = file_cache(context).setdefault("uses", {})
    result = cache.get(id(scope))
    if result is None:
        result = cache[id(scope)] = ScopeUses()
        collector = _UseCollector(result)
        body = scope.body if isinstance(scope, (cst.FunctionDef, cst.Lambda)) else scope
        collector.walk(body)
    return result
