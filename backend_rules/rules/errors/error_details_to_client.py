"""BR601: an exception's text or a traceback is sent to the client."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.code_kinds import is_migration, is_test_code
from backend_rules.analysis.dataflow import ScopeFacts, enclosing_class
from backend_rules.analysis.http_responses import (
    is_request_handler, is_validation_error, response_attribute, response_call, status_tuple,
)
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.errors.exception_details import (
    LEAKY_ATTRIBUTES, RANK, TRACEBACK_CALLS, CaughtType, caught_type, classify_exception,
)
from backend_rules.rules.errors.handler_context import for_administrators, handler_logs

# Calls that keep the text they are given (formatting, escaping, containers, responses).
KEEPS_TEXT = {"str", "repr", "format", "dict", "list", "tuple", "set", "force_str", "force_text", "smart_str",
              "escape", "conditional_escape", "html.escape", "markupsafe.escape", "Markup", "jsonify", "json.dumps",
              "gettext", "_", "mark_safe", "format_html", "OrderedDict"}
KEEPS_TEXT_METHODS = {"format", "join", "strip", "replace", "lower", "upper", "capitalize", "__str__", "__repr__",
                      "splitlines", "encode", "decode", "rstrip", "lstrip"}
ERROR_HANDLER_DECORATORS = {"errorhandler", "app_errorhandler", "exception_handler", "register_error_handler"}
DEBUG = re.compile(r"debug|DEBUG|Debug")
# Names of functions written to handle any exception (registered elsewhere).
HANDLER_NAME = re.compile(r"exception_?handler|handle_(unhandled_)?exception|unhandled_(error|exception)|"
                          r"(generic|global|default)_(error|exception)")
MAX_DEPTH = 5


PLAIN_DATA_TYPES = {"dict", "str", "bytes", "list", "tuple", "set", "int", "float", "bool", "Mapping", "Sequence"}


def _plain_data_type(types: cst.BaseExpression) -> bool:
    """``isinstance(payload, dict)``: a value checked for its shape, not an exception narrowed."""
    names = [e.value for e in types.elements] if isinstance(types, cst.Tuple) else [types]
    return all((dotted_name(n) or "").split(".")[-1] in PLAIN_DATA_TYPES for n in names)


@dataclass(frozen=True)
class Leak:
    """Where the error text enters the response (``node``), where it comes from, how sure."""

    node: cst.CSTNode
    origin: str  # "a caught Exception", "traceback.format_exc()"
    confidence: str
    via: str | None = None  # the local variable that carried it

    @property
    def detail(self) -> str:
        if self.via is not None:
            return f"`{self.via}` (holding {self.origin})"
        if self.origin.startswith("a caught"):
            return f"{_code(self.node)} of {self.origin}"
        return self.origin


def debug_branch(test: cst.BaseExpression) -> str | None:
    """Which branch of ``if <test>`` runs only in debug mode: "body" (``if settings.DEBUG``),
    "orelse" (``if not app.debug``) or None."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = debug_branch(test.expression)
        return {"body": "orelse", "orelse": "body"}.get(inner or "")
    return "body" if DEBUG.search(cst.Module([]).code_for_node(test)) else None


def _code(node: cst.CSTNode) -> str:
    text = cst.Module([]).code_for_node(node)
    return text if len(text) <= 40 else text[:37] + "..."


