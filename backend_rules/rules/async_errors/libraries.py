"""What the async libraries offer: coroutine functions, receiver types and their coroutine methods.

A receiver gets one of these types (``"httpx"``, ``"redis"``, ...) from a constructor, an
annotation or a ``with``; see :mod:`type_resolver`.
"""

from __future__ import annotations

# Module-level library functions that return a coroutine (or a future whose errors are lost when
# it is dropped). Functions that return awaitable context managers are left out on purpose, and
# so is ``asyncio.gather``: its children run even when nobody awaits it (BR301's business).
KNOWN_COROUTINES = {
    "asyncio.sleep", "asyncio.wait_for", "asyncio.wait", "asyncio.shield",
    "asyncio.open_connection", "asyncio.open_unix_connection", "asyncio.start_server",
    "asyncio.start_unix_server", "asyncio.create_subprocess_exec", "asyncio.create_subprocess_shell",
    "asyncio.to_thread", "asyncio.staggered.staggered_race",
    "asyncio.tasks.sleep", "asyncio.tasks.wait_for", "asyncio.tasks.wait",
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


# Qualified-name prefixes of libraries (never project code).
LIBRARY_PREFIXES = ("asyncio.", "typing.", "collections.", "os.", "sys.", "json.", "re.", "logging.",
                    "functools.", "itertools.", "httpx.", "aiohttp.", "fastapi.", "starlette.",
                    "sqlalchemy.", "pydantic.", "django.", "redis.", "asyncpg.", "aiosqlite.")
