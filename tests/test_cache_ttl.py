"""BR802 cache-without-ttl: cached results stored in Redis/memcached without an expiry."""

from __future__ import annotations

import ast
import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.rules.caching.cache_clients import collect_cache_clients


class Index:
    """A project index holding the cache-client facts of a few modules."""

    root = "/proj"

    def __init__(self, modules: dict[str, str]):
        self._facts = {name: collect_cache_clients(ast.parse(textwrap.dedent(text)), name) for name, text in modules.items()}

    def facts(self, name):
        return {m: f for m, f in self._facts.items() if f} if name == "cache_clients" else {}


def found(code: str, path: str = "/proj/app/services.py", project=None) -> list[tuple[int, str]]:
    config = Config(select=("BR802",), min_confidence="LOW")
    source = textwrap.dedent(code).removeprefix("\n")
    return [(f.line, f.confidence) for f in check_source(source, path, config, project_loader=lambda: project)]


def marked(code: str) -> list[int]:
    code = textwrap.dedent(code).removeprefix("\n")
    return [i for i, text in enumerate(code.splitlines(), 1) if text.rstrip().endswith("# here")]


POSITIVES = {
    "redis-module-client": """
        import json
        import redis

        r = redis.Redis.from_url(REDIS_URL)

        def get_user(user_id):
            raw = r.get(f"user:{user_id}")
            if raw:
                return json.loads(raw)
            user = load_user(user_id)
            r.set(f"user:{user_id}", json.dumps(user))  # here
            return user
        """,
    "strict-redis-from-import": """
        from redis import StrictRedis

        store = StrictRedis(host="cache")

        def weather(city):
            key = "weather:" + city
            value = store.get(key)
            if value is None:
                value = fetch_weather(city)
                store.set(key, value)  # here
            return value
        """,
    "async-redis-param-annotation": """
        from redis.asyncio import Redis

        async def price(symbol: str, redis: Redis):
            cached = await redis.get(f"price:{symbol}")
            if cached:
                return float(cached)
            value = await quote(symbol)
            await redis.set(f"price:{symbol}", value)  # here
            return value
        """,
    "django-redis-raw-client": """
        from django_redis import get_redis_connection

        def leaderboard(game_id):
            con = get_redis_connection("default")
            cached = con.get("board:%s" % game_id)
            if cached is None:
                cached = compute_board(game_id)
                con.set("board:%s" % game_id, cached)  # here
            return cached
        """,
    "self-attribute": """
        import redis

        class QuoteService:
            def __init__(self, url):
                self.cache = redis.from_url(url)

            def quote(self, symbol):
                hit = self.cache.get(symbol)
                if hit is None:
                    hit = self.fetch(symbol)
                    self.cache.set(symbol, hit)  # here
                return hit
        """,
    "decorator-wrapper": """
        import functools
        import json
        import redis

        rc = redis.Redis()

        def cached(func):
            @functools.wraps(func)
            def wrapper(*args):
                cache_key = f"{func.__name__}:{json.dumps(args)}"
                hit = rc.get(cache_key)
                if hit is not None:
                    return json.loads(hit)
                result = func(*args)
                rc.set(cache_key, json.dumps(result))  # here
                return result
            return wrapper
        """,
    "factory-function": """
        import redis

        def get_redis():
            return redis.Redis(host="localhost")

        def stats(team):
            client = get_redis()
            if client.exists(f"stats:{team}"):
                return client.get(f"stats:{team}")
            value = compute(team)
            client.set(f"stats:{team}", value)  # here
            return value
        """,
    "memcache-positional-no-expiry": """
        import memcache

        mc = memcache.Client(["127.0.0.1:11211"])

        def page(slug):
            html = mc.get("page_" + slug)
            if html is None:
                html = render(slug)
                mc.set("page_" + slug, html)  # here
            return html
        """,
    "aiocache-without-ttl": """
        from aiocache import Cache

        cache = Cache(Cache.REDIS, endpoint="redis")

        async def geo(ip):
            hit = await cache.get(ip)
            if hit is None:
                hit = await lookup(ip)
                await cache.set(ip, hit)  # here
            return hit
        """,
    "cache-named-helper": """
        import redis

        r = redis.Redis()

        def cache_search_results(query, results):
            r.set("search:" + query, results)  # here
        """,
    "name-only-client": """
        def exchange_rate(redis_client, currency):
            rate = redis_client.get(f"rate:{currency}")
            if rate is None:
                rate = fetch_rate(currency)
                redis_client.set(f"rate:{currency}", rate)  # here
            return rate
        """,
    "value-keyword": """
        import redis

        r = redis.Redis()

        def token(user):
            cached = r.get(name=f"token:{user}")
            if not cached:
                cached = mint(user)
                r.set(name=f"token:{user}", value=cached)  # here
            return cached
        """,
}


