"""Order service: each N+1 anti-pattern is followed by its fixed twin."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, joinedload, selectinload

from .models import Customer, Order, OrderLine, Product


# --- the customer of each order --------------------------------------------------------------

def order_emails_slow(session: Session) -> list[str]:
    orders = session.scalars(select(Order).where(Order.id > 0)).all()
    return [order.customer.email for order in orders]  # expect: BR202


def order_emails(session: Session) -> list[str]:
    orders = session.scalars(select(Order).options(joinedload(Order.customer))).all()
    return [order.customer.email for order in orders]


# --- order totals (lines are a collection; their product is joined by the mapping) -----------

def totals_slow(session: Session) -> dict[int, int]:
    totals = {}
    for order in session.scalars(select(Order)):
        totals[order.id] = sum(line.quantity * line.product.price_cents for line in order.lines)  # expect: BR202
    return totals


def totals(session: Session) -> dict[int, int]:
    totals = {}
    for order in session.scalars(select(Order).options(selectinload(Order.lines))):
        totals[order.id] = sum(line.quantity * line.product.price_cents for line in order.lines)
    return totals


# --- one query per id (AsyncSession) ---------------------------------------------------------

async def product_names_slow(session: AsyncSession, ids: list[int]) -> list[str]:
    names = []
    for product_id in ids:
        product = await session.get(Product, product_id)  # expect: BR201
        names.append(product.name)
    return names


async def product_names(session: AsyncSession, ids: list[int]) -> list[str]:
    result = await session.scalars(select(Product).where(Product.id.in_(ids)))
    return [p.name for p in result]


# --- a helper that queries, called per item --------------------------------------------------

def customer_of(session: Session, order_id: int) -> Customer | None:
    return session.scalars(select(Customer).join(Order).where(Order.id == order_id)).first()


def invoice_addresses_slow(session: Session, order_ids: list[int]) -> list[str]:
    return [customer_of(session, oid).email for oid in order_ids]  # expect: BR201


def invoice_addresses(session: Session, order_ids: list[int]) -> list[str]:
    rows = session.execute(select(Order.id, Customer.email).join(Customer).where(Order.id.in_(order_ids)))
    emails = dict(rows.all())
    return [emails[oid] for oid in order_ids if oid in emails]


# --- per-row UPDATE --------------------------------------------------------------------------

def reprice_slow(session: Session, new_prices: dict[int, int]) -> None:
    for product_id, cents in new_prices.items():
        session.execute(update(Product).where(Product.id == product_id).values(price_cents=cents))  # expect: BR201


def reprice(session: Session, new_prices: dict[int, int]) -> None:
    session.execute(update(Product), [{"id": pid, "price_cents": c} for pid, c in new_prices.items()])


# --- plain columns and the foreign key's id need no query -----------------------------------

def order_customer_ids(session: Session) -> list[tuple[int, int]]:
    return [(o.id, o.customer_id) for o in session.scalars(select(Order))]


def line_quantities(order: Order) -> int:
    # a loop over in-memory data: the caller loaded the order and its lines
    return sum(line.quantity for line in [l for l in order.lines if l.quantity > 0])
