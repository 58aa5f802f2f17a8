"""Loops that run once per data item, where a node sits in one, and whether it leaves right after.

Loops over constants, retries, chunks and polls repeat work without running a query per item,
so both rules ask here before they report.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk

LOOP_NODES = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
COMP_NODES = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
BOUNDARIES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
CHUNK_NAME = re.compile(r"(chunk|batch|page|slice|group|bucket|window|part)s?$", re.IGNORECASE)
CHUNK_FUNCS = {"batched", "chunked", "chunks", "grouper", "batches", "paginate", "iter_chunks",
               "chunk", "batch", "in_batches", "chunkify", "split_every", "partition", "pages",
               "ichunked", "sliced", "iterate_in_batches", "queryset_iterator", "chunked_queryset",
               "groupby", "group_by", "itergroups"}
RETRY_NAME = re.compile(r"^_*(attempt|attempts|retry|retries|try|tries|trial|n_?try|i_?try|_)$", re.IGNORECASE)


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)):
        return True
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(_is_constant(e.value) or isinstance(e.value, cst.Name) for e in node.elements)
    if isinstance(node, cst.Dict):
        return True
    if isinstance(node, cst.Name):
        return node.value.isupper() and len(node.value) > 1
    if isinstance(node, cst.Attribute):
        return node.attr.value.isupper() and len(node.attr.value) > 1
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression)
    return False


def loop_targets(loop: cst.CSTNode) -> list[str]:
    target = None
    if isinstance(loop, cst.For):
        target = loop.target
    elif isinstance(loop, COMP_NODES):
        target = loop.for_in.target
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, cst.Name):
            names.append(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                walk(element.value)
        elif isinstance(node, cst.StarredElement):
            walk(node.value)

    if target is not None:
        walk(target)
    return names


def iter_of(loop: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(loop, cst.For):
        return loop.iter
    if isinstance(loop, COMP_NODES):
        return loop.for_in.iter
    return None


def _has_call_named(node: cst.CSTNode, pattern: re.Pattern[str]) -> bool:
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> bool:
            nonlocal found
            name = dotted_name(call.func) or ""
            if pattern.search(name.split(".")[-1]):
                found = True
            return not found

    node.visit(Finder())
    return found


SLEEP = re.compile(r"sleep|wait|backoff")


_PER_ITEM: dict[int, tuple[cst.CSTNode, bool]] = {}


def loop_is_per_item(loop: cst.CSTNode) -> bool:
    """False for loops that do not run once per data item: constants, retries, chunks, polls."""
    hit = _PER_ITEM.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1]
    if len(_PER_ITEM) > 4096:
        _PER_ITEM.clear()
    verdict = _loop_is_per_item_uncached(loop)
    _PER_ITEM[id(loop)] = (loop, verdict)
    return verdict


def _loop_is_per_item_uncached(loop: cst.CSTNode) -> bool:
    if isinstance(loop, cst.While):
        if _has_call_named(loop.body, SLEEP):
            return False  # a poll
        test = loop.test
        if isinstance(test, (cst.Name, cst.Integer)) and getattr(test, "value", "") in {"True", "1"}:
            return bool(drawn_names(loop))  # a retry loop, unless it draws the next item from somewhere
        return True
    iterable = iter_of(loop)
    if iterable is None:
        return False
    targets = loop_targets(loop)
    if not targets or all(t == "_" for t in targets):
        return False
    if any(RETRY_NAME.match(t) for t in targets) or any(CHUNK_NAME.search(t) for t in targets):
        return False
    if _is_constant(iterable):
        return False
    if isinstance(iterable, cst.Call):
        name = (dotted_name(iterable.func) or "").split(".")[-1]
        if name in CHUNK_FUNCS or CHUNK_NAME.search(name):
            return False
        if name == "range":
            if all(_is_constant(a.value) for a in iterable.args):
                return False
            if any(re.search(r"retr|attempt|tries", dotted_name(a.value) or "", re.IGNORECASE) for a in iterable.args):
                return False
        if name == "items" and isinstance(iterable.func, cst.Attribute) and _is_constant(iterable.func.value):
            return False
    name = dotted_name(iterable) or ""
    if CHUNK_NAME.search(name.split(".")[-1] if name else ""):
        return False
    return True


# Calls that hand a while loop its next item: an iterator, a queue, a cursor.
DRAW_CALLS = {"next", "anext", "__next__", "pop", "popleft", "fetchone", "fetchrow", "get_nowait", "readline"}


def drawn_names(loop: cst.While) -> set[str]:
    """Names a ``while`` loop takes its next item into: ``while (row := cur.fetchone())``,
    ``pk = next(it)``, ``node = queue.pop()``."""
    names: set[str] = set()

    def draws(value: cst.BaseExpression) -> bool:
        if isinstance(value, cst.Await):
            value = value.expression
        return isinstance(value, cst.Call) and (dotted_name(value.func) or "").split(".")[-1] in DRAW_CALLS

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, BOUNDARIES):
            return False
        if isinstance(node, cst.NamedExpr) and isinstance(node.target, cst.Name) and draws(node.value):
            names.add(node.target.value)
        elif isinstance(node, cst.Assign) and draws(node.value):
            for target in node.targets:
                names.update(_names_of_target(target.target))
        return True

    walk(loop.test, enter)
    walk(loop.body, enter)
    return names


def per_item_loop(stack: list[cst.CSTNode]) -> cst.CSTNode | None:
    """Innermost loop whose per-item part holds ``stack[-1]`` (no function boundary between)."""
    for i in range(len(stack) - 1, 0, -1):
        parent, child = stack[i - 1], stack[i]
        if isinstance(parent, BOUNDARIES):
            return None
        if isinstance(parent, (cst.For, cst.While)) and child is parent.body:
            return parent
        if isinstance(parent, COMP_NODES) and child is not parent.for_in:
            return parent
        if isinstance(parent, cst.CompFor):
            top = isinstance(stack[i - 2], COMP_NODES) if i >= 2 else False
            if child is parent.iter and top:
                continue
            return stack[i - 2] if top else _comp_of(stack, i - 1)
    return None


def _comp_of(stack: list[cst.CSTNode], index: int) -> cst.CSTNode | None:
    for j in range(index, -1, -1):
        if isinstance(stack[j], COMP_NODES):
            return stack[j]
    return None


def runs_once(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    """The statement holding the node leaves the loop right after it (break/return/raise)."""
    try:
        start = stack.index(loop)
    except ValueError:
        return False
    for depth in range(len(stack) - 1, start, -1):
        node = stack[depth]
        if isinstance(node, (cst.Return, cst.Raise)):
            return True
        if isinstance(node, (cst.SimpleStatementLine, cst.If, cst.Try, cst.With, cst.For, cst.While)):
            parent = stack[depth - 1]
            body = getattr(parent, "body", None)
            statements = body if isinstance(body, (list, tuple)) else None
            if statements is None:
                continue
            try:
                position = list(statements).index(node)
            except ValueError:
                continue
            for later in list(statements)[position:position + 3]:
                if isinstance(later, cst.SimpleStatementLine) and any(
                    isinstance(s, (cst.Break, cst.Return, cst.Raise)) for s in later.body
                ):
                    return True
            if isinstance(parent, cst.IndentedBlock) and depth - 1 == start + 1:
                break
    return False


def first_iteration_only(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    """The node sits under an ``if`` that the loop turns off after its first pass: ``if not counter:``
    with ``counter += 1``, ``if first:`` with ``first = False``, ``if cache is None: cache = ...``,
    ``if i == 0`` over ``enumerate()``. What it guards runs once, not once per item."""
    try:
        start = stack.index(loop)
    except ValueError:
        return False
    body = getattr(loop, "body", None)
    if not isinstance(body, cst.CSTNode):
        return False
    counter = _enumerate_counter(loop)
    for parent, child in zip(stack[start + 1:], stack[start + 2:]):
        if not (isinstance(parent, cst.If) and child is parent.body):
            continue
        name, armed = _guard(parent.test)
        if name is None:
            continue
        if name == counter and armed in {"falsy", "zero"}:
            return True
        if name in loop_targets(loop):
            continue
        if _disarmed_by_loop(body, name, armed, parent):
            return True
    return False


def _enumerate_counter(loop: cst.CSTNode) -> str | None:
    iterable = iter_of(loop)
    target = loop.target if isinstance(loop, cst.For) else None
    if isinstance(iterable, cst.Call) and (dotted_name(iterable.func) or "") == "enumerate" \
            and isinstance(target, cst.Tuple) and target.elements and isinstance(target.elements[0].value, cst.Name):
        starts = [a for a in iterable.args[1:] if not a.keyword] + [a for a in iterable.args if a.keyword and a.keyword.value == "start"]
        if starts and not (isinstance(starts[0].value, cst.Integer) and starts[0].value.value == "0"):
            return None
        return target.elements[0].value.value
    return None


def _guard(test: cst.BaseExpression) -> tuple[str | None, str]:
    """(name, state that makes the guard true): ``not n`` falsy, ``n is None`` none, ``n == 0`` zero, ``n`` truthy."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not) and isinstance(test.expression, cst.Name):
        return test.expression.value, "falsy"
    if isinstance(test, cst.Name) and test.value not in {"True", "False", "None"}:
        return test.value, "truthy"
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name):
        operator, right = test.comparisons[0].operator, test.comparisons[0].comparator
        if isinstance(operator, (cst.Is, cst.Equal)) and isinstance(right, cst.Name) and right.value == "None":
            return test.left.value, "none"
        if isinstance(operator, cst.Equal) and isinstance(right, cst.Integer) and right.value == "0":
            return test.left.value, "zero"
    return None, ""


