"""Which queries an expression hands over whole: every row of a table, no LIMIT, no page.

Follows a returned value back through local names, comprehensions, serializers, response and
render calls to the queries it carries, and reads each query's chain (through the variables
that built it, SQLAlchemy statements included) for a limit, a slice or a page, and for what its
filters scope it to (the current user, a parent object) so that small lists read as small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import Seg, chain_of, literal_str, looks_like_model, name_of
from backend_rules.analysis.orm.query_calls import classify
from backend_rules.analysis.orm.sql_statements import sql_text_of

# Calls that cut a result to a page, count it or pick one row: what comes out is bounded.
BOUNDING_CALLS = {
    "Paginator", "paginate", "paginate_queryset", "get_page", "page", "islice", "len", "count", "sum",
    "min", "max", "any", "all_", "bool", "exists", "aggregate", "get_object_or_404", "aget_object_or_404",
    "get_paginated_response", "paginate_query", "paginated", "paginated_response", "apaginate", "int",
    "float", "str", "first", "last", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none",
    "get", "fetchone", "get_or_404", "first_or_404", "one_or_404", "earliest", "latest", "aget", "afirst",
    "acount", "aexists", "fetchval", "fetchrow", "LimitOffsetPage", "Page", "CursorPage", "exists_query",
    "randint", "choice", "sample",
}
# Methods that bound a query or select one row.
LIMITING = {"limit", "slice", "paginate", "fetchmany", "top", "take", "first_n", "page", "offset_limit", "none"}
SINGLE = {
    "get", "first", "last", "one", "one_or_none", "scalar", "scalar_one", "scalar_one_or_none", "count", "exists",
    "fetchone", "get_or_404", "first_or_404", "one_or_404", "aggregate", "earliest", "latest", "aget", "afirst",
    "alast", "acount", "aexists", "aaggregate", "get_or_create", "update_or_create", "create", "update", "delete",
    "fetchrow", "fetchval", "get_one", "exists", "contains", "explain", "in_bulk_one",
}
FILTERS = {"filter", "filter_by", "where", "exclude", "having", "join", "get_list_or_404"}
STATEMENT_ARGS = {"execute", "scalars", "scalar", "stream", "stream_scalars", "paginate", "fetch_all", "fetch", "exec"}
ROW_SOURCES = {"fetchall", "fetch_all", "fetch"}
LOOKUP_MODEL = re.compile(
    r"(Type|Kind|Status|Categor(y|ies)|Choice|Option|Setting|Config|Preference|Role|Permission|Group|Countr(y|ies)|"
    r"Currenc(y|ies)|Language|Locale|Timezone|Region|State|Province|Unit|Plan|Tier|Level|Feature|Flag|Label|"
    r"Genre|Brand|Department|Priorit(y|ies)|Severit(y|ies)|Format|Platform|Gender|Industry|Tag)s?$")
# Attributes through which a value still carries the rows of what it wraps.
CARRYING_ATTRIBUTES = {"data", "object_list", "results", "rows", "qs", "queryset", "validated_data"}
# Calls that hand their arguments to the client as they are: responses, renderers, containers.
PASSTHROUGH = {
    "jsonify", "JsonResponse", "Response", "JSONResponse", "ORJSONResponse", "UJSONResponse", "json_response",
    "render", "render_template", "render_to_response", "render_to_string", "TemplateResponse", "HttpResponse",
    "StreamingHttpResponse", "make_response", "dumps", "dict", "list", "tuple", "sorted", "set", "reversed",
    "enumerate", "serialize", "marshal", "model_validate", "from_orm", "parse_obj_as", "validate_python",
    "jsonable_encoder", "map", "chain", "get_serializer", "Ok", "success", "ok", "api_response", "to_representation",
    "dump", "dumps", "loads", "list_of",
}
SERIALIZING_METHODS = {"to_dict", "serialize", "dict", "model_dump", "json", "to_json", "as_dict", "values",
                       "values_list", "model_dump_json", "from_orm", "model_validate", "dump", "jsonify"}


@dataclass
class ListQuery:
    """A query whose every row goes to the client."""

    node: cst.BaseExpression  # where to report
    text: str
    model: str | None = None
    filters: list[tuple[str | None, cst.BaseExpression]] = field(default_factory=list)
    distinct: bool = False  # distinct values or grouped rows: as many as there are groups
    via_helper: bool = False  # reached through a function of the project that may page it
    origin: str = ""  # the function whose return holds the query
    unknown_base: bool = False  # the view's queryset comes from a class this module does not show


@dataclass
class Flow:
    """What a function hands to its client: the queries it carries whole."""

    context: Any
    function: cst.FunctionDef
    klass: cst.ClassDef | None = None
    found: list[ListQuery] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    helper_hops: int = 0

    @property
    def facts(self) -> Any:
        return self.context.scope_facts(self.function)

    # --- following values ------------------------------------------------------------------------

    def follow(self, node: cst.BaseExpression | None, order: int, depth: int = 0) -> None:
        if node is None or depth > 8 or id(node) in self.seen:
            return
        self.seen.add(id(node))
        if isinstance(node, cst.Await):
            self.follow(node.expression, order, depth + 1)
        elif isinstance(node, cst.Call):
            self._call(node, order, depth)
        elif isinstance(node, cst.Name):
            self._name(node.value, order, depth)
        elif isinstance(node, cst.Attribute):
            if not self._query(node, order) and node.attr.value in CARRYING_ATTRIBUTES:
                self.follow(node.value, order, depth + 1)  # serializer.data, page.object_list
        elif isinstance(node, cst.Subscript):
            if any(isinstance(s.slice, cst.Slice) for s in node.slice):
                return  # a slice bounds it
            self.follow(node.value, order, depth + 1)
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for element in node.elements:
                self.follow(element.value, order, depth + 1)
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                self.follow(element.value, order, depth + 1)
        elif isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            self.follow(node.for_in.iter, order, depth + 1)
        elif isinstance(node, cst.IfExp):
            self.follow(node.body, order, depth + 1)
            self.follow(node.orelse, order, depth + 1)
        elif isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            self.follow(node.left, order, depth + 1)
            self.follow(node.right, order, depth + 1)

    def _name(self, name: str, order: int, depth: int) -> None:
        bindings = self.facts.bindings_before(name, order)
        last_plain = max((i for i, b in enumerate(bindings) if b.kind == "="), default=None)
        relevant = bindings[last_plain:] if last_plain is not None else bindings
        for binding in relevant:
            if binding.kind in {"=", "append", "extend", "+=", "loop"} and binding.value is not None:
                self.follow(binding.value, binding.order + (1 if binding.kind == "loop" else 0), depth + 1)
        for value in self._stored_items(name):
            self.follow(value, order, depth + 1)

    def _stored_items(self, name: str) -> list[cst.BaseExpression]:
        """``context["posts"] = ...`` / ``context.update(posts=...)``: what a dict is filled with."""
        values: list[cst.BaseExpression] = []

        def enter(node: cst.CSTNode) -> bool:
            if node is not self.function and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(node, cst.Assign) and any(
                isinstance(t.target, cst.Subscript) and dotted_name(t.target.value) == name for t in node.targets
            ):
                values.append(node.value)
            elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "update" \
                    and dotted_name(node.func.value) == name:
                values.extend(arg.value for arg in node.args)
            return True

        from backend_rules.analysis.walk import walk

        walk(self.function, enter)
        return values

    def _into_helper(self, node: cst.Call, depth: int) -> bool:
        """Follow a call of a function of this module (or a method of this class) into its returns."""
        func = node.func
        target: cst.FunctionDef | None = None
        if isinstance(func, cst.Name):
            target = self.context.scope_facts(self.context.module).functions.get(func.value)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in {"self", "cls"} \
                and self.klass is not None:
            target = self.context.scope_facts(self.klass).functions.get(func.attr.value)
        if target is None or target is self.function or depth > 4 or self.helper_hops > 1:
            return False
        inner = Flow(self.context, target, self.klass, seen=self.seen, helper_hops=self.helper_hops)
        facts = self.context.scope_facts(target)
        from backend_rules.rules.data_access.list_endpoints import returned_values

        for ret in returned_values(target):
            inner.follow(ret.value, facts.order_of([ret]), depth + 1)
        self.found.extend(inner.found)
        return True

    def _call(self, node: cst.Call, order: int, depth: int) -> None:
        name = dotted_name(node.func) or ""
        last = name.split(".")[-1] if name else (node.func.attr.value if isinstance(node.func, cst.Attribute) else "")
        if last in BOUNDING_CALLS and last != "get":
            return
        if self._query(node, order) or last == "get":
            return  # a query read above, or dict.get() / one row
        if isinstance(node.func, cst.Attribute) and last in SERIALIZING_METHODS:
            self.follow(node.func.value, order, depth + 1)
        serializer = last.endswith(("Serializer", "Schema")) or last in {"get_serializer", "serializer_class"}
        if serializer:
            many = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "many"), None)
            if not (isinstance(many, cst.Name) and many.value == "True"):
                return  # one object
        elif self._into_helper(node, depth):
            return  # a function of this module: its own returns were followed
        elif name.startswith(("self.", "cls.")) and last not in PASSTHROUGH:
            return  # the view's own plumbing (get_table, get_context_data): it may page what it gets
        known = serializer or last in PASSTHROUGH or last.endswith(("Response", "Out", "Schema", "Model"))
        if not known:
            self.helper_hops += 1
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in {"status", "status_code", "headers", "content_type", "template_name"}:
                continue
            self.follow(arg.value, order, depth + 1)
        if not known:
            self.helper_hops -= 1

    # --- reading a query -------------------------------------------------------------------------

    def _resolved(self, node: cst.BaseExpression, order: int, depth: int = 0) -> list[Seg]:
        """The chain of ``node`` with a local root replaced by what it was assigned, and
        statement arguments (``session.execute(stmt)``) spliced in before the call."""
        segs = chain_of(node)
        if not segs or depth > 5:
            return segs
        out: list[Seg] = []
        root = segs[0]
        if not root.call and root.name not in {"self", "cls"}:
            bindings = [b for b in self.facts.bindings_before(root.name, order) if b.kind == "=" and b.value is not None]
            if bindings:
                out = self._resolved(bindings[-1].value, bindings[-1].order, depth + 1)
                segs = segs[1:]
        for seg in segs:
            if seg.call and seg.name in STATEMENT_ARGS:
                first = next((v for k, v in seg.args if k is None), None)
                if isinstance(first, (cst.Name, cst.Call, cst.Attribute)):
                    out.extend(self._resolved(first, order, depth + 1))
            out.append(seg)
        return out

    def _query(self, node: cst.BaseExpression, order: int) -> bool:
        """If ``node`` is a query, record it when it hands over every row; True when it is one."""
        raw = chain_of(node)
        if len(raw) == 2 and raw[1].call and raw[1].name in ROW_SOURCES and not raw[1].args and not raw[0].call:
            return self._cursor_rows(node, raw[0].name, order)  # cursor.fetchall() after cursor.execute(sql)
        segs = self._resolved(node, order)
        shape = _shape(segs, self.klass, self.context)
        if shape is None:
            return False
        if shape.is_list and not shape.bounded:
            filters = shape.filters + self._built_from(shape.filters, order)
            unknown = False
            if segs[0].name in {"self", "cls"} and len(segs) > 1 and segs[1].name in VIEW_QUERYSETS:
                inherited, unknown = self._view_queryset()
                filters += inherited
            self.found.append(ListQuery(node, shape.text, shape.model, filters, shape.distinct, self.helper_hops > 0,
                                        self.function.name.value, unknown))
        return True

    def _view_queryset(self) -> tuple[list[tuple[str | None, cst.BaseExpression]], bool]:
        """The filters of the view's own queryset (``queryset = ...`` or ``get_queryset()``, in the
        class or a base class of this module), and whether it could not be found."""
        classes = self.context.scope_facts(self.context.module).classes
        pending = [self.klass] if self.klass is not None else []
        for _ in range(3):
            if not pending:
                break
            klass = pending.pop(0)
            facts = self.context.scope_facts(klass)
            getter = facts.functions.get("get_queryset")
            if getter is not None and getter is not self.function:
                inner = Flow(self.context, getter, klass, seen=set(self.seen), helper_hops=self.helper_hops)
                from backend_rules.rules.data_access.list_endpoints import returned_values

                getter_facts = self.context.scope_facts(getter)
                for ret in returned_values(getter):
                    inner.follow(ret.value, getter_facts.order_of([ret]))
                return [f for q in inner.found for f in q.filters] or [(None, cst.Name("custom"))], False
            assigned = [b for b in facts.bindings.get("queryset", ()) if b.kind == "=" and b.value is not None]
            if assigned:
                return _shape_filters(assigned[-1].value) + [
                    (key, value) for seg in chain_of(assigned[-1].value) if seg.call and seg.name not in SHAPING
                    for key, value in seg.args], False
            for base in klass.bases:
                name = dotted_name(base.value) or ""
                if name in classes:
                    pending.append(classes[name])
        return [], True


    def _built_from(self, filters: list[tuple[str | None, cst.BaseExpression]], order: int,
                    depth: int = 0) -> list[tuple[str | None, cst.BaseExpression]]:
        """Local subqueries and conditions a filter or join names: what they filter on scopes it too."""
        extra: list[tuple[str | None, cst.BaseExpression]] = []
        if depth > 1:
            return extra
        for key, value in filters:
            names = [value] if isinstance(value, cst.Name) else [
                arg.value for arg in getattr(value, "args", ()) if isinstance(arg.value, cst.Name)]
            if isinstance(value, cst.Comparison):
                names += [t.comparator for t in value.comparisons if isinstance(t.comparator, cst.Attribute)]
            for name in names:
                root = name
                while isinstance(root, cst.Attribute):
                    root = root.value
                if not isinstance(root, cst.Name):
                    continue
                bindings = [b for b in self.facts.bindings_before(root.value, order) if b.kind == "=" and b.value is not None]
                if bindings:
                    extra.append((key, bindings[-1].value))
                    resolved = self._resolved(bindings[-1].value, bindings[-1].order)
                    inner = [(None, v) for seg in resolved if seg.call and seg.name in FILTERS | COMBINING
                             for _, v in seg.args]
                    extra.extend(inner + self._built_from(inner, bindings[-1].order, depth + 1))
        return extra

    def _cursor_rows(self, node: cst.BaseExpression, cursor: str, order: int) -> bool:
        """``cursor.fetchall()``: the rows of the cursor's last ``execute(sql)`` before it."""
        if not CURSOR_NAME.search(cursor):
            return False
        statements: list[tuple[int, cst.BaseExpression]] = []

        def enter(current: cst.CSTNode) -> bool:
            if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute) and current.func.attr.value == "execute":
                if dotted_name(current.func.value) == cursor and current.args:
                    statements.append((self.facts.order_of([current]), current.args[0].value))
            return True

        from backend_rules.analysis.walk import walk

        walk(self.function, enter)
        if not statements:
            return False
        sql = statements[-1][1]
        if isinstance(sql, cst.Name):
            bindings = [b for b in self.facts.bindings.get(sql.value, ()) if b.kind == "=" and b.value is not None]
            sql = bindings[-1].value if bindings else sql
        text = sql_text_of(sql)
        if text is None:
            return True
        verdict = sql_verdict(text)
        if verdict is None:
            return True
        self.found.append(ListQuery(node, " ".join(text.split())[:60], None,
                                    [("<sql>", sql)] if verdict == "filtered" else []))
        return True


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
class _Shape:
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


