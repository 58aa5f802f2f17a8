"""BR301: a task or future whose only reference is dropped (the event loop keeps a weak one)."""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule
from backend_rules.rules.async_errors.event_loops import is_loop_receiver
from backend_rules.rules.async_errors.value_fate import fate, forgotten_local

TASK_FACTORIES = {
    "asyncio.create_task": "asyncio.create_task()",
    "asyncio.tasks.create_task": "asyncio.create_task()",
    "asyncio.ensure_future": "asyncio.ensure_future()",
    "asyncio.tasks.ensure_future": "asyncio.ensure_future()",
    "asyncio.run_coroutine_threadsafe": "asyncio.run_coroutine_threadsafe()",
    "asyncio.tasks.run_coroutine_threadsafe": "asyncio.run_coroutine_threadsafe()",
}
LOOP_METHODS = {"create_task", "run_in_executor", "ensure_future"}

REMEDY_TASK = "keep a reference (a set + add_done_callback(set.discard)) or use a TaskGroup"


class DanglingTask(Rule):
    """A task or future is created and its only reference dropped.

    ## What it does
    Finds `asyncio.create_task()`, `asyncio.ensure_future()`, `loop.create_task()`,
    `asyncio.run_coroutine_threadsafe()` and `loop.run_in_executor()` whose result is thrown away,
    or stored in a local variable that is then never awaited, returned, put in a collection,
    passed on or given a done-callback.

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

    ## Not reported
    Tasks stored on an object (`self.task = ...`), in a collection, returned, awaited later,
    passed to another function (`gather`, `wait`, `shield`), created by a `TaskGroup`, or kept in a
    module-level or `global` variable.
    """

    CODE = "BR301"
    NAME = "dangling-task"
    MESSAGE = "task from {call} is never awaited or stored; " + REMEDY_TASK
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    # one literal prefix + lookbehinds: ~6x cheaper than a plain four-way alternation
    TRIGGER = r"_(?:(?<=create_)task|(?<=ensure_)future|(?<=run_coroutine_)threadsafe|(?<=run_in_)executor)"

    def visit_Call(self, node: cst.Call) -> None:
        call = self._spawn_name(node)
        if call is None:
            return
        stack = self.context.stack
        what, parent = fate(stack, node)
        if what == "dropped":
            self.report(node, call=call)
        elif what == "assigned" and parent is not None:
            name = forgotten_local(self.context, parent, stack, keeps=lambda use: True)
            if name is None:
                return
            self.report(
                node,
                f"task from {call} is stored in `{name}` but never awaited or kept; {REMEDY_TASK}",
            )

    def _spawn_name(self, node: cst.Call) -> str | None:
        func = node.func
        qualified = self.context.imports.qualify(func)
        if qualified in TASK_FACTORIES:
            return TASK_FACTORIES[qualified]
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
