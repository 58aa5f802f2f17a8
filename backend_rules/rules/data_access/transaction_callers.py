"""Which functions of a project are only ever called inside a transaction, across modules.

``copy_event_data()`` saves row by row, but its only caller, a wizard's ``done()`` in another
module, is decorated ``@transaction.atomic``: the saves commit together, there is no commit per
item. The collector records, per module, every call of a function by its name (``f(...)``,
``obj.f(...)``) with whether the call sits in a transaction (a ``with transaction.atomic():`` /
``with session.begin():`` block, or a function decorated ``@transaction.atomic``) and the name of
the function it sits in, so a caller's own callers can be asked too (two levels up). A name is
matched by its last part only: a common name (``save``) has callers outside transactions
somewhere and so is never taken as held.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.project_facts import fact_collector

TRANSACTION_CALL = ("atomic", "begin", "begin_nested", "transaction")
DEPTH = 2  # the function's callers, and their callers


def _opens_transaction(node: ast.expr) -> bool:
    func = node.func if isinstance(node, ast.Call) else node
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return any(word in name.lower() for word in TRANSACTION_CALL) if name else False


def _called_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


@fact_collector("transaction_callers", trigger=r"\bdef\s")
def collect_callers(tree: ast.Module, module: str) -> dict[str, Any]:
    """``{name: [[enclosing function, held], ...]}`` for every call of a plain or dotted name;
    nothing for tests (they call helpers outside the transactions production code opens)."""
    calls: dict[str, list[list[Any]]] = {}
    if any(part in {"tests", "test", "testing", "conftest"} or part.startswith("test_") or part.endswith("_tests")
           for part in module.split(".")):
        return calls

    def visit(node: ast.AST, function: str, held: bool) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorated = any(_opens_transaction(d) for d in node.decorator_list)
            for child in node.body:
                visit(child, node.name, held or decorated)
            return
        if isinstance(node, (ast.With, ast.AsyncWith)):
            opens = any(isinstance(item.context_expr, ast.Call) and _opens_transaction(item.context_expr)
                        for item in node.items)
            for item in node.items:
                visit(item.context_expr, function, held)
            for child in node.body:
                visit(child, function, held or opens)
            return
        if isinstance(node, ast.Call):
            name = _called_name(node)
            if name and len(name) > 2 and not name.startswith("__"):
                sites = calls.setdefault(name, [])
                if [function, held] not in sites:
                    sites.append([function, held])
        for child in ast.iter_child_nodes(node):
            visit(child, function, held)

    visit(tree, "", False)
    return calls


def _sites(project: Any, name: str) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    for calls in project.facts("transaction_callers").values():
        found.extend((function, held) for function, held in calls.get(name, ()))
    return found


def only_called_in_transactions(project: Any, name: str, depth: int = DEPTH) -> bool:
    """Every call of ``name`` in the project runs in a transaction: directly, or because every call
    of the function holding it does (``depth`` levels up). False when no call is seen."""
    if project is None or depth <= 0:
        return False
    sites = _sites(project, name)
    if not sites:
        return False
    return all(held or (function and function != name and only_called_in_transactions(project, function, depth - 1))
               for function, held in sites)
