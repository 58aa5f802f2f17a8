"""BR3xx: realistic async code, tricky negatives, a dangling-task fixture, cross-file coroutines."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.project_index import build_index
from backend_rules.engine.runner import check_paths
from tests.conftest import run


def lines(code: str, select: str = "BR3", path: str = "service.py") -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in run(code, path, (select,))]


def marked(code: str, code_name: str) -> list[int]:
    """Lines of a snippet marked ``# ERR`` (the lines the rule must fire on)."""
    text = textwrap.dedent(code).removeprefix("\n")
    return [n for n, line in enumerate(text.splitlines(), start=1) if "# ERR" in line]


# --------------------------------------------------------------------------------------------
# BR301: a fixture in the spirit of ruff's RUF006 (our own text): every "# ERR" fires, nothing else
# --------------------------------------------------------------------------------------------

DANGLING_FIXTURE = """
import asyncio
from asyncio import create_task as spawn


def fire_and_forget():
    asyncio.create_task(client.connect())  # ERR


def fire_and_forget_future():
    asyncio.ensure_future(client.connect())  # ERR


def kept_in_set_with_discard():
    running = set()
    for n in range(3):
        job = asyncio.create_task(work(n))  # ERR (the local set dies with the function)
        running.add(job)
        job.add_done_callback(running.discard)


def kept_in_set_with_discard_future():
    running = set()
    for n in range(3):
        job = asyncio.ensure_future(work(n))  # ERR
        running.add(job)
        job.add_done_callback(running.discard)


def kept_in_module_set_with_discard():
    for n in range(3):
        job = asyncio.create_task(work(n))
        RUNNING.add(job)
        job.add_done_callback(RUNNING.discard)


def kept_in_local_set_that_is_returned():
    running = set()
    for n in range(3):
        job = asyncio.create_task(work(n))
        running.add(job)
        job.add_done_callback(running.discard)
    return running


def stored_on_object():
    state.job = asyncio.create_task(poll())


def appended():
    jobs.append(asyncio.create_task(self.refresh(item, meta)))


def waited_in_comprehension():
    asyncio.wait([asyncio.create_task(c.close()) for c in conns.values()])


def list_of_tasks():
    jobs = [asyncio.create_task(j) for j in pending]  # ERR


async def list_of_tasks_gathered(coros):
    jobs = [asyncio.create_task(c) for c in coros]
    await asyncio.gather(*jobs)


def bound_and_forgotten():
    job = asyncio.create_task(client.connect())  # ERR


def loop_task_annotated():
    loop = asyncio.get_running_loop()
    job: asyncio.Task = loop.create_task(client.connect())  # ERR


def added_to_a_set_only():
    job = asyncio.create_task(client.connect())
    running.add(job)


async def awaited_later():
    job = asyncio.create_task(client.connect())
    await job


def handed_to_a_function():
    keep(asyncio.create_task(client.connect()))


def loop_task_dropped():
    loop = asyncio.get_running_loop()
    loop.create_task(client.connect())  # ERR


def loop_we_cannot_see():
    loop.create_task(client.connect())


def not_a_task_method():
    loop = asyncio.get_running_loop()
    loop.do_thing(client.connect())


async def chained_assignment_awaited():
    job = spare = asyncio.create_task(client.connect())
    await job


async def chained_assignment():
    job = spare = asyncio.create_task(client.connect())


async def stored_in_subscript():
    jobs[key] = asyncio.create_task(client.connect())


async def either_branch_awaited(flag: bool):
    if flag:
        job = asyncio.create_task(fetch())
    else:
        job = asyncio.create_task(fetch())
    await job


async def awaited_in_finally(flag: bool):
    if flag:
        pending = asyncio.create_task(asyncio.sleep(1))
    else:
        pending = None
    try:
        await asyncio.sleep(1)
    finally:
        if pending:
            await pending


async def branch_never_used(flag: bool):
    if flag:
        pending = asyncio.create_task(asyncio.sleep(1))  # ERR
    else:
        pending = None


async def global_task(flag: bool):
    global CURRENT
    if flag:
        CURRENT = asyncio.create_task(asyncio.sleep(1))
    else:
        CURRENT = None


def new_loop_dropped():
    loop = asyncio.new_event_loop()
    loop.create_task(main())  # ERR


def event_loop_dropped():
    loop = asyncio.get_event_loop()
    loop.create_task(main())  # ERR


def new_loop_global():
    global job
    loop = asyncio.new_event_loop()
    job = loop.create_task(main())


def event_loop_global():
    global job
    loop = asyncio.get_event_loop()
    job = loop.create_task(main())


def aliased_import():
    spawn(client.connect())  # ERR


def nested_closure(loop):
    def later():
        loop.create_task(cleanup())  # ERR

    loop.call_later(1.0, later)
"""