def _shape(segs: list[Seg], klass: cst.ClassDef | None, context: Any) -> _Shape | None:
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
                    return _Shape(model, "", False, True, [], False)
                if verdict == "filtered":
                    return _Shape(model, "", True, False, [("<sql>", first)], False)
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
    return _Shape(model, text, single is None, bounded, filters, grouped)


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


def _shape_filters(node: cst.BaseExpression) -> list[tuple[str | None, cst.BaseExpression]]:
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


def is_lookup_model(model: str | None) -> bool:
    """Models that hold a small fixed table: types, statuses, categories, countries, settings."""
    return bool(model and LOOKUP_MODEL.search(model))


def scope_of(query: ListQuery, parents: set[str]) -> str:
    """``owner`` (filtered by the current user), ``parent`` (by a path parameter or a parent
    object fetched before), ``filtered`` (by something else: a status, a search term) or ``none``."""
    if not query.filters:
        return "none"
    verdict = "filtered"
    for key, value in query.filters:
        if key == "<sql>":
            return "parent"  # raw SQL with a WHERE clause: cannot tell, assume scoped
        texts = _value_texts(value)
        if any(OWNER_VALUE.search(t) for t in texts):
            return "owner"
        roots = {t.split(".")[0] for t in texts}
        if roots & parents:
            if key and OWNER_KEY.search(key):
                return "owner"
            verdict = "parent"
        elif _foreign_key_match(key, value):
            verdict = "parent"
    return verdict


