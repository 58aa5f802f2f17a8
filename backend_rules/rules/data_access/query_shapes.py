"""How a query chain reads: is it a list of rows, bounded, filtered, grouped, and by what.

Django querysets, SQLAlchemy queries and ``select()`` statements, raw SQL text, pymongo/motor
``find()`` and active-record ORMs (peewee, Tortoise); the chain comes in already resolved
through the local variables that built it (see :mod:`list_queries`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.orm.chains import Seg, chain_of, literal_str, looks_like_model, name_of
from backend_rules.analysis.orm.query_calls import classify
from backend_rules.analysis.orm.sql_statements import sql_text_of


# Methods that bound a query or select one row.
LIMITING = {"limit", "slice", "paginate", "fetchmany", "top", "take", "first_n", "page", "offset_limit", "none"}

SINGLE = {
    "get", "first", "last", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "count", "exists",
    "fetchone", "get_or_404", "first_or_404", "one_or_404", "aggregate", "earliest", "latest", "aget", "afirst",
    "alast", "acount", "aexists", "aaggregate", "get_or_create", "update_or_create", "create", "update", "delete",
    "fetchrow", "fetchval", "get_one", "exists", "contains", "explain", "in_bulk_one",
}

FILTERS = {"filter", "filter_by", "where", "exclude", "having", "join", "get_list_or_404"}

CURSOR_NAME = re.compile(r"^_*(cur|curs|cursor|c|conn|connection|db|con)$|cursor$", re.IGNORECASE)

SQL_LIST = re.compile(r"^\s*\(?\s*(select|with)\b", re.IGNORECASE)

SQL_BOUNDED = re.compile(r"\blimit\b|\btop\s*\(?\s*\d|\bfetch\s+(first|next)\b|\bcount\s*\(|\b(min|max|sum|avg)\s*\(",
                         re.IGNORECASE)

def sql_verdict(text: str) -> str | None:
    """``none``/``filtered`` for a SELECT that returns every matching row, None when bounded or not a list."""
    if not SQL_LIST.search(text) or SQL_BOUNDED.search(text):
        return None
    return "filtered" if re.search(r"\bwhere\b", text, re.IGNORECASE) else "none"

@dataclass
class Shape:
    model: str | None
    text: str
    is_list: bool
    bounded: bool
    filters: list[tuple[str | None, cst.BaseExpression]]
    distinct: bool

def _select_model(seg: Seg) -> str | None:
    first = next((v for k, v in seg.args if k is None), None)
    model = name_of(first) if first is not None else None
    if model and looks_like_model(model.split(".")[0]):
        return model.split(".")[0]
    return None

def _single_at(segs: list[Seg]) -> int | None:
    """Index of the first step that yields one row (``get``, ``first``, ``[0]``, ``get_x()``)."""
    for index, seg in enumerate(segs):
        if seg.name == "[]" and seg.index:
            return index
        if not seg.call:
            continue
        if seg.name in SINGLE or seg.name in {"get_object_or_404", "aget_object_or_404"}:
            return index
        if seg.name.startswith("get_") and seg.name not in {"get_queryset", "get_list_or_404"} and index > 0:
            return index  # custom getters: get_current(), get_for_model(), get_by_natural_key()
    return None

def shape_of(segs: list[Seg], klass: cst.ClassDef | None, context: Any) -> Shape | None:
    if not segs:
        return None
    names = [s.name for s in segs]
    model: str | None = None
    recognised = False
    query = classify(segs)
    if query is not None:
        recognised, model = True, query.model
    for seg in segs:
        if seg.call and seg.name in {"select", "Select", "query"} and _select_model(seg):
            recognised, model = True, model or _select_model(seg)
    if segs[0].name in {"self", "cls"} and len(segs) > 1 and segs[1].name in {"queryset", "get_queryset", "filter_queryset"}:
        recognised = True
        model = model or _class_model(klass)
    if segs[0].call and segs[0].name == "get_list_or_404":
        recognised = True
        model = model or (name_of(segs[0].args[0][1]) if segs[0].args else None)
    mongo = _mongo_find(segs)
    if mongo is not None:
        recognised, model = True, model or mongo
    elif not recognised and _active_record(segs, context):
        recognised, model = True, segs[0].name
    if not recognised:
        return None
    single = _single_at(segs)
    if single is not None and single < len(segs) - 1:
        return None  # an attribute or a relation of one row, not rows of the query
    last = segs[-1]
    if not last.call and last.name != "[]" and last.name not in MANAGERS and last.name != "queryset":
        return None  # ``self.queryset.model``, ``Site.objects.get_current().domain``
    for seg in segs:
        if seg.call and seg.name in {"text", "execute", "exec_driver_sql", "fetch", "fetch_all"}:
            first = next((v for k, v in seg.args if k is None), None)
            sql = sql_text_of(first) if first is not None else None
            if sql is not None:
                verdict = sql_verdict(sql)
                if verdict is None:
                    return Shape(model, "", False, True, [], False)
                if verdict == "filtered":
                    return Shape(model, "", True, False, [("<sql>", first)], False)
    bounded = any(seg.name in LIMITING or seg.name == "[]" and not seg.index for seg in segs) or any(
        seg.call and seg.name == "to_list" and any(not (isinstance(v, cst.Name) and v.value == "None") for _, v in seg.args)
        for seg in segs)
    filters: list[tuple[str | None, cst.BaseExpression]] = []
    for position, seg in enumerate(segs):
        if not seg.call or position == 0 and seg.name in {"select", "Select"}:
            continue
        if seg.name in FILTERS or seg.name not in SHAPING and seg.name not in LIMITING and seg.name not in {"to_list", "find"}:
            # a filter, or a custom manager/queryset method (visible(user), published()): it narrows
            args = [(key, value) for key, value in seg.args]
            filters.extend((None if key and key.startswith("*") else key, value) for key, value in args)
            if not args and seg.name not in FILTERS:
                filters.append((None, cst.Name("custom")))
        elif seg.name == "find" and seg.args:
            first = seg.args[0][1]
            if isinstance(first, cst.Dict):  # find({"owner_id": uid}); find({}) is every document
                filters.extend((literal_str(e.key) if isinstance(e, cst.DictElement) else None, e.value)
                               for e in first.elements)
            elif not isinstance(first, cst.Dict):
                filters.append((None, first))
    grouped = "distinct" in names or "group_by" in names or (
        "values" in names and "annotate" in names and names.index("values") < names.index("annotate"))
    text = ".".join(n + ("()" if s.call else "") for n, s in zip(names, segs) if n != "[]")
    return Shape(model, text, single is None, bounded, filters, grouped)

MONGO_RECEIVER = re.compile(r"db|mongo|collection|coll$|database|client", re.IGNORECASE)

ACTIVE_RECORD_ORMS = ("peewee", "tortoise", "ormar", "piccolo", "beanie", "odmantic", "mongoengine")

def _mongo_find(segs: list[Seg]) -> str | None:
    """``db.users.find({...})`` / ``db["users"].find()`` (pymongo, motor): the collection, else None."""
    for index, seg in enumerate(segs):
        if not (seg.call and seg.name == "find") or index == 0:
            continue
        receiver = ".".join(s.name for s in segs[:index])
        first = next((v for k, v in seg.args if k is None), None)
        if first is not None and not isinstance(first, (cst.Dict, cst.Name, cst.Call)):
            return None  # "text".find(",")
        if MONGO_RECEIVER.search(receiver) or segs[index - 1].name == "[]":
            return segs[index - 1].name if segs[index - 1].name != "[]" else "collection"
    return None

def _active_record(segs: list[Seg], context: Any) -> bool:
    """``Item.select()`` (peewee), ``await Item.all()`` / ``Item.filter(...)`` (Tortoise, ormar, ...)."""
    if len(segs) < 2 or segs[0].call or not looks_like_model(segs[0].name) or not segs[1].call:
        return False
    if segs[1].name not in {"select", "all", "filter", "objects", "find", "find_all"}:
        return False
    imported = context.imports.names.values() if context is not None else ()
    return any(m.startswith(ACTIVE_RECORD_ORMS) for m in imported)

def shape_filters(node: cst.BaseExpression) -> list[tuple[str | None, cst.BaseExpression]]:
    """The filter arguments along a subquery's chain."""
    return [(key, value) for seg in chain_of(node) if seg.call and seg.name in FILTERS for key, value in seg.args]

