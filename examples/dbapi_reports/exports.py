"""CSV exports and bulk loads on psycopg2/psycopg 3 and pg8000: COPY, composed SQL, templates."""

import logging
from string import Template

import pg8000.native
from psycopg2 import sql

log = logging.getLogger(__name__)

EXPORTABLE = {"orders", "customers", "invoices"}
ARCHIVE_TEMPLATE = Template("DELETE FROM $table WHERE created < now() - interval '$days days'")


def export_table_unsafe(conn, table, out):
    with conn.cursor() as cur:
        cur.copy_expert(f"COPY {table} TO STDOUT WITH CSV HEADER", out)  # expect: BR101


def export_table(conn, table, out):
    if table not in EXPORTABLE:
        raise ValueError(f"cannot export {table}")
    with conn.cursor() as cur:
        cur.copy_expert(sql.SQL("COPY {} TO STDOUT WITH CSV HEADER").format(sql.Identifier(table)), out)


def load_rows_unsafe(conn, table, rows):
    # psycopg 3: cursor.copy() takes the COPY statement.
    with conn.cursor() as cur, cur.copy(sql.SQL(f"COPY {table} (id, total) FROM STDIN")) as copy:  # expect: BR101
        for row in rows:
            copy.write_row(row)


def load_rows(conn, table, rows):
    statement = sql.SQL("COPY {} (id, total) FROM STDIN").format(sql.Identifier(table))
    with conn.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def archive_unsafe(conn, table, days):
    with conn.cursor() as cur:
        cur.execute(ARCHIVE_TEMPLATE.substitute(table=table, days=days))  # expect: BR101


def archive(conn, table, days):
    if table not in EXPORTABLE:
        raise ValueError(table)
    query = sql.SQL("DELETE FROM {} WHERE created < now() - make_interval(days => %s)").format(sql.Identifier(table))
    with conn.cursor() as cur:
        cur.execute(query, (int(days),))


def customer_totals_unsafe(customer):
    conn = pg8000.native.Connection("shop")
    return conn.run(f"SELECT sum(total) FROM orders WHERE customer = '{customer}'")  # expect: BR101


def customer_totals(customer):
    conn = pg8000.native.Connection("shop")
    return conn.run("SELECT sum(total) FROM orders WHERE customer = :customer", customer=customer)


def _run(conn, statement, params=()):
    with conn.cursor() as cur:
        cur.execute(statement, params)
        return cur.fetchall()


def refunds_for_unsafe(conn, reason):
    return _run(conn, "SELECT id FROM refunds WHERE reason = '" + reason + "'")  # expect: BR101


def refunds_for(conn, reason):
    return _run(conn, "SELECT id FROM refunds WHERE reason = %s", (reason,))
