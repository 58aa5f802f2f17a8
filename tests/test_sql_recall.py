"""BR1xx shapes that real injection takes and the checker used to miss (issue 13, SQL part).

Each shape has positives (what must fire, at the default confidence), near misses (code that looks
alike and is safe) and the fixed twin of a positive.
"""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def findings(code: str, path: str = "app/views.py", min_confidence: str = "MEDIUM"):
    config = Config(select=("BR1",), min_confidence=min_confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def codes(code: str, path: str = "app/views.py") -> list[str]:
    return [f.code for f in findings(code, path)]


def quiet(code: str, path: str = "app/views.py") -> bool:
    return findings(code, path, min_confidence="LOW") == []


POSITIVES = {
    # ----- psycopg sql.SQL wrapping text built from values
    "psycopg sql.SQL of an f-string": ("BR101", """
        from psycopg import sql
        def count(cur, table):
            cur.execute(sql.SQL(f"SELECT count(*) FROM {table}"))
    """),
    "psycopg2 sql.SQL of a concatenation, formatted": ("BR101", """
        from psycopg2 import sql
        def rows(conn, column, value):
            query = sql.SQL("SELECT * FROM items WHERE " + column + " = {}").format(sql.Literal(value))
            with conn.cursor() as cur:
                cur.execute(query)
    """),
    "psycopg sql.SQL(raw) passed into format": ("BR101", """
        from psycopg import sql
        def rows(cur, table):
            cur.execute(sql.SQL("SELECT * FROM {}").format(sql.SQL(table)))
    """),
    "psycopg raw pieces joined inside a composition": ("BR101", """
        from psycopg import sql
        def select(cur, cols, table):
            q = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(sql.SQL(c) for c in cols), sql.Identifier(table))
            cur.execute(q)
    """),
    "psycopg raw piece in a joined list": ("BR101", """
        from psycopg import sql
        def select(cur, a, b):
            cur.execute(sql.SQL("SELECT {} FROM t").format(sql.SQL(", ").join([sql.SQL(a), sql.Identifier(b)])))
    """),
    # ----- string.Template
    "string.Template substitute": ("BR101", """
        from string import Template
        QUERY = Template("SELECT * FROM users WHERE name = '$name'")
        def find(cur, name):
            cur.execute(QUERY.substitute(name=name))
    """),
    "string.Template safe_substitute inline": ("BR101", """
        import string
        def purge(conn, tenant):
            template = string.Template("DELETE FROM events WHERE tenant = '${tenant}'")
            conn.execute(template.safe_substitute(tenant=tenant))
    """),
    # ----- COPY
    "psycopg2 copy_expert": ("BR101", """
        def export(cursor, table, out):
            cursor.copy_expert(f"COPY {table} TO STDOUT WITH CSV HEADER", out)
    """),
    "psycopg 3 cursor.copy": ("BR101", """
        def load(cur, table, rows):
            with cur.copy(f"COPY {table} (id, name) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
    """),
    # ----- request values as the SQL text itself
    "text() of a request value": ("BR102", """
        from flask import request
        from sqlalchemy import text
        def search(db):
            return db.session.execute(text(request.args["filter"])).all()
    """),
    "order_by(text(...)) of a request value": ("BR102", """
        from flask import request
        from sqlalchemy import select, text
        def listing(session):
            sort = request.args.get("sort", "id")
            return session.scalars(select(Post).order_by(text(sort))).all()
    """),
    "literal_column of a request value": ("BR102", """
        from fastapi import FastAPI
        from sqlalchemy import literal_column, select
        app = FastAPI()
        @app.get("/report")
        def report(column: str, session):
            return session.execute(select(literal_column(column))).all()
    """),
    # ----- other drivers
    "pg8000 native run": ("BR101", """
        import pg8000.native
        def find(name):
            conn = pg8000.native.Connection("app")
            return conn.run(f"SELECT * FROM users WHERE name = '{name}'")
    """),
    "asyncpg cursor": ("BR101", """
        async def stream(conn, owner):
            async with conn.transaction():
                async for record in conn.cursor(f"SELECT * FROM files WHERE owner = '{owner}'"):
                    yield record
    """),
    "asyncpg fetchmany": ("BR101", """
        async def page(conn, tag):
            return await conn.fetchmany("SELECT * FROM posts WHERE tag = '%s'" % tag, [])
    """),
    "asyncpg prepare": ("BR101", """
        async def prepared(conn, status):
            return await conn.prepare("SELECT * FROM jobs WHERE status = '" + status + "'")
    """),
    # ----- SQLAlchemy 1.x textual coercion
    "Query.filter with a built string": ("BR102", """
        from sqlalchemy.orm import Session
        def find(session: Session, name):
            return session.query(User).filter(f"name = '{name}'").all()
    """),
    "Flask-SQLAlchemy Model.query.filter %-format": ("BR102", """
        from flask_sqlalchemy import SQLAlchemy
        db = SQLAlchemy()
        def find(uid):
            return User.query.filter("id = %s" % uid).first()
    """),
    "order_by with a built string": ("BR102", """
        import sqlalchemy as sa
        def listing(session, field, direction):
            return session.query(Post).order_by(field + " " + direction).all()
    """),
    "having with a built string": ("BR102", """
        from sqlalchemy import func
        def busy(session, minimum):
            return session.query(User.id).group_by(User.id).having("count(*) > {}".format(minimum)).all()
    """),
    # ----- through helpers and entry points
    "exec_driver_sql": ("BR102", """
        def set_path(conn, schema):
            conn.exec_driver_sql(f"SET search_path TO {schema}")
    """),
    "connection.execute(text(...)) via a helper": ("BR102", """
        from sqlalchemy import text
        def run_sql(engine, sql, **params):
            with engine.begin() as conn:
                return conn.execute(text(sql), params)
        def purge(engine, tenant):
            run_sql(engine, f"DELETE FROM events WHERE tenant = '{tenant}'")
    """),
    "cursor.execute via a method helper": ("BR101", """
        class Reports:
            def _fetch(self, sql):
                with self.connection.cursor() as cursor:
                    cursor.execute(sql)
                    return cursor.fetchall()
            def by_city(self, city):
                return self._fetch("SELECT * FROM orders WHERE city = '" + city + "'")
    """),
    "query and params returned by a helper": ("BR101", """
        def build(name):
            return f"SELECT * FROM users WHERE name = '{name}'", ()
        def find(cursor, name):
            query, params = build(name)
            cursor.execute(query, params)
    """),
    "peewee execute_sql": ("BR101", """
        from peewee import PostgresqlDatabase
        db = PostgresqlDatabase("shop")
        def find(name):
            return db.execute_sql(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
    """),
    "Tortoise execute_query_dict": ("BR101", """
        from tortoise import Tortoise
        async def find(name):
            conn = Tortoise.get_connection("default")
            return await conn.execute_query_dict("SELECT * FROM users WHERE name = '" + name + "'")
    """),
    "raw SQL in a Django manager": ("BR102", """
        from django.db import models
        class PostManager(models.Manager):
            def search(self, term):
                return self.raw(f"SELECT * FROM blog_post WHERE title LIKE '%%{term}%%'")
    """),
    "extra() in a Django manager": ("BR102", """
        from django.db import models
        class PostManager(models.Manager):
            def by_author(self, name):
                return self.get_queryset().extra(where=[f"author = '{name}'"])
    """),
}


@pytest.mark.parametrize("code", [c for _, c in POSITIVES.values()], ids=POSITIVES.keys())
def test_new_shapes_fire_once(code):
    expected = next(rule for rule, c in POSITIVES.values() if c == code)
    assert codes(code) == [expected]


NEAR_MISSES = {
    "psycopg composition with Identifier and Literal": """
        from psycopg import sql
        def rows(cur, table, value):
            cur.execute(sql.SQL("SELECT * FROM {} WHERE a = {}").format(sql.Identifier(table), sql.Literal(value)))
    """,
    "psycopg sql.SQL of a constant f-string": """
        from psycopg import sql
        TABLE = "users"
        def count(cur):
            cur.execute(sql.SQL(f"SELECT count(*) FROM {TABLE}"))
    """,
    "psycopg 3 format with a plain value (quoted as a literal)": """
        from psycopg import sql
        def rows(cur, value):
            cur.execute(sql.SQL("SELECT * FROM items WHERE a = {}").format(value))
    """,
    "psycopg identifiers joined inside a composition": """
        from psycopg import sql
        def select(cur, cols, table):
            q = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(sql.Identifier(c) for c in cols), sql.Identifier(table))
            cur.execute(q)
    """,
    "psycopg raw pieces from a constant tuple": """
        from psycopg import sql
        COLUMNS = ("id", "name")
        def select(cur):
            cur.execute(sql.SQL("SELECT {} FROM t").format(sql.SQL(", ").join(sql.SQL(c) for c in COLUMNS)))
    """,
    "string.Template of constants": """
        from string import Template
        QUERY = Template("SELECT * FROM $table WHERE id = %s")
        def find(cur, pk):
            cur.execute(QUERY.substitute(table="users"), (pk,))
    """,
    "copy_expert with a literal": """
        def export(cursor, out):
            cursor.copy_expert("COPY users TO STDOUT WITH CSV HEADER", out)
    """,
    "copy of a dict and shutil.copy": """
        import shutil
        def backup(settings, src, dst):
            data = settings.copy()
            shutil.copy(src, dst)
            return data
    """,
    "text() of a constant chosen by the request": """
        from flask import request
        from sqlalchemy import select, text
        SORTS = {"new": "created_at DESC", "old": "created_at ASC"}
        def listing(session):
            sort = SORTS.get(request.args.get("sort"), "created_at DESC")
            return session.scalars(select(Post).order_by(text(sort))).all()
    """,
    "execute() of an ORM statement built with request values": """
        from flask import request
        from sqlalchemy import select
        def find(session):
            stmt = select(User).where(User.name == request.args["name"])
            return session.execute(stmt).scalars().all()
    """,
    "text() of a parameter (not request data)": """
        from sqlalchemy import text
        def run(conn, statement):
            return conn.execute(text(statement))
    """,
    "pg8000 run with named parameters": """
        def find(conn, name):
            return conn.run("SELECT * FROM users WHERE name = :name", name=name)
    """,
    "app.run and task runners": """
        def main(app, runner, name):
            runner.run(f"select {name}")
            app.run(debug=True)
    """,
    "a named server-side cursor": """
        def export(conn, job_id):
            with conn.cursor(f"export_{job_id}") as cur:
                cur.itersize = 1000
    """,
    "DB-API fetchmany with a size": """
        def batch(cur, size):
            return cur.fetchmany(size)
    """,
    "Query.filter with column expressions": """
        from sqlalchemy.orm import Session
        def find(session: Session, name, field):
            return session.query(User).filter(User.name == name).order_by(getattr(User, field)).all()
    """,
    "Django order_by with a built field name": """
        from django.db import models
        def listing(field, descending):
            return Post.objects.filter(published=True).order_by(("-" if descending else "") + field)
    """,
    "peewee execute_sql with parameters": """
        from peewee import PostgresqlDatabase
        db = PostgresqlDatabase("shop")
        def find(name):
            return db.execute_sql("SELECT * FROM users WHERE name = %s", (name,)).fetchall()
    """,
    "Tortoise execute_query with values": """
        from tortoise import Tortoise
        async def find(name):
            conn = Tortoise.get_connection("default")
            return await conn.execute_query("SELECT * FROM users WHERE name = $1", [name])
    """,
    "a task queue's execute_query that is not SQL": """
        def refresh(client, name):
            return client.execute_query(f"refresh {name}")
    """,
    "helper called with a constant": """
        from sqlalchemy import text
        def run_sql(engine, sql):
            with engine.begin() as conn:
                return conn.execute(text(sql))
        def purge_all(engine):
            run_sql(engine, "DELETE FROM events")
    """,
    "helper called with bound parameters": """
        from sqlalchemy import text
        def run_sql(engine, sql, **params):
            with engine.begin() as conn:
                return conn.execute(text(sql), params)
        def purge(engine, tenant):
            run_sql(engine, "DELETE FROM events WHERE tenant = :tenant", tenant=tenant)
    """,
    "Django manager raw with params": """
        from django.db import models
        class PostManager(models.Manager):
            def search(self, term):
                return self.raw("SELECT * FROM blog_post WHERE title LIKE %s", [f"%{term}%"])
    """,
}


@pytest.mark.parametrize("code", NEAR_MISSES.values(), ids=NEAR_MISSES.keys())
def test_near_misses_stay_quiet(code):
    assert quiet(code)


FIXED_TWINS = {
    "psycopg sql.SQL of an f-string": """
        from psycopg import sql
        def count(cur, table):
            cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
    """,
    "string.Template substitute": """
        QUERY = "SELECT * FROM users WHERE name = %(name)s"
        def find(cur, name):
            cur.execute(QUERY, {"name": name})
    """,
    "psycopg2 copy_expert": """
        from psycopg2 import sql
        def export(cursor, table, out):
            cursor.copy_expert(sql.SQL("COPY {} TO STDOUT WITH CSV HEADER").format(sql.Identifier(table)), out)
    """,
    "order_by(text(...)) of a request value": """
        from flask import request
        from sqlalchemy import select
        SORTABLE = {"title": Post.title, "created": Post.created_at}
        def listing(session):
            column = SORTABLE.get(request.args.get("sort"), Post.id)
            return session.scalars(select(Post).order_by(column)).all()
    """,
    "pg8000 native run": """
        import pg8000.native
        def find(name):
            conn = pg8000.native.Connection("app")
            return conn.run("SELECT * FROM users WHERE name = :name", name=name)
    """,
    "Query.filter with a built string": """
        from sqlalchemy.orm import Session
        def find(session: Session, name):
            return session.query(User).filter(User.name == name).all()
    """,
    "connection.execute(text(...)) via a helper": """
        from sqlalchemy import text
        def run_sql(engine, sql, **params):
            with engine.begin() as conn:
                return conn.execute(text(sql), params)
        def purge(engine, tenant):
            run_sql(engine, "DELETE FROM events WHERE tenant = :tenant", tenant=tenant)
    """,
    "raw SQL in a Django manager": """
        from django.db import models
        class PostManager(models.Manager):
            def search(self, term):
                return self.raw("SELECT * FROM blog_post WHERE title LIKE %s", [f"%{term}%"])
    """,
}


@pytest.mark.parametrize("code", FIXED_TWINS.values(), ids=FIXED_TWINS.keys())
def test_fixed_twins_stay_quiet(code):
    assert quiet(code)


def test_request_text_message_says_what_to_do():
    (finding,) = findings(POSITIVES["order_by(text(...)) of a request value"][1])
    assert finding.confidence == "HIGH"
    assert "request data" in finding.message and "allow-list" in finding.message


def test_helper_finding_names_the_helper_and_its_sink():
    (finding,) = findings(POSITIVES["connection.execute(text(...)) via a helper"][1])
    assert "via run_sql()" in finding.message and "text()" in finding.message
    assert finding.line == 6


def test_textual_coercion_on_order_by_gets_identifier_advice():
    (finding,) = findings(POSITIVES["order_by with a built string"][1])
    assert "allow-list" in finding.message and "bound parameters" not in finding.message


# ----- helpers of another module that execute their argument ------------------------------------
DB_MODULE = '''
import sqlite3
from sqlalchemy import text


def get_db():
    return sqlite3.connect("app.db")


def query_db(query, args=(), one=False):
    cur = get_db().execute(query, args)
    rows = cur.fetchall()
    return (rows[0] if rows else None) if one else rows


def run_sql(engine, sql, **params):
    with engine.begin() as conn:
        return conn.execute(text(sql), params)
'''

VIEWS_MODULE = '''
from flask import request

from . import db as database
from .db import query_db, run_sql


def user(name):
    return query_db(f"SELECT * FROM users WHERE name = '{name}'", one=True)


def user_fixed(name):
    return query_db("SELECT * FROM users WHERE name = ?", (name,), one=True)


def purge(engine):
    tenant = request.args["tenant"]
    run_sql(engine, "DELETE FROM events WHERE tenant = '" + tenant + "'")
    database.query_db("DELETE FROM sessions WHERE tenant = '%s'" % tenant)
    run_sql(engine, "DELETE FROM events WHERE tenant = :tenant", tenant=tenant)
'''


def test_helpers_of_other_modules_that_execute_their_argument(tmp_path):
    from backend_rules.engine.runner import check_paths

    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "db.py").write_text(DB_MODULE)
    (package / "views.py").write_text(VIEWS_MODULE)
    report = check_paths([str(tmp_path)], Config(select=("BR1",), root=str(tmp_path)), jobs=1, use_cache=False)
    found = [(f.line, f.code, f.message.split(" reaches ")[1].split(";")[0]) for f in report.findings]
    assert found == [
        (9, "BR101", "get_db().execute() via query_db()"),
        (18, "BR102", "text() via run_sql()"),
        (19, "BR101", "get_db().execute() via database.query_db()"),
    ]


def test_read_sql_connection_argument_is_not_a_parameter():
    (finding,) = findings("""
        import pandas as pd
        def frame(engine, name):
            return pd.read_sql(f"SELECT * FROM t WHERE n = '{name}'", engine)
    """)
    assert finding.message.endswith("use bound parameters instead")


def test_raw_psycopg_piece_gets_composition_advice():
    (finding,) = findings("""
        from psycopg import sql
        def rows(cur, order):
            cur.execute(sql.SQL("SELECT * FROM t ORDER BY {}").format(sql.SQL(order)))
    """)
    assert "sql.Identifier()" in finding.message and "not raw sql.SQL()" in finding.message
