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
