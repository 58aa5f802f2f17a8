"""BR301: a task or future whose only reference is dropped (the event loop keeps a weak one)."""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.code_kinds import is_test_code
from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule
from backend_rules.rules.async_errors.event_loops import is_loop_receiver
from backend_rules.rules.async_errors.keep_task_fix import keep_task_fix
from backend_rules.rules.async_errors.task_references import forgotten_holder, is_forgotten_collection, keeps_task
from backend_rules.rules.async_errors.value_fate import assigned_local, fate, forgotten_local

TASK_FACTORIES = {
    "asyncio.create_task": "asyncio.create_task()",
    "asyncio.tasks.create_task": "asyncio.create_task()",
    "asyncio.ensure_future": "asyncio.ensure_future()",
    "asyncio.tasks.ensure_future": "asyncio.ensure_future()",
    "asyncio.run_coroutine_threadsafe": "asyncio.run_coroutine_threadsafe()",
    "asyncio.tasks.run_coroutine_threadsafe": "asyncio.run_coroutine_threadsafe()",
}
# gather() wraps its awaitables in tasks at once: they run, but only the future it returns
# carries their errors, and nobody holds it.
FUTURE_FACTORIES = {"asyncio.gather": "asyncio.gather()", "asyncio.tasks.gather": "asyncio.gather()"}
LOOP_METHODS = {"create_task", "run_in_executor", "ensure_future"}

REMEDY_TASK = "keep a reference (a set + add_done_callback(set.discard)) or use a TaskGroup"
REMEDY_GATHER = "await it (or keep it and await it later)"


