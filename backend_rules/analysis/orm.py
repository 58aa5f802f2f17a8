"""What the ORM does with an expression: which calls run SQL, which querysets load which relations.

Shared by the data-access rules (libcst) and the project index (stdlib ``ast``): both turn an
expression such as ``Post.objects.select_related("author").filter(x=1).first()`` into a *chain*
of segments (``Post``, ``objects``, ``select_related(...)``, ``filter(...)``, ``first(...)``) and
:func:`classify` reads the chain. Recognised: Django managers and querysets, SQLAlchemy sessions
(sync and async), ``select()`` statements and Flask-SQLAlchemy's ``Model.query``, DB-API cursors
and async drivers.

The model graph (:class:`ModelGraph`) is built from the ``orm_models`` facts of every module of
the project: Django ``ForeignKey``/``OneToOneField``/``ManyToManyField`` (with reverse accessors
and ``related_name``), SQLAlchemy ``relationship()`` (classic and ``Mapped[...]``, ``lazy=``,
``backref``), plain fields, and model methods/properties that run queries.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import libcst as cst

from backend_rules.analysis.project_facts import fact_collector

# --------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------

MANAGER_NAMES = {"objects", "_default_manager", "_base_manager"}
# Django queryset methods that run SQL when called.
DJANGO_EVALUATING = {
    "get", "first", "last", "count", "exists", "create", "update", "delete", "aggregate",
    "get_or_create", "update_or_create", "earliest", "latest", "contains", "explain",
    "aget", "afirst", "alast", "acount", "aexists", "acreate", "aupdate", "adelete", "aaggregate",
    "aget_or_create", "aupdate_or_create", "aearliest", "alatest", "acontains",
}
DJANGO_BULK = {"bulk_create", "bulk_update", "in_bulk", "abulk_create", "abulk_update", "ain_bulk"}
# Queryset methods that return another (lazy) queryset.
DJANGO_LAZY = {
    "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "annotate",
    "alias", "values", "values_list", "only", "defer", "distinct", "using", "reverse", "none",
    "select_for_update", "extra", "union", "intersection", "difference", "dates", "datetimes",
    "iterator", "complex_filter", "filter_by",
}
# Related-manager methods served from a prefetch_related() cache.
CACHED_BY_PREFETCH = {"all", "count", "exists", "first", "last"}
# Related-manager methods that always run a new query, prefetched or not.
ALWAYS_QUERY = {
    "filter", "exclude", "get", "create", "aggregate", "annotate", "order_by", "values",
    "values_list", "latest", "earliest", "update", "delete", "get_or_create", "update_or_create",
    "distinct", "only", "defer", "select_related",
}
SQLA_SESSION_EVALUATING = {"get", "execute", "scalars", "scalar", "get_one", "stream", "stream_scalars"}
SQLA_QUERY_TERMINAL = {
    "first", "one", "one_or_none", "all", "scalar", "count", "get", "delete", "update",
    "first_or_404", "get_or_404", "one_or_404", "paginate", "exists", "scalar_one",
}
RESULT_METHODS = {"scalars", "all", "unique", "fetchall", "partitions", "yield_per", "mappings", "tuples", "columns"}
FLASK_DB_EVALUATING = {"get_or_404", "first_or_404", "one_or_404"}
SQLA_LOADERS = {"joinedload", "selectinload", "subqueryload", "contains_eager", "raiseload",
                "immediateload", "noload"}
SQLA_EAGER_LAZY = {"joined", "selectin", "subquery", "immediate", "raise", "raise_on_sql",
                   "noload", "select_in", "True", "False"}  # lazy=False means joined
DBAPI_METHODS = {"execute", "fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val",
                 "execute_fetchall"}
SESSION_RE = re.compile(r"^_*(session|sess|db_?session|dbsession|async_?session|asession|db|s)$|session$",
                        re.IGNORECASE)
CURSOR_RE = re.compile(
    r"^_*(cur|curs|cursor|conn|connection|con|cnx|tx|txn|database|db|dbconn|db_conn|pool)$"
    r"|cursor$|_conn$|_cur$|connection$", re.IGNORECASE)
QUERYSET_NAME_RE = re.compile(r"^_*(qs|queryset|.+_qs|.+_queryset)$")


@dataclass
class Seg:
    """One step of a chain: a name, an attribute, a call of it, or an index."""

    name: str
    call: bool = False
    args: list[tuple[str | None, Any]] = field(default_factory=list)
    index: bool = False  # ``x[0]`` (not a slice)
    node: Any = None


# --------------------------------------------------------------------------------------------
# Chains, for libcst and ast nodes alike
# --------------------------------------------------------------------------------------------

def _cst_args(call: cst.Call) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for arg in call.args:
        if arg.star:
            out.append(("*" + arg.star, arg.value))
        else:
            out.append((arg.keyword.value if arg.keyword else None, arg.value))
    return out


def _ast_args(call: ast.Call) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for a in call.args:
        out.append(("**" if False else ("*" if isinstance(a, ast.Starred) else None), a))
    for kw in call.keywords:
        out.append((kw.arg if kw.arg is not None else "**", kw.value))
    return out


def chain_of(node: Any) -> list[Seg]:
    """Segments of ``a.b(x).c[0]`` outermost-last: [a, b(x), c, [0]]; ``await`` is see-through."""
    return _cst_chain(node) if isinstance(node, cst.CSTNode) else _ast_chain(node)


def _cst_chain(node: cst.CSTNode) -> list[Seg]:
    segs: list[Seg] = []
    for _ in range(64):
        if isinstance(node, cst.Await):
            node = node.expression
        elif isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                segs.append(Seg(func.attr.value, True, _cst_args(node), node=node))
                node = func.value
            elif isinstance(func, cst.Name):
                segs.append(Seg(func.value, True, _cst_args(node), node=node))
                break
            else:
                segs.append(Seg("?", True, _cst_args(node), node=node))
                break
        elif isinstance(node, cst.Attribute):
            segs.append(Seg(node.attr.value, node=node))
            node = node.value
        elif isinstance(node, cst.Subscript):
            is_index = len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            segs.append(Seg("[]", index=is_index, node=node))
            node = node.value
        elif isinstance(node, cst.Name):
            segs.append(Seg(node.value, node=node))
            break
        else:
            segs.append(Seg("?", node=node))
            break
    segs.reverse()
    return segs


def _ast_chain(node: ast.AST) -> list[Seg]:
    segs: list[Seg] = []
    for _ in range(64):
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                segs.append(Seg(func.attr, True, _ast_args(node), node=node))
                node = func.value
            elif isinstance(func, ast.Name):
                segs.append(Seg(func.id, True, _ast_args(node), node=node))
                break
            else:
                segs.append(Seg("?", True, _ast_args(node), node=node))
                break
        elif isinstance(node, ast.Attribute):
            segs.append(Seg(node.attr, node=node))
            node = node.value
        elif isinstance(node, ast.Subscript):
            segs.append(Seg("[]", index=not isinstance(node.slice, ast.Slice), node=node))
            node = node.value
        elif isinstance(node, ast.Name):
            segs.append(Seg(node.id, node=node))
            break
        else:
            segs.append(Seg("?", node=node))
            break
    segs.reverse()
    return segs


def literal_str(node: Any) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - defensive
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def name_of(node: Any) -> str | None:
    """Dotted name of a Name/Attribute chain (libcst or ast), else None."""
    parts: list[str] = []
    while True:
        if isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, cst.Name):
            parts.append(node.value)
            break
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        else:
            return None
    return ".".join(reversed(parts))


def looks_like_model(name: str | None) -> bool:
    return bool(name) and name[0].isupper() and not name.isupper()


def _positional(seg: Seg) -> list[Any]:
    return [value for key, value in seg.args if key is None]


# --------------------------------------------------------------------------------------------
# What a chain is
# --------------------------------------------------------------------------------------------

@dataclass
class Query:
    """A database query expression: lazy (a queryset/statement) or ``evaluated`` (runs SQL)."""

    orm: str  # "django" | "sqlalchemy" | "dbapi"
    model: str | None = None
    evaluated: bool = False
    terminal: str = ""  # the method that runs SQL
    text: str = ""  # short code of the query for messages
    eager: set[str] = field(default_factory=set)  # relation paths "author", "author__profile"
    eager_all: bool = False
    eager_collections: bool = False  # prefetch of everything (non-literal prefetch_related)
    rows: bool = False  # values()/values_list()/columns: items are not model instances
    only: set[str] | None = None
    deferred: set[str] = field(default_factory=set)
    lookups: list[str] = field(default_factory=list)
    has_in_lookup: bool = False
    sliced: bool = False
    sql_arg: Any = None  # DB-API: the SQL argument
    trailing: bool = False  # the chain goes on past the query (``.get().tags``): not its rows
    root_model_expr: str | None = None  # dotted name the model came from (loop-var check)


def _lookups(seg: Seg, query: Query) -> None:
    for key, value in seg.args:
        if key and not key.startswith("*"):
            query.lookups.append(key)
            if key.endswith("__in") or key.endswith("__range"):
                query.has_in_lookup = True
        elif key is None and isinstance(value, (cst.Call, ast.Call)):
            inner = chain_of(value)
            if inner and inner[-1].name == "in_":
                query.has_in_lookup = True


def _eager_paths(node: Any) -> tuple[list[str], bool]:
    """Relation paths an eager-load argument names; True when it cannot be read (cover all)."""
    text = literal_str(node)
    if text is not None:
        return ([] if text == "*" else [text]), text == "*"
    segs = chain_of(node)
    if segs and segs[0].call and segs[0].name in {"Prefetch", "FilteredRelation"}:
        paths = []
        for key, value in segs[0].args:
            lookup = literal_str(value)
            if lookup is not None and key in (None, "lookup", "to_attr"):
                paths.append(lookup)
        return paths, not paths
    # SQLAlchemy loader options: joinedload(Post.author).selectinload(User.roles)
    path: list[str] = []
    paths: list[str] = []
    unknown = False
    found_loader = False
    for seg in segs:
        if seg.call and (seg.name in SQLA_LOADERS or seg.name in {"defaultload", "lazyload", "Load", "load_only", "defer", "undefer"}):
            if seg.name in SQLA_LOADERS:
                found_loader = True
            if seg.name in {"load_only", "defer", "undefer", "Load"}:
                continue
            for key, value in seg.args:
                if key is not None:
                    continue
                attr = name_of(value)
                if attr is not None and "." in attr:
                    part = attr.split(".")[-1]
                elif literal_str(value) is not None:
                    part = literal_str(value) or ""
                    if part == "*":
                        return paths, True
                else:
                    unknown = True
                    continue
                path.append(part)
                if seg.name in SQLA_LOADERS:
                    paths.append("__".join(path))
                break
    if not found_loader and not paths:
        # an unreadable argument (a variable, a helper call): assume it covers everything
        return [], segs[0].name not in {"lazyload", "load_only", "defer", "undefer", "Load"} if segs else True
    return paths, unknown and not paths


def _only_fields(seg: Seg) -> set[str]:
    out: set[str] = set()
    for key, value in seg.args:
        text = literal_str(value)
        if text is not None:
            out.add(text.split("__")[0])
        else:
            attr = name_of(value)
            if attr:
                out.add(attr.split(".")[-1])
    return out


def render(segs: list[Seg]) -> str:
    """``Comment.objects.filter(...).count()``: the chain with arguments elided."""
    out = ""
    for seg in segs:
        if seg.name == "[]":
            out += "[...]"
            continue
        out += ("." if out else "") + seg.name
        if seg.call:
            out += "(...)" if seg.args else "()"
    return out


def _apply_methods(query: Query, segs: list[Seg], start: int) -> Query:
    """Read queryset/statement methods from ``segs[start:]``; stops at the one that runs SQL."""
    query.text = render(segs)
    for position, seg in enumerate(segs[start:], start=start):
        if seg.call or seg.name == "[]":
            query.text = render(segs[: position + 1])
        if seg.name == "[]":
            if seg.index and query.orm == "django":
                query.evaluated, query.terminal = True, "[]"
                return query
            query.sliced = True
            continue
        if not seg.call:
            query.trailing = True
            return query  # attribute of a result (``.get().author``): the query already ran
        name = seg.name
        if name in {"select_related", "prefetch_related", "options"}:
            if not seg.args and name == "select_related":
                query.eager_all = True
            for key, value in seg.args:
                if key is not None and key.startswith("*"):
                    query.eager_all = True
                    query.eager_collections = True
                    continue
                paths, cover_all = _eager_paths(value)
                query.eager.update(paths)
                if cover_all:
                    query.eager_all = True
                    query.eager_collections = True
                inner = chain_of(value)
                for part in inner:
                    if part.call and part.name == "load_only":
                        query.only = (query.only or set()) | _only_fields(part)
                    elif part.call and part.name == "defer":
                        query.deferred |= _only_fields(part)
        elif name in {"values", "values_list", "dates", "datetimes", "with_entities", "add_columns"}:
            query.rows = True
        elif name == "only":
            query.only = (query.only or set()) | _only_fields(seg)
        elif name == "defer":
            query.deferred |= _only_fields(seg)
        elif name in {"filter", "exclude", "get", "filter_by", "where", "get_or_create", "update_or_create", "aget"}:
            _lookups(seg, query)
        elif name in {"limit", "offset", "slice", "paginate"}:
            query.sliced = True
        if query.orm == "django":
            if name in DJANGO_EVALUATING:
                query.evaluated, query.terminal = True, name
                query.trailing = position + 1 < len(segs)
                return query
            if name in DJANGO_BULK:
                query.terminal = name
                return query
        else:
            if name in SQLA_QUERY_TERMINAL:
                query.evaluated, query.terminal = True, name
                query.trailing = any(not s.call or s.name not in RESULT_METHODS for s in segs[position + 1:])
                return query
    return query


def _statement_query(node: Any, orm_query: Query) -> None:
    """Model and loader options of a SQLAlchemy statement argument: ``select(Post).options(...)``."""
    segs = chain_of(node)
    if not segs or not segs[0].call:
        return
    head = segs[0]
    if head.name in {"select", "Select", "future_select"} or head.name.endswith("select"):
        first = _positional(head)
        if len(first) == 1:
            model = name_of(first[0])
            if model and "." not in model and looks_like_model(model):
                orm_query.model = model
            elif model and "." in model:
                orm_query.rows = True
        elif len(first) > 1:
            orm_query.rows = True
        text = orm_query.text
        _apply_methods(orm_query, segs, 1)
        orm_query.text = text
        orm_query.evaluated = True
    elif head.name in {"text", "update", "insert", "delete"}:
        orm_query.rows = True


def classify(segs: list[Seg], known_models: Iterable[str] = ()) -> Query | None:
    """The query ``segs`` denotes, or None. ``known_models``: model class names of the project."""
    if not segs:
        return None
    names = [s.name for s in segs]
    known = known_models if hasattr(known_models, "__contains__") else set(known_models)
    root = segs[0]
    # Django: Model.objects..., self.model.objects..., Model.custom_manager.<qs method>()
    for i, seg in enumerate(segs[1:], start=1):
        if seg.call or seg.name == "[]":
            break
        if seg.name in MANAGER_NAMES or (
            i == 1 and root.name in known and len(segs) > 2 and segs[2].call
            and (segs[2].name in DJANGO_LAZY or segs[2].name in DJANGO_EVALUATING) and seg.name != "query"
        ):
            owner = names[i - 1]
            model = owner if looks_like_model(owner) else None
            query = Query("django", model=model, text=".".join(names[: i + 1]))
            query.root_model_expr = ".".join(names[:i])
            return _apply_methods(query, segs, i + 1)
    if root.call and root.name in {"get_object_or_404", "get_list_or_404", "aget_object_or_404"}:
        first = _positional(root)
        model = name_of(first[0]) if first else None
        query = Query("django", model=model if looks_like_model(model) else None, evaluated=True,
                      terminal=root.name, text=render(segs[:1]))
        _lookups(root, query)
        return query
    # Flask-SQLAlchemy: Model.query.<...>
    if len(segs) >= 3 and names[1] == "query" and not segs[1].call and looks_like_model(root.name) and not root.call:
        query = Query("sqlalchemy", model=root.name, text=f"{root.name}.query")
        query.root_model_expr = root.name
        return _apply_methods(query, segs, 2)
    # SQLAlchemy session / DB-API cursor: <receiver>.<method>(...)
    for i, seg in enumerate(segs):
        if not seg.call or i == 0:
            continue
        receiver = segs[i - 1]
        receiver_name = receiver.name
        if receiver.call and receiver.name == "cursor":
            receiver_name = "cursor"
        if SESSION_RE.search(receiver_name) and not receiver.call or receiver.call and receiver.name in {"get_session", "session", "Session", "SessionLocal", "get_db"}:
            if seg.name == "query":
                query = Query("sqlalchemy", text=render(segs[: i + 1]))
                first = _positional(seg)
                if first:
                    model = name_of(first[0])
                    if len(first) == 1 and model and looks_like_model(model) and "." not in model:
                        query.model = model
                    else:
                        query.rows = True
                return _apply_methods(query, segs, i + 1)
            if seg.name in SQLA_SESSION_EVALUATING:
                first = _positional(seg)
                if not first:
                    return None
                if seg.name in {"get", "get_one"}:
                    model = name_of(first[0])
                    if not (model and looks_like_model(model.split(".")[-1])) or len(seg.args) < 2:
                        return None  # requests.Session().get(url)
                    query = Query("sqlalchemy", model=model.split(".")[-1], evaluated=True,
                                  terminal=seg.name, text=render(segs[: i + 1]))
                    return query
                query = Query("sqlalchemy", evaluated=True, terminal=seg.name,
                              text=render(segs[: i + 1]))
                _statement_query(first[0], query)
                query.evaluated = True
                if seg.name == "execute" and not any(s.name == "scalars" for s in segs[i + 1:]):
                    query.rows = True if query.model is None else query.rows
                    if query.model is not None and not any(s.name in {"scalars", "scalar_one", "scalar"} for s in segs[i + 1:]):
                        query.rows = True
                query.sql_arg = first[0]
                query.trailing = any(not s.call or s.name not in RESULT_METHODS for s in segs[i + 1:])
                return query
            if seg.name in FLASK_DB_EVALUATING:
                return Query("sqlalchemy", evaluated=True, terminal=seg.name, text=render(segs[: i + 1]))
        if seg.name in DBAPI_METHODS and CURSOR_RE.search(receiver_name) and not (receiver.call and receiver.name != "cursor"):
            first = _positional(seg) or [v for k, v in seg.args if k in {"query", "sql", "operation", "statement"}]
            if not first:
                return None
            query = Query("dbapi", evaluated=True, terminal=seg.name, text=render(segs[: i + 1]))
            query.sql_arg = first[0]
            return query
    # A queryset held in a conventionally named variable: qs.filter(...).count()
    if not root.call and QUERYSET_NAME_RE.match(root.name) and len(segs) > 1 and segs[1].call and (
        segs[1].name in DJANGO_LAZY or segs[1].name in DJANGO_EVALUATING
    ):
        query = Query("django", text=root.name)
        return _apply_methods(query, segs, 1)
    if root.call and root.name == "get_queryset" or len(segs) > 1 and names[1] == "get_queryset" and segs[1].call and not root.call:
        start = 1 if root.call else 2
        query = Query("django", text="get_queryset()")
        return _apply_methods(query, segs, start)
    return None


def sql_text_of(node: Any) -> str | None:
    """Literal SQL of an argument: a string, the literal head of an f-string, ``text("...")``."""
    text = literal_str(node)
    if text is not None:
        return text
    if isinstance(node, cst.FormattedString):
        head = node.parts[0] if node.parts else None
        return head.value if isinstance(head, cst.FormattedStringText) else None
    if isinstance(node, ast.JoinedStr):
        head = node.values[0] if node.values else None
        return head.value if isinstance(head, ast.Constant) and isinstance(head.value, str) else None
    if isinstance(node, (cst.Call, ast.Call)):
        segs = chain_of(node)
        if segs and segs[0].call and segs[0].name == "text" and segs[0].args:
            inner = segs[0].args[0][1]
            return None if isinstance(inner, (cst.Call, ast.Call)) else sql_text_of(inner)
    return None


STATEMENT_HEADS = {"select", "insert", "update", "delete", "text", "Select", "future_select"}


def is_statement_expr(node: Any) -> bool:
    """``select(User)...``, ``insert(T).values(...)``, ``table.update()``, ``text("...")``."""
    segs = chain_of(node)
    if not segs:
        return False
    if segs[0].call and segs[0].name in STATEMENT_HEADS:
        return True
    return any(s.call and s.name in {"insert", "update", "delete", "select"} for s in segs[1:3])


def statement_subject(node: Any) -> str | None:
    """The table/model a statement is about: ``table`` of ``table.delete()``, ``X`` of ``insert(X)``."""
    segs = chain_of(node)
    if not segs:
        return None
    if segs[0].call and segs[0].name in STATEMENT_HEADS - {"text"} and segs[0].args:
        return (name_of(segs[0].args[0][1]) or "").split(".")[0] or None
    if len(segs) > 1 and segs[1].call and segs[1].name in {"insert", "update", "delete", "select"}:
        return segs[0].name
    return None


def is_specific(query: "Query") -> bool:
    """A query an application wrote (a model, or literal DML), not generic plumbing."""
    if query.orm == "django":
        return query.model is not None
    if query.orm == "sqlalchemy":
        if query.model is not None:
            return True
        text = sql_text_of(query.sql_arg) if query.sql_arg is not None else None
        return bool(text and DML_RE.search(text))
    text = sql_text_of(query.sql_arg) if query.sql_arg is not None else None
    return bool(text and DML_RE.search(text))


DML_RE = re.compile(r"^\s*(select|insert|update|delete|with|replace|upsert)\b", re.IGNORECASE)
SQL_WRITE = re.compile(r"^\s*(insert|update|delete|replace|upsert|merge)\b", re.IGNORECASE)
SQL_READ = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Facts for the project index (stdlib ast)
# --------------------------------------------------------------------------------------------

DJANGO_RELATIONS = {"ForeignKey": "fk", "OneToOneField": "o2o", "ManyToManyField": "m2m",
                    "ParentalKey": "fk", "ParentalManyToManyField": "m2m", "TreeForeignKey": "fk",
                    "GenericForeignKey": "generic", "GenericRelation": "m2m"}
SQLA_RELATION_FUNCS = {"relationship", "relation"}
FIELD_CALL = re.compile(r"(Field|Column|column|mapped_column|column_property|deferred|composite|synonym)$")


def _ast_target_model(node: ast.AST | None) -> str | None:
    if node is None:
        return None
    text = literal_str(node)
    if text is not None:
        return text.split(".")[-1]
    name = name_of(node)
    if name is None:
        if isinstance(node, ast.Subscript):  # Mapped[List["Comment"]]
            return _ast_target_model(node.slice)
        return None
    last = name.split(".")[-1]
    if last == "AUTH_USER_MODEL":
        return "User"
    return last


def _annotation_target(annotation: ast.AST | None) -> tuple[str | None, bool]:
    """``Mapped[List["Comment"]]`` -> ("Comment", True); ``Mapped["User"]`` -> ("User", False)."""
    if not isinstance(annotation, ast.Subscript):
        return None, False
    inner = annotation.slice
    collection = False
    for _ in range(4):
        if isinstance(inner, ast.Subscript):
            head = (name_of(inner.value) or "").split(".")[-1]
            if head in {"List", "list", "Set", "set", "Sequence", "Collection", "WriteOnlyMapped", "DynamicMapped"}:
                collection = True
            if head == "Optional":
                pass
            inner = inner.slice
        elif isinstance(inner, ast.BinOp):  # "User" | None
            inner = inner.left
        else:
            break
    return _ast_target_model(inner), collection


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _relation_of(call: ast.Call, annotation: ast.AST | None) -> dict[str, Any] | None:
    func = (name_of(call.func) or "").split(".")[-1]
    if func in DJANGO_RELATIONS:
        kind = DJANGO_RELATIONS[func]
        target = _ast_target_model(call.args[0] if call.args else _keyword(call, "to"))
        rel: dict[str, Any] = {"t": target, "k": kind, "o": "django"}
        related = literal_str(_keyword(call, "related_name")) if _keyword(call, "related_name") is not None else None
        if related is not None:
            rel["rn"] = related
        return rel
    if func in SQLA_RELATION_FUNCS:
        target, collection = _annotation_target(annotation)
        if call.args:
            target = _ast_target_model(call.args[0]) or target
        rel = {"t": target, "k": "many" if collection else "rel", "o": "sqlalchemy"}
        lazy = _keyword(call, "lazy")
        if lazy is not None:
            rel["lazy"] = literal_str(lazy) if literal_str(lazy) is not None else str(getattr(lazy, "value", "?"))
        uselist = _keyword(call, "uselist")
        if isinstance(uselist, ast.Constant):
            rel["k"] = "many" if uselist.value else "one"
        backref = _keyword(call, "backref")
        if backref is not None:
            if literal_str(backref) is not None:
                rel["br"] = literal_str(backref)
            elif isinstance(backref, ast.Call) and backref.args and literal_str(backref.args[0]):
                rel["br"] = literal_str(backref.args[0])
                blazy = _keyword(backref, "lazy")
                if blazy is not None and literal_str(blazy):
                    rel["brlazy"] = literal_str(blazy)
        secondary = _keyword(call, "secondary")
        if secondary is not None:
            rel["k"] = "many"
        order = _keyword(call, "order_by")
        if order is not None:
            rel["ord"] = 1
        return rel
    return None


INTERESTING_CALLS = (DJANGO_EVALUATING | SQLA_SESSION_EVALUATING | SQLA_QUERY_TERMINAL | DBAPI_METHODS
                     | FLASK_DB_EVALUATING | {"get_object_or_404", "get_list_or_404", "aget_object_or_404"})


def _query_text(node: ast.Call, known: Iterable[str] = ()) -> str | None:
    """A short description when ``node`` runs SQL by itself (direct queries only)."""
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if last not in INTERESTING_CALLS:
        return None
    query = classify(_ast_chain(node), known)
    if query is None or not is_specific(query):
        return None
    if query.evaluated and query.terminal not in DJANGO_BULK:
        return f"{query.text}.{query.terminal}()" if query.orm == "django" and query.terminal not in {"", "[]"} and not query.text.endswith(")") else query.text
    return None


def _direct_queries(func: ast.AST, known: Iterable[str] = (), with_self: bool = False) -> tuple[str | None, list[str], list[str]]:
    """(first query run by ``func``, self attributes it traverses (``with_self``), [])."""
    found: str | None = None
    touched: list[str] = []
    calls: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            if found is None:
                found = _query_text(node, known)
                if found is not None and not with_self:
                    break
        elif not with_self:
            continue
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "self" and inner.attr not in touched:
                touched.append(inner.attr)
        elif isinstance(node, (ast.For, ast.comprehension)):
            it = node.iter
            if isinstance(it, ast.Attribute) and isinstance(it.value, ast.Name) and it.value.id == "self":
                if it.attr not in touched:
                    touched.append(it.attr)
    return found, touched[:20], calls


def _is_model_class(node: ast.ClassDef) -> str | None:
    """"django", "sqlalchemy" or "model" when the class looks like an ORM model."""
    bases = [(name_of(b) or "") for b in node.bases]
    if any(b.startswith("models.") or b.endswith(".Model") and "db" not in b.split(".")[0] for b in bases):
        return "django"
    kind = None
    for stmt in node.body:
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(stmt, ast.AnnAssign):
            ann = name_of(stmt.annotation.value) if isinstance(stmt.annotation, ast.Subscript) else None
            if ann and ann.split(".")[-1] == "Mapped":
                return "sqlalchemy"
        if isinstance(value, ast.Call):
            func = (name_of(value.func) or "").split(".")[-1]
            if func in SQLA_RELATION_FUNCS or func in {"Column", "mapped_column"}:
                return "sqlalchemy"
            if func in DJANGO_RELATIONS or func.endswith("Field"):
                kind = "django"
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in stmt.targets):
            return "sqlalchemy"
    if kind:
        return kind
    if any(b.split(".")[-1] in {"Model", "Base", "DeclarativeBase", "TimeStampedModel"} for b in bases):
        return "model"
    return None


def collect_orm(tree: ast.Module, module: str) -> dict[str, Any]:
    """Models (fields, relations, querying methods) and functions that run queries, per module."""
    models: dict[str, Any] = {}
    funcs: dict[str, str] = {}
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    local_models = {c.name for c in classes if _is_model_class(c)}
    for cls in classes:
        kind = _is_model_class(cls)
        bases = [(name_of(b) or "").split(".")[-1] for b in cls.bases]
        if kind is None and not any(b in local_models for b in bases):
            # ordinary class: record methods that query (services, repositories)
            for stmt in cls.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    text, _, _ = _direct_queries(stmt, local_models)
                    if text:
                        funcs[f"{cls.name}.{stmt.name}"] = text
            continue
        entry: dict[str, Any] = {"b": [b for b in bases if b and b not in {"Model", "object"}][:4], "f": [], "r": {}, "m": {}}
        if kind and kind != "model":
            entry["o"] = kind
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                target, value, annotation = stmt.targets[0].id, stmt.value, None
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, value, annotation = stmt.target.id, stmt.value, stmt.annotation
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                text, touched, _calls = _direct_queries(stmt, local_models, with_self=True)
                is_prop = any((name_of(d) or "").split(".")[-1] in {"property", "cached_property"} for d in stmt.decorator_list)
                if text or touched:
                    entry["m"][stmt.name] = [1 if is_prop else 0, text or "", touched]
                continue
            else:
                continue
            if target.startswith("__"):
                continue
            if isinstance(value, ast.Call):
                rel = _relation_of(value, annotation)
                if rel is not None:
                    entry["r"][target] = rel
                    continue
                func = (name_of(value.func) or "").split(".")[-1]
                if FIELD_CALL.search(func):
                    entry["f"].append(target)
                elif func.endswith("Manager") or func == "as_manager":
                    entry.setdefault("mgr", []).append(target)
            elif annotation is not None:
                ann_target, collection = _annotation_target(annotation)
                head = (name_of(annotation.value) or "") if isinstance(annotation, ast.Subscript) else ""
                if head.endswith("Mapped") and value is None:
                    entry["f"].append(target)
        if not entry["m"]:
            del entry["m"]
        models[cls.name] = entry
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            text, _, _ = _direct_queries(stmt, local_models)
            if text:
                funcs[stmt.name] = text
    out: dict[str, Any] = {}
    if models:
        out["models"] = models
    if funcs:
        out["queries"] = funcs
    return out


ORM_TRIGGER = (
    r"ForeignKey|OneToOneField|ManyToManyField|relationship\(|models\.Model|Mapped\[|__tablename__"
    r"|\.objects\.|\.query\(|\.query\.|session\.(?:get|execute|scalars?|query)\(|cursor\.execute|get_object_or_404"
)


@fact_collector("orm", trigger=ORM_TRIGGER)
def _collect_orm(tree: ast.Module, module: str) -> dict[str, Any]:
    return collect_orm(tree, module)


# --------------------------------------------------------------------------------------------
# The model graph
# --------------------------------------------------------------------------------------------

@dataclass
class Relation:
    name: str
    target: str | None
    kind: str  # fk, o2o, m2m, reverse, o2o_rev, generic (Django); rel, one, many (SQLAlchemy)
    orm: str
    lazy: str | None = None

    @property
    def collection(self) -> bool:
        if self.kind == "rel":  # classic relationship(): SQLAlchemy infers uselist; plural names are lists
            return self.name.endswith("s") and not self.name.endswith("ss")
        return self.kind in {"m2m", "reverse", "many"}

    @property
    def eager_by_default(self) -> bool:
        return (self.lazy or "") in SQLA_EAGER_LAZY

    @property
    def dynamic(self) -> bool:
        return self.lazy in {"dynamic", "write_only"}


@dataclass
class ModelInfo:
    name: str
    module: str
    orm: str | None
    fields: set[str]
    relations: dict[str, Relation]
    methods: dict[str, list[Any]]
    bases: list[str]


class ModelGraph:
    """Models of a project by class name, with relations both ways and inherited members."""

    def __init__(self, per_module: dict[str, dict[str, Any]]) -> None:
        self.by_name: dict[str, list[ModelInfo]] = {}
        self.functions: dict[str, dict[str, str]] = {}
        self.relation_names: set[str] = set()
        self.field_names: set[str] = set()
        raw: list[tuple[str, str, dict[str, Any]]] = []
        self._raw: dict[tuple[str, str], dict[str, Any]] = {}
        for module, facts in per_module.items():
            for name, entry in (facts.get("models") or {}).items():
                raw.append((module, name, entry))
                self._raw[(module, name)] = entry
            if facts.get("queries"):
                self.functions[module] = facts["queries"]
        for module, name, entry in raw:
            rels = {
                rname: Relation(rname, r.get("t"), r.get("k", "fk"), r.get("o", "django"), r.get("lazy"))
                for rname, r in entry.get("r", {}).items()
            }
            info = ModelInfo(name, module, entry.get("o"), set(entry.get("f", [])), rels,
                             dict(entry.get("m", {})), list(entry.get("b", [])))
            self.by_name.setdefault(name, []).append(info)
        # inheritance (abstract bases, mixins defined in the project)
        for infos in list(self.by_name.values()):
            for info in infos:
                seen = {info.name}
                stack = list(info.bases)
                while stack:
                    base = stack.pop()
                    if base in seen:
                        continue
                    seen.add(base)
                    for parent in self.by_name.get(base, [])[:1]:
                        info.fields |= parent.fields
                        for rname, rel in parent.relations.items():
                            info.relations.setdefault(rname, rel)
                        for mname, meta in parent.methods.items():
                            info.methods.setdefault(mname, meta)
                        info.orm = info.orm or parent.orm
                        stack.extend(parent.bases)
        # reverse accessors
        for infos in list(self.by_name.values()):
            for info in infos:
                for rname, rel in list(info.relations.items()):
                    if rel.kind == "generic" or rel.target is None:
                        continue
                    targets = self.by_name.get(rel.target if rel.target != "self" else info.name, [])
                    raw_rel = self._raw.get((info.module, info.name), {}).get("r", {}).get(rname)
                    for target in targets:
                        if rel.orm == "django":
                            related = raw_rel.get("rn") if raw_rel else None
                            if related is not None and related.endswith("+"):
                                continue
                            if related:
                                related = related.replace("%(class)s", info.name.lower()).replace("%(app_label)s", "")
                            default = info.name.lower() if rel.kind == "o2o" else f"{info.name.lower()}_set"
                            back = related or default
                            kind = "o2o_rev" if rel.kind == "o2o" else "reverse"
                            target.relations.setdefault(back, Relation(back, info.name, kind, "django"))
                        elif raw_rel and raw_rel.get("br"):
                            back = raw_rel["br"]
                            kind = "many" if rel.kind in {"rel", "one"} and "secondary" not in raw_rel else "rel"
                            target.relations.setdefault(back, Relation(back, info.name, kind, "sqlalchemy", raw_rel.get("brlazy")))
        for infos in self.by_name.values():
            for info in infos:
                self.relation_names |= set(info.relations)
                self.field_names |= info.fields

    def model(self, name: str | None, prefer_module: str | None = None) -> ModelInfo | None:
        if not name:
            return None
        infos = self.by_name.get(name)
        if not infos:
            return None
        if prefer_module:
            for info in infos:
                if info.module == prefer_module:
                    return info
            package = prefer_module.rpartition(".")[0]
            for info in infos:
                if package and info.module.startswith(package + "."):
                    return info
        return infos[0]

    def names(self) -> set[str]:
        return set(self.by_name)

    def function(self, qualified: str) -> tuple[str, str] | None:
        """(module, description) when ``pkg.mod.func`` / ``pkg.mod.Class.method`` runs queries."""
        parts = qualified.split(".")
        for split in (len(parts) - 1, len(parts) - 2):
            if split < 1:
                continue
            module, func = ".".join(parts[:split]), ".".join(parts[split:])
            for candidate, funcs in self.functions.items():
                if (candidate == module or candidate.endswith("." + module) or module.endswith("." + candidate)) and func in funcs:
                    return candidate, funcs[func]
        return None


_GRAPHS: dict[int, tuple[Any, ModelGraph]] = {}


def graph_for(project: Any) -> ModelGraph:
    """The (per-process memoised) model graph of a project index."""
    key = id(project)
    hit = _GRAPHS.get(key)
    if hit is not None and hit[0] is project:
        return hit[1]
    graph = ModelGraph(project.facts("orm"))
    if len(_GRAPHS) > 8:
        _GRAPHS.clear()
    _GRAPHS[key] = (project, graph)
    return graph


def merge_facts(per_module: dict[str, Any], module: str, own: dict[str, Any] | None) -> dict[str, Any]:
    """The index's facts with the checked file's own (fresher) facts in place of its module's."""
    merged = dict(per_module)
    if own is not None:
        merged[module] = own
    return merged
