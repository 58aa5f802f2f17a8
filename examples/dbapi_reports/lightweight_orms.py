"""Raw SQL through peewee and Tortoise ORM, and pandas reports: each unsafe query beside its fix."""

import pandas as pd
from peewee import PostgresqlDatabase
from tortoise import Tortoise

db = PostgresqlDatabase("shop")


def customers_named_unsafe(name):
    return db.execute_sql(f"SELECT id, email FROM customers WHERE name = '{name}'").fetchall()  # expect: BR101


def customers_named(name):
    return db.execute_sql("SELECT id, email FROM customers WHERE name = %s", (name,)).fetchall()


async def orders_for_unsafe(email):
    conn = Tortoise.get_connection("default")
    return await conn.execute_query_dict(  # expect: BR101
        "SELECT id, total FROM orders WHERE email = '" + email + "'"
    )


async def orders_for(email):
    conn = Tortoise.get_connection("default")
    return await conn.execute_query_dict("SELECT id, total FROM orders WHERE email = $1", [email])


def revenue_frame_unsafe(engine, region):
    return pd.read_sql(f"SELECT day, total FROM revenue WHERE region = '{region}'", engine)  # expect: BR102


def revenue_frame(engine, region):
    return pd.read_sql("SELECT day, total FROM revenue WHERE region = %(region)s", engine, params={"region": region})
