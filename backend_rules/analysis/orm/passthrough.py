"""Functions that hand back the query they were given, annotated or filtered: what it loads survives.

``talks = annotate_signup_status(talks)`` where the helper only adds ``annotate()``/``filter()`` to
its argument and returns it: the ``select_related("room")`` of ``talks`` still holds. Read with the
stdlib ``ast`` for the function summaries of the project index (``pa``: the position of the
parameter returned, ``pc``: project functions the parameter goes through on the way, ``"name pos"``).
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.orm.chains import ast_chain, name_of

# Methods that keep the rows (and their loaded relations) of the query they are called on.
KEEPS_ROWS = {
    "all", "filter", "exclude", "annotate", "alias", "order_by", "distinct", "select_related",
    "prefetch_related", "using", "extra", "reverse", "none", "complex_filter", "select_for_update",
    "where", "filter_by", "options", "join", "outerjoin", "limit", "offset", "group_by", "having",
    "execution_options", "correlate", "add_columns",
}


def _through(value: ast.AST, name: str, callees: list[str]) -> bool:
    """``value`` is ``name`` with row-keeping methods, or a project call given ``name`` (recorded)."""
    if isinstance(value, ast.Await):
        value = value.value
    segs = ast_chain(value)
    if not segs or any(not s.call or s.name not in KEEPS_ROWS for s in segs[1:]):
        return False
    root = segs[0]
    if not root.call:
        return root.name == name
    call = _head_call(value, len(segs) - 1)
    if call is None:
        return False
    positions = [i for i, arg in enumerate(call.args) if isinstance(arg, ast.Name) and arg.id == name]
    callee = name_of(call.func) or ""
    if len(positions) != 1 or not callee or callee[:1].isupper() or "." in callee.strip("."):
        return False  # a class (a new object), ``module.func`` / ``obj.method`` we will not follow
    callees.append(f"{callee} {positions[0]}")
    return True


def _head_call(value: ast.AST, methods: int) -> ast.Call | None:
    node = value
    for _ in range(methods):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            return None
        node = node.func.value
    return node if isinstance(node, ast.Call) else None


def passthrough(nodes: list[ast.AST], params: list[str]) -> dict[str, Any] | None:
    """``{"pa": position, "pc": [...]}`` when every ``return`` hands back one parameter (through
    row-keeping methods and project helpers), and every value assigned to it is built the same way."""
    returns = [n for n in nodes if isinstance(n, ast.Return)]
    if not returns or any(r.value is None for r in returns):
        return None
    for position, name in enumerate(params[:3]):
        callees: list[str] = []
        rebinds: list[ast.AST] = []
        other = False
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                    if isinstance(node, ast.AugAssign) or node.value is None:
                        other = True
                    else:
                        rebinds.append(node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.NamedExpr, ast.withitem, ast.comprehension)):
                target = node.optional_vars if isinstance(node, ast.withitem) else node.target
                other = other or target is not None and any(
                    isinstance(n, ast.Name) and n.id == name for n in ast.walk(target))
        if other:
            continue
        if all(_through(r.value, name, callees) for r in returns) and all(_through(v, name, callees) for v in rebinds):
            summary: dict[str, Any] = {"pa": position}
            if callees:
                summary["pc"] = sorted(set(callees))[:4]
            return summary
    return None
