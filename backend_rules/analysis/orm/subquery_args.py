"""A related manager written inside another query's arguments is part of that query's SQL.

``Member.objects.exclude(id__in=viewer.muted.all())`` or ``Exists(member.friends.filter(...))``
compiles the manager's queryset into the outer statement as a subquery: it never runs on its own,
so it is no lazy load per item and prefetching it changes nothing (the outer query may be one per
item, which is another finding's matter).
"""

from __future__ import annotations

import ast

import libcst as cst

# Queryset methods that keep a related manager lazy (a subquery), as opposed to first()/count()/get().
SUBQUERY_METHODS = {"all", "filter", "exclude", "values", "values_list", "order_by", "distinct", "only"}
# Expressions that take a queryset as their subquery.
SUBQUERY_WRAPPERS = {"Subquery", "Exists"}


def _lookup_in(keyword: str | None) -> bool:
    return bool(keyword) and (keyword == "in" or keyword.endswith("__in"))  # type: ignore[union-attr]


def _callee_name(func: ast.AST | cst.BaseExpression) -> str:
    if isinstance(func, (ast.Name, cst.Name)):
        return func.id if isinstance(func, ast.Name) else func.value
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def ast_is_subquery(top: ast.AST, last_call: str | None, parents: dict[int, ast.AST]) -> bool:
    """``top`` (a chain ending in ``.last_call()``) is the value of an ``x__in=`` lookup or of
    ``Subquery()``/``Exists()``."""
    if last_call not in SUBQUERY_METHODS:
        return False
    parent = parents.get(id(top))
    if isinstance(parent, ast.keyword):
        return _lookup_in(parent.arg)
    return isinstance(parent, ast.Call) and top in parent.args and _callee_name(parent.func) in SUBQUERY_WRAPPERS


def cst_is_subquery(top: cst.CSTNode, last_call: str | None, ancestors: list[cst.CSTNode]) -> bool:
    """The libcst twin of :func:`ast_is_subquery`; ``ancestors`` ends with the node holding ``top``."""
    if last_call not in SUBQUERY_METHODS or not ancestors:
        return False
    arg = ancestors[-1]
    if not isinstance(arg, cst.Arg) or arg.value is not top:
        return False
    if arg.keyword is not None:
        return _lookup_in(arg.keyword.value)
    call = ancestors[-2] if len(ancestors) >= 2 else None
    return isinstance(call, cst.Call) and _callee_name(call.func) in SUBQUERY_WRAPPERS
