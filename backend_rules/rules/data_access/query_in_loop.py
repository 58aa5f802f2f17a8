"""BR201 query-in-loop: a database round-trip runs once per item of a loop.

A query call, the evaluation of a queryset, a DB-API statement, or a call to a function of the
project that runs one.
"""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import Seg, chain_of
from backend_rules.analysis.orm.query_calls import Query, classify
from backend_rules.analysis.orm.sql_statements import (
    SQL_READ,
    is_statement_expr,
    sql_text_of,
    statement_subject,
)
from backend_rules.rule import Invalid
from backend_rules.rules.data_access.bulk_advice import bulk_hint
from backend_rules.rules.data_access.file_state import FileState, KnownModels, state_of
from backend_rules.rules.data_access.finding_confidence import confidence_at
from backend_rules.rules.data_access.loop_rule import LoopRule
from backend_rules.rules.data_access.loop_values import (
    DDL,
    DML_READ_WRITE,
    derived_names,
    literal_head,
    names_in,
    narrowed_per_item,
    table_varies,
)
from backend_rules.rules.data_access.object_models import class_of
from backend_rules.rules.data_access.relation_access import analyse_loop
from backend_rules.rules.data_access.per_item_loops import (
    COMP_NODES,
    drawn_names,
    first_iteration_only,
    iter_of,
    loop_is_per_item,
    loop_targets,
    per_item_loop,
    runs_once,
)
from backend_rules.rules.data_access.query_in_loop_worth import (
    assigned_in, creates_row, helper_writes, per_row_update, prefetched, worth,
)
from backend_rules.rules.data_access.query_resolution import (
    EVALUATING_BUILTINS,
    related_rows,
    resolve_query,
    resolve_segs,
    strip_wrappers,
)
from backend_rules.rules.data_access.querying_functions import (
    describe,
    function_query,
    method_query,
    resolve_relative,
)
from backend_rules.rules.data_access.queryset_cache import (
    evaluated_before,
    served_from_cache,
)

# Queryset methods a filled result cache answers without a query.
CACHE_ANSWERS = {"count", "exists", "[]", "acount", "aexists"}


def _deletes_item(node: cst.CSTNode, loop: cst.CSTNode) -> bool:
    """``thread.delete()`` of the loop's item: a compound delete (signals, cascades) per row."""
    func = node.func if isinstance(node, cst.Call) else node
    return isinstance(func, cst.Attribute) and func.attr.value in {"delete", "adelete"} and \
        isinstance(func.value, cst.Name) and func.value.value in loop_targets(loop)


def _is_save(node: cst.CSTNode) -> bool:
    """``obj.save()`` (found as the call or as its ``obj.save`` attribute)."""
    if isinstance(node, cst.Call):
        node = node.func
    return isinstance(node, cst.Attribute) and node.attr.value in {"save", "asave"}


