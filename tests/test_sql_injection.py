"""BR101/BR102 on realistic variants: what must fire, what must stay quiet, what the message says."""

from __future__ import annotations

import pytest

from tests.conftest import codes, run

POSITIVES = {
    "psycopg2 cursor in with block": """
        import psycopg2
        def get(user_id):
            with psycopg2.connect("dbname=app") as conn:
                with conn.cursor() as cur:
                    cur.execute("SELECT * FROM users WHERE id = " + user_id)
    """,
    "pymysql alias and format": """
        import pymysql as mysql
        def get(name):
            db = mysql.connect(host="db")
            cursor = db.cursor()
            cursor.execute("SELECT * FROM t WHERE name = '{0}'".format(name))
    """,
    "self.cursor attribute": """
        class Repo:
            def __init__(self, conn):
                self.cursor = conn.cursor()
            def find(self, email):
                self.cursor.execute(f"SELECT * FROM users WHERE email = '{email}'")
    """,
    "flask request value": """
        from flask import request
        def search(db):
            q = request.args.get("q")
            return db.execute("SELECT * FROM items WHERE name LIKE '%" + q + "%'").fetchall()
    """,
    "django connection cursor": """
        from django.db import connection
        def report(request):
            year = request.GET["year"]
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT count(*) FROM orders WHERE year = {year}")
    """,
    "django CBV self.request": """
        from django.db import connection
        class Report:
            def get(self, *args):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT * FROM t WHERE a = '%s'" % self.request.GET["a"])
    """,
    "multi-line implicit concatenation": """
        def find(cur, name, city):
            cur.execute(
                "SELECT * FROM users "
                f"WHERE name = '{name}' "
                "AND city = %s",
                (city,),
            )
    """,
    "join of user values": """
        def insert(cur, row: dict):
            columns = ", ".join(row.keys())
            values = ", ".join(f"'{v}'" for v in row.values())
            cur.execute(f"INSERT INTO items ({columns}) VALUES ({values})")
    """,
    "asyncpg pool fetch": """
        async def find(pool, email):
            return await pool.fetch(f"SELECT * FROM users WHERE email = '{email}'")
    """,
    "aiosqlite execute": """
        import aiosqlite
        async def find(name):
            async with aiosqlite.connect("app.db") as db:
                await db.execute("DELETE FROM t WHERE name = '%s'" % name)
    """,
    "get_db factory (Flask tutorial)": """
        def delete(post_id):
            get_db().execute("DELETE FROM post WHERE id = " + post_id)
    """,
    "executemany with built sql": """
        def load(cur, table, rows):
            cur.executemany("INSERT INTO " + table + " VALUES (%s, %s)", rows)
    """,
    "keyword query argument": """
        async def find(database, name):
            return await database.fetch_all(query=f"SELECT * FROM notes WHERE text = '{name}'")
    """,
    "helper method on self": """
        class Repo:
            def _where(self, name):
                return f"SELECT * FROM users WHERE name = '{name}'"
            def find(self, cur, name):
                cur.execute(self._where(name))
    """,
    "attribute of a parameter object": """
        def save(cur, user):
            cur.execute(f"UPDATE users SET name = '{user.name}' WHERE id = {user.id}")
    """,
    "percent dict formatting": """
        def find(cur, params):
            cur.execute("SELECT * FROM t WHERE a = '%(a)s'" % {"a": params["a"]})
    """,
    "sqlalchemy session execute string": """
        def purge(session, tenant):
            session.execute("DELETE FROM events WHERE tenant = '%s'" % tenant)
    """,
    "sqlalchemy from import text alias": """
        from sqlalchemy import text as sql_text
        def find(conn, name):
            return conn.execute(sql_text("SELECT * FROM users WHERE name = '" + name + "'"))
    """,
    "a search query from the user is a value, not SQL": """
        def search(cur, query):
            cur.execute(f"SELECT * FROM posts WHERE title LIKE '%{query}%'")
    """,
    "validation on a different name does not count": """
        ALLOWED = {"a", "b"}
        def find(cur, column, value):
            if column not in ALLOWED:
                raise ValueError(column)
            cur.execute(f"SELECT {column} FROM t WHERE x = '{value}'")
    """,
}

