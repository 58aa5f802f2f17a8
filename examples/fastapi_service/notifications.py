"""Outbound notifications: coroutine functions used by the API and the worker."""

from __future__ import annotations

import asyncio
import logging

import httpx

logger = logging.getLogger(__name__)

WEBHOOK_URL = "https://hooks.example.com/orders"


async def send_email(address: str, subject: str) -> None:
    await asyncio.sleep(0.01)  # stands in for an SMTP call
    logger.info("sent %r to %s", subject, address)


async def post_webhook(client: httpx.AsyncClient, payload: dict) -> None:
    response = await client.post(WEBHOOK_URL, json=payload)
    response.raise_for_status()


async def notify_all(client: httpx.AsyncClient, payloads: list[dict]) -> None:
    # BAD: failures become list items that nobody looks at
    await asyncio.gather(*(post_webhook(client, p) for p in payloads), return_exceptions=True)  # expect: BR304


async def notify_all_checked(client: httpx.AsyncClient, payloads: list[dict]) -> int:
    # GOOD: every failure is logged, the count is returned
    results = await asyncio.gather(*(post_webhook(client, p) for p in payloads), return_exceptions=True)
    failures = 0
    for payload, result in zip(payloads, results):
        if isinstance(result, Exception):
            failures += 1
            logger.error("webhook for %s failed", payload.get("id"), exc_info=result)
    return failures


async def report_outage(client: httpx.AsyncClient, detail: str) -> None:
    # BAD: every error, including cancellation, vanishes
    try:
        await client.post(WEBHOOK_URL, json={"outage": detail})
    except BaseException:  # expect: BR303
        pass


async def report_outage_logged(client: httpx.AsyncClient, detail: str) -> None:
    # GOOD: the failure is logged; cancellation propagates
    try:
        await client.post(WEBHOOK_URL, json={"outage": detail})
    except Exception:
        logger.warning("could not report outage %s", detail, exc_info=True)
