"""BR802: a computed result is cached in Redis/memcached without an expiry, so it never goes away."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_migration, is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.caching.cache_clients import resolve_kind

# Keyword arguments that give an entry an expiry, per client family.
EXPIRY_KEYWORDS = {"ex", "px", "exat", "pxat", "keepttl", "timeout", "ttl", "expire", "time", "exptime", "expires"}
SET_METHODS = {"set", "hset", "hmset"}
GET_METHODS = {"get", "hget", "hgetall", "hmget", "mget", "exists", "getex"}
EXPIRE_METHODS = {"expire", "pexpire", "expireat", "pexpireat", "setex", "psetex", "touch"}
# Method names of a cache service class's own write API.
WRAPPER_WRITES = {"set", "put", "store", "save", "add", "__setitem__", "set_value", "set_item", "cache"}
CACHE_WORDS = re.compile(r"cache|cached|memo", re.IGNORECASE)
REDIS_NAME = re.compile(r"redis|^_*(r|rc|rds|redis_conn)$", re.IGNORECASE)
MEMCACHE_NAME = re.compile(r"memcache|^_*(mc|memc)$", re.IGNORECASE)
HINTS = {
    "redis": "pass ex=<seconds> (or use setex)",
    "memcache": "pass expire=<seconds>",
    "aiocache": "pass ttl=<seconds> (or build the cache with ttl=)",
    "django": "pass a timeout (CACHES sets TIMEOUT None, so entries never expire)",
    "forever": "give it a timeout in seconds instead of keeping it forever",
}


def _static_prefix(node: cst.BaseExpression) -> str | None:
    """The literal start of a key: ``f"user:{id}"`` -> ``user:``, ``"a:%s" % x`` -> ``a:``."""
    if isinstance(node, cst.SimpleString):
        text = node.evaluated_value if isinstance(node.evaluated_value, str) else None
        if text is None:
            return None
        return re.split(r"%|\{", text, maxsplit=1)[0]
    if isinstance(node, cst.FormattedString):
        first = node.parts[0] if node.parts else None
        return first.value if isinstance(first, cst.FormattedStringText) else None
    if isinstance(node, cst.BinaryOperation):
        return _static_prefix(node.left)
    if isinstance(node, cst.ConcatenatedString):
        return _static_prefix(node.left)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in {"format", "join"}:
        if node.func.attr.value == "format":
            return _static_prefix(node.func.value)
    return None


def _family(node: cst.BaseExpression, facts: Any, depth: int = 0) -> str | None:
    """A token that two keys of the same family share: prefix, helper or variable name."""
    if isinstance(node, cst.Name) and depth < 3:
        bindings = [b for b in facts.bindings.get(node.value, ()) if b.kind == "=" and b.value is not None]
        if bindings:
            inner = _family(bindings[-1].value, facts, depth + 1)
            if inner:
                return inner
        return f"name:{node.value}"
    prefix = _static_prefix(node)
    if prefix:
        return f"prefix:{prefix}"
    if isinstance(node, cst.Call):
        name = dotted_name(node.func)
        return f"call:{name}" if name else None
    name = dotted_name(node)
    return f"attr:{name}" if name else None


CONTENT_KEY = re.compile(r"(?i)(^|_)(fingerprint|fpr|digest|checksum|sha\d*|md5|etag|content_hash|hexdigest)(_|$)")


def _content_addressed(call: cst.Call, method: str, key: cst.BaseExpression) -> bool:
    """The entry's key (a hash's field for ``hset``) names a fingerprint or digest of the value:
    ``hset("keys", fingerprint, exported_key)``, ``set(f"blob:{sha256}", data)``; or the value is
    one (``hset("fingerprints", source_id, key_fingerprint)``): an identity, not a computed result."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    if method == "hset" and len(positional) >= 3:
        return _names_content(positional[1]) or _names_content(positional[2])
    return _names_content(key) or (len(positional) >= 2 and _names_content(positional[1]))


def _names_content(where: cst.BaseExpression) -> bool:
    names: list[str] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Name):
            names.append(node.value)
        elif isinstance(node, cst.Attribute):
            names.append(node.attr.value)
        return True

    walk(where, enter)
    return any(CONTENT_KEY.search(name) for name in names)


def _first_arg(call: cst.Call) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is None and not arg.star:
            return arg.value
        if arg.keyword is not None and arg.keyword.value in {"name", "key"}:
            return arg.value
    return None