MANAGERS = {"objects", "query", "_default_manager", "_base_manager"}

VIEW_QUERYSETS = {"queryset", "get_queryset", "filter_queryset"}

COMBINING = {"union", "union_all", "intersect", "except_", "join", "outerjoin"}

# Chain steps that shape or run a query without narrowing its rows.
SHAPING = {
    "all", "order_by", "select_related", "prefetch_related", "only", "defer", "annotate", "values", "values_list",
    "distinct", "using", "with_entities", "options", "add_columns", "join", "outerjoin", "iterator", "reverse",
    "alias", "scalars", "unique", "execute", "query", "select", "Select", "mappings", "tuples", "fetchall",
    "select_from", "execution_options", "params", "stream", "stream_scalars", "group_by", "asc", "desc",
    "get_queryset", "filter_queryset", "get_list_or_404", "order", "sort", "columns", "correlate", "exec_driver_sql",
    "text", "fetch_all", "fetch", "yield_per", "enable_eagerloads", "undefer", "selectinload", "joinedload",
    "contains_eager", "load_only", "none", "exists_", "with_for_update", "select_for_update", "extra", "dates",
}

def _class_model(klass: cst.ClassDef | None) -> str | None:
    if klass is None or not isinstance(klass.body, cst.IndentedBlock):
        return None
    for statement in klass.body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value in {"queryset", "model"} for t in small.targets
                ):
                    segs = chain_of(small.value)
                    if segs and looks_like_model(segs[0].name):
                        return segs[0].name
    return None