NEGATIVES = {
    "parameters tuple": """
        def find(cur, name):
            cur.execute("SELECT * FROM users WHERE name = %s", (name,))
    """,
    "named parameters dict": """
        def find(cur, name):
            cur.execute("SELECT * FROM users WHERE name = %(name)s", {"name": name})
    """,
    "qmark placeholders generated": """
        def find(db, ids):
            marks = ",".join("?" * len(ids))
            db.execute(f"SELECT * FROM t WHERE id IN ({marks})", ids)
    """,
    "placeholders from comprehension": """
        def find(db, ids):
            marks = ", ".join("%s" for _ in ids)
            db.execute("SELECT * FROM t WHERE id IN (" + marks + ")", ids)
    """,
    "class constant table": """
        class Repo:
            table = "users"
            def count(self, cur):
                cur.execute(f"SELECT count(*) FROM {self.table}")
    """,
    "module constant dict lookup": """
        ORDER = {"new": "created DESC", "old": "created ASC"}
        def list_(cur, order):
            cur.execute("SELECT * FROM t ORDER BY " + ORDER.get(order, "created DESC"))
    """,
    "conditional of literals": """
        def list_(cur, descending):
            direction = "DESC" if descending else "ASC"
            cur.execute(f"SELECT * FROM t ORDER BY created {direction}")
    """,
    "enclosing allow-list check": """
        def sort(cur, column):
            if column in ("name", "created"):
                cur.execute(f"SELECT * FROM t ORDER BY {column}")
    """,
    "assert allow-list": """
        COLUMNS = ("a", "b")
        def sort(cur, column):
            assert column in COLUMNS
            cur.execute(f"SELECT * FROM t ORDER BY {column}")
    """,
    "regex validated identifier": """
        import re
        def count(cur, table):
            if not re.fullmatch(r"[a-z_]+", table):
                raise ValueError(table)
            cur.execute(f"SELECT count(*) FROM {table}")
    """,
    "numeric format spec": """
        def page(cur, n):
            cur.execute(f"SELECT * FROM t LIMIT {n:d}")
    """,
    "len and arithmetic": """
        def page(cur, items, page, size):
            offset = (int(page) - 1) * int(size)
            cur.execute(f"SELECT * FROM t LIMIT {len(items)} OFFSET {offset}")
    """,
    "quote_name helper": """
        def drop(cursor, connection, table):
            qn = connection.ops.quote_name
            cursor.execute("DROP TABLE %s" % qn(table))
    """,
    "psycopg sql composition": """
        from psycopg import sql
        def insert(cur, table, columns, values):
            query = sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
                sql.Identifier(table),
                sql.SQL(", ").join(map(sql.Identifier, columns)),
                sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            )
            cur.execute(query, values)
    """,
    "redis pipeline execute": """
        def flush(redis_client, key):
            pipe = redis_client.pipeline()
            pipe.delete(key)
            pipe.execute()
    """,
    "executor and command objects": """
        def run(executor, task_runner, name):
            executor.execute(f"SELECT job {name}")
            task_runner.execute("INSERT task " + name)
    """,
    "query on non-SQL text": """
        def find(index, term):
            return index.query(f"title:{term}")
    """,
    "sqlalchemy ORM builders": """
        from sqlalchemy import select
        def find(session, name):
            stmt = select(User).where(User.name == name).order_by(User.id)
            return session.execute(stmt).scalars().all()
    """,
    "django ORM": """
        def find(name):
            return User.objects.filter(name__icontains=name).order_by("-created")
    """,
    "log message with SQL words": """
        import logging
        log = logging.getLogger(__name__)
        def slow(cur, name):
            log.warning(f"SELECT for {name} was slow")
            cur.execute("SELECT 1")
    """,
    "loop over constant tuple": """
        def truncate_all(cur):
            for table in ("a", "b", "c"):
                cur.execute(f"TRUNCATE {table}")
    """,
    "settings attribute": """
        from django.conf import settings
        def setup(cur):
            cur.execute(f"SET search_path TO {settings.DB_SCHEMA}")
    """,
    "guarded default reassignment": """
        SORTS = {"name", "age"}
        def sort(cur, key):
            if key not in SORTS:
                key = "name"
            cur.execute(f"SELECT * FROM people ORDER BY {key}")
    """,
    "sqlalchemy lambda statements": """
        from sqlalchemy import lambda_stmt, select
        def find(session, id_):
            stmt = lambda_stmt(lambda: select(User))
            stmt += lambda s: s.where(User.id == id_)
            return session.execute(stmt)
    """,
    "composing SQL fragments built elsewhere": """
        def wrap(cur, inner_sql, params):
            cur.execute("SELECT count(*) FROM (%s) subquery" % inner_sql, params)
            part_sql = "({})".format(inner_sql)
            return part_sql
    """,
    "text with bound params": """
        from sqlalchemy import text
        def find(conn, ids):
            return conn.execute(text("SELECT * FROM t WHERE id = ANY(:ids)"), {"ids": ids})
    """,
}