def _has_expiry(call: cst.Call, method: str, kind: str) -> bool:
    positional = [a for a in call.args if a.keyword is None and not a.star]
    for arg in call.args:
        if arg.star == "**":
            return True  # **options: cannot tell
        if arg.keyword is not None and arg.keyword.value in EXPIRY_KEYWORDS:
            value = arg.value
            forever = isinstance(value, cst.Name) and value.value in {"None", "False"} or (
                isinstance(value, cst.Integer) and value.value == "0")
            return not forever
    if method == "set" and len(positional) >= 3:
        third = positional[2].value
        return not (isinstance(third, cst.Name) and third.value == "None" or isinstance(third, cst.Integer) and third.value == "0")
    return False


class CacheWithoutTtl(Rule):
    """A computed result is cached in Redis or memcached without an expiry.

    ## What it does
    Finds `set` / `hset` / `hmset` on a Redis client (redis-py, `redis.asyncio`, aioredis,
    django-redis' `get_redis_connection()`), a memcached client (pymemcache, python-memcached,
    pylibmc, aiomcache) or an aiocache cache built without `ttl=`, sync or awaited, with no
    `ex=`/`px=`/`expire=`/`ttl=` and no `expire()` of the same key nearby, in code that caches
    a computed result: a `get` of the same key family in the same function (or, for a cache
    service class, in a sibling method), or a function, key, client, class or module named for
    caching. Django's cache is reported when `CACHES` sets `"TIMEOUT": None`, or when the call
    itself keeps a value read back nearby forever (`timeout=None`; `timeout=0` on
    Flask-Caching/cachelib).

    ## Why is this bad?
    An entry without an expiry stays until it is deleted or evicted: when the source data
    changes the cache serves the stale value forever, and keys built from user input (search
    terms, ids) fill memory until Redis starts evicting (or refusing writes, with
    `maxmemory-policy noeviction`).

    ## Example
    ```python
    cached = redis_client.get(f"report:{day}")
    if cached is None:
        cached = json.dumps(build_report(day))
        redis_client.set(f"report:{day}", cached)
    ```

    ## Use instead
    ```python
    redis_client.set(f"report:{day}", cached, ex=3600)   # or setex(key, 3600, value)
    ```

    ## Not reported
    Clients with a default timeout (Django's cache and Flask-Caching: 300 s unless configured
    off; aiocache built with `ttl=`), `setex`/`psetex`, a `set` followed by `expire()` of the
    same key (pipelines too), `set(..., nx=True)` locks, Redis used as a store rather than a
    cache (no read of the key nearby, no cache-named helper), tests and migrations. When the
    client cannot be identified (a plain `cache` of unknown origin) the finding is LOW, and so is
    the `set(self, key, value)` of a cache service class that hands its own parameters on (its
    callers decide how long an entry lives, and may refresh it on a schedule). An entry keyed by
    a fingerprint or digest of its value (`hset("keys", fingerprint, exported)`,
    `set(f"blob:{sha256}", data)`) cannot go stale, so it is LOW too.
    """

    CODE = "BR802"
    NAME = "cache-without-ttl"
    MESSAGE = "{call} caches a value with no expiry, so it is never refreshed; {hint}"
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "MEDIUM"
    TRIGGER = r"\.h?m?set\("
    USES_PROJECT_INDEX = True
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict[str, Any]) -> bool:
        return not (is_test_code(options) or is_migration(options))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in SET_METHODS:
            return
        method = func.attr.value
        key = _first_arg(node)
        if key is None or (method == "set" and len([a for a in node.args if a.keyword is None]) < 2
                           and not any(a.keyword and a.keyword.value == "value" for a in node.args)):
            return
        if any(a.keyword is not None and a.keyword.value in {"nx", "xx"} for a in node.args):
            return  # a lock or a conditional write, not a cache fill
        stack = self.context.stack
        kind, sure = self._client_kind(func.value, stack)
        if kind is None and self._forever_on_purpose(node, func.value):
            kind, sure = "forever", "made"
        if kind is None:
            return
        if _has_expiry(node, method, kind):
            return
        scope = self._scope(stack)
        facts = self.context.scope_facts(scope)
        receiver = dotted_name(func.value) or ""
        family = _family(key, facts)
        reads, expires = self._neighbours(scope, node, receiver, family, facts)
        klass = enclosing_class(stack)
        if not reads and klass is not None and receiver.startswith("self."):
            # a cache service class: get() and set() methods share the client and the key parameter
            reads = self._neighbours(klass, node, receiver, family, facts)[0]
        if expires:
            return
        named = self._cache_named(scope, key, receiver, kind) or self._cache_place(klass)
        if not reads and (not named or kind == "forever"):
            return  # an explicit "forever" is a choice unless the same function reads it back
        if kind == "unknown":
            confidence = "LOW"
        elif sure == "made":
            confidence = "HIGH" if reads else "MEDIUM"
        else:
            confidence = "MEDIUM" if reads or sure == "named" else "LOW"
        if klass is not None and self._wrapper_passthrough(stack, key):
            confidence = "LOW"  # a cache service's own set(key, value): its callers decide how long
        if _content_addressed(node, method, key):
            confidence = "LOW"  # keyed by what the value is (a fingerprint, a digest): it never goes stale
        hint = HINTS.get(kind, HINTS["redis"])
        if method != "set":
            hint = "call expire(key, seconds) right after it"
        self.report(node, confidence=confidence, call=f"`{receiver or 'client'}.{method}()`", hint=hint)

    @staticmethod
    def _wrapper_passthrough(stack: list[cst.CSTNode], key: cst.BaseExpression) -> bool:
        """``def set(self, key, value): self.redis.set(key, value)`` in a class: the method *is* the
        cache's write API (a job may refresh the entry on a schedule); the key is its parameter."""
        function = next((n for n in reversed(stack) if isinstance(n, cst.FunctionDef)), None)
        if function is None or function.name.value not in WRAPPER_WRITES or not isinstance(key, cst.Name):
            return False
        return key.value in {p.name.value for p in function.params.params}

    def _client_kind(self, receiver: cst.BaseExpression, stack: list[cst.CSTNode]) -> tuple[str | None, str]:
        """(kind, how it is known: ``made`` where it was built, ``named`` redis/memcache in its
        name, ``guessed`` from a short name) or (None, "") when it is not a cache client."""
        kind = resolve_kind(receiver, stack, self.context)
        if kind == "default":
            return (None, "") if not self._django_without_timeout(receiver) else ("django", "made")
        if kind is not None:
            return kind, "made"
        name = (dotted_name(receiver) or "").split(".")[-1]
        if not name:
            return None, ""
        imported = set(self.context.imports.names.values())
        if REDIS_NAME.search(name):
            return "redis", "named" if "redis" in name.lower() else "guessed"
        if MEMCACHE_NAME.search(name):
            return "memcache", "named" if "memcache" in name.lower() else "guessed"
        if CACHE_WORDS.search(name) and any(m.split(".")[0] in {"redis", "aioredis", "pymemcache", "memcache"} for m in imported):
            return "unknown", "guessed"
        return None, ""

    def _forever_on_purpose(self, node: cst.Call, receiver: cst.BaseExpression) -> bool:
        """``cache.set(key, value, None)`` on Django's cache, ``timeout=0`` on Flask-Caching or
        cachelib: a cache that normally expires entries is told to keep this one forever."""
        if resolve_kind(receiver, self.context.stack, self.context) != "default":
            return False
        qualified = self.context.imports.qualify(receiver.value if isinstance(receiver, cst.Subscript) else receiver) or ""
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        timeout = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "timeout"), None)
        if timeout is None and len(positional) >= 3:
            timeout = positional[2]
        if timeout is None:
            return False
        if qualified.startswith("django"):
            return isinstance(timeout, cst.Name) and timeout.value == "None"
        return isinstance(timeout, cst.Integer) and timeout.value == "0"

    def _django_without_timeout(self, receiver: cst.BaseExpression) -> bool:
        qualified = self.context.imports.qualify(receiver.value if isinstance(receiver, cst.Subscript) else receiver) or ""
        if not qualified.startswith("django"):
            return False
        project = self.context.project
        if project is None:
            return False
        return any(facts.get("CACHES") == "no-timeout" for facts in project.facts("cache_clients").values())

    @staticmethod
    def _scope(stack: list[cst.CSTNode]) -> cst.CSTNode:
        for node in reversed(stack):
            if isinstance(node, cst.FunctionDef):
                return node
        return stack[0]

    @staticmethod
    def _neighbours(scope: cst.CSTNode, node: cst.Call, receiver: str, family: str | None,
                    facts: Any) -> tuple[bool, bool]:
        """Whether the function reads the same key family from the same client, and whether it
        sets an expiry on it (``expire(key, ...)``, also through a pipeline of the client)."""
        reads = expires = False

        def enter(current: cst.CSTNode) -> bool:
            nonlocal reads, expires
            if current is not node and isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
                method = current.func.attr.value
                if method in GET_METHODS or method in EXPIRE_METHODS:
                    key = _first_arg(current)
                    same_key = key is not None and family is not None and _family(key, facts) == family
                    if method in EXPIRE_METHODS and same_key:
                        expires = True
                    elif same_key and (dotted_name(current.func.value) or "") == receiver:
                        reads = True
            return True

        walk(scope, enter)
        return reads, expires

    def _cache_place(self, klass: cst.ClassDef | None) -> bool:
        """A class or module named for caching (``class RedisCache``, ``app/cache/services.py``)."""
        if klass is not None and CACHE_WORDS.search(klass.name.value):
            return True
        path = self.context.options.get("relative_path", "") or self.context.path
        return bool(CACHE_WORDS.search(path.replace("\\", "/").rsplit("/", 2)[-2] if "/" in path else "")) or bool(
            CACHE_WORDS.search(path.rsplit("/", 1)[-1]))

    @staticmethod
    def _cache_named(scope: cst.CSTNode, key: cst.BaseExpression, receiver: str, kind: str) -> bool:
        """The helper, the key or the client is named for caching (``cache_result``, ``cache_key``,
        ``rates_cache``); a cache framework's own ``cache`` object says nothing by its name."""
        if isinstance(scope, cst.FunctionDef) and CACHE_WORDS.search(scope.name.value):
            return True
        if isinstance(key, cst.Name) and CACHE_WORDS.search(key.value):
            return True
        return kind not in {"django", "forever"} and bool(CACHE_WORDS.search(receiver.split(".")[-1]))

    VALID = [
        # an expiry on the call
        """
        import redis

        r = redis.Redis()

        def report(day):
            cached = r.get(f"report:{day}")
            if cached is None:
                cached = build(day)
                r.set(f"report:{day}", cached, ex=3600)
            return cached
        """,
        # near miss: Django's cache has a default timeout (300 s)
        """
        from django.core.cache import cache

        def report(day):
            cached = cache.get(f"report:{day}")
            if cached is None:
                cached = build(day)
                cache.set(f"report:{day}", cached)
            return cached
        """,
        # Redis as a store (no read of the key, not a cache helper), and a lock
        """
        import redis

        client = redis.Redis()

        def enable_feature(name):
            client.set(f"feature:{name}", "on")

        def acquire(name):
            return client.set(f"lock:{name}", "1", nx=True)
        """,
        # set then expire the same key, through a pipeline
        """
        from redis import Redis as R

        def remember(conn: R, user):
            cached = conn.get(f"user:{user.id}")
            if cached is None:
                pipe = conn.pipeline()
                pipe.set(f"user:{user.id}", user.json())
                pipe.expire(f"user:{user.id}", 600)
                pipe.execute()
        """,
        Valid(
            """
            import redis
            r = redis.Redis()
            def test_cache():
                assert r.get("k") is None
                r.set("k", "v")
            """,
            path="tests/test_cache.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import redis

            redis_client = redis.Redis(host="localhost")

            def get_report(day):
                cached = redis_client.get(f"report:{day}")
                if cached is None:
                    cached = build_report(day)
                    redis_client.set(f"report:{day}", cached)
                return cached
            """,
            line=9, column=9, message="`redis_client.set()` caches a value with no expiry",
        ),
        # import alias, async client, key in a variable
        Invalid(
            """
            import redis.asyncio as aioredis

            cache = aioredis.from_url("redis://localhost")

            async def profile(user_id):
                key = f"profile:{user_id}"
                if (hit := await cache.get(key)) is not None:
                    return hit
                data = await load_profile(user_id)
                await cache.set(key, data)
                return data
            """,
            line=10, message="ex=",
        ),
        # a cache-named helper on a memcached client
        Invalid(
            """
            from pymemcache.client.base import Client

            mc = Client(("localhost", 11211))

            def cache_result(key, value):
                mc.set(key, value)
            """,
            line=6, message="expire=",
        ),
        # hset without expire
        Invalid(
            """
            import redis

            class Stats:
                def __init__(self):
                    self.redis = redis.StrictRedis()

                def totals(self, team):
                    cached = self.redis.hgetall(f"totals:{team}")
                    if not cached:
                        cached = compute(team)
                        self.redis.hset(f"totals:{team}", mapping=cached)
                    return cached
            """,
            line=11, message="expire(key, seconds)",
        ),
    ]
