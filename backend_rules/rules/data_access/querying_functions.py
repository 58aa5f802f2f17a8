"""Functions of the project that run a query, so that calling one per item counts as a query per item."""

from __future__ import annotations

from typing import Any

import libcst as cst

from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.orm.query_calls import Query, classify, is_specific
from backend_rules.rules.data_access.file_state import FileState, KnownModels


class _QueryFinder(cst.CSTVisitor):
    def __init__(self, state: FileState) -> None:
        self.state = state
        self.found: str | None = None
        self.calls: list[cst.Call] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if self.found is not None:
            return False
        query = classify(chain_of(node), KnownModels(self.state))
        if query is not None and query.evaluated and not query.has_in_lookup and is_specific(query):
            self.found = describe(query)
        else:
            self.calls.append(node)
        return True


def describe(query: Query) -> str:
    return query.text


def function_query(state: FileState, func: cst.FunctionDef, context: Any, depth: int = 0) -> str | None:
    key = id(func)
    if key in state.func_verdicts:
        return state.func_verdicts[key]
    state.func_verdicts[key] = None  # recursion guard
    finder = _QueryFinder(state)
    func.body.visit(finder)
    verdict = finder.found
    if verdict is None and depth < 1:
        module_funcs = context.scope_facts(context.module).functions
        for call in finder.calls:
            if isinstance(call.func, cst.Name) and call.func.value in module_funcs:
                inner = function_query(state, module_funcs[call.func.value], context, depth + 1)
                if inner:
                    verdict = inner
                    break
    state.func_verdicts[key] = verdict
    return verdict


def resolve_relative(module: str, qualified: str) -> str:
    if not qualified.startswith("."):
        return qualified
    level = len(qualified) - len(qualified.lstrip("."))
    base = module.split(".")
    base = base[: max(len(base) - level, 0)]
    rest = qualified.lstrip(".")
    return ".".join(base + [rest]) if base else rest


def method_query(state: FileState, class_name: str, method: str) -> str | None:
    """What ``Class.method`` (defined on the class or a project base of it) queries, from the index."""
    seen: set[str] = set()
    pending = [class_name]
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        for module, funcs in state.graph.functions.items():
            text = funcs.get(f"{name}.{method}")
            if text:
                return f"{text} (in {module})"
        for _, bases in state.functions.classes.get(name, []):
            pending.extend(bases)
    return None
