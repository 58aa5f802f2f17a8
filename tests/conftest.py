"""Shared test helpers: run the engine on a snippet and look at what fires."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config

REPO = Path(__file__).resolve().parent.parent
SEED_GUIDE = REPO.parent / "shared" / "seed" / "backend-developer-guide.md"


def run(code: str, path: str = "example.py", select: tuple[str, ...] = ("BR",), **options):
    """Findings for a dedented snippet, as a list of Finding."""
    config = Config(select=select, options=tuple(options.items()))
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def codes(code: str, path: str = "example.py", select: tuple[str, ...] = ("BR",), **options) -> list[str]:
    return [f.code for f in run(code, path, select, **options)]


@pytest.fixture
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True, scope="session")
def _private_user_cache(tmp_path_factory):
    """Cache keys live in the user's cache folder: give the test session its own."""
    import os

    from backend_rules.engine import cache_store

    folder = tmp_path_factory.mktemp("user-cache")
    previous = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    cache_store._key_at.cache_clear()
    yield folder
    if previous is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = previous
    cache_store._key_at.cache_clear()
