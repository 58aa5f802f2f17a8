"""BR303: a broad or ``CancelledError`` handler in async code that swallows the error silently."""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.code_kinds import is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import Visitor, find
from backend_rules.rule import Invalid, Rule

CANCELLED = {"asyncio.CancelledError", "asyncio.exceptions.CancelledError", "asyncio.futures.CancelledError",
             "concurrent.futures.CancelledError", "anyio.get_cancelled_exc_class"}
BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
SUPPRESS = {"contextlib.suppress"}
# FastAPI's parameter markers: a function taking one is a dependency, and may answer None.
DEPENDENCY_MARKERS = {"Depends", "Security", "Header", "Cookie"}


def innermost_function(stack: list[cst.CSTNode]) -> cst.FunctionDef | cst.Lambda | None:
    for node in reversed(stack):
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return node
    return None


def in_async_function(stack: list[cst.CSTNode]) -> bool:
    func = innermost_function(stack)
    return isinstance(func, cst.FunctionDef) and func.asynchronous is not None


def _handler_types(context: Any, handler: cst.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["<bare>"]
    items = handler.type.elements if isinstance(handler.type, cst.Tuple) else None
    exprs = [e.value for e in items] if items is not None else [handler.type]
    return [context.imports.qualify(e) or "?" for e in exprs]


def _raises(block: cst.CSTNode) -> bool:
    return find(block, lambda node: isinstance(node, cst.Raise), skip=(cst.FunctionDef, cst.Lambda)) is not None


def _silent_statement(context: Any, statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, (cst.Pass, cst.Continue, cst.Break)):
            continue
        if isinstance(small, cst.Return) and (small.value is None or (
                isinstance(small.value, cst.Name) and small.value.value == "None")):
            continue
        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)):
                continue
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) and (dotted_name(value.func) or "").split(".")[-1] == "sleep":
                continue
        return False
    return True