class ErrorDetailsToClient(Rule):
    """An exception's message or a traceback is sent to the client in a response.

    ## What it does
    Finds `str(e)`, `repr(e)`, `e.args`, f-strings and `%`/`.format()` of a caught exception `e`,
    and `traceback.format_exc()`/`sys.exc_info()`, placed in a response: Flask `jsonify`/
    `make_response`/`abort`/a `(body, status)` tuple, Django `JsonResponse`/`HttpResponse*`, DRF
    `Response` and API exceptions, FastAPI/Starlette `HTTPException(detail=...)`/`JSONResponse`,
    aiohttp `web.json_response`/`web.HTTP*`, Tornado `self.write`, Falcon `resp.media`, the
    return value of a view, and (MEDIUM at most) rendered pages and flashed messages — directly
    or through local variables (`msg = f"failed: {e}"`, `result["error"] = str(e)`).

    ## Why is this bad?
    Exception text is written for developers: SQL statements and table names, file paths,
    hostnames, library versions, stack frames. Handed to the client it maps the system for an
    attacker (CWE-209, OWASP A05) and turns unexpected failures into an information channel.

    ## Example
    ```python
    @app.post("/orders")
    def create_order():
        try:
            order = place_order(request.get_json())
        except Exception as e:
            return jsonify({"error": str(e)}), 500
    ```

    ## Use instead
    Log the details on the server and return a generic message (with an id to correlate):
    ```python
        except Exception:
            logger.exception("order creation failed")
            return jsonify({"error": "internal error"}), 500
    ```

    ## Confidence
    HIGH for `except Exception`/bare handlers, database and cloud-client errors, and tracebacks;
    MEDIUM for runtime and I/O errors (`OSError`, `RuntimeError`, `requests` errors), and for
    rendered pages and flashed messages; LOW for `ValueError`/`KeyError` and the project's own
    exceptions, often raised by validation with a message meant for the client, and for any text
    forwarded in a `ValidationError` (input feedback, usually on purpose), and in views only
    administrators reach (`@admin_required`, a class on an admin base such as `RHAdminBase`,
    modules under `backoffice/` or `admin/`). Exceptions whose message is for the client (`ValidationError`,
    `HTTPException`, `PermissionDenied`, JWT errors) are not reported, nor are values only
    logged, nor branches taken only in debug mode (`if settings.DEBUG:`).

    ## Limits
    Responses built by helpers in other functions are not followed.
    """

    CODE = "BR601"
    NAME = "error-details-to-client"
    MESSAGE = "{detail} reaches the client in {sink}; log it and send a generic message"
    CATEGORY = "security"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    CWE = 209
    TRIGGER = (r"\bexcept\b|traceback|exc_info|errorhandler|exception_?handler|handle_(unhandled_)?exception"
               r"|unhandled_(error|exception)|(generic|global|default)_(error|exception)")

    @classmethod
    def applies_to(cls, options: dict[str, Any]) -> bool:
        return not is_test_code(options) and not is_migration(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        if any(handler.name for handler in nodes(tree, ast.ExceptHandler)):
            return True
        if any(HANDLER_NAME.search(f.name) for f in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef)):
            return True
        for node in nodes(tree, ast.Attribute, ast.Name):
            name = node.attr if isinstance(node, ast.Attribute) else node.id
            if name in {"format_exc", "format_exception", "format_tb", "exc_info", "format_stack", "extract_tb",
                        "errorhandler", "app_errorhandler", "exception_handler", "format_exception_only",
                        "add_exception_handler", "register_error_handler"}:
                return True
        if any(kw.arg == "exception_handlers" for kw in nodes(tree, ast.keyword)):
            return True
        return False

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._reported: set[int] = set()
        self._registered: dict[str, cst.BaseExpression] | None = None

    # -- sinks ------------------------------------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        sink = response_call(node, self.context.imports)
        if sink is None:
            return
        cap = "HIGH"
        if sink.startswith(("page:", "message:")):
            sink, cap = sink.split(":", 1)[1], "MEDIUM"
        # raise ValidationError(f"... {e}"): forwarded on purpose as input feedback (LOW)
        self._check([arg.value for arg in node.args], sink, cap, lower=is_validation_error(node, self.context.imports))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is None:
            return
        func = self._function()
        if func is None:
            return
        if status_tuple(node.value) or is_request_handler(func, enclosing_class(self.context.stack)):
            # a response call is checked by visit_Call, which names it
            values = [e.value for e in node.value.elements] if isinstance(node.value, cst.Tuple) else [node.value]
            values = [v for v in values if not (isinstance(v, cst.Call) and response_call(v, self.context.imports))]
            self._check(values, f"the response of {func.name.value}()")

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            sink = response_attribute(target.target)
            if sink is not None and self._function() is not None:
                self._check([node.value], sink)

    def _function(self) -> cst.FunctionDef | None:
        for parent in reversed(self.context.stack):
            if isinstance(parent, cst.FunctionDef):
                return parent
            if isinstance(parent, (cst.Lambda, cst.ClassDef)):
                return None
        return None

    def _check(self, values: list[cst.BaseExpression], sink: str, cap: str = "HIGH", lower: bool = False) -> None:
        if self._debug_only():
            return
        scope = self._function() or self.context.module
        facts = self.context.scope_facts(scope)
        order, blocks = facts.order_of(self.context.stack), facts.blocks_of(self.context.stack)
        finder = _LeakFinder(self, facts)
        for value in values:
            for leak in finder.leaks(value, order, blocks, here=True):
                if id(leak.node) in self._reported:
                    continue
                self._reported.add(id(leak.node))
                confidence = min(leak.confidence, cap, key=RANK.__getitem__)
                if lower or for_administrators(self.context):
                    confidence = "LOW"  # administrators may read what went wrong
                message = None
                if handler_logs(self.context.stack):  # don't advise what is done already
                    message = f"{leak.detail} reaches the client in {sink}; it is logged already: send a generic message"
                self.report(leak.node, message, confidence=confidence, detail=leak.detail, sink=sink)

    def _debug_only(self) -> bool:
        """Inside ``if settings.DEBUG:`` / ``if app.debug:``: details shown to developers only."""
        stack = self.context.stack
        for parent, child in zip(stack, stack[1:]):
            if isinstance(parent, (cst.If, cst.IfExp)) and child is getattr(parent, debug_branch(parent.test) or "", None):
                return True
        return False

    # -- exception values -------------------------------------------------------------------------

    def exception_of(self, name: str, facts: ScopeFacts, order: int, blocks, here: bool) -> CaughtType | None | bool:
        """The caught type when ``name`` is a caught exception; False when it is not one."""
        narrowed = self._narrowed(name) if here else self._narrowed_in(name, facts, blocks)
        if narrowed is not False:
            return narrowed
        if here:
            for parent in reversed(self.context.stack):
                if isinstance(parent, cst.ExceptHandler) and parent.name is not None \
                        and isinstance(parent.name.name, cst.Name) and parent.name.name.value == name:
                    return caught_type(parent.type, self.context.imports)
                if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                    break
        for binding in reversed(facts.bindings_before(name, order, blocks)):
            if binding.kind == "other" and isinstance(binding.node, cst.ExceptHandler):
                return caught_type(binding.node.type, self.context.imports)
            if binding.kind == "param":
                return self._handled_type(name, facts)
            return False
        return False

    def _narrowed(self, name: str) -> CaughtType | None | bool:
        """Inside ``if isinstance(exc, Http404):`` the exception is that type (False: no such test)."""
        stack = self.context.stack
        for parent, child in reversed(list(zip(stack, stack[1:]))):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda)):
                break
            test = parent.test if isinstance(parent, cst.If) and child is parent.body else None
            if isinstance(test, cst.Call) and dotted_name(test.func) == "isinstance" and len(test.args) == 2 \
                    and isinstance(test.args[0].value, cst.Name) and test.args[0].value.value == name \
                    and not _plain_data_type(test.args[1].value):
                return caught_type(test.args[1].value, self.context.imports)
        return False

    def _narrowed_in(self, name: str, facts: ScopeFacts, blocks) -> CaughtType | None | bool:
        """:meth:`_narrowed` for a statement known by its blocks (a binding made earlier)."""
        if not blocks:
            return False
        tests: dict[int, cst.Call] = {}

        def enter(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.If) and isinstance(node.test, cst.Call) and dotted_name(node.test.func) == "isinstance":
                tests[id(node.body)] = node.test
            return True

        walk(facts.node, enter)
        for block in reversed(blocks):
            test = tests.get(block)
            if test is not None and len(test.args) == 2 and isinstance(test.args[0].value, cst.Name) \
                    and test.args[0].value.value == name and not _plain_data_type(test.args[1].value):
                return caught_type(test.args[1].value, self.context.imports)
        return False

    def _handled_type(self, name: str, facts: ScopeFacts) -> CaughtType | None | bool:
        """The exception parameter of an error handler: ``@app.errorhandler(Exception)``, one
        registered in this module (``app.add_exception_handler(Exception, handler)``,
        ``exception_handlers={Exception: handler}``), or named as one (``unhandled_exception``)."""
        func = facts.node
        if not isinstance(func, cst.FunctionDef):
            return False
        params = [p.name.value for p in func.params.params if p.name.value not in {"self", "cls", "request", "req"}]
        if params[:1] != [name]:
            return False
        handled: cst.BaseExpression | None = None
        for decorator in func.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call) and call.args and \
                    (dotted_name(call.func) or "").split(".")[-1] in ERROR_HANDLER_DECORATORS:
                handled = call.args[0].value
        if handled is None:
            handled = self._registrations().get(func.name.value)
        if handled is None:
            return CaughtType("exception", "MEDIUM") if HANDLER_NAME.search(func.name.value) else False
        if isinstance(handled, cst.Integer):
            return None  # errorhandler(500): a werkzeug HTTPException with a generic message
        full = self.context.imports.qualify(handled)
        confidence = classify_exception(full) if full else None
        return CaughtType(full.split(".")[-1], confidence) if confidence and full else None

    def _registrations(self) -> dict[str, cst.BaseExpression]:
        """Handler function name -> exception type, from this module's registrations."""
        if self._registered is None:
            found: dict[str, cst.BaseExpression] = {}

            def enter(node: cst.CSTNode) -> bool:
                if isinstance(node, cst.Call) and len(node.args) >= 2 and \
                        (dotted_name(node.func) or "").split(".")[-1] in ERROR_HANDLER_DECORATORS | {"add_exception_handler"}:
                    handler = dotted_name(node.args[1].value)
                    if handler:
                        found[handler.split(".")[-1]] = node.args[0].value
                if isinstance(node, cst.DictElement) and isinstance(node.value, cst.Name) and \
                        isinstance(node.key, (cst.Name, cst.Attribute, cst.Integer)):
                    key = dotted_name(node.key) or ""
                    if isinstance(node.key, cst.Integer) or key.split(".")[-1].endswith(("Exception", "Error")):
                        found.setdefault(node.value.value, node.key)
                return True

            walk(self.context.module, enter)
            self._registered = found
        return self._registered

    VALID = [
        # logged, then a generic message
        """
        import logging
        from flask import jsonify
        logger = logging.getLogger(__name__)
        def create():
            try:
                place_order()
            except Exception as e:
                logger.exception("failed: %s", e)
                return jsonify({"error": "internal error"}), 500
        """,
        # a validation error's message is written for the client
        """
        from marshmallow import ValidationError
        from flask import jsonify
        def create():
            try:
                schema.load(payload)
            except ValidationError as err:
                return jsonify(err.messages), 400
        """,
        # only the exception's deliberate attributes
        """
        from fastapi import HTTPException
        from fastapi.responses import JSONResponse
        async def handler(request, call_next):
            try:
                return await call_next(request)
            except HTTPException as exc:
                return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code)
        """,
        # details only in debug mode
        """
        import traceback
        from django.conf import settings
        from django.http import JsonResponse
        def view(request):
            try:
                run()
            except Exception:
                if settings.DEBUG:
                    return JsonResponse({"trace": traceback.format_exc()}, status=500)
                return JsonResponse({"error": "server error"}, status=500)
        """,
        # a helper's return value is not a response
        """
        def parse(text):
            try:
                return int(text)
            except Exception as e:
                return str(e)
        """,
    ]
    INVALID = [
        Invalid(
            """
            from flask import jsonify
            def create():
                try:
                    place_order()
                except Exception as e:
                    return jsonify({"error": str(e)}), 500
            """,
            line=6, column=34, message="str(e) of a caught Exception reaches the client in jsonify()",
        ),
        Invalid(
            """
            import traceback
            from django.http import JsonResponse as JR
            def view(request):
                try:
                    run()
                except Exception:
                    trace = traceback.format_exc()
                    return JR({"trace": trace}, status=500)
            """,
            line=8, message="traceback.format_exc()",
        ),
        Invalid(
            """
            from fastapi import HTTPException
            from sqlalchemy.exc import SQLAlchemyError
            async def create(db):
                try:
                    await db.commit()
                except SQLAlchemyError as exc:
                    raise HTTPException(status_code=500, detail=f"Database error: {exc}")
            """,
            line=7,
        ),
        Invalid(
            """
            from aiohttp import web
            async def handle(request):
                try:
                    return web.json_response(await load())
                except OSError as error:
                    message = "could not read: " + repr(error)
                    return web.json_response({"error": message}, status=500)
            """,
            line=7, message="`message` (holding repr(error) of a caught OSError)",
        ),
        Invalid(
            """
            from flask import Flask, jsonify
            app = Flask(__name__)
            @app.errorhandler(Exception)
            def on_error(e):
                return jsonify(error=str(e)), 500
            """,
            line=5,
        ),
        Invalid(
            """
            from rest_framework.response import Response
            from rest_framework.views import APIView
            class Upload(APIView):
                def post(self, request):
                    try:
                        store(request.data)
                    except Exception as e:
                        return Response({"detail": e.args}, status=500)
            """,
            line=8,
        ),
    ]


