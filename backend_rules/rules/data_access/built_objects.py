"""Objects built in memory and saved with ``bulk_create()``: the relations they were given need no query.

``bulk_create(Invite(team=team, email=e) for e in emails)`` returns the very objects it was given;
``invite.team`` is the ``team`` object the constructor received, held by the instance, and a
relation it was not given is None. One given only by id (``team_id=...``) is loaded lazily, and so
are collections (``invite.tags.all()``).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from backend_rules.analysis.orm.chains import Seg
from backend_rules.analysis.orm.query_calls import Query

BULK_CREATE = {"bulk_create", "abulk_create"}


def mark_built_relations(context: Any, scope: cst.CSTNode, order: int, query: Query, segs: list[Seg]) -> None:
    """Count the keywords given to the constructors of ``bulk_create``'s objects as loaded relations;
    objects built out of sight (a parameter, a helper) may hold anything: treat all as loaded."""
    call = next((s for s in segs if s.call and s.name in BULK_CREATE), None)
    if call is None:
        return
    given = [value for key, value in call.args if key is None] or [value for key, value in call.args if key == "objs"]
    built = _constructors(context, scope, order, given[0]) if given else None
    if not built:
        query.eager_all = True
        return
    keywords = {arg.keyword.value for constructor in built for arg in constructor.args if arg.keyword is not None}
    if any(arg.star == "**" for constructor in built for arg in constructor.args) \
            or not any(k.endswith("_id") for k in keywords):
        # a relation not given is None (no query), one given is in memory, and what lies behind
        # it (``invite.team.organiser``) is mostly one shared object's, loaded once
        query.eager_all = True
        return
    query.eager.update(k for k in keywords if not k.endswith("_id"))


def _constructors(context: Any, scope: cst.CSTNode, order: int, node: cst.BaseExpression) -> list[cst.Call] | None:
    """The ``Model(...)`` calls that build the objects in ``node`` (a comprehension, a literal list, a
    local list filled by ``append``); None when they cannot be seen."""
    if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
        return _calls([node.elt])
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        elements = [e.value for e in node.elements if isinstance(e, cst.Element)]
        return _calls(elements) if elements else []
    if not isinstance(node, cst.Name):
        return None
    facts = context.scope_facts(scope)
    values = [b.value for b in facts.bindings_before(node.value, order)
              if b.kind in {"=", "append"} and b.value is not None]
    found: list[cst.Call] = []
    for value in values:
        if isinstance(value, cst.Call):
            found.append(value)
            continue
        inner = _constructors(context, scope, order, value) if not isinstance(value, cst.Name) else None
        if inner is None:
            return None
        found += inner
    return _calls(found)


def _calls(values: list[cst.BaseExpression]) -> list[cst.Call] | None:
    calls = [v for v in values if isinstance(v, cst.Call) and isinstance(v.func, (cst.Name, cst.Attribute))]
    return calls if calls and len(calls) == len(values) else None