def _suppresses_broadly(expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    caught = {a.attr if isinstance(a, ast.Attribute) else getattr(a, "id", "") for a in expr.args}
    return name == "suppress" and bool(caught & {"Exception", "BaseException", "CancelledError"})


def _awaits_a_task(block: cst.CSTNode) -> bool:
    """Every ``await`` waits on a task or future already held (``await self._task``,
    ``await app[key]``): it is that task's cancellation, caused by whoever cancelled it."""
    awaits: list[cst.Await] = []
    find(block, lambda node: isinstance(node, cst.Await) and awaits.append(node) is not None,  # type: ignore[func-returns-value]
         skip=(cst.FunctionDef, cst.Lambda))
    return bool(awaits) and all(isinstance(a.expression, (cst.Name, cst.Attribute, cst.Subscript)) for a in awaits)


def _cancels_a_task(func: cst.CSTNode | None) -> bool:
    """The function calls ``.cancel()`` on something: the cancellation it then waits out is its own."""
    if func is None:
        return False
    finder = _CancelIdiomFinder()
    finder.walk(func)
    return finder.found


def _returns_none(body: list[cst.CSTNode]) -> bool:
    return any(isinstance(small, cst.Return) for statement in body if isinstance(statement, cst.SimpleStatementLine)
               for small in statement.body)


def optional_on_purpose(context: Any, func: cst.FunctionDef | cst.Lambda | None) -> bool:
    """A function whose ``None`` is an answer: a FastAPI dependency (``Depends``/``Security``/
    ``Header``/``Cookie`` parameters) or a function named ``*optional*``/``maybe_*``/``try_*``,
    declared to return an optional value (or not annotated)."""
    if not isinstance(func, cst.FunctionDef):
        return False
    returns = func.returns.annotation if func.returns is not None else None
    if returns is not None and not _admits_none(returns):
        return False
    name = func.name.value.lower()
    if "optional" in name or name.startswith(("maybe_", "try_", "_maybe_", "_try_")):
        return True
    params = [*func.params.posonly_params, *func.params.params, *func.params.kwonly_params]
    for param in params:
        markers = [param.default] if param.default is not None else []
        if param.annotation is not None:
            markers.append(param.annotation.annotation)
        for marker in markers:
            if find(marker, lambda n: isinstance(n, cst.Call) and
                    (dotted_name(n.func) or "").split(".")[-1] in DEPENDENCY_MARKERS, skip=()) is not None:
                return True
    return False


def _admits_none(annotation: cst.BaseExpression) -> bool:
    """``User | None``, ``Optional[User]``, ``Union[User, None]``, ``"User | None"``."""
    if isinstance(annotation, cst.SimpleString):
        return "None" in annotation.value or "Optional" in annotation.value
    return find(annotation, lambda n: isinstance(n, cst.Name) and n.value in {"None", "Optional"}, skip=()) is not None


def _handler_body(handler: cst.ExceptHandler) -> list[cst.CSTNode]:
    body = handler.body
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return []



def _explained(handler: cst.ExceptHandler) -> bool:
    """The handler only passes, and a comment in it says why (``# client went away: ignore``)."""
    body = handler.body
    if not isinstance(body, cst.IndentedBlock):
        return False
    statements = list(body.body)
    if not statements or not all(
        isinstance(s, cst.SimpleStatementLine) and all(isinstance(small, cst.Pass) for small in s.body)
        for s in statements
    ):
        return False
    comments = [body.header.comment] if body.header.comment is not None else []
    for statement in statements:
        comments += [line.comment for line in statement.leading_lines if line.comment is not None]
        if statement.trailing_whitespace.comment is not None:
            comments.append(statement.trailing_whitespace.comment)
    return any(len(c.value.strip("# ")) >= 8 for c in comments)

class _CancelIdiomFinder(Visitor):
    """Does the function call ``.cancel()`` on something (the cancel-and-wait idiom)?"""

    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "cancel":
            self.found = True


def _awaits_something(block: cst.CSTNode) -> bool:
    """An ``await``, ``async for`` or ``async with`` (outside nested functions) in ``block``."""
    return find(
        block,
        lambda node: isinstance(node, cst.Await)
        or (isinstance(node, (cst.For, cst.With)) and node.asynchronous is not None),
        skip=(cst.FunctionDef, cst.Lambda),
    ) is not None


class SwallowedExceptionInAsync(Rule):
    """An async function catches every error (or the cancellation) and drops it silently.

    ## What it does
    In an `async def`, finds broad handlers — `except:`, `except Exception:`,
    `except BaseException:` — around awaits whose body only passes, continues, breaks, returns nothing or sleeps,
    so the error is neither logged, re-raised nor recorded; `except asyncio.CancelledError:`
    handlers that do not re-raise; and `with contextlib.suppress(Exception):` (or
    `BaseException`, or `CancelledError`) around awaits, the same handler spelled shorter.

    ## Why is this bad?
    In a task nobody awaits synchronously, a swallowed exception is an error nobody will ever see:
    the worker loop keeps spinning on a broken connection, the request "succeeds" without doing
    its work. Swallowing `CancelledError` breaks cancellation itself: `task.cancel()`, timeouts,
    `TaskGroup` and server shutdown wait for a task that pretends it finished normally.

    ## Example
    ```python
    async def worker(queue):
        while True:
            job = await queue.get()
            try:
                await job.run()
            except Exception:
                continue
    ```

    ## Use instead
    ```python
    async def worker(queue):
        while True:
            job = await queue.get()
            try:
                await job.run()
            except asyncio.CancelledError:
                await job.requeue()
                raise
            except Exception:
                logger.exception("job %s failed", job.id)
    ```

    ## Not reported
    Handlers that log, re-raise, return or store something, or use the exception; narrow handlers
    (`except KeyError: pass`); sync functions; `except CancelledError: pass` after the function
    cancelled a task itself (`task.cancel(); try: await task ...`), or while it only waits for a
    task held elsewhere (`await self._task`); `return None` from a function whose `None` is an
    answer: a FastAPI dependency (`Depends`/`Security`/`Header`/`Cookie` parameters) or an
    `optional_*`/`maybe_*`/`try_*` function, declared optional or not annotated (an optional
    authentication dependency answers "no user" when the token does not decode). In test code,
    and for an `except CancelledError:` that only passes with a comment saying why, the finding
    has LOW confidence.
    """

    CODE = "BR303"
    NAME = "swallowed-exception-in-async"
    MESSAGE = "`{handler}` in async code swallows the error silently; log it (logger.exception) or re-raise"
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "MEDIUM"
    # both words, in any order; greedy lookaheads are far cheaper than lazy ones here
    TRIGGER = r"(?s)\A(?=.*async\s+def\b)(?=.*\b(?:except|suppress)\b)"

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        """An ``async def`` holds a bare/broad/CancelledError handler that does not re-raise, or
        a ``suppress()`` of one of them."""
        for function in nodes(tree, ast.AsyncFunctionDef):
            for handler in ast.walk(function):
                if isinstance(handler, ast.With) and any(_suppresses_broadly(item.context_expr) for item in handler.items):
                    return True
                if not isinstance(handler, ast.ExceptHandler):
                    continue
                caught = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                          for n in ast.walk(handler.type)} if handler.type is not None else {"*"}
                if caught & {"*", "Exception", "BaseException", "CancelledError"} and not any(
                    isinstance(n, ast.Raise) for statement in handler.body for n in ast.walk(statement)
                ):
                    return True
        return False

    def visit_With(self, node: cst.With) -> None:
        """``with contextlib.suppress(Exception): await ...``: the handler that says nothing, spelled shorter."""
        stack = self.context.stack
        if node.asynchronous is not None or not in_async_function(stack) or not _awaits_something(node.body):
            return
        for item in node.items:
            call = item.item
            if not isinstance(call, cst.Call) or self.context.imports.qualify(call.func) not in SUPPRESS:
                continue
            kinds = [self.context.imports.qualify(arg.value) or "?" for arg in call.args]
            broad = [k for k in kinds if k in BROAD]
            cancelled = [k for k in kinds if k in CANCELLED or k.endswith(".CancelledError")]
            if broad:
                label = f"contextlib.suppress({broad[0].replace('builtins.', '')})"
                self._report(node, f"`{label}` around awaits swallows every error silently; catch what you "
                                   "expect, or log it (logger.exception)")
                return
            if cancelled and not _awaits_a_task(node.body) and not _cancels_a_task(innermost_function(stack)):
                self._report(node, "`contextlib.suppress(CancelledError)` around awaits swallows the task's own "
                                   "cancellation: it looks finished instead of cancelled; let it propagate")
                return

    def _report(self, node: cst.CSTNode, message: str, explained: bool = False) -> None:
        # a test that swallows an error usually tears the loop down on purpose; a handler whose
        # comment says why (``# client disconnected: ignore``) was written that way on purpose
        low = explained or is_test_code(self.context.options)
        self.report(node, message, confidence="LOW" if low else None)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        stack = self.context.stack
        if not in_async_function(stack):
            return
        kinds = _handler_types(self.context, node)
        cancelled = [k for k in kinds if k in CANCELLED or k.endswith(".CancelledError")]
        if cancelled:
            try_node = stack[-1] if stack and isinstance(stack[-1], cst.Try) else None
            if try_node is not None and (not _awaits_something(try_node.body) or _awaits_a_task(try_node.body)):
                return  # another future's cancellation (fut.result(), await self._task)
            if _raises(node.body) or self._uses_exception(node) or self._cancel_idiom(stack):
                return
            label = "except " + cancelled[0].replace("asyncio.exceptions.", "asyncio.")
            self._report(node, f"`{label}` does not re-raise: the task looks finished instead of cancelled; "
                               "clean up, then `raise`", explained=_explained(node))
            return
        broad = [k for k in kinds if k in BROAD or k == "<bare>"]
        if not broad:
            return
        try_node = stack[-1] if stack and isinstance(stack[-1], cst.Try) else None
        if try_node is not None and not _awaits_something(try_node.body):
            return  # synchronous code that happens to sit in an async def, like any sync function
        body = _handler_body(node)
        if body and all(_silent_statement(self.context, s) for s in body):
            if _returns_none(body) and optional_on_purpose(self.context, innermost_function(stack)):
                return  # an optional dependency: "no user" is its answer when the lookup fails
            label = "except:" if broad[0] == "<bare>" else f"except {broad[0].replace('builtins.', '')}"
            self._report(node, self.MESSAGE.format(handler=label))

    @staticmethod
    def _uses_exception(node: cst.ExceptHandler) -> bool:
        """``except ... as exc:`` whose body records ``exc`` (errors.append(exc), set_exception)."""
        if node.name is None or not isinstance(node.name.name, cst.Name):
            return False
        bound = node.name.name.value
        return find(node.body, lambda n: isinstance(n, cst.Name) and n.value == bound, skip=()) is not None

    def _cancel_idiom(self, stack: list[cst.CSTNode]) -> bool:
        func = innermost_function(stack)
        try_node = next((n for n in reversed(stack) if isinstance(n, cst.Try)), None)
        if func is None or try_node is None or not _awaits_something(try_node.body):
            return False
        finder = _CancelIdiomFinder()
        finder.walk(func)
        return finder.found

    VALID = [
        # logs, re-raises
        """
        import logging
        logger = logging.getLogger(__name__)

        async def worker(queue):
            while True:
                job = await queue.get()
                try:
                    await job.run()
                except Exception:
                    logger.exception("job failed")
                finally:
                    queue.task_done()
        """,
        # cancel-and-wait: the function cancelled the task itself
        """
        import asyncio

        async def stop(task):
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        """,
        # narrow handler; sync function; cancellation re-raised after cleanup
        """
        from asyncio import CancelledError

        async def lookup(cache, key):
            try:
                return cache[key]
            except KeyError:
                return None

        def parse(text):
            try:
                return int(text)
            except Exception:
                pass

        async def serve(conn):
            try:
                await conn.serve()
            except CancelledError:
                await conn.close()
                raise
        """,
        # an optional FastAPI dependency: None means "no user", on purpose
        """
        from typing import Optional
        from fastapi import Depends

        async def optional_user(token: Optional[str] = Depends(oauth2_scheme)) -> Optional[User]:
            try:
                return await decode_user(token)
            except Exception:
                return None
        """,
        # the exception is recorded
        """
        async def run(fut, coro):
            try:
                fut.set_result(await coro)
            except Exception as exc:
                fut.set_exception(exc)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import contextlib

            async def close_all(clients):
                for client in clients:
                    with contextlib.suppress(Exception):
                        await client.aclose()
            """,
            line=5, message="contextlib.suppress(Exception)",
        ),
        Invalid(
            """
            async def worker(queue):
                while True:
                    job = await queue.get()
                    try:
                        await job.run()
                    except Exception:
                        continue
            """,
            line=6, column=9, message="except Exception",
        ),
        Invalid(
            """
            import asyncio as aio

            async def heartbeat(ws):
                while True:
                    try:
                        await ws.ping()
                        await aio.sleep(30)
                    except aio.CancelledError:
                        break
            """,
            line=8, message="does not re-raise",
        ),
        Invalid(
            """
            async def notify(client, url):
                try:
                    await client.post(url)
                except:
                    pass
            """,
            line=4, message="except:",
        ),
        Invalid(
            """
            from asyncio import CancelledError

            async def consume(stream, handle):
                try:
                    async for event in stream:
                        await handle(event)
                except (CancelledError, ConnectionError):
                    return
            """,
            line=7, message="asyncio.CancelledError",
        ),
    ]
