"""BR302: a coroutine created but never awaited, or handed over where a callable belongs.

Names go through the file's import aliases; locals are followed through the function they live
in; coroutine functions of other project modules come from the project index (``async_defs``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule
from backend_rules.rules.async_errors.coroutines import (
    class_kinds, module_classes, module_kinds, project_coroutine, project_method_names,
)
from backend_rules.rules.async_errors.event_loops import is_loop_receiver
from backend_rules.rules.async_errors.file_cache import file_cache
from backend_rules.rules.async_errors.libraries import (
    ASYNC_LIBRARIES, KNOWN_COROUTINES, LIBRARY_PREFIXES, TYPE_CLASS_NAMES, TYPE_METHODS, TYPED_METHOD_NAMES,
)
from backend_rules.rules.async_errors.name_uses import NameUse
from backend_rules.rules.async_errors.type_resolver import TypeResolver
from backend_rules.rules.async_errors.value_fate import fate, forgotten_local

# Calls that take a *callable*; a coroutine object in that slot is a bug.
# method name -> (positional index, keyword name)
CALLABLE_SLOTS = {
    "add_task": (0, "func"),
    "call_soon": (0, "callback"),
    "call_soon_threadsafe": (0, "callback"),
    "call_later": (1, "callback"),
    "call_at": (1, "callback"),
    "run_in_executor": (1, "func"),
    "submit": (0, "fn"),
}
CALLABLE_FUNCTIONS = {
    "threading.Thread": (-1, "target"),
    "threading.Timer": (1, "function"),
    "multiprocessing.Process": (-1, "target"),
    "asyncio.to_thread": (0, "func"),
    "atexit.register": (0, "func"),
    "starlette.background.BackgroundTask": (0, "func"),
    "fastapi.BackgroundTasks": (0, "func"),
    "anyio.to_thread.run_sync": (0, "func"),
}
BACKGROUND_RECEIVER = re.compile(r"(?i)background|(^|_)bg(_|$)|tasks$")
EXECUTOR_RECEIVER = re.compile(r"(?i)executor|(^|_)pool$")
COROUTINE_OBJECT_METHODS = {"send", "throw", "close", "__await__", "cr_frame", "cr_running", "cr_code"}


class UnawaitedCoroutine(Rule):
    """A coroutine is created but never awaited (or is passed where a function is expected).

    ## What it does
    Finds calls to coroutine functions whose result is thrown away, stored and never used, or used
    as if it were the result (`data = request.json(); data["x"]`). It knows the module's own
    `async def` functions and methods (`self.`/`cls.` included, through base classes), the
    project's other modules (from the project index), and library coroutines: `asyncio.sleep`,
    `wait_for`, httpx `AsyncClient` and aiohttp `ClientSession` methods, `redis.asyncio`,
    asyncpg, aiosqlite, SQLAlchemy `AsyncSession`, Starlette `Request`/`WebSocket`, asyncio queues,
    locks and streams. It also finds a coroutine object given where a callable is expected:
    `background_tasks.add_task(send_email(user))`, `loop.call_soon(coro())`,
    `threading.Thread(target=coro())`, `loop.run_in_executor(None, coro())`.

    ## Why is this bad?
    Calling a coroutine function only creates a coroutine object: nothing runs. The work silently
    never happens (the email is not sent, the row is not committed) and Python prints at most
    "RuntimeWarning: coroutine ... was never awaited" at garbage collection.

    ## Example
    ```python
    async def close_account(session: AsyncSession, user):
        await session.delete(user)
        session.commit()
        background_tasks.add_task(send_goodbye(user))
    ```

    ## Use instead
    ```python
    async def close_account(session: AsyncSession, user):
        await session.delete(user)
        await session.commit()
        background_tasks.add_task(send_goodbye, user)
    ```
    """

    CODE = "BR302"
    NAME = "unawaited-coroutine"
    MESSAGE = "coroutine {name}() is never awaited, so it never runs; add `await` (or schedule it as a task)"
    CATEGORY = "correctness"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    # ``await`` and the client libraries only appear in files with an ``async def`` (or asyncio)
    TRIGGER = r"a(?:sync\s+def|syncio|dd_task)"
    USES_PROJECT_INDEX = True

    @classmethod
    def may_fire_in_project(cls, tree: ast.Module, project: Any) -> bool:
        """A call not directly awaited whose name is some coroutine's (or a callable slot)."""
        names = {n.name for n in nodes(tree, ast.AsyncFunctionDef)}
        names.update(name.rsplit(".", 1)[-1] for name in KNOWN_COROUTINES)
        imported = {alias.name.split(".")[0] for node in nodes(tree, ast.Import) for alias in node.names} | {
            (node.module or "").split(".")[0] for node in nodes(tree, ast.ImportFrom)
        }
        if imported & ASYNC_LIBRARIES:
            mentioned = {n.attr for n in nodes(tree, ast.Attribute)} | {n.id for n in nodes(tree, ast.Name)}
            if mentioned & TYPE_CLASS_NAMES:  # a receiver can only be typed through one of these
                names |= TYPED_METHOD_NAMES
        index = project()
        if index is not None:
            for facts in index.facts("async_defs").values():
                names.update(name.rsplit(".", 1)[-1] for name in facts.get("c", ()))
        awaited = {id(n.value) for n in nodes(tree, ast.Await)}
        slots = set(CALLABLE_SLOTS) | {name.rsplit(".", 1)[-1] for name in CALLABLE_FUNCTIONS}
        for node in nodes(tree, ast.Call):
            if id(node) not in awaited:
                func = node.func
                callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if callee in names or callee in slots:
                    return True
        return False

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.types = TypeResolver(context)

    def visit_Call(self, node: cst.Call) -> None:
        name = self._coroutine_name(node)
        if name is None:
            return
        stack = self.context.stack
        what, parent = fate(stack, node)
        if what == "dropped":
            self.report(node, name=name)
        elif what == "assigned" and parent is not None:
            local = forgotten_local(self.context, parent, stack, keeps=self._passes_on)
            if local is None:
                return
            self.report(node, f"coroutine {name}() is stored in `{local}` but never awaited; add `await`")
        elif what == "attribute" and isinstance(parent, cst.Attribute):
            if parent.attr.value not in COROUTINE_OBJECT_METHODS:
                self.report(node, f"coroutine {name}() is used without `await`; `.{parent.attr.value}` "
                                  "is looked up on the coroutine object, not its result")
        elif what == "subscript":
            self.report(node, f"coroutine {name}() is indexed without `await`; write `(await {name}(...))[...]`")
        elif what == "value":
            self.report(node, f"coroutine {name}() is used as a value without `await` (a coroutine object "
                              "is always true and never runs); add `await`")
        elif what == "argument" and isinstance(parent, cst.Arg):
            sink = self._callable_slot(stack[-2], parent)
            if sink:
                self.report(
                    node,
                    f"coroutine object {name}() passed to {sink}, which expects a function; pass the "
                    f"function and its arguments separately: {sink.rstrip('()')}({name.split('.')[-1]}, ...)",
                )

    @staticmethod
    def _passes_on(use: NameUse) -> bool:
        if use.kind == "attr":
            return isinstance(use.parent, cst.Attribute) and use.parent.attr.value in COROUTINE_OBJECT_METHODS
        return use.kind != "subscript"

    # -- which calls give coroutines ---------------------------------------------------------

    def _coroutine_name(self, node: cst.Call) -> str | None:
        func = node.func
        context = self.context
        stack = context.stack
        if isinstance(func, cst.Name):
            return self._plain_name(func.value, stack)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in {"self", "cls"}:
            cls = enclosing_class(stack)
            if cls is not None and self._class_method_is_async(cls, method, 0):
                return f"{receiver.value}.{method}"
            return None
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            cls = enclosing_class(stack)
            if cls is not None and self._bases_have_async(cls, method, 0):
                return f"super().{method}"
            return None
        qualified = context.imports.qualify(func)
        if qualified and qualified in KNOWN_COROUTINES:
            return qualified
        head = dotted_name(receiver)
        if head is not None and "." not in head:
            # Class.method() of this module, or module.func() of the project
            kinds = module_kinds(context)
            if kinds.get(head) == "class":
                cls = module_classes(context).get(head)
                if (cls is not None and class_kinds(context, cls).get(method) == "async"
                        and not self._shadowed(head, stack)):
                    return f"{head}.{method}"
        if qualified and self._imported(func) and project_coroutine(context, qualified):
            return dotted_name(func) or qualified
        if method not in self._candidate_methods():
            return None  # no receiver type could make it a coroutine: skip the type lookup
        typed = self.types.of(receiver, stack)
        if typed is None:
            return None
        label = f"{dotted_name(receiver) or 'obj'}.{method}"
        if method in TYPE_METHODS.get(typed, ()):
            return label
        if typed.startswith("class:"):
            cls = module_classes(context).get(typed[6:])
            if cls is not None and self._class_method_is_async(cls, method, 0):
                return label
        elif typed.startswith("pclass:") and project_coroutine(context, f"{typed[7:]}.{method}"):
            return label
        return None

    def _imported(self, func: cst.BaseExpression) -> bool:
        name = dotted_name(func)
        if name is None:
            return False
        head = name.split(".")[0]
        if head not in self.context.imports.names:
            return False
        qualified = self.context.imports.qualify(func) or ""
        if qualified.startswith(LIBRARY_PREFIXES):
            return False
        return not self._shadowed(head, self.context.stack)

    def _candidate_methods(self) -> set[str]:
        """Method names that can be coroutines here: library types, this module's and the
        project's async methods (the latter only when the file imports project names)."""
        cache = file_cache(self.context)
        names = cache.get("candidate_methods")
        if names is None:
            names = set(TYPED_METHOD_NAMES)
            for cls in module_classes(self.context).values():
                names.update(m for m, kind in class_kinds(self.context, cls).items() if kind == "async")
            imports = self.context.imports.names.values()
            if any(not q.startswith(LIBRARY_PREFIXES) for q in imports) and self.context.project is not None:
                names |= project_method_names(self.context.project)
            cache["candidate_methods"] = names
        return names

    def _shadowed(self, name: str, stack: list[cst.CSTNode]) -> bool:
        for node in reversed(stack):
            if isinstance(node, (cst.FunctionDef, cst.Lambda)) and self.context.scope_facts(node).bindings.get(name):
                return True
        return False

    def _plain_name(self, name: str, stack: list[cst.CSTNode]) -> str | None:
        kinds = module_kinds(self.context)
        kind = kinds.get(name)
        found: str | None = None
        if kind == "async":
            found = name
        elif kind is None or kind == "import":
            qualified = self.context.imports.names.get(name)
            if qualified is None:
                return None
            if qualified in KNOWN_COROUTINES:
                found = qualified
            elif not qualified.startswith(LIBRARY_PREFIXES) and project_coroutine(self.context, qualified):
                found = name
        if found is None or self._shadowed(name, stack):
            return None
        return found

    def _class_method_is_async(self, cls: cst.ClassDef, method: str, depth: int) -> bool:
        kind = class_kinds(self.context, cls).get(method)
        if kind is not None:
            return kind == "async"
        return self._bases_have_async(cls, method, depth)

    def _bases_have_async(self, cls: cst.ClassDef, method: str, depth: int) -> bool:
        if depth > 4:
            return False
        local_classes = module_classes(self.context)
        for base in cls.bases:
            if base.keyword is not None:
                continue
            name = dotted_name(base.value)
            if name is None:
                return False
            if name in local_classes and local_classes[name] is not cls and name not in self.context.imports.names:
                base_cls = local_classes[name]
                kind = class_kinds(self.context, base_cls).get(method)
                if kind is not None:
                    return kind == "async"
                if self._bases_have_async(base_cls, method, depth + 1):
                    return True
                continue
            qualified = self.context.imports.qualify(base.value) or ""
            if self._imported(base.value) and project_coroutine(self.context, f"{qualified}.{method}"):
                return True
        return False

    # -- coroutine objects where a callable belongs ------------------------------------------

    def _callable_slot(self, call: cst.CSTNode, arg: cst.Arg) -> str | None:
        if not isinstance(call, cst.Call):
            return None
        positional = [a for a in call.args if a.keyword is None and not a.star]
        position = positional.index(arg) if arg in positional else None
        keyword = arg.keyword.value if arg.keyword is not None else None
        func = call.func
        qualified = self.context.imports.qualify(func) or ""
        if qualified in CALLABLE_FUNCTIONS:
            index, name = CALLABLE_FUNCTIONS[qualified]
            if (position is not None and position == index) or keyword == name:
                return f"{qualified.split('.')[-1]}()"
            return None
        if not isinstance(func, cst.Attribute) or func.attr.value not in CALLABLE_SLOTS:
            return None
        method = func.attr.value
        index, name = CALLABLE_SLOTS[method]
        if not ((position is not None and position == index) or keyword == name):
            return None
        receiver = func.value
        receiver_name = (dotted_name(receiver) or "").split(".")[-1]
        if method == "add_task":
            typed = False
            if isinstance(receiver, cst.Name):
                for binding in self.context.scope_facts(enclosing_scope(self.context.stack)).bindings.get(receiver.value, []):
                    if binding.kind == "param" and isinstance(binding.node, cst.Param) and binding.node.annotation:
                        annotation = self.context.imports.qualify(binding.node.annotation.annotation) or ""
                        typed = annotation.endswith("BackgroundTasks")
            if not (typed or BACKGROUND_RECEIVER.search(receiver_name)):
                return None
        elif method == "submit":
            if not EXECUTOR_RECEIVER.search(receiver_name):
                return None
        elif not is_loop_receiver(self.context, receiver, self.context.stack):
            return None
        return f"{dotted_name(receiver) or 'loop'}.{method}()"

    VALID = [
        # awaited, scheduled, run, returned
        """
        import asyncio

        async def notify(user):
            await asyncio.sleep(0)

        async def handler(user):
            await notify(user)
            asyncio.create_task(notify(user))
            return notify(user)

        def main():
            asyncio.run(notify(None))
        """,
        # a sync method with the same name in another class is not a coroutine
        """
        class Mailer:
            async def send(self, to):
                ...

        class Queue:
            def send(self, item):
                ...

            def push(self, item):
                self.send(item)
        """,
        # the function and its arguments, separately
        """
        from fastapi import BackgroundTasks

        async def send_email(to):
            ...

        async def register(email: str, background_tasks: BackgroundTasks):
            background_tasks.add_task(send_email, email)
        """,
        # near miss: httpx's sync Client is not a coroutine client
        """
        import httpx

        async def ping(url):
            client = httpx.Client()
            client.get(url)
        """,
        # an async generator is consumed with async for
        """
        async def rows(conn):
            yield 1

        async def main(conn):
            async for row in rows(conn):
                print(row)
            gen = rows(conn)
            await gen.aclose()
        """,
    ]
    INVALID = [
        Invalid(
            """
            import asyncio as aio

            async def tick():
                aio.sleep(1)
            """,
            line=4, column=5, message="asyncio.sleep()",
        ),
        Invalid(
            """
            class Repo:
                async def save(self, item):
                    ...

                async def save_all(self, items):
                    for item in items:
                        self.save(item)
            """,
            line=7, message="self.save()",
        ),
        Invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession

            async def rename(session: AsyncSession, user, name):
                user.name = name
                session.commit()
            """,
            line=5, message="session.commit()",
        ),
        Invalid(
            """
            from fastapi import BackgroundTasks

            async def send_email(to):
                ...

            async def register(email: str, background_tasks: BackgroundTasks):
                background_tasks.add_task(send_email(email))
            """,
            line=7, message="pass the function and its arguments separately",
        ),
        Invalid(
            """
            from fastapi import Request

            async def create(request: Request):
                payload = request.json()
                return {"name": payload["name"]}
            """,
            line=4, message="stored in `payload`",
        ),
    ]
