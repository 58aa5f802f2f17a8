"""BR301's fix: keep a strong reference to a task until it is done.

``asyncio.create_task(send(user))`` becomes::

    task = asyncio.create_task(send(user))
    _background_tasks.add(task)
    task.add_done_callback(_background_tasks.discard)

with ``_background_tasks: set[asyncio.Task] = set()`` added after the module's imports (once). A
task created inside ``async with asyncio.TaskGroup() as tg`` is handed to ``tg.create_task``
instead. Unsafe: the task now lives (and is waited for, in a TaskGroup) where it could be
collected before, and an error it raises is still only logged by the loop.
"""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.source_edits import SourceText, source_of
from backend_rules.rule import Fix

HOLDER = "_background_tasks"
TASK_GROUPS = {"asyncio.TaskGroup", "asyncio.taskgroups.TaskGroup", "anyio.create_task_group"}
# Calls whose result is a task or future the set can hold (not executors' or other loops' futures).
KEEPABLE = ("create_task()", "ensure_future()")


def keep_task_fix(context, call: cst.Call, spawned: str, assigned: cst.CSTNode | None = None) -> Fix | None:
    """The fix for ``call`` (a task dropped, or ``assigned`` to a local nobody keeps)."""
    if not spawned.endswith(KEEPABLE):
        return None
    stack = context.stack
    group = _task_group(context, stack)
    if group is not None and assigned is None and isinstance(call.func, (cst.Attribute, cst.Name)):
        if any(a.keyword is not None and a.keyword.value not in {"name", "context"} for a in call.args):
            return None  # ensure_future(loop=...): no TaskGroup twin
        return Fix(call.func, cst.Attribute(cst.Name(group), cst.Name("create_task")),
                   f"create the task in the TaskGroup `{group}`", safe=False)
    line = stack[-2] if len(stack) > 1 else None
    statement = stack[-1] if stack else None
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or line.body[0] is not statement:
        return None
    prepend = _holder_definition(context)
    if prepend is None:
        return None
    indent = context.block_indent(line)
    if assigned is None:
        name = _free_name(enclosing_scope(stack), "task")
        first = f"{name} = {source_of(context, call)}"
    else:
        name = assigned.targets[0].target.value if isinstance(assigned, cst.Assign) else assigned.target.value
        first = source_of(context, statement)
    text = (f"{first}\n{indent}{HOLDER}.add({name})\n"
            f"{indent}{name}.add_done_callback({HOLDER}.discard)")
    return Fix(statement, SourceText(text), f"keep a reference in {HOLDER} until the task is done",
               safe=False, prepend=prepend)


def _task_group(context, stack: list[cst.CSTNode]) -> str | None:
    """The name of an ``async with TaskGroup() as tg`` around the call, in the same function."""
    for node in reversed(stack):
        if isinstance(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return None
        if isinstance(node, cst.With) and node.asynchronous is not None:
            for item in node.items:
                if (isinstance(item.item, cst.Call) and (context.imports.qualify(item.item.func) or "") in TASK_GROUPS
                        and item.asname is not None and isinstance(item.asname.name, cst.Name)):
                    if "anyio" in (context.imports.qualify(item.item.func) or ""):
                        return None  # anyio's start_soon takes a function, not a coroutine
                    return item.asname.name.value
    return None


def _holder_definition(context) -> tuple[str, ...] | None:
    """The module-level set to add (nothing when the module has one already, None when the name
    is taken by something else)."""
    module = context.module
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else (
                [small.target] if isinstance(small, cst.AnnAssign) else [])
            if any(isinstance(t, cst.Name) and t.value == HOLDER for t in targets):
                value = small.value
                is_set = isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "set"
                return () if is_set and not value.args else None
    annotation = "set[asyncio.Task]" if _asyncio_imported_first(module) else "set"
    return (f"{HOLDER}: {annotation} = set()  # tasks kept alive until done (the loop holds only weak references)",)


def _asyncio_imported_first(module: cst.Module) -> bool:
    """``import asyncio`` sits in the module's leading imports (the set's annotation can name it)."""
    for index, statement in enumerate(module.body):
        smalls = statement.body if isinstance(statement, cst.SimpleStatementLine) else []
        if not smalls:
            return False
        for small in smalls:
            if isinstance(small, cst.Import):
                if any(a.asname is None and (cst.Module([]).code_for_node(a.name) == "asyncio") for a in small.names):
                    return True
            elif isinstance(small, cst.ImportFrom):
                continue
            elif index == 0 and isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString):
                continue
            else:
                return False
    return False


def _free_name(scope: cst.CSTNode, wanted: str) -> str:
    """``wanted`` unless the scope uses that name already (then ``wanted_2``...)."""
    used: set[str] = set()

    class Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            used.add(node.value)

    scope.visit(Names())
    name, number = wanted, 2
    while name in used:
        name, number = f"{wanted}_{number}", number + 1
    return name
