import sqlite3

from .db import SessionLocal, db
from .models import Order, Product

RETRIES = 3
conn = sqlite3.connect("shop.db")


def import_orders(rows):
    for row in rows:
        db.session.add(Order(**row))
        # ruleid: br204-python-commit-in-loop
        db.session.commit()


def reprice(products, factor):
    session = SessionLocal()
    for product in products:
        product.price = product.price * factor
        # ruleid: br204-python-commit-in-loop
        session.commit()


async def mark_shipped(async_session, orders):
    for order in orders:
        order.status = "shipped"
        # ruleid: br204-python-commit-in-loop
        await async_session.commit()


def load_csv(lines):
    for i, line in enumerate(lines):
        conn.execute("INSERT INTO items (name) VALUES (?)", (line.strip(),))
        if line:
            # ruleid: br204-python-commit-in-loop
            conn.commit()


def import_all_or_nothing(rows):
    try:
        for row in rows:
            db.session.add(Order(**row))
            # ruleid: br204-python-commit-in-loop
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise


class Importer:
    def run(self, records):
        for record in records:
            self.session.merge(Product(**record))
            # ruleid: br204-python-commit-in-loop
            self.session.commit()


# ---------------------------------------------------------------- negatives


def import_orders_once(rows):
    for row in rows:
        db.session.add(Order(**row))
    # ok: br204-python-commit-in-loop
    db.session.commit()


def import_in_batches(batches):
    for batch in batches:
        db.session.add_all([Order(**row) for row in batch])
        # ok: br204-python-commit-in-loop
        db.session.commit()


def import_every_500(rows):
    for i, row in enumerate(rows):
        db.session.add(Order(**row))
        if i % 500 == 0:
            # ok: br204-python-commit-in-loop
            db.session.commit()
    db.session.commit()


def import_buffered(rows, buffer):
    for row in rows:
        buffer.append(Order(**row))
        if len(buffer) >= 1000:
            db.session.add_all(buffer)
            # ok: br204-python-commit-in-loop
            db.session.commit()
            buffer.clear()


def save_with_retries(order):
    for attempt in range(RETRIES):
        db.session.add(order)
        # ok: br204-python-commit-in-loop
        db.session.commit()
        break


def save_first_match(rows):
    for row in rows:
        if row.ready:
            row.status = "done"
            # ok: br204-python-commit-in-loop
            db.session.commit()
            return row


def import_isolated(rows, log):
    for row in rows:
        try:
            db.session.add(Order(**row))
            # ok: br204-python-commit-in-loop
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.warning("skipped %s", row)


def fixed_passes(order):
    for step in range(3):
        order.advance(step)
        # ok: br204-python-commit-in-loop
        db.session.commit()


def import_constants():
    for name in ["books", "music", "games"]:
        db.session.add(Product(category=name))
        # ok: br204-python-commit-in-loop
        db.session.commit()


_extensions = [("citext", 13), ("hstore", 13)]


def create_extensions(engine):
    with engine.connect() as conn:
        for name, version in _extensions:
            conn.execute(create_extension(name, version))
            # ok: br204-python-commit-in-loop
            conn.commit()


def consume(consumer):
    for message in consumer:
        handle(message)
        # ok: br204-python-commit-in-loop
        db.session.commit()


def git_tags(repo, tags):
    for tag in tags:
        repo.create_tag(tag)
        # ok: br204-python-commit-in-loop
        repo.commit()