def test_dangling_fixture_every_error_found_and_no_negative_flagged():
    expected = marked(DANGLING_FIXTURE, "BR301")
    assert len(expected) == 13
    assert [line for line, _ in lines(DANGLING_FIXTURE, "BR301")] == expected


@pytest.mark.parametrize(
    "code",
    [
        # run_coroutine_threadsafe from a thread, dropped
        """
        import asyncio
        def submit(loop, coro):
            asyncio.run_coroutine_threadsafe(coro, loop)  # ERR
        """,
        # executor work dropped, on self._loop
        """
        class Thumbnailer:
            def schedule(self, path):
                self._loop.run_in_executor(None, resize, path)  # ERR
        """,
        # the loop from a call
        """
        import asyncio
        def kick():
            asyncio.get_event_loop().create_task(refresh())  # ERR
        """,
        # FastAPI startup hook dropping its poller
        """
        import asyncio
        from fastapi import FastAPI
        app = FastAPI()

        @app.on_event("startup")
        async def start_poller():
            poller = asyncio.create_task(poll_forever())  # ERR
            print("started")
        """,
        # module-level tasks live as long as the module; stored on a class attribute
        """
        import asyncio
        loop = asyncio.new_event_loop()
        HEARTBEAT = loop.create_task(beat())

        class Service:
            async def start(self):
                self._tasks["beat"] = asyncio.create_task(beat())
                Service.current = asyncio.create_task(beat())
        """,
        # passed to shield / wait_for / return, in a lambda, yielded
        """
        import asyncio

        async def guarded(coro):
            return await asyncio.shield(asyncio.create_task(coro))

        def factory(coro):
            return lambda: asyncio.create_task(coro)

        async def stream(coros):
            for coro in coros:
                yield asyncio.create_task(coro)
        """,
        # a done-callback hangs on the task itself: it observes the task, it does not keep it;
        # cancel is a use
        """
        import asyncio

        def watch(coro, on_done):
            job = asyncio.ensure_future(coro)  # ERR
            job.add_done_callback(on_done)

        async def race(coro):
            job = asyncio.create_task(coro)
            await asyncio.sleep(1)
            job.cancel()
        """,
    ],
)
def test_dangling_task_variants(code):
    assert [line for line, _ in lines(code, "BR301")] == marked(code, "BR301")


