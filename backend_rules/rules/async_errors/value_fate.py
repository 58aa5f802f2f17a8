"""What becomes of a call's result: dropped, assigned to a local nobody keeps, used, passed on."""

from __future__ import annotations

from typing import Any, Callable

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.rules.async_errors.name_uses import scope_uses


def fate(stack: list[cst.CSTNode], node: cst.BaseExpression) -> tuple[str, cst.CSTNode | None]:
    """What happens to the value of ``node``: dropped, assigned, used as attribute, passed on."""
    parent = stack[-1] if stack else None
    if isinstance(parent, cst.Expr):
        return "dropped", parent
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
        return "assigned", parent
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return "attribute", parent
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return "subscript", parent
    if isinstance(parent, cst.Arg) and len(stack) > 1 and isinstance(stack[-2], cst.Call):
        return "argument", parent
    if (isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is node) or (
            isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node) or isinstance(
            parent, (cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.ComparisonTarget)):
        return "value", parent
    return "passed", parent


def assigned_local(parent: cst.CSTNode, stack: list[cst.CSTNode]) -> str | None:
    """The single local name an Assign/AnnAssign binds inside a function, else None (kept)."""
    if isinstance(parent, cst.Assign):
        if len(parent.targets) != 1:
            return None
        target = parent.targets[0].target
    elif isinstance(parent, cst.AnnAssign):
        target = parent.target
    else:
        return None
    if not isinstance(target, cst.Name):
        return None
    scope = enclosing_scope(stack)
    if not isinstance(scope, cst.FunctionDef):
        return None  # module and class attributes live as long as the module
    # the statement must belong to the function itself, not a class body nested inside it
    for node in reversed(stack):
        if isinstance(node, cst.ClassDef):
            return None
        if node is scope:
            break
    return target.value


def forgotten_local(context: Any, parent: cst.CSTNode, stack: list[cst.CSTNode],
                    keeps: Callable[[Any], bool]) -> str | None:
    """The local a call's result was assigned to, when no later use of it ``keeps`` it alive
    (awaits, returns, stores or passes it on); None when it is kept or not a plain local."""
    name = assigned_local(parent, stack)
    if name is None:
        return None
    uses = scope_uses(context, enclosing_scope(stack))
    if name in uses.declared_global or any(keeps(use) for use in uses.uses.get(name, ())):
        return None
    return name