class QueryInLoop(LoopRule):
    """A database query runs once per item of a loop (N+1 queries).

    ## What it does
    Finds database round-trips inside the body of a `for`/`async for`/`while` loop or a
    comprehension: Django manager and queryset calls that hit the database (`get`, `first`,
    `count`, `exists`, `create`, `update`, `delete`, `aggregate`, ... and `list()`/`len()`/indexing
    or iteration of a queryset), SQLAlchemy `session.get/execute/scalars/scalar`,
    `session.query(...).first()/one()/all()` and `Model.query...` (awaited `AsyncSession` calls
    too), DB-API `cursor.execute(...)` per item (also when its SQL is built from strings), model
    methods and properties that query, and calls to functions of the project that run a query: in
    this module or, through the project index, in others, including repository and service
    methods reached through an instance (`repo = UserRepository(session)`, `self.users`, a
    parameter annotated with the class). `while` loops count when they draw items from an
    iterator, a queue or a cursor (`next(it)`, `queue.pop()`, `cursor.fetchone()`).

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
    Per-item writes become `bulk_create()`; `bulk_update()` when each row gets its own values,
    one `filter(pk__in=...).update(...)` when they all get the same; DB-API statements become
    `executemany()` or one `IN (...)` statement.

    ## Confidence
    Where the code runs sets the level: HIGH in request-serving code (views, viewsets, serializers,
    GraphQL resolvers and mutations, API handlers, template tags, admin callables), MEDIUM in
    background tasks and code that cannot be placed, LOW in management commands, seed and
    maintenance scripts (hidden by default). How the loop's items scale then decides:
    - the rows of a query over a table (not one object's relation), a batch handed in (request
      data, a list of ids, records of a payload or an API listing, `range()` of a value) keep it;
    - LOW: the children of one object (`question.options.all()`, `source.links.all()`, an
      object's own list `self.x_ids`): a handful per object, and cloning/copy helpers walk them on
      purpose; the rows of a curated table (a lookup model, or a declared model with no sign that
      it grows with use: channels, locales);
    - a list whose size we cannot tell: MEDIUM in request-serving code, LOW elsewhere;
    - LOW: a loop over a collection small by construction (`kwargs.items()`, `settings.X`, an
      enum's members, `_meta.get_fields()`, a JSON/array field of the model's own row:
      `for status in self.default_statuses`);
    - LOW: an upsert (`get_or_create`/`update_or_create`) or a create whose row the loop goes on
      to use, per item of the input rather than of a query (often the only way to make the rows),
      and a project helper that writes (an event, a history row) per such item;
    - one level lower: a loop over the sub-list of a request payload (`incident_in.tags`,
      `validated_data["triggers"]`), an update with each input row's own values (imports:
      `bulk_update()` at best), a loop that also mails, calls HTTP or queues a task per item
      (the query is not the cost), and importers of another system's data (`importers/`,
      `export_import/`: per-row work by nature), a compound write per row (a project helper that
      writes, `obj.delete()` of the item) and a per-item call isolated by `try`/`except`.
    A model's `save()` called per item is left to BR204 (commit-in-loop), whatever the save reads,
    also when the object was fetched per item (the fetch is reported). A query that does not
    read the loop's item is told to move before the loop.

    ## Not reported
    Loops over constants (`for status in ("new", "paid")`), retry and poll loops (`for attempt in
    range(3)`, `while True:` without a draw), chunked batch loops (`for chunk in batched(ids, 500)`),
    bulk queries (`filter(id__in=chunk)`, unless another lookup takes the item's value), a query
    followed by `break`/`return` or guarded to run on the first pass only (`if not counter:`,
    `if cache is None: cache = ...`), a Django queryset variable evaluated again (its result
    cache answers) or bound before the loop, a relation the loop's queryset prefetches
    (`for t in teams.prefetch_related("tracks"): t.tracks.exists()`), per-model and per-table
    loops (`model.objects...`, `f"DELETE FROM {table}"`, `conn.execute(insert(table), rows)`), DDL, tests, migrations and Alembic revisions (set
    `queries-in-tests = true` in `[tool.backend-rules]` to include tests).
    """

    CODE = "BR201"
    NAME = "query-in-loop"
    MESSAGE = "query per item: {query} runs once per iteration of this loop; {hint}"
    CONFIDENCE = "MEDIUM"

    def report_loop(self, loop: cst.CSTNode) -> None:
        if self.skip:
            return
        stack = list(self.context.stack)
        for code, node, message in analyse_loop(self, loop, stack):
            if code != self.CODE or _is_save(node):
                continue  # ``obj.save()`` per item is BR204's (commit-in-loop), whatever save() reads
            self._report(node, loop, stack, message=message, helper=True, write=_deletes_item(node, loop))

    def _report(self, node: cst.CSTNode, loop: cst.CSTNode, stack: list[cst.CSTNode], message: str | None = None,
                *, write: bool = False, helper: bool = False, per_row: bool = False, **fields: str) -> None:
        """Report at the confidence of where the code runs, lowered when the N+1 is cheap (see query_in_loop_worth)."""
        level = confidence_at(self.context, self.context.stack)
        confidence = worth(self.context, loop, stack, level, write=write, helper=helper, per_row=per_row)
        self.report(node, message, confidence=confidence, **fields)

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
        if query.has_in_lookup and not narrowed_per_item(query, loop):
            return
        if query.through is None and self._varies_with_loop_model(query, loop, chain_of(expr)):
            return
        if query.text == "get_queryset()" or query.model is None and query.orm == "django" and not query.lookups:
            return
        if query.through is not None and not self._owner_varies(query, loop, stack):
            return
        if runs_once(stack, loop) or first_iteration_only(stack, loop) or self._repeat_loop(loop, where, set(loop_targets(loop))):
            return
        if query.orm == "django" and isinstance(expr, cst.Name) and served_from_cache(self.context, stack, expr.value, loop):
            return
        self._report(where, loop, stack, query=f"`{query.text}`", hint=bulk_hint(query, None))

    def _owner_varies(self, query: Query, loop: cst.CSTNode, stack: list[cst.CSTNode]) -> bool:
        """``for o in orders: for line in o.lines.filter(...)``: the rows of a relation of each item are a
        query per item, unless the items come from a query (BR202 names the missing prefetch there);
        ``self.lines`` in a loop is one object's relation (SQLAlchemy loads it once)."""
        owner = query.through[2] if query.through else ""
        targets = set(loop_targets(loop))
        if owner not in targets | derived_names(loop, targets):
            return False
        iterable = iter_of(loop)
        if iterable is None:
            return True
        if query.through and query.through[1] in prefetched(iterable):
            return False  # ``for team in teams.prefetch_related("tracks")``: served from the prefetch cache
        outer = resolve_query(self.context, state_of(self.context), strip_wrappers(iterable)[0], stack[: stack.index(loop) + 1] if loop in stack else stack)
        return outer is None or outer.rows or outer.orm == "dbapi"

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
        if _is_save(node):
            return  # ``obj.save()`` per item is BR204's; a query that fetched ``obj`` is reported where it runs
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
        related = related_rows(self.context, state, chain_of(top), full)
        if related is not None:  # order.lines.count() for each order of a plain list
            if related.evaluated and self._owner_varies(related, loop, full) and not runs_once(full, loop):
                self._report(node, loop, full, write=creates_row(node, related.terminal, full, loop),
                             query=f"`{related.text}`", hint=bulk_hint(related, None))
            return
        self._check_helper(node, loop, full, state)

    def _check_query(self, node: cst.Call, query: Query, loop: cst.CSTNode, stack: list[cst.CSTNode],
                     segs: list[Seg] | None = None) -> None:
        if query.has_in_lookup and not narrowed_per_item(query, loop) or query.sliced and isinstance(loop, cst.While):
            return  # filter(id__in=chunk): one query per batch, unless another lookup is the item's own
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
        varying = targets | derived_names(loop, targets)
        write = query.orm != "dbapi" and creates_row(node, query.terminal, stack, loop)
        hint = bulk_hint(query, None, segs, varying)
        if not query.from_helper and not names_in(node) & (varying | assigned_in(loop)):
            hint = "it does not depend on the loop's item: run it once before the loop"
        self._report(node, loop, stack, write=write, per_row=per_row_update(segs, varying),
                     query=f"`{describe(query)}`", hint=hint)

    @staticmethod
    def _repeat_loop(loop: cst.CSTNode, node: cst.CSTNode, targets: set[str]) -> bool:
        """``for i in range(n)`` whose counter the query ignores: a repetition, not items."""
        iterable = iter_of(loop)
        if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"):
            return False
        return not (targets & names_in(node))

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
        if subject is not None and subject in targets | derived_names(loop, targets):
            return False  # one statement per table (``table = meta.tables[name]``)
        if table_varies(sql, targets | derived_names(loop, targets)):
            return False  # f"DELETE FROM {table}": one statement per table
        text = sql_text_of(sql)
        if text is not None:
            if DDL.search(text) or not DML_READ_WRITE.search(text):
                return False
            if isinstance(loop, cst.While) and SQL_READ.search(text):
                return False
            return True
        if isinstance(sql, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)):
            head = literal_head(sql)  # "SELECT ... WHERE id = " + str(i): built per item, run per item
            return bool(head) and not DDL.search(head) and bool(DML_READ_WRITE.search(head)) \
                and not (isinstance(loop, cst.While) and SQL_READ.search(head))
        return is_statement_expr(sql)

    def _while_varies(self, loop: cst.While, node: cst.Call) -> bool:
        """A query in a while loop is per item when it reads a name the loop re-binds (tree walks)
        or draws from an iterator, a queue or a cursor (``pk = next(it)``)."""
        if drawn_names(loop) & names_in(node):
            return True
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
        return bool(assigned & names_in(node))

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
            else:  # ``repo.get_by_email(...)`` with ``repo = UserRepository(session)`` or ``repo: UserRepository``
                cls = class_of(self.context, owner, stack)
                if cls:
                    verdict = method_query(state, cls, func.attr.value)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and \
                isinstance(func.value.value, cst.Name) and func.value.value.value == "self":
            cls = class_of(self.context, "self", stack, attribute=func.value.attr.value)  # self.users.get(...)
            if cls:
                verdict = method_query(state, cls, func.attr.value)
        if verdict is None:
            return
        if runs_once(stack, loop) or first_iteration_only(stack, loop):
            return
        if isinstance(loop, cst.While) and not self._while_varies(loop, node):
            return
        self._report(node, loop, stack, helper=True, write=helper_writes(verdict),
                     message=f"query per item: `{shown}()` runs {verdict} once per iteration of this loop; "
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
        # a queryset bound before the loop is evaluated once; a guard the loop turns off runs once
        """
        def tag_all(posts):
            tags = Tag.objects.filter(active=True)
            defaults = None
            for post in posts:
                if defaults is None:
                    defaults = Setting.objects.get(name="defaults")
                post.tags = [t for t in tags if t.name in post.body]
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
        # a repository method awaited per item, through an instance of the class
        Invalid(
            """
            from sqlalchemy import select

            class UserRepository:
                async def by_email(self, email):
                    return (await self.session.scalars(select(User).where(User.email == email))).first()

            async def invite(session, emails):
                users = UserRepository(session)
                return [await users.by_email(e) for e in emails]
            """,
            line=9, message="`users.by_email()` runs",
        ),
    ]