# --------------------------------------------------------------------------------------------
# BR302: unawaited coroutines
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        # same-module function, dropped in async and in sync code
        """
        async def send_email(to):
            ...

        async def signup(user):
            send_email(user.email)  # ERR

        def resend(user):
            send_email(user.email)  # ERR
        """,
        # self./cls. methods, inherited from a base in the same module
        """
        class Base:
            async def flush(self):
                ...

            @classmethod
            async def create(cls):
                ...

        class Cache(Base):
            async def put(self, key, value):
                self.data[key] = value
                self.flush()  # ERR

            @classmethod
            async def build(cls):
                cls.create()  # ERR
                return await cls.create()
        """,
        # httpx / aiohttp clients, with-bound and constructed
        """
        import httpx
        import aiohttp

        async def ping(url):
            async with httpx.AsyncClient() as client:
                client.get(url)  # ERR
            session = aiohttp.ClientSession()
            async with session.get(url) as resp:
                data = resp.json()  # ERR
                return data["ok"]
        """,
        # redis.asyncio on self, asyncpg pool and connection
        """
        import asyncpg
        import redis.asyncio as aioredis

        class Store:
            def __init__(self, url):
                self.redis = aioredis.from_url(url)

            async def remember(self, key, value):
                self.redis.set(key, value)  # ERR

        async def record(dsn, event):
            pool = await asyncpg.create_pool(dsn)
            async with pool.acquire() as conn:
                conn.execute("INSERT INTO events VALUES ($1)", event)  # ERR
        """,
        # SQLAlchemy AsyncSession from a parameter annotation and from a sessionmaker
        """
        from typing import Optional
        from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

        Session = async_sessionmaker()

        async def archive(session: Optional[AsyncSession], post):
            session.delete(post)  # ERR
            session.add(post)
            await session.commit()

        async def purge(post):
            async with Session() as session:
                session.commit()  # ERR
        """,
        # Starlette request/websocket
        """
        from fastapi import Request, WebSocket

        async def create(request: Request):
            body = request.json()  # ERR
            return body["name"]

        async def chat(ws: WebSocket):
            await ws.accept()
            ws.send_text("hello")  # ERR
        """,
        # asyncio library coroutines, aliased
        """
        import asyncio as aio
        from asyncio import sleep

        async def backoff(n):
            sleep(2 ** n)  # ERR
            aio.wait_for(fetch(), 3)  # ERR
            aio.gather(a(), b())  # a future whose tasks run: BR301, not BR302
            queue = aio.Queue()
            queue.put(n)  # ERR
            queue.put_nowait(n)
        """,
        # instances of the module's classes, from a constructor, an annotation, or self.attr
        """
        class Mailer:
            async def send(self, to):
                ...

            def render(self, to):
                return to

        mailer = Mailer()

        class Signup:
            def __init__(self):
                self.mailer = Mailer()

            async def run(self, user, other: Mailer):
                self.mailer.send(user)  # ERR
                mailer.send(user)  # ERR
                other.send(user)  # ERR
                other.render(user)
        """,
        # used as a value: in a condition, a loop, a comparison
        """
        import redis.asyncio as redis

        cache = redis.Redis()

        async def seen(key):
            if cache.exists(key):  # ERR
                return True
            for item in cache.lrange(key, 0, -1):  # ERR
                print(item)
            return not cache.get(key)  # ERR
        """,
        # coroutine objects where a function is expected
        """
        import asyncio
        import threading
        from fastapi import BackgroundTasks

        async def send_email(to):
            ...

        async def register(email, tasks: BackgroundTasks):
            tasks.add_task(send_email(email))  # ERR
            tasks.add_task(send_email, email)
            loop = asyncio.get_running_loop()
            loop.call_soon(send_email(email))  # ERR
            loop.call_later(5, send_email(email))  # ERR
            await loop.run_in_executor(None, send_email(email))  # ERR
            threading.Thread(target=send_email(email)).start()  # ERR
        """,
    ],
)
def test_unawaited_coroutine_variants(code):
    assert [line for line, _ in lines(code, "BR302")] == marked(code, "BR302")


@pytest.mark.parametrize(
    "code",
    [
        # passed on in every way
        """
        import asyncio

        async def job(n):
            ...

        def main():
            asyncio.run(job(1))
            loop = asyncio.new_event_loop()
            loop.run_until_complete(job(2))
            coro = job(3)
            loop.run_until_complete(coro)
            pending = [job(n) for n in range(3)]
            return asyncio.gather(*pending)

        async def wrapper():
            return job(4)

        def make():
            yield job(5)
        """,
        # sync namesakes: a sync method in the same class, a local function, a parameter
        """
        async def refresh():
            ...

        class Poller:
            def refresh(self):
                ...

            def tick(self):
                self.refresh()

        def run(refresh):
            refresh()

        def other():
            def refresh():
                return 1
            refresh()
        """,
        # decorated async defs that are not plain coroutine functions
        """
        from contextlib import asynccontextmanager
        import pytest

        @asynccontextmanager
        async def lifespan(app):
            yield

        @pytest.fixture
        async def client():
            ...

        def setup(app):
            lifespan(app)
            client()
        """,
        # sync clients and unknown receivers
        """
        import httpx
        import redis

        def sync_calls(url, obj):
            httpx.Client().get(url)
            r = redis.Redis()
            r.set("k", "v")
            obj.commit()
        """,
        # coroutine object methods and awaited later through an alias
        """
        async def work():
            ...

        def cleanup():
            coro = work()
            coro.close()

        async def later():
            coro = work()
            other = coro
            await other
        """,
        # a function defined both async and sync (fallback) is not known to be async
        """
        try:
            from fastlib import fetch
        except ImportError:
            async def fetch(url):
                ...

        def use(url):
            fetch(url)
        """,
        # an add_task on something that is not a BackgroundTasks
        """
        async def job():
            ...

        def plan(scheduler):
            scheduler.add_task(job())
        """,
    ],
)
def test_unawaited_coroutine_negatives(code):
    assert lines(code, "BR302") == []


