import logging
import sys
import traceback

import sqlalchemy.exc
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import JSONResponse
from flask import Flask, jsonify, request
from rest_framework.response import Response

app = Flask(__name__)
api = FastAPI()
router = APIRouter()
logger = logging.getLogger(__name__)


@app.post("/orders")
def create_order():
    try:
        order = place_order(request.get_json())
    except Exception as e:
        # ruleid: br601-python-error-details-to-client
        return jsonify({"error": str(e)}), 500
    return jsonify(order.to_dict()), 201


@app.route("/export")
def export():
    try:
        return build_export()
    except sqlalchemy.exc.SQLAlchemyError as exc:
        # ruleid: br601-python-error-details-to-client
        return {"message": f"export failed: {exc}"}, 500


@app.get("/report")
def report():
    try:
        return jsonify(build_report())
    except Exception:
        # ruleid: br601-python-error-details-to-client
        return jsonify(error="internal error", trace=traceback.format_exc()), 500


def django_view(request):
    try:
        result = do_work(request)
    except Exception as err:
        message = "failed: " + repr(err)
        # ruleid: br601-python-error-details-to-client
        return JsonResponse({"detail": message}, status=500)
    return JsonResponse(result)


def django_plain(request):
    try:
        return HttpResponse(render_page(request))
    except (KeyError, OSError) as err:
        # ruleid: br601-python-error-details-to-client
        return HttpResponse("Error: %s" % err, status=500)


class OrderView:
    def post(self, request):
        try:
            save(request.data)
        except Exception as e:
            payload = {"ok": False}
            payload["error"] = str(e)
            # ruleid: br601-python-error-details-to-client
            return Response(payload, status=500)
        return Response({"ok": True})


@api.post("/items")
async def create_item(item: dict):
    try:
        return await store(item)
    except Exception as e:
        # ruleid: br601-python-error-details-to-client
        raise HTTPException(status_code=500, detail=str(e))


@router.get("/health")
async def health():
    try:
        await ping_database()
    except ConnectionError as e:
        # ruleid: br601-python-error-details-to-client
        return JSONResponse({"status": "down", "reason": e.args}, status_code=503)
    return {"status": "up"}


@router.get("/stats")
async def stats():
    try:
        return await compute_stats()
    except Exception as e:
        # ruleid: br601-python-error-details-to-client
        return {"error": "{}".format(e)}


@app.put("/orders/<int:order_id>")
def update_order(order_id):
    try:
        order = change_order(order_id, request.get_json())
    except ValueError as e:
        # ok: br601-python-error-details-to-client
        return jsonify({"error": str(e)}), 400
    except Exception as e:
        # ruleid: br601-python-error-details-to-client
        return jsonify({"error": str(e)}), 500
    finally:
        release_lock(order_id)
    return jsonify(order.to_dict())


def django_debug_flag(request):
    try:
        return JsonResponse(do_work(request))
    except Exception as e:
        if not settings.DEBUG:
            # ruleid: br601-python-error-details-to-client
            return JsonResponse({"error": str(e)}, status=500)
        raise


# ---------------------------------------------------------------- negatives


@app.post("/orders/v2")
def create_order_logged():
    try:
        order = place_order(request.get_json())
    except Exception as e:
        logger.error("order failed: %s", e)
        logger.exception("order failed: " + str(e))
        # ok: br601-python-error-details-to-client
        return jsonify({"error": "internal error"}), 500
    return jsonify(order.to_dict()), 201


@app.post("/signup")
def signup():
    try:
        user = register(request.get_json())
    except ValueError as e:
        # validation messages are written for the client (the libcst checker: LOW)
        # ok: br601-python-error-details-to-client
        return jsonify({"error": str(e)}), 400
    return jsonify(user), 201


@api.get("/items/{item_id}")
async def read_item(item_id: int):
    try:
        return await load(item_id)
    except HTTPException as e:
        # ok: br601-python-error-details-to-client
        raise HTTPException(status_code=e.status_code, detail=e.detail)
    except Exception as e:
        # ok: br601-python-error-details-to-client
        raise HTTPException(status_code=500, detail="internal error") from e


def django_debug_only(request):
    try:
        return JsonResponse(do_work(request))
    except Exception as e:
        if settings.DEBUG:
            # ok: br601-python-error-details-to-client
            return JsonResponse({"error": str(e)}, status=500)
        # ok: br601-python-error-details-to-client
        return JsonResponse({"error": "internal error"}, status=500)


def django_debug_expression(request):
    try:
        return JsonResponse(do_work(request))
    except Exception:
        # ok: br601-python-error-details-to-client
        return HttpResponse(traceback.format_exc() if settings.DEBUG else "Internal Server Error", status=500)


def django_status_only(request):
    try:
        return JsonResponse(do_work(request))
    except Exception as e:
        # ok: br601-python-error-details-to-client
        return JsonResponse({"error": "duplicate" if "UNIQUE" in str(e) else "failed"}, status=500)


def cli_main():
    try:
        run()
    except Exception as e:
        # ok: br601-python-error-details-to-client
        print("failed:", str(e), file=sys.stderr)
        return 1
