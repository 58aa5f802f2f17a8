"""Which queries an expression hands over whole: every row of a table, no LIMIT, no page.

Follows a returned value back through local names, comprehensions, serializers, response and
render calls to the queries it carries, and reads each query's chain (through the variables
that built it, SQLAlchemy statements included) with :mod:`query_shapes` for a limit, a slice or
a page; :mod:`list_scopes` then says what its filters scope it to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import Seg, chain_of
from backend_rules.analysis.orm.sql_statements import sql_text_of
from backend_rules.rules.data_access.query_shapes import (
    FILTERS, CURSOR_NAME, sql_verdict, shape_of, shape_filters, VIEW_QUERYSETS, COMBINING, SHAPING,
)


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

STATEMENT_ARGS = {"execute", "scalars", "scalar", "stream", "stream_scalars", "paginate", "fetch_all", "fetch", "exec"}

ROW_SOURCES = {"fetchall", "fetch_all", "fetch"}

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
        shape = shape_of(segs, self.klass, self.context)
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
                # no whole query in get_queryset(): it returns a relation of one object (project.users.all())
                return [f for q in inner.found for f in q.filters] or [("<scoped>", cst.Name("scoped"))], False
            assigned = [b for b in facts.bindings.get("queryset", ()) if b.kind == "=" and b.value is not None]
            if assigned:
                return shape_filters(assigned[-1].value) + [
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