# --------------------------------------------------------------------------------------------
# BR302 across modules: the project index
# --------------------------------------------------------------------------------------------


def _write(root, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).removeprefix("\n"), encoding="utf-8")


PROJECT = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "shop/__init__.py": "",
    "shop/mail/__init__.py": "from .sender import send_receipt\n",
    "shop/mail/sender.py": """
        async def send_receipt(order):
            ...

        def render_receipt(order):
            return str(order)
        """,
    "shop/repo.py": """
        class Repository:
            async def save(self, item):
                ...

            def describe(self):
                return "repo"
        """,
    "shop/services.py": """
        from shop.repo import Repository


        async def audit(repo: Repository, item):
            repo.save(item)
            Repository().save(item)
            repo.describe()
        """,
    "shop/views.py": """
        from shop.mail import send_receipt
        from shop.mail.sender import render_receipt
        from shop import repo as repositories
        from .repo import Repository


        class OrderRepository(Repository):
            def checkout_sync(self, order):
                self.save(order)
                self.describe()


        async def checkout(order):
            render_receipt(order)
            send_receipt(order)
            repositories.Repository.save(None, order)
            await send_receipt(order)
        """,
}


def test_cross_file_coroutines_through_check_paths(tmp_path):
    _write(tmp_path, PROJECT)
    report = check_paths([str(tmp_path)], Config(select=("BR302",)), jobs=1, use_cache=False)
    found = sorted((f.path.rsplit("/", 1)[-1], f.line) for f in report.findings)
    assert found == [("services.py", 5), ("services.py", 6), ("views.py", 9), ("views.py", 15),
                     ("views.py", 16)], report.findings


def test_cross_file_coroutines_through_check_source(tmp_path):
    _write(tmp_path, PROJECT)
    path = tmp_path / "shop" / "views.py"
    findings = check_source(
        path.read_text(), str(path), Config(select=("BR302",)),
        project_loader=lambda: build_index(str(tmp_path), use_cache=False),
    )
    assert [(f.line, f.code) for f in findings] == [(9, "BR302"), (15, "BR302"), (16, "BR302")]
    assert "send_receipt()" in findings[1].message


def test_cross_file_without_index_is_silent(tmp_path):
    _write(tmp_path, PROJECT)
    path = tmp_path / "shop" / "views.py"
    findings = check_source(path.read_text(), str(path), Config(select=("BR302",)), project_loader=lambda: None)
    assert findings == []


# --------------------------------------------------------------------------------------------
# BR303: swallowed errors in async code
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        """
        import asyncio

        async def consumer(queue):
            while True:
                item = await queue.get()
                try:
                    await handle(item)
                except Exception:  # ERR
                    await asyncio.sleep(1)
                    continue

        async def close(ws):
            try:
                await ws.close()
            except BaseException:  # ERR
                return

        async def poll(client):
            try:
                return await client.get("/health")
            except:  # ERR
                return None
        """,
        """
        import asyncio
        from asyncio import CancelledError

        async def heartbeat(ws):
            try:
                while True:
                    await ws.ping()
                    await asyncio.sleep(10)
            except asyncio.CancelledError:  # ERR
                logger.info("heartbeat stopped")

        async def reader(stream):
            try:
                async for chunk in stream:
                    await process(chunk)
            except (ValueError, CancelledError):  # ERR
                return None

        async def listen(sub):
            try:
                await sub.listen()
            except asyncio.exceptions.CancelledError:  # ERR
                pass
        """,
    ],
)
def test_swallowed_exception_variants(code):
    assert [line for line, _ in lines(code, "BR303")] == marked(code, "BR303")


