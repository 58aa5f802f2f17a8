"""Which calls are database queries: :func:`classify` reads a chain into a :class:`Query`.

Recognised: Django managers and querysets, SQLAlchemy sessions (sync and async), ``select()``
statements and Flask-SQLAlchemy's ``Model.query``, DB-API cursors and async drivers.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any, Iterable

import libcst as cst

from backend_rules.analysis.orm.chains import (
    Seg,
    chain_of,
    literal_str,
    looks_like_model,
    name_of,
    render,
)
from backend_rules.analysis.orm.sql_statements import DML_RE, sql_text_of
from backend_rules.analysis.orm.vocabulary import (
    CURSOR_RE,
    DBAPI_METHODS,
    DJANGO_BULK,
    DJANGO_EVALUATING,
    DJANGO_LAZY,
    FLASK_DB_EVALUATING,
    MANAGER_NAMES,
    QUERYSET_NAME_RE,
    RESULT_METHODS,
    SESSION_RE,
    SQLA_LOADERS,
    SQLA_QUERY_TERMINAL,
    SQLA_SESSION_EVALUATING,
)


def _positional(seg: Seg) -> list[Any]:
    return [value for key, value in seg.args if key is None]


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
    annotations: set[str] = field(default_factory=set)  # annotate()/alias()/extra(select=) names: loaded values
    # what the rows are narrowed to by equality: "event" of filter_by(event=e) / Model.event_id == x,
    # "parent:event" of with_parent(event) (SQLAlchemy's identity map then holds shared parents)
    scopes: set[str] = field(default_factory=set)
    lookups: list[str] = field(default_factory=list)
    lookup_values: list[tuple[str, Any]] = field(default_factory=list)  # (keyword or "", value expression)
    has_in_lookup: bool = False
    sliced: bool = False
    sql_arg: Any = None  # DB-API: the SQL argument
    lazy: set[str] = field(default_factory=set)  # relations lazyload()ed here, whatever the model declares
    from_helper: str | None = None  # built by a project function (``repo.paid_orders()``)
    opaque: bool = False  # a statement from somewhere unreadable: what it loads is unknown
    # rows of a relation of an object (``order.lines.all()``): (owner model, relation, object's name)
    through: tuple[str, str, str] | None = None
    trailing: bool = False  # the chain goes on past the query (``.get().tags``): not its rows
    root_model_expr: str | None = None  # dotted name the model came from (loop-var check)
    # SQLAlchemy rows of several columns (``select(User, func.count())``): the entity at each position
    row_models: list[str | None] = field(default_factory=list)


def _lookups(seg: Seg, query: Query) -> None:
    for key, value in seg.args:
        query.lookup_values.append((key or "", value))
        if key and not key.startswith("*"):
            query.lookups.append(key)
            if key.endswith("__in") or key.endswith("__range"):
                query.has_in_lookup = True
            elif "__" not in key:
                query.scopes.add(key)
        elif key is None and isinstance(value, (cst.Call, ast.Call)):
            inner = chain_of(value)
            if inner and inner[-1].name == "in_":
                query.has_in_lookup = True
        elif key is None:
            column = _equality_column(value)
            if column:
                query.scopes.add(column)


def _equality_column(node: Any) -> str | None:
    """``Model.event_id == x`` -> "event_id" (libcst or ast)."""
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1 and isinstance(node.comparisons[0].operator, cst.Equal):
        left = node.left
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq):
        left = node.left
    else:
        return None
    name = name_of(left)
    return name.split(".")[-1] if name and "." in name else None


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
        # lazyload()/load_only()/defer() (``orm.lazyload`` too) load nothing eagerly; an unreadable
        # argument (a variable, a helper call) is assumed to cover everything
        head = next((s.name for s in segs if s.call), None)
        return [], head not in {"lazyload", "load_only", "defer", "undefer", "Load", "defaultload", "noload"}
    return paths, unknown and not paths


def _parent_columns(option: list[Seg], query: Query) -> None:
    """``load_only``/``defer`` of a loader option restrict the parent only before any relationship
    loader: ``joinedload(Query.latest).load_only("at")`` restricts the *related* entity."""
    for part in option:
        if not part.call:
            continue
        if part.name in SQLA_LOADERS or part.name in {"defaultload", "lazyload"}:
            return
        if part.name == "load_only":
            query.only = (query.only or set()) | _only_fields(part)
        elif part.name == "defer":
            query.deferred |= _only_fields(part)


def _annotation_names(seg: Seg) -> set[str]:
    """Names an ``annotate()`` adds: keywords, and Django's default alias ``<field>__<agg>``."""
    names: set[str] = set()
    for key, value in seg.args:
        if key is not None and not key.startswith("*"):
            names.add(key)
        elif key is None and isinstance(value, (cst.Call, ast.Call)):
            inner = chain_of(value)
            if inner and inner[0].call and inner[0].args:
                field_name = literal_str(inner[0].args[0][1])
                if field_name:
                    names.add(f"{field_name}__{inner[0].name.lower()}")
    return names


def _dict_keys(node: Any) -> set[str]:
    if isinstance(node, cst.Dict):
        return {k for e in node.elements if isinstance(e, cst.DictElement) and (k := literal_str(e.key))}
    if isinstance(node, ast.Dict):
        return {k for key in node.keys if key is not None and (k := literal_str(key))}
    return set()


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


