import json

import redis
from django.core.cache import cache
from pymemcache.client.base import Client

redis_client = redis.Redis(host="cache", port=6379)
r = redis.from_url("redis://cache:6379/0")
mc = Client(("cache", 11211))


def daily_report(day):
    cached = redis_client.get(f"report:{day}")
    if cached is None:
        cached = json.dumps(build_report(day))
        # ruleid: br802-python-cache-without-ttl
        redis_client.set(f"report:{day}", cached)
    return json.loads(cached)


def profile(user_id):
    key = f"profile:{user_id}"
    if r.get(key) is None:
        # ruleid: br802-python-cache-without-ttl
        r.set(key, json.dumps(load_profile(user_id)))
    return json.loads(r.get(key))


async def prices(app_redis, sku):
    value = await app_redis.get(sku)
    if value is None:
        value = await fetch_price(sku)
        # ruleid: br802-python-cache-without-ttl
        await app_redis.set(sku, value)
    return value


def rendered(page):
    html = mc.get(page.slug)
    if html is None:
        html = render(page)
        # ruleid: br802-python-cache-without-ttl
        mc.set(page.slug, html)
    return html


def user_field(user_id, field):
    value = redis_client.hget(f"user:{user_id}", field)
    if value is None:
        value = compute_field(user_id, field)
        # ruleid: br802-python-cache-without-ttl
        redis_client.hset(f"user:{user_id}", field, value)
    return value


# ---------------------------------------------------------------- negatives


def daily_report_ttl(day):
    cached = redis_client.get(f"report:{day}")
    if cached is None:
        cached = json.dumps(build_report(day))
        # ok: br802-python-cache-without-ttl
        redis_client.set(f"report:{day}", cached, ex=3600)
    return json.loads(cached)


def rendered_ttl(page):
    html = mc.get(page.slug)
    if html is None:
        html = render(page)
        # ok: br802-python-cache-without-ttl
        mc.set(page.slug, html, expire=600)
    return html


def profile_expire_after(user_id):
    key = f"profile:{user_id}"
    if r.get(key) is None:
        # ok: br802-python-cache-without-ttl
        r.set(key, json.dumps(load_profile(user_id)))
        r.expire(key, 300)
    return json.loads(r.get(key))


def counter_store(name):
    # no read of the key first: a store, not a cache
    # ok: br802-python-cache-without-ttl
    redis_client.set(f"feature:{name}", "on")


def lock(job_id):
    if redis_client.get(f"lock:{job_id}") is None:
        # ok: br802-python-cache-without-ttl
        redis_client.set(f"lock:{job_id}", "1", nx=True)


def django_cache(day):
    # Django's cache has a default timeout (300 s)
    report = cache.get(f"report:{day}")
    if report is None:
        report = build_report(day)
        # ok: br802-python-cache-without-ttl
        cache.set(f"report:{day}", report)
    return report


def other_key(day):
    cached = redis_client.get(f"report:{day}")
    # ok: br802-python-cache-without-ttl
    redis_client.set("last-report-day", day)
    return cached


def not_a_cache(settings_store, name, value):
    if settings_store.get(name) is None:
        # ok: br802-python-cache-without-ttl
        settings_store.set(name, value)
