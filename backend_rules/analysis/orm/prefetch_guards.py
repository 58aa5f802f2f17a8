"""Code that runs only when a relation was prefetched: Django's ``_prefetched_objects_cache`` guard.

``if "teams" in getattr(self, "_prefetched_objects_cache", {}): for team in self.teams.all(): ...``
runs only for objects whose caller prefetched ``teams`` (and usually what lies behind them): the
loop reads the cache, not the database. Also the early exit ``if "teams" not in ...: return ...``
followed by the loop.
"""

from __future__ import annotations

import libcst as cst

CACHE = "_prefetched_objects_cache"


def _mentions_cache(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.SimpleString):
        return CACHE in node.value
    if isinstance(node, cst.Name):
        return node.value == CACHE
    if isinstance(node, cst.Attribute):
        return node.attr.value == CACHE or _mentions_cache(node.value)
    return any(_mentions_cache(child) for child in node.children)


def _polarity(test: cst.BaseExpression) -> int:
    """+1: true only when prefetched, -1: true only when not prefetched, 0: neither (or unknown)."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return -_polarity(test.expression)
    if isinstance(test, cst.BooleanOperation):
        left, right = _polarity(test.left), _polarity(test.right)
        if isinstance(test.operator, cst.And):
            return 1 if 1 in (left, right) else 0
        return -1 if -1 in (left, right) else 0  # ``not a or not b``: true when either is missing
    if isinstance(test, cst.Comparison):
        if not _mentions_cache(test):
            return 0
        negated = any(isinstance(c.operator, (cst.NotIn, cst.IsNot, cst.NotEqual)) for c in test.comparisons)
        return -1 if negated else 1
    if isinstance(test, cst.Call) and _mentions_cache(test):
        return 1  # ``hasattr(obj, "_prefetched_objects_cache")``
    return 0


def _exits(block: cst.BaseSuite) -> bool:
    body = getattr(block, "body", ())
    last = body[-1] if body else None
    if isinstance(last, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise, cst.Continue)) for s in last.body)
    return False


def prefetch_guarded(stack: list[cst.CSTNode]) -> bool:
    """The innermost node of ``stack`` runs only when a relation was prefetched (in its function)."""
    for index in range(len(stack) - 1, 0, -1):
        node, child = stack[index - 1], stack[index]
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, cst.If):
            polarity = _polarity(node.test)
            if polarity == 1 and child is node.body or polarity == -1 and child is node.orelse:
                return True
        if isinstance(node, cst.IfExp):
            polarity = _polarity(node.test)
            if polarity == 1 and child is node.body or polarity == -1 and child is node.orelse:
                return True
        if isinstance(node, (cst.IndentedBlock, cst.Module)) and child in node.body:
            for statement in node.body[: node.body.index(child)]:
                if isinstance(statement, cst.If) and _polarity(statement.test) == -1 and _exits(statement.body):
                    return True
    return False
