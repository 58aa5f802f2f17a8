"""BR201 query-in-loop: a database round-trip runs once per item of a loop.

A query call, the evaluation of a queryset, a DB-API statement, or a call to a function of the
project that runs one.
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import Seg, chain_of
from backend_rules.analysis.orm.query_calls import Query, classify
from backend_rules.analysis.orm.sql_statements import SQL_READ, is_statement_expr, sql_text_of, statement_subject
from backend_rules.rule import Invalid
from backend_rules.rules.data_access.file_state import FileState, KnownModels, state_of
from backend_rules.rules.data_access.loop_rule import LoopRule
from backend_rules.rules.data_access.per_item_loops import (
    COMP_NODES, first_iteration_only, iter_of, loop_is_per_item, loop_targets, per_item_loop, runs_once,
)
from backend_rules.rules.data_access.query_resolution import (
    EVALUATING_BUILTINS, resolve_query, resolve_segs, strip_wrappers,
)
from backend_rules.rules.data_access.queryset_cache import evaluated_before, served_from_cache
from backend_rules.rules.data_access.querying_functions import describe, function_query, resolve_relative

# Queryset methods a filled result cache answers without a query.
CACHE_ANSWERS = {"count", "exists", "[]", "acount", "aexists"}
DML_READ_WRITE = re.compile(r"^\s*\(?\s*(select|insert|update|delete|with|replace|upsert|merge)\b", re.IGNORECASE)
DDL = re.compile(r"^\s*(create|drop|alter|truncate|grant|revoke|vacuum|analy[sz]e|set|pragma|lock|comment|refresh|reindex|cluster|begin|commit|rollback|savepoint|release|listen|notify|show|use)\b", re.IGNORECASE)


def _names_in(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    node.visit(Collector())
    return names


TABLE_SLOT = re.compile(r"\b(from|into|update|table|join|truncate|exists)\s+[\"`\[]?(\w+\.)?$", re.IGNORECASE)


def _table_varies(sql: cst.BaseExpression, names: set[str]) -> bool:
    """A statement whose table name is interpolated from the loop (``f"DELETE FROM {table}"``)."""
    if isinstance(sql, cst.Call) and isinstance(sql.func, cst.Name) and sql.func.value == "text" and sql.args:
        sql = sql.args[0].value
    pieces: list[tuple[str, cst.CSTNode | None]] = []  # literal text, or an interpolated expression
    if isinstance(sql, cst.FormattedString):
        for part in sql.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append((part.value, None))
            elif isinstance(part, cst.FormattedStringExpression):
                pieces.append(("", part.expression))
    elif isinstance(sql, cst.BinaryOperation) and isinstance(sql.operator, cst.Add):
        stack: list[cst.BaseExpression] = [sql]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
                stack += [node.right, node.left]
            elif isinstance(node, cst.SimpleString):
                pieces.append((str(node.evaluated_value), None))
            else:
                pieces.append(("", node))
    elif isinstance(sql, cst.Call) and isinstance(sql.func, cst.Attribute) and sql.func.attr.value == "format" \
            and isinstance(sql.func.value, cst.SimpleString):
        text = str(sql.func.value.evaluated_value)
        head = text.split("{", 1)[0]
        used = set().union(*(_names_in(a.value) for a in sql.args)) if sql.args else set()
        return bool(TABLE_SLOT.search(head) and used & names)
    text = ""
    for literal, expr in pieces:
        if expr is None:
            text += literal
            continue
        if TABLE_SLOT.search(text) and _names_in(expr) & names:
            return True
        text += "x"
    return False


def _derived_names(loop: cst.CSTNode, targets: set[str]) -> set[str]:
    """Names the loop body assigns from its targets: ``table = model._meta.db_table``."""
    derived: set[str] = set()
    body = getattr(loop, "body", None)
    if not isinstance(body, cst.IndentedBlock):
        return derived
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and _names_in(small.value) & (targets | derived):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            derived.add(target.target.value)
    return derived


def _update_hint(segs: list[Seg] | None, varying: set[str]) -> str:
    """``bulk_update()`` when each row gets its own values, one ``update()`` when all get the same."""
    update = next((seg for seg in reversed(segs or []) if seg.call and seg.name in {"update", "aupdate"}), None)
    fields = [key for key, _ in update.args if key and not key.startswith("*")] if update else []
    per_row = update is None or any(_names_in(value) & varying for _, value in update.args)
    shown = ", ".join(f'"{f}"' for f in fields) or '"field"'
    if per_row:
        return f"set the values on the objects and call bulk_update(objs, [{shown}]) once after the loop"
    assigned = ", ".join(f"{f}=..." for f in fields) or "..."
    return f"update all rows at once with filter(pk__in=...).update({assigned})"


def _bulk_hint(query: Query, item: str | None, segs: list[Seg] | None = None, varying: set[str] = frozenset()) -> str:
    if query.orm == "dbapi":
        return "use executemany() or one bulk statement (WHERE id = ANY(...) / IN (...)) instead"
    if query.orm == "sqlalchemy":
        model = query.model or "Model"
        if query.terminal in {"get", "get_one"}:
            return f"load them in one query before the loop: select({model}).where({model}.id.in_(ids))"
        return "run one query for all items before the loop (where(... .in_(ids))) and look results up in a dict"
    terminal = query.terminal
    if terminal in {"create", "acreate"}:
        return "collect the objects and call bulk_create() once after the loop"
    if terminal in {"update", "aupdate"}:
        return _update_hint(segs, varying)
    if terminal in {"delete", "adelete"}:
        return "delete all rows at once with filter(pk__in=...).delete()"
    if terminal in {"count", "acount", "exists", "aexists", "aggregate"}:
        return "compute it for all items in one query (annotate(Count(...)) or values(...).annotate(...))"
    field = next((k for k in query.lookups if not k.startswith("*")), None)
    if field:
        base = field.split("__")[0]
        base = "pk" if base in {"id", "pk"} else base
        return f"fetch all with filter({base}__in=...) before the loop and look them up in a dict"
    return "fetch all with filter(pk__in=...) or in_bulk() before the loop and look them up in a dict"


class QueryInLoop(LoopRule):
    """A database query runs once per item of a loop (N+1 queries).

    ## What it does
    Finds database round-trips inside the body of a `for`/`async for`/`while` loop or a
    comprehension: Django manager and queryset calls that hit the database (`get`, `first`,
    `count`, `exists`, `create`, `update`, `delete`, `aggregate`, ... and `list()`/`len()`/indexing
    or iteration of a queryset), SQLAlchemy `session.get/execute/scalars/scalar`,
    `session.query(...).first()/one()/all()` and `Model.query...` (awaited `AsyncSession` calls
    too), DB-API `cursor.execute(...)` per item, model methods and properties that query, and calls
    to functions of the project (in this module or, through the project index, in others) that
    run a query.

    ## Why is this bad?
    One query per item turns a page of 100 rows into 101 round-trips: latency grows with the data
    and the database does 100 times the work. It is the most common performance bug of ORM code
    and it never shows on a developer's ten-row database.

    ## Example
    ```python
    for order in orders:
        customer = Customer.objects.get(id=order.customer_id)
        send_receipt(customer.email, order)
    ```

    ## Use instead
    Fetch everything the loop needs in one query before it, and look it up in a dict:
    ```python
    customers = Customer.objects.in_bulk([o.customer_id for o in orders])
    for order in orders:
        send_receipt(customers[order.customer_id].email, order)
    ```
    Per-item writes become `bulk_create()` / `bulk_update()` / `filter(pk__in=...).update()`;
    DB-API statements become `executemany()` or one `IN (...)` statement.

    ## Not reported
    Loops over constants (`for status in ("new", "paid")`), retry loops (`for attempt in
    range(3)`, `while True:`), chunked batch loops (`for chunk in batched(ids, 500)`), bulk
    queries (`filter(id__in=chunk)`), a query followed by `break`/`return` (it runs once),
    per-model loops (`for model in apps.get_models(): model.objects.count()`), DDL per table,
    tests and migrations (set `queries-in-tests = true` in `[tool.backend-rules]` to include tests).
    """

    CODE = "BR201"
    NAME = "query-in-loop"
    MESSAGE = "query per item: {query} runs once per iteration of this loop; {hint}"
    CONFIDENCE = "MEDIUM"

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1
        if self.skip:
            return
        self.report_loop(node)
        if self.depth > 1:
            self._nested_evaluation(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self.skip:
            return
        parent = self.context.stack[-1] if self.context.stack else None
        if isinstance(parent, COMP_NODES) and parent.for_in is node:
            self.report_loop(parent)
            if self.depth > 1:
                self._nested_evaluation(node.iter, node)

    def _nested_evaluation(self, iterable: cst.BaseExpression, comp_for: cst.CompFor | None = None) -> None:
        """A lazy queryset iterated inside an outer loop runs once per outer item."""
        stack = self.context.stack + ([comp_for] if comp_for is not None else [])
        loop = per_item_loop(stack + [iterable])
        if loop is None or not loop_is_per_item(loop):
            return
        expr, _ = strip_wrappers(iterable)
        self._report_lazy(expr, loop, stack + [iterable], iterable)

    def _report_lazy(self, expr: cst.BaseExpression, loop: cst.CSTNode, stack: list[cst.CSTNode], where: cst.CSTNode) -> None:
        state = state_of(self.context)
        query = resolve_query(self.context, state, expr, stack)
        if query is None or query.orm == "dbapi" or query.evaluated or query.trailing or query.terminal:
            return
        if query.has_in_lookup or self._varies_with_loop_model(query, loop, chain_of(expr)):
            return
        if query.text == "get_queryset()" or query.model is None and query.orm == "django" and not query.lookups:
            return
        if runs_once(stack, loop) or first_iteration_only(stack, loop) or self._repeat_loop(loop, where, set(loop_targets(loop))):
            return
        if query.orm == "django" and isinstance(expr, cst.Name) and served_from_cache(self.context, stack, expr.value, loop):
            return
        self.report(where, query=f"`{query.text}`",
                    hint=_bulk_hint(query, None))

    def _varies_with_loop_model(self, query: Query, loop: cst.CSTNode, segs: list[Seg] | None = None) -> bool:
        root = (query.root_model_expr or "").split(".")[0]
        if segs and not segs[0].call:
            root = segs[0].name  # conn.execute(...) / qs.exists() with ``conn``/``qs`` from the loop
        if not root:
            return False
        for node in [loop, *self.context.stack]:
            if isinstance(node, (cst.For, *COMP_NODES)) and root in loop_targets(node):
                return True
        return query.orm == "django" and root in {"model", "cls", "self", "klass", "model_class"}

    def visit_Call(self, node: cst.Call) -> None:
        if self.depth == 0 or self.skip:
            return
        stack = self.context.stack
        parent = stack[-1] if stack else None
        # only the outermost call of a chain: Post.objects.filter(x).first()
        child: cst.CSTNode = node
        depth = len(stack) - 1
        if isinstance(parent, cst.Await) and parent.expression is node and depth >= 1:
            child, parent, depth = parent, stack[-2], depth - 1
        grand = stack[depth - 1] if depth >= 1 else None
        if isinstance(parent, cst.Attribute) and parent.value is child and isinstance(grand, cst.Call) and grand.func is parent:
            return
        top: cst.CSTNode = parent if isinstance(parent, cst.Subscript) and parent.value is node else node
        full = stack + [node]
        loop = per_item_loop(full)
        if loop is None or not loop_is_per_item(loop):
            return
        func = node.func
        if isinstance(func, cst.Name) and func.value in EVALUATING_BUILTINS and node.args and not node.args[0].keyword:
            self._report_lazy(node.args[0].value, loop, full, node)
            return
        state = state_of(self.context)
        scope = enclosing_scope(full)
        facts = self.context.scope_facts(scope)
        segs = chain_of(top)
        if segs and not segs[0].call:
            original = len(segs)
            segs = resolve_segs(self.context, segs, scope, facts.order_of(full), 0, enclosing_class(full))
            if len(segs) != original:
                held = classify(segs[: len(segs) - original + 1], KnownModels(state))
                if held is not None and held.evaluated:
                    return  # the variable holds a result: its query ran where it was assigned
        query = classify(segs, KnownModels(state))
        if query is not None:
            if query.evaluated:
                self._check_query(node, query, loop, full, segs)
            return
        self._check_helper(node, loop, full, state)

    def _check_query(self, node: cst.Call, query: Query, loop: cst.CSTNode, stack: list[cst.CSTNode],
                     segs: list[Seg] | None = None) -> None:
        if query.has_in_lookup or query.sliced and isinstance(loop, cst.While):
            return
        if self._varies_with_loop_model(query, loop, segs):
            return
        targets = set(loop_targets(loop))
        if query.sql_arg is not None and not self._per_item_statement(query, loop, stack, targets):
            return
        if self._repeat_loop(loop, node, targets):
            return
        if runs_once(stack, loop) or first_iteration_only(stack, loop):
            return
        if isinstance(loop, cst.While) and not self._while_varies(loop, node):
            return
        if query.orm == "django" and segs and len(segs) == 2 and not segs[0].call and segs[1].name in CACHE_ANSWERS \
                and evaluated_before(self.context, stack, segs[0].name):
            return  # qs.count()/qs.exists() of a queryset already evaluated: answered from its cache
        varying = targets | _derived_names(loop, targets)
        self.report(node, query=f"`{describe(query)}`", hint=_bulk_hint(query, None, segs, varying))

    @staticmethod
    def _repeat_loop(loop: cst.CSTNode, node: cst.CSTNode, targets: set[str]) -> bool:
        """``for i in range(n)`` whose counter the query ignores: a repetition, not items."""
        iterable = iter_of(loop)
        if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"):
            return False
        return not (targets & _names_in(node))

    def _per_item_statement(self, query: Query, loop: cst.CSTNode, stack: list[cst.CSTNode], targets: set[str]) -> bool:
        """The same kind of statement runs per item with other values (not one statement per table)."""
        sql = query.sql_arg
        if isinstance(sql, cst.Name):
            if sql.value in targets:
                return False  # a list of statements
            scope = enclosing_scope(stack)
            facts = self.context.scope_facts(scope)
            bindings = facts.bindings_before(sql.value, facts.order_of(stack))
            if not bindings:
                return False
            last = bindings[-1]
            if last.kind == "param":
                return query.orm == "dbapi" and not isinstance(loop, cst.While)
            loop_order = facts.order_of(stack[: stack.index(loop) + 1]) if loop in stack else 0
            if last.order <= loop_order:
                return query.orm == "dbapi" or last.value is not None and (
                    is_statement_expr(last.value) or sql_text_of(last.value) is not None)
            if last.value is None:
                return False
            sql = last.value
        subject = statement_subject(sql)
        if subject is not None and subject in targets:
            return False  # one statement per table
        if _table_varies(sql, targets | _derived_names(loop, targets)):
            return False  # f"DELETE FROM {table}": one statement per table
        text = sql_text_of(sql)
        if text is not None:
            if DDL.search(text) or not DML_READ_WRITE.search(text):
                return False
            if isinstance(loop, cst.While) and SQL_READ.search(text):
                return False
            return True
        if isinstance(sql, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)):
            return False
        return is_statement_expr(sql)

    def _while_varies(self, loop: cst.While, node: cst.Call) -> bool:
        """A query in a while loop is per item when it reads a name the loop re-binds (tree walks)."""
        assigned: set[str] = set()

        class Assigned(cst.CSTVisitor):
            def visit_Assign(self, assign: cst.Assign) -> None:
                # a walk: the next key comes from the data (node.parent_id, a query), not random
                value = assign.value
                if isinstance(value, cst.Await):
                    value = value.expression
                derived = isinstance(value, (cst.Attribute, cst.Subscript)) or (
                    isinstance(value, cst.Call) and classify(chain_of(value)) is not None)
                if not derived:
                    return
                for target in assign.targets:
                    if isinstance(target.target, cst.Name):
                        assigned.add(target.target.value)

            def visit_Break(self, _node: cst.Break) -> None:
                assigned.add("<break>")

        loop.body.visit(Assigned())
        if "<break>" in assigned:
            return False
        return bool(assigned & _names_in(node))

    def _check_helper(self, node: cst.Call, loop: cst.CSTNode, stack: list[cst.CSTNode], state: FileState) -> None:
        func = node.func
        name = dotted_name(func)
        if name is None:
            return
        verdict: str | None = None
        shown = name
        module_facts = self.context.scope_facts(self.context.module)
        if isinstance(func, cst.Name):
            local = module_facts.functions.get(name)
            if local is not None:
                verdict = function_query(state, local, self.context)
            elif name in self.context.imports.names:
                verdict = self._imported(name, state)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            if owner in {"self", "cls"}:
                klass = enclosing_class(stack)
                if klass is not None:
                    method = self.context.scope_facts(klass).functions.get(func.attr.value)
                    if method is not None:
                        verdict = function_query(state, method, self.context)
            elif owner in self.context.imports.names:
                verdict = self._imported(name, state)
            elif owner in module_facts.classes:
                method = self.context.scope_facts(module_facts.classes[owner]).functions.get(func.attr.value)
                if method is not None:
                    verdict = function_query(state, method, self.context)
        if verdict is None:
            return
        if runs_once(stack, loop) or first_iteration_only(stack, loop):
            return
        if isinstance(loop, cst.While) and not self._while_varies(loop, node):
            return
        self.report(node, message=f"query per item: `{shown}()` runs {verdict} once per iteration of this loop; "
                    f"fetch what the loop needs in one query before it ({'filter(id__in=...)' if 'objects' in verdict else 'WHERE id IN (...)'}) and look it up in a dict")

    def _imported(self, name: str, state: FileState) -> str | None:
        head, _, rest = name.partition(".")
        full = self.context.imports.names.get(head)
        qualified = (f"{full}.{rest}" if rest else full) if full else None
        if not qualified:
            return None
        project = self.context.project
        if project is None:
            return None
        graph = state.graph
        qualified = resolve_relative(state.module_name or "", qualified)
        hit = graph.function(qualified)
        if hit is None:
            return None
        module, text = hit
        return f"{text} (in {module})"

    VALID = [
        # one query before the loop, a dict lookup inside it
        """
        def receipts(orders):
            customers = Customer.objects.in_bulk([o.customer_id for o in orders])
            for order in orders:
                send(customers[order.customer_id].email)
        """,
        # near miss: a bulk query per chunk
        """
        from itertools import batched

        def archive(ids):
            for chunk in batched(ids, 500):
                Post.objects.filter(id__in=chunk).update(archived=True)
        """,
        # retry loop and a loop over constants
        """
        import sqlite3 as db

        def setup(cursor):
            for attempt in range(3):
                try:
                    cursor.execute("SELECT 1")
                    break
                except Exception:
                    pass
            for status in ("new", "paid", "shipped"):
                Status.objects.get_or_create(name=status)
        """,
        # the query runs once: the loop ends right after it
        """
        def first_match(names):
            for name in names:
                if name.startswith("x"):
                    return User.objects.get(username=name)
        """,
        # per-model loop, not per item
        """
        from django.apps import apps

        def counts():
            return {m.__name__: m.objects.count() for m in apps.get_models()}
        """,
    ]
    INVALID = [
        Invalid(
            """
            def receipts(orders):
                for order in orders:
                    customer = Customer.objects.get(id=order.customer_id)
                    send(customer.email, order)
            """,
            line=3, column=20, message="filter(pk__in=...)",
        ),
        # import alias of SQLAlchemy, awaited AsyncSession
        Invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession as AS

            async def names(session: AS, ids):
                out = []
                for user_id in ids:
                    user = await session.get(User, user_id)
                    out.append(user.name)
                return out
            """,
            line=6, message="select(User).where(User.id.in_(ids))",
        ),
        Invalid(
            """
            def mark_paid(cursor, invoices):
                for invoice in invoices:
                    cursor.execute("UPDATE invoice SET paid = true WHERE id = %s", (invoice.id,))
            """,
            line=3, message="executemany()",
        ),
        # a helper of the module that queries, called per item
        Invalid(
            """
            def author_of(post):
                return Author.objects.filter(pk=post.author_id).first()

            def names(posts):
                return [author_of(p).name for p in posts]
            """,
            line=5, message="`author_of()` runs",
        ),
        # a queryset evaluated per item by len()
        Invalid(
            """
            from django.db import models as m

            def stats(posts):
                for post in posts:
                    post.n = len(Comment.objects.filter(post=post))
            """,
            line=5, message="filter(post__in=...)",
        ),
    ]
