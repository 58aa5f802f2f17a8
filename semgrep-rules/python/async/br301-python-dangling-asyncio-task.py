import asyncio
import asyncio as aio
from asyncio import create_task, ensure_future

background_tasks = set()


async def notify(user_id):
    await asyncio.sleep(0)


async def fire_and_forget(user_id):
    # ruleid: br301-python-dangling-asyncio-task
    asyncio.create_task(notify(user_id))


async def aliased_module(user_id):
    # ruleid: br301-python-dangling-asyncio-task
    aio.create_task(notify(user_id))


async def imported_names(user_id):
    # ruleid: br301-python-dangling-asyncio-task
    create_task(notify(user_id))
    # ruleid: br301-python-dangling-asyncio-task
    ensure_future(notify(user_id))


async def via_loop(user_id):
    loop = asyncio.get_running_loop()
    # ruleid: br301-python-dangling-asyncio-task
    loop.create_task(notify(user_id))


async def via_named_loop(event_loop, user_id):
    # ruleid: br301-python-dangling-asyncio-task
    asyncio.get_event_loop().create_task(notify(user_id))


class Worker:
    def __init__(self, loop):
        self._loop = loop

    def kick(self, user_id):
        # ruleid: br301-python-dangling-asyncio-task
        self._loop.create_task(
            notify(user_id)
        )


async def in_loop(ids):
    for user_id in ids:
        # ruleid: br301-python-dangling-asyncio-task
        asyncio.ensure_future(notify(user_id))


# ---------------------------------------------------------------- negatives


async def kept_in_set(user_id):
    # ok: br301-python-dangling-asyncio-task
    task = asyncio.create_task(notify(user_id))
    background_tasks.add(task)
    task.add_done_callback(background_tasks.discard)


async def awaited(user_id):
    # ok: br301-python-dangling-asyncio-task
    await asyncio.create_task(notify(user_id))


async def returned(user_id):
    # ok: br301-python-dangling-asyncio-task
    return asyncio.ensure_future(notify(user_id))


async def gathered(ids):
    # ok: br301-python-dangling-asyncio-task
    tasks = [asyncio.create_task(notify(i)) for i in ids]
    await asyncio.gather(*tasks)


async def passed_on(user_id):
    # ok: br301-python-dangling-asyncio-task
    background_tasks.add(asyncio.create_task(notify(user_id)))


async def task_group(ids):
    async with asyncio.TaskGroup() as tg:
        for i in ids:
            # ok: br301-python-dangling-asyncio-task
            tg.create_task(notify(i))


async def nursery_like(scheduler, user_id):
    # ok: br301-python-dangling-asyncio-task
    scheduler.create_task(notify(user_id))


async def callback_chain(user_id):
    # ok: br301-python-dangling-asyncio-task
    asyncio.create_task(notify(user_id)).add_done_callback(background_tasks.discard)
