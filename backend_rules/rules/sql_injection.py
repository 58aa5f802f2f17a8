"""BR1xx: SQL built from strings that reaches a place where it is executed.

Both rules report at the sink (where the fix goes) and name where the string was built. They
follow the string a few statements back, through ``+=`` and ``append``, and into helpers of the
same module; see :mod:`backend_rules.analysis.string_building` for what counts as safe.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.analysis.string_building import StringAnalyzer, StringBuild, code_of
from backend_rules.analysis.walk import walk

FAMILY = "BR1"

SQL_LOOKING = re.compile(
    r"(?is)^\s*\(?\s*(select|insert|update|delete|with|create|drop|alter|truncate|replace|merge|"
    r"grant|revoke|pragma|exec|call|show|describe|explain|vacuum|analyze|copy|lock|upsert)\b"
    r"|\bselect\b.+\bfrom\b|\binsert\s+into\b|\bupdate\b.+\bset\b|\bdelete\s+from\b"
    r"|\bwhere\b.+(=|<|>|\blike\b|\bin\b)|\border\s+by\b|\bvalues\s*\("
)
# Methods that run SQL on DB-API cursors/connections and async drivers (asyncpg, aiosqlite,
# aiomysql, aiopg, databases). ``query`` is included but only with SQL-looking text.
EXECUTE_METHODS = {"execute", "executemany", "executescript", "execute_fetchall", "fetch", "fetchrow",
                   "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate", "query"}
ALWAYS_NEEDS_SQL_TEXT = {"query", "fetch", "iterate"}
DB_RECEIVER = re.compile(
    r"^_*(cur|curs|cursor|c|conn|con|cnx|connection|db|database|session|sess|engine|tx|txn|"
    r"transaction|pool|sqlite|pg|mysql|psql|postgres|dbapi|sql)$"
    r"|cursor|conn(ection)?s?$|(^|_)db($|_)|database|session$|engine$|pool$|_pg$|^pg_"
)
NOT_DB_RECEIVER = re.compile(
    r"(command|cmd|job|task|executor|runner|shell|ssh|subprocess|process|workflow|action|step|"
    r"pipeline|celery|handler|operation|plan|script|tool|browser|graph|http|request|client_?pool)",
    re.IGNORECASE,
)
DB_FACTORIES = {"cursor", "connect", "get_db", "get_conn", "get_connection", "get_cursor", "acquire",
                "connection", "raw_connection", "get_session", "session"}
SQLALCHEMY_TEXT = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text",
                   "sqlalchemy.literal_column", "sqlalchemy.sql.expression.literal_column",
                   "sqlalchemy.sql.literal_column", "sqlmodel.text", "sqlalchemy.sql.expression.TextClause",
                   "sqlalchemy.TextClause"}
QUERY_KEYWORDS = ("query", "sql", "operation", "statement", "stmt")


def first_argument(call: cst.Call, keywords: tuple[str, ...] = QUERY_KEYWORDS) -> cst.BaseExpression | None:
    """The SQL argument of a sink: the first positional one, or a ``query=``-style keyword."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg.value
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    return None


def receiver_name(node: cst.BaseExpression) -> str:
    """A readable name for the object a method is called on: ``cursor``, ``get_db()``..."""
    if isinstance(node, cst.Call):
        inner = dotted_name(node.func)
        return f"{inner}()" if inner else "(...)"
    return dotted_name(node) or code_of(node)


def describe(build: StringBuild, context, sink_node: cst.CSTNode) -> str:
    """``with an f-string`` / ``with str.join() (line 12)`` / ``in build_query() (line 4)``."""
    line = context.line_of(build.node)
    where = f" in {build.helper}() (line {line})" if build.helper else (
        f" (line {line})" if line != context.line_of(sink_node) else ""
    )
    return f"with {build.how} of `{code_of(build.culprit)}`{where}"


ORM_SINKS = {"text", "literal_column", "exec_driver_sql", "raw", "extra", "RawSQL", "read_sql", "read_sql_query"}


