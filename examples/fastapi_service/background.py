"""Background work of the API: who holds the tasks, and who hears about their errors."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Optional

import httpx
from fastapi import Depends
from fastapi.security import OAuth2PasswordBearer

from .notifications import post_webhook, send_email

logger = logging.getLogger(__name__)
optional_token = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)
running: set[asyncio.Task] = set()


def keep(task: asyncio.Task) -> asyncio.Task:
    """Hold a strong reference until the task is done, and log what it raised."""
    running.add(task)
    task.add_done_callback(running.discard)
    task.add_done_callback(_log_failure)
    return task


def _log_failure(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("background task %s failed", task.get_name(), exc_info=task.exception())


async def announce(client: httpx.AsyncClient, payloads: list[dict]) -> None:
    # BAD: the webhooks are sent, but whatever they raise is lost with the future
    asyncio.gather(*(post_webhook(client, p) for p in payloads))  # expect: BR301


async def announce_fixed(client: httpx.AsyncClient, payloads: list[dict]) -> None:
    await asyncio.gather(*(post_webhook(client, p) for p in payloads))


async def welcome(addresses: list[str]) -> None:
    # BAD: the set holding the tasks is a local; it dies when the function returns
    pending = set()
    for address in addresses:
        task = asyncio.create_task(send_email(address, "Welcome"))  # expect: BR301
        pending.add(task)
        task.add_done_callback(pending.discard)


async def welcome_fixed(addresses: list[str]) -> None:
    for address in addresses:
        keep(asyncio.create_task(send_email(address, "Welcome")))


async def schedule_digest(address: str) -> None:
    loop = asyncio.get_running_loop()
    # BAD: logged, then dropped
    task = loop.create_task(send_email(address, "Your digest"))  # expect: BR301
    logger.info("digest scheduled: %s", task)


async def schedule_digest_fixed(address: str) -> None:
    loop = asyncio.get_running_loop()
    task = keep(loop.create_task(send_email(address, "Your digest")))
    logger.info("digest scheduled: %s", task)


async def close_clients(clients: list[httpx.AsyncClient]) -> None:
    for client in clients:
        # BAD: a failing close is never heard of
        with contextlib.suppress(Exception):  # expect: BR303
            await client.aclose()


async def close_clients_fixed(clients: list[httpx.AsyncClient]) -> None:
    for client in clients:
        try:
            await client.aclose()
        except httpx.HTTPError:
            logger.exception("closing %r failed", client)


async def decode_user(token: str) -> dict:
    await asyncio.sleep(0)  # stands in for a token introspection call
    return {"sub": token}


async def optional_user(token: Optional[str] = Depends(optional_token)) -> Optional[dict]:
    # GOOD: an optional authentication dependency answers "nobody" when the token does not decode
    if token is None:
        return None
    try:
        return await decode_user(token)
    except Exception:
        return None
