"""``[tool.backend-rules]`` in pyproject.toml: which rules run where, and what is never looked at."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pathspec

from backend_rules.engine.manifest import rule_entries

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Never walked into: version control, virtualenvs, caches, dependencies and build output.
DEFAULT_EXCLUDE = (
    ".git/", ".hg/", ".svn/", ".bzr/", ".venv/", "venv/", ".tox/", ".nox/", ".eggs/", "*.egg-info/",
    "__pycache__/", ".mypy_cache/", ".pytest_cache/", ".ruff_cache/", ".backend_rules_cache/",
    "node_modules/", "site-packages/", "__pypackages__/", "build/", "dist/", "_build/", "buck-out/",
    ".direnv/", ".ipynb_checkpoints/",
)
BASE_KEYS = {"select", "ignore", "exclude", "extend-exclude", "per-file-ignores", "min-confidence", "baseline"}
CONFIDENCE_ORDER = ("LOW", "MEDIUM", "HIGH")
DEFAULT_MIN_CONFIDENCE = "MEDIUM"


class ConfigError(Exception):
    """Bad configuration or arguments: reported in one line, exit status 2."""


def _string_list(value: Any, key: str, origin: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{origin}: '{key}' must be a list of strings")
    return tuple(value)


def check_codes(codes: tuple[str, ...], origin: str) -> tuple[str, ...]:
    """Codes and prefixes must name at least one rule (``BR``, ``BR1``, ``BR101``)."""
    known = rule_entries()
    for code in codes:
        if not any(known_code.startswith(code.upper()) for known_code in known) or not code:
            raise ConfigError(f"{origin}: unknown rule code or prefix {code!r}")
    return tuple(code.upper() for code in codes)


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("BR",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    options: tuple[tuple[str, Any], ...] = ()
    root: str = field(default_factory=os.getcwd)
    source: str | None = None  # the pyproject.toml it came from
    min_confidence: str = DEFAULT_MIN_CONFIDENCE  # findings less sure than this are not shown
    baseline: str | None = None  # accepted findings (absolute path), reported only when new

    def with_overrides(
        self, select: list[str] | None, ignore: list[str] | None, min_confidence: str | None = None
    ) -> "Config":
        config = self
        if select:
            config = replace(config, select=check_codes(tuple(select), "--select"))
        if ignore:
            config = replace(config, ignore=config.ignore + check_codes(tuple(ignore), "--ignore"))
        if min_confidence:
            config = replace(config, min_confidence=check_confidence(min_confidence, "--min-confidence"))
        return config

    def is_confident(self, confidence: str) -> bool:
        """Whether a finding of this confidence is shown (``min-confidence``, default MEDIUM)."""
        return CONFIDENCE_ORDER.index(confidence) >= CONFIDENCE_ORDER.index(self.min_confidence)

    @cached_property
    def _exclude_spec(self) -> pathspec.GitIgnoreSpec:
        return pathspec.GitIgnoreSpec.from_lines(self.exclude + self.extend_exclude)

    @cached_property
    def _per_file(self) -> list[tuple[pathspec.GitIgnoreSpec, tuple[str, ...]]]:
        return [
            (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
            for pattern, codes in self.per_file_ignores
        ]

    def check_patterns(self, origin: str) -> None:
        """Compile every pattern now, so a bad one is a config error, not a crash mid-run."""
        try:
            self._exclude_spec
            self._per_file
        except Exception as exc:  # pathspec raises several types for malformed patterns
            raise ConfigError(f"{origin}: invalid pattern in exclude or per-file-ignores: {exc}") from None

    def relative(self, path: str) -> str:
        """``path`` relative to the config root, with forward slashes, for pattern matching."""
        try:
            rel = os.path.relpath(os.path.abspath(path), self.root)
        except ValueError:  # pragma: no cover - another drive on Windows
            return path.replace(os.sep, "/")
        return path.replace(os.sep, "/") if rel.startswith("..") else rel.replace(os.sep, "/")

    def is_excluded(self, path: str, is_dir: bool = False) -> bool:
        rel = self.relative(path)
        return self._exclude_spec.match_file(rel + "/" if is_dir else rel)

    def is_selected(self, code: str, path: str | None = None) -> bool:
        if not any(code.startswith(prefix) for prefix in self.select):
            return False
        ignored = self.ignore + (self._ignored_here(path) if path is not None else ())
        return not any(code.startswith(prefix) for prefix in ignored)

    def _ignored_here(self, path: str) -> tuple[str, ...]:
        """Codes ``per-file-ignores`` switches off for ``path``: each pattern is matched once per
        file (with its compiled spec), not once per file and rule."""
        if not self._per_file:
            return ()
        rel = self.relative(path)
        return tuple(code for spec, codes in self._per_file if spec.match_file(rel) for code in codes)

    def entries_for(self, path: str) -> list:
        """The selected rules for ``path`` as manifest entries (nothing imported yet)."""
        ignored = self.ignore + self._ignored_here(path)
        return [
            entry for code, entry in rule_entries().items()
            if any(code.startswith(prefix) for prefix in self.select)
            and not any(code.startswith(prefix) for prefix in ignored)
        ]

    def rules_for(self, path: str) -> list:
        """The selected rule classes for ``path`` (imports them)."""
        return [entry.load() for entry in self.entries_for(path)]

    @cached_property
    def facts_needed(self) -> frozenset[str]:
        """The project facts the selected rules can read anywhere (empty: no project index)."""
        from backend_rules.engine.manifest import facts_needed

        ignored = self.ignore  # per-file ignores only narrow it; the index is per project
        return facts_needed([
            entry for code, entry in rule_entries().items()
            if any(code.startswith(prefix) for prefix in self.select)
            and not any(code.startswith(prefix) for prefix in ignored)
        ])

    @cached_property
    def _options(self) -> dict[str, Any]:
        return {**option_defaults(), **dict(self.options), "root": self.root}

    def options_for(self, path: str) -> dict[str, Any]:
        """Rule options (defaults overridden by config) plus where this file sits."""
        return {**self._options, "relative_path": self.relative(path)}

    def fingerprint(self) -> str:
        """Identifies everything in the config that can change a file's findings."""
        return repr((self.select, self.ignore, self.per_file_ignores, self.options, self.min_confidence,
                     self.source, self.root))


