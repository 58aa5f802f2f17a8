"""BR301/BR303 on the shapes real async code takes: futures nobody holds, tasks that die with
their function, errors swallowed by ``contextlib.suppress``, and optional dependencies that answer
``None`` on purpose. Every line marked ``# ERR`` must fire, nothing else."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def findings(code: str, select: str, path: str = "app/service.py"):
    config = Config(select=(select,), min_confidence="LOW")
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def fired(code: str, select: str, path: str = "app/service.py") -> list[int]:
    return [f.line for f in findings(code, select, path)]


def marked(code: str) -> list[int]:
    text = textwrap.dedent(code).removeprefix("\n")
    return [n for n, line in enumerate(text.splitlines(), start=1) if "# ERR" in line]


# ------------------------------------------------------------------ asyncio.gather() nobody holds
GATHER = [
    # dropped: the children run, their errors are lost with the future
    """
    import asyncio

    async def warm_caches(caches):
        asyncio.gather(*(cache.warm() for cache in caches))  # ERR
        return "warming"
    """,
    # an alias, in a sync callback
    """
    from asyncio import gather as run_all

    def on_startup(app):
        run_all(app.db.connect(), app.redis.ping())  # ERR
    """,
    # stored and forgotten; stored and only logged
    """
    import asyncio
    import logging

    logger = logging.getLogger(__name__)

    async def refresh(a, b):
        pending = asyncio.gather(a.load(), b.load())  # ERR
        return {"status": "refreshing"}

    async def refresh_logged(a, b):
        pending = asyncio.gather(a.load(), b.load())  # ERR
        logger.info(f"refresh started: {pending}")
    """,
    # fixed twins: awaited, returned, kept on the object, shielded, handed to the loop
    """
    import asyncio

    async def warm_caches(caches):
        await asyncio.gather(*(cache.warm() for cache in caches))

    def all_loaded(a, b):
        return asyncio.gather(a.load(), b.load())

    class Warmer:
        def start(self, caches):
            self.pending = asyncio.gather(*(c.warm() for c in caches))

    async def protected(a, b):
        await asyncio.shield(asyncio.gather(a.load(), b.load()))

    def main(loop, a, b):
        loop.run_until_complete(asyncio.gather(a.load(), b.load()))
    """,
    # near miss: somebody else's gather
    """
    from myapp.collect import gather

    async def collect(items):
        gather(items)
    """,
]


@pytest.mark.parametrize("code", GATHER)
def test_gather_nobody_holds(code):
    assert fired(code, "BR301") == marked(code)
    assert fired(code, "BR302") == []


def test_gather_message_says_the_tasks_run():
    code = "import asyncio\n\nasync def f(a, b):\n    asyncio.gather(a(), b())\n"
    [finding] = findings(code, "BR3")
    assert finding.code == "BR301" and "future from asyncio.gather()" in finding.message
    assert "never runs" not in finding.message


# ------------------------------------------------------------------ loop.create_task(): dropped or only logged
LOOP_TASKS = [
    """
    import asyncio
    import logging

    log = logging.getLogger(__name__)

    async def kick(job):
        asyncio.get_running_loop().create_task(job.run())  # ERR

    async def kick_logged(job):
        loop = asyncio.get_running_loop()
        task = loop.create_task(job.run())  # ERR
        log.info("started %s", task)

    async def kick_printed(job):
        loop = asyncio.get_running_loop()
        task = loop.create_task(job.run())  # ERR
        print("started", task.get_name())

    class Service:
        def __init__(self, loop):
            self._loop = loop

        def schedule(self, job):
            task = self._loop.create_task(job.run())  # ERR
            task.set_name(f"job-{job.id}")
            self.logger.debug("scheduled %r", task)
    """,
    # fixed twins: logged *and* kept, awaited, cancelled later through self
    """
    import asyncio
    import logging

    log = logging.getLogger(__name__)

    class Service:
        def __init__(self, loop):
            self._loop = loop
            self._tasks = set()

        def schedule(self, job):
            task = self._loop.create_task(job.run())
            log.info("started %s", task)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def kick(job):
        task = asyncio.get_running_loop().create_task(job.run())
        log.info("started %s", task)
        return await task
    """,
]


@pytest.mark.parametrize("code", LOOP_TASKS)
def test_loop_tasks_dropped_or_only_logged(code):
    assert fired(code, "BR301") == marked(code)


# ------------------------------------------------------------------ a task kept in a local that dies with the function
LOCAL_HOLDERS = [
    """
    import asyncio

    async def notify_all(users):
        pending = set()
        for user in users:
            task = asyncio.create_task(notify(user))  # ERR
            pending.add(task)
            task.add_done_callback(pending.discard)
        return len(pending)

    async def send_all(messages):
        tasks = []
        for message in messages:
            tasks.append(asyncio.create_task(send(message)))  # ERR
        return "queued"

    async def start_workers(n):
        workers = [asyncio.create_task(worker(i)) for i in range(n)]  # ERR

    def on_event(event, handler):
        task = asyncio.ensure_future(handler(event))  # ERR
        task.add_done_callback(lambda t: t.exception())
    """,
    # fixed twins: a module-level set, a set on the object, awaited, waited, returned, a TaskGroup
    """
    import asyncio

    BACKGROUND = set()

    async def notify_all(users):
        for user in users:
            task = asyncio.create_task(notify(user))
            BACKGROUND.add(task)
            task.add_done_callback(BACKGROUND.discard)

    class Notifier:
        def __init__(self):
            self.tasks = set()

        async def notify_all(self, users):
            for user in users:
                task = asyncio.create_task(notify(user))
                self.tasks.add(task)
                task.add_done_callback(self.tasks.discard)

    async def send_all(messages):
        tasks = []
        for message in messages:
            tasks.append(asyncio.create_task(send(message)))
        await asyncio.gather(*tasks)

    async def start_workers(n):
        workers = [asyncio.create_task(worker(i)) for i in range(n)]
        done, pending = await asyncio.wait(workers, timeout=5)

    def spawn_all(coros):
        running = set()
        for coro in coros:
            running.add(asyncio.create_task(coro))
        return running

    async def grouped(coros):
        async with asyncio.TaskGroup() as group:
            for coro in coros:
                group.create_task(coro)

    async def cancel_later(coro):
        task = asyncio.create_task(coro)
        await asyncio.sleep(1)
        task.cancel()

    def offload(loop, work, on_done):
        # the executor holds its work item until it is done: a callback is enough
        future = loop.run_in_executor(None, work)
        future.add_done_callback(on_done)
    """,
]


@pytest.mark.parametrize("code", LOCAL_HOLDERS)
def test_tasks_kept_only_in_a_local(code):
    assert fired(code, "BR301") == marked(code)


def test_local_holder_message_names_the_collection():
    code = (
        "import asyncio\n\nasync def f(users):\n    pending = set()\n    for u in users:\n"
        "        task = asyncio.create_task(notify(u))\n        pending.add(task)\n"
    )
    [finding] = findings(code, "BR301")
    assert "kept only in `pending`" in finding.message


def test_dropped_tasks_in_test_code_are_low():
    code = "import asyncio\n\nasync def test_it(loop, coro):\n    loop.create_task(coro())\n"
    assert [f.confidence for f in findings(code, "BR301", "tests/test_streams.py")] == ["LOW"]
    assert [f.confidence for f in findings(code, "BR301", "app/streams.py")] == ["HIGH"]


# ------------------------------------------------------------------ contextlib.suppress around awaits
SUPPRESS = [
    """
    import asyncio
    import contextlib
    from contextlib import suppress as ignoring

    async def close_all(clients):
        for client in clients:
            with contextlib.suppress(Exception):  # ERR
                await client.aclose()

    async def publish(bus, event):
        with ignoring(BaseException):  # ERR
            await bus.publish(event)

    async def drain(stream):
        with contextlib.suppress(asyncio.CancelledError):  # ERR
            async for chunk in stream:
                await handle(chunk)
    """,
    # near misses: narrow exceptions, no await inside, sync code, cancel-and-wait, another task's cancellation
    """
    import asyncio
    import contextlib

    async def remove(path):
        with contextlib.suppress(FileNotFoundError):
            await aiofiles.os.remove(path)

    async def parse(raw):
        with contextlib.suppress(Exception):
            value = int(raw)
        return await store(value)

    def close_sync(client):
        with contextlib.suppress(Exception):
            client.close()

    async def stop(task):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def cleanup_ctx(app):
        app["listener"] = asyncio.create_task(listen(app))
        yield
        app["listener"].cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await app["listener"]

    class Poller:
        async def wait_stopped(self):
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
    """,
]


@pytest.mark.parametrize("code", SUPPRESS)
def test_suppress_around_awaits(code):
    assert fired(code, "BR303") == marked(code)


def test_suppress_message():
    code = "import contextlib\n\nasync def f(c):\n    with contextlib.suppress(Exception):\n        await c.close()\n"
    [finding] = findings(code, "BR303")
    assert "`contextlib.suppress(Exception)` around awaits" in finding.message


# ------------------------------------------------------------------ optional dependencies answer None on purpose
OPTIONAL_AUTH = [
    """
    from typing import Annotated, Optional

    from fastapi import Cookie, Depends, Header, Security
    from fastapi.security import OAuth2PasswordBearer

    oauth2 = OAuth2PasswordBearer(tokenUrl="token", auto_error=False)

    async def optional_user(token: Optional[str] = Depends(oauth2)) -> Optional[dict]:
        if token is None:
            return None
        try:
            return await decode_user(token)
        except Exception:
            return None

    async def viewer(token: Annotated[str | None, Security(oauth2)]) -> dict | None:
        try:
            return await decode_user(token)
        except Exception:
            return None

    async def session_user(session_id: str | None = Cookie(default=None)):
        try:
            return await load_session(session_id)
        except Exception:
            return

    async def get_user_or_none(authorization: str = Header(default="")) -> "User | None":
        try:
            return await decode_user(authorization)
        except Exception:
            return None
    """,
    # still swallowed: not a dependency, not optional by its signature, or not answering None
    """
    from fastapi import Depends

    async def fetch_profile(client, user_id) -> dict:
        try:
            return await client.get_profile(user_id)
        except Exception:  # ERR
            return None

    async def refresh_user(db, user_id):
        try:
            await db.refresh(user_id)
        except Exception:  # ERR
            return None

    async def audit_dependency(request, db=Depends(get_db)):
        try:
            await db.log(request.url)
        except Exception:  # ERR
            pass

    async def optional_user_strict(token: str = Depends(oauth2)) -> dict:
        try:
            return await decode_user(token)
        except Exception:  # ERR
            return None
    """,
]


@pytest.mark.parametrize("code", OPTIONAL_AUTH)
def test_optional_dependencies(code):
    assert fired(code, "BR303") == marked(code)


def test_swallowed_errors_in_test_code_are_low():
    code = "async def test_close(client):\n    try:\n        await client.close()\n    except Exception:\n        pass\n"
    assert [f.confidence for f in findings(code, "BR303", "tests/test_client.py")] == ["LOW"]
    assert [f.confidence for f in findings(code, "BR303", "app/client.py")] == ["MEDIUM"]


# ------------------------------------------------------------------ handlers around synchronous code
def test_handlers_around_sync_code_in_an_async_def_are_like_sync_functions():
    code = """
    import asyncio

    async def label(request, handler):
        name = None
        try:
            name = handler.__qualname__.split(".")[-1]
        except Exception:
            pass
        try:
            await request.app.audit(name)
        except Exception:  # ERR
            pass

    class Stream:
        async def closed(self):
            try:
                await self._reader_task
            except asyncio.CancelledError:
                pass
    """
    assert fired(code, "BR303") == marked(code)


# ----- a CancelledError handler that says why it passes (issue 12: true, low value)
def test_cancelled_error_passed_with_a_reason_is_low():
    code = """
        import asyncio
        async def process_request(self, request, send):
            response = await self.run_get_response(request)
            try:
                await self.send_response(response, send)
            except asyncio.CancelledError:
                # The client went away while the response was sent; nothing to do.
                pass
            return response
    """
    (finding,) = findings(code, "BR303")
    assert finding.confidence == "LOW"


@pytest.mark.parametrize("handler", [
    "except asyncio.CancelledError:\n                pass",
    "except asyncio.CancelledError:\n                pass  # ok",
    "except asyncio.CancelledError:\n                # the client went away\n                await self.cleanup()",
])
def test_cancelled_error_swallowed_without_a_reason_keeps_its_confidence(handler):
    code = f"""
        import asyncio
        async def process_request(self, request, send):
            try:
                await self.send_response(request, send)
            {handler}
    """
    (finding,) = findings(code, "BR303")
    assert finding.confidence == "MEDIUM"