@pytest.mark.parametrize("code", POSITIVES.values(), ids=POSITIVES.keys())
def test_positive_variants_fire_once(code):
    found = codes(code, select=("BR1",))
    assert len(found) == 1 and found[0] in {"BR101", "BR102"}, found


@pytest.mark.parametrize("code", NEGATIVES.values(), ids=NEGATIVES.keys())
def test_negative_variants_stay_quiet(code):
    assert codes(code, select=("BR1",)) == []


def test_message_names_the_value_the_sink_and_the_line_of_the_build():
    (finding,) = run(
        """
        def find(cur, name):
            sql = "SELECT * FROM t WHERE name = '%s'" % name
            log(sql)
            cur.execute(sql)
        """,
        select=("BR101",),
    )
    assert finding.line == 4
    assert "%-formatting of `name` (line 2)" in finding.message
    assert "cur.execute()" in finding.message and "parameters" in finding.message


def test_helper_function_is_named():
    (finding,) = run(
        """
        def build(name):
            return f"SELECT * FROM t WHERE name = '{name}'"
        def find(cur, name):
            cur.execute(build(name))
        """,
        select=("BR101",),
    )
    assert "in build() (line 2)" in finding.message


def test_second_order_value_from_database_is_reported():
    found = codes(
        """
        def copy(cur):
            cur.execute("SELECT name FROM staging")
            for (name,) in cur.fetchall():
                cur.execute("INSERT INTO users (name) VALUES ('" + name + "')")
        """,
        select=("BR101",),
    )
    assert found == ["BR101"]


def test_noqa_suppresses_by_code_and_bare():
    code = """
        def a(cur, x):
            cur.execute("SELECT * FROM t WHERE a = " + x)  # noqa: BR101
            cur.execute("SELECT * FROM t WHERE b = " + x)  # noqa
            cur.execute("SELECT * FROM t WHERE c = " + x)  # noqa: E501
            cur.execute("SELECT * FROM t WHERE d = " + x)  # noqa:BR1
    """
    assert [f.line for f in run(code)] == [4]


CONSTANT_CONDITIONS = """
    from flask import request
    def handler(statement):
        param = request.values.get("p", "")
        num = NUM
        bar = (7 * 42) - num > 200 and "constant" or param
        statement.execute(f"SELECT * FROM users WHERE password = '{bar}'")
"""


@pytest.mark.parametrize("num,fires", [(106, True), (86, False)])
def test_constant_conditions_pick_their_branch(num, fires):
    assert codes(CONSTANT_CONDITIONS.replace("NUM", str(num)), select=("BR101",)) == (["BR101"] if fires else [])


@pytest.mark.parametrize("num,fires", [(196, False), (296, True)])
def test_constant_if_statements_prune_dead_assignments(num, fires):
    code = f"""
        def handler(statement, param):
            num = {num}
            if 1 + num > 200:
                bar = param
            else:
                bar = "constant"
            statement.execute(f"SELECT * FROM t WHERE a = '{{bar}}'")
    """
    assert codes(code, select=("BR101",)) == (["BR101"] if fires else [])


def test_reassignment_hides_earlier_values_but_branches_do_not():
    hidden = """
        def handler(cur, name):
            query = f"SELECT * FROM t WHERE a = '{name}'"
            query = "SELECT * FROM t WHERE a = %s"
            cur.execute(query, (name,))
    """
    branch = """
        def handler(cur, name, strict):
            query = f"SELECT * FROM t WHERE a = '{name}'"
            if strict:
                query = "SELECT * FROM t WHERE a = %s"
            cur.execute(query, (name,))
    """
    assert codes(hidden, select=("BR1",)) == []
    assert codes(branch, select=("BR101",)) == ["BR101"]
