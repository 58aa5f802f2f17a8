"""The project index: every module's facts, built over the project's files and cached on disk.

Pre-commit and editors hand over one changed file at a time while the models and coroutine
definitions live elsewhere, so rules that need them read this index. It is built with the stdlib
parser, only for files whose text can hold a fact, and cached on disk keyed by each file's
contents (SHA-1), so that every process (CLI workers, flake8's ``-j`` workers) reaches the same answer cheaply.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend_rules.analysis.project_facts import COLLECTORS, ProjectIndex, collect_facts, module_name
from backend_rules.engine import cache_store
from backend_rules.engine.cache_store import cache_folder

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
INDEX_KIND = "index"
INDEX_FORMAT = 4  # bump when the cached entry layout changes


@lru_cache(maxsize=4096)
def _root_of_folder(folder: str) -> str:
    current = Path(folder)
    for candidate in [current, *current.parents]:
        if any((candidate / marker).exists() for marker in ROOT_MARKERS) and not _is_package_module_setup(candidate):
            return str(candidate)
    return folder


def _is_package_module_setup(folder: Path) -> bool:
    """A ``setup.py`` inside a package (``app/handlers/setup.py``) is a module, not a project root."""
    markers = [marker for marker in ROOT_MARKERS if (folder / marker).exists()]
    return markers == ["setup.py"] and (folder / "__init__.py").exists()


def find_project_root(path: str) -> str:
    """The nearest folder at or above ``path`` holding pyproject.toml, setup.py/cfg or .git."""
    return _root_of_folder(os.path.dirname(os.path.abspath(path)))


def _cache_file(root: str) -> Path | None:
    folder = cache_folder(root)
    collectors = ",".join(sorted(COLLECTORS))
    tag = hashlib.sha1(f"{INDEX_FORMAT}|{collectors}".encode()).hexdigest()[:10]
    return folder / f"index-{tag}.json" if folder else None


def build_index(root: str, use_cache: bool = True) -> ProjectIndex:
    """Index every Python file of the project at ``root`` (default excludes apply)."""
    from backend_rules.engine.config import Config
    from backend_rules.engine.discovery import UnreadableFile, read_python_file, walk_python_files
    from backend_rules.engine.registry import all_rules

    all_rules()  # importing the rules registers their collectors
    cache_path = _cache_file(root) if use_cache else None
    cached = cache_store.read(cache_path, INDEX_KIND) if cache_path is not None else None
    if not isinstance(cached, dict):
        cached = {}
    fresh: dict[str, Any] = {}
    modules: dict[str, dict[str, Any]] = {}
    for path in walk_python_files(root, Config(root=root)):
        rel = os.path.relpath(path, root)
        try:
            content = read_python_file(path)
        except UnreadableFile:
            continue
        digest = hashlib.sha1(content).hexdigest()
        entry = cached.get(rel)
        if isinstance(entry, list) and len(entry) == 2 and entry[0] == digest and isinstance(entry[1], dict):
            facts = entry[1]  # unchanged since the last run
        else:
            facts = collect_facts(content.decode("utf-8", errors="replace"), module_name(root, path))
        fresh[rel] = [digest, facts]
        if facts:
            modules[module_name(root, path)] = facts
    if cache_path is not None and fresh != cached:
        cache_store.write(cache_path, INDEX_KIND, fresh)
    return ProjectIndex(root, modules)


_INDEXES: dict[str, ProjectIndex] = {}


def index_for(path: str, use_cache: bool = True) -> ProjectIndex:
    """The (per-process memoised) index of the project that ``path`` belongs to."""
    root = find_project_root(path)
    if root not in _INDEXES:
        _INDEXES[root] = build_index(root, use_cache)
    return _INDEXES[root]
