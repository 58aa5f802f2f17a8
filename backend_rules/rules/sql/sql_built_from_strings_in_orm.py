"""BR102: SQL built from strings passed to an ORM's raw-SQL entry point."""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.string_building import StringAnalyzer
from backend_rules.rule import Invalid, Valid
from backend_rules.rules.sql.sql_sink_rule import ORM_SINKS, SqlSinkRule, describe, first_argument, receiver_name

SQLALCHEMY_TEXT = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                   "sqlalchemy.literal_column", "sqlalchemy.sql.expression.literal_column",
                   "sqlalchemy.sql.literal_column", "sqlmodel.text", "sqlalchemy.sql.expression.TextClause",
                   "sqlalchemy.TextClause"}


class SqlStringToOrm(SqlSinkRule):
    """SQL built from strings is passed to an ORM's raw-SQL entry point.

    ## What it does
    Finds SQL built with an f-string, `+`, `%`, `.format()` or `str.join()` from non-constant
    values that is handed to SQLAlchemy `text()` / `literal_column()` / `exec_driver_sql()`,
    Django `Manager.raw()`, `QuerySet.extra()` and `RawSQL()`, or pandas `read_sql*()`.

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
    """

    CODE = "BR102"
    SINK_NAMES = ORM_SINKS
    NAME = "sql-built-from-strings-in-orm"
    MESSAGE = "SQL built {how} reaches {sink}; use bound parameters instead"
    CONFIDENCE = "HIGH"
    TRIGGER = (
        r"\b(text|literal_column|exec_driver_sql|raw|extra|RawSQL|read_sql|read_sql_query)\s*\("
        r"|import[^\n]*\b(text|literal_column|RawSQL)\s+as\b"
    )

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        bare = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        if bare not in ORM_SINKS and bare not in self.context.imports.names:
            return
        qualified = self.context.imports.qualify(func) or ""
        last = qualified.split(".")[-1]
        if qualified in SQLALCHEMY_TEXT or (
            last in {"text", "literal_column"} and self.context.imports.imported_from(func, "sqlalchemy", "sqlmodel")
        ):
            self.check_sql(node, first_argument(node, ("text", "sql")), f"{last}()", db_receiver=True)
        elif last == "RawSQL":
            self.check_sql(node, first_argument(node, ("sql",)), "RawSQL()", db_receiver=True)
        elif last in {"read_sql", "read_sql_query"}:
            self.check_sql(node, first_argument(node, ("sql",)), f"{last}()", db_receiver=True)
        elif isinstance(func, cst.Attribute) and last == "exec_driver_sql":
            self.check_sql(node, first_argument(node, ("statement",)), "exec_driver_sql()", db_receiver=True)
        elif isinstance(func, cst.Attribute) and last == "raw":
            chain = dotted_name(func.value) or receiver_name(func.value)
            manager = "objects" in chain or "manager" in chain.lower()
            self.check_sql(node, first_argument(node, ("raw_query",)), f"{receiver_name(func.value)}.raw()",
                           db_receiver=manager, needs_sql_text=not manager)
        elif isinstance(func, cst.Attribute) and last == "extra":
            self._check_extra(node)

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
            for piece in pieces:
                analyzer = StringAnalyzer(self.context, self.context.stack + [node])
                build = analyzer.unsafe_build(piece)
                if build is not None:
                    self.report(node, how=describe(build, self.context, node), sink=f"extra({arg.keyword.value}=...)")
                    return

    VALID = [
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
    ]
