"""BR3xx: async errors nobody will ever see.

In Python an async failure surfaces, if at all, as "Task exception was never retrieved" when a task
is garbage-collected, or as "coroutine ... was never awaited" — or not at all, when a task is
collected mid-flight. These rules find the places where that happens:

- BR301 a task whose reference is dropped (the event loop keeps only a weak reference);
- BR302 a coroutine that is created but never awaited (or handed over where a callable belongs);
- BR303 a broad handler or a ``CancelledError`` handler in async code that swallows the error;
- BR304 ``gather(..., return_exceptions=True)`` whose results are never checked for exceptions.

Names go through the file's import aliases; locals are followed through the function they live
in; coroutine functions of other project modules come from the project index (``async_defs``).
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Callable

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.project_facts import fact_collector, module_name
from backend_rules.rule import Invalid, Rule
from backend_rules.analysis.walk import Visitor, find

FAMILY = "BR3"

# --------------------------------------------------------------------------------------------
# Knowledge tables
# --------------------------------------------------------------------------------------------

TASK_FACTORIES = {
    "asyncio.create_task": "asyncio.create_task()",
    "asyncio.tasks.create_task": "asyncio.create_task()",
    "asyncio.ensure_future": "asyncio.ensure_future()",
    "asyncio.tasks.ensure_future": "asyncio.ensure_future()",
    "asyncio.run_coroutine_threadsafe": "asyncio.run_coroutine_threadsafe()",
    "asyncio.tasks.run_coroutine_threadsafe": "asyncio.run_coroutine_threadsafe()",
}
LOOP_METHODS = {"create_task", "run_in_executor", "ensure_future"}
LOOP_NAME = re.compile(r"^_*(event_?)?loop$|_loop$")
LOOP_FACTORIES = {"asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop",
                  "asyncio.events.get_event_loop", "asyncio.events.get_running_loop"}

# Module-level library functions that return a coroutine (or a future whose errors are lost when
# it is dropped). Functions that return awaitable context managers are left out on purpose.
KNOWN_COROUTINES = {
    "asyncio.sleep", "asyncio.wait_for", "asyncio.wait", "asyncio.gather", "asyncio.shield",
    "asyncio.open_connection", "asyncio.open_unix_connection", "asyncio.start_server",
    "asyncio.start_unix_server", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
    "asyncio.to_thread", "asyncio.staggered.staggered_race",
    "asyncio.tasks.sleep", "asyncio.tasks.wait_for", "asyncio.tasks.gather", "asyncio.tasks.wait",
    "anyio.sleep", "anyio.to_thread.run_sync", "anyio.open_process", "anyio.run_process",
    "trio.sleep", "asyncpg.connect", "aiofiles.os.remove", "aiofiles.os.rename", "aiofiles.os.stat",
    "aiofiles.os.makedirs", "aiofiles.os.mkdir",
}

# Receiver "types" -> the methods of that type that are coroutines.
HTTPX_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "aclose"}
AIOHTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "close", "ws_connect"}
REDIS_METHODS = {
    "get", "set", "delete", "exists", "expire", "expireat", "ttl", "pttl", "incr", "decr", "incrby",
    "decrby", "hget", "hset", "hmset", "hgetall", "hdel", "hincrby", "hexists", "hkeys", "hvals",
    "lpush", "rpush", "lpop", "rpop", "lrange", "llen", "ltrim", "blpop", "brpop", "sadd", "srem",
    "smembers", "sismember", "scard", "zadd", "zrange", "zrangebyscore", "zrem", "zscore", "zincrby",
    "zcard", "publish", "setex", "setnx", "psetex", "mget", "mset", "keys", "scan", "flushdb",
    "flushall", "ping", "close", "aclose", "eval", "evalsha", "xadd", "xread", "xreadgroup", "xack",
    "getdel", "getex", "getset", "unlink", "persist", "rename", "append", "info", "dbsize",
}
ASYNCPG_METHODS = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "copy_from_table",
                   "copy_to_table", "copy_records_to_table", "copy_from_query", "close", "prepare",
                   "reload_schema_state", "set_type_codec", "set_builtin_type_codec", "add_listener",
                   "remove_listener", "reset"}
ASYNCPG_POOL_METHODS = {"execute", "executemany", "fetch", "fetchrow", "fetchval", "close", "release",
                        "expire_connections", "copy_records_to_table"}
AIOSQLITE_METHODS = {"execute", "executemany", "executescript", "execute_fetchall", "execute_insert",
                     "commit", "rollback", "close", "create_function", "backup", "set_progress_handler"}
ASYNC_SESSION_METHODS = {"execute", "scalar", "scalars", "get", "get_one", "commit", "rollback", "flush",
                         "refresh", "delete", "merge", "close", "stream", "stream_scalars", "run_sync",
                         "connection", "invalidate", "reset"}
ASYNC_CONNECTION_METHODS = {"execute", "scalar", "scalars", "commit", "rollback", "close", "run_sync",
                            "stream", "stream_scalars", "exec_driver_sql", "start", "invalidate"}
TYPE_METHODS: dict[str, set[str]] = {
    "httpx": HTTPX_METHODS,
    "aiohttp_session": AIOHTTP_METHODS,
    "aiohttp_response": {"json", "text", "read", "wait_for_close"},
    "aiohttp_request": {"json", "text", "read", "post", "multipart"},
    "redis": REDIS_METHODS,
    "asyncpg": ASYNCPG_METHODS,
    "asyncpg_pool": ASYNCPG_POOL_METHODS,
    "aiosqlite": AIOSQLITE_METHODS,
    "async_session": ASYNC_SESSION_METHODS,
    "async_connection": ASYNC_CONNECTION_METHODS,
    "async_engine": {"dispose"},
    "queue": {"put", "get", "join"},
    "lock": {"acquire"},
    "event": {"wait"},
    "condition": {"wait", "wait_for", "acquire"},
    "stream_writer": {"drain", "wait_closed", "start_tls"},
    "stream_reader": {"read", "readline", "readexactly", "readuntil"},
    "starlette_request": {"json", "body", "form", "is_disconnected", "send_push_promise"},
    "starlette_ws": {"accept", "send_text", "send_json", "send_bytes", "receive_text", "receive_json",
                     "receive_bytes", "receive", "send", "close"},
}
TYPED_METHOD_NAMES = frozenset().union(*TYPE_METHODS.values())
# Top-level packages whose objects have coroutine methods (typed by receiver in BR302).
ASYNC_LIBRARIES = {"httpx", "aiohttp", "redis", "asyncpg", "aiosqlite", "sqlalchemy", "sqlmodel", "starlette",
                   "fastapi", "asyncio", "aiomysql", "aiopg", "databases", "motor", "aioredis", "anyio"}
TYPE_NAMES = {
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp_session", "aiohttp.client.ClientSession": "aiohttp_session",
    "aiohttp.ClientResponse": "aiohttp_response", "aiohttp.client_reqrep.ClientResponse": "aiohttp_response",
    "aiohttp.web.Request": "aiohttp_request", "aiohttp.web_request.Request": "aiohttp_request",
    "aiohttp.web.BaseRequest": "aiohttp_request", "aiohttp.web_request.BaseRequest": "aiohttp_request",
    "redis.asyncio.Redis": "redis", "redis.asyncio.StrictRedis": "redis", "redis.asyncio.from_url": "redis",
    "redis.asyncio.Redis.from_url": "redis", "redis.asyncio.client.Redis": "redis",
    "aioredis.Redis": "redis", "aioredis.from_url": "redis", "aioredis.StrictRedis": "redis",
    "asyncpg.Connection": "asyncpg", "asyncpg.connection.Connection": "asyncpg",
    "asyncpg.Pool": "asyncpg_pool", "asyncpg.pool.Pool": "asyncpg_pool",
    "aiosqlite.Connection": "aiosqlite", "aiosqlite.core.Connection": "aiosqlite",
    "sqlalchemy.ext.asyncio.AsyncSession": "async_session",
    "sqlalchemy.ext.asyncio.session.AsyncSession": "async_session",
    "sqlmodel.ext.asyncio.session.AsyncSession": "async_session",
    "sqlalchemy.ext.asyncio.AsyncConnection": "async_connection",
    "sqlalchemy.ext.asyncio.AsyncEngine": "async_engine",
    "sqlalchemy.ext.asyncio.create_async_engine": "async_engine",
    "sqlalchemy.ext.asyncio.async_sessionmaker": "session_factory",
    "asyncio.Queue": "queue", "asyncio.PriorityQueue": "queue", "asyncio.LifoQueue": "queue",
    "asyncio.queues.Queue": "queue",
    "asyncio.Lock": "lock", "asyncio.Semaphore": "lock", "asyncio.BoundedSemaphore": "lock",
    "asyncio.Event": "event", "asyncio.Condition": "condition",
    "asyncio.StreamWriter": "stream_writer", "asyncio.StreamReader": "stream_reader",
    "fastapi.Request": "starlette_request", "fastapi.requests.Request": "starlette_request",
    "starlette.requests.Request": "starlette_request",
    "fastapi.WebSocket": "starlette_ws", "fastapi.websockets.WebSocket": "starlette_ws",
    "starlette.websockets.WebSocket": "starlette_ws",
}
# What awaiting (or entering) a call gives, when the call is not itself a constructor above.
AWAITED_TYPES = {"asyncpg.connect": "asyncpg", "asyncpg.create_pool": "asyncpg_pool",
                 "aiosqlite.connect": "aiosqlite"}
# Class and factory names through which BR302 types a receiver (constructors, annotations, with).
TYPE_CLASS_NAMES = frozenset(
    name.rsplit(".", 1)[-1] for name in [*TYPE_NAMES, *AWAITED_TYPES]
) | {"AsyncSession", "AsyncConnection", "AsyncEngine", "async_sessionmaker", "sessionmaker"}
# (receiver type, method) -> the type of the value the method gives (awaited or entered).
METHOD_RESULTS = {
    ("asyncpg_pool", "acquire"): "asyncpg",
    ("async_engine", "connect"): "async_connection",
    ("async_engine", "begin"): "async_connection",
    **{("aiohttp_session", m): "aiohttp_response" for m in AIOHTTP_METHODS - {"close", "ws_connect"}},
}

# Decorators that keep an ``async def`` a coroutine function when applied.
SAFE_DECORATORS = {
    "staticmethod", "classmethod", "abstractmethod", "override", "overload", "wraps", "get", "post",
    "put", "delete", "patch", "head", "options", "route", "api_route", "websocket", "websocket_route",
    "on_event", "exception_handler", "middleware", "retry", "inject", "traced", "trace", "timed",
    "instrument", "log_errors", "typechecked", "validate_call", "final", "lru_cache",
}
# Calls that take a *callable*; a coroutine object in that slot is a bug.
# method name -> (positional index, keyword name)
CALLABLE_SLOTS = {
    "add_task": (0, "func"),
    "call_soon": (0, "callback"),
    "call_soon_threadsafe": (0, "callback"),
    "call_later": (1, "callback"),
    "call_at": (1, "callback"),
    "run_in_executor": (1, "func"),
    "submit": (0, "fn"),
}
CALLABLE_FUNCTIONS = {
    "threading.Thread": (-1, "target"),
    "threading.Timer": (1, "function"),
    "multiprocessing.Process": (-1, "target"),
    "asyncio.to_thread": (0, "func"),
    "atexit.register": (0, "func"),
    "starlette.background.BackgroundTask": (0, "func"),
    "fastapi.BackgroundTasks": (0, "func"),
    "anyio.to_thread.run_sync": (0, "func"),
}
BACKGROUND_RECEIVER = re.compile(r"(?i)background|(^|_)bg(_|$)|tasks$")
EXECUTOR_RECEIVER = re.compile(r"(?i)executor|(^|_)pool$")
COROUTINE_OBJECT_METHODS = {"send", "throw", "close", "__await__", "cr_frame", "cr_running", "cr_code"}

CANCELLED = {"asyncio.CancelledError", "asyncio.exceptions.CancelledError", "asyncio.futures.CancelledError",
             "concurrent.futures.CancelledError", "anyio.get_cancelled_exc_class"}
BROAD = {"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"}
TRANSPARENT_CALLS = {"zip", "enumerate", "list", "tuple", "len", "print", "sorted", "reversed", "iter",
                     "sum", "set", "dict", "filter", "map"}
EXCEPTION_NAME = re.compile(r"(Exception|Error|BaseException|Exc)$|^(Exception|BaseException)$")

REMEDY_TASK = "keep a reference (a set + add_done_callback(set.discard)) or use a TaskGroup"


# --------------------------------------------------------------------------------------------
# Shared helpers (cached per file on the context)
# --------------------------------------------------------------------------------------------


def _cache(context: Any) -> dict:
    cache = context.__dict__.get("_async_tasks_cache")
    if cache is None:
        cache = context.__dict__["_async_tasks_cache"] = {}
    return cache


def innermost_function(stack: list[cst.CSTNode]) -> cst.FunctionDef | cst.Lambda | None:
    for node in reversed(stack):
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return node
    return None


def in_async_function(stack: list[cst.CSTNode]) -> bool:
    func = innermost_function(stack)
    return isinstance(func, cst.FunctionDef) and func.asynchronous is not None


class NameUse:
    """One read of a local name and what surrounds it."""

    __slots__ = ("grandparent", "kind", "node", "parent")

    def __init__(self, kind: str, node: cst.Name, parent: cst.CSTNode | None, grandparent: cst.CSTNode | None):
        self.kind, self.node, self.parent, self.grandparent = kind, node, parent, grandparent


class ScopeUses:
    """Every read of every name inside one function (closures included), plus global names."""

    def __init__(self) -> None:
        self.uses: dict[str, list[NameUse]] = {}
        self.declared_global: set[str] = set()
        self.calls: list[cst.Call] = []


STORE_CONTAINERS = (cst.Element, cst.Tuple, cst.List, cst.StarredElement)


class _UseCollector(Visitor):
    def __init__(self, result: ScopeUses) -> None:
        self.result = result
        self.stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            self._name(node)
        elif isinstance(node, (cst.Global, cst.Nonlocal)):
            for item in node.names:
                self.result.declared_global.add(item.name.value)
        elif isinstance(node, cst.Call):
            self.result.calls.append(node)
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()

    def _name(self, node: cst.Name) -> None:
        parent = self.stack[-1] if self.stack else None
        grand = self.stack[-2] if len(self.stack) > 1 else None
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            return
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            return
        if isinstance(parent, (cst.Param, cst.FunctionDef, cst.ClassDef, cst.ImportAlias, cst.AsName,
                               cst.Global, cst.Nonlocal, cst.NameItem)):
            return
        # climb out of tuple/list targets: ``a, b = ...``
        index = len(self.stack) - 1
        child: cst.CSTNode = node
        while index >= 0 and isinstance(self.stack[index], STORE_CONTAINERS):
            child = self.stack[index]
            index -= 1
        holder = self.stack[index] if index >= 0 else None
        if isinstance(holder, cst.AssignTarget) and holder.target is child:
            return
        if isinstance(holder, (cst.AnnAssign, cst.NamedExpr)) and holder.target is child:
            return
        if isinstance(holder, (cst.For, cst.CompFor)) and holder.target is child:
            return
        if isinstance(holder, cst.AugAssign) and holder.target is child:
            kind = "augassign"
        elif isinstance(parent, cst.Await):
            kind = "await"
        elif isinstance(parent, cst.Arg):
            kind = "arg"
        elif isinstance(parent, (cst.Return, cst.Yield, cst.Lambda)):
            kind = "return"
        elif isinstance(parent, (cst.Element, cst.DictElement, cst.StarredElement, cst.StarredDictElement)):
            kind = "collection"
        elif isinstance(parent, (cst.Assign, cst.AnnAssign)):
            kind = "alias"
        elif isinstance(parent, cst.Attribute):
            kind = "attr"
        elif isinstance(parent, cst.Subscript):
            kind = "subscript"
        elif isinstance(parent, cst.WithItem):
            kind = "with"
        elif isinstance(parent, (cst.For, cst.CompFor)):
            kind = "iterate"
        else:
            kind = "other"
        self.result.uses.setdefault(node.value, []).append(NameUse(kind, node, parent, grand))


def scope_uses(context: Any, scope: cst.CSTNode) -> ScopeUses:
    cache = _cache(context).setdefault("uses", {})
    result = cache.get(id(scope))
    if result is None:
        result = cache[id(scope)] = ScopeUses()
        collector = _UseCollector(result)
        body = scope.body if isinstance(scope, (cst.FunctionDef, cst.Lambda)) else scope
        collector.walk(body)
    return result


def fate(stack: list[cst.CSTNode], node: cst.BaseExpression) -> tuple[str, cst.CSTNode | None]:
    """What happens to the value of ``node``: dropped, assigned, used as attribute, passed on."""
    parent = stack[-1] if stack else None
    if isinstance(parent, cst.Expr):
        return "dropped", parent
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is node:
        return "assigned", parent
    if isinstance(parent, cst.Attribute) and parent.value is node:
        return "attribute", parent
    if isinstance(parent, cst.Subscript) and parent.value is node:
        return "subscript", parent
    if isinstance(parent, cst.Arg) and len(stack) > 1 and isinstance(stack[-2], cst.Call):
        return "argument", parent
    if (isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is node) or (
            isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is node) or isinstance(
            parent, (cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.ComparisonTarget)):
        return "value", parent
    return "passed", parent


def assigned_local(parent: cst.CSTNode, stack: list[cst.CSTNode]) -> str | None:
    """The single local name an Assign/AnnAssign binds inside a function, else None (kept)."""
    if isinstance(parent, cst.Assign):
        if len(parent.targets) != 1:
            return None
        target = parent.targets[0].target
    elif isinstance(parent, cst.AnnAssign):
        target = parent.target
    else:
        return None
    if not isinstance(target, cst.Name):
        return None
    scope = enclosing_scope(stack)
    if not isinstance(scope, cst.FunctionDef):
        return None  # module and class attributes live as long as the module
    # the statement must belong to the function itself, not a class body nested inside it
    for node in reversed(stack):
        if isinstance(node, cst.ClassDef):
            return None
        if node is scope:
            break
    return target.value


def forgotten_local(context: Any, parent: cst.CSTNode, stack: list[cst.CSTNode],
                    keeps: Callable[[Any], bool]) -> str | None:
    """The local a call's result was assigned to, when no later use of it ``keeps`` it alive
    (awaits, returns, stores or passes it on); None when it is kept or not a plain local."""
    name = assigned_local(parent, stack)
    if name is None:
        return None
    uses = scope_uses(context, enclosing_scope(stack))
    if name in uses.declared_global or any(keeps(use) for use in uses.uses.get(name, ())):
        return None
    return name


def is_async_generator(func: cst.FunctionDef) -> bool:
    return find(func.body, lambda node: isinstance(node, cst.Yield)) is not None


def _decorator_name(decorator: cst.BaseExpression) -> str:
    if isinstance(decorator, cst.Call):
        decorator = decorator.func
    return (dotted_name(decorator) or "").split(".")[-1]


def is_plain_coroutine_function(func: cst.FunctionDef) -> bool:
    """``async def`` whose call gives a coroutine: not a generator, no transforming decorator."""
    if func.asynchronous is None:
        return False
    if any(_decorator_name(d.decorator) not in SAFE_DECORATORS for d in func.decorators):
        return False
    return not is_async_generator(func)


def _body_statements(body: Any) -> Iterable[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return []


def def_kinds(statements: Iterable[cst.CSTNode], nested: bool = True) -> dict[str, str]:
    """name -> "async" | "sync" | "other" for the functions/assignments of a block."""
    kinds: dict[str, str] = {}

    def mark(name: str, kind: str) -> None:
        previous = kinds.get(name)
        kinds[name] = kind if previous is None or previous == kind else "other"

    for statement in statements:
        if isinstance(statement, cst.FunctionDef):
            mark(statement.name.value, "async" if is_plain_coroutine_function(statement) else "sync")
        elif isinstance(statement, cst.ClassDef):
            mark(statement.name.value, "class")
        elif isinstance(statement, (cst.If, cst.Try)) and nested:
            blocks = [statement.body]
            if isinstance(statement, cst.If) and statement.orelse is not None:
                blocks.append(statement.orelse.body)
            if isinstance(statement, cst.Try):
                blocks += [h.body for h in statement.handlers]
            for block in blocks:
                for name, kind in def_kinds(_body_statements(block)).items():
                    mark(name, kind)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        local = alias.asname.name if alias.asname else alias.name
                        name = dotted_name(local)  # type: ignore[arg-type]
                        if name:
                            mark(name.split(".")[0], "import")
                    continue
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    targets = [small.target]
                for target in targets:
                    if isinstance(target, cst.Name):
                        mark(target.value, "other")
    return kinds


def class_kinds(context: Any, node: cst.ClassDef) -> dict[str, str]:
    cache = _cache(context).setdefault("classes", {})
    kinds = cache.get(id(node))
    if kinds is None:
        kinds = cache[id(node)] = def_kinds(_body_statements(node.body), nested=False)
    return kinds


def module_kinds(context: Any) -> dict[str, str]:
    cache = _cache(context)
    if "module" not in cache:
        cache["module"] = def_kinds(context.module.body)
    return cache["module"]


def module_classes(context: Any) -> dict[str, cst.ClassDef]:
    cache = _cache(context)
    if "module_classes" not in cache:
        cache["module_classes"] = {
            s.name.value: s for s in context.module.body if isinstance(s, cst.ClassDef)
        }
    return cache["module_classes"]


def current_module(context: Any) -> str | None:
    project = context.project
    if project is None:
        return None
    cache = _cache(context)
    if "module_name" not in cache:
        try:
            cache["module_name"] = module_name(project.root, context.path)
        except ValueError:
            cache["module_name"] = ""
    return cache["module_name"]


def _absolute_candidates(name: str, here: str) -> list[str]:
    """``..mod.f`` seen from module ``here`` -> the absolute names it can mean."""
    if not name.startswith("."):
        return [name]
    level = len(name) - len(name.lstrip("."))
    rest = name[level:]
    parts = here.split(".") if here else []
    results = []
    # ``here`` may be a package (its __init__) or a plain module: try both readings
    for drop in (level - 1, level):
        if drop > len(parts):
            continue
        base = parts[: len(parts) - drop]
        results.append(".".join([*base, rest] if rest else base))
    return [r for r in results if r]


def project_coroutine(context: Any, qualified: str, depth: int = 0) -> bool:
    """Whether ``qualified`` (``pkg.mod.func`` / ``pkg.mod.Class.method``) is an ``async def``."""
    if depth > 3 or context.project is None:
        return False
    facts = context.project.facts("async_defs")
    if not facts:
        return False
    here = current_module(context) or ""
    for candidate in _absolute_candidates(qualified, here):
        parts = candidate.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module, rest = ".".join(parts[:cut]), parts[cut:]
            data = facts.get(module)
            reexports = (data or {}).get("r") or package_reexports(context.project.root, module)
            if data is None and not reexports:
                continue
            if data is not None and ".".join(rest) in data.get("c", ()):
                return True
            target = reexports.get(rest[0])
            if target:
                for resolved in _absolute_candidates(target, module):
                    full = ".".join([resolved, *rest[1:]])
                    if full != candidate and project_coroutine_absolute(context, full, depth + 1):
                        return True
            break  # the longest module prefix decides for this reading
    return False


@lru_cache(maxsize=1024)
def package_reexports(root: str, module: str) -> dict[str, str]:
    """Names a package's ``__init__.py`` imports (``from .sender import send``), read lazily.

    Packages rarely define coroutines themselves, so the index does not parse every
    ``__init__.py``; the few a rule asks about are read here, once per process.
    """
    folder = os.path.join(*module.split("."))
    for base in (root, os.path.join(root, "src")):
        path = os.path.join(base, folder, "__init__.py")
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
        found: dict[str, str] = {}
        for statement in _ast_block(tree.body):
            if isinstance(statement, ast.ImportFrom):
                prefix = "." * statement.level + (f"{statement.module}." if statement.module else "")
                for alias in statement.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = prefix + alias.name
        return found
    return {}


def project_coroutine_absolute(context: Any, qualified: str, depth: int) -> bool:
    return project_coroutine(context, qualified, depth) if not qualified.startswith(".") else False


def project_method_names(project: Any) -> set[str]:
    """Every ``Class.method`` coroutine name of the project, by method name (memoised per index)."""
    entry = _PROJECT_METHODS.get(id(project))
    if entry is None or entry[0] is not project:
        names: set[str] = set()
        for data in project.facts("async_defs").values():
            names.update(n.rsplit(".", 1)[1] for n in data.get("c", ()) if "." in n)
        entry = _PROJECT_METHODS[id(project)] = (project, names)
    return entry[1]


_PROJECT_METHODS: dict[int, tuple[Any, set[str]]] = {}

LIBRARY_PREFIXES = ("asyncio.", "typing.", "collections.", "os.", "sys.", "json.", "re.", "logging.",
                    "functools.", "itertools.", "httpx.", "aiohttp.", "fastapi.", "starlette.",
                    "sqlalchemy.", "pydantic.", "django.", "redis.", "asyncpg.", "aiosqlite.")


def annotation_type(context: Any, annotation: cst.BaseExpression | None) -> str | None:
    if annotation is None:
        return None
    if isinstance(annotation, cst.Subscript):  # Optional[X], Annotated[X, ...]
        head = (context.imports.qualify(annotation.value) or "").split(".")[-1]
        if head in {"Optional", "Annotated"} and annotation.slice:
            first = annotation.slice[0].slice
            if isinstance(first, cst.Index):
                return annotation_type(context, first.value)
        return None
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        left = annotation_type(context, annotation.left)
        return left or annotation_type(context, annotation.right)
    name = context.imports.qualify(annotation)
    if not name:
        return None
    return TYPE_NAMES.get(name) or project_class(context, annotation)


def project_class(context: Any, expr: cst.BaseExpression) -> str | None:
    """``class:Name`` for a class of this module, ``pclass:pkg.mod.Name`` for an imported one."""
    name = dotted_name(expr)
    if name is None:
        return None
    if "." not in name and module_kinds(context).get(name) == "class":
        return f"class:{name}"
    head = name.split(".")[0]
    qualified = context.imports.qualify(expr) or ""
    if head in context.imports.names and not qualified.startswith(LIBRARY_PREFIXES) and qualified[:1].isalpha():
        return f"pclass:{qualified}"
    if head in context.imports.names and qualified.startswith("."):
        return f"pclass:{qualified}"
    return None


class TypeResolver:
    """The few library "types" a receiver can have, from constructors, annotations, ``with``."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def of(self, expr: cst.BaseExpression, stack: list[cst.CSTNode], depth: int = 0) -> str | None:
        if depth > 4:
            return None
        if isinstance(expr, cst.Name):
            return self._of_name(expr.value, stack, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            cls = enclosing_class(stack)
            return self._of_self_attr(cls, expr.attr.value, depth) if cls is not None else None
        if isinstance(expr, cst.Call):
            return self._of_value(expr, stack, depth, awaited=False)
        return None

    def _of_value(self, value: cst.BaseExpression | None, stack: list[cst.CSTNode], depth: int,
                  awaited: bool, entered: bool = False) -> str | None:
        if depth > 4:
            return None
        if isinstance(value, cst.Await):
            return self._of_value(value.expression, stack, depth, awaited=True)
        if not isinstance(value, cst.Call):
            return None
        qualified = self.context.imports.qualify(value.func) or ""
        if qualified in TYPE_NAMES and TYPE_NAMES[qualified] != "session_factory":
            return TYPE_NAMES[qualified]
        if not awaited and not entered and isinstance(value.func, (cst.Name, cst.Attribute)):
            instance = project_class(self.context, value.func)
            if instance is not None:
                return instance
        if (awaited or entered) and qualified in AWAITED_TYPES:
            return AWAITED_TYPES[qualified]
        if isinstance(value.func, cst.Attribute):
            receiver = self.of(value.func.value, stack, depth + 1)
            if receiver is not None and (awaited or entered):
                return METHOD_RESULTS.get((receiver, value.func.attr.value))
            return None
        if (isinstance(value.func, cst.Name)  # a session factory being called
                and self._of_name(value.func.value, stack, depth + 1, raw=True) == "session_factory"):
            return "async_session"
        return None

    def _of_name(self, name: str, stack: list[cst.CSTNode], depth: int, raw: bool = False) -> str | None:
        if depth > 4:  # x = make(x) chains: give up rather than recurse
            return None
        scope = enclosing_scope(stack)
        facts = self.context.scope_facts(scope)
        bindings = facts.bindings.get(name, [])
        if not bindings and scope is not stack[0]:
            facts = self.context.scope_facts(stack[0])
            bindings = facts.bindings.get(name, [])
        found: set[str | None] = set()
        for binding in bindings:
            if binding.kind == "param":
                param = binding.node
                found.add(annotation_type(self.context, param.annotation.annotation) if isinstance(param, cst.Param) and param.annotation else None)
            elif binding.kind == "=":
                found.add(self._raw_value(binding.value, stack, depth) if raw else self._of_value(binding.value, stack, depth, awaited=False))
            elif binding.kind == "with":
                found.add(self._of_value(binding.value, stack, depth, awaited=False, entered=True))
            elif binding.kind in {"append", "extend"}:
                continue
            else:
                found.add(None)
        if len(found) == 1:
            return found.pop()
        return None

    def _raw_value(self, value: cst.BaseExpression | None, stack: list[cst.CSTNode], depth: int) -> str | None:
        if isinstance(value, cst.Call):
            qualified = self.context.imports.qualify(value.func) or ""
            if TYPE_NAMES.get(qualified) == "session_factory":
                return "session_factory"
        return self._of_value(value, stack, depth, awaited=False)

    def _of_self_attr(self, cls: cst.ClassDef, attr: str, depth: int) -> str | None:
        cache = _cache(self.context).setdefault("self_attrs", {})
        table = cache.get(id(cls))
        if table is None:
            cache[id(cls)] = {}  # guards against self.a = self.b.c() recursion while collecting
            table = cache[id(cls)] = self._self_attrs(cls)
        return table.get(attr)

    def _self_attrs(self, cls: cst.ClassDef) -> dict[str, str | None]:
        table: dict[str, set[str | None]] = {}
        resolver = self
        context = self.context

        class Walker(Visitor):
            def __init__(self) -> None:
                self.stack: list[cst.CSTNode] = list(context.stack[:1])

            def on_visit(self, node: cst.CSTNode) -> bool:
                if isinstance(node, cst.ClassDef) and node is not cls:
                    return False
                if isinstance(node, cst.Assign):
                    for target in node.targets:
                        self._record(target.target, node.value)
                elif isinstance(node, cst.AnnAssign):
                    if (isinstance(node.target, cst.Name) and self.stack and self.stack[-1] is cls.body):
                        table.setdefault(node.target.value, set()).add(
                            annotation_type(context, node.annotation.annotation))
                    else:
                        self._record(node.target, node.value, node.annotation.annotation)
                self.stack.append(node)
                return True

            def on_leave(self, original_node: cst.CSTNode) -> None:
                self.stack.pop()

            def _record(self, target: cst.BaseExpression, value: cst.BaseExpression | None,
                        annotation: cst.BaseExpression | None = None) -> None:
                if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                        and target.value.value == "self"):
                    return
                kind = annotation_type(context, annotation) if annotation is not None else None
                if kind is None and value is not None:
                    if isinstance(value, cst.Name):
                        kind = resolver._of_name(value.value, self.stack, 1)
                    else:
                        kind = resolver._of_value(value, self.stack, 1, awaited=False)
                if kind is None and isinstance(value, cst.Name) and value.value == "None":
                    return
                table.setdefault(target.attr.value, set()).add(kind)

        Walker().walk(cls)
        return {attr: next(iter(kinds)) if len(kinds) == 1 else None for attr, kinds in table.items()}


