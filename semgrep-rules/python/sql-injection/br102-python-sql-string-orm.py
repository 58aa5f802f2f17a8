import pandas as pd
import sqlalchemy as sa
from django.db.models.expressions import RawSQL
from sqlalchemy import text
from sqlalchemy.orm import Session

from myapp.models import Order, User


def sa_text_fstring(session: Session, email: str):
    # ruleid: br102-python-sql-string-orm
    return session.execute(text(f"SELECT * FROM users WHERE email = '{email}'")).all()


def sa_text_alias(engine, name):
    stmt = "SELECT * FROM users WHERE name = '" + name + "'"
    with engine.connect() as conn:
        # ruleid: br102-python-sql-string-orm
        return conn.execute(sa.text(stmt)).fetchall()


def sa_exec_driver_sql(conn, table):
    # ruleid: br102-python-sql-string-orm
    conn.exec_driver_sql("TRUNCATE TABLE %s" % table)


def sa_session_plain_string(db, user_id):
    q = "DELETE FROM carts WHERE user_id = {}".format(user_id)
    # ruleid: br102-python-sql-string-orm
    db.session.execute(q)


def django_raw(request):
    name = request.GET["name"]
    # ruleid: br102-python-sql-string-orm
    return User.objects.raw(f"SELECT * FROM app_user WHERE name = '{name}'")


def django_extra(qs, col, value):
    # ruleid: br102-python-sql-string-orm
    return qs.extra(where=["status = '" + value + "'"])


def django_rawsql(order_by):
    # ruleid: br102-python-sql-string-orm
    return Order.objects.annotate(x=RawSQL("SELECT max(id) FROM t ORDER BY " + order_by, []))


def pandas_read(conn, region):
    query = f"SELECT * FROM sales WHERE region = '{region}'"
    # ruleid: br102-python-sql-string-orm
    return pd.read_sql(query, conn)


# ---------------------------------------------------------------- negatives


def sa_bound(session: Session, email: str):
    # ok: br102-python-sql-string-orm
    return session.execute(text("SELECT * FROM users WHERE email = :email"), {"email": email})


def sa_orm(session: Session, email: str):
    # ok: br102-python-sql-string-orm
    return session.execute(sa.select(User).where(User.email == email)).scalars().all()


def sa_bindparams(conn, name):
    stmt = text("SELECT * FROM users WHERE name = :name").bindparams(name=name)
    # ok: br102-python-sql-string-orm
    return conn.execute(stmt)


def django_raw_params(name):
    # ok: br102-python-sql-string-orm
    return User.objects.raw("SELECT * FROM app_user WHERE name = %s", [name])


def pandas_params(conn, region):
    # ok: br102-python-sql-string-orm
    return pd.read_sql("SELECT * FROM sales WHERE region = %(r)s", conn, params={"r": region})


def in_list_placeholders(session, ids):
    placeholders = ", ".join([":id%d" % i for i in range(len(ids))])
    # ok: br102-python-sql-string-orm
    return session.execute(text("SELECT * FROM t WHERE id IN (" + ", ".join(["%s"] * len(ids)) + ")"), ids)
