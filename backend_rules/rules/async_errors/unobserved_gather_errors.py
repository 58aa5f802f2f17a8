"""BR304: ``gather(..., return_exceptions=True)`` whose results are never checked for exceptions."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule
from backend_rules.rules.async_errors.name_uses import scope_uses
from backend_rules.rules.async_errors.value_fate import fate

TRANSPARENT_CALLS = {"zip", "enumerate", "list", "tuple", "len", "print", "sorted", "reversed", "iter",
                     "sum", "set", "dict", "filter", "map"}
EXCEPTION_NAME = re.compile(r"(Exception|Error|BaseException|Exc)$|^(Exception|BaseException)$")


def _is_exception_check(context: Any, call: cst.Call) -> bool:
    """``isinstance(x, Exception)`` / ``isinstance(r, (ValueError, BaseException))``."""
    if dotted_name(call.func) != "isinstance" or len(call.args) < 2:
        return False
    second = call.args[1].value
    exprs = [e.value for e in second.elements] if isinstance(second, cst.Tuple) else [second]
    for expr in exprs:
        name = (dotted_name(expr) or "").split(".")[-1]
        if EXCEPTION_NAME.search(name):
            return True
    return False


class UnobservedGatherErrors(Rule):
    """`asyncio.gather(..., return_exceptions=True)` whose results are never checked for errors.

    ## What it does
    Finds `gather(..., return_exceptions=True)` whose results are thrown away, or assigned and then
    never checked with `isinstance(result, Exception)` (or `BaseException`), returned, or handed
    to a function that could check them.

    ## Why is this bad?
    `return_exceptions=True` turns every failure into an ordinary value in the result list. If
    nobody looks for them, the errors vanish: half the notifications fail and the log is clean.

    ## Example
    ```python
    async def notify_all(users):
        await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
    ```

    ## Use instead
    ```python
    async def notify_all(users):
        results = await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
        for user, result in zip(users, results):
            if isinstance(result, Exception):
                logger.error("notifying %s failed", user.id, exc_info=result)
    ```
    """

    CODE = "BR304"
    NAME = "unobserved-gather-errors"
    MESSAGE = ("results of gather(..., return_exceptions=True) are {what}; check each with "
               "isinstance(result, Exception) or errors vanish")
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    TRIGGER = r"return_exceptions\s*=\s*True"

    def visit_Call(self, node: cst.Call) -> None:
        if (self.context.imports.qualify(node.func) or "") not in {"asyncio.gather", "asyncio.tasks.gather"}:
            return
        if not any(a.keyword is not None and a.keyword.value == "return_exceptions"
                   and isinstance(a.value, cst.Name) and a.value.value == "True" for a in node.args):
            return
        stack = self.context.stack
        if not stack or not isinstance(stack[-1], cst.Await):
            return  # not awaited: BR302's business, or passed on
        awaited = stack[-1]
        outer = stack[:-1]
        what, parent = fate(outer, awaited)
        if what == "dropped":
            self.report(node, what="thrown away")
            return
        scope = enclosing_scope(stack)
        if what == "assigned" and parent is not None:
            names = self._targets(parent)
            if not names or not isinstance(scope, cst.FunctionDef):
                return
            if self._observed(scope, names):
                return
            self.report(node, what=f"stored in `{names[0]}` but never checked")
        elif (what == "value" and isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is awaited
              and not self._observed(scope, [])):
            self.report(node, what="iterated but never checked")

    @staticmethod
    def _targets(parent: cst.CSTNode) -> list[str]:
        targets: list[cst.BaseExpression] = []
        if isinstance(parent, cst.Assign):
            targets = [t.target for t in parent.targets]
        elif isinstance(parent, cst.AnnAssign):
            targets = [parent.target]
        names: list[str] = []
        for target in targets:
            if isinstance(target, cst.Name):
                names.append(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)):
                for element in target.elements:
                    if isinstance(element.value, cst.Name):
                        names.append(element.value.value)
                    else:
                        return []
            else:
                return []  # stored on an object: someone else's to check
        return names

    def _observed(self, scope: cst.CSTNode, names: list[str]) -> bool:
        uses = scope_uses(self.context, scope)
        if any(_is_exception_check(self.context, call) for call in uses.calls):
            return True
        for name in names:
            if name in uses.declared_global:
                return True
            for use in uses.uses.get(name, ()):
                if use.kind in {"return", "collection", "alias"}:
                    return True
                if use.kind == "arg" and isinstance(use.grandparent, cst.Call):
                    callee = dotted_name(use.grandparent.func) or ""
                    if callee not in TRANSPARENT_CALLS:
                        return True
                if use.kind == "attr" and isinstance(use.parent, cst.Attribute):
                    return True  # results.count(...), results.index(...): looked at
        return False

    VALID = [
        """
        import asyncio

        async def notify_all(users):
            results = await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.error("failed", exc_info=result)
        """,
        # no return_exceptions: the first error propagates
        """
        import asyncio

        async def load(a, b):
            await asyncio.gather(a(), b())
        """,
        # returned to the caller, or handed to a checker
        """
        from asyncio import gather

        async def fan_out(coros):
            return await gather(*coros, return_exceptions=True)

        async def fan_out_checked(coros):
            results = await gather(*coros, return_exceptions=True)
            raise_first_error(results)
        """,
        # near miss: a gather that is not asyncio's
        """
        from myapp.util import gather

        async def collect(items):
            await gather(items, return_exceptions=True)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import asyncio

            async def notify_all(users):
                await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
            """,
            line=4, column=11, message="thrown away",
        ),
        Invalid(
            """
            import asyncio as aio

            async def warm(caches):
                results = await aio.gather(*(c.warm() for c in caches), return_exceptions=True)
                return len(results)
            """,
            line=4, message="stored in `results`",
        ),
        Invalid(
            """
            from asyncio import gather

            async def refresh(a, b):
                first, second = await gather(a.load(), b.load(), return_exceptions=True)
                print(first, second)
            """,
            line=4, message="never checked",
        ),
    ]