def is_loop_receiver(context: Any, receiver: cst.BaseExpression, stack: list[cst.CSTNode]) -> bool:
    """``loop`` / ``self._loop`` / ``asyncio.get_running_loop()`` — an event loop, as far as we see."""
    if isinstance(receiver, cst.Call):
        return (context.imports.qualify(receiver.func) or "") in LOOP_FACTORIES
    name = dotted_name(receiver)
    if name is None or not LOOP_NAME.search(name.split(".")[-1]):
        return False
    if "." in name:
        return True
    # a bare name must be bound somewhere we can see: a parameter or local of this function or an
    # enclosing one (closures), or a module global
    scopes = [n for n in stack if isinstance(n, (cst.FunctionDef, cst.Lambda))] + [stack[0]]
    return any(context.scope_facts(scope).bindings.get(name) for scope in scopes)


# --------------------------------------------------------------------------------------------
# Cross-file facts
# --------------------------------------------------------------------------------------------


def _ast_decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    while isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _ast_is_coroutine(node: ast.AST) -> bool:
    if not isinstance(node, ast.AsyncFunctionDef):
        return False
    if any(_ast_decorator_name(d) not in SAFE_DECORATORS for d in node.decorator_list):
        return False
    todo = list(node.body)
    while todo:
        item = todo.pop()
        if isinstance(item, (ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(item))
    return True


def _ast_block(statements: list[ast.stmt]) -> Iterable[ast.stmt]:
    for statement in statements:
        yield statement
        if isinstance(statement, ast.If):
            yield from _ast_block(statement.body)
            yield from _ast_block(statement.orelse)
        elif isinstance(statement, ast.Try):
            yield from _ast_block(statement.body)
            for handler in statement.handlers:
                yield from _ast_block(handler.body)


@fact_collector("async_defs", trigger=r"async\s+def")
def collect_async_defs(tree: ast.Module, module: str) -> dict[str, Any]:
    """Coroutine functions and methods of a module, its sync namesakes, and relative re-exports."""
    coroutines: list[str] = []
    sync: list[str] = []
    reexports: dict[str, str] = {}

    def add(name: str, node: ast.AST) -> None:
        (coroutines if _ast_is_coroutine(node) else sync).append(name)

    for statement in _ast_block(tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add(statement.name, statement)
        elif isinstance(statement, ast.ClassDef):
            for item in statement.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    add(f"{statement.name}.{item.name}", item)
        elif isinstance(statement, ast.ImportFrom) and statement.level:
            for alias in statement.names:
                if alias.name != "*":
                    source = "." * statement.level + (f"{statement.module}." if statement.module else "")
                    reexports[alias.asname or alias.name] = source + alias.name
    facts: dict[str, Any] = {}
    # a name defined both ways (a sync fallback under ``if``/``try``) is not known to be async
    async_names = sorted(set(coroutines) - set(sync))
    if async_names:
        facts["c"] = async_names
    if reexports:
        facts["r"] = reexports
    return facts


# --------------------------------------------------------------------------------------------
# BR301
# --------------------------------------------------------------------------------------------


class DanglingTask(Rule):
    """A task or future is created and its only reference dropped.

    ## What it does
    Finds `asyncio.create_task()`, `asyncio.ensure_future()`, `loop.create_task()`,
    `asyncio.run_coroutine_threadsafe()` and `loop.run_in_executor()` whose result is thrown away,
    or stored in a local variable that is then never awaited, returned, put in a collection,
    passed on or given a done-callback.

    ## Why is this bad?
    The event loop keeps only a weak reference to a task: a task nobody references can be
    garbage-collected mid-flight and silently never finish. And when it fails, nobody retrieves
    the exception — at best "Task exception was never retrieved" appears in a log at shutdown.

    ## Example
    ```python
    async def signup(user):
        asyncio.create_task(send_welcome_email(user))
    ```

    ## Use instead
    Keep a strong reference until the task is done, and observe its result:
    ```python
    background_tasks = set()

    async def signup(user):
        task = asyncio.create_task(send_welcome_email(user))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
    ```
    or run it in an `asyncio.TaskGroup` (Python 3.11+), or `await` it.

    ## Not reported
    Tasks stored on an object (`self.task = ...`), in a collection, returned, awaited later,
    passed to another function (`gather`, `wait`, `shield`), created by a `TaskGroup`, or kept in a
    module-level or `global` variable.
    """

    CODE = "BR301"
    NAME = "dangling-task"
    MESSAGE = "task from {call} is never awaited or stored; " + REMEDY_TASK
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    # one literal prefix + lookbehinds: ~6x cheaper than a plain four-way alternation
    TRIGGER = r"_(?:(?<=create_)task|(?<=ensure_)future|(?<=run_coroutine_)threadsafe|(?<=run_in_)executor)"

    def visit_Call(self, node: cst.Call) -> None:
        call = self._spawn_name(node)
        if call is None:
            return
        stack = self.context.stack
        what, parent = fate(stack, node)
        if what == "dropped":
            self.report(node, call=call)
        elif what == "assigned" and parent is not None:
            name = forgotten_local(self.context, parent, stack, keeps=lambda use: True)
            if name is None:
                return
            self.report(
                node,
                f"task from {call} is stored in `{name}` but never awaited or kept; {REMEDY_TASK}",
            )

    def _spawn_name(self, node: cst.Call) -> str | None:
        func = node.func
        qualified = self.context.imports.qualify(func)
        if qualified in TASK_FACTORIES:
            return TASK_FACTORIES[qualified]
        if (isinstance(func, cst.Attribute) and func.attr.value in LOOP_METHODS
                and is_loop_receiver(self.context, func.value, self.context.stack)):
            receiver = dotted_name(func.value) or "loop"
            if isinstance(func.value, cst.Call):
                receiver = (dotted_name(func.value.func) or "loop") + "()"
            return f"{receiver}.{func.attr.value}()"
        return None

    VALID = [
        # the documented idiom: a strong reference until done
        """
        import asyncio
        background_tasks = set()

        def spawn(coro):
            task = asyncio.create_task(coro)
            background_tasks.add(task)
            task.add_done_callback(background_tasks.discard)
        """,
        # awaited later, returned, kept on self
        """
        import asyncio

        async def fetch_both(a, b):
            first = asyncio.create_task(a())
            await b()
            return await first

        def start(self):
            self._task = asyncio.ensure_future(self.run())
            return asyncio.create_task(self.other())
        """,
        # TaskGroup keeps its tasks; `tg.create_task` is not a loop method
        """
        import asyncio

        async def main(jobs):
            async with asyncio.TaskGroup() as tg:
                for job in jobs:
                    tg.create_task(job.run())
        """,
        # near miss: a project function that happens to be called create_task
        """
        from myapp.jobs import create_task

        def new_job(title):
            create_task(title)
        """,
        # awaited through gather, or in a list
        """
        import asyncio as aio

        async def run_all(clients):
            tasks = [aio.create_task(c.close()) for c in clients]
            pending = aio.create_task(clients[0].ping())
            await aio.gather(*tasks, pending)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import asyncio

            async def signup(user):
                asyncio.create_task(send_welcome_email(user))
            """,
            line=4, column=5, message="asyncio.create_task()",
        ),
        Invalid(
            """
            from asyncio import ensure_future

            def on_message(msg):
                ensure_future(handle(msg))
            """,
            line=4, message="asyncio.ensure_future()",
        ),
        Invalid(
            """
            import asyncio as aio

            async def refresh(cache):
                loop = aio.get_running_loop()
                task = loop.create_task(cache.reload())
                return "ok"
            """,
            line=5, message="stored in `task`",
        ),
        Invalid(
            """
            class Worker:
                def kick(self, job):
                    self.loop.run_in_executor(None, job.run)
            """,
            line=3, message="self.loop.run_in_executor()",
        ),
    ]


# --------------------------------------------------------------------------------------------
# BR302
# --------------------------------------------------------------------------------------------


class UnawaitedCoroutine(Rule):
    """A coroutine is created but never awaited (or is passed where a function is expected).

    ## What it does
    Finds calls to coroutine functions whose result is thrown away, stored and never used, or used
    as if it were the result (`data = request.json(); data["x"]`). It knows the module's own
    `async def` functions and methods (`self.`/`cls.` included, through base classes), the
    project's other modules (from the project index), and library coroutines: `asyncio.sleep`,
    `wait_for`, `gather`, httpx `AsyncClient` and aiohttp `ClientSession` methods, `redis.asyncio`,
    asyncpg, aiosqlite, SQLAlchemy `AsyncSession`, Starlette `Request`/`WebSocket`, asyncio queues,
    locks and streams. It also finds a coroutine object given where a callable is expected:
    `background_tasks.add_task(send_email(user))`, `loop.call_soon(coro())`,
    `threading.Thread(target=coro())`, `loop.run_in_executor(None, coro())`.

    ## Why is this bad?
    Calling a coroutine function only creates a coroutine object: nothing runs. The work silently
    never happens (the email is not sent, the row is not committed) and Python prints at most
    "RuntimeWarning: coroutine ... was never awaited" at garbage collection.

    ## Example
    ```python
    async def close_account(session: AsyncSession, user):
        await session.delete(user)
        session.commit()
        background_tasks.add_task(send_goodbye(user))
    ```

    ## Use instead
    ```python
    async def close_account(session: AsyncSession, user):
        await session.delete(user)
        await session.commit()
        background_tasks.add_task(send_goodbye, user)
    ```
    """

    CODE = "BR302"
    NAME = "unawaited-coroutine"
    MESSAGE = "coroutine {name}() is never awaited, so it never runs; add `await` (or schedule it as a task)"
    CATEGORY = "correctness"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    # ``await`` and the client libraries only appear in files with an ``async def`` (or asyncio)
    TRIGGER = r"a(?:sync\s+def|syncio|dd_task)"
    USES_PROJECT_INDEX = True

    @classmethod
    def may_fire_in_project(cls, tree: ast.Module, project: Any) -> bool:
        """A call not directly awaited whose name is some coroutine's (or a callable slot)."""
        names = {n.name for n in nodes(tree, ast.AsyncFunctionDef)}
        names.update(name.rsplit(".", 1)[-1] for name in KNOWN_COROUTINES)
        imported = {alias.name.split(".")[0] for node in nodes(tree, ast.Import) for alias in node.names} | {
            (node.module or "").split(".")[0] for node in nodes(tree, ast.ImportFrom)
        }
        if imported & ASYNC_LIBRARIES:
            mentioned = {n.attr for n in nodes(tree, ast.Attribute)} | {n.id for n in nodes(tree, ast.Name)}
            if mentioned & TYPE_CLASS_NAMES:  # a receiver can only be typed through one of these
                names |= TYPED_METHOD_NAMES
        index = project()
        if index is not None:
            for facts in index.facts("async_defs").values():
                names.update(name.rsplit(".", 1)[-1] for name in facts.get("c", ()))
        awaited = {id(n.value) for n in nodes(tree, ast.Await)}
        slots = set(CALLABLE_SLOTS) | {name.rsplit(".", 1)[-1] for name in CALLABLE_FUNCTIONS}
        for node in nodes(tree, ast.Call):
            if id(node) not in awaited:
                func = node.func
                callee = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if callee in names or callee in slots:
                    return True
        return False

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.types = TypeResolver(context)

    def visit_Call(self, node: cst.Call) -> None:
        name = self._coroutine_name(node)
        if name is None:
            return
        stack = self.context.stack
        what, parent = fate(stack, node)
        if what == "dropped":
            self.report(node, name=name)
        elif what == "assigned" and parent is not None:
            local = forgotten_local(self.context, parent, stack, keeps=self._passes_on)
            if local is None:
                return
            self.report(node, f"coroutine {name}() is stored in `{local}` but never awaited; add `await`")
        elif what == "attribute" and isinstance(parent, cst.Attribute):
            if parent.attr.value not in COROUTINE_OBJECT_METHODS:
                self.report(node, f"coroutine {name}() is used without `await`; `.{parent.attr.value}` "
                                  "is looked up on the coroutine object, not its result")
        elif what == "subscript":
            self.report(node, f"coroutine {name}() is indexed without `await`; write `(await {name}(...))[...]`")
        elif what == "value":
            self.report(node, f"coroutine {name}() is used as a value without `await` (a coroutine object "
                              "is always true and never runs); add `await`")
        elif what == "argument" and isinstance(parent, cst.Arg):
            sink = self._callable_slot(stack[-2], parent)
            if sink:
                self.report(
                    node,
                    f"coroutine object {name}() passed to {sink}, which expects a function; pass the "
                    f"function and its arguments separately: {sink.rstrip('()')}({name.split('.')[-1]}, ...)",
                )

    @staticmethod
    def _passes_on(use: NameUse) -> bool:
        if use.kind == "attr":
            return isinstance(use.parent, cst.Attribute) and use.parent.attr.value in COROUTINE_OBJECT_METHODS
        return use.kind != "subscript"

    # -- which calls give coroutines ---------------------------------------------------------

    def _coroutine_name(self, node: cst.Call) -> str | None:
        func = node.func
        context = self.context
        stack = context.stack
        if isinstance(func, cst.Name):
            return self._plain_name(func.value, stack)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        receiver = func.value
        if isinstance(receiver, cst.Name) and receiver.value in {"self", "cls"}:
            cls = enclosing_class(stack)
            if cls is not None and self._class_method_is_async(cls, method, 0):
                return f"{receiver.value}.{method}"
            return None
        if isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name) and receiver.func.value == "super":
            cls = enclosing_class(stack)
            if cls is not None and self._bases_have_async(cls, method, 0):
                return f"super().{method}"
            return None
        qualified = context.imports.qualify(func)
        if qualified and qualified in KNOWN_COROUTINES:
            return qualified
        head = dotted_name(receiver)
        if head is not None and "." not in head:
            # Class.method() of this module, or module.func() of the project
            kinds = module_kinds(context)
            if kinds.get(head) == "class":
                cls = module_classes(context).get(head)
                if (cls is not None and class_kinds(context, cls).get(method) == "async"
                        and not self._shadowed(head, stack)):
                    return f"{head}.{method}"
        if qualified and self._imported(func) and project_coroutine(context, qualified):
            return dotted_name(func) or qualified
        if method not in self._candidate_methods():
            return None  # no receiver type could make it a coroutine: skip the type lookup
        typed = self.types.of(receiver, stack)
        if typed is None:
            return None
        label = f"{dotted_name(receiver) or 'obj'}.{method}"
        if method in TYPE_METHODS.get(typed, ()):
            return label
        if typed.startswith("class:"):
            cls = module_classes(context).get(typed[6:])
            if cls is not None and self._class_method_is_async(cls, method, 0):
                return label
        elif typed.startswith("pclass:") and project_coroutine(context, f"{typed[7:]}.{method}"):
            return label
        return None

    def _imported(self, func: cst.BaseExpression) -> bool:
        name = dotted_name(func)
        if name is None:
            return False
        head = name.split(".")[0]
        if head not in self.context.imports.names:
            return False
        qualified = self.context.imports.qualify(func) or ""
        if qualified.startswith(LIBRARY_PREFIXES):
            return False
        return not self._shadowed(head, self.context.stack)

    def _candidate_methods(self) -> set[str]:
        """Method names that can be coroutines here: library types, this module's and the
        project's async methods (the latter only when the file imports project names)."""
        cache = _cache(self.context)
        names = cache.get("candidate_methods")
        if names is None:
            names = set(TYPED_METHOD_NAMES)
            for cls in module_classes(self.context).values():
                names.update(m for m, kind in class_kinds(self.context, cls).items() if kind == "async")
            imports = self.context.imports.names.values()
            if any(not q.startswith(LIBRARY_PREFIXES) for q in imports) and self.context.project is not None:
                names |= project_method_names(self.context.project)
            cache["candidate_methods"] = names
        return names

    def _shadowed(self, name: str, stack: list[cst.CSTNode]) -> bool:
        for node in reversed(stack):
            if isinstance(node, (cst.FunctionDef, cst.Lambda)) and self.context.scope_facts(node).bindings.get(name):
                return True
        return False

    def _plain_name(self, name: str, stack: list[cst.CSTNode]) -> str | None:
        kinds = module_kinds(self.context)
        kind = kinds.get(name)
        found: str | None = None
        if kind == "async":
            found = name
        elif kind is None or kind == "import":
            qualified = self.context.imports.names.get(name)
            if qualified is None:
                return None
            if qualified in KNOWN_COROUTINES:
                found = qualified
            elif not qualified.startswith(LIBRARY_PREFIXES) and project_coroutine(self.context, qualified):
                found = name
        if found is None or self._shadowed(name, stack):
            return None
        return found

    def _class_method_is_async(self, cls: cst.ClassDef, method: str, depth: int) -> bool:
        kind = class_kinds(self.context, cls).get(method)
        if kind is not None:
            return kind == "async"
        return self._bases_have_async(cls, method, depth)

    def _bases_have_async(self, cls: cst.ClassDef, method: str, depth: int) -> bool:
        if depth > 4:
            return False
        local_classes = module_classes(self.context)
        for base in cls.bases:
            if base.keyword is not None:
                continue
            name = dotted_name(base.value)
            if name is None:
                return False
            if name in local_classes and local_classes[name] is not cls and name not in self.context.imports.names:
                base_cls = local_classes[name]
                kind = class_kinds(self.context, base_cls).get(method)
                if kind is not None:
                    return kind == "async"
                if self._bases_have_async(base_cls, method, depth + 1):
                    return True
                continue
            qualified = self.context.imports.qualify(base.value) or ""
            if self._imported(base.value) and project_coroutine(self.context, f"{qualified}.{method}"):
                return True
        return False

    # -- coroutine objects where a callable belongs ------------------------------------------

    def _callable_slot(self, call: cst.CSTNode, arg: cst.Arg) -> str | None:
        if not isinstance(call, cst.Call):
            return None
        positional = [a for a in call.args if a.keyword is None and not a.star]
        position = positional.index(arg) if arg in positional else None
        keyword = arg.keyword.value if arg.keyword is not None else None
        func = call.func
        qualified = self.context.imports.qualify(func) or ""
        if qualified in CALLABLE_FUNCTIONS:
            index, name = CALLABLE_FUNCTIONS[qualified]
            if (position is not None and position == index) or keyword == name:
                return f"{qualified.split('.')[-1]}()"
            return None
        if not isinstance(func, cst.Attribute) or func.attr.value not in CALLABLE_SLOTS:
            return None
        method = func.attr.value
        index, name = CALLABLE_SLOTS[method]
        if not ((position is not None and position == index) or keyword == name):
            return None
        receiver = func.value
        receiver_name = (dotted_name(receiver) or "").split(".")[-1]
        if method == "add_task":
            typed = False
            if isinstance(receiver, cst.Name):
                for binding in self.context.scope_facts(enclosing_scope(self.context.stack)).bindings.get(receiver.value, []):
                    if binding.kind == "param" and isinstance(binding.node, cst.Param) and binding.node.annotation:
                        annotation = self.context.imports.qualify(binding.node.annotation.annotation) or ""
                        typed = annotation.endswith("BackgroundTasks")
            if not (typed or BACKGROUND_RECEIVER.search(receiver_name)):
                return None
        elif method == "submit":
            if not EXECUTOR_RECEIVER.search(receiver_name):
                return None
        elif not is_loop_receiver(self.context, receiver, self.context.stack):
            return None
        return f"{dotted_name(receiver) or 'loop'}.{method}()"

    VALID = [
        # awaited, scheduled, run, returned
        """
        import asyncio

        async def notify(user):
            await asyncio.sleep(0)

        async def handler(user):
            await notify(user)
            asyncio.create_task(notify(user))
            return notify(user)

        def main():
            asyncio.run(notify(None))
        """,
        # a sync method with the same name in another class is not a coroutine
        """
        class Mailer:
            async def send(self, to):
                ...

        class Queue:
            def send(self, item):
                ...

            def push(self, item):
                self.send(item)
        """,
        # the function and its arguments, separately
        """
        from fastapi import BackgroundTasks

        async def send_email(to):
            ...

        async def register(email: str, background_tasks: BackgroundTasks):
            background_tasks.add_task(send_email, email)
        """,
        # near miss: httpx's sync Client is not a coroutine client
        """
        import httpx

        async def ping(url):
            client = httpx.Client()
            client.get(url)
        """,
        # an async generator is consumed with async for
        """
        async def rows(conn):
            yield 1

        async def main(conn):
            async for row in rows(conn):
                print(row)
            gen = rows(conn)
            await gen.aclose()
        """,
    ]
    INVALID = [
        Invalid(
            """
            import asyncio as aio

            async def tick():
                aio.sleep(1)
            """,
            line=4, column=5, message="asyncio.sleep()",
        ),
        Invalid(
            """
            class Repo:
                async def save(self, item):
                    ...

                async def save_all(self, items):
                    for item in items:
                        self.save(item)
            """,
            line=7, message="self.save()",
        ),
        Invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession

            async def rename(session: AsyncSession, user, name):
                user.name = name
                session.commit()
            """,
            line=5, message="session.commit()",
        ),
        Invalid(
            """
            from fastapi import BackgroundTasks

            async def send_email(to):
                ...

            async def register(email: str, background_tasks: BackgroundTasks):
                background_tasks.add_task(send_email(email))
            """,
            line=7, message="pass the function and its arguments separately",
        ),
        Invalid(
            """
            from fastapi import Request

            async def create(request: Request):
                payload = request.json()
                return {"name": payload["name"]}
            """,
            line=4, message="stored in `payload`",
        ),
    ]


# --------------------------------------------------------------------------------------------
# BR303
# --------------------------------------------------------------------------------------------


def _handler_types(context: Any, handler: cst.ExceptHandler) -> list[str]:
    if handler.type is None:
        return ["<bare>"]
    items = handler.type.elements if isinstance(handler.type, cst.Tuple) else None
    exprs = [e.value for e in items] if items is not None else [handler.type]
    return [context.imports.qualify(e) or "?" for e in exprs]


def _raises(block: cst.CSTNode) -> bool:
    return find(block, lambda node: isinstance(node, cst.Raise), skip=(cst.FunctionDef, cst.Lambda)) is not None


def _silent_statement(context: Any, statement: cst.CSTNode) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, (cst.Pass, cst.Continue, cst.Break)):
            continue
        if isinstance(small, cst.Return) and (small.value is None or (
                isinstance(small.value, cst.Name) and small.value.value == "None")):
            continue
        if isinstance(small, cst.Expr):
            value = small.value
            if isinstance(value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)):
                continue
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call) and (dotted_name(value.func) or "").split(".")[-1] == "sleep":
                continue
        return False
    return True


def _handler_body(handler: cst.ExceptHandler) -> list[cst.CSTNode]:
    body = handler.body
    if isinstance(body, cst.IndentedBlock):
        return list(body.body)
    if isinstance(body, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=body.body)]
    return []


class _CancelIdiomFinder(Visitor):
    """Does the function call ``.cancel()`` on something (the cancel-and-wait idiom)?"""

    def __init__(self) -> None:
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "cancel":
            self.found = True


def _awaits_something(block: cst.CSTNode) -> bool:
    """An ``await``, ``async for`` or ``async with`` (outside nested functions) in ``block``."""
    return find(
        block,
        lambda node: isinstance(node, cst.Await)
        or (isinstance(node, (cst.For, cst.With)) and node.asynchronous is not None),
        skip=(cst.FunctionDef, cst.Lambda),
    ) is not None


class SwallowedExceptionInAsync(Rule):
    """An async function catches every error (or the cancellation) and drops it silently.

    ## What it does
    In an `async def`, finds broad handlers — `except:`, `except Exception:`,
    `except BaseException:` — whose body only passes, continues, breaks, returns nothing or sleeps,
    so the error is neither logged, re-raised nor recorded; and `except asyncio.CancelledError:`
    handlers that do not re-raise.

    ## Why is this bad?
    In a task nobody awaits synchronously, a swallowed exception is an error nobody will ever see:
    the worker loop keeps spinning on a broken connection, the request "succeeds" without doing
    its work. Swallowing `CancelledError` breaks cancellation itself: `task.cancel()`, timeouts,
    `TaskGroup` and server shutdown wait for a task that pretends it finished normally.

    ## Example
    ```python
    async def worker(queue):
        while True:
            job = await queue.get()
            try:
                await job.run()
            except Exception:
                continue
    ```

    ## Use instead
    ```python
    async def worker(queue):
        while True:
            job = await queue.get()
            try:
                await job.run()
            except asyncio.CancelledError:
                await job.requeue()
                raise
            except Exception:
                logger.exception("job %s failed", job.id)
    ```

    ## Not reported
    Handlers that log, re-raise, return or store something, or use the exception; narrow handlers
    (`except KeyError: pass`); sync functions; `except CancelledError: pass` after the function
    cancelled a task itself (`task.cancel(); try: await task ...`).
    """

    CODE = "BR303"
    NAME = "swallowed-exception-in-async"
    MESSAGE = "`{handler}` in async code swallows the error silently; log it (logger.exception) or re-raise"
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "MEDIUM"
    # both words, in any order; greedy lookaheads are far cheaper than lazy ones here
    TRIGGER = r"(?s)\A(?=.*async\s+def\b)(?=.*\bexcept\b)"

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        """An ``async def`` holds a bare/broad/CancelledError handler that does not re-raise."""
        for function in nodes(tree, ast.AsyncFunctionDef):
            for handler in ast.walk(function):
                if not isinstance(handler, ast.ExceptHandler):
                    continue
                caught = {n.attr if isinstance(n, ast.Attribute) else getattr(n, "id", "")
                          for n in ast.walk(handler.type)} if handler.type is not None else {"*"}
                if caught & {"*", "Exception", "BaseException", "CancelledError"} and not any(
                    isinstance(n, ast.Raise) for statement in handler.body for n in ast.walk(statement)
                ):
                    return True
        return False

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        stack = self.context.stack
        if not in_async_function(stack):
            return
        kinds = _handler_types(self.context, node)
        cancelled = [k for k in kinds if k in CANCELLED or k.endswith(".CancelledError")]
        if cancelled:
            try_node = stack[-1] if stack and isinstance(stack[-1], cst.Try) else None
            if try_node is not None and not _awaits_something(try_node.body):
                return  # no await in the try: it is another future's cancellation (fut.result())
            if _raises(node.body) or self._uses_exception(node) or self._cancel_idiom(stack):
                return
            label = "except " + cancelled[0].replace("asyncio.exceptions.", "asyncio.")
            self.report(node, f"`{label}` does not re-raise: the task looks finished instead of cancelled; "
                              "clean up, then `raise`")
            return
        broad = [k for k in kinds if k in BROAD or k == "<bare>"]
        if not broad:
            return
        body = _handler_body(node)
        if body and all(_silent_statement(self.context, s) for s in body):
            label = "except:" if broad[0] == "<bare>" else f"except {broad[0].replace('builtins.', '')}"
            self.report(node, handler=label)

    @staticmethod
    def _uses_exception(node: cst.ExceptHandler) -> bool:
        """``except ... as exc:`` whose body records ``exc`` (errors.append(exc), set_exception)."""
        if node.name is None or not isinstance(node.name.name, cst.Name):
            return False
        bound = node.name.name.value
        return find(node.body, lambda n: isinstance(n, cst.Name) and n.value == bound, skip=()) is not None

    def _cancel_idiom(self, stack: list[cst.CSTNode]) -> bool:
        func = innermost_function(stack)
        try_node = next((n for n in reversed(stack) if isinstance(n, cst.Try)), None)
        if func is None or try_node is None or not _awaits_something(try_node.body):
            return False
        finder = _CancelIdiomFinder()
        finder.walk(func)
        return finder.found

    VALID = [
        # logs, re-raises
        """
        import logging
        logger = logging.getLogger(__name__)

        async def worker(queue):
            while True:
                job = await queue.get()
                try:
                    await job.run()
                except Exception:
                    logger.exception("job failed")
                finally:
                    queue.task_done()
        """,
        # cancel-and-wait: the function cancelled the task itself
        """
        import asyncio

        async def stop(task):
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
        """,
        # narrow handler; sync function; cancellation re-raised after cleanup
        """
        from asyncio import CancelledError

        async def lookup(cache, key):
            try:
                return cache[key]
            except KeyError:
                return None

        def parse(text):
            try:
                return int(text)
            except Exception:
                pass

        async def serve(conn):
            try:
                await conn.serve()
            except CancelledError:
                await conn.close()
                raise
        """,
        # the exception is recorded
        """
        async def run(fut, coro):
            try:
                fut.set_result(await coro)
            except Exception as exc:
                fut.set_exception(exc)
        """,
    ]
    INVALID = [
        Invalid(
            """
            async def worker(queue):
                while True:
                    job = await queue.get()
                    try:
                        await job.run()
                    except Exception:
                        continue
            """,
            line=6, column=9, message="except Exception",
        ),
        Invalid(
            """
            import asyncio as aio

            async def heartbeat(ws):
                while True:
                    try:
                        await ws.ping()
                        await aio.sleep(30)
                    except aio.CancelledError:
                        break
            """,
            line=8, message="does not re-raise",
        ),
        Invalid(
            """
            async def notify(client, url):
                try:
                    await client.post(url)
                except:
                    pass
            """,
            line=4, message="except:",
        ),
        Invalid(
            """
            from asyncio import CancelledError

            async def consume(stream, handle):
                try:
                    async for event in stream:
                        await handle(event)
                except (CancelledError, ConnectionError):
                    return
            """,
            line=7, message="asyncio.CancelledError",
        ),
    ]


# --------------------------------------------------------------------------------------------
# BR304
# --------------------------------------------------------------------------------------------


def _is_exception_check(context: Any, call: cst.Call) -> bool:
    """``isinstance(x, Exception)`` / ``isinstance(r, (ValueError, BaseException))``."""
    if dotted_name(call.func) != "isinstance" or len(call.args) < 2:
        return False
    second = call.args[1].value
    exprs = [e.value for e in second.elements] if isinstance(second, cst.Tuple) else [second]
    for expr in exprs:
        name = (dotted_name(expr) or "").split(".")[-1]
        if EXCEPTION_NAME.search(name):
            return True
    return False


class UnobservedGatherErrors(Rule):
    """`asyncio.gather(..., return_exceptions=True)` whose results are never checked for errors.

    ## What it does
    Finds `gather(..., return_exceptions=True)` whose results are thrown away, or assigned and then
    never checked with `isinstance(result, Exception)` (or `BaseException`), returned, or handed
    to a function that could check them.

    ## Why is this bad?
    `return_exceptions=True` turns every failure into an ordinary value in the result list. If
    nobody looks for them, the errors vanish: half the notifications fail and the log is clean.

    ## Example
    ```python
    async def notify_all(users):
        await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
    ```

    ## Use instead
    ```python
    async def notify_all(users):
        results = await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
        for user, result in zip(users, results):
            if isinstance(result, Exception):
                logger.error("notifying %s failed", user.id, exc_info=result)
    ```
    """

    CODE = "BR304"
    NAME = "unobserved-gather-errors"
    MESSAGE = ("results of gather(..., return_exceptions=True) are {what}; check each with "
               "isinstance(result, Exception) or errors vanish")
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    TRIGGER = r"return_exceptions\s*=\s*True"

    def visit_Call(self, node: cst.Call) -> None:
        if (self.context.imports.qualify(node.func) or "") not in {"asyncio.gather", "asyncio.tasks.gather"}:
            return
        if not any(a.keyword is not None and a.keyword.value == "return_exceptions"
                   and isinstance(a.value, cst.Name) and a.value.value == "True" for a in node.args):
            return
        stack = self.context.stack
        if not stack or not isinstance(stack[-1], cst.Await):
            return  # not awaited: BR302's business, or passed on
        awaited = stack[-1]
        outer = stack[:-1]
        what, parent = fate(outer, awaited)
        if what == "dropped":
            self.report(node, what="thrown away")
            return
        scope = enclosing_scope(stack)
        if what == "assigned" and parent is not None:
            names = self._targets(parent)
            if not names or not isinstance(scope, cst.FunctionDef):
                return
            if self._observed(scope, names):
                return
            self.report(node, what=f"stored in `{names[0]}` but never checked")
        elif (what == "value" and isinstance(parent, (cst.For, cst.CompFor)) and parent.iter is awaited
              and not self._observed(scope, [])):
            self.report(node, what="iterated but never checked")

    @staticmethod
    def _targets(parent: cst.CSTNode) -> list[str]:
        targets: list[cst.BaseExpression] = []
        if isinstance(parent, cst.Assign):
            targets = [t.target for t in parent.targets]
        elif isinstance(parent, cst.AnnAssign):
            targets = [parent.target]
        names: list[str] = []
        for target in targets:
            if isinstance(target, cst.Name):
                names.append(target.value)
            elif isinstance(target, (cst.Tuple, cst.List)):
                for element in target.elements:
                    if isinstance(element.value, cst.Name):
                        names.append(element.value.value)
                    else:
                        return []
            else:
                return []  # stored on an object: someone else's to check
        return names

    def _observed(self, scope: cst.CSTNode, names: list[str]) -> bool:
        uses = scope_uses(self.context, scope)
        if any(_is_exception_check(self.context, call) for call in uses.calls):
            return True
        for name in names:
            if name in uses.declared_global:
                return True
            for use in uses.uses.get(name, ()):
                if use.kind in {"return", "collection", "alias"}:
                    return True
                if use.kind == "arg" and isinstance(use.grandparent, cst.Call):
                    callee = dotted_name(use.grandparent.func) or ""
                    if callee not in TRANSPARENT_CALLS:
                        return True
                if use.kind == "attr" and isinstance(use.parent, cst.Attribute):
                    return True  # results.count(...), results.index(...): looked at
        return False

    VALID = [
        """
        import asyncio

        async def notify_all(users):
            results = await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
            for result in results:
                if isinstance(result, Exception):
                    log.error("failed", exc_info=result)
        """,
        # no return_exceptions: the first error propagates
        """
        import asyncio

        async def load(a, b):
            await asyncio.gather(a(), b())
        """,
        # returned to the caller, or handed to a checker
        """
        from asyncio import gather

        async def fan_out(coros):
            return await gather(*coros, return_exceptions=True)

        async def fan_out_checked(coros):
            results = await gather(*coros, return_exceptions=True)
            raise_first_error(results)
        """,
        # near miss: a gather that is not asyncio's
        """
        from myapp.util import gather

        async def collect(items):
            await gather(items, return_exceptions=True)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import asyncio

            async def notify_all(users):
                await asyncio.gather(*(notify(u) for u in users), return_exceptions=True)
            """,
            line=4, column=11, message="thrown away",
        ),
        Invalid(
            """
            import asyncio as aio

            async def warm(caches):
                results = await aio.gather(*(c.warm() for c in caches), return_exceptions=True)
                return len(results)
            """,
            line=4, message="stored in `results`",
        ),
        Invalid(
            """
            from asyncio import gather

            async def refresh(a, b):
                first, second = await gather(a.load(), b.load(), return_exceptions=True)
                print(first, second)
            """,
            line=4, message="never checked",
        ),
    ]
