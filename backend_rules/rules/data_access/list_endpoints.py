"""Which functions answer a client: route handlers, views, viewset actions, GraphQL resolvers.

BR203 asks here whether a function is an endpoint (so what it returns goes to a client) and
which of its parameters the client fills (FastAPI query parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk

WRITE_METHODS = {"post", "put", "patch", "delete"}
VIEW_BASES = re.compile(r"(View|APIView|ViewSet|Resource|Handler|Endpoint|HTTPEndpoint)$")
READ_METHOD_NAMES = {"get", "list", "head", "get_context_data"}
NOT_DECISIVE = re.compile(r"login_required|permission|cache|csrf|require_|vary|never_cache|staff|throttle|auth")
CONNECTION_FIELD = re.compile(r"Connection|Paginat|Page", re.IGNORECASE)
LIST_FIELD = re.compile(r"(^|\.)(List|DjangoListField|ListField)$")


@dataclass(frozen=True)
class Endpoint:
    """A function whose return value reaches a client."""

    kind: str  # "route" | "view" | "action" | "resolver"
    function: cst.FunctionDef
    field_known: bool = True  # resolvers: False when the schema field's type could not be read


def _strings(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        return [node.evaluated_value]
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return [s for e in node.elements for s in _strings(e.value)]
    return []


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)


def _allows_get(call: cst.Call, keyword: str = "methods") -> bool:
    value = _keyword(call, keyword)
    if value is None:
        positional = [a.value for a in call.args if a.keyword is None]
        value = positional[0] if keyword == "http_method_names" and positional else None
    if value is None:
        return True
    methods = {m.upper() for m in _strings(value)}
    return not methods or "GET" in methods


def _decorator_kind(decorator: cst.Decorator, context: Any) -> str | None:
    """``route`` / ``view`` / ``action`` / ``resolver``, ``write`` for non-GET routes, else None."""
    target = decorator.decorator
    call = target if isinstance(target, cst.Call) else None
    func = call.func if call is not None else target
    name = dotted_name(func) or ""
    last = name.split(".")[-1]
    qualified = context.imports.qualify(func) or name
    has_path = call is not None and any(
        a.keyword is None and isinstance(a.value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString))
        for a in call.args[:1]) or call is not None and _keyword(call, "path") is not None
    if last in {"route", "api_route"} and "." in name:
        return "route" if call is None or _allows_get(call) else "write"
    if last == "get" and has_path and "." in name:
        return "route"
    if last in WRITE_METHODS and has_path:
        return "write"
    if qualified.endswith("api_view"):
        return "view" if call is None or _allows_get(call, "http_method_names") else "write"
    if last == "action" and (qualified.startswith("rest_framework") or call is not None):
        if call is not None and _keyword(call, "methods") is not None and not _allows_get(call):
            return "write"
        return "action"
    if qualified.endswith("view_config") or qualified.endswith("view_defaults"):
        method = _keyword(call, "request_method") if call is not None else None
        return "write" if method is not None and "GET" not in {m.upper() for m in _strings(method)} else "view"
    if qualified.startswith("strawberry") and last == "field":
        return "resolver"
    if last == "field" and call is not None and has_path and "." in name:
        return "resolver"  # ariadne: @query.field("items")
    return None


RESOLVER_ROOTS = {"obj", "root", "parent", "_", "_obj", "_root", "_parent", "source"}
HELPER_NAME = re.compile(r"^(_|get_|build_|make_|filter_|apply_|is_|has_|can_|check_|validate_|annotate_|prefetch_)|queryset|_qs$")


def _view_name(function: cst.FunctionDef) -> bool:
    """``def product_list(request)`` is a view; ``def get_visible_pages(request)`` a helper views
    call (aiohttp handlers, ``async def get_items(request)``, keep their ``get_`` names)."""
    name = function.name.value
    if "queryset" in name or name.startswith("_"):
        return False
    return function.asynchronous is not None or not HELPER_NAME.search(name)


def _params(function: cst.FunctionDef) -> list[cst.Param]:
    return list(function.params.posonly_params) + list(function.params.params)


def _class_bases(klass: cst.ClassDef) -> list[str]:
    return [dotted_name(base.value) or "" for base in klass.bases]


def endpoint_of(function: cst.FunctionDef, klass: cst.ClassDef | None, context: Any) -> Endpoint | None:
    """The endpoint ``function`` is, or None (helpers, writes, anything a client does not call)."""
    for decorator in function.decorators:
        kind = _decorator_kind(decorator, context)
        if kind == "write":
            return None
        if kind is not None:
            return Endpoint(kind, function)
    name = function.name.value
    params = [p.name.value for p in _params(function)]
    if klass is None:
        if params and params[0] in {"request", "req"} and _view_name(function):
            return Endpoint("view", function)
        if name.startswith("resolve_") and len(params) >= 2 and params[1] == "info" and params[0] in RESOLVER_ROOTS:
            return Endpoint("resolver", function)  # ariadne: def resolve_items(obj, info)
        return None
    if name.startswith("resolve_") and "info" in params[:3]:
        return _graphene_resolver(function, klass)
    if name in READ_METHOD_NAMES and any(VIEW_BASES.search(base.split(".")[-1]) for base in _class_bases(klass)):
        return Endpoint("view", function)
    return None


def _graphene_resolver(function: cst.FunctionDef, klass: cst.ClassDef) -> Endpoint | None:
    """``resolve_items`` of a ``graphene.List`` field; connection fields paginate by themselves."""
    field = function.name.value[len("resolve_"):]
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else []
    for statement in body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = [t.target for t in small.targets] if isinstance(small, cst.Assign) else [small.target]
                if any(isinstance(t, cst.Name) and t.value == field for t in targets):
                    return _field_verdict(small.value, function)
    return Endpoint("resolver", function, field_known=False)


def _field_verdict(value: cst.BaseExpression | None, function: cst.FunctionDef) -> Endpoint | None:
    names: list[str] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            names.append(dotted_name(node.func) or "")
        return True

    if value is not None:
        walk(value, enter)
    if any(CONNECTION_FIELD.search(n.split(".")[-1]) for n in names):
        return None
    if names and LIST_FIELD.search(names[0]) or any(LIST_FIELD.search(n) for n in names[1:2]):
        return Endpoint("resolver", function)
    if names and names[0].split(".")[-1] == "NonNull" and any(LIST_FIELD.search(n) for n in names):
        return Endpoint("resolver", function)
    return None  # a single object (Field(...)) or a scalar


def returned_values(function: cst.FunctionDef) -> list[cst.Return]:
    """Return statements of the function itself (not of nested functions or classes)."""
    returns: list[cst.Return] = []

    def enter(node: cst.CSTNode) -> bool:
        if node is not function and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, cst.Return) and node.value is not None:
            returns.append(node)
        return True

    walk(function, enter)
    return returns


def route_params(endpoint: Endpoint) -> list[cst.Param]:
    """Parameters a route handler receives from the query string (FastAPI style: defaults)."""
    if endpoint.kind != "route":
        return []
    return [p for p in _params(endpoint.function) if p.default is not None or p.annotation is not None]