_CONSTANTS = {"True": True, "False": False, "None": None}


def _disarmed_by_loop(body: cst.CSTNode, name: str, armed: str, guard: cst.If) -> bool:
    """Every assignment of ``name`` in the loop sits in the guarded block or leaves the guard false."""
    writes: list[tuple[cst.CSTNode, bool]] = []  # (value or AugAssign, inside the guard)
    inside: list[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, BOUNDARIES):
            return False
        if node is guard.body:
            inside.append(node)
        if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and node.target.value == name:
            writes.append((node, bool(inside)))
        elif isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
            writes.append((node.value, bool(inside)))
        elif isinstance(node, (cst.For, cst.CompFor)) and name in _names_of_target(node.target):
            writes.append((node, False))
        return True

    def leave(node: cst.CSTNode) -> None:
        if node is guard.body:
            inside.pop()

    walk(body, enter, leave)
    if not writes:
        return False
    for value, in_guard in writes:
        if in_guard:
            continue
        if isinstance(value, cst.AugAssign):
            if armed in {"falsy", "zero"} and isinstance(value.operator, cst.AddAssign):
                continue
            return False
        if isinstance(value, cst.Integer):
            constant: object = int(value.value) if value.value.isdigit() else None
        elif isinstance(value, cst.Name) and value.value in _CONSTANTS:
            constant = _CONSTANTS[value.value]
        else:
            return False
        if armed == "truthy" and not constant or armed in {"falsy", "zero"} and constant or armed == "none" and constant is not None:
            continue
        return False
    return True


def _names_of_target(target: cst.CSTNode) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_of_target(e.value)]
    return []
