"""Response schemas of the project (pydantic, SQLModel, django-ninja, marshmallow), for BR202.

The ``schemas`` part of the ``serializer_uses`` facts, with the checked file's own (fresher) in place,
read once per file: which fields of a schema are typed with another schema (``author: AuthorOut``,
``fields.Nested(AuthorSchema)``) and so read that relation of every row serialised.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.orm.serializer_uses import collect_schemas
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import state_of


def schema_facts(rule: Rule) -> dict[str, dict[str, Any]]:
    """``serializer_uses`` facts of the project with this file's schemas (fresher) in place; once per file."""
    context = rule.context
    cached = context.__dict__.get("_schema_facts")
    if cached is not None:
        return cached
    state = state_of(context)
    _ = state.graph  # sets the module name
    project = context.project
    per_module = dict(project.facts("serializer_uses")) if project is not None else {}
    module = state.module_name or "__main__"
    try:
        own = collect_schemas(ast.parse(context.source))
    except (SyntaxError, ValueError, RecursionError):
        own = {}
    per_module[module] = dict(per_module.get(module) or {}, schemas=own)
    context.__dict__["_schema_facts"] = per_module
    return per_module