@pytest.mark.parametrize("name", sorted(POSITIVES))
def test_reports_cached_values_without_expiry(name):
    assert [line for line, _ in found(POSITIVES[name])] == marked(POSITIVES[name])


NEGATIVES = {
    "ex-keyword": """
        import redis
        r = redis.Redis()
        def get(k):
            v = r.get(k)
            if v is None:
                v = compute(k)
                r.set(k, v, ex=300)
            return v
        """,
    "positional-expiry": """
        import redis
        r = redis.Redis()
        def get(k):
            v = r.get(k)
            if v is None:
                v = compute(k)
                r.set(k, v, 300)
            return v
        """,
    "setex": """
        import redis
        r = redis.Redis()
        def get(k):
            v = r.get(k)
            if v is None:
                v = compute(k)
                r.setex(k, 300, v)
            return v
        """,
    "expire-after": """
        import redis
        r = redis.Redis()
        def get(user):
            key = f"u:{user}"
            v = r.get(key)
            if v is None:
                v = compute(user)
                r.set(key, v)
                r.expire(key, 60)
            return v
        """,
    "keepttl": """
        import redis
        r = redis.Redis()
        def bump(k):
            v = r.get(k)
            r.set(k, int(v) + 1, keepttl=True)
        """,
    "django-cache-default-timeout": """
        from django.core.cache import cache, caches
        def get(k):
            v = cache.get(k)
            if v is None:
                v = compute(k)
                cache.set(k, v)
                caches["default"].set(k, v)
            return v
        """,
    "flask-caching": """
        from flask_caching import Cache
        cache = Cache()
        def get(k):
            v = cache.get(k)
            if v is None:
                v = compute(k)
                cache.set(k, v)
            return v
        """,
    "aiocache-with-ttl": """
        from aiocache import Cache
        cache = Cache(Cache.REDIS, ttl=600)
        async def get(k):
            v = await cache.get(k)
            if v is None:
                v = await compute(k)
                await cache.set(k, v)
            return v
        """,
    "store-not-cache": """
        import redis
        r = redis.Redis()
        def save_session(sid, data):
            r.set(f"session:{sid}", data)
        def set_flag(name):
            r.set("flags:" + name, 1)
        """,
    "other-key-family-read": """
        import redis
        r = redis.Redis()
        def publish(post):
            if r.get("maintenance"):
                return
            r.set(f"post:{post.id}", post.json())
        """,
    "lock": """
        import redis
        r = redis.Redis()
        def lock(name):
            if r.get(f"lock:{name}"):
                return False
            return r.set(f"lock:{name}", 1, nx=True)
        """,
    "dict-and-settings-objects": """
        def configure(settings, config, headers):
            value = settings.get("x")
            settings.set("x", value)
            config.set("section", "key", "value")
            headers.set("X-Cache", "HIT")
        """,
    "unknown-cache-object-without-redis": """
        def get(cache, k):
            v = cache.get(k)
            if v is None:
                v = compute(k)
                cache.set(k, v)
            return v
        """,
    "contextvar-and-event": """
        import redis
        r = redis.Redis()
        def run(var, event, k):
            token = var.get(k)
            var.set(token)
            event.set()
        """,
    "test-file": """
        import redis
        r = redis.Redis()
        def test_cached():
            r.get("k")
            r.set("k", "v")
        """,
}


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_does_not_report_expiring_or_non_cache_writes(name):
    path = "/proj/tests/test_c.py" if name == "test-file" else "/proj/app/services.py"
    assert found(NEGATIVES[name], path) == []


