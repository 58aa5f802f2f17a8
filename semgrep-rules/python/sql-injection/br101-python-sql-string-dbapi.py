import asyncio
import sqlite3

import aiosqlite
import asyncpg
import psycopg2
from psycopg2 import sql

TABLE = "users"


def find_user_concat(cursor, email):
    # ruleid: br101-python-sql-string-dbapi
    cursor.execute("SELECT * FROM users WHERE email = '" + email + "'")
    return cursor.fetchone()


def find_user_percent(cursor, name):
    # ruleid: br101-python-sql-string-dbapi
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)


def find_user_format(conn, user_id):
    cur = conn.cursor()
    # ruleid: br101-python-sql-string-dbapi
    cur.execute("SELECT * FROM users WHERE id = {}".format(user_id))


def find_user_fstring(conn, user_id):
    # ruleid: br101-python-sql-string-dbapi
    conn.execute(f"DELETE FROM sessions WHERE user_id = {user_id}")


def query_built_earlier(db, email, status):
    query = "SELECT id, email FROM users WHERE email = '%s'" % email
    if status:
        query += " AND status = '" + status + "'"
    rows = []
    # ruleid: br101-python-sql-string-dbapi
    db.cursor().execute(query)
    return rows


def query_built_in_steps(cursor, order_by):
    base = "SELECT * FROM orders"
    q = base + " ORDER BY " + order_by
    cursor.execute(
        # ruleid: br101-python-sql-string-dbapi
        q,
    )


def many(cursor, table, rows):
    # ruleid: br101-python-sql-string-dbapi
    cursor.executemany(f"INSERT INTO {table} (a, b) VALUES (?, ?)", rows)


def script(conn, name):
    # ruleid: br101-python-sql-string-dbapi
    conn.executescript("DROP TABLE IF EXISTS " + name + ";")


def keyword_arg(cursor, ids):
    where = "WHERE id IN (" + ",".join(ids) + ")"
    # ruleid: br101-python-sql-string-dbapi
    cursor.execute(operation="DELETE FROM t " + where)


async def asyncpg_fetch(pool, name):
    async with pool.acquire() as conn:
        # ruleid: br101-python-sql-string-dbapi
        return await conn.fetch(f"SELECT * FROM users WHERE name = '{name}'")


async def aiosqlite_exec(path, name):
    async with aiosqlite.connect(path) as db:
        # ruleid: br101-python-sql-string-dbapi
        await db.execute("UPDATE users SET name = '%s'" % (name,))


# ---------------------------------------------------------------- negatives


def parameterised(cursor, email):
    # ok: br101-python-sql-string-dbapi
    cursor.execute("SELECT * FROM users WHERE email = %s", (email,))


def parameterised_variable(cursor, email):
    query = "SELECT * FROM users WHERE email = ?"
    # ok: br101-python-sql-string-dbapi
    cursor.execute(query, (email,))


def placeholders_built_dynamically(cursor, ids):
    placeholders = ", ".join(["%s"] * len(ids))
    q = "SELECT * FROM users WHERE id IN (" + ", ".join(["%s"] * len(ids)) + ")"
    # ok: br101-python-sql-string-dbapi
    cursor.execute(q, ids)


def module_constant(cursor):
    # ok: br101-python-sql-string-dbapi
    cursor.execute(f"SELECT count(*) FROM {TABLE}")


def constants_only(cursor):
    q = "SELECT * FROM users " + "WHERE active = 1"
    # ok: br101-python-sql-string-dbapi
    cursor.execute(q)


def integer_only(cursor, limit):
    # ok: br101-python-sql-string-dbapi
    cursor.execute("SELECT * FROM users LIMIT %d" % int(limit))


def psycopg_composed(cursor, table, user_id):
    stmt = sql.SQL("SELECT * FROM {} WHERE id = %s").format(sql.Identifier(table))
    # ok: br101-python-sql-string-dbapi
    cursor.execute(stmt, (user_id,))


def reassigned_to_constant(cursor, name):
    q = "SELECT * FROM users WHERE name = '" + name + "'"
    q = "SELECT * FROM users WHERE name = %s"
    # ok: br101-python-sql-string-dbapi
    cursor.execute(q, (name,))


def not_sql(executor, task_name):
    # ok: br101-python-sql-string-dbapi
    executor.execute("run task " + task_name)


async def asyncpg_params(conn, name):
    # ok: br101-python-sql-string-dbapi
    return await conn.fetch("SELECT * FROM users WHERE name = $1", name)


async def http_fetch(client, path):
    # ok: br101-python-sql-string-dbapi
    return await client.fetch("https://example.com/select?from=" + path)


def constant_table_concat(cursor, user_id):
    # ok: br101-python-sql-string-dbapi
    cursor.execute("SELECT * FROM " + TABLE + " WHERE id = %s", (user_id,))
