"""One memo per checked file, kept on the context and shared by the BR3 helpers and rules."""

from __future__ import annotations

from typing import Any


def file_cache(context: Any) -> dict:
    cache = context.__dict__.get("_async_errors_cache")
    if cache is None:
        cache = context.__dict__["_async_errors_cache"] = {}
    return cache
