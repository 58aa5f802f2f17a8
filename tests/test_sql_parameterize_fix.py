"""BR101's fix: SQL built from strings becomes placeholders plus parameters in the driver's style."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.fixer import apply_fixes


def _findings(source: str, code: str = "BR101"):
    config = Config(select=(code,), min_confidence="LOW")
    return check_source(source, "app/db.py", config, project_loader=lambda: None)


def _fixed(source: str, unsafe: bool = True, code: str = "BR101", left: int = 0):
    source = textwrap.dedent(source).removeprefix("\n")
    findings = _findings(source, code)
    assert findings, "the example must fire"
    fixed, applied = apply_fixes(source, findings, unsafe=unsafe)
    if applied:
        compile(fixed, "x.py", "exec")
        assert len(_findings(fixed, code)) == left
    return fixed, [f.fix[0] for f in applied], [f.fix for f in findings]


def _same(fixed: str, expected: str) -> None:
    assert fixed == textwrap.dedent(expected).removeprefix("\n")


def test_psycopg2_fstring_value_is_a_safe_fix():
    fixed, safety, _ = _fixed(
        """
        import psycopg2
        def find(cursor, email):
            cursor.execute(f"SELECT * FROM users WHERE email = {email} AND active")
        """, unsafe=False)
    assert safety == ["safe"]
    _same(fixed, """
        import psycopg2
        def find(cursor, email):
            cursor.execute("SELECT * FROM users WHERE email = %s AND active", (email,))
        """)


def test_sqlite_qmark_and_quoted_value_is_unsafe():
    source = """
        import sqlite3
        def find(email):
            conn = sqlite3.connect("app.db")
            conn.execute(f"SELECT * FROM users WHERE email = '{email}'")
        """
    fixed, safety, _ = _fixed(source, unsafe=False)
    assert safety == [] and fixed == textwrap.dedent(source).removeprefix("\n")
    fixed, safety, _ = _fixed(source)
    assert safety == ["unsafe"]
    _same(fixed, """
        import sqlite3
        def find(email):
            conn = sqlite3.connect("app.db")
            conn.execute("SELECT * FROM users WHERE email = ?", (email,))
        """)


def test_percent_literal_is_doubled_for_format_paramstyle():
    fixed, _, _ = _fixed(
        """
        from django.db import connection
        def search(term, owner):
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM docs WHERE body LIKE 'a%%' AND owner = %s" % owner)
                cursor.execute(f"SELECT * FROM docs WHERE title LIKE '%{term}%'")
        """)
    _same(fixed, """
        from django.db import connection
        def search(term, owner):
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM docs WHERE body LIKE 'a%%' AND owner = %s", (owner,))
                cursor.execute("SELECT * FROM docs WHERE title LIKE %s", (f"%{term}%",))
        """)


def test_format_and_concatenation_with_several_values():
    fixed, safety, _ = _fixed(
        """
        import pymysql
        def move(cur, user_id, amount):
            cur.execute("UPDATE accounts SET balance = balance - {} WHERE id = {}".format(amount, user_id))
            cur.execute("DELETE FROM sessions WHERE user_id = " + str(user_id) + " AND age > " + amount)
        """, unsafe=False)
    assert safety == ["safe", "safe"]
    _same(fixed, """
        import pymysql
        def move(cur, user_id, amount):
            cur.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (amount, user_id))
            cur.execute("DELETE FROM sessions WHERE user_id = %s AND age > %s", (str(user_id), amount))
        """)


def test_values_row_with_several_holes_is_fixed():
    fixed, safety, _ = _fixed(
        """
        import psycopg2
        def insert(cursor, name, age):
            cursor.execute(f"INSERT INTO people (name, age) VALUES ('{name}', {age})")
        """)
    _same(fixed, """
        import psycopg2
        def insert(cursor, name, age):
            cursor.execute("INSERT INTO people (name, age) VALUES (%s, %s)", (name, age))
        """)


def test_asyncpg_numbers_placeholders_and_passes_values_as_arguments():
    fixed, safety, _ = _fixed(
        """
        import asyncpg
        async def find(conn, user_id, kind):
            return await conn.fetchrow(f"SELECT * FROM users WHERE id = {user_id} AND kind = '{kind}'")
        """)
    assert safety == ["unsafe"]
    _same(fixed, """
        import asyncpg
        async def find(conn, user_id, kind):
            return await conn.fetchrow("SELECT * FROM users WHERE id = $1 AND kind = $2", user_id, kind)
        """)


def test_statement_built_over_several_statements_is_unsafe():
    fixed, safety, _ = _fixed(
        """
        import psycopg
        def find(cursor, name, city):
            query = "SELECT * FROM users WHERE name = '" + name + "'"
            query += f" AND city = '{city}'"
            rows = []
            cursor.execute(query)
            return rows
        """)
    assert safety == ["unsafe"]
    _same(fixed, """
        import psycopg
        def find(cursor, name, city):
            query = "SELECT * FROM users WHERE name = %s"
            query += " AND city = %s"
            rows = []
            cursor.execute(query, (name, city))
            return rows
        """)


def test_triple_quoted_sql_keeps_its_layout():
    fixed, _, _ = _fixed(
        '''
        import sqlite3
        def report(db, since):
            db.execute(f"""
                SELECT count(*)
                FROM orders
                WHERE created > {since}
            """)
        ''')
    _same(fixed, '''
        import sqlite3
        def report(db, since):
            db.execute("""
                SELECT count(*)
                FROM orders
                WHERE created > ?
            """, (since,))
        ''')


def test_sqlalchemy_text_gets_named_parameters_through_br102():
    fixed, safety, _ = _fixed(
        """
        from sqlalchemy import text
        def find(session, user_id, email):
            return session.execute(text(f"SELECT * FROM users WHERE id = {user_id} OR email = {email}"))
        """, code="BR102")
    assert safety == ["safe"]
    _same(fixed, """
        from sqlalchemy import text
        def find(session, user_id, email):
            return session.execute(text("SELECT * FROM users WHERE id = :user_id OR email = :email"), {"user_id": user_id, "email": email})
        """)


@pytest.mark.parametrize("source", [
    # an identifier: no parameter can stand for it
    """
    import psycopg2
    def count(cursor, table):
        cursor.execute(f"SELECT count(*) FROM {table}")
    """,
    # ORDER BY column
    """
    import psycopg2
    def page(cursor, column, user):
        cursor.execute(f"SELECT * FROM t WHERE owner = {user} ORDER BY {column}")
    """,
    # unknown driver: the paramstyle cannot be told
    """
    def find(cursor, email):
        cursor.execute(f"SELECT * FROM users WHERE email = '{email}'")
    """,
    # two drivers in one module
    """
    import sqlite3, psycopg2
    def find(cursor, email):
        cursor.execute(f"SELECT * FROM users WHERE email = '{email}'")
    """,
    # an IN list joined by hand
    """
    import psycopg2
    def find(cursor, ids):
        cursor.execute("SELECT * FROM users WHERE id IN (%s)" % ",".join(ids))
    """,
    # rows joined by hand after VALUES, a row in one hole, a joined list in a local
    """
    import psycopg2
    def insert(cursor, rows):
        cursor.execute("INSERT INTO t (a, b) VALUES {}".format(rows))
    """,
    """
    import psycopg2
    def insert(cursor, row):
        cursor.execute(f"INSERT INTO t (a, b) VALUES ({row})")
    """,
    """
    import psycopg2
    def find(cursor, ids):
        wanted = ", ".join(ids)
        cursor.execute(f"SELECT * FROM t WHERE a = ANY(ARRAY[{wanted}])")
    """,
    # a typed literal: INTERVAL %s is no valid SQL once the driver binds on the server
    """
    import psycopg
    def recent(cursor, days):
        cursor.execute(f"SELECT * FROM t WHERE created > now() - interval '{days} days'")
    """,
    # a clause list
    """
    import psycopg2
    def find(cursor, where):
        cursor.execute(f"SELECT * FROM users WHERE {where}")
    """,
    # a conversion that formats the value
    """
    import psycopg2
    def find(cursor, email):
        cursor.execute(f"SELECT * FROM users WHERE email = {email!r}")
    """,
    # the statement is also logged: rewriting it would change the log
    """
    import logging, psycopg2
    def find(cursor, email):
        query = f"SELECT * FROM users WHERE email = '{email}'"
        logging.info(query)
        cursor.execute(query)
    """,
    # built in a loop
    """
    import psycopg2
    def search(cur, terms):
        sql = "SELECT * FROM docs WHERE 1=1"
        for term in terms:
            sql += " AND body LIKE '%" + term + "%'"
        cur.execute(sql)
    """,
    # executescript takes no parameters
    """
    import sqlite3
    def purge(conn, user):
        conn.executescript(f"DELETE FROM sessions WHERE user = '{user}';")
    """,
])
def test_no_fix(source):
    source = textwrap.dedent(source).removeprefix("\n")
    findings = _findings(source)
    assert findings and all(f.fix is None for f in findings), findings


def test_quoted_value_beside_other_text_in_the_same_quotes_is_not_fixed():
    source = textwrap.dedent("""
        import psycopg2
        def find(cursor, first, last):
            cursor.execute(f"SELECT * FROM users WHERE name = '{first} {last}'")
        """).removeprefix("\n")
    assert all(f.fix is None for f in _findings(source))


def test_the_fix_description_says_what_it_does():
    _, _, fixes = _fixed(
        """
        import psycopg2
        def find(cursor, email):
            cursor.execute(f"SELECT * FROM users WHERE email = {email}")
        """)
    assert "query parameters" in fixes[0][1]


def test_the_connection_made_in_the_function_tells_the_paramstyle_among_several_drivers():
    fixed, safety, _ = _fixed(
        """
        import sqlite3
        import psycopg2

        def archive(path, day, conn, customer):
            db = sqlite3.connect(path)
            db.execute("DELETE FROM events WHERE day < " + day)
            with psycopg2.connect(dsn=path) as pg:
                cur = pg.cursor()
                cur.execute(f"DELETE FROM orders WHERE customer = {customer}")
            conn.execute(f"DELETE FROM carts WHERE customer = {customer}")
        """, left=1)
    _same(fixed, """
        import sqlite3
        import psycopg2

        def archive(path, day, conn, customer):
            db = sqlite3.connect(path)
            db.execute("DELETE FROM events WHERE day < ?", (day,))
            with psycopg2.connect(dsn=path) as pg:
                cur = pg.cursor()
                cur.execute("DELETE FROM orders WHERE customer = %s", (customer,))
            conn.execute(f"DELETE FROM carts WHERE customer = {customer}")
        """)


def test_django_connection_imported_by_name_tells_the_paramstyle_beside_sqlite3():
    fixed, _, _ = _fixed(
        """
        import sqlite3
        from django.db import connection

        def purge(user_id):
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM sessions WHERE user_id = {user_id}")
        """)
    assert 'cursor.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))' in fixed
