"""BR601 error details sent to the client: realistic variants, where they fire and how sure."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def findings(code: str, path: str = "app/views.py", min_confidence: str = "LOW"):
    config = Config(select=("BR601",), min_confidence=min_confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def fired(code: str, path: str = "app/views.py") -> list[tuple[int, str]]:
    return [(f.line, f.confidence) for f in findings(code, path)]


# (code, [(line, confidence), ...])
POSITIVES = {
    "flask jsonify str(e) in tuple": ("""
        from flask import jsonify
        @app.route("/orders", methods=["POST"])
        def create():
            try:
                order = place()
            except Exception as e:
                return jsonify({"success": False, "error": str(e)}), 500
    """, [(7, "HIGH")]),
    "flask dict return tuple without jsonify": ("""
        @bp.post("/items")
        def create_item():
            try:
                save()
            except Exception as exc:
                return {"message": f"Could not save item: {exc}"}, 500
    """, [(6, "HIGH")]),
    "flask make_response with repr": ("""
        from flask import make_response
        def view():
            try:
                run()
            except BaseException as err:
                return make_response(repr(err), 500)
    """, [(6, "HIGH")]),
    "flask abort with description": ("""
        from flask import abort
        def view():
            try:
                run()
            except Exception as e:
                abort(500, description=str(e))
    """, [(6, "HIGH")]),
    "flask errorhandler for Exception": ("""
        from flask import jsonify
        @app.errorhandler(Exception)
        def handle(error):
            return jsonify(message=str(error)), 500
    """, [(4, "HIGH")]),
    "django JsonResponse through a local message": ("""
        from django.http import JsonResponse
        def upload(request):
            try:
                handle(request.FILES["f"])
            except Exception as e:
                msg = "Upload failed: %s" % e
                return JsonResponse({"error": msg}, status=500)
    """, [(7, "HIGH")]),
    "django HttpResponseServerError with traceback": ("""
        import traceback
        from django.http import HttpResponseServerError
        def view(request):
            try:
                run()
            except:
                return HttpResponseServerError(traceback.format_exc())
    """, [(7, "HIGH")]),
    "django HttpResponse with bare exception": ("""
        from django.http import HttpResponse
        def view(request):
            try:
                run()
            except Exception as e:
                return HttpResponse(e, status=500)
    """, [(6, "HIGH")]),
    "drf Response in an APIView method": ("""
        from rest_framework.response import Response
        from rest_framework import status
        class Checkout(APIView):
            def post(self, request):
                try:
                    charge(request.data)
                except Exception as e:
                    return Response({"error": str(e)}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    """, [(8, "HIGH")]),
    "drf ValidationError raised with exception text": ("""
        from rest_framework import serializers
        class PaymentSerializer(serializers.Serializer):
            def validate(self, attrs):
                try:
                    gateway.check(attrs)
                except Exception as e:
                    raise serializers.ValidationError(str(e))
                return attrs
    """, [(7, "LOW")]),
    "fastapi HTTPException detail": ("""
        from fastapi import APIRouter, HTTPException
        router = APIRouter()
        @router.post("/users")
        async def create_user(user: UserIn):
            try:
                return await service.create(user)
            except Exception as e:
                raise HTTPException(status_code=500, detail=str(e))
    """, [(8, "HIGH")]),
    "fastapi HTTPException positional detail with alias": ("""
        from fastapi import HTTPException as HE
        async def read(item_id: int):
            try:
                return await load(item_id)
            except Exception as e:
                raise HE(500, f"failed to load: {e!r}")
    """, [(6, "HIGH")]),
    "fastapi route returning a dict": ("""
        @app.get("/health")
        def health():
            try:
                db.execute("SELECT 1")
                return {"status": "ok"}
            except Exception as e:
                return {"status": "error", "detail": str(e)}
    """, [(7, "HIGH")]),
    "starlette JSONResponse in middleware": ("""
        from starlette.responses import JSONResponse
        async def errors(request, call_next):
            try:
                return await call_next(request)
            except Exception as exc:
                return JSONResponse({"error": exc.__class__.__name__, "message": str(exc)}, status_code=500)
    """, [(6, "HIGH")]),
    "fastapi exception_handler": ("""
        from fastapi.responses import JSONResponse
        @app.exception_handler(Exception)
        async def unhandled(request, exc):
            return JSONResponse(status_code=500, content={"detail": str(exc)})
    """, [(4, "HIGH")]),
    "starlette handler registered in a dict": ("""
        from starlette.applications import Starlette
        from starlette.responses import JSONResponse
        async def on_error(request, exc):
            return JSONResponse({"error": repr(exc)}, status_code=500)
        app = Starlette(exception_handlers={Exception: on_error})
    """, [(4, "HIGH")]),
    "fastapi add_exception_handler": ("""
        from fastapi.responses import JSONResponse
        async def on_error(request, exc):
            return JSONResponse({"error": str(exc)}, status_code=500)
        app.add_exception_handler(Exception, on_error)
    """, [(3, "HIGH")]),
    "handler named for any exception": ("""
        from rest_framework.views import exception_handler
        from rest_framework.response import Response
        def custom_exception_handler(exc, context):
            response = exception_handler(exc, context)
            if response is None:
                return Response({"detail": str(exc)}, status=500)
            return response
    """, [(6, "MEDIUM")]),
    "aiohttp web.json_response": ("""
        from aiohttp import web
        async def handler(request):
            try:
                data = await fetch()
            except Exception as ex:
                return web.json_response({"error": str(ex)}, status=500)
            return web.json_response(data)
    """, [(6, "HIGH")]),
    "aiohttp HTTP exception text": ("""
        from aiohttp import web
        async def handler(request):
            try:
                await run()
            except Exception as ex:
                raise web.HTTPInternalServerError(text=str(ex))
    """, [(6, "HIGH")]),
    "sqlalchemy error": ("""
        from flask import jsonify
        from sqlalchemy.exc import IntegrityError
        def create():
            try:
                db.session.commit()
            except IntegrityError as e:
                return jsonify(error=str(e.orig)), 409
    """, [(7, "HIGH")]),
    "runtime error is MEDIUM": ("""
        from flask import jsonify
        import requests
        def proxy():
            try:
                r = requests.get(URL, timeout=3)
            except requests.RequestException as e:
                return jsonify(error=str(e)), 502
    """, [(7, "MEDIUM")]),
    "ValueError in validation is LOW": ("""
        from flask import jsonify, request
        def create():
            try:
                amount = parse_amount(request.json["amount"])
            except ValueError as e:
                return jsonify(error=str(e)), 400
    """, [(6, "LOW")]),
    "parse idiom (ValueError, TypeError) stays LOW": ("""
        from flask import jsonify, request
        def page():
            try:
                size = int(request.args["size"])
            except (ValueError, TypeError) as e:
                return jsonify(error=str(e)), 400
    """, [(6, "LOW")]),
    "tuple of exceptions takes the broadest": ("""
        from flask import jsonify
        def create():
            try:
                run()
            except (ValueError, Exception) as e:
                return jsonify(error=str(e)), 400
    """, [(6, "HIGH")]),
    "result dict filled then returned": ("""
        from flask import jsonify
        def sync():
            result = {"ok": True}
            try:
                run()
            except Exception as e:
                result["ok"] = False
                result["error"] = str(e)
            return jsonify(result)
    """, [(9, "HIGH")]),
    "error kept after the except block": ("""
        from django.http import JsonResponse
        def view(request):
            error = None
            try:
                run()
            except Exception as e:
                error = f"{type(e).__name__}: {e}"
            return JsonResponse({"error": error})
    """, [(8, "HIGH")]),
    "errors list appended": ("""
        from flask import jsonify
        def bulk():
            errors = []
            for row in rows:
                try:
                    save(row)
                except Exception as e:
                    errors.append(str(e))
            return jsonify(errors=errors)
    """, [(9, "HIGH")]),
    "traceback format_exception via from-import": ("""
        from traceback import format_exc
        from flask import jsonify
        def view():
            try:
                run()
            except Exception:
                return jsonify(trace=format_exc()), 500
    """, [(7, "HIGH")]),
    "e.args": ("""
        from flask import jsonify
        def view():
            try:
                run()
            except Exception as e:
                return jsonify(error=e.args[0]), 500
    """, [(6, "HIGH")]),
    "str.format of e": ("""
        from flask import jsonify
        def view():
            try:
                run()
            except Exception as e:
                return jsonify(error="failed: {}".format(e)), 500
    """, [(6, "HIGH")]),
    "django view taking request returns HttpResponse directly": ("""
        from django.http import HttpResponse
        def export(request):
            try:
                data = build()
            except Exception as e:
                return HttpResponse("Export failed: " + str(e), status=500)
    """, [(6, "HIGH")]),
    "tornado write": ("""
        import tornado.web
        class Handler(tornado.web.RequestHandler):
            def get(self):
                try:
                    run()
                except Exception as e:
                    self.set_status(500)
                    self.write({"error": str(e)})
    """, [(8, "HIGH")]),
    "falcon resp.media": ("""
        class Resource:
            def on_post(self, req, resp):
                try:
                    run()
                except Exception as e:
                    resp.media = {"error": str(e)}
    """, [(6, "HIGH")]),
    "rendered page is MEDIUM at most": ("""
        from django.shortcuts import render
        def view(request):
            try:
                run()
            except Exception as e:
                return render(request, "error.html", {"error": str(e)})
    """, [(6, "MEDIUM")]),
    "flashed message is MEDIUM at most": ("""
        from flask import flash, redirect
        def view():
            try:
                run()
            except Exception as e:
                flash(f"Error: {e}")
                return redirect("/")
    """, [(6, "MEDIUM")]),
    "leak in the production branch of a debug test": ("""
        from flask import current_app, jsonify
        def view():
            try:
                run()
            except Exception as e:
                if not current_app.debug:
                    return jsonify(error=str(e)), 500
                raise
    """, [(7, "HIGH")]),
    "project exception is LOW": ("""
        from flask import jsonify
        from app.errors import PaymentFailed
        def pay():
            try:
                charge()
            except PaymentFailed as e:
                return jsonify(error=str(e)), 402
    """, [(7, "LOW")]),
}


@pytest.mark.parametrize("name", list(POSITIVES))
def test_positive(name):
    code, expected = POSITIVES[name]
    assert fired(code) == expected


NEGATIVES = {
    "logged only": """
        import logging
        from flask import jsonify
        log = logging.getLogger(__name__)
        def view():
            try:
                run()
            except Exception as e:
                log.error("failed: %s", e)
                log.error(str(e))
                return jsonify(error="internal error"), 500
    """,
    "logger.exception and generic detail": """
        from fastapi import HTTPException
        async def create():
            try:
                await run()
            except Exception:
                logger.exception("create failed")
                raise HTTPException(status_code=500, detail="Internal server error")
    """,
    "pydantic ValidationError errors()": """
        from pydantic import ValidationError
        from fastapi.responses import JSONResponse
        def parse(data):
            try:
                return Model(**data)
            except ValidationError as e:
                return JSONResponse({"errors": e.errors()}, status_code=422)
    """,
    "DRF ValidationError detail": """
        from rest_framework.exceptions import ValidationError
        from rest_framework.response import Response
        class V(APIView):
            def post(self, request):
                try:
                    check(request.data)
                except ValidationError as exc:
                    return Response({"error": str(exc)}, status=400)
    """,
    "django ValidationError message": """
        from django.core.exceptions import ValidationError
        from django.http import JsonResponse
        def view(request):
            try:
                validate(request.POST)
            except ValidationError as e:
                return JsonResponse({"errors": e.messages}, status=400)
    """,
    "werkzeug HTTPException re-raised as JSON": """
        from werkzeug.exceptions import HTTPException
        from flask import jsonify
        @app.errorhandler(HTTPException)
        def http_error(e):
            return jsonify(error=e.description, message=str(e)), e.code
    """,
    "handler narrowing the exception with isinstance": """
        from django.core.exceptions import ValidationError
        from django.http import Http404
        from rest_framework.response import Response
        def handle_exception(self, exc):
            if isinstance(exc, Http404):
                data = {"message": str(exc)}
                return Response(data, status=404)
            elif isinstance(exc, ValidationError):
                return Response({"message": str(exc)}, status=400)
            return super().handle_exception(exc)
    """,
    "handler registered for a client error": """
        from fastapi.exceptions import RequestValidationError
        from fastapi.responses import JSONResponse
        async def on_invalid(request, exc):
            return JSONResponse({"detail": str(exc)}, status_code=422)
        app.add_exception_handler(RequestValidationError, on_invalid)
    """,
    "errorhandler for a status code": """
        from flask import jsonify
        @app.errorhandler(404)
        def not_found(e):
            return jsonify(error=str(e)), 404
    """,
    "exception type name only": """
        from flask import jsonify
        def view():
            try:
                run()
            except Exception as e:
                return jsonify(error=type(e).__name__), 500
    """,
    "helper function returning a string": """
        def try_parse(value):
            try:
                return float(value)
            except Exception as e:
                return str(e)
    """,
    "debug-only detail in a conditional expression": """
        from django.conf import settings
        from django.http import JsonResponse
        def view(request):
            try:
                run()
            except Exception as e:
                return JsonResponse({"error": str(e) if settings.DEBUG else "server error"}, status=500)
    """,
    "exception passed to a helper that formats safely": """
        from flask import jsonify
        def view():
            try:
                run()
            except Exception as e:
                return jsonify(error=error_code_for(e)), 500
    """,
    "jwt errors are for the client": """
        import jwt
        from flask import jsonify
        def me(token):
            try:
                claims = jwt.decode(token, KEY, algorithms=["HS256"])
            except jwt.InvalidTokenError as e:
                return jsonify(error=str(e)), 401
    """,
    "requests response object is not a web response": """
        import requests
        from requests import Response
        def fetch():
            try:
                return requests.get(URL)
            except Exception as e:
                r = Response()
                return r
    """,
    "exception text into a task result, not a response": """
        from celery import shared_task
        @shared_task
        def sync():
            try:
                run()
            except Exception as e:
                return {"status": "failed", "error": str(e)}
    """,
    "message stored on a model": """
        def process(job):
            try:
                run(job)
            except Exception as e:
                job.error = str(e)
                job.save()
    """,
    # regressions from real code (minimal reproductions)
    "traceback taken only in debug mode, sent later": """
        import traceback
        from aiohttp.web import Response
        def error_page(self, request, status):
            tb = None
            if self.debug:
                tb = traceback.format_exc()
            msg = "Server got itself in trouble"
            if tb:
                msg = tb
            return Response(status=status, text=msg)
    """,
    "a messages object that is not django's": """
        def check_thumbnail(messages, doc, path):
            try:
                path.read_bytes()
            except OSError as e:
                messages.error(doc.pk, f"Cannot read thumbnail: {e}")
    """,
    "a template node's render method": """
        import sys
        def render_plugin(self, nodelist, context):
            try:
                return nodelist.render(context)
            except Exception:
                context["exc_info"] = sys.exc_info()
                return nodelist.render(context)
    """,
    "a helper method taking request in a non-view class": """
        class ExceptionReporter:
            def cleanse(self, request, value):
                try:
                    return dict(value)
                except Exception as e:
                    return f"{e!r} while evaluating {value!r}"
    """,
}


@pytest.mark.parametrize("name", [n for n in NEGATIVES if NEGATIVES[n] is not None])
def test_negative(name):
    assert fired(NEGATIVES[name]) == []


def test_tests_and_migrations_are_quiet():
    code, _ = POSITIVES["flask jsonify str(e) in tuple"]
    assert fired(code, path="tests/test_orders.py") == []


def test_default_confidence_hides_validation_idiom():
    code, _ = POSITIVES["ValueError in validation is LOW"]
    assert findings(code, min_confidence="MEDIUM") == []


def test_one_finding_for_nested_response_calls():
    code = """
        from flask import jsonify, make_response
        def view():
            try:
                run()
            except Exception as e:
                return make_response(jsonify(error=str(e)), 500)
    """
    (finding,) = findings(code)
    assert "jsonify()" in finding.message or "make_response()" in finding.message


def test_message_names_the_variable_and_its_origin():
    code, _ = POSITIVES["django JsonResponse through a local message"]
    (finding,) = findings(code)
    assert finding.message.startswith("`msg` (holding")
    assert "JsonResponse()" in finding.message


# ------------------------------------------------------------------ views only administrators reach
ADMIN_ONLY = {
    "class on an admin base through a class of the module": ("app/hub/controllers.py", """
        from flask import flash, redirect
        from requests.exceptions import HTTPError
        class RHHubBase(RHAdminBase):
            pass
        class RHHubSync(RHHubBase):
            def _process(self):
                try:
                    sync_instance()
                except HTTPError as err:
                    flash("The hub said: {err}".format(err=err), "error")
                return redirect("/")
    """),
    "backoffice application": ("shop/backoffice/orders/endpoints.py", """
        from fastapi import APIRouter, HTTPException
        router = APIRouter()
        @router.post("/{order_id}/refund")
        async def refund(order_id: str):
            try:
                await do_refund(order_id)
            except Exception as e:
                raise HTTPException(status_code=400, detail=str(e))
    """),
    "admin-required decorator": ("app/views.py", """
        from flask import jsonify
        @app.route("/admin/reindex", methods=["POST"])
        @admin_required
        def reindex():
            try:
                run_reindex()
            except Exception as e:
                return jsonify({"error": str(e)}), 500
    """),
}


@pytest.mark.parametrize("name", list(ADMIN_ONLY))
def test_admin_only_views_are_low(name):
    path, code = ADMIN_ONLY[name]
    results = fired(code, path)
    assert results and all(confidence == "LOW" for _, confidence in results), results


def test_a_view_named_like_admin_on_a_plain_base_keeps_its_confidence():
    code = """
        from flask import jsonify
        from flask.views import MethodView
        class AdminStatsView(MethodView):
            def get(self):
                try:
                    return jsonify(stats())
                except Exception as e:
                    return jsonify({"error": str(e)}), 500
    """
    assert fired(code, "app/administration.py") == [(8, "HIGH")]


def test_message_does_not_advise_logging_what_is_logged_already():
    code = """
        from fastapi import HTTPException
        @router.post("/cases/{case_id}/events")
        def create_event(case_id: int):
            try:
                add_event(case_id)
            except Exception as e:
                log.exception(e)
                raise HTTPException(status_code=500, detail=[{"msg": str(e)}]) from e
    """
    (finding,) = findings(code)
    assert finding.message.endswith("it is logged already: send a generic message")
    assert "log it" not in finding.message


def test_message_advises_logging_when_nothing_logs():
    code = """
        from fastapi import HTTPException
        @router.post("/cases/{case_id}/events")
        def create_event(case_id: int):
            try:
                add_event(case_id)
            except Exception as e:
                raise HTTPException(status_code=500, detail=str(e)) from e
    """
    (finding,) = findings(code)
    assert finding.message.endswith("log it and send a generic message")


def test_sentry_capture_counts_as_logging():
    code = """
        from sentry_sdk import capture_exception
        @app.route("/stats")
        def stats():
            try:
                return {"items": service.stats()}
            except Exception as e:
                capture_exception()
                return {"message": f"Failed to retrieve stats: {e}"}, 400
    """
    (finding,) = findings(code)
    assert "it is logged already" in finding.message


def test_a_value_checked_for_its_shape_is_not_a_caught_exception():
    code = """
        import json
        from fastapi import Response
        async def oauth_error_handler(request, exc):
            status_code, body, headers = exc()
            if isinstance(body, dict):
                body = json.dumps(body)
            return Response(body, status_code=status_code)
    """
    assert findings(code, "app/handlers.py") == []