def _builds_strings(tree: ast.AST) -> bool:
    """Any f-string with a hole, ``+``/``%`` operation, ``.format`` or ``.join`` call."""
    if any(isinstance(v, ast.FormattedValue) for node in nodes(tree, ast.JoinedStr) for v in node.values):
        return True
    if any(isinstance(node.op, (ast.Add, ast.Mod)) for node in nodes(tree, ast.BinOp, ast.AugAssign)):
        return True
    return any(
        isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join", "replace"}
        for node in nodes(tree, ast.Call)
    )


def _has_sink_with_computed_sql(tree: ast.AST, names: set[str]) -> bool:
    """A call to one of ``names`` (or an import alias of one) whose SQL argument is not a literal."""
    names = set(names)
    for node in nodes(tree, ast.ImportFrom):
        names.update(a.asname for a in node.names if a.asname and a.name in names)
    for node in nodes(tree, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name not in names:
            continue
        values = [a for a in node.args] + [k.value for k in node.keywords if k.arg is not None]
        if any(not isinstance(v, ast.Constant) for v in values[:1] or values):
            return True
        if name == "extra":
            return True
    return False


class _SqlSinkRule(Rule):
    SINK_NAMES: set[str] = set()

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return _has_sink_with_computed_sql(tree, cls.SINK_NAMES) and _builds_strings(tree)

    CATEGORY = "security"
    SEVERITY = "HIGH"
    CWE = 89

    def check_sql(self, call: cst.Call, argument: cst.BaseExpression | None, sink: str,
                  db_receiver: bool, needs_sql_text: bool = False) -> None:
        if argument is None:
            return
        analyzer = StringAnalyzer(self.context, self.context.stack + [call])
        build = analyzer.unsafe_build(argument)
        if build is None:
            return
        looks_like_sql = bool(SQL_LOOKING.search(analyzer.literal_fragments(argument)))
        if needs_sql_text and not looks_like_sql:
            return
        if not (looks_like_sql or db_receiver):
            return
        self.report(call, how=describe(build, self.context, call), sink=sink)


class SqlStringToCursor(_SqlSinkRule):
    """SQL built from strings is executed on a database cursor or connection.

    ## What it does
    Finds `execute`/`executemany`/`executescript` (DB-API: sqlite3, psycopg2, psycopg 3, pymysql,
    MySQLdb; SQLAlchemy connections and sessions) and the async drivers' `execute`/`fetch`/
    `fetchrow`/`fetchval` (asyncpg, aiosqlite, aiomysql, aiopg, databases) whose SQL was built with
    an f-string, `+`, `%`, `.format()` or `str.join()` from a value that is not a constant — in the
    call itself, a few statements earlier (`+=` included), or in a helper of the same module.

    ## Why is this bad?
    Whoever controls the value controls the query: `' OR '1'='1` returns every row, `'; DROP
    TABLE users; --` does worse (CWE-89, OWASP A03). Escaping by hand always misses a case.

    ## Example
    ```python
    def find_user(cursor, email):
        cursor.execute(f"SELECT * FROM users WHERE email = '{email}'")
    ```

    ## Use instead
    Pass values as parameters; the driver sends them separately from the SQL:
    ```python
    def find_user(cursor, email):
        cursor.execute("SELECT * FROM users WHERE email = %s", (email,))
    ```
    Identifiers (table or column names) cannot be parameters: check them against an allow-list
    (`if column not in ALLOWED: raise ...`) or quote them with `psycopg.sql.Identifier`.

    ## Not reported
    Constants and module-level constants, numbers (`int(...)`, `%d`, `len(...)`), generated
    placeholder lists (`", ".join(["%s"] * len(ids))`), `psycopg.sql.SQL(...).format(...)`,
    quoting helpers (`quote_name`), allow-listed names, and `.execute` on objects that are
    clearly not database connections (jobs, commands, executors).
    """

    CODE = "BR101"
    SINK_NAMES = EXECUTE_METHODS
    NAME = "sql-built-from-strings"
    MESSAGE = "SQL built {how} reaches {sink}; pass values as query parameters instead"
    CONFIDENCE = "HIGH"
    TRIGGER = r"\.(execute|executemany|executescript|execute_fetchall|fetch|fetchrow|fetchval|fetch_all|fetch_one|fetch_val|iterate|query)\s*\("

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in EXECUTE_METHODS:
            return
        method = func.attr.value
        receiver = receiver_name(func.value)
        last = receiver.rstrip("()").split(".")[-1]
        if NOT_DB_RECEIVER.search(last):
            return
        self.check_sql(
            node, first_argument(node), f"{receiver}.{method}()",
            db_receiver=self._looks_like_db(func.value), needs_sql_text=method in ALWAYS_NEEDS_SQL_TEXT,
        )

    def _looks_like_db(self, receiver: cst.BaseExpression) -> bool:
        if isinstance(receiver, cst.Call):
            name = (dotted_name(receiver.func) or "").split(".")[-1]
            return name in DB_FACTORIES or bool(DB_RECEIVER.search(name.lower()))
        name = dotted_name(receiver) or ""
        return bool(name) and bool(DB_RECEIVER.search(name.split(".")[-1].lower()))

    VALID = [
        # parameters, not formatting
        """
        def find(cursor, email):
            cursor.execute("SELECT * FROM users WHERE email = %s", (email,))
        """,
        # module-level constant table name, generated placeholders
        """
        TABLE = "users"
        def find_many(conn, ids):
            placeholders = ", ".join(["%s"] * len(ids))
            cur = conn.cursor()
            cur.execute(f"SELECT * FROM {TABLE} WHERE id IN ({placeholders})", ids)
        """,
        # int cast, and %d conversions only
        """
        def page(cursor, request):
            limit = int(request.args.get("limit", 20))
            cursor.execute(f"SELECT * FROM posts LIMIT {limit}")
            cursor.execute("SELECT * FROM posts LIMIT %d" % request.args["n"])
        """,
        # psycopg sql composition
        """
        from psycopg import sql
        def count(cur, table):
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        """,
        # not a database object
        """
        def run(job, name):
            job.execute(f"deploy {name}")
            command.execute("restart " + name)
        """,
        # allow-listed column
        """
        ALLOWED = {"name", "created"}
        def sort(cursor, column):
            if column not in ALLOWED:
                raise ValueError(column)
            cursor.execute(f"SELECT * FROM users ORDER BY {column}")
        """,
        # conditions built from literal fragments only, values as parameters
        """
        def search(cursor, name=None, city=None):
            clauses, params = [], []
            if name:
                clauses.append("name = %s")
                params.append(name)
            if city:
                clauses.append("city = %s")
                params.append(city)
            sql = "SELECT * FROM users"
            if clauses:
                sql += " WHERE " + " AND ".join(clauses)
            cursor.execute(sql, params)
        """,
        # SQL-looking text that never reaches a sink
        """
        import logging
        def log(user):
            logging.info(f"SELECT for user {user} took too long")
            message = "DELETE FROM sessions WHERE user = " + user
            return message
        """,
    ]
    INVALID = [
        Invalid(
            """
            import sqlite3
            def find(email):
                conn = sqlite3.connect("app.db")
                conn.execute(f"SELECT * FROM users WHERE email = '{email}'")
            """,
            line=4, column=5, message="f-string of `email`",
        ),
        Invalid(
            """
            def find(cursor, name):
                query = "SELECT * FROM users WHERE name = '" + name + "'"
                rows = []
                cursor.execute(query)
            """,
            line=4, message="(line 2)",
        ),
        Invalid(
            """
            def build(name):
                return "SELECT * FROM users WHERE name = '%s'" % name

            def find(db, name):
                return db.execute(build(name)).fetchall()
            """,
            line=5, message="in build() (line 2)",
        ),
        Invalid(
            """
            async def find(pool, user_id):
                async with pool.acquire() as conn:
                    return await conn.fetchrow(
                        "SELECT * FROM users WHERE id = {}".format(user_id)
                    )
            """,
            line=3, message="str.format()",
        ),
        Invalid(
            """
            def search(cur, terms):
                sql = "SELECT * FROM docs WHERE 1=1"
                for term in terms:
                    sql += " AND body LIKE '%" + term + "%'"
                cur.execute(sql)
            """,
            line=5,
        ),
    ]


class SqlStringToOrm(_SqlSinkRule):
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


SQL_STATEMENT = re.compile(
    r"(?is)^\W*(select\b.*\bfrom|insert\b.*\b(into|values)|update\b.*\bset|delete\b.*\bfrom|"
    r"replace\b.*\b(into|values)|with\b.*\bas\s*\(.*\bselect|merge\b.*\binto|"
    r"(create|drop|alter|truncate)\s+(table|index|view|database|schema)|"
    r"(select|delete|update)\b.*\bwhere)\b"
)
STATEMENT_START = re.compile(r"(?i)^\W*(select|insert|update|delete|replace|merge|create|drop|alter|truncate|with)\b")
QUERY_NAME = re.compile(r"(?i)^q$|query|sql|stmt|statement")
ALL_SINKS = EXECUTE_METHODS | ORM_SINKS


def _callee(node: cst.Call) -> str:
    func = node.func
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""


class SqlStringForLater(_SqlSinkRule):
    """A SQL statement is built from strings and kept for execution elsewhere.

    ## What it does
    Finds a complete SQL statement (`SELECT ... FROM`, `INSERT INTO`, `UPDATE ... SET`,
    `DELETE FROM`...) built with an f-string, `+`, `%`, `.format()`, `.replace()` or `str.join()`
    from a value that is not a constant, and stored in a query-named variable (`query`, `sql`,
    `stmt`...) or returned from a query-named function, when no execution of it is visible in
    the same function (BR101/BR102 report those at the sink). The query is usually executed by a
    repository or helper in another module.

    ## Why is this bad?
    Wherever the string ends up, the value is already part of the SQL text: the injection has
    happened (CWE-89, OWASP A03). The fix is to keep values out of the text and pass them along.

    ## Example
    ```python
    def user_query(name):
        return f"SELECT * FROM users WHERE name = '{name}'"
    ```

    ## Use instead
    Return the statement and its parameters together:
    ```python
    def user_query(name):
        return "SELECT * FROM users WHERE name = %s", (name,)
    ```

    ## Not reported
    Log and error messages (not query-named), SQL fragments without a statement shape, constants,
    numbers, placeholders and allow-listed identifiers (as for BR101).
    """

    CODE = "BR103"
    NAME = "sql-built-for-later-execution"
    MESSAGE = "SQL statement built {how} in `{target}`; keep values out of the SQL text and pass them as parameters"
    CONFIDENCE = "MEDIUM"
    TRIGGER = (
        r"(?i)\b(select\b[^;]{0,300}?\bfrom|insert\b[^;]{0,80}?\b(into|values)|update\b[^;]{0,100}?\bset|"
        r"delete\s+from|replace\s+into|merge\s+into|(create|drop|alter|truncate)\s+(table|index|view))\b"
    )

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        """Some string literal has a statement's shape, and something builds strings."""
        if not _builds_strings(tree):
            return False
        literals = [n.value for n in nodes(tree, ast.Constant) if isinstance(n.value, str)]
        return any(STATEMENT_START.match(text) for text in literals)  # the rest may be in other pieces

    def visit_Assign(self, node: cst.Assign) -> None:
        names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
        target = next((n for n in names if QUERY_NAME.search(n)), None)
        if target is not None and not self._executed_here(target):
            self._check(node.value, target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and QUERY_NAME.search(node.target.value):
            if not self._executed_here(node.target.value):
                self._check(node.value, node.target.value, accumulated=True)

    def visit_Return(self, node: cst.Return) -> None:
        function = enclosing_scope(self.context.stack)
        if node.value is None or not isinstance(function, cst.FunctionDef):
            return
        name = function.name.value
        if QUERY_NAME.search(name) and not self._helper_executed_here(name):
            self._check(node.value, f"{name}()")

    def _check(self, value: cst.BaseExpression, target: str, accumulated: bool = False) -> None:
        analyzer = StringAnalyzer(self.context, self.context.stack + [value])
        text = analyzer.literal_fragments(value)
        if accumulated:
            scope = self.context.scope_facts(enclosing_scope(self.context.stack))
            text = " ".join(
                analyzer.literal_fragments(b.value) for b in scope.bindings.get(target, []) if b.value is not None
            ) + " " + text
        if not SQL_STATEMENT.search(text):
            return
        build = analyzer.unsafe_build(value)
        if build is None and accumulated and not analyzer.is_safe(value):
            build = StringBuild("+= concatenation", value, value)
        if build is not None:
            self.report(value, how=describe(build, self.context, value), target=target)

    def _executed_here(self, name: str) -> bool:
        """The variable is handed to a sink in the same function: BR101/BR102 speak there."""
        return name in self._sink_arguments(enclosing_scope(self.context.stack))[0]

    def _helper_executed_here(self, function: str) -> bool:
        """A call of the helper feeds a sink somewhere in this module."""
        return function in self._sink_arguments(self.context.module)[1]

    def _sink_arguments(self, scope: cst.CSTNode) -> tuple[set[str], set[str]]:
        """Names passed to sinks in ``scope``, and functions whose result is (one walk per scope)."""
        cache = self.__dict__.setdefault("_sinks_by_scope", {})
        if id(scope) not in cache:
            names: set[str] = set()
            helpers: set[str] = set()

            def enter(node: cst.CSTNode) -> bool:
                if isinstance(node, cst.Call) and _callee(node) in ALL_SINKS:
                    names.update(a.value.value for a in node.args if isinstance(a.value, cst.Name))
                    if node.args and isinstance(node.args[0].value, cst.Call):
                        helpers.add(_callee(node.args[0].value))
                return True

            walk(scope, enter)
            cache[id(scope)] = (names, helpers)
        return cache[id(scope)]

    VALID = [
        # parameters travel with the statement
        """
        def user_query(name):
            return "SELECT * FROM users WHERE name = %s", (name,)
        """,
        # a log message is not a query
        """
        def fail(table, error):
            message = f"SELECT from {table} failed: {error}"
            return message
        """,
        # executed right here: BR101 reports at the sink instead
        """
        def find(cur, name):
            query = f"SELECT * FROM users WHERE name = '{name}'"
            cur.execute(query)
        """,
        # constant table name, placeholders for values
        """
        TABLE = "users"
        def by_id_sql():
            return f"SELECT * FROM {TABLE} WHERE id = %s"
        """,
        # a fragment, not a statement
        """
        def order_sql(column):
            return f"ORDER BY {column}"
        """,
    ]
    INVALID = [
        Invalid(
            """
            def user_query(name):
                return f"SELECT * FROM users WHERE name = '{name}'"
            """,
            line=2, column=12, message="in `user_query()`",
        ),
        Invalid(
            """
            identifier = input()
            query = "DELETE FROM foo WHERE id = '%s'" % identifier
            """,
            line=2, message="%-formatting of `identifier`",
        ),
        Invalid(
            """
            def build(table, var):
                sql = "UPDATE " + table + " SET var = " + var
                return run(sql)
            """,
            line=2,
        ),
        Invalid(
            """
            def search(term):
                stmt = "SELECT * FROM docs WHERE 1=1"
                stmt += " AND body LIKE '%" + term + "%'"
                return stmt
            """,
            line=3,
        ),
    ]
