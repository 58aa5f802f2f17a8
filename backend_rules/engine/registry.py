"""Find every rule in ``backend_rules.rules`` and refuse a catalogue that breaks the code rules."""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import lru_cache

from backend_rules.rule import CATEGORIES, CONFIDENCES, SEVERITIES, Rule

CODE_RE = re.compile(r"^BR[0-9]{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
# Codes reported by the engine itself rather than by a visitor.
TOOL_RULES = frozenset({"BR000", "BR001", "BR002"})


class RegistryError(Exception):
    """The rule catalogue is inconsistent (a bug in backend-rules, caught by its tests)."""


def _subclasses(cls: type[Rule]) -> list[type[Rule]]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_subclasses(sub))
    return found


def _family_of(module: str) -> str | None:
    """The ``FAMILY`` prefix (e.g. ``"BR3"``) declared by a rule's module or its family package."""
    while "." in module:
        family = getattr(importlib.import_module(module), "FAMILY", None)
        if family:
            return family
        module = module.rsplit(".", 1)[0]
    return None


def validate(rules: list[type[Rule]]) -> dict[str, type[Rule]]:
    by_code: dict[str, type[Rule]] = {}
    names: set[str] = set()
    for rule in rules:
        if not CODE_RE.match(rule.CODE):
            raise RegistryError(f"{rule.__name__}: code {rule.CODE!r} is not BR + 3 digits")
        if rule.CODE in by_code:
            raise RegistryError(f"duplicate code {rule.CODE}: {by_code[rule.CODE].__name__}, {rule.__name__}")
        if not NAME_RE.match(rule.NAME) or rule.NAME in names:
            raise RegistryError(f"{rule.CODE}: name {rule.NAME!r} is not unique kebab-case")
        family = _family_of(rule.__module__)
        if family and not rule.CODE.startswith(family):
            raise RegistryError(f"{rule.CODE} lives in {rule.__module__}, the home of {family}xx")
        if rule.SEVERITY not in SEVERITIES or rule.CONFIDENCE not in CONFIDENCES:
            raise RegistryError(f"{rule.CODE}: severity/confidence must be one of LOW, MEDIUM, HIGH")
        if rule.CATEGORY not in CATEGORIES:
            raise RegistryError(f"{rule.CODE}: category must be one of {', '.join(CATEGORIES)}")
        if not rule.__doc__ or not rule.MESSAGE:
            raise RegistryError(f"{rule.CODE}: a rule documents itself (docstring and MESSAGE)")
        by_code[rule.CODE] = rule
        names.add(rule.NAME)
    return dict(sorted(by_code.items()))


@lru_cache(maxsize=1)
def all_rules() -> dict[str, type[Rule]]:
    """Code -> rule class, for every rule shipped in ``backend_rules.rules``."""
    import backend_rules.rules as package

    for info in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}."):
        importlib.import_module(info.name)
    shipped = f"{package.__name__}."
    return validate([rule for rule in _subclasses(Rule) if rule.CODE and rule.__module__.startswith(shipped)])
