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
from typing import Any, Callable

from backend_rules.analysis.project_facts import COLLECTORS, ProjectIndex, collect_facts, module_name
from backend_rules.engine import cache_store
from backend_rules.engine.cache_store import cache_folder

ROOT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
INDEX_KIND = "index"
INDEX_FORMAT = 6  # bump when the cached entry layout changes


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
    return folder / f"index-v{INDEX_FORMAT}.json" if folder else None


def _collectors(names: frozenset[str] | None) -> frozenset[str]:
    """The collectors among ``names`` (default: every one) that exist (nothing imported)."""
    from backend_rules.engine.manifest import collector_modules

    modules = collector_modules()
    return frozenset(modules) if names is None else frozenset(name for name in names if name in modules)


def _register(names: frozenset[str]) -> None:
    """Import the modules of the collectors ``names`` (a warm index needs none of them)."""
    import importlib

    from backend_rules.engine.manifest import collector_modules

    modules = collector_modules()
    for name in sorted(names):
        if name not in COLLECTORS:
            importlib.import_module(modules[name])


# map_jobs(function, jobs) -> [function(job) for job in jobs], perhaps in worker processes.
MapJobs = Callable[[Callable[[Any], Any], list], list]

def _serially(function: Callable[[Any], Any], jobs: list) -> list:
    return [function(job) for job in jobs]


def build_index(
    root: str, use_cache: bool = True, facts: frozenset[str] | None = None, map_jobs: MapJobs | None = None
) -> ProjectIndex:
    """The index of the project at ``root`` (default excludes apply), with the facts of the
    collectors in ``facts`` (default: all) collected now; any other is collected when first read."""
    index = ProjectIndex(
        root, {}, frozenset(), grow=lambda index, names, how: _grow(index, names, use_cache, how or _serially)
    )
    names = _collectors(facts)
    if names:
        index.add(names, map_jobs)
    return index


def _collect_job(job: tuple[bytes, str, frozenset[str]]) -> dict[str, Any]:
    content, module, names = job
    return collect_facts(content.decode("utf-8", errors="replace"), module, names)


def _grow(index: ProjectIndex, names: frozenset[str], use_cache: bool, map_jobs: MapJobs) -> None:
    """Add the facts of ``names`` for every file, reusing what the on-disk cache holds.

    A cache entry is ``[sha1 of content, facts, collectors run]``: a file is parsed again only
    when it changed or a collector it was not yet read for is wanted (and its trigger matches).
    """
    from backend_rules.engine.config import Config
    from backend_rules.engine.discovery import UnreadableFile, read_python_file, walk_python_files

    root = index.root
    names = _collectors(names)
    held = (index.collected or frozenset()) | names
    if not names:
        index.collected = held
        return
    cache_path = _cache_file(root) if use_cache else None
    stored = cache_store.read(cache_path, INDEX_KIND) if cache_path is not None else None
    cached = _unpack(stored)
    fresh: dict[str, Any] = {}
    names_of: dict[str, str] = {}
    jobs: list[tuple[bytes, str, frozenset[str]]] = []
    job_files: list[str] = []
    for path in walk_python_files(root, Config(root=root)):
        rel = os.path.relpath(path, root)
        try:
            content = read_python_file(path)
        except UnreadableFile:
            continue
        digest = hashlib.sha1(content).hexdigest()
        entry = cached.get(rel)
        known: dict[str, Any] = {}
        done: set[str] = set()
        if _valid_entry(entry) and entry[0] == digest:
            known, done = dict(entry[1]), set(entry[2])
        missing = names - done
        names_of[rel] = module_name(root, path)
        if missing:
            jobs.append((content, names_of[rel], frozenset(missing)))
            job_files.append(rel)
        fresh[rel] = [digest, known, sorted(done | missing)]
    if jobs:
        _register(names)
    for rel, found in zip(job_files, map_jobs(_collect_job, jobs)):
        fresh[rel][1].update(found)
    modules = {module: dict(facts) for module, facts in index.modules.items()}  # the facts held stay
    for rel, (_digest, known, _done) in fresh.items():
        added = {key: value for key, value in known.items() if key in names}
        if added:
            modules.setdefault(names_of[rel], {}).update(added)
    if cache_path is not None and fresh != cached:
        cache_store.write(cache_path, INDEX_KIND, _pack(fresh))
    index.modules = modules
    index.collected = held


def _pack(fresh: dict[str, Any]) -> dict[str, Any]:
    """On disk, which collectors ran on a file is a bit mask over one list of names (the index
    stays a small fraction of the project's size)."""
    names = sorted({name for _digest, _facts, done in fresh.values() for name in done})
    bit = {name: 1 << number for number, name in enumerate(names)}
    return {
        "collectors": names,
        "files": {rel: [digest, facts, sum(bit[name] for name in done)] for rel, (digest, facts, done) in fresh.items()},
    }


def _unpack(stored: Any) -> dict[str, Any]:
    """The entries of :func:`_pack` as ``[digest, facts, [collector, ...]]``; {} if malformed."""
    if not isinstance(stored, dict) or not isinstance(stored.get("files"), dict):
        return {}
    names = stored.get("collectors")
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return {}
    entries = {}
    for rel, entry in stored["files"].items():
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], int):
            entries[rel] = [entry[0], entry[1], [name for number, name in enumerate(names) if entry[2] >> number & 1]]
    return entries


def _valid_entry(entry: Any) -> bool:
    return (
        isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str)
        and isinstance(entry[1], dict) and isinstance(entry[2], list)
    )


_INDEXES: dict[str, ProjectIndex] = {}


def index_for(
    path: str, use_cache: bool = True, facts: frozenset[str] = frozenset(), map_jobs: MapJobs | None = None
) -> ProjectIndex:
    """The (per-process memoised) index of the project that ``path`` belongs to, holding at least
    the collectors in ``facts`` (default: none yet; each is collected when first read)."""
    return index_of_root(find_project_root(path), use_cache, facts, map_jobs)


def index_of_root(
    root: str, use_cache: bool = True, facts: frozenset[str] = frozenset(), map_jobs: MapJobs | None = None
) -> ProjectIndex:
    if root not in _INDEXES:
        _INDEXES[root] = build_index(root, use_cache, facts, map_jobs)
    elif facts:
        _INDEXES[root].add(_collectors(facts), map_jobs)
    return _INDEXES[root]
