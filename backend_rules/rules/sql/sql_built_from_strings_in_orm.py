"""BR102: SQL built from strings passed to an ORM's raw-SQL entry point."""

from __future__ import annotations

import ast

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.string_building import StringAnalyzer
from backend_rules.analysis.string_values import call_name
from backend_rules.rule import Invalid, Valid
from backend_rules.rules.sql.parameterize_fix import text_parameterize_fix
from backend_rules.rules.sql.sql_forwarders import SQL_TEXT_TRIGGER
from backend_rules.rules.sql.sql_sink_rule import (
    ORM_SINKS,
    Sink,
    SqlSinkRule,
    builds_strings,
    first_argument,
    has_sink_with_computed_sql,
    may_hold_request_data,
    passes_parameters,
    receiver_name,
)

SQLALCHEMY_TEXT = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                   "sqlalchemy.literal_column", "sqlalchemy.sql.expression.literal_column",
                   "sqlalchemy.sql.literal_column", "sqlmodel.text", "sqlalchemy.sql.expression.TextClause",
                   "sqlalchemy.TextClause"}
# Query methods that SQLAlchemy 1.x coerced a plain string argument of into SQL text.
TEXTUAL_METHODS = {"filter", "having", "order_by", "group_by", "distinct", "where", "select_from"}
SQLALCHEMY_MODULES = {"sqlalchemy", "flask_sqlalchemy", "sqlmodel"}
OTHER_ORMS = {"django", "rest_framework", "peewee", "tortoise", "pony", "mongoengine", "pandas", "polars"}


def _is_string_build(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, (ast.Add, ast.Mod))
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {
        "format", "join", "replace",
    }


def _textual_argument_built(tree: ast.AST) -> bool:
    """A ``filter()``/``order_by()``... call whose first argument is a string built here, or a
    name some assignment of the file builds a string into."""
    built_names = {
        t.id for n in nodes(tree, ast.Assign) if _is_string_build(n.value) for t in n.targets if isinstance(t, ast.Name)
    }
    for node in nodes(tree, ast.Call):
        if isinstance(node.func, ast.Attribute) and node.func.attr in TEXTUAL_METHODS and node.args:
            first = node.args[0]
            if _is_string_build(first) or isinstance(first, ast.Name) and first.id in built_names:
                return True
    return False


def _query_chain(func: cst.BaseExpression) -> bool:
    """``session.query(...)....filter`` or ``User.query.filter``: a SQLAlchemy Query."""
    node = func.value if isinstance(func, cst.Attribute) else None
    while node is not None:
        if isinstance(node, cst.Call):
            if isinstance(node.func, cst.Attribute) and node.func.attr.value == "query":
                return True
            node = node.func.value if isinstance(node.func, cst.Attribute) else None
        elif isinstance(node, cst.Attribute):
            if node.attr.value == "query" and isinstance(node.value, cst.Name) and node.value.value[:1].isupper():
                return True
            node = node.value
        else:
            return False
    return False