def check_confidence(value: Any, origin: str) -> str:
    if not isinstance(value, str) or value.upper() not in CONFIDENCE_ORDER:
        raise ConfigError(f"{origin}: confidence must be one of low, medium, high (got {value!r})")
    return value.upper()


@lru_cache(maxsize=1)
def option_defaults() -> dict[str, Any]:
    """Every rule option with its default value (the keys rules add to [tool.backend-rules])."""
    merged: dict[str, Any] = {}
    for entry in rule_entries().values():
        merged.update(entry.options)
    return merged


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a [tool.backend-rules] table."""
    start = start.resolve()
    for folder in [start, *start.parents] if start.is_dir() else [start.parent, *start.parent.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = tomllib.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"{candidate}: invalid TOML: {exc}") from None
            tool = data.get("tool", {})
            if not isinstance(tool, dict):
                raise ConfigError(f"{candidate}: 'tool' must be a table")
            if "backend-rules" in tool:
                return candidate
    return None


def load_config(path: Path | None) -> Config:
    """Read ``[tool.backend-rules]`` from a pyproject.toml; defaults when ``path`` is None."""
    if path is None:
        return Config()
    origin = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{origin}: invalid TOML: {exc}") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{origin}: 'tool' must be a table")
    table = tool.get("backend-rules", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [tool.backend-rules] must be a table")
    defaults = option_defaults()
    unknown = sorted(set(table) - BASE_KEYS - set(defaults))
    if unknown:
        raise ConfigError(f"{origin}: unknown key {unknown[0]!r} in [tool.backend-rules]")
    kwargs: dict[str, Any] = {"root": str(path.parent.resolve()), "source": origin}
    if "select" in table:
        kwargs["select"] = check_codes(_string_list(table["select"], "select", origin), origin)
    if "ignore" in table:
        kwargs["ignore"] = check_codes(_string_list(table["ignore"], "ignore", origin), origin)
    if "exclude" in table:
        kwargs["exclude"] = _string_list(table["exclude"], "exclude", origin)
    if "extend-exclude" in table:
        kwargs["extend_exclude"] = _string_list(table["extend-exclude"], "extend-exclude", origin)
    if "per-file-ignores" in table:
        mapping = table["per-file-ignores"]
        if not isinstance(mapping, dict):
            raise ConfigError(f"{origin}: 'per-file-ignores' must be a table of pattern = [codes]")
        kwargs["per_file_ignores"] = tuple(
            (pattern, check_codes(_string_list(codes, f"per-file-ignores.{pattern}", origin), origin))
            for pattern, codes in mapping.items()
        )
    if "baseline" in table:
        if not isinstance(table["baseline"], str) or not table["baseline"]:
            raise ConfigError(f"{origin}: 'baseline' must be a path (string)")
        kwargs["baseline"] = str(path.parent.resolve() / table["baseline"])
    if "min-confidence" in table:
        kwargs["min_confidence"] = check_confidence(table["min-confidence"], f"{origin}: 'min-confidence'")
    options = []
    for key in sorted(set(table) & set(defaults)):
        default = defaults[key]
        value = table[key]
        if isinstance(default, list):
            value = list(_string_list(value, key, origin))
        elif not isinstance(value, type(default)) or (isinstance(value, bool) != isinstance(default, bool)):
            raise ConfigError(f"{origin}: '{key}' must be a {type(default).__name__}")
        options.append((key, tuple(value) if isinstance(value, list) else value))
    kwargs["options"] = tuple(options)
    config = Config(**kwargs)
    config.check_patterns(origin)
    return config


def discover_config(paths: list[str]) -> Config:
    """The configuration that governs ``paths``: found by walking up from the first one."""
    start = Path(paths[0]) if paths and paths[0] != "-" else Path.cwd()
    if not start.exists():
        start = Path.cwd()
    return load_config(find_pyproject(start))
