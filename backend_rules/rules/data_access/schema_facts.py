"""Response schemas of the project (pydantic, SQLModel, django-ninja, marshmallow), for BR202.

The ``schemas`` part of the ``serializer_uses`` facts, with the checked file's own (fresher) in place,
read once per file: which fields of a schema are typed with another schema (``author: AuthorOut``,
``fields.Nested(AuthorSchema)``) and so read that relation of every row serialised.
"""

from __future__ import annotations

import ast
from typing import Any, Callable

from backend_rules.analysis.orm.serializer_uses import collect_schemas
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of


def own_module_facts(rule: Rule, cache_key: str,
                     merge: Callable[[dict[str, dict[str, Any]], str, ast.Module | None], None]) -> dict[str, dict[str, Any]]:
    """The project's ``serializer_uses`` facts with this file's (fresher) merged in by ``merge``
    (given the stdlib tree, or None when the file does not parse), computed once per file."""
    context = rule.context
    cached = context.__dict__.get(cache_key)
    if cached is not None:
        return cached
    state = state_of(context)
    _ = state.graph  # sets the module name
    project = context.project
    per_module = dict(project.facts("serializer_uses")) if project is not None else {}
    tree = context.tree
    if tree is None:
        try:
            tree = ast.parse(context.source)
        except (SyntaxError, ValueError, RecursionError):
            tree = None
    merge(per_module, state.module_name or "__main__", tree)
    context.__dict__[cache_key] = per_module
    return per_module


def schema_facts(rule: Rule) -> dict[str, dict[str, Any]]:
    """``serializer_uses`` facts of the project with this file's schemas (fresher) in place; once per file."""

    def merge(per_module: dict[str, dict[str, Any]], module: str, tree: ast.Module | None) -> None:
        own = collect_schemas(tree) if tree is not None else {}
        per_module[module] = dict(per_module.get(module) or {}, schemas=own)

    return own_module_facts(rule, "_schema_facts", merge)
