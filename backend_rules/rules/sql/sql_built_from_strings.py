"""BR101: SQL built from strings executed on a database cursor or connection."""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid
from backend_rules.rules.sql.parameterize_fix import parameterize_fix
from backend_rules.rules.sql.sql_forwarders import DB_RECEIVER, SQL_TEXT_TRIGGER
from backend_rules.rules.sql.sql_sink_rule import (
    ALWAYS_NEEDS_SQL_TEXT,
    EXECUTE_METHODS,
    Sink,
    SqlSinkRule,
    first_argument,
    receiver_name,
)

NOT_DB_RECEIVER = re.compile(
    r"(command|cmd|job|task|executor|runner|shell|ssh|subprocess|process|workflow|action|step|"
    r"pipeline|celery|handler|operation|plan|script|tool|browser|graph|http|request|client_?pool)",
    re.IGNORECASE,
)
DB_FACTORIES = {"cursor", "connect", "get_db", "get_conn", "get_connection", "get_cursor", "acquire",
                "connection", "raw_connection", "get_session", "session"}


class SqlStringToCursor(SqlSinkRule):
    """SQL built from strings is executed on a database cursor or connection.

    ## What it does
    Finds `execute`/`executemany`/`executescript` (DB-API: sqlite3, psycopg2, psycopg 3, pymysql,
    MySQLdb; SQLAlchemy connections and sessions), psycopg's `copy()`/`copy_expert()`, pg8000's
    `run()` and the async drivers' `execute`/`fetch`/`fetchrow`/`fetchval`/`fetchmany`/`cursor`/
    `prepare` (asyncpg, aiosqlite, aiomysql, aiopg, databases) whose SQL was built with an
    f-string, `+`, `%`, `.format()`, `str.join()`, `string.Template.substitute()` or a raw
    `psycopg.sql.SQL(...)` piece from a value that is not a constant — in the call itself, a few
    statements earlier (`+=` included), in a helper of the same module, or passed to a helper of
    the same module that executes its argument. SQL text taken from request data as it came
    (`cursor.execute(request.form["sql"])`) is reported too.

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
    (`if column not in ALLOWED: raise ...`) or quote them with `psycopg.sql.Identifier`; the
    message says which advice fits, from where the value sits in the SQL.

    ## Confidence
    HIGH when the value comes from the request (Flask/Django/DRF/FastAPI/aiohttp request data, a
    route's or view's parameters, `input()`); MEDIUM when its origin is unknown (a parameter, data
    read back); LOW for the program's own identifiers and configuration (settings, model metadata,
    `self.configuration`, a `config`/`*_settings` parameter), for statements whose values are all
    parameters already, in the database layer itself (dialects, Django database backends), and in
    tests, migrations (Alembic's env.py too) and maintenance scripts. LOW findings are hidden unless
    `min-confidence = "LOW"`.

    ## Not reported
    Constants, members of classes and enums, loops over literal collections, numbers (`int(...)`,
    `%d`, `len(...)`, parameters declared `int`/`UUID`/an enum), generated placeholder lists
    (`", ".join(["%s"] * len(ids))`), `psycopg.sql.SQL(...).format(sql.Identifier(...))`, quoting
    helpers (`quote_name`), character allow-lists (`re.sub("[^a-z0-9_]", "", x)`, `slugify`),
    allow-listed names, a dict literal's own keys, SQL the ORM compiled (`sql_with_params()`), and
    `.execute` on objects that are clearly not database connections (jobs, commands, executors).

    ## Fix safety
    The fix rewrites the SQL into placeholders plus a parameters argument in the driver's
    paramstyle, read from the module's imports: `%s` and a tuple for psycopg/psycopg2/pymysql/
    MySQLdb/Django (literal `%` doubled to `%%`), `?` for sqlite3/aiosqlite, `$1, $2` and
    positional arguments for asyncpg. It is safe (`--fix`) when every joined value sits outside
    quotes in a value position and the SQL is built in the call. It is unsafe (`--unsafe-fixes`)
    when a value sat inside quotes (`'{x}'` becomes `%s`, `'%{x}%'` a parameter `f"%{x}%"`: the
    value now keeps its type), when the SQL is built over several statements of the function (the
    values are read at the call), and for asyncpg, which checks parameter types strictly. No fix
    when the paramstyle is unknown (no driver, or several, imported), a value is an identifier or a
    clause, a list joined into `IN (...)`, or parameters are passed already.
    """

    CODE = "BR101"
    FIX = "safe or unsafe"
    SINK_NAMES = EXECUTE_METHODS
    NAME = "sql-built-from-strings"
    MESSAGE = "SQL built {how} reaches {sink}; pass values as query parameters instead"
    CONFIDENCE = "MEDIUM"  # per finding: see ## Confidence
    USES_PROJECT_INDEX = True  # helpers of other modules that execute their argument
    TRIGGER = (
        r"\.(execute|executemany|executescript|execute_fetchall|fetch|fetchrow|fetchval|fetchmany|fetch_all|"
        r"fetch_one|fetch_val|iterate|query|run|copy|copy_expert|copy_from_query|cursor|prepare|execute_sql|"
        r"execute_query|execute_query_dict|execute_script)\s*\("
        "|" + SQL_TEXT_TRIGGER  # a call of a project function that executes its argument
    )

    def visit_Call(self, node: cst.Call) -> None:
        self.check_call(node)

    def report(self, node, message=None, *, fix=None, **fields) -> None:
        """Every finding at a driver's call offers the parameterized rewrite where it is sure."""
        if fix is None and isinstance(node, cst.Call):
            sink = self.sink_of(node)
            fix = parameterize_fix(self.context, node, sink.argument) if sink is not None else None
        super().report(node, message, fix=fix, **fields)

    def sink_of(self, node: cst.Call) -> Sink | None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in EXECUTE_METHODS:
            return None
        method = func.attr.value
        receiver = receiver_name(func.value)
        last = receiver.rstrip("()").split(".")[-1]
        if NOT_DB_RECEIVER.search(last):
            return None
        db_receiver = self._looks_like_db(func.value)
        if method in {"run", "cursor", "prepare"} and not db_receiver:
            return None  # app.run(...), a server-side cursor's name
        return Sink(first_argument(node), f"{receiver}.{method}()", db_receiver, method in ALWAYS_NEEDS_SQL_TEXT)

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
        # enum members, a character allow-list, SQL the ORM compiled
        """
        import enum, re
        class State(enum.IntEnum):
            accepted = 4
        def run(cursor, table, queryset):
            cursor.execute(f"UPDATE revisions SET state = {State.accepted}")
            cursor.execute(f"SELECT count(*) FROM {re.sub('[^a-z0-9_]', '', table)}")
            inner, params = queryset.query.sql_with_params()
            cursor.execute(f"SELECT count(*) FROM ({inner}) AS sub", params)
        """,
        # a server-side cursor's name, a web app's run()
        """
        def export(conn, app, job_id):
            with conn.cursor(f"export_{job_id}") as cur:
                cur.itersize = 100
            app.run(debug=True)
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
            expected="""
            import sqlite3
            def find(email):
                conn = sqlite3.connect("app.db")
                conn.execute("SELECT * FROM users WHERE email = ?", (email,))
            """,
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
        Invalid(
            """
            from psycopg2 import sql as pgsql
            def export(cursor, table, out):
                cursor.copy_expert(pgsql.SQL(f"COPY {table} TO STDOUT"), out)
            """,
            line=3, message="identifier",
        ),
        Invalid(
            """
            from string import Template
            def find(conn, name):
                return conn.run(Template("SELECT * FROM users WHERE name = '$n'").substitute(n=name))
            """,
            line=3, message="Template.substitute()",
        ),
        Invalid(
            """
            from flask import request
            def purge(db):
                def run(sql):
                    db.execute(sql)
                run("DELETE FROM sessions WHERE user = '" + request.form["user"] + "'")
            """,
            line=5, message="via run()",
        ),
    ]
