"""Does anything keep a task alive after the function that made it returns?

The event loop holds tasks only weakly. A task is safe once something longer-lived holds it: the
caller (returned, yielded), an object (``self._task = ...``), a module-level set, a ``TaskGroup``,
or an ``await``. Some uses look like keeping and are not: formatting it into a log line
(``logger.info("started %s", task)``), giving it a done-callback (the callback hangs on the task
itself), or adding it to a set that is a local of the same function — the set dies with the
function and the task with it.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.rules.async_errors.name_uses import NameUse, scope_uses

LOGGING_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "fatal", "msg"}
LOGGER_NAME = re.compile(r"(?i)log")
FORMATTING_CALLS = {"str", "repr", "format", "id", "type"}
# Methods of a task that neither hold it nor look at its outcome.
NOT_KEEPING_METHODS = {"add_done_callback", "remove_done_callback", "set_name", "get_name", "get_coro",
                       "get_loop", "get_context"}
# Methods of a collection that change it without letting it escape.
COLLECTION_MUTATORS = {"add", "append", "appendleft", "extend", "insert", "update", "discard", "remove", "pop",
                       "clear", "setdefault"}
FRESH_COLLECTIONS = {"set", "list", "dict", "deque", "collections.deque", "WeakSet", "weakref.WeakSet"}
# A local collection handed only to these stays local.
TRANSPARENT_CALLS = {"len", "bool", "print"}


def is_logged(use: NameUse) -> bool:
    """The use only formats the value into a log line or ``print``."""
    for node in reversed(use.ancestors):
        if isinstance(node, (cst.Arg, cst.FormattedStringExpression, cst.FormattedString, cst.BinaryOperation,
                             cst.ConcatenatedString, cst.Element, cst.Tuple)):
            continue
        if isinstance(node, cst.Call):
            name = dotted_name(node.func) or ""
            if name in FORMATTING_CALLS or name.endswith(".format"):
                continue
            return _is_logging_call(name)
        return False
    return False


def _is_logging_call(name: str) -> bool:
    if name == "print":
        return True
    receiver, _, method = name.rpartition(".")
    return method in LOGGING_METHODS and bool(LOGGER_NAME.search(receiver))


def keeps_task(context: Any, use: NameUse, scope: cst.CSTNode) -> bool:
    """Whether this use of a local holding a task keeps the task alive (or observes it)."""
    if is_logged(use):
        return False
    if use.kind == "attr" and isinstance(use.parent, cst.Attribute):
        return use.parent.attr.value not in NOT_KEEPING_METHODS
    holder = local_holder(context, use, scope)
    return holder is None


def local_holder(context: Any, use: NameUse, scope: cst.CSTNode) -> str | None:
    """``tasks.add(task)`` where ``tasks`` is a fresh collection of this function that never
    leaves it: the name of that collection, else None."""
    if use.kind != "arg" or not isinstance(use.grandparent, cst.Call):
        return None
    func = use.grandparent.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in COLLECTION_MUTATORS
            and isinstance(func.value, cst.Name)):
        return None
    name = func.value.value
    return name if is_forgotten_collection(context, name, scope) else None


def is_forgotten_collection(context: Any, name: str, scope: cst.CSTNode) -> bool:
    """``tasks = set()`` in this function, only ever mutated, counted or logged."""
    if not isinstance(scope, cst.FunctionDef):
        return False
    uses = scope_uses(context, scope)
    if name in uses.declared_global:
        return False
    bindings = context.scope_facts(scope).bindings.get(name, [])
    assigned = [b for b in bindings if b.kind == "="]
    if not assigned or any(b.kind in {"param", "loop", "with", "unpack", "+=", "other"} for b in bindings):
        return False
    if not all(_fresh_collection(context, b.value) for b in assigned):
        return False
    for use in uses.uses.get(name, ()):
        if is_logged(use):
            continue
        if use.kind == "attr" and isinstance(use.parent, cst.Attribute) and use.parent.attr.value in COLLECTION_MUTATORS:
            continue
        if use.kind == "arg" and isinstance(use.grandparent, cst.Call) and \
                (dotted_name(use.grandparent.func) or "") in TRANSPARENT_CALLS:
            continue
        return False
    return True


def _fresh_collection(context: Any, value: cst.BaseExpression | None) -> bool:
    if isinstance(value, (cst.List, cst.Set, cst.Dict)):
        return not value.elements
    if isinstance(value, (cst.ListComp, cst.SetComp)):
        return True  # ``tasks = [create_task(c) for c in coros]``
    if isinstance(value, cst.Call) and not value.args:
        return (context.imports.qualify(value.func) or "") in FRESH_COLLECTIONS
    return False


def forgotten_holder(context: Any, name: str, stack: list[cst.CSTNode]) -> str | None:
    """The local collection that is the only holder of local ``name``, if there is exactly one."""
    scope = enclosing_scope(stack)
    holders = {local_holder(context, use, scope) for use in scope_uses(context, scope).uses.get(name, ())}
    holders.discard(None)
    return next(iter(holders)) if len(holders) == 1 else None
