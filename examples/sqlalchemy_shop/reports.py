"""Sales reports: one customer's orders and their lines; the N+1 beside its fix."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Customer, Order, OrderLine


# --- one customer's orders and their lines ---------------------------------------------------

def customer_units_slow(customer: Customer) -> dict[int, int]:
    return {order.id: sum(line.quantity for line in order.lines) for order in customer.orders}  # expect: BR202


def customer_units(session: Session, customer_id: int) -> dict[int, int]:
    rows = session.execute(
        select(OrderLine.order_id, func.sum(OrderLine.quantity))
        .join(Order).where(Order.customer_id == customer_id).group_by(OrderLine.order_id)
    )
    return dict(rows.all())