class _LeakFinder:
    """Walks a response value for exception text, through formatting and local variables."""

    def __init__(self, rule: ErrorDetailsToClient, facts: ScopeFacts) -> None:
        self.rule = rule
        self.facts = facts
        self.imports = rule.context.imports
        self._subscript_writes: dict[str, list[tuple[int, cst.BaseExpression]]] | None = None
        self._debug_blocks: set[int] | None = None

    def debug_only(self, blocks: tuple[int, ...]) -> bool:
        """A binding made inside ``if settings.DEBUG:`` (``tb = traceback.format_exc()`` there)."""
        if self._debug_blocks is None:
            found: set[int] = set()

            def enter(current: cst.CSTNode) -> bool:
                branch = debug_branch(current.test) if isinstance(current, cst.If) else None
                if branch is not None and getattr(current, branch) is not None:
                    found.add(id(getattr(current, branch).body if branch == "orelse" else current.body))
                return True

            walk(self.facts.node, enter)
            self._debug_blocks = found
        return bool(self._debug_blocks.intersection(blocks))

    def leaks(self, node: cst.BaseExpression, order: int, blocks, here: bool, depth: int = 0) -> list[Leak]:
        if depth > MAX_DEPTH:
            return []
        again = lambda inner: self.leaks(inner, order, blocks, here, depth + 1)  # noqa: E731
        if isinstance(node, cst.Name):
            return self._name(node, order, blocks, here, depth)
        if isinstance(node, cst.Call):
            return self._call(node, again)
        if isinstance(node, cst.Attribute):
            if node.attr.value in LEAKY_ATTRIBUTES and isinstance(node.value, cst.Name):
                return self._exception_text(node, node.value.value, order, blocks, here)
            return []
        if isinstance(node, (cst.Subscript, cst.Await)):
            return again(node.value if isinstance(node, cst.Subscript) else node.expression)
        if isinstance(node, cst.FormattedString):
            return [leak for part in node.parts if isinstance(part, cst.FormattedStringExpression)
                    for leak in again(part.expression)]
        if isinstance(node, cst.BinaryOperation):
            return again(node.left) + again(node.right)
        if isinstance(node, cst.BooleanOperation):
            return again(node.left) + again(node.right)
        if isinstance(node, cst.IfExp):
            branch = debug_branch(node.test)
            return (again(node.body) if branch != "body" else []) + (again(node.orelse) if branch != "orelse" else [])
        if isinstance(node, cst.Dict):
            return [leak for element in node.elements for leak in again(element.value)]
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return [leak for element in node.elements for leak in again(element.value)]
        if isinstance(node, cst.ConcatenatedString):
            return again(node.left) + again(node.right)
        return []

    def _call(self, node: cst.Call, again) -> list[Leak]:
        full = self.imports.qualify(node.func) or ""
        if full in TRACEBACK_CALLS or full.endswith(".format_exc") and "traceback" in full:
            return [Leak(node, _code(node), "HIGH")]
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in KEEPS_TEXT_METHODS:
            found = [leak for arg in node.args for leak in again(arg.value)]
            inner = again(func.value)
            if func.attr.value in {"__str__", "__repr__"}:
                inner = [Leak(node, leak.origin, leak.confidence) if leak.node is func.value else leak for leak in inner]
            return found + inner
        if full in KEEPS_TEXT or full.split(".")[-1] in {"jsonify", "dumps", "escape"} \
                or response_call(node, self.imports) is not None:
            found: list[Leak] = []
            for arg in node.args:
                for leak in again(arg.value):
                    # str(e) is reported as a whole, not at its e
                    wraps = full in {"str", "repr", "format", "force_str", "force_text", "smart_str"} \
                        and leak.node is arg.value and leak.via is None
                    found.append(Leak(node, leak.origin, leak.confidence) if wraps else leak)
            return found
        return []

    def _name(self, node: cst.Name, order: int, blocks, here: bool, depth: int) -> list[Leak]:
        caught = self.rule.exception_of(node.value, self.facts, order, blocks, here)
        if caught is not False:
            return self._exception_text(node, node.value, order, blocks, here, caught)
        found: list[Leak] = []
        for binding in reversed(self.facts.bindings_before(node.value, order, blocks)):
            if binding.value is None or binding.kind not in {"=", "+=", "append", "extend"}:
                continue
            if self.debug_only(binding.blocks):
                continue
            for leak in self.leaks(binding.value, binding.order, binding.blocks, False, depth + 1):
                found.append(Leak(node, leak.detail, leak.confidence, via=node.value))
                break
            if found:
                return found
        for write_order, value in self._writes_into(node.value):
            if write_order < order:
                for leak in self.leaks(value, write_order, None, False, depth + 1):
                    return [Leak(node, leak.detail, leak.confidence, via=node.value)]
        return []

    def _exception_text(self, node: cst.BaseExpression, name: str, order: int, blocks, here: bool,
                        caught: CaughtType | None | bool = False) -> list[Leak]:
        if caught is False:
            caught = self.rule.exception_of(name, self.facts, order, blocks, here)
        if not isinstance(caught, CaughtType):
            return []
        return [Leak(node, f"a caught {caught.text}", caught.confidence)]

    def _writes_into(self, name: str) -> list[tuple[int, cst.BaseExpression]]:
        """``result["error"] = value`` statements of the scope, by the name written into."""
        if self._subscript_writes is None:
            writes: dict[str, list[tuple[int, cst.BaseExpression]]] = {}
            statement_order = self.facts.statement_order

            def enter(current: cst.CSTNode) -> bool:
                if current is not self.facts.node and isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                    return False
                if isinstance(current, cst.SimpleStatementLine):
                    for small in current.body:
                        if isinstance(small, cst.Assign):
                            for target in small.targets:
                                if isinstance(target.target, cst.Subscript) and isinstance(target.target.value, cst.Name):
                                    writes.setdefault(target.target.value.value, []).append(
                                        (statement_order.get(id(current), 0), small.value))
                return True

            walk(self.facts.node, enter)
            self._subscript_writes = writes
        return self._subscript_writes.get(name, [])
