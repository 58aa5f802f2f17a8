"""What the engine knows about every rule without importing it: code, TRIGGER, the facts it reads.

Importing the rules costs more than checking a typical file (libcst alone is as slow to import as
bandit's whole one-file run), and most files trigger only a few rules. So the engine selects rules
and runs their TRIGGER regexes from this manifest, and imports a rule's module only for a file
whose text triggers it. The manifest also says which project facts (collectors) each rule's code
can read, so the project index is built only for those, and not at all for ``--select BR4``.

It is a JSON file shipped beside this module (``rule_manifest.json``), stamped with a hash of the
rule and analysis sources. When the sources changed since it was written (a rule being edited),
it is rebuilt by importing every rule and kept in the user's cache folder until the next change;
``python -m backend_rules.engine.manifest`` rewrites the shipped copy. A stale manifest is never
used, so it can cost time but never a finding.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.rule import Rule

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # backend_rules/
SHIPPED = Path(__file__).with_name("rule_manifest.json")
MANIFEST_FORMAT = 1
# Sources whose edits can change a rule's code, trigger, options or the facts it reads.
SOURCE_DIRS = ("rules", "analysis")
SOURCE_FILES = ("rule.py", "context.py")
FACTS_CALL = re.compile(r"""\.facts\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']""")


@dataclass(frozen=True)
class RuleEntry:
    """One rule as the manifest records it; :meth:`load` imports the rule class itself."""

    code: str
    name: str
    module: str
    qualname: str
    trigger: str | None
    uses_project_index: bool
    severity: str
    confidence: str
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    facts: tuple[str, ...] = ()

    # The same spelling as Rule, so the engine treats an entry and a class alike where it can.
    @property
    def CODE(self) -> str:  # noqa: N802
        return self.code

    def trigger_re(self) -> re.Pattern[str] | None:
        return _compiled(self.trigger) if self.trigger is not None else None

    def load(self) -> type["Rule"]:
        return _load(self.module, self.qualname)


@lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@lru_cache(maxsize=None)
def _load(module: str, qualname: str) -> type["Rule"]:
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