def test_swallowed_exception_negatives():
    code = """
    import asyncio
    import logging
    import sentry_sdk
    import traceback

    log = logging.getLogger(__name__)

    async def logged(job):
        try:
            await job()
        except Exception as exc:
            log.error("job failed: %s", exc, exc_info=True)

    async def reported(job):
        try:
            await job()
        except Exception as exc:
            sentry_sdk.capture_exception(exc)

    async def printed(job):
        try:
            await job()
        except Exception:
            traceback.print_exc()

    async def reraised(job):
        try:
            await job()
        except BaseException:
            await job.rollback()
            raise

    async def recorded(job, errors):
        try:
            await job()
        except Exception as exc:
            errors.append(exc)

    async def fallback(cache, key):
        try:
            return await cache.get(key)
        except Exception:
            return await db_lookup(key)

    async def narrow(d, k):
        try:
            return d[k]
        except (KeyError, IndexError):
            pass

    async def stop_all(tasks):
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def result_of_other(task):
        try:
            return task.result()
        except asyncio.CancelledError:
            return None

    async def cleanup(app):
        errors = []
        try:
            await app.close()
        except (Exception, asyncio.CancelledError) as exc:
            errors.append(exc)
        if errors:
            raise errors[0]

    def sync_code():
        try:
            risky()
        except Exception:
            pass

    async def outer():
        def callback(fut):
            try:
                fut.result()
            except Exception:
                pass
        return callback
    """
    assert lines(code, "BR303") == []


# --------------------------------------------------------------------------------------------
# BR304: gather(..., return_exceptions=True)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        """
        import asyncio

        async def warm_all(caches):
            await asyncio.gather(*(c.warm() for c in caches), return_exceptions=True)  # ERR

        async def fetch_all(urls):
            pages = await asyncio.gather(*map(fetch, urls), return_exceptions=True)  # ERR
            return [len(p) for p in pages]

        async def each(urls):
            for page in await asyncio.gather(*map(fetch, urls), return_exceptions=True):  # ERR
                print(page)
        """,
    ],
)
def test_unobserved_gather_variants(code):
    assert [line for line, _ in lines(code, "BR304")] == marked(code, "BR304")


def test_unobserved_gather_negatives():
    code = """
    import asyncio

    async def checked(coros):
        results = await asyncio.gather(*coros, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise ExceptionGroup("failed", errors)

    async def zipped(users):
        results = await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
        for user, result in zip(users, results):
            if isinstance(result, (ValueError, Exception)):
                log.warning("notify %s failed", user, exc_info=result)

    async def handed_over(coros):
        results = await asyncio.gather(*coros, return_exceptions=True)
        report_failures(results)

    async def returned(coros):
        return await asyncio.gather(*coros, return_exceptions=True)

    async def kept(self, coros):
        self.results = await asyncio.gather(*coros, return_exceptions=True)

    async def raising(coros):
        await asyncio.gather(*coros)
    """
    assert lines(code, "BR304") == []


# --------------------------------------------------------------------------------------------
# the family together
# --------------------------------------------------------------------------------------------


def test_findings_do_not_double_up():
    code = """
    import asyncio

    async def notify():
        ...

    async def main():
        asyncio.gather(notify(), return_exceptions=True)
        asyncio.create_task(notify())
    """
    assert lines(code) == [(7, "BR301"), (8, "BR301")]


def test_trigger_skips_sync_modules():
    from backend_rules.engine.registry import all_rules

    sync_module = "import requests\n\ndef get(url):\n    try:\n        return requests.get(url)\n    except Exception:\n        pass\n"
    for code in ("BR301", "BR302", "BR303", "BR304"):
        assert not all_rules()[code].trigger().search(sync_module), code


def test_self_referencing_factory_bindings_do_not_recurse_forever():
    from tests.conftest import run

    code = """
        import aiohttp
        class Request:
            def update(self, body: Any) -> None:
                if isinstance(body, FormData):
                    body = body()
                self.headers = body
            def cookies(self):
                return self.headers.get("cookie", "")
    """
    assert all(f.code != "BR000" for f in run(code, select=("BR3",)))
