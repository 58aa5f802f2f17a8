"""Check many files: discovery, the results cache, parallel workers, stable ordering."""

from __future__ import annotations

import hashlib
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from concurrent.futures import InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from typing import Any

from backend_rules.version import __version__
from backend_rules.engine.config import Config
from backend_rules.engine.discovery import Skipped, UnreadableFile, iter_python_files, read_python_file
from backend_rules.engine.checker import check_source_detailed, stage
from backend_rules.engine.findings import FileError, Finding
from backend_rules.engine.registry import TOOL_RULES
from backend_rules.analysis.project_facts import ProjectIndex
from backend_rules.engine import cache_store
from backend_rules.engine.cache_store import cache_folder
from backend_rules.engine.project_index import find_project_root, index_for

PARALLEL_THRESHOLD = 8  # below this many files to parse, a process pool costs more than it saves


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    files: int = 0
    cached: int = 0
    paths: list[str] = field(default_factory=list)  # as given; SARIF finds the repository root from them


class ResultsCache:
    """Findings by (file content, path, config, tool version); reused only while still valid.

    A result that consulted the project index also records the index fingerprint, so editing a
    model elsewhere invalidates the files whose findings depended on it. Stored as authenticated
    JSON (:mod:`backend_rules.engine.cache_store`): a forged or foreign cache is ignored. Entries
    unused for ``MAX_AGE`` seconds, and the oldest beyond ``MAX_ENTRIES``, are dropped on save.
    """

    KIND = "results"
    MAX_AGE = 14 * 24 * 3600
    MAX_ENTRIES = 50_000

    def __init__(self, folder: Any, config: Config) -> None:
        self.file = folder / "results.json" if folder else None
        self.salt = f"{__version__}|{config.fingerprint()}"
        self.now = int(time.time())
        self.entries: dict[str, Any] = {}
        self.dirty = False
        stored = cache_store.read(self.file, self.KIND) if self.file is not None else None
        if isinstance(stored, dict):
            self.entries = stored

    def key(self, path: str, content: bytes) -> str:
        digest = hashlib.sha256(content)
        digest.update(f"|{path}|{self.salt}".encode())
        return digest.hexdigest()

    def get(self, key: str, index_fingerprint: Any) -> list[Finding] | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        try:
            rows, needed_fingerprint = entry["findings"], entry["index"]
            if needed_fingerprint is not None and not isinstance(needed_fingerprint, str):
                raise TypeError("fingerprint")
            if needed_fingerprint is not None and needed_fingerprint != index_fingerprint(needed_fingerprint):
                return None
            findings = [Finding.from_dict(row) for row in rows]
        except (TypeError, KeyError, ValueError):  # a valid file of the wrong shape: a miss
            del self.entries[key]
            return None
        entry["used"] = self.now
        self.dirty = True
        return findings

    def put(self, key: str, findings: list[Finding], fingerprint: str | None) -> None:
        self.entries[key] = {"findings": [f.to_dict() for f in findings], "index": fingerprint, "used": self.now}
        self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.file is None:
            return
        def last_used(item: tuple[str, Any]) -> int:
            used = item[1].get("used") if isinstance(item[1], dict) else None
            return used if isinstance(used, int) else 0
        fresh = [item for item in self.entries.items() if self.now - last_used(item) <= self.MAX_AGE]
        fresh.sort(key=last_used, reverse=True)
        cache_store.write(self.file, self.KIND, dict(fresh[: self.MAX_ENTRIES]))


# State handed to worker processes once, at fork.
_WORKER: dict[str, Any] = {}


def _check_one(job: tuple[str, bytes]) -> tuple[str, list[Finding], str | None, str | None]:
    """Worker: findings for one file, the fingerprint of the project facts they read (None when
    none), or an error."""
    path, content = job
    config: Config = _WORKER["config"]
    use_cache: bool = _WORKER["use_cache"]
    holder: dict[str, ProjectIndex] = {}

    def loader() -> ProjectIndex:
        index = index_for(path, use_cache)
        index.reads = set()
        holder["index"] = index
        return index

    try:
        findings, used_index = check_source_detailed(content, path, config, project_loader=loader)
    except Exception as exc:  # pragma: no cover - check_source_detailed guards its own steps
        return path, [], None, f"internal error: {type(exc).__name__}: {exc}"
    index = holder.get("index")
    fingerprint = index.fingerprint_of(index.reads) if used_index and index is not None and index.reads else None
    return path, findings, fingerprint, None