def test_confidence_follows_what_is_known():
    # the client seen where it was made, and a read of the same key: HIGH
    assert found(POSITIVES["redis-module-client"]) == [(11, "HIGH")]
    # a client known only by its name: MEDIUM
    assert found(POSITIVES["name-only-client"]) == [(5, "MEDIUM")]
    # a cache-named helper without a read: MEDIUM
    assert found(POSITIVES["cache-named-helper"]) == [(6, "MEDIUM")]


def test_an_unidentified_cache_next_to_redis_imports_is_low():
    code = """
        import redis

        def get(cache, k):
            v = cache.get(k)
            if v is None:
                v = compute(k)
                cache.set(k, v)
            return v
        """
    assert found(code) == [(7, "LOW")]


def test_client_imported_from_another_module_through_the_index():
    project = Index({
        "app.extensions": """
            from redis import Redis
            from flask_caching import Cache
            redis_store = Redis.from_url("redis://")
            cache = Cache()
        """,
    })
    code = """
        from app.extensions import redis_store, cache

        def menu(day):
            hit = redis_store.get(f"menu:{day}")
            if hit is None:
                hit = build(day)
                redis_store.set(f"menu:{day}", hit)
            return hit

        def footer():
            hit = cache.get("footer")
            if hit is None:
                hit = render_footer()
                cache.set("footer", hit)
            return hit
        """
    assert found(code, project=project) == [(7, "HIGH")]


def test_relative_import_and_factory_in_the_index():
    project = Index({"app.deps": "import redis\ndef get_redis():\n    return redis.Redis()\n"})
    code = """
        from .deps import get_redis

        def stats(team):
            client = get_redis()
            cached = client.get(team)
            if cached is None:
                cached = compute(team)
                client.set(team, cached)
            return cached
        """
    assert found(code, project=project) == [(8, "HIGH")]


def test_django_cache_is_reported_when_settings_disable_the_default_timeout():
    settings = """
        CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "TIMEOUT": None}}
    """
    code = """
        from django.core.cache import cache

        def report(day):
            cached = cache.get(f"report:{day}")
            if cached is None:
                cached = build(day)
                cache.set(f"report:{day}", cached)
            return cached
        """
    assert found(code, project=Index({"proj.settings": settings})) == [(7, "HIGH")]
    assert found(code, project=Index({"proj.settings": 'CACHES = {"default": {"TIMEOUT": 60}}'})) == []


def test_collector_records_clients_factories_and_settings():
    text = """
        import redis
        from pymemcache.client.base import Client
        from aiocache import Cache
        r = redis.Redis()
        mc = Client("localhost")
        slow = Cache(Cache.MEMORY, ttl=10)
        fast = Cache(Cache.REDIS)
        def get_redis():
            return redis.from_url("redis://")
        CACHES = {"default": {"TIMEOUT": None}}
    """
    facts = collect_cache_clients(ast.parse(textwrap.dedent(text)), "m")
    assert facts == {"r": "redis", "mc": "memcache", "slow": "default", "fast": "aiocache",
                     "get_redis()": "redis", "CACHES": "no-timeout"}