def source_hash() -> str:
    """SHA-1 of every source that can change what the manifest says (about 2 ms)."""
    digest = hashlib.sha1(f"{MANIFEST_FORMAT}".encode())
    paths = [PACKAGE_DIR / name for name in SOURCE_FILES]
    for folder in SOURCE_DIRS:
        for dirpath, dirnames, filenames in os.walk(PACKAGE_DIR / folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            paths += [Path(dirpath) / name for name in sorted(filenames) if name.endswith(".py")]
    for path in paths:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"(unreadable)")
        digest.update(b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """The current manifest (shipped, cached per user, or built now), as plain JSON data."""
    wanted = source_hash()
    for candidate in (_read_shipped(), _read_user_copy(wanted)):
        if isinstance(candidate, dict) and candidate.get("sources") == wanted and candidate.get("format") == MANIFEST_FORMAT:
            return candidate
    built = build_manifest(wanted)
    _write_user_copy(wanted, built)
    return built


@lru_cache(maxsize=1)
def rule_entries() -> dict[str, RuleEntry]:
    """Code -> :class:`RuleEntry` for every shipped rule, sorted by code."""
    entries = {}
    for code, row in manifest()["rules"].items():
        entries[code] = RuleEntry(
            code=code, name=row["name"], module=row["module"], qualname=row["qualname"],
            trigger=row["trigger"], uses_project_index=row["uses_project_index"],
            severity=row["severity"], confidence=row["confidence"], options=dict(row["options"]),
            facts=tuple(row["facts"]),
        )
    return dict(sorted(entries.items()))


def collector_modules() -> dict[str, str]:
    """Collector name -> the module that registers it (imported before the index is built)."""
    return dict(manifest()["collectors"])


def facts_needed(entries: "list[RuleEntry]") -> frozenset[str]:
    """The collectors the given rules can read (empty: no project index needed at all)."""
    return frozenset(name for entry in entries for name in entry.facts)


def _read_shipped() -> Any:
    try:
        return json.loads(SHIPPED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _user_copy(wanted: str) -> Path | None:
    from backend_rules.engine import cache_store

    if cache_store.signing_key() is None:
        return None
    return cache_store.user_cache_home() / f"manifest-{wanted[:16]}.json"


def _read_user_copy(wanted: str) -> Any:
    from backend_rules.engine import cache_store

    path = _user_copy(wanted)
    return cache_store.read(path, "manifest") if path is not None else None


def _write_user_copy(wanted: str, data: dict[str, Any]) -> None:
    from backend_rules.engine import cache_store

    path = _user_copy(wanted)
    if path is None:
        return
    for old in path.parent.glob("manifest-*.json"):  # one per source state is enough
        try:
            old.unlink()
        except OSError:
            pass
    cache_store.write(path, "manifest", data)


def build_manifest(sources: str | None = None) -> dict[str, Any]:
    """Import every rule (the slow path) and record what the engine needs to know without it."""
    from backend_rules.analysis.project_facts import COLLECTORS
    from backend_rules.engine.registry import all_rules

    rules = all_rules()
    graph = _import_graph()
    rows = {}
    for code, rule in rules.items():
        closure = _closure(rule.__module__, graph)
        reads = sorted({name for module in closure for name in graph[module][1]} & set(COLLECTORS))
        rows[code] = {
            "name": rule.NAME, "module": rule.__module__, "qualname": rule.__qualname__,
            "trigger": rule.TRIGGER, "uses_project_index": bool(rule.USES_PROJECT_INDEX),
            "severity": rule.SEVERITY, "confidence": rule.CONFIDENCE,
            "options": dict(rule.OPTIONS), "facts": reads,
        }
    return {
        "format": MANIFEST_FORMAT,
        "sources": sources or source_hash(),
        "rules": rows,
        "collectors": {name: collector.collect.__module__ for name, collector in sorted(COLLECTORS.items())},
    }


def _module_files() -> dict[str, Path]:
    files = {}
    for dirpath, dirnames, filenames in os.walk(PACKAGE_DIR):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if name.endswith(".py"):
                path = Path(dirpath) / name
                parts = ["backend_rules", *path.relative_to(PACKAGE_DIR).with_suffix("").parts]
                if parts[-1] == "__init__":
                    parts.pop()
                files[".".join(parts)] = path
    return files


def _import_graph() -> dict[str, tuple[set[str], set[str]]]:
    """Module -> (backend_rules modules it imports anywhere in its text, facts names it reads)."""
    files = _module_files()
    graph: dict[str, tuple[set[str], set[str]]] = {}
    for module, path in files.items():
        text = path.read_text(encoding="utf-8")
        is_package = path.name == "__init__.py"
        imported: set[str] = set()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(module, is_package, node.module, node.level)
                imported.add(base)
                imported.update(f"{base}.{alias.name}" for alias in node.names)
        parents = {".".join(name.split(".")[:i]) for name in imported for i in range(1, name.count(".") + 1)}
        graph[module] = ({name for name in imported | parents if name in files}, set(FACTS_CALL.findall(text)))
    return graph


def _absolute(module: str, is_package: bool, target: str | None, level: int) -> str:
    if level == 0:
        return target or ""
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    parts = parts[: len(parts) - (level - 1)] if level > 1 else parts
    return ".".join(parts + ([target] if target else []))


def _closure(module: str, graph: dict[str, tuple[set[str], set[str]]]) -> set[str]:
    parts = module.split(".")
    pending = [".".join(parts[:i]) for i in range(1, len(parts) + 1)]
    seen: set[str] = set()
    while pending:
        current = pending.pop()
        if current in seen or current not in graph:
            continue
        seen.add(current)
        pending.extend(graph[current][0])
    return seen


def write_shipped() -> Path:
    """Rewrite ``rule_manifest.json`` from the current sources (run after editing a rule)."""
    SHIPPED.write_text(json.dumps(build_manifest(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return SHIPPED


if __name__ == "__main__":  # pragma: no cover
    print(f"wrote {write_shipped()}")
