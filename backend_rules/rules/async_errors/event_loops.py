"""Is a receiver an event loop? (``loop.create_task``, ``loop.call_soon``, ``loop.run_in_executor``)"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name

LOOP_NAME = re.compile(r"^_*(event_?)?loop$|_loop$")
LOOP_FACTORIES = {"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop",
                  "asyncio.events.get_event_loop", "asyncio.events.get_running_loop"}


def is_loop_receiver(context: Any, receiver: cst.BaseExpression, stack: list[cst.CSTNode]) -> bool:
    """``loop`` / ``self._loop`` / ``asyncio.get_running_loop()`` — an event loop, as far as we see."""
    if isinstance(receiver, cst.Call):
        return (context.imports.qualify(receiver.func) or "") in LOOP_FACTORIES
    name = dotted_name(receiver)
    if name is None or not LOOP_NAME.search(name.split(".")[-1]):
        return False
    if "." in name:
        return True
    # a bare name must be bound somewhere we can see: a parameter or local of this function or an
    # enclosing one (closures), or a module global
    scopes = [n for n in stack if isinstance(n, (cst.FunctionDef, cst.Lambda))] + [stack[0]]
    return any(context.scope_facts(scope).bindings.get(name) for scope in scopes)