def test_cache_service_class_with_get_and_set_methods():
    code = """
        import json

        class RedisQueryResults:
            def __init__(self, redis_client):
                self.redis_client = redis_client

            def get(self, key):
                result = self.redis_client.get(key)
                return json.loads(result) if result else None

            def set(self, key, value):
                self.redis_client.set(key, json.dumps(value))
        """
    # the service's own set(key, value): its callers decide how long (a job refreshes it) -> LOW
    assert found(code) == [(12, "LOW")]


def test_a_module_named_for_caching_is_cache_code():
    code = """
        def remember(redis_conn, key, value):
            redis_conn.set(key, value)
        """
    assert found(code, path="/proj/app/cache.py") == [(2, "MEDIUM")]
    assert found(code, path="/proj/app/cache/store.py") == [(2, "MEDIUM")]
    assert found(code, path="/proj/app/store.py") == []


def test_a_timeout_that_means_forever_is_reported():
    code = """
        from django.core.cache import cache
        from flask_caching import Cache

        flask_cache = Cache()

        def report(day):
            cached = cache.get(f"report:{day}")
            if cached is None:
                cached = build(day)
                cache.set(f"report:{day}", cached, None)
            return cached

        def menu(day):
            cached = flask_cache.get(f"menu:{day}")
            if cached is None:
                cached = build(day)
                flask_cache.set(f"menu:{day}", cached, timeout=0)
                flask_cache.set(f"menu-alt:{day}", cached, timeout=None)
            return cached
        """
    assert found(code) == [(10, "HIGH"), (17, "HIGH")]


def test_a_deliberate_forever_without_a_read_back_is_quiet():
    code = """
        from django.core.cache import cache

        def activate(revision):
            cache.set("config", revision.data, None)
            cache.set("config_version", revision.pk, None)
        """
    assert found(code) == []


# ----- a cache service's own write API (issue 12: true, low value)
WRAPPER = """
    import json
    import redis

    class RedisResults:
        def __init__(self, url):
            self.client = redis.StrictRedis.from_url(url)

        def get(self, key):
            found = self.client.get(key)
            return json.loads(found) if found else None

        def set(self, key, value):
            self.client.set(key, json.dumps(value))
"""


def test_a_cache_service_set_method_handing_on_its_parameters_is_low():
    assert found(WRAPPER) == [(13, "LOW")]


def test_a_cache_service_method_filling_its_own_key_keeps_its_confidence():
    code = WRAPPER.replace("def set(self, key, value):", "def remember(self, key, value):")
    assert found(code) == [(13, "HIGH")]


CONTENT_KEYED = '''
import redis


class KeyStore:
    KEY_HASH = "crypto/keys"

    def __init__(self):
        self._redis = redis.Redis()

    def public_key(self, {field}: str, gpg) -> str:
        key = self._redis.hget(self.KEY_HASH, {field})
        if key:
            return key
        key = gpg.export_keys({field})
        self._redis.hset(self.KEY_HASH, {field}, key)
        return key
'''


def test_an_entry_keyed_by_a_fingerprint_of_its_value_is_low():
    """securedrop keeps exported GPG keys in a Redis hash keyed by fingerprint: it cannot go stale."""
    assert found(CONTENT_KEYED.format(field="fingerprint")) == [(15, "LOW")]
    assert found(CONTENT_KEYED.format(field="source_uuid")) == [(15, "HIGH")]
    digest = 'import redis\nr = redis.Redis()\ndef put(blob, sha256):\n    if not r.get(f"blob:{sha256}"):\n        r.set(f"blob:{sha256}", blob)\n'
    assert [c for _, c in found(digest)] == ["LOW"]


def test_an_entry_whose_value_is_a_fingerprint_is_an_identity_not_a_result():
    code = CONTENT_KEYED.format(field="source_id").replace(
        "self._redis.hset(self.KEY_HASH, source_id, key)", "self._redis.hset(self.KEY_HASH, source_id, key_fingerprint)"
    ).replace("key = gpg.export_keys(source_id)", "key_fingerprint = gpg.export_keys(source_id)")
    assert [c for _, c in found(code)] == ["LOW"]
