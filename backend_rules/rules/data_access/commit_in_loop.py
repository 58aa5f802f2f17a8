"""BR204 commit-in-loop: a transaction is committed (or opened) once per item of a loop over data."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, code_kind, is_migration, is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.data_access.django_settings import project_settings
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.finding_confidence import where_code_runs
from backend_rules.rules.data_access.loop_values import derived_names, names_in
from backend_rules.rules.data_access.per_item_loops import (
    BOUNDARIES, iter_of, loop_is_per_item, loop_targets, per_item_loop, runs_once,
)
from backend_rules.rules.data_access.query_in_loop_worth import loop_scale, other_io
from backend_rules.rules.data_access.transaction_callers import only_called_in_transactions
from backend_rules.rules.data_access.transaction_calls import (
    TransactionCall, callers_hold_transaction, enclosing_transaction, helper_commit, transaction_call, transaction_block,
)

# Loops over a message stream: one commit per message is how a consumer acknowledges work.
STREAM_ITER = re.compile(r"consumer|subscription|pubsub|listen|stream|kafka|queue|poll|watch", re.IGNORECASE)
# ``if i % 500 == 0: session.commit()`` / ``if len(pending) >= BATCH:`` commits a batch, not an item.
BATCH_WORDS = re.compile(r"batch|chunk|pending|buffer|bulk|every|step|interval|size|flush", re.IGNORECASE)
ID_READ = re.compile(r"^(id|pk|uuid)$|_id$")
# Loops over the database's own structure: one transaction per schema or tenant is the point.
STRUCTURE = re.compile(r"schema|tenant|table|shard|partition|^models?$|^app_configs?$|get_models", re.IGNORECASE)
# An Alembic revision or environment, wherever the project keeps them.
ALEMBIC = re.compile(r"^def upgrade\(|^\s*context\.run_migrations\(", re.MULTILINE)

HINTS = {
    "commit": "add the items in the loop and commit once after it",
    "flush": "flush once after the loop (commit flushes by itself)",
    "save": "collect the changes and write them once with bulk_update()/bulk_create() inside transaction.atomic()",
    "same-values": "every item gets the same values: write them with one filter(...).update(...) instead",
    "transaction": "open one transaction around the whole loop instead",
    "helper": "commit once after the loop, not inside the helper",
}
EFFECTS = {
    "commit": "commits",
    "flush": "flushes to the database",
    "save": "writes and commits (autocommit)",
    "transaction": "opens and commits a transaction",
}


def _is_batch_test(test: cst.BaseExpression) -> bool:
    """A condition that lets every n-th item through: modulo, a length or a counter threshold."""
    found = False

    def look(node: cst.CSTNode) -> None:
        nonlocal found
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            found = True
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "len":
            found = True
        elif isinstance(node, cst.Name) and BATCH_WORDS.search(node.value):
            found = True
        elif isinstance(node, cst.Attribute) and BATCH_WORDS.search(node.attr.value):
            found = True
        for child in node.children:
            look(child)

    look(test)
    return found


def _under_batch_condition(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    start = stack.index(loop) if loop in stack else 0
    for parent, child in zip(stack[start:], stack[start + 1:]):
        if isinstance(parent, cst.If) and child is parent.body and _is_batch_test(parent.test):
            return True
    return False


def _stream_loop(loop: cst.CSTNode) -> bool:
    iterable = iter_of(loop)
    if iterable is None:
        return False
    if isinstance(iterable, cst.Call):
        iterable = iterable.func
    name = dotted_name(iterable) or ""
    return bool(name and STREAM_ITER.search(name.split(".")[-1]))


def _structural_loop(loop: cst.CSTNode) -> bool:
    """``for schema in schemas`` / ``for i in range(0, n, 500)``: not one data item per turn."""
    iterable = iter_of(loop)
    if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range":
        if len(iterable.args) == 3:
            return True  # a stepped range walks chunks
    names = [dotted_name(iterable.func if isinstance(iterable, cst.Call) else iterable) or ""] if iterable else []
    target = getattr(loop, "target", None) or getattr(getattr(loop, "for_in", None), "target", None)
    if isinstance(target, cst.Name):
        names.append(target.value)
    return any(name and STRUCTURE.search(name.split(".")[-1]) for name in names)


def _followed_in_loop(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    """Some statement of the loop body runs after the one holding the node (it may need the flush)."""
    start = stack.index(loop) if loop in stack else 0
    for depth in range(len(stack) - 1, start, -1):
        node, parent = stack[depth], stack[depth - 1]
        if isinstance(parent, cst.IndentedBlock):
            statements = list(parent.body)
            if node in statements and statements.index(node) < len(statements) - 1:
                return True
    return False


def _reads_id_after(stack: list[cst.CSTNode], loop: cst.CSTNode, node: cst.CSTNode) -> bool:
    """Something in the loop body reads an ``.id`` after the flush: the flush hands out new keys."""
    body = getattr(loop, "body", None)
    if not isinstance(body, cst.IndentedBlock):
        return False
    statement = next((s for s in stack if s in body.body), None)
    if statement is None:
        return False
    later = list(body.body)[list(body.body).index(statement):]
    found = False

    def look(current: cst.CSTNode) -> None:
        nonlocal found
        if found:
            return
        if isinstance(current, cst.Attribute) and ID_READ.search(current.attr.value):
            found = True
            return
        for child in current.children:
            look(child)

    for item in later:
        look(item)
    return found


def _per_row_save(node: cst.Call, loop: cst.CSTNode) -> bool:
    """``obj.save()`` where the loop gives each row its own values (``obj.position = i``,
    ``obj.owner = row["owner"]``) or changes it through its methods (``obj.snapshot()``): saving
    row by row is the usual way (bulk_update() skips save() and its signals). A loop that sets the
    same values on every item (``user.is_active = False``) is one ``queryset.update()``: that one is
    worth reporting."""
    func = node.func
    saved = dotted_name(func.value) if isinstance(func, cst.Attribute) else None
    targets = set(loop_targets(loop))
    if saved is None:
        return False
    # ``product.price = product.price * 2`` is one formula for every row (an F() update): only the
    # loop's other names make values per row
    varying = (targets | derived_names(loop, targets)) - {saved.split(".")[0]} if saved in targets else \
        targets | derived_names(loop, targets)
    per_row = False

    def enter(current: cst.CSTNode) -> bool:
        nonlocal per_row
        if isinstance(current, BOUNDARIES):
            return False
        if isinstance(current, cst.Assign):
            for target in current.targets:
                if isinstance(target.target, cst.Attribute) and dotted_name(target.target.value) == saved:
                    if names_in(current.value) & varying:
                        per_row = True
        elif isinstance(current, cst.Expr) and isinstance(current.value, cst.Call) and current.value is not node:
            call = current.value.func
            if isinstance(call, cst.Attribute) and dotted_name(call.value) == saved:
                per_row = True  # ``obj.snapshot()`` / ``obj.set_unusable_password()``: per-row logic
        return True

    walk(loop.body if isinstance(loop, cst.For) else loop, enter)
    return per_row


def _side_effect_after(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    """A commit followed, in the same item, by mail, HTTP or a queued task: the row must be durable
    before the world hears of it, so the commit per item is on purpose."""
    start = stack.index(loop) if loop in stack else 0
    for block, child in zip(stack[start:], stack[start + 1:]):
        if isinstance(block, cst.IndentedBlock) and child in block.body:
            statements = list(block.body)
            later = statements[statements.index(child) + 1:]
            if later and other_io(cst.IndentedBlock(body=later)):
                return True
    return False


# A comment saying why rows are saved one at a time.
ON_PURPOSE = re.compile(r"#.*(one[- ]by[- ]one|one at a time|instead of (a |an |running )?(\w+ )?(update|bulk)|"
                        r"bulk_update\(\) (skips|does not|doesn't)|on purpose|deliberately|intentionally)", re.IGNORECASE)
SQLALCHEMY_SOURCE = re.compile(r"^\s*(from|import)\s+(sqlalchemy|flask_sqlalchemy|sqlmodel)\b|\bdb\.session\b|\b[A-Z]\w*\.query\.", re.MULTILINE)


def _scales(kind: str, scale: str, place: str) -> bool:
    """Worth a reviewer's time: Django saves (autocommit: one transaction per row) over the rows of a
    query or a batch handed in, in a request or a task; explicit commits over such rows anywhere, or
    over a list we cannot size in a request."""
    if scale in {"children", "small"}:
        return False
    if kind == "save":
        return scale in {"rows", "input"} and place in {"request", "task"}
    return scale in {"rows", "input"} or place == "request"


def _copies_row(node: cst.Call, loop: cst.CSTNode) -> bool:
    """``obj.pk = None`` before ``obj.save()``: the loop copies rows (a clone), it inserts them."""
    func = node.func
    saved = dotted_name(func.value) if isinstance(func, cst.Attribute) else None
    found = False

    def enter(current: cst.CSTNode) -> bool:
        nonlocal found
        if isinstance(current, BOUNDARIES):
            return False
        if isinstance(current, cst.Assign) and isinstance(current.value, cst.Name) and current.value.value == "None":
            for target in current.targets:
                if isinstance(target.target, cst.Attribute) and target.target.attr.value in {"pk", "id"} \
                        and dotted_name(target.target.value) == saved:
                    found = True
        return not found

    walk(loop.body if isinstance(loop, cst.For) else loop, enter)
    return found


def _in_try(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    start = stack.index(loop) if loop in stack else 0
    return any(isinstance(n, cst.Try) for n in stack[start + 1:])


class CommitInLoop(Rule):
    """A transaction is committed (or opened) once per item of a loop over data.

    ## What it does
    Finds, in the body of a `for` loop (or a comprehension) over data items, SQLAlchemy
    `session.commit()` / `session.flush()` (sync and awaited), DB-API `conn.commit()`, Django
    `obj.save()` outside a `transaction.atomic()` block (in autocommit mode every save is its own
    transaction), `with transaction.atomic():` / `with session.begin():` entered per item, and
    calls of a helper of the same module that commits.

    ## Why is this bad?
    Every commit is a round-trip plus a durable write (fsync) on the database: committing 10,000
    items one by one takes minutes where one commit takes a second, holds locks longer, and
    leaves half the batch written when the loop fails in the middle.

    ## Example
    ```python
    for row in rows:
        db.session.add(Order(**row))
        db.session.commit()
    ```

    ## Use instead
    ```python
    for row in rows:
        db.session.add(Order(**row))
    db.session.commit()
    ```
    Django: `bulk_create()` / `bulk_update()`, or one `with transaction.atomic():` around the
    loop. The advice names the module's ORM: an SQLAlchemy model whose `save()` commits is told
    to commit once after the loop; a loop copying rows (`obj.pk = None`) to `bulk_create()`.

    ## Not reported
    Loops over fixed batches or chunks (`for chunk in batched(ids, 500)`), retries
    (`for attempt in range(3)`), constants, message consumers (`for message in consumer:`),
    `while` loops, commits every n-th item (`if i % 500 == 0:`), a commit followed by
    `break`/`return`, saves inside an enclosing `transaction.atomic()`, tests and migrations.

    ## Confidence
    MEDIUM when the rows scale with the data and nothing holds them in one transaction: a Django
    `save()` (autocommit: one transaction per row) over the rows of a query or a batch handed in
    (request data, a list of ids), in a request handler or a task; an explicit commit over such
    rows anywhere, or over a list we cannot size in request code. Not reported when every caller
    of the function, in any module of the project (two levels up), runs it inside
    `transaction.atomic()` / `session.begin()`. LOW (hidden by default) otherwise:
    - the children of one object (`for option in question.options.all()`), small collections,
      and saves in helpers whose list we cannot size (a few rows, usually);
    - a comment in the function saying why it saves one by one;
    - a commit next to per-item I/O (an external service's client, mail, HTTP), and the second and
      later commits of one loop (the first is the finding);
    - a `save()` that gives each row its own values (`obj.position = i`) or runs per-row logic
      (`obj.snapshot()`): bulk_update() would skip save() and its signals. A loop that sets the
      same values on every item stays MEDIUM and is told to use one `filter(...).update(...)`;
    - a commit followed in the same item by mail, an HTTP call or a queued task (the row must be
      durable first), per-item transactions isolated by `try`/`except`, a `flush()` whose new
      primary keys are read right after, saves in a request under `ATOMIC_REQUESTS`;
    - management commands, click commands, seed/sample-data generators and scripts.

    ## Overlap with BR201
    BR201 (query-in-loop) owns reads and manager writes (`Model.objects.create()` per item);
    this rule owns commits, flushes, `obj.save()` and transaction blocks, and leaves helper
    calls that also run a query to BR201.
    """

    CODE = "BR204"
    NAME = "commit-in-loop"
    MESSAGE = "{call} {effect} once per item of this loop; {hint}"
    CATEGORY = "performance"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "MEDIUM"
    TRIGGER = r"\.(?:commit|flush|save|begin)\(|atomic"
    USES_PROJECT_INDEX = True
    OPTIONS = {"queries-in-tests": False, "test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict[str, Any]) -> bool:
        if options.get("queries-in-tests", False):
            return True
        return not (is_test_code(options) or is_migration(options))

    def visit_Call(self, node: cst.Call) -> None:
        stack = self.context.stack
        full = stack + [node]
        loop = per_item_loop(full)
        if loop is None or isinstance(loop, cst.While) or not loop_is_per_item(loop):
            return
        found = transaction_call(node, stack, self.context)
        if found is None:
            found = helper_commit(node, stack, self.context)
            if found is None:
                return
        if found.kind == "transaction" and not self._entered(node, stack):
            return
        self._check(node, found, full, loop)

    @staticmethod
    def _entered(node: cst.Call, stack: list[cst.CSTNode]) -> bool:
        """``with transaction.atomic():`` (the call is a with-item), not a decorator or a reference."""
        parent = stack[-1] if stack else None
        return isinstance(parent, cst.WithItem) and parent.item is node

    def _check(self, node: cst.Call, found: TransactionCall, full: list[cst.CSTNode], loop: cst.CSTNode) -> None:
        if runs_once(full, loop) or _under_batch_condition(full, loop) or _stream_loop(loop) or _structural_loop(loop):
            return
        if self._literal_table(iter_of(loop)):
            return
        if ALEMBIC.search(self.context.source):
            return  # a migration kept outside the usual folders
        if found.kind in {"save", "helper"} and (
            enclosing_transaction(full, self.context) or callers_hold_transaction(full, self.context)
            or self._project_callers_hold(full)
        ):
            return  # one transaction around the loop (here or in every caller): the saves commit together
        if found.kind == "save" and transaction_block(full[full.index(loop):], self.context):
            return  # the per-item transaction is reported at its ``with``, once
        confidence = "MEDIUM"
        kind = code_kind(self.context.options)
        if found.kind == "flush" and (_reads_id_after(full, loop, node) or _followed_in_loop(full, loop)):
            confidence = "LOW"  # the flush hands new keys or state to what follows
        if found.kind in {"transaction", "commit", "helper"} and _in_try(full, loop):
            confidence = "LOW"  # one failing item must not undo the others: isolation on purpose
        if found.kind == "save" and kind == "request" and self._atomic_requests():
            confidence = "LOW"  # ATOMIC_REQUESTS: the request's transaction holds every save
        hint = HINTS[found.kind] if found.kind in HINTS else ""
        if found.kind == "save":
            if _per_row_save(node, loop):
                confidence = "LOW"  # each row its own values or logic: save() per row is the usual way
            else:
                hint = HINTS["same-values"]
        if found.kind in {"commit", "transaction", "helper"} and (_side_effect_after(full, loop) or other_io(loop)):
            confidence = "LOW"  # durable before the mail/HTTP call/task that follows it, or next to per-item I/O
        if found.kind in {"commit", "flush"} and confidence != "LOW":
            seen = self.context.__dict__.setdefault("_br204_loops", set())
            if id(loop) in seen:
                confidence = "LOW"  # the loop's first commit is the finding; the others echo it
            seen.add(id(loop))
        place = where_code_runs(self.context, full)
        if kind == "script" or place in {"command", "script", "migration"}:
            confidence = "LOW"  # management commands, click commands, seed data generators
        if not _scales(found.kind, loop_scale(self.context, loop, full), place) or self._explained(full):
            confidence = "LOW"  # a few rows (one object's children, a helper's list) or a saving said to be on purpose
        if found.kind == "helper":
            self.report(node, confidence=confidence, call=f"`{found.text}()`",
                        effect=f"commits ({found.detail})", hint=HINTS["helper"])
            return
        orm = self._orm()
        if found.kind == "save" and orm == "sqlalchemy":
            effect, hint = "commits (the model's save() commits)", "add the objects to the session and commit once after the loop"
        elif found.kind == "save" and _copies_row(node, loop):
            effect, hint = EFFECTS["save"], "each item is a copy (pk = None): collect them and bulk_create() once after the loop"
        else:
            effect = EFFECTS[found.kind]
        self.report(node, confidence=confidence, call=f"`{found.text}`", effect=effect, hint=hint)

    def _project_callers_hold(self, full: list[cst.CSTNode]) -> bool:
        """Every call of the function holding the save, in any module of the project, runs in a
        transaction (``copy_event_data()`` called only from an ``@transaction.atomic`` view)."""
        function = next((n for n in reversed(full) if isinstance(n, cst.FunctionDef)), None)
        return function is not None and only_called_in_transactions(self.context.project, function.name.value)

    def _explained(self, full: list[cst.CSTNode]) -> bool:
        """A comment in the function says why it saves one by one (``# We save one-by-one instead of ...``)."""
        function = next((n for n in reversed(full) if isinstance(n, cst.FunctionDef)), None)
        if function is None:
            return False
        code = self.context.module.code_for_node(function)
        return bool(ON_PURPOSE.search(code))

    def _orm(self) -> str:
        """``sqlalchemy`` when the module works with SQLAlchemy (its models' save() commit a session)."""
        if SQLALCHEMY_SOURCE.search(self.context.source):
            return "sqlalchemy"
        orms = {info.orm for infos in state_of(self.context).graph.by_name.values() for info in infos}
        return "sqlalchemy" if "sqlalchemy" in orms and "django" not in orms else "django"

    def _literal_table(self, iterable: cst.BaseExpression | None) -> bool:
        """``for name, version in _extensions:`` over a module-level list written in the code."""
        if isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "enumerate":
            iterable = iterable.args[0].value if iterable.args else None
        if not isinstance(iterable, cst.Name):
            return False
        bindings = self.context.scope_facts(self.context.module).bindings.get(iterable.value, [])
        if len(bindings) != 1 or not isinstance(bindings[0].value, (cst.List, cst.Tuple, cst.Set, cst.Dict)):
            return False
        literal = (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString, cst.Name, cst.Attribute)

        def fixed(node: cst.BaseExpression) -> bool:
            if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
                return all(fixed(e.value) for e in node.elements)
            return isinstance(node, literal)

        value = bindings[0].value
        return isinstance(value, cst.Dict) or fixed(value)

    def _atomic_requests(self) -> bool:
        settings = project_settings(self.context.project)
        return bool(settings and settings.get("atomic_requests"))

    VALID = [
        # one commit after the loop
        """
        def import_orders(session, rows):
            for row in rows:
                session.add(Order(**row))
            session.commit()
        """,
        # near miss: a commit per chunk, and a commit every 500 items
        """
        from itertools import batched

        def archive(session, ids):
            for chunk in batched(ids, 500):
                session.execute(update(Post).where(Post.id.in_(chunk)).values(archived=True))
                session.commit()

        def load(session, rows):
            for i, row in enumerate(rows):
                session.add(Row(**row))
                if i % 500 == 0:
                    session.commit()
        """,
        # saves inside one transaction, forms and images are not models
        """
        from django.db import transaction

        def publish(posts, formset, images):
            with transaction.atomic():
                for post in posts:
                    post.published = True
                    post.save()
            for form in formset:
                form.save()
            for image in images:
                image.save("/tmp/out.png")
        """,
        # retry loop
        """
        def store(session, order):
            for attempt in range(3):
                try:
                    session.add(order)
                    session.commit()
                    break
                except OperationalError:
                    session.rollback()
        """,
        Valid(
            """
            def seed(session, rows):
                for row in rows:
                    session.add(Row(**row))
                    session.commit()
            """,
            path="tests/test_seed.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            def import_orders(db, rows):
                for row in rows:
                    db.session.add(Order(**row))
                    db.session.commit()
            """,
            line=4, column=9, message="`db.session.commit()` commits once per item",
        ),
        # Django: every save is its own transaction in autocommit mode
        Invalid(
            """
            from django.db import models as m

            def mark_shipped(orders):
                for order in orders:
                    order.status = "shipped"
                    order.save(update_fields=["status"])
            """,
            line=6, message="one filter(...).update(...)",
        ),
        # import alias, a transaction per item
        Invalid(
            """
            from django.db import transaction as tx

            def charge_all(invoices):
                for invoice in invoices:
                    with tx.atomic():
                        invoice.charge()
            """,
            line=5, message="opens and commits a transaction",
        ),
        # awaited AsyncSession commit in a comprehension-free async loop
        Invalid(
            """
            async def mark_read(session, notes):
                async for note in notes:
                    note.read = True
                    await session.commit()
            """,
            line=4,
        ),
        # DB-API connection
        Invalid(
            """
            import sqlite3

            def save_all(conn, events):
                cur = conn.cursor()
                for event in events:
                    cur.execute("INSERT INTO events VALUES (?, ?)", (event.id, event.kind))
                    conn.commit()
            """,
            line=7,
        ),
    ]
