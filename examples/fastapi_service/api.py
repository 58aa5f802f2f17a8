"""HTTP API: FastAPI routes with the async mistakes a review tends to miss."""

from __future__ import annotations

import asyncio
import logging

from fastapi import BackgroundTasks, FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession

from .notifications import send_email

logger = logging.getLogger(__name__)
app = FastAPI()
background_tasks_running: set[asyncio.Task] = set()


class Order:
    def __init__(self, order_id: int, email: str) -> None:
        self.id = order_id
        self.email = email


async def load_order(session: AsyncSession, order_id: int) -> Order:
    return await session.get(Order, order_id)


@app.post("/orders/{order_id}/confirm")
async def confirm_order(order_id: int, session: AsyncSession):
    order = await load_order(session, order_id)
    # BAD: the email coroutine is created and thrown away; nothing is sent
    send_email(order.email, "Order confirmed")  # expect: BR302
    # BAD: the commit never happens
    session.commit()  # expect: BR302
    return {"status": "confirmed"}


@app.post("/orders/{order_id}/confirm-fixed")
async def confirm_order_fixed(order_id: int, session: AsyncSession):
    order = await load_order(session, order_id)
    await send_email(order.email, "Order confirmed")
    await session.commit()
    return {"status": "confirmed"}


@app.post("/orders/{order_id}/ship")
async def ship_order(order_id: int, session: AsyncSession, background_tasks: BackgroundTasks):
    order = await load_order(session, order_id)
    # BAD: a coroutine object where BackgroundTasks expects the function
    background_tasks.add_task(send_email(order.email, "Shipped"))  # expect: BR302
    return {"status": "shipped"}


@app.post("/orders/{order_id}/ship-fixed")
async def ship_order_fixed(order_id: int, session: AsyncSession, background_tasks: BackgroundTasks):
    order = await load_order(session, order_id)
    background_tasks.add_task(send_email, order.email, "Shipped")
    return {"status": "shipped"}


@app.post("/orders/import")
async def import_orders(request: Request):
    # BAD: request.json() is a coroutine; indexing it fails at runtime
    payload = request.json()  # expect: BR302
    return {"count": len(payload["orders"])}


@app.post("/orders/import-fixed")
async def import_orders_fixed(request: Request):
    payload = await request.json()
    return {"count": len(payload["orders"])}


@app.post("/orders/{order_id}/receipt")
async def send_receipt(order_id: int, session: AsyncSession):
    order = await load_order(session, order_id)
    # BAD: the task may be garbage-collected mid-flight; its errors are never seen
    asyncio.create_task(send_email(order.email, "Your receipt"))  # expect: BR301
    return {"status": "queued"}


@app.post("/orders/{order_id}/receipt-fixed")
async def send_receipt_fixed(order_id: int, session: AsyncSession):
    order = await load_order(session, order_id)
    task = asyncio.create_task(send_email(order.email, "Your receipt"))
    background_tasks_running.add(task)
    task.add_done_callback(background_tasks_running.discard)
    return {"status": "queued"}
