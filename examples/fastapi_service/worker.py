"""Queue worker: long-running asyncio tasks and their shutdown."""

from __future__ import annotations

import asyncio
import logging
from asyncio import CancelledError

import httpx

from .notifications import post_webhook

logger = logging.getLogger(__name__)


class Worker:
    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.client = httpx.AsyncClient()
        self._loop = asyncio.get_event_loop()
        self._consumer: asyncio.Task | None = None

    async def handle(self, job: dict) -> None:
        await post_webhook(self.client, job)

    async def consume(self) -> None:
        # BAD: failures are skipped without a trace, and cancellation is swallowed
        while True:
            job = await self.queue.get()
            try:
                await self.handle(job)
            except Exception:  # expect: BR303
                continue
            except CancelledError:  # expect: BR303
                break

    async def consume_fixed(self) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self.handle(job)
            except CancelledError:
                await self.queue.put(job)
                raise
            except Exception:
                logger.exception("job %s failed", job.get("id"))
            finally:
                self.queue.task_done()

    def start(self) -> None:
        # BAD: only a weak reference to the consumer task
        self._loop.create_task(self.consume())  # expect: BR301
        # GOOD: kept on the worker, so it can be awaited on shutdown
        self._consumer = self._loop.create_task(self.consume_fixed())

    async def submit(self, job: dict) -> None:
        # BAD: the put never happens
        self.queue.put(job)  # expect: BR302
        await self.queue.put(job)

    async def stop(self) -> None:
        # GOOD: the cancel-and-wait idiom may swallow the cancellation it caused itself
        if self._consumer is not None:
            self._consumer.cancel()
            try:
                await self._consumer
            except CancelledError:
                pass
        await self.client.aclose()

    async def drain(self) -> None:
        # BAD: refers to a coroutine method without awaiting it
        self.stop()  # expect: BR302


def run_forever() -> None:
    worker = Worker()
    worker.start()
    asyncio.get_event_loop().run_forever()
