"""A nightly reporting script on plain DB-API connections (sqlite3 and psycopg2)."""

import logging
import sqlite3

import psycopg2
from psycopg2 import sql

log = logging.getLogger(__name__)

REPORT_TABLE = "daily_orders"
STATUSES = ("paid", "shipped", "refunded")


def connect():
    return psycopg2.connect(dbname="shop")


def orders_for_customer_unsafe(conn, customer):
    cur = conn.cursor()
    cur.execute("SELECT id, total FROM orders WHERE customer = '%s'" % customer)  # expect: BR101
    return cur.fetchall()


def orders_for_customer(conn, customer):
    cur = conn.cursor()
    cur.execute("SELECT id, total FROM orders WHERE customer = %s", (customer,))
    return cur.fetchall()


def orders_by_ids_unsafe(conn, ids):
    id_list = ",".join(str(i) for i in ids)
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM orders WHERE id IN ({id_list})")  # expect: BR101
        return cur.fetchall()


def orders_by_ids(conn, ids):
    placeholders = ", ".join(["%s"] * len(ids))
    with conn.cursor() as cur:
        cur.execute(f"SELECT * FROM orders WHERE id IN ({placeholders})", list(ids))
        return cur.fetchall()


def filtered_unsafe(conn, status=None, city=None):
    query = "SELECT * FROM orders WHERE 1 = 1"
    if status:
        query += f" AND status = '{status}'"
    if city:
        query += " AND city = '" + city + "'"
    log.info("running %s", query)
    cur = conn.cursor()
    cur.execute(query)  # expect: BR101
    return cur.fetchall()


def filtered(conn, status=None, city=None):
    clauses, params = [], []
    if status:
        clauses.append("status = %s")
        params.append(status)
    if city:
        clauses.append("city = %s")
        params.append(city)
    query = "SELECT * FROM orders"
    if clauses:
        query += " WHERE " + " AND ".join(clauses)
    cur = conn.cursor()
    cur.execute(query, params)
    return cur.fetchall()


def table_size_unsafe(conn, table):
    cur = conn.cursor()
    cur.execute("SELECT count(*) FROM {}".format(table))  # expect: BR101
    return cur.fetchone()[0]


def table_size(conn, table):
    cur = conn.cursor()
    cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
    return cur.fetchone()[0]


def summary(conn):
    # Constants and literal-only loops are not injection.
    cur = conn.cursor()
    for status in STATUSES:
        cur.execute(f"SELECT count(*) FROM {REPORT_TABLE} WHERE status = '{status}'")
        log.info("%s: %s", status, cur.fetchone()[0])


def archive_local(path, day):
    db = sqlite3.connect(path)
    db.execute("DELETE FROM events WHERE day < '" + day + "'")  # expect: BR101
    db.execute("DELETE FROM events WHERE day < ?", (day,))
    db.commit()


def audit(user):
    # SQL-looking text that never reaches a database is only a message.
    log.warning("SELECT by %s was slow", user)
    return f"DELETE requested by {user}"


def overdue_orders_query_unsafe(days):
    # Built here, executed by the scheduler in another module.
    return f"SELECT id FROM orders WHERE due < now() - interval '{days} days'"  # expect: BR103


def overdue_orders_query(days):
    return "SELECT id FROM orders WHERE due < now() - make_interval(days => %s)", (days,)
