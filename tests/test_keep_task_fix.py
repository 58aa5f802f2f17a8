"""BR301's fix: a dropped task is kept in a module-level set until done, or given to the TaskGroup."""

from __future__ import annotations

import textwrap

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.fixer import apply_fixes


def _findings(source: str):
    return check_source(source, "app/tasks.py", Config(select=("BR301",), min_confidence="LOW"),
                        project_loader=lambda: None)


def _fixed(source: str, unsafe: bool = True) -> str:
    source = textwrap.dedent(source).removeprefix("\n")
    findings = _findings(source)
    assert findings
    fixed, applied = apply_fixes(source, findings, unsafe=unsafe)
    if applied:
        compile(fixed, "x.py", "exec")
        assert _findings(fixed) == []
    return fixed


def _same(fixed: str, expected: str) -> None:
    assert fixed == textwrap.dedent(expected).removeprefix("\n")


def test_dropped_task_is_kept_in_a_module_set_only_with_unsafe_fixes():
    source = """
        \"\"\"Signup.\"\"\"
        import asyncio

        from app.mail import send_welcome_email


        async def signup(user):
            if user.active:
                asyncio.create_task(send_welcome_email(user))  # fire and forget
            return user
        """
    assert _fixed(source, unsafe=False) == textwrap.dedent(source).removeprefix("\n")
    _same(_fixed(source), """
        \"\"\"Signup.\"\"\"
        import asyncio

        from app.mail import send_welcome_email
        _background_tasks: set[asyncio.Task] = set()  # tasks kept alive until done (the loop holds only weak references)


        async def signup(user):
            if user.active:
                task = asyncio.create_task(send_welcome_email(user))
                _background_tasks.add(task)
                task.add_done_callback(_background_tasks.discard)  # fire and forget
            return user
        """)


def test_two_tasks_share_one_set_and_a_taken_name_is_avoided():
    _same(_fixed("""
        from asyncio import ensure_future

        def on_message(msg, task):
            ensure_future(handle(msg, task))
            ensure_future(audit(msg))
        """), """
        from asyncio import ensure_future
        _background_tasks: set = set()  # tasks kept alive until done (the loop holds only weak references)

        def on_message(msg, task):
            task_2 = ensure_future(handle(msg, task))
            _background_tasks.add(task_2)
            task_2.add_done_callback(_background_tasks.discard)
            task_2 = ensure_future(audit(msg))
            _background_tasks.add(task_2)
            task_2.add_done_callback(_background_tasks.discard)
        """)


def test_existing_set_is_reused_and_a_forgotten_local_is_kept():
    _same(_fixed("""
        import asyncio as aio

        _background_tasks = set()

        async def refresh(cache):
            loop = aio.get_running_loop()
            job = loop.create_task(cache.reload())
            return "ok"
        """), """
        import asyncio as aio

        _background_tasks = set()

        async def refresh(cache):
            loop = aio.get_running_loop()
            job = loop.create_task(cache.reload())
            _background_tasks.add(job)
            job.add_done_callback(_background_tasks.discard)
            return "ok"
        """)


def test_inside_a_task_group_the_group_creates_the_task():
    _same(_fixed("""
        import asyncio

        async def main(jobs, log):
            async with asyncio.TaskGroup() as tg:
                for job in jobs:
                    asyncio.create_task(job.run())
                tg.create_task(log.flush())
        """), """
        import asyncio

        async def main(jobs, log):
            async with asyncio.TaskGroup() as tg:
                for job in jobs:
                    tg.create_task(job.run())
                tg.create_task(log.flush())
        """)


def test_no_fix_for_gather_executors_local_collections_and_one_line_suites():
    source = textwrap.dedent("""
        import asyncio

        async def warm(caches, loop, job, flag):
            asyncio.gather(*(c.warm() for c in caches))
            loop.run_in_executor(None, job.run)
            pending = set()
            pending.add(asyncio.create_task(job.go()))
            if flag: asyncio.create_task(job.other())
        """).removeprefix("\n")
    findings = _findings(source)
    assert len(findings) == 4 and all(f.fix is None for f in findings), findings


def test_a_name_taken_by_something_else_blocks_the_fix():
    source = textwrap.dedent("""
        import asyncio
        _background_tasks = []

        async def go(job):
            asyncio.create_task(job.run())
        """).removeprefix("\n")
    assert [f.fix for f in _findings(source)] == [None]