class DanglingTask(Rule):
    """A task or future is created and its only reference dropped.

    ## What it does
    Finds `asyncio.create_task()`, `asyncio.ensure_future()`, `loop.create_task()`,
    `asyncio.run_coroutine_threadsafe()`, `loop.run_in_executor()` and `asyncio.gather()` whose
    result is thrown away, or stored in a local variable that is then never awaited, returned,
    stored or passed on — only logged (`logger.info("started %s", task)`), named or given a
    done-callback — or kept only in a collection that is itself a local of the function
    (`pending = set(); pending.add(task)`, `tasks = [create_task(c) for c in coros]`), which dies
    with the function.

    ## Why is this bad?
    The event loop keeps only a weak reference to a task: a task nobody references can be
    garbage-collected mid-flight and silently never finish. And when it fails, nobody retrieves
    the exception — at best "Task exception was never retrieved" appears in a log at shutdown.

    ## Example
    ```python
    async def signup(user):
        asyncio.create_task(send_welcome_email(user))
    ```

    ## Use instead
    Keep a strong reference until the task is done, and observe its result:
    ```python
    background_tasks = set()

    async def signup(user):
        task = asyncio.create_task(send_welcome_email(user))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
    ```
    or run it in an `asyncio.TaskGroup` (Python 3.11+), or `await` it.

    `asyncio.gather()` wraps its awaitables in tasks at once: they run, but their errors travel
    only in the future it returns, and nobody holds that.

    ## Not reported
    Tasks stored on an object (`self.task = ...`), in a collection of the object or the module,
    returned, awaited later, cancelled, passed to another function (`gather`, `wait`, `shield`),
    created by a `TaskGroup`, or kept in a module-level or `global` variable. In test code the
    finding has LOW confidence: a test that drops a task usually means to.

    ## Fix safety
    An unsafe fix (`--fix --unsafe-fixes`) keeps a dropped `create_task()`/`ensure_future()`
    task (or a local nobody keeps) in a module-level `_background_tasks: set[asyncio.Task] =
    set()` until it is done (`task.add_done_callback(_background_tasks.discard)`); inside `async
    with asyncio.TaskGroup() as tg` the task is created by `tg.create_task` instead. It is unsafe
    because the task now runs to its end (and the TaskGroup waits for it) where it could be
    collected before. No fix for `gather()`, executors, tasks kept in local collections, or a
    statement sharing its line.
    """

    CODE = "BR301"
    FIX = "unsafe"
    NAME = "dangling-task"
    MESSAGE = "task from {call} is never awaited or stored; " + REMEDY_TASK
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    # one literal prefix + lookbehinds: ~6x cheaper than a plain four-way alternation
    TRIGGER = r"_(?:(?<=create_)task|(?<=ensure_)future|(?<=run_coroutine_)threadsafe|(?<=run_in_)executor)|gather"

    def visit_Call(self, node: cst.Call) -> None:
        call = self._spawn_name(node)
        if call is None:
            return
        stack = self.context.stack
        gather = call == "asyncio.gather()"
        what, parent = fate(stack, node)
        if what == "dropped":
            if gather:
                self._report(node, f"future from {call} is never awaited: its tasks run unobserved and their "
                                   f"errors are lost; {REMEDY_GATHER}")
            else:
                self._report(node, self.MESSAGE.format(call=call), fix=keep_task_fix(self.context, node, call))
        elif what == "assigned" and parent is not None:
            scope = enclosing_scope(stack)
            if call.endswith(("run_in_executor()", "run_coroutine_threadsafe()")):
                keeps = lambda use: True  # noqa: E731 - the executor or the other loop holds the work
            else:
                keeps = lambda use: keeps_task(self.context, use, scope)  # noqa: E731
            name = forgotten_local(self.context, parent, stack, keeps=keeps)
            if name is None:
                return
            holder = forgotten_holder(self.context, name, stack)
            if gather:
                self._report(node, f"future from {call} is stored in `{name}` but never awaited; its errors are "
                                   f"lost; {REMEDY_GATHER}")
            elif holder is not None:
                self._report(node, f"task from {call} is kept only in `{holder}`, a local that dies with the "
                                   f"function; {REMEDY_TASK}")
            else:
                self._report(node, f"task from {call} is stored in `{name}` but never awaited or kept; {REMEDY_TASK}",
                             fix=keep_task_fix(self.context, node, call, assigned=parent))
        elif not gather:
            holder = self._local_collection(what, parent, node, stack)
            if holder is not None:
                self._report(node, f"task from {call} is kept only in `{holder}`, a local that dies with the "
                                   f"function; {REMEDY_TASK}")

    def _local_collection(self, what: str, parent: cst.CSTNode | None, node: cst.Call,
                          stack: list[cst.CSTNode]) -> str | None:
        """``tasks.append(create_task(...))`` or ``tasks = [create_task(c) for c in coros]`` where
        ``tasks`` is a local collection the function never lets out."""
        name = None
        if what == "passed" and isinstance(parent, (cst.ListComp, cst.SetComp)) and parent.elt is node:
            owner = stack[-2] if len(stack) > 1 else None
            if isinstance(owner, (cst.Assign, cst.AnnAssign)):
                name = assigned_local(owner, stack[:-1])
        elif what == "argument" and isinstance(stack[-2], cst.Call):
            func = stack[-2].func
            if isinstance(func, cst.Attribute) and func.attr.value in {"add", "append", "appendleft"} \
                    and isinstance(func.value, cst.Name):
                name = func.value.value
        if name is not None and is_forgotten_collection(self.context, name, enclosing_scope(stack)):
            return name
        return None

    def _report(self, node: cst.Call, message: str, fix=None) -> None:
        # a test that drops a task usually means to: the loop is torn down with the test
        self.report(node, message, confidence="LOW" if is_test_code(self.context.options) else None, fix=fix)

    def _spawn_name(self, node: cst.Call) -> str | None:
        func = node.func
        qualified = self.context.imports.qualify(func)
        if qualified in TASK_FACTORIES:
            return TASK_FACTORIES[qualified]
        if qualified in FUTURE_FACTORIES and self.context.imports.imported_from(func, "asyncio"):
            return FUTURE_FACTORIES[qualified]
        if (isinstance(func, cst.Attribute) and func.attr.value in LOOP_METHODS
                and is_loop_receiver(self.context, func.value, self.context.stack)):
            receiver = dotted_name(func.value) or "loop"
            if isinstance(func.value, cst.Call):
                receiver = (dotted_name(func.value.func) or "loop") + "()"
            return f"{receiver}.{func.attr.value}()"
        return None

    VALID = [
        # the documented idiom: a strong reference until done
        """
        import asyncio
        background_tasks = set()

        def spawn(coro):
            task = asyncio.create_task(coro)
            background_tasks.add(task)
            task.add_done_callback(background_tasks.discard)
        """,
        # awaited later, returned, kept on self
        """
        import asyncio

        async def fetch_both(a, b):
            first = asyncio.create_task(a())
            await b()
            return await first

        def start(self):
            self._task = asyncio.ensure_future(self.run())
            return asyncio.create_task(self.other())
        """,
        # TaskGroup keeps its tasks; `tg.create_task` is not a loop method
        """
        import asyncio

        async def main(jobs):
            async with asyncio.TaskGroup() as tg:
                for job in jobs:
                    tg.create_task(job.run())
        """,
        # near miss: a project function that happens to be called create_task
        """
        from myapp.jobs import create_task

        def new_job(title):
            create_task(title)
        """,
        # awaited through gather, or in a list
        """
        import asyncio as aio

        async def run_all(clients):
            tasks = [aio.create_task(c.close()) for c in clients]
            pending = aio.create_task(clients[0].ping())
            await aio.gather(*tasks, pending)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import asyncio

            async def signup(user):
                asyncio.create_task(send_welcome_email(user))
            """,
            line=4, column=5, message="asyncio.create_task()",
            expected="""
            import asyncio
            _background_tasks: set[asyncio.Task] = set()  # tasks kept alive until done (the loop holds only weak references)

            async def signup(user):
                task = asyncio.create_task(send_welcome_email(user))
                _background_tasks.add(task)
                task.add_done_callback(_background_tasks.discard)
            """,
        ),
        Invalid(
            """
            from asyncio import gather

            async def warm(caches):
                gather(*(cache.warm() for cache in caches))
            """,
            line=4, message="future from asyncio.gather()",
        ),
        Invalid(
            """
            import asyncio

            async def notify_all(users):
                pending = set()
                for user in users:
                    task = asyncio.create_task(notify(user))
                    pending.add(task)
                    task.add_done_callback(pending.discard)
            """,
            line=6, message="kept only in `pending`",
        ),
        Invalid(
            """
            from asyncio import ensure_future

            def on_message(msg):
                ensure_future(handle(msg))
            """,
            line=4, message="asyncio.ensure_future()",
        ),
        Invalid(
            """
            import asyncio as aio

            async def refresh(cache):
                loop = aio.get_running_loop()
                task = loop.create_task(cache.reload())
                return "ok"
            """,
            line=5, message="stored in `task`",
        ),
        Invalid(
            """
            class Worker:
                def kick(self, job):
                    self.loop.run_in_executor(None, job.run)
            """,
            line=3, message="self.loop.run_in_executor()",
        ),
    ]
