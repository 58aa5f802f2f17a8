"""What to do instead of a query per item: the bulk form of each kind of query, in the words of its ORM."""

from __future__ import annotations

from backend_rules.analysis.orm.chains import Seg
from backend_rules.analysis.orm.query_calls import Query
from backend_rules.rules.data_access.loop_values import names_in


def update_hint(segs: list[Seg] | None, varying: set[str]) -> str:
    """``bulk_update()`` when each row gets its own values, one ``update()`` when all get the same."""
    update = next((seg for seg in reversed(segs or []) if seg.call and seg.name in {"update", "aupdate"}), None)
    fields = [key for key, _ in update.args if key and not key.startswith("*")] if update else []
    per_row = update is None or any(names_in(value) & varying for _, value in update.args)
    shown = ", ".join(f'"{f}"' for f in fields) or '"field"'
    if per_row:
        return f"set the values on the objects and call bulk_update(objs, [{shown}]) once after the loop"
    assigned = ", ".join(f"{f}=..." for f in fields) or "..."
    return f"update all rows at once with filter(pk__in=...).update({assigned})"


def bulk_hint(query: Query, item: str | None, segs: list[Seg] | None = None, varying: set[str] = frozenset()) -> str:
    if query.orm == "dbapi":
        return "use executemany() or one bulk statement (WHERE id = ANY(...) / IN (...)) instead"
    if query.orm == "sqlalchemy":
        model = query.model or "Model"
        if query.terminal in {"get", "get_one"}:
            return f"load them in one query before the loop: select({model}).where({model}.id.in_(ids))"
        return "run one query for all items before the loop (where(... .in_(ids))) and look results up in a dict"
    terminal = query.terminal
    if terminal in {"create", "acreate"}:
        return "collect the objects and call bulk_create() once after the loop"
    if terminal in {"update", "aupdate"}:
        return update_hint(segs, varying)
    if terminal in {"delete", "adelete"}:
        return "delete all rows at once with filter(pk__in=...).delete()"
    if terminal in {"count", "acount", "exists", "aexists", "aggregate"}:
        return "compute it for all items in one query (annotate(Count(...)) or values(...).annotate(...))"
    field = next((k for k in query.lookups if not k.startswith("*")), None)
    if field:
        base = field.split("__")[0]
        base = "pk" if base in {"id", "pk"} else base
        return f"fetch all with filter({base}__in=...) before the loop and look them up in a dict"
    return "fetch all with filter(pk__in=...) or in_bulk() before the loop and look them up in a dict"
