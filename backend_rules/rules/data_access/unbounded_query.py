"""BR203 unbounded-query: a list endpoint hands the client every row, or lets it choose how many."""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.admin_views import admin_only, admin_path
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_migration, is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.data_access.client_limits import LimitFinder
from backend_rules.rules.data_access.django_settings import project_settings
from backend_rules.rules.data_access.list_endpoints import Endpoint, endpoint_of, returned_values, route_params
from backend_rules.rules.data_access.list_queries import Flow, ListQuery
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.list_scopes import grows_with_use, is_lookup_model, scope_of

LIST_VIEW_BASES = {"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "ListModelMixin"}
PAGE_NUMBER_BASES = {"PageNumberPagination", "CursorPagination"}
PAGINATING = re.compile(r"paginate|Paginator|get_page$|^page$|LimitOffsetPage|CursorPage")
EXPORT_NAME = re.compile(r"export|csv|xlsx|download|dump|backup|sitemap", re.IGNORECASE)
SINGLE_FETCH = re.compile(r"get_object_or_404|get_object|\.get$|\.first$|\.one$|get_or_404|first_or_404|one_or_none"
                          r"|(^|\.)_?(get|fetch|load|find|lookup|retrieve|resolve)_?\w*$")
REQUEST_DATA = re.compile(r"^(self\.)?(request|req)\.")  # request.GET.get("q"): a client's filter, not a parent
NOT_SINGLE = re.compile(r"list|all|many|queryset|filter|search|_set$|s$")
NOT_PARENTS = {"request", "req", "info", "db", "session", "cls", "context", "root", "parent", "obj", "_"}
LEVELS = ("LOW", "MEDIUM", "HIGH")
SQL_TABLE = re.compile(r"\bFROM\s+[\"`\[]?(?:\w+\.)?(\w+)", re.IGNORECASE)


def _class_attrs(klass: cst.ClassDef) -> tuple[dict[str, cst.BaseExpression], dict[str, cst.FunctionDef]]:
    attrs: dict[str, cst.BaseExpression] = {}
    methods: dict[str, cst.FunctionDef] = {}
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else []
    for statement in body:
        if isinstance(statement, cst.FunctionDef):
            methods[statement.name.value] = statement
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            attrs[target.target.value] = small.value
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                    attrs[small.target.value] = small.value
    return attrs, methods


def _is_none(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _paginates(function: cst.CSTNode) -> bool:
    """The function pages its results somewhere (its unpaged branch is a fallback)."""
    found = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal found
        if isinstance(node, cst.Call):
            name = dotted_name(node.func) or ""
            if PAGINATING.search(name.split(".")[-1]):
                found = True
        return not found

    walk(function, enter)
    return found


def _short(code: str) -> str:
    text = " ".join(code.split())
    return text if len(text) <= 60 else text[:57] + "..."


# A lookup by a list of keys (``id__in=author_ids``, ``author__pk__in``, ``uuid__in``) returns at most
# as many rows as keys were given.
KEY_LIST_LOOKUP = re.compile(r"(^|__|_)(pk|id|uuid|slug)__in$")


class UnboundedQuery(Rule):
    """A list endpoint returns every row of a query, or lets the client choose how many.

    ## What it does
    Finds, in route handlers (Flask, FastAPI, aiohttp, Starlette, Pyramid), Django and DRF views
    and viewset actions, and GraphQL resolvers of list fields:

    - a query returned to the client whole: `Model.objects.all()` / `.filter(...)` unsliced,
      `Model.query.all()`, `session.execute(select(Model)).scalars().all()` (SQLModel `exec`)
      without `limit`, `cursor.fetchall()` of a `SELECT` without `LIMIT`, pymongo/motor
      `find()` without `limit` (`to_list(None)`), peewee/Tortoise model queries; followed
      through local variables, comprehensions, serializers (`many=True`), `jsonify`/`Response`/
      `render` context (also filled later, `context["x"] = ...`) and helpers of the same module;
    - a client-chosen size with no upper bound: `int(request.args["limit"])` into `.limit()`,
      a slice, `paginate(per_page=...)`, `Paginator(qs, n)` or a `limit=` argument; FastAPI
      `limit: int = 100` without `Query(le=...)`;
    - DRF list views (`ListAPIView`, `ModelViewSet`, ...) without pagination
      (`pagination_class = None`, or no `DEFAULT_PAGINATION_CLASS` in the project's settings),
      DRF pagination classes that let the client choose the page size with no `max_page_size`
      / `max_limit`, and Django `ListView`s without `paginate_by`.

    ## Why is this bad?
    A list that is small in development grows with the data: one request then reads, serializes
    and sends a whole table, holding a worker and the database for seconds and growing the
    response without bound. A size the client chooses without a cap is the same request on
    demand (`?limit=10000000`).

    ## Example
    ```python
    @app.get("/api/orders")
    def list_orders():
        return jsonify([o.to_dict() for o in Order.query.all()])
    ```

    ## Use instead
    ```python
    @app.get("/api/orders")
    def list_orders():
        per_page = min(request.args.get("per_page", 20, type=int), 100)
        page = Order.query.order_by(Order.id).paginate(per_page=per_page, max_per_page=100)
        return jsonify([o.to_dict() for o in page.items])
    ```

    ## Confidence
    HIGH for an unfiltered query of a table and for request values straight into a limit;
    MEDIUM for filters that do not scope the list (a status, a search term), FastAPI parameters
    and DRF views without pagination. A whole list is shown by default only with evidence that
    its table grows with use: a model named like what users write or the system records (events,
    logs, messages, comments, orders, posts, users), a foreign key to a user/owner/author, or a
    creation timestamp; curated tables (forums, plugins, pages, product classes, shipping
    methods) and models the project does not declare are LOW. LOW (hidden by default) for lookup tables (types,
    statuses, categories, countries), lists scoped to the current user or to a parent object
    from the path, `distinct()` value lists, exports, views only administrators reach (`admin/`
    modules, admin-required decorators: an administrator's wait, not a public endpoint's), and DRF views when the project's settings
    cannot be read; a project function between the query and the response (it may page it) and
    a view queryset inherited from a class this file does not show are LOW too.

    ## Limits
    Helpers in other modules (a `crud.get_items()` that returns everything) are not followed;
    their `limit=` argument is still checked when the client chooses it.
    """

    CODE = "BR203"
    NAME = "unbounded-query"
    MESSAGE = "{endpoint} returns every row of {query} with no limit or page; {hint}"
    CATEGORY = "performance"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "MEDIUM"
    TRIGGER = (r"\.(?:objects|query|queryset)\b|\.(?:all|filter|filter_by|where|scalars|execute|exec|fetch\w*|find|to_list|values|"
               r"values_list|limit|paginate|get_queryset)\(|select\(|Pagination\b|ListAPIView|ModelViewSet|ListView|"
               r"per_page|page_size|\blimit\b")
    USES_PROJECT_INDEX = True
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict[str, Any]) -> bool:
        return not (is_test_code(options) or is_migration(options))

    # --- functions -------------------------------------------------------------------------------

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        klass = self._owning_class()
        endpoint = endpoint_of(node, klass, self.context)
        finder = LimitFinder(node, self.context, route_params(endpoint) if endpoint else [])
        for limit in finder.findings():
            advice = "declare it Query(..., le=MAX)" if limit.from_param else f"clamp it: min({limit.name}, MAX)"
            self.report(limit.source, confidence="MEDIUM" if limit.from_param or "(" in limit.sink and "=" in limit.sink else "HIGH",
                        message=f"client-chosen size `{limit.name}` reaches {limit.sink} with no upper bound; {advice}")
        if endpoint is None or _paginates(node):
            return
        flow = Flow(self.context, node, klass)
        facts = self.context.scope_facts(node)
        for ret in returned_values(node):
            flow.follow(ret.value, facts.order_of([ret]))
        parents = self._parents(node)
        reported: set[int] = set()
        admin = self._for_admins(node)
        for query in flow.found:
            if id(query.node) in reported:
                continue
            reported.add(id(query.node))
            confidence = "LOW" if admin else self._confidence(query, parents, endpoint)
            self.report(query.node, confidence=confidence, endpoint=f"`{node.name.value}()`",
                        query=f"`{_short(self.context.module.code_for_node(query.node))}`", hint=self._hint(query))

    def _for_admins(self, node: cst.CSTNode) -> bool:
        """A view only administrators reach (``admin/`` modules, admin-required decorators or bases):
        a whole list there costs an administrator's wait, not a public endpoint's."""
        path = self.context.options.get("relative_path", "").replace("\\", "/")
        return admin_path(path) or admin_only([*self.context.stack, node])

    def _owning_class(self) -> cst.ClassDef | None:
        for parent in reversed(self.context.stack):
            if isinstance(parent, cst.ClassDef):
                return parent
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                return None
        return None

    def _parents(self, function: cst.FunctionDef) -> set[str]:
        """Names a list can be scoped by: path parameters, objects fetched one by one, ``self``."""
        facts = self.context.scope_facts(function)
        names = {p for p in facts.params if p not in NOT_PARENTS} | {"self", "kwargs"}
        for name, bindings in facts.bindings.items():
            for binding in bindings:
                value = binding.node.value if binding.kind == "unpack" and isinstance(binding.node, cst.Assign) else binding.value
                if isinstance(value, cst.Await):
                    value = value.expression
                callee = ".".join(seg.name for seg in chain_of(value)) if isinstance(value, cst.Call) else ""
                if callee and SINGLE_FETCH.search(callee) and not NOT_SINGLE.search(callee.split(".")[-1]) \
                        and not REQUEST_DATA.search(callee):
                    names.add(name)
        return names

    def _confidence(self, query: ListQuery, parents: set[str], endpoint: Endpoint | None) -> str:
        scope = scope_of(query, parents)
        if is_lookup_model(query.model) or query.distinct or scope in {"owner", "parent"}:
            return "LOW"
        if endpoint is not None and EXPORT_NAME.search(endpoint.function.name.value) or EXPORT_NAME.search(query.origin):
            return "LOW"
        if query.via_helper or query.unknown_base:
            return "LOW"  # a project function, or a base class this file does not show, may page or scope it
        if any(KEY_LIST_LOOKUP.search(keyword or "") for keyword, _ in query.filters):
            return "LOW"  # filter(id__in=ids): as many rows as keys the code asked for
        table = SQL_TABLE.search(query.text) or SQL_TABLE.search(self.context.module.code_for_node(query.node)) \
            if query.model is None else None
        if not self._grows(query.model or (table.group(1) if table else None)):
            return "LOW"  # no sign the table grows with use: an administrators' list (forums, plugins, pages)
        level = "HIGH" if scope == "none" else "MEDIUM"
        if endpoint is not None and endpoint.kind == "resolver" and not endpoint.field_known:
            level = LEVELS[LEVELS.index(level) - 1]  # the schema field's type was not read: may be paged
        return level

    def _grows(self, model: str | None) -> bool:
        return grows_with_use(model, state_of(self.context).graph)

    @staticmethod
    def _hint(query: ListQuery) -> str:
        text = query.text
        if ".objects" in text or "queryset" in text:
            return "paginate it (Paginator, DRF pagination) or slice it [:N]"
        if text.lower().startswith(("select", "with")):
            return "add LIMIT with a bounded page size"
        return "paginate it or add .limit(N)"

    # --- classes ---------------------------------------------------------------------------------

    def _framework_bases(self, node: cst.ClassDef) -> list[str]:
        """Last names of the bases that come from DRF or Django (or, in a file that imports them,
        from the project itself); wagtail's ModelViewSet is not DRF's."""
        imported = self.context.imports.names.values()
        uses_framework = any(m.startswith(("rest_framework", "django")) for m in imported)
        out: list[str] = []
        for base in node.bases:
            name = dotted_name(base.value) or ""
            head = name.split(".")[0]
            qualified = self.context.imports.qualify(base.value) or name
            if head in self.context.imports.names:
                if qualified.startswith(("rest_framework", "django")):
                    out.append(name.split(".")[-1])
            elif uses_framework and name:
                out.append(name.split(".")[-1])
        return out

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = self._framework_bases(node)
        attrs, methods = _class_attrs(node)
        if any(b in PAGE_NUMBER_BASES for b in bases):
            size_param = attrs.get("page_size_query_param")
            if size_param is not None and not _is_none(size_param) and _is_none(attrs.get("max_page_size", cst.Name("None"))) \
                    and "get_page_size" not in methods:
                self.report(size_param, confidence="HIGH",
                            message=f"`{node.name.value}` lets the client choose the page size with no max_page_size; "
                                    "set max_page_size")
        elif "LimitOffsetPagination" in bases:
            if _is_none(attrs.get("max_limit", cst.Name("None"))) and "get_limit" not in methods:
                # a paginator of lists already in memory (``paginate_list``): the rows were read anyway
                in_memory = any(m.startswith("paginate_") and m != "paginate_queryset" for m in methods)
                self.report(node.name, confidence="LOW" if in_memory else "MEDIUM",
                            message=f"`{node.name.value}` lets the client choose any limit (no max_limit); set max_limit")
        elif any(b in LIST_VIEW_BASES for b in bases) and "list" not in methods:
            self._drf_list_view(node, bases, attrs, methods)
        elif "ListView" in bases and "paginate_by" not in attrs and "get_paginate_by" not in methods:
            self._django_list_view(node, attrs, methods)

    def _drf_list_view(self, node: cst.ClassDef, bases: list[str], attrs: dict[str, cst.BaseExpression],
                       methods: dict[str, cst.FunctionDef]) -> None:
        pagination = attrs.get("pagination_class")
        if pagination is not None and not _is_none(pagination):
            return
        level = self._queryset_level(node, attrs, methods)
        if level is None:
            return
        why = "pagination_class = None"
        if pagination is None:
            own_bases = [b for b in bases if b not in LIST_VIEW_BASES and not b.endswith(("Mixin", "GenericViewSet", "GenericAPIView"))]
            settings = project_settings(self.context.project)
            if settings is not None and "pagination" in settings:
                return
            if own_bases or settings is None:
                level = "LOW"  # a project base class or settings this check cannot see may paginate
            why = "no pagination_class and no DEFAULT_PAGINATION_CLASS"
            level = min(level, "MEDIUM", key=LEVELS.index)
        if self._for_admins(node):
            level = "LOW"
        self.report(node.name, confidence=level,
                    message=f"list view `{node.name.value}` returns every row ({why}); set a pagination_class")

    def _django_list_view(self, node: cst.ClassDef, attrs: dict[str, cst.BaseExpression],
                          methods: dict[str, cst.FunctionDef]) -> None:
        level = self._queryset_level(node, attrs, methods)
        if level is None:
            return
        level = min(level, "MEDIUM", key=LEVELS.index)
        if self._for_admins(node):
            level = "LOW"
        self.report(node.name, confidence=level,
                    message=f"list view `{node.name.value}` renders every row (no paginate_by); set paginate_by")

    def _queryset_level(self, node: cst.ClassDef, attrs: dict[str, cst.BaseExpression],
                        methods: dict[str, cst.FunctionDef]) -> str | None:
        """Confidence from the view's queryset (lookup tables and scoped lists are LOW); None when
        the queryset is sliced."""
        getter = methods.get("get_queryset")
        if getter is not None:
            if _paginates(getter):
                return None
            flow = Flow(self.context, getter, node)
            facts = self.context.scope_facts(getter)
            for ret in returned_values(getter):
                flow.follow(ret.value, facts.order_of([ret]))
            parents = self._parents(getter)
        elif "queryset" in attrs:
            flow = Flow(self.context, node, node)  # type: ignore[arg-type]
            flow.follow(attrs["queryset"], 1 << 30)
            parents = {"self"}
        elif "model" in attrs:
            model = dotted_name(attrs["model"]) or ""
            return "HIGH" if self._grows(model.split(".")[-1]) else "LOW"
        else:
            return "LOW"
        if not flow.found:
            return None if (getter is not None or "queryset" in attrs) and flow.seen else "LOW"
        levels = [self._confidence(q, parents, None) for q in flow.found]
        return max(levels, key=LEVELS.index)

    VALID = [
        # paginated with a clamped page size
        """
        from flask import request, jsonify

        @app.get("/api/orders")
        def list_orders():
            per_page = min(request.args.get("per_page", 20, type=int), 100)
            page = Order.query.paginate(per_page=per_page, max_per_page=100)
            return jsonify([o.to_dict() for o in page.items])
        """,
        # near miss: a lookup table and the current user's own items (LOW, hidden by default)
        """
        from django.http import JsonResponse

        def countries(request):
            return JsonResponse(list(Country.objects.values("code", "name")), safe=False)

        def my_addresses(request):
            return JsonResponse(list(Address.objects.filter(user=request.user).values()), safe=False)
        """,
        # a single object, a count, and a sliced queryset
        """
        from fastapi import APIRouter, Query

        router = APIRouter()

        @router.get("/items/{item_id}")
        async def read_item(item_id: int, db):
            return db.query(Item).filter(Item.id == item_id).first()

        @router.get("/items/recent")
        async def recent(db, limit: int = Query(20, le=100)):
            return db.query(Item).order_by(Item.id.desc()).limit(limit).all()
        """,
        # DRF view with pagination
        """
        from rest_framework import generics
        from rest_framework.pagination import PageNumberPagination

        class OrderList(generics.ListAPIView):
            queryset = Order.objects.all()
            serializer_class = OrderSerializer
            pagination_class = PageNumberPagination
        """,
        Valid(
            """
            @app.get("/users")
            def users():
                return jsonify([u.to_dict() for u in User.query.all()])
            """,
            path="tests/test_users.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            from flask import Flask, jsonify

            app = Flask(__name__)

            @app.route("/api/users")
            def list_users():
                users = User.query.all()
                return jsonify([u.to_dict() for u in users])
            """,
            line=7, column=13, message="`list_users()` returns every row of `User.query.all()`",
        ),
        # Django function view rendering a queryset, import alias
        Invalid(
            """
            from django.shortcuts import render as r

            def product_list(request):
                products = Product.objects.filter(active=True).order_by("name")
                return r(request, "shop/products.html", {"products": products})
            """,
            line=4, message="Paginator",
        ),
        # FastAPI + async SQLAlchemy select() without limit
        Invalid(
            """
            from fastapi import APIRouter, Depends
            from sqlalchemy import select

            router = APIRouter()

            @router.get("/articles")
            async def articles(db=Depends(get_db)):
                result = await db.execute(select(Article).order_by(Article.created.desc()))
                return result.scalars().all()
            """,
            line=9, message=".limit(N)",
        ),
        # a client-chosen limit without a cap
        Invalid(
            """
            from flask import request

            @bp.get("/events")
            def events():
                limit = int(request.args.get("limit", 50))
                rows = Event.query.order_by(Event.id.desc()).limit(limit).all()
                return {"events": [e.to_dict() for e in rows]}
            """,
            line=5, column=17, message="min(limit, MAX)",
        ),
        # DRF: pagination switched off on a list view
        Invalid(
            """
            from rest_framework import viewsets

            class OrderViewSet(viewsets.ModelViewSet):
                queryset = Order.objects.all()
                serializer_class = OrderSerializer
                pagination_class = None
            """,
            line=3, column=7, message="pagination_class = None",
        ),
        # DRF pagination class with a client-chosen page size
        Invalid(
            """
            from rest_framework.pagination import PageNumberPagination

            class FlexiblePagination(PageNumberPagination):
                page_size = 25
                page_size_query_param = "page_size"
            """,
            line=5, message="max_page_size",
        ),
    ]
