"""What sends a value to the HTTP client: response constructors, HTTP exceptions, view returns.

Flask/Quart (``jsonify``, ``make_response``, ``Response``, ``abort``, a ``(body, status)`` tuple),
Django (``JsonResponse``, ``HttpResponse*``, ``render``), DRF (``Response``, API exceptions),
FastAPI/Starlette (``HTTPException(detail=...)``, ``JSONResponse``...), aiohttp
(``web.json_response``, ``web.Response``, ``web.HTTP*``), Tornado (``self.write``), Falcon
(``resp.media = ...``); and which functions are request handlers, whose return value is the
response itself (route decorators, view methods, ``request`` as first parameter).
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.imports import ImportMap, dotted_name

WEB_MODULES = ("flask", "quart", "werkzeug", "django", "rest_framework", "fastapi", "starlette", "aiohttp",
               "sanic", "tornado", "flask_restful", "flask_restx", "flask_smorest", "connexion", "litestar",
               "pyramid", "bottle", "falcon", "ninja", "responder")
# Names that build a response whatever they were imported from.
RESPONSE_NAMES = re.compile(
    r"^(jsonify|make_response|JsonResponse|HttpResponse\w*|JSONResponse|ORJSONResponse|UJSONResponse|"
    r"PlainTextResponse|HTMLResponse|json_response|StreamingHttpResponse)$"
)
# Names that only build a response when they come from a web framework (or are not imported).
AMBIGUOUS_NAMES = {"Response", "HTTPException", "abort", "APIException", "json", "text", "html"}
# Exceptions the framework turns into a response that carries their message.
HTTP_EXCEPTION = re.compile(r"^(HTTP[A-Z]\w*|HTTPException|APIException|ValidationError|ParseError|"
                            r"NotFound|PermissionDenied|NotAcceptable|BadRequest|Conflict)$")
PAGE_NAMES = {"render", "render_template", "render_to_response", "TemplateResponse", "render_template_string"}
MESSAGE_NAMES = {"flash"}
MESSAGE_METHODS = {"error", "warning", "info", "success", "add_message", "debug"}
HANDLER_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "list", "create", "retrieve",
                   "update", "partial_update", "destroy", "dispatch", "handle"}
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "api_view", "action", "view_config",
                    "api_route", "websocket", "expose", "head", "options"}
VIEW_BASE = re.compile(r"View|Resource|Endpoint|Handler|ViewSet|Controller|Api|API")
STATUS = re.compile(r"^(HTTP_\d{3}\w*|[A-Z_]+)$")


NOT_WEB = ("requests", "httpx", "urllib", "os.", "sys.", "http.client", "email", "unittest", "mock")


def _from_web(full: str) -> bool:
    """Not imported from a client library or the stdlib (a web framework, a project helper)."""
    return not full.startswith(NOT_WEB)


def response_call(call: cst.Call, imports: ImportMap) -> str | None:
    """``"jsonify()"`` etc. when ``call`` builds a response (or an HTTP error) a client reads, "page:"
    or "message:" prefixed for a rendered page or a flashed message; else None."""
    name = dotted_name(call.func)
    if name is None:
        return None
    full = imports.qualify(call.func) or name
    last = full.split(".")[-1]
    if RESPONSE_NAMES.match(last):
        return f"{name}()"
    if last in AMBIGUOUS_NAMES and _from_web(full):
        if last in {"json", "text", "html"}:  # sanic.response.json(...)
            return f"{name}()" if full.startswith("sanic") else None
        return f"{name}()"
    if HTTP_EXCEPTION.match(last) and (full.startswith(WEB_MODULES) or name.startswith(("web.", "exceptions.", "serializers."))):
        return f"{name}()"
    if last in PAGE_NAMES and (isinstance(call.func, cst.Name) or full.startswith(WEB_MODULES) or last == "TemplateResponse"):
        return f"page:{name}()"
    if last in MESSAGE_NAMES and full.startswith(("flask", "quart", "flash")) or _django_message(call, full, last):
        return f"message:{name}()"
    if isinstance(call.func, cst.Attribute) and dotted_name(call.func.value) == "self" and last in {"write", "finish", "send_error"}:
        return f"{name}()"  # Tornado RequestHandler
    return None


def _django_message(call: cst.Call, full: str, last: str) -> bool:
    """``messages.error(request, ...)`` of ``django.contrib.messages`` (not any ``messages`` object)."""
    if last not in MESSAGE_METHODS or full.split(".")[-2:-1] != ["messages"]:
        return False
    first = dotted_name(call.args[0].value) if call.args else None
    return full.startswith("django.contrib.messages") or first in {"request", "self.request"}


def is_validation_error(call: cst.Call, imports: ImportMap) -> bool:
    """A validation error a form or serializer shows: what it carries is meant as input feedback."""
    full = imports.qualify(call.func) or ""
    return full.split(".")[-1] in {"ValidationError", "ParseError", "GraphQLError"}


RESPONSE_ATTRIBUTES = {"resp": {"media", "text", "body", "data"}, "res": {"media", "text", "body", "data"},
                       "response": {"data"}}


def response_attribute(target: cst.BaseExpression) -> str | None:
    """``resp.media`` (Falcon) / ``response.data`` (a DRF exception handler) assigned in a handler."""
    if isinstance(target, cst.Attribute):
        owner = dotted_name(target.value) or ""
        if target.attr.value in RESPONSE_ATTRIBUTES.get(owner, ()):
            return f"{owner}.{target.attr.value}"
    return None


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    return dotted_name(node) or ""


def is_request_handler(func: cst.FunctionDef, enclosing_class: cst.ClassDef | None) -> bool:
    """A view: route-decorated, a handler method of a view class, or taking ``request`` first."""
    for decorator in func.decorators:
        name = _decorator_name(decorator)
        last = name.split(".")[-1]
        if last in ROUTE_DECORATORS and "." in name or last in {"api_view", "route", "action", "view_config"}:
            return True
        if last in {"errorhandler", "exception_handler", "app_errorhandler"}:
            return True
    params = [p.name.value for p in func.params.params]
    if enclosing_class is not None:
        bases = " ".join(dotted_name(b.value) or "" for b in enclosing_class.bases)
        return func.name.value in HANDLER_METHODS and bool(VIEW_BASE.search(bases))
    return params[:1] == ["request"]  # a Django function view, an aiohttp/Starlette handler


def status_tuple(node: cst.BaseExpression) -> bool:
    """Flask's ``return body, 500`` (or ``HTTPStatus.X`` / ``status.HTTP_500_...``) tuple."""
    if not isinstance(node, cst.Tuple) or len(node.elements) not in (2, 3):
        return False
    status = node.elements[1].value
    if isinstance(status, cst.Integer):
        return 100 <= int(status.value) <= 599
    name = dotted_name(status) or ""
    return name.startswith(("HTTPStatus.", "status.", "http.HTTPStatus.")) and bool(STATUS.match(name.split(".")[-1]))
