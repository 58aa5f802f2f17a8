"""Cross-file facts: what a rule module registers (collectors) and what a rule reads (the index).

Rule modules register a collector per kind of fact (models, coroutines, ...); the engine
(``backend_rules.engine.project_index``) runs them over every file of a project and hands rules
a :class:`ProjectIndex`. Collectors see the stdlib AST only: facts need no positions, and the
stdlib parser is an order of magnitude cheaper than libcst. A file in syntax newer than the running
Python's is rewritten into older syntax first (``modern_syntax``), so it still contributes its facts.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any, Callable



@dataclass(frozen=True)
class FactCollector:
    """Extracts JSON-serialisable facts from one module; runs only where ``trigger`` matches."""

    name: str
    trigger: re.Pattern[str]
    collect: Callable[[ast.Module, str], Any]


COLLECTORS: dict[str, FactCollector] = {}


def fact_collector(name: str, trigger: str) -> Callable[[Callable[[ast.Module, str], Any]], Callable[[ast.Module, str], Any]]:
    """Register ``collect(tree, module_name)`` under ``name`` (used by rule modules at import)."""

    def register(func: Callable[[ast.Module, str], Any]) -> Callable[[ast.Module, str], Any]:
        COLLECTORS[name] = FactCollector(name, re.compile(trigger), func)
        return func

    return register


class ProjectIndex:
    """Facts per module of one project: ``index.facts("models")`` -> {module: facts}.

    An index may hold only some collectors' facts (those the selected rules read); asking for
    another one collects it through ``grow`` (the engine's builder), so a rule never misses a
    fact because the engine did not foresee that it reads it. ``reads`` records the names asked
    for, so a cached result depends on exactly those facts (:meth:`fingerprint_of`).
    """

    def __init__(
        self, root: str, modules: dict[str, dict[str, Any]], collected: frozenset[str] | None = None,
        grow: Callable[..., None] | None = None,
    ) -> None:
        self.root = root
        self.modules = modules
        self.collected = collected  # None: every registered collector
        self.reads: set[str] = set()
        self._grow = grow
        self._by_collector: dict[str, dict[str, Any]] = {}
        self._hashes: dict[str, str] = {}

    def facts(self, collector: str) -> dict[str, Any]:
        self.reads.add(collector)
        found = self._by_collector.get(collector)
        if found is None:
            if self.collected is not None and collector not in self.collected:
                self.add(frozenset({collector}))
            found = self._by_collector[collector] = {
                module: data[collector] for module, data in self.modules.items() if data.get(collector)
            }
        return found

    def add(self, collectors: frozenset[str], map_jobs: Any = None) -> None:
        """Collect more kinds of facts into this index (no-op for those already held);
        ``map_jobs`` is how the engine spreads the work (None: here)."""
        if self.collected is None or self._grow is None or collectors <= self.collected:
            return
        self._grow(self, collectors - self.collected, map_jobs)
        self._by_collector.clear()
        self._hashes.clear()

    def fingerprint_of(self, collectors: "set[str] | frozenset[str]") -> str:
        """``name,name=hash`` of the facts of ``collectors``: what a result that read them depends on."""
        if self.collected is not None:
            self.add(frozenset(collectors) - self.collected)  # one pass over the project for all
        digest = hashlib.sha256()
        for name in sorted(collectors):
            if name not in self._hashes:
                payload = json.dumps(self.facts(name), sort_keys=True, default=str).encode()
                self._hashes[name] = hashlib.sha256(payload).hexdigest()
            digest.update(self._hashes[name].encode())
        return ",".join(sorted(collectors)) + "=" + digest.hexdigest()[:24]

    @property
    def fingerprint(self) -> str:
        """The fingerprint of every fact held."""
        return self.fingerprint_of({name for data in self.modules.values() for name in data})


def module_name(root: str, path: str) -> str:
    """Dotted module name of ``path`` inside ``root`` (a leading ``src/`` folder is dropped)."""
    rel = os.path.relpath(os.path.abspath(path), root)
    parts = rel.replace(os.sep, "/").split("/")
    if parts and parts[0] == "src" and len(parts) > 1:
        parts = parts[1:]
    if parts[-1].endswith(".py"):
        parts[-1] = parts[-1][:-3]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def collect_facts(
    text: str, module: str, names: "frozenset[str] | set[str] | None" = None, tree: ast.Module | None = None
) -> dict[str, Any]:
    """Run every collector (or those in ``names``) whose trigger matches; the file is parsed at
    most once (not at all when ``tree``, its stdlib AST, is given) and never run."""
    wanted = [
        c for c in COLLECTORS.values() if (names is None or c.name in names) and c.trigger.search(text)
    ]
    if not wanted:
        return {}
    if tree is None:
        tree = _parse(text)
    if tree is None:
        return {}
    facts: dict[str, Any] = {}
    for collector in wanted:
        try:
            value = collector.collect(tree, module)
        except Exception:  # pragma: no cover - a collector bug must not stop the run
            continue
        if value:
            facts[collector.name] = value
    return facts


def _parse(text: str) -> ast.Module | None:
    """The stdlib AST; newer syntax goes through ``modern_syntax`` (and libcst, imported only then)."""
    try:
        return ast.parse(text)
    except SyntaxError:
        from backend_rules.analysis.modern_syntax import parse_modern

        return parse_modern(text)  # never raises; None when no grammar libcst knows reads the file
    except (ValueError, RecursionError, MemoryError):
        return None