def _foreign_key_match(key: str | None, value: cst.BaseExpression) -> bool:
    """``project_id=pid`` / ``post=post`` / ``Task.project_id == pid``: one parent's children."""
    if key is not None:
        field = key.split("__")
        lookup_free = len(field) == 1 or field[-1] in {"id", "pk"}
        return lookup_free and not _literal(value) and (field[0].endswith(("_id", "_pk")) or len(field) > 1)
    if isinstance(value, cst.Comparison) and len(value.comparisons) == 1 and isinstance(value.comparisons[0].operator, cst.Equal):
        left = value.left
        column = left.attr.value if isinstance(left, cst.Attribute) else ""
        return column.endswith(("_id", "_pk")) and not _literal(value.comparisons[0].comparator)
    return False


def _literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)) or (
        isinstance(node, cst.Name) and node.value in {"True", "False", "None"})


OWNER_VALUE = re.compile(
    r"^((self\.)?request\.(user|auth|project|organization|org|team|tenant|account|workspace|site|state\.user)"
    r"|current_user|g\.user|g\.current_user|info\.context\.user|flask_login\.current_user|user)(\.|$)")
OWNER_KEY = re.compile(r"^(user|owner|author|created_by|account|member)(_id|__id|__pk|_pk)?$")


def _value_texts(value: cst.BaseExpression) -> list[str]:
    """Dotted names a filter value reads (``request.user``, ``post.id``, ``project_id``)."""
    texts: list[str] = []

    def visit(node: cst.CSTNode) -> None:
        name = dotted_name(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
        if name is not None:
            texts.append(name)
            return
        for child in node.children:
            visit(child)

    if isinstance(value, cst.Comparison):
        for target in value.comparisons:
            visit(target.comparator)
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in {"in_", "contains", "any", "has"}:
        for arg in value.args:
            visit(arg.value)
    else:
        visit(value)
    return texts