def _quiet_worker() -> None:
    """Workers leave Ctrl-C to the parent (no wall of worker tracebacks) and die with TERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _interrupted(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def _run_in_workers(function: Any, jobs_to_run: list, workers: int) -> list | None:
    """``function`` over the jobs in forked workers, in order; None when no worker could be
    started (then run serially).

    An interrupt (Ctrl-C, or TERM from ``timeout``) terminates every worker before it propagates,
    so nothing is left running and nothing but one line is printed.
    """
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupted) if in_main else None
    try:
        try:
            pool = ProcessPoolExecutor(workers, mp_context=get_context("fork"), initializer=_quiet_worker)
            return list(pool.map(function, jobs_to_run, chunksize=8))
        except OSError as exc:  # pragma: no cover - fork refused by the system
            sys.stderr.write(f"backend-rules: warning: cannot start worker processes ({exc}); checking serially\n")
            return None
        except BrokenProcessPool:  # pragma: no cover - a worker killed from outside
            sys.stderr.write("backend-rules: warning: a worker process died; checking serially\n")
            return None
        except BaseException:
            _stop(pool)
            raise
        finally:
            if "pool" in locals():
                pool.shutdown(wait=True, cancel_futures=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Kill the workers now; the executor's own thread then trips over the futures it had
    cancelled (a CPython quirk), which must not print a traceback over the user's Ctrl-C."""
    hook = threading.excepthook

    def quiet(args: threading.ExceptHookArgs) -> None:
        if not isinstance(args.exc_value, InvalidStateError):  # pragma: no cover
            hook(args)

    threading.excepthook = quiet
    try:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)
    finally:
        threading.excepthook = hook


def _mapper(workers: int):
    """map(function, jobs) over forked workers when there are enough jobs, else here."""
    def map_jobs(function: Any, jobs: list) -> list:
        results = None
        if workers > 1 and len(jobs) >= PARALLEL_THRESHOLD:
            results = _run_in_workers(function, jobs, workers)
        return results if results is not None else [function(job) for job in jobs]
    return map_jobs


def _import_rules_triggered_by(jobs: list[tuple[str, bytes]], config: Config) -> None:
    """Import, before forking, the selected rules some file triggers (and libcst with them):
    once here rather than once in every worker."""
    waiting = {entry.code: entry for entry in config.entries_for("") if entry.code not in TOOL_RULES}
    with stage("imports"):
        for _path, content in jobs:
            if not waiting:
                break
            text = content.decode("utf-8", errors="replace")
            for code, entry in list(waiting.items()):
                trigger = entry.trigger_re()
                if trigger is None or trigger.search(text):
                    entry.load()
                    del waiting[code]


def _prepare_indexes(jobs: list[tuple[str, bytes]], config: Config, use_cache: bool, workers: int) -> None:
    """Collect, before forking, the project facts the selected rules can read, so that workers
    inherit them; only for projects where some file triggers such a rule, and over the workers.
    (Collecting them on first read instead would repeat the work in every worker.)"""
    facts = config.facts_needed
    if not facts:
        return
    needy = [entry.trigger_re() for entry in config.entries_for("") if entry.facts]
    with stage("index"):
        done: set[str] = set()
        for path, content in jobs:
            root = find_project_root(path)
            if root in done:
                continue
            text = content.decode("utf-8", errors="replace")
            if any(trigger is None or trigger.search(text) for trigger in needy):
                index_for(path, use_cache, facts, map_jobs=_mapper(workers))
                done.add(root)


def check_paths(
    paths: list[str],
    config: Config | None = None,
    *,
    jobs: int | None = None,
    use_cache: bool = True,
    force_exclude: bool = False,
) -> Report:
    """Check every Python file under ``paths``; findings come back sorted, whatever the workers."""
    config = config or Config()
    report = Report(paths=list(paths))
    jobs_to_run: list[tuple[str, bytes]] = []
    keys: dict[str, str] = {}
    caches: dict[str, ResultsCache] = {}
    fingerprints: dict[tuple[str, frozenset[str]], str] = {}

    def fingerprint_of(path: str):
        def compute(stored: str) -> str:
            """The current fingerprint of the facts a cached result read."""
            names = frozenset(stored.split("=", 1)[0].split(","))
            key = (find_project_root(path), names)
            if key not in fingerprints:
                fingerprints[key] = index_for(path, use_cache).fingerprint_of(names)
            return fingerprints[key]
        return compute

    skipped: list[Skipped] = []
    for path in iter_python_files(paths, config, force_exclude, skipped):
        report.files += 1
        try:
            content = read_python_file(path)
        except UnreadableFile as exc:
            report.errors.append(FileError(path, str(exc)))
            continue
        cache = None
        if use_cache:
            root = find_project_root(path)
            if root not in caches:
                caches[root] = ResultsCache(cache_folder(root), config)
            cache = caches[root]
            keys[path] = cache.key(path, content)
            hit = cache.get(keys[path], fingerprint_of(path))
            if hit is not None:
                report.findings.extend(hit)
                report.cached += 1
                continue
        jobs_to_run.append((path, content))

    cpus = os.cpu_count() or 1
    workers = min(jobs, cpus) if jobs is not None else cpus
    _prepare_indexes(jobs_to_run, config, use_cache, workers)
    if workers > 1 and len(jobs_to_run) >= PARALLEL_THRESHOLD:
        _import_rules_triggered_by(jobs_to_run, config)
    _WORKER.update(config=config, use_cache=use_cache)
    results = _mapper(workers)(_check_one, jobs_to_run)

    for path, findings, fingerprint, error in results:
        if error is not None:  # pragma: no cover - see _check_one
            report.errors.append(FileError(path, error))
            continue
        report.findings.extend(findings)
        if use_cache and path in keys:
            caches[find_project_root(path)].put(keys[path], findings, fingerprint)
    for cache in caches.values():
        cache.save()
    report.errors.extend(FileError(item.path, item.reason) for item in skipped)
    report.findings.sort()
    report.errors.sort()
    return report
