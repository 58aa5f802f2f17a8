"""The project index: every module's facts, built over the project's files and cached on disk.

Pre-commit and editors hand over one changed file at a time while the models and coroutine
definitions live elsewhere, so rules that need them read this index. It is built with the stdlib
parser, only for files whose text can hold a fact, and cached on disk keyed by each file's
contents (SHA-1; an unchanged size and modification time only spare re-reading the file), so that
every process (CLI workers, flake8's ``-j`` workers) reaches the same answer cheaply.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from backend_rules.analysis.project_facts import COLLECTORS, ProjectIndex, collect_facts, module_name
from backend_rules.version import __version__

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
CACHE_DIR_NAME = ".backend_rules_cache"
INDEX_FORMAT = 2  # bump when the cached entry layout changes


@lru_cache(maxsize=4096)
def _root_of_folder(folder: str) -> str:
    current = Path(folder)
    for candidate in [current, *current.parents]:
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return str(candidate)
    return folder


def find_project_root(path: str) -> str:
    """The nearest folder at or above ``path`` holding pyproject.toml, setup.py/cfg or .git."""
    return _root_of_folder(os.path.dirname(os.path.abspath(path)))


def cache_folder(root: str) -> Path | None:
    """``<root>/.backend_rules_cache`` (git-ignored by itself), or None when it cannot be written."""
    override = os.environ.get("BACKEND_RULES_CACHE_DIR")
    folder = Path(override) / hashlib.sha1(root.encode()).hexdigest()[:12] if override else Path(root) / CACHE_DIR_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by backend-rules\n*\n", encoding="utf-8")
    except OSError:
        return None
    return folder


def _cache_file(root: str) -> Path | None:
    folder = cache_folder(root)
    collectors = ",".join(sorted(COLLECTORS))
    tag = hashlib.sha1(f"{__version__}|{INDEX_FORMAT}|{collectors}".encode()).hexdigest()[:10]
    return folder / f"index-{tag}.json" if folder else None


def build_index(root: str, use_cache: bool = True) -> ProjectIndex:
    """Index every Python file of the project at ``root`` (default excludes apply)."""
    from backend_rules.engine.config import Config
    from backend_rules.engine.discovery import walk_python_files
    from backend_rules.engine.registry import all_rules

    all_rules()  # importing the rules registers their collectors
    cache_path = _cache_file(root) if use_cache else None
    cached: dict[str, Any] = {}
    if cache_path is not None and cache_path.exists():
        try:
            cached = json.loads(cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            cached = {}
    fresh: dict[str, Any] = {}
    modules: dict[str, dict[str, Any]] = {}
    for path in walk_python_files(root, Config(root=root)):
        rel = os.path.relpath(path, root)
        try:
            stat = os.stat(path)
        except OSError:
            continue
        stamp = [stat.st_size, stat.st_mtime_ns]
        entry = cached.get(rel)
        if not (isinstance(entry, list) and len(entry) == 3):
            entry = None  # a cache from another format: rebuild that file's facts
        if entry is not None and entry[0] == stamp:
            digest, facts = entry[1], entry[2]
        else:
            try:
                with open(path, "rb") as handle:
                    content = handle.read()
            except OSError:
                continue
            digest = hashlib.sha1(content).hexdigest()
            if entry is not None and entry[1] == digest:
                facts = entry[2]  # touched but unchanged (a checkout, a formatter run)
            else:
                facts = collect_facts(content.decode("utf-8", errors="replace"), module_name(root, path))
        fresh[rel] = [stamp, digest, facts]
        if facts:
            modules[module_name(root, path)] = facts
    if cache_path is not None and fresh != cached:
        try:
            tmp = cache_path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(fresh), encoding="utf-8")
            os.replace(tmp, cache_path)
        except OSError:
            pass
    return ProjectIndex(root, modules)


_INDEXES: dict[str, ProjectIndex] = {}


def index_for(path: str, use_cache: bool = True) -> ProjectIndex:
    """The (per-process memoised) index of the project that ``path`` belongs to."""
    root = find_project_root(path)
    if root not in _INDEXES:
        _INDEXES[root] = build_index(root, use_cache)
    return _INDEXES[root]
