"""BR101/BR102/BR103 confidence per finding and advice that fits the slot (issue 12 §2, §3).

HIGH: the value is traced to outside input (request data, a route's or view's parameters,
``input()``). MEDIUM: its origin is unknown (a plain parameter, data read from elsewhere). LOW: the
program's own identifiers and configuration (settings, model metadata, ``self.configuration``),
SQL whose values are all parameters, and code that runs fixed SQL (tests, migrations, scripts).
"""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def findings(code: str, path: str = "app/reports.py", min_confidence: str = "LOW"):
    config = Config(select=("BR1",), min_confidence=min_confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def confidence(code: str, path: str = "app/reports.py") -> str:
    (finding,) = findings(code, path)
    return finding.confidence


HIGH = {
    "Flask request.args.get": ("app/reports.py", """
        from flask import request
        def search(db):
            q = request.args.get("q", "")
            return db.execute("SELECT * FROM items WHERE name LIKE '%" + q + "%'").fetchall()
    """),
    "Flask route parameter": ("app/reports.py", """
        from flask import Blueprint
        bp = Blueprint("r", __name__)
        @bp.route("/users/<name>")
        def user(name):
            return get_db().execute(f"SELECT * FROM users WHERE name = '{name}'").fetchone()
    """),
    "Django view URL parameter": ("blog/views.py", """
        from django.db import connection
        def archive(request, year):
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM posts WHERE year = '{year}'")
    """),
    "Django class-based view kwargs": ("blog/views.py", """
        from django.db import connection
        from django.views import View
        class Archive(View):
            def get(self, request, *args, **kwargs):
                with connection.cursor() as cursor:
                    cursor.execute("SELECT * FROM posts WHERE slug = '%s'" % self.kwargs["slug"])
    """),
    "DRF request.query_params through a helper": ("api/helpers.py", """
        from django.db import connection
        def _where(params):
            return "status = '" + params.get("status", "open") + "'"
        def tickets(request):
            with connection.cursor() as cursor:
                cursor.execute("SELECT * FROM tickets WHERE " + _where(request.query_params))
    """),
    "FastAPI query parameter": ("app/routes.py", """
        from fastapi import APIRouter, Depends
        from sqlalchemy import text
        router = APIRouter()
        @router.get("/items")
        def items(order: str = "id", db=Depends(get_db)):
            return db.execute(text(f"SELECT * FROM items ORDER BY {order}")).all()
    """),
    "aiohttp match_info": ("app/handlers.py", """
        async def user(request):
            name = request.match_info["name"]
            async with request.app["pool"].acquire() as conn:
                return await conn.fetch(f"SELECT * FROM users WHERE name = '{name}'")
    """),
    "aiohttp awaited form": ("app/server.py", """
        async def create(request, pool):
            form = await request.post()
            await pool.execute("INSERT INTO notes (body) VALUES ('%s')" % form["body"])
    """),
    "WSGI environ header": ("app/middleware.py", """
        def tenant_scope(request, cursor):
            tenant = request.META.get("HTTP_X_TENANT")
            cursor.execute(f"SET search_path TO '{tenant}'")
    """),
    "input()": ("app/console.py", """
        import sqlite3
        def main():
            name = input("name? ")
            sqlite3.connect("app.db").execute(f"DELETE FROM users WHERE name = '{name}'")
    """),
}


@pytest.mark.parametrize("path,code", HIGH.values(), ids=HIGH.keys())
def test_outside_input_is_high(path, code):
    assert confidence(code, path) == "HIGH"


MEDIUM = {
    "plain function parameter": """
        def find(cursor, email):
            cursor.execute(f"SELECT * FROM users WHERE email = '{email}'")
    """,
    "attribute of a parameter": """
        def save(cursor, user):
            cursor.execute(f"UPDATE users SET name = '{user.name}' WHERE id = %s", (user.id,))
    """,
    "value read back from the database": """
        def copy(cursor):
            cursor.execute("SELECT name FROM staging")
            for (name,) in cursor.fetchall():
                cursor.execute("INSERT INTO users (name) VALUES ('" + name + "')")
    """,
    "request-like helper outside request code": """
        def run(request, cursor, column):
            cursor.execute(f"SELECT {column} FROM t")
    """,
    "identifier from a parameter, values as parameters": """
        def load(cursor, table, rows):
            cursor.executemany(f"INSERT INTO {table} (a, b) VALUES (%s, %s)", rows)
    """,
}


@pytest.mark.parametrize("code", MEDIUM.values(), ids=MEDIUM.keys())
def test_unknown_origin_is_medium(code):
    assert confidence(code) == "MEDIUM"


LOW = {
    "Django settings": ("app/setup.py", """
        from django.conf import settings
        def setup(cursor):
            cursor.execute("SET search_path TO %s" % getattr(settings, "TENANT_SCHEMA", "public"))
    """),
    "Flask app config": ("app/setup.py", """
        from flask import current_app
        def setup(db):
            db.execute(f"SET statement_timeout = {current_app.config.get('TIMEOUT')}")
    """),
    "query runner configuration": ("runners/snow.py", """
        class Snowflake:
            def run_query(self, cursor, query):
                cursor.execute("USE WAREHOUSE {}".format(self.configuration["warehouse"]))
    """),
    "environment variable": ("app/setup.py", """
        import os
        def setup(cursor):
            cursor.execute(f"SET search_path TO {os.environ['SCHEMA']}")
    """),
    "model metadata through a model parameter": ("app/counts.py", """
        def count(cursor, model):
            table = model.__name__.lower()
            cursor.execute(f"SELECT count(*) FROM app_{table}")
    """),
    "table objects' names": ("app/counts.py", """
        def truncate_all(conn, metadata):
            for table in metadata.sorted_tables:
                conn.execute(f"TRUNCATE {table.name} CASCADE")
    """),
    "test code": ("tests/test_reports.py", """
        def test_find(cursor, name):
            cursor.execute(f"SELECT * FROM users WHERE name = '{name}'")
    """),
    "Django migration": ("shop/migrations/0004_backfill.py", """
        def forwards(apps, schema_editor):
            for table in get_tables():
                schema_editor.execute(f"UPDATE {table} SET flag = 1")
    """),
    "Alembic revision outside migrations/": ("db/revisions/versions/2021_add_slug.py", """
        from alembic import op
        revision = "abc"
        down_revision = "def"
        def upgrade():
            conn = op.get_bind()
            for row in conn.execute("SELECT id, name FROM t"):
                conn.execute(f"UPDATE t SET slug = '{row[1].lower()}' WHERE id = {row[0]}")
    """),
    "structure computed here, values as parameters": ("app/export.py", """
        def export(cursor, since):
            columns = ", ".join(load_columns())
            cursor.execute(f"SELECT {columns} FROM events WHERE created > %s", (since,))
    """),
    "management command": ("management/commands/purge.py", """
        def handle(cursor, table):
            cursor.execute(f"DELETE FROM {table}")
    """),
    "database setup from a config parameter": ("app/db_helpers.py", """
        from sqlalchemy import text
        async def setup_db(engine, target_config):
            db_name = target_config["DB_NAME"]
            async with engine.connect() as conn:
                await conn.execute(text("CREATE DATABASE %s" % db_name))
    """),
    "a Django database backend's operations": ("shop/dbbackend/operations.py", """
        from django.db.backends.postgresql.operations import DatabaseOperations as PgOperations
        class DatabaseOperations(PgOperations):
            def set_timezone(self, cursor, tzname):
                cursor.execute("SET TIME ZONE '%s'" % tzname)
    """),
    "a SQLAlchemy dialect module": ("lib/acme_sa/dialects/acme/base.py", """
        class AcmeDialect:
            def set_isolation_level(self, dbapi_connection, level):
                cursor = dbapi_connection.cursor()
                cursor.execute(f"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL {level}")
    """),
    "Alembic env.py migrating each tenant schema": ("db/revisions/tenant/env.py", """
        from alembic import context
        from sqlalchemy import text
        def run_migrations_online(connectable, schemas):
            with connectable.connect() as connection:
                for schema in schemas:
                    connection.execute(text(f'set search_path to "{schema}"'))
                    context.configure(connection=connection)
    """),
}


@pytest.mark.parametrize("path,code", LOW.values(), ids=LOW.keys())
def test_internal_identifiers_and_quiet_code_are_low(path, code):
    assert confidence(code, path) == "LOW"


NOT_KEYS = {
    "an attribute that is not a key": """
        def find(cursor, user):
            cursor.execute(f"SELECT * FROM users WHERE name = '{user.name}'")
    """,
    "an id read from the request": """
        from flask import request
        def find(cursor):
            cursor.execute(f"SELECT * FROM users WHERE id = {request.args['id']}")
    """,
}


@pytest.mark.parametrize("code", NOT_KEYS.values(), ids=NOT_KEYS.keys())
def test_values_that_are_not_primary_keys_keep_their_confidence(code):
    assert confidence(code) in {"MEDIUM", "HIGH"}


PRIMARY_KEYS = {
    "an object's primary key (.id)": ("app/cleanup.py", """
        def kill_idle(session):
            for proc in session.execute("SHOW PROCESSLIST").fetchall():
                if proc.Command == "Sleep":
                    proc_id = proc.Id
                    session.execute(f"KILL {proc_id}")
    """),
    "the current user's pk": ("app/stats.py", """
        def stats_for(cursor, user):
            cursor.execute(f"SELECT count(*) FROM likes WHERE user_id = {user.pk}")
    """),
}


@pytest.mark.parametrize("code", [c for _, c in PRIMARY_KEYS.values()], ids=PRIMARY_KEYS.keys())
def test_primary_keys_of_objects_are_not_reported(code):
    """``.id``/``.pk`` (any case: MySQL's processlist says ``Id``) are integer keys."""
    assert findings(code) == []


def test_a_route_parameter_named_config_is_still_request_data():
    code = """
        from flask import Flask
        app = Flask(__name__)
        @app.route("/configs/<config>")
        def show(config):
            return app.db.execute(f"SELECT * FROM configs WHERE name = '{config}'").fetchall()
    """
    assert confidence(code) == "HIGH"


def test_an_application_service_class_is_not_the_database_layer():
    code = """
        class ReportService(BaseService):
            def totals(self, cursor, region):
                cursor.execute(f"SELECT sum(total) FROM orders WHERE region = '{region}'")
    """
    assert confidence(code, "shop/services/reports.py") == "MEDIUM"


def test_alembic_context_without_env_module_shape_is_not_a_migration():
    code = """
        from sqlalchemy import text
        def switch(connection, schema):
            connection.execute(text(f'set search_path to "{schema}"'))
    """
    assert confidence(code, "db/tenants.py") == "MEDIUM"


def test_nested_management_command_is_low():
    path, code = LOW["management command"]
    assert confidence(code, "shop/" + path) == "LOW"


def test_low_findings_are_hidden_by_default():
    code = LOW["Django settings"][1]
    assert findings(code, min_confidence="MEDIUM") == []
    assert len(findings(code, min_confidence="LOW")) == 1


def test_annotated_non_text_handler_parameter_is_not_request_text():
    code = """
        def execute_bounded(request, stmt: "Select", timeout: int):
            return request.db.execute(stmt).all()
    """
    assert findings(code, "app/views.py") == []


# ----- advice that can be followed --------------------------------------------------------------
IDENTIFIER_SLOTS = {
    "FROM": 'cur.execute(f"SELECT * FROM {name}")',
    "INTO": 'cur.execute(f"INSERT INTO {name} (a) VALUES (%s)", (1,))',
    "TABLE": 'cur.execute("DROP TABLE " + name)',
    "EXTENSION": 'cur.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")',
    "USE": 'cur.execute("USE {}".format(name))',
    "SCHEMA": 'cur.execute("CREATE SCHEMA %s" % name)',
    "JOIN": 'cur.execute(f"SELECT * FROM a JOIN {name} ON a.id = b.id")',
    "UPDATE": 'cur.execute(f"UPDATE {name} SET a = 1")',
    "double quotes": 'cur.execute(f\'SELECT * FROM "{name}"\')',
    "column list": 'cur.execute(f"SELECT id, {name} FROM t")',
    "ORDER BY": 'cur.execute(f"SELECT * FROM t ORDER BY {name}")',
    "column compared in WHERE": 'cur.execute(f"SELECT * FROM t WHERE {name} = 1")',
    "column compared after AND": 'cur.execute(f"SELECT * FROM t WHERE a = 1 AND {name} LIKE %s", ("x%",))',
    "column set in UPDATE": 'cur.execute(f"UPDATE t SET {name} = %s WHERE id = %s", (1, 2))',
    "SET search_path": 'cur.execute(f"SET search_path TO {name}")',
    "NOTIFY channel": 'cur.execute(f"NOTIFY {name}")',
    "sequence": 'cur.execute(f"CREATE SEQUENCE {name} START 1")',
    "text() FROM": 'conn.execute(text(f"SELECT * FROM {name}"))',
    "text() quoted schema": 'conn.execute(text(f\'set search_path to "{name}"\'))',
}


@pytest.mark.parametrize("line", IDENTIFIER_SLOTS.values(), ids=IDENTIFIER_SLOTS.keys())
def test_identifier_slots_get_identifier_advice(line):
    (finding,) = findings(f"from sqlalchemy import text\ndef f(cur, conn, name):\n    {line}\n")
    assert "identifier" in finding.message and "allow-list" in finding.message
    assert "query parameter" not in finding.message


VALUE_SLOTS = {
    "quoted": 'cur.execute(f"SELECT * FROM t WHERE a = \'{name}\'")',
    "comparison": 'cur.execute(f"SELECT * FROM t WHERE a = {name}")',
    "LIKE": 'cur.execute("SELECT * FROM t WHERE a LIKE \'%" + name + "%\'")',
    "IN list": 'cur.execute(f"SELECT * FROM t WHERE a IN (1, {name})")',
    "VALUES": 'cur.execute(f"INSERT INTO t (a, b) VALUES (1, {name})")',
    "LIMIT": 'cur.execute("SELECT * FROM t LIMIT %s" % name)',
    "a whole condition": 'cur.execute(f"SELECT * FROM t WHERE {name} AND b = 1")',
}


@pytest.mark.parametrize("line", VALUE_SLOTS.values(), ids=VALUE_SLOTS.keys())
def test_value_slots_get_parameter_advice(line):
    (finding,) = findings(f"def f(cur, name):\n    {line}\n")
    assert "parameter" in finding.message and "identifier" not in finding.message


def test_identifier_and_value_in_one_statement_gets_parameter_advice():
    (finding,) = findings("def f(cur, table, name):\n    cur.execute(f\"SELECT * FROM {table} WHERE a = '{name}'\")\n")
    assert "parameters" in finding.message


def test_a_script_reading_its_user_stays_high():
    code = HIGH["input()"][1]
    assert confidence(code, "scripts/console.py") == "HIGH"
    assert confidence(MEDIUM["plain function parameter"], "scripts/console.py") == "LOW"


def test_a_function_of_the_programs_own_objects_is_internal():
    code = """
        from app.history import typename_for
        def attach_counts(queryset):
            model = queryset.model
            sql = "SELECT count(*) FROM history WHERE key = CONCAT('{}:', {}.id)".format(typename_for(model), "t")
            return queryset.extra(select={"n": sql})
    """
    assert confidence(code) == "LOW"
    assert confidence(code.replace("typename_for(model)", 'typename_for("user")')) == "MEDIUM"