def _apply_methods(query: Query, segs: list[Seg], start: int) -> Query:
    """Read queryset/statement methods from ``segs[start:]``; stops at the one that runs SQL."""
    query.text = render(segs)
    for position, seg in enumerate(segs[start:], start=start):
        if seg.call or seg.name == "[]":
            query.text = render(segs[: position + 1])
        if seg.name == "[]":
            if seg.index and query.orm == "django":
                query.evaluated, query.terminal = True, "[]"
                query.trailing = position + 1 < len(segs)  # ``qs[0].entries()``: what that object gives
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
                _parent_columns(chain_of(value), query)
                option = chain_of(value)
                head = next((part for part in option if part.call), None)
                if head is not None and head.name == "lazyload":
                    query.lazy.update((name_of(v) or "").split(".")[-1] for k, v in head.args if k is None)
        elif name in {"values", "values_list", "dates", "datetimes", "with_entities", "add_columns"}:
            query.rows = True
        elif name == "only":
            query.only = (query.only or set()) | _only_fields(seg)
        elif name in {"annotate", "alias"}:
            query.annotations |= _annotation_names(seg)
        elif name == "extra":
            for key, value in seg.args:
                if key == "select":
                    query.annotations |= _dict_keys(value)
        elif name == "defer":
            query.deferred |= _only_fields(seg)
        elif name in {"filter", "exclude", "get", "filter_by", "where", "get_or_create", "update_or_create", "aget"}:
            _lookups(seg, query)
        elif name == "with_parent":
            parent = name_of(seg.args[0][1]) if seg.args else None
            if parent:
                query.scopes.add("parent:" + parent.split(".")[-1])
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
                rest = segs[position + 1:]
                query.trailing = any(not s.call or s.name not in RESULT_METHODS for s in rest)
                if name == "paginate" and len(rest) == 1 and rest[0].name == "items" and not rest[0].call:
                    query.trailing = False  # ``Post.query.paginate(...).items``: the page's rows
                return query
    return query


def _without_module(segs: list[Seg]) -> list[Seg]:
    """``db.select(Post)`` (Flask-SQLAlchemy 3), ``sa.select(Post)``: the statement without the module prefix."""
    if len(segs) >= 2 and not segs[0].call and segs[1].call and segs[1].name in {"select", "Select"} \
            and segs[0].name in {"db", "sa", "sqlalchemy", "orm", "sql"}:
        return segs[1:]
    return segs


def _row_models(first: list[Any]) -> list[str | None]:
    """The model class at each position of a SQLAlchemy row (``select(User, func.count(...))``)."""
    out: list[str | None] = []
    for arg in first:
        name = name_of(arg)
        out.append(name if name and "." not in name and looks_like_model(name) else None)
    return out if any(out) else []


def _statement_query(node: Any, orm_query: Query) -> None:
    """Model and loader options of a SQLAlchemy statement argument: ``select(Post).options(...)``."""
    segs = _without_module(chain_of(node))
    if not segs or not segs[0].call:
        return
    head = segs[0]
    if head.name in {"select", "Select", "future_select"} or head.name.endswith("select"):
        first = _positional(head)
        orm_query.row_models = _row_models(first)
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
            i == 1 and not root.call and root.name in known and len(segs) > 2 and segs[2].call
            and (segs[2].name in DJANGO_LAZY or segs[2].name in DJANGO_EVALUATING) and seg.name != "query"
            and _may_be_manager(known, root.name, seg.name)
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
        if len(segs) >= 3 and not segs[1].call and segs[2].call and segs[2].name in DJANGO_LAZY \
                and query.model not in known:
            # ``get_object_or_404(Plan, ...).entries.all()`` of a model not in the project: rows of a
            # related manager, whose model is unknown (project models are read by the caller's graph)
            rows = Query("django", text=render(segs[:2]))
            rows.through = (query.model or "", segs[1].name, "")
            return _apply_methods(rows, segs, 2)
        # ``get_object_or_404(Plan, ...).entries_for_week()``: what the object gives, not the query's rows
        query.trailing = len(segs) > 1
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
                query.row_models = _row_models(first)
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


NOT_MANAGERS = {"_meta", "Meta", "DoesNotExist", "MultipleObjectsReturned", "base_fields", "declared_fields",
                "cleaned_data", "data", "initial", "errors", "fields", "choices", "query"}


def _may_be_manager(known: Any, model: str, attr: str) -> bool:
    """``Post.published`` may be a custom manager; ``Post.Meta``/a field/a relation is not."""
    if attr in NOT_MANAGERS or attr.isupper() or attr.startswith("__"):
        return False
    is_manager = getattr(known, "is_manager", None)
    return is_manager(model, attr) if is_manager is not None else True


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


def read_methods(query: Query, segs: list[Seg], start: int) -> Query:
    """Read the queryset/statement methods of ``segs[start:]`` into ``query`` (a chain whose head is
    known to be a query by other means: ``self`` in a QuerySet subclass, a helper's result)."""
    return _apply_methods(query, segs, start)


def statement_query(node: Any, segs: list[Seg] | None = None) -> Query | None:
    """The query a bare SQLAlchemy statement builds (``select(Post).options(...)``), not yet run;
    ``segs`` when the chain was already read (through local variables)."""
    segs = _without_module(chain_of(node) if segs is None else segs)
    if not segs or not segs[0].call or not (segs[0].name in {"select", "Select", "future_select"}):
        return None
    query = Query("sqlalchemy", text=render(segs))
    first = _positional(segs[0])
    query.row_models = _row_models(first)
    if len(first) == 1:
        model = name_of(first[0])
        if model and "." not in model and looks_like_model(model):
            query.model = model
        elif model and "." in model:
            query.rows = True
    elif len(first) > 1:
        query.rows = True
    _apply_methods(query, segs, 1)
    query.text = render(segs)
    query.evaluated = False
    return query