class SqlStringToOrm(SqlSinkRule):
    """SQL built from strings is passed to an ORM's raw-SQL entry point.

    ## What it does
    Finds SQL built with an f-string, `+`, `%`, `.format()` or `str.join()` from non-constant
    values that is handed to SQLAlchemy `text()` / `literal_column()` / `exec_driver_sql()`,
    Django `Manager.raw()` (managers' own `self.raw()` too), `QuerySet.extra()` and `RawSQL()`,
    or pandas `read_sql*()`; strings built into SQLAlchemy 1.x query methods that took them as SQL
    text (`query.filter(f"...")`, `order_by`, `group_by`, `having`, `distinct`); request data
    used as that text as it came (`order_by(text(request.args["sort"]))`); and strings built at
    the call of a same-module helper that hands its argument to one of these
    (`def run_sql(sql): conn.execute(text(sql))`).

    ## Why is this bad?
    These are the ORM's escape hatches: the text goes to the database verbatim, so everything an
    ORM normally protects against comes back (CWE-89, OWASP A03).

    ## Example
    ```python
    from sqlalchemy import text
    rows = session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
    ```

    ## Use instead
    Bind parameters:
    ```python
    rows = session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
    User.objects.raw("SELECT * FROM app_user WHERE name = %s", [name])
    ```
    Or use the query builder (`select(User).where(User.name == name)`, `filter(name=name)`).
    A column or direction from the request goes through an allow-list of column objects
    (`SORTABLE = {"name": User.name}`), never `text()`.

    ## Confidence
    As for BR101: HIGH for request data, MEDIUM for unknown origins, LOW for the program's own
    identifiers, values already bound, and tests, migrations and scripts.

    ## Fix safety
    `session.execute(text(f"... {x}"))` is rewritten to `session.execute(text("... :x"), {"x":
    x})`; safe when every value sits outside quotes in a value position, unsafe when one sat inside
    quotes. Other entry points (`raw()`, `extra()`, `text()` kept in a variable) get no fix.
    """

    CODE = "BR102"
    FIX = "safe or unsafe"
    SINK_NAMES = ORM_SINKS
    NAME = "sql-built-from-strings-in-orm"
    MESSAGE = "SQL built {how} reaches {sink}; use bound parameters instead"
    ADVICE = "use bound parameters instead"
    ALSO_ADVICE = "bind `{value}` as a parameter too, like the other values"
    IDENTIFIER_ADVICE = "`{value}` is an identifier there: map it through an allow-list (to a column) or quote it"
    CONFIDENCE = "MEDIUM"  # per finding: see ## Confidence
    USES_PROJECT_INDEX = True  # helpers of other modules that run their argument through text()
    TRIGGER = (
        r"\b(text|literal_column|exec_driver_sql|raw|extra|RawSQL|read_sql|read_sql_query)\s*\("
        r"|import[^\n]*\b(text|literal_column|RawSQL)\s+as\b"
        r"|\.(filter|having|order_by|group_by|distinct|where|select_from)\s*\("
        "|" + SQL_TEXT_TRIGGER  # a call of a project function that runs its argument through text()
    )

    def sink_of(self, node: cst.Call) -> Sink | None:
        func = node.func
        bare = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if bare in TEXTUAL_METHODS and isinstance(func, cst.Attribute):
            return self._textual_coercion(node, bare)
        if bare not in ORM_SINKS and bare not in self.context.imports.names:
            return None
        qualified = self.context.imports.qualify(func) or ""
        last = qualified.split(".")[-1]
        if qualified in SQLALCHEMY_TEXT or (
            last in {"text", "literal_column"} and self.context.imports.imported_from(func, "sqlalchemy", "sqlmodel")
        ):
            return Sink(first_argument(node, ("text", "sql")), f"{last}()", parameters=self._bound_outside(node),
                        identifier_context=last == "literal_column" or self._in_clause_method())
        if last == "RawSQL":
            return Sink(first_argument(node, ("sql",)), "RawSQL()")
        if last in {"read_sql", "read_sql_query"}:  # read_sql(sql, con, params=...): the second is the connection
            return Sink(first_argument(node, ("sql",)), f"{last}()",
                        parameters=any(a.keyword is not None and a.keyword.value == "params" for a in node.args))
        if isinstance(func, cst.Attribute) and last == "exec_driver_sql":
            return Sink(first_argument(node, ("statement",)), "exec_driver_sql()")
        if isinstance(func, cst.Attribute) and last == "raw":
            chain = dotted_name(func.value) or receiver_name(func.value)
            manager = "objects" in chain or "manager" in chain.lower()
            return Sink(first_argument(node, ("raw_query",)), f"{receiver_name(func.value)}.raw()",
                        db_receiver=manager, needs_sql_text=not manager)
        return None

    def report(self, node, message=None, *, fix=None, **fields) -> None:
        """``session.execute(text(f"..."))`` offers the rewrite to ``:name`` bound parameters."""
        if fix is None and isinstance(node, cst.Call):
            fix = text_parameterize_fix(self.context, node)
        super().report(node, message, fix=fix, **fields)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "extra":
            self._check_extra(node)
        else:
            self.check_call(node)

    def _bound_outside(self, node: cst.Call) -> bool:
        """``conn.execute(text(...), {...})`` or ``text(...).bindparams(...)``: values go beside."""
        stack = self.context.stack
        if len(stack) >= 2 and isinstance(stack[-1], cst.Arg) and isinstance(stack[-2], cst.Call):
            return passes_parameters(stack[-2], node)
        if stack and isinstance(stack[-1], cst.Attribute) and stack[-1].attr.value == "bindparams":
            return True
        return False

    def _in_clause_method(self) -> bool:
        """``.order_by(text(...))``: the text is a column or a direction."""
        stack = self.context.stack
        return (
            len(stack) >= 2 and isinstance(stack[-1], cst.Arg) and isinstance(stack[-2], cst.Call)
            and isinstance(stack[-2].func, cst.Attribute) and stack[-2].func.attr.value in {"order_by", "group_by"}
        )

    def _textual_coercion(self, node: cst.Call, method: str) -> Sink | None:
        """SQLAlchemy 1.x took a plain string in ``filter()``, ``order_by()``... as SQL text."""
        modules = self._imported_modules()
        if modules & OTHER_ORMS or not (modules & SQLALCHEMY_MODULES or _query_chain(node.func)):
            return None
        argument = next((a.value for a in node.args if a.keyword is None and not a.star), None)
        if argument is None or not isinstance(argument, (cst.FormattedString, cst.BinaryOperation, cst.Call, cst.Name)):
            return None
        if isinstance(argument, cst.Call) and call_name(argument)[1] not in {"format", "join", "replace"}:
            return None  # column expressions, text(), desc(...)
        return Sink(argument, f"{method}() (a string there is SQL text)", request_text=False,
                    identifier_context=method in {"order_by", "group_by", "distinct"})

    def _imported_modules(self) -> set[str]:
        return {full.split(".")[0] for full in self.context.imports.names.values()}

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        if not (builds_strings(tree) or may_hold_request_data(tree)):
            return False
        if has_sink_with_computed_sql(tree, ORM_SINKS):
            return True
        return _textual_argument_built(tree) and (
            any(isinstance(n, ast.Attribute) and n.attr == "query" for n in nodes(tree, ast.Attribute))
            or any(
                (n.module or "").split(".")[0] in SQLALCHEMY_MODULES for n in nodes(tree, ast.ImportFrom)
            ) or any(a.name.split(".")[0] in SQLALCHEMY_MODULES for n in nodes(tree, ast.Import) for a in n.names)
        )

    def _check_extra(self, node: cst.Call) -> None:
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in {"where", "select", "tables", "order_by"}:
                continue
            value = arg.value
            pieces: list[cst.BaseExpression] = []
            if isinstance(value, (cst.List, cst.Tuple)):
                pieces = [e.value for e in value.elements]
            elif isinstance(value, cst.Dict):
                pieces = [e.value for e in value.elements if isinstance(e, cst.DictElement)]
            analyzer = StringAnalyzer(self.context, self.context.stack + [node])
            for piece in pieces:
                builds = analyzer.unsafe_builds(piece)
                if builds:
                    parameters = any(
                        a.keyword is not None and a.keyword.value in {"params", "select_params"} for a in node.args
                    )
                    self.report_builds(node, builds, f"extra({arg.keyword.value}=...)", analyzer, parameters,
                                       identifier_context=arg.keyword.value in {"tables", "order_by"})
                    return

    VALID = [
        # Django's order_by takes field names, checked by Django; a sort key mapped to a column
        """
        from django.db import models
        def listing(field):
            return Post.objects.order_by("-" + field)
        """,
        """
        from flask import request
        from sqlalchemy import select, text
        SORTS = {"new": "created_at DESC", "old": "created_at ASC"}
        def listing(session):
            return session.scalars(select(Post).order_by(text(SORTS.get(request.args.get("sort"), "id")))).all()
        """,
        """
        from sqlalchemy import text
        def find(session, name):
            return session.execute(text("SELECT * FROM users WHERE name = :name"), {"name": name})
        """,
        """
        from sqlalchemy import select
        def find(session, name):
            return session.scalars(select(User).where(User.name == name)).all()
        """,
        """
        def find(name):
            return User.objects.raw("SELECT * FROM app_user WHERE name = %s", [name])
        """,
        # `text` that is not SQLAlchemy's
        """
        from myapp.widgets import text
        def label(name):
            return text(f"Hello {name}")
        """,
        """
        from django.db.models.expressions import RawSQL
        def annotate(qs):
            return qs.annotate(val=RawSQL("SELECT col FROM t WHERE id = %s", (3,)))
        """,
        Valid(
            """
            import pandas as pd
            COLUMNS = "id, name"
            def load(con):
                return pd.read_sql(f"SELECT {COLUMNS} FROM users", con)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import sqlalchemy as sa
            def find(conn, name):
                return conn.execute(sa.text(f"SELECT * FROM users WHERE name = '{name}'"))
            """,
            line=3, column=25,
            expected="""
            import sqlalchemy as sa
            def find(conn, name):
                return conn.execute(sa.text("SELECT * FROM users WHERE name = :name"), {"name": name})
            """,
        ),
        Invalid(
            """
            def search(q):
                sql = "SELECT * FROM app_post WHERE title LIKE '%%" + q + "%%'"
                return Post.objects.raw(sql)
            """,
            line=3, message="Post.objects.raw()",
        ),
        Invalid(
            """
            def recent(qs, days):
                return qs.extra(where=["created > now() - interval '%s days'" % days])
            """,
            line=2,
        ),
        Invalid(
            """
            import pandas
            def load(con, user):
                query = "SELECT * FROM orders WHERE user = '{}'".format(user)
                return pandas.read_sql_query(query, con)
            """,
            line=4,
        ),
        Invalid(
            """
            from django.db.models.expressions import RawSQL
            def annotate(qs, col):
                return qs.annotate(val=RawSQL("SELECT " + col + " FROM t", ()))
            """,
            line=3,
        ),
        Invalid(
            """
            from flask import request
            from sqlalchemy import select, text as sql_text
            def listing(session):
                return session.scalars(select(Post).order_by(sql_text(request.args["sort"]))).all()
            """,
            line=4, message="request data",
        ),
        Invalid(
            """
            from flask_sqlalchemy import SQLAlchemy
            def find(name):
                return User.query.filter("name = '%s'" % name).all()
            """,
            line=3, message="filter()",
        ),
        Invalid(
            """
            from django.db import models
            class PostManager(models.Manager):
                def search(self, term):
                    return self.raw(f"SELECT * FROM blog_post WHERE title LIKE '%%{term}%%'")
            """,
            line=4, message="self.raw()",
        ),
    ]
