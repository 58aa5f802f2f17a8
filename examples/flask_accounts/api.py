"""Account API: each handler that trusts the payload or leaks an error sits beside its fixed twin."""

import logging
import traceback

from flask import Blueprint, jsonify, request

from .models import Account, db

logger = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__)
EDITABLE_FIELDS = {"email", "name"}


@bp.post("/accounts")
def create_account():
    account = Account(**request.get_json())  # expect: BR701
    db.session.add(account)
    db.session.commit()
    return jsonify(id=account.id), 201


@bp.post("/v2/accounts")
def create_account_fixed():
    data = request.get_json()
    account = Account(email=data["email"], name=data["name"])
    db.session.add(account)
    db.session.commit()
    return jsonify(id=account.id), 201


@bp.patch("/accounts/<int:account_id>")
def update_account(account_id):
    account = db.get_or_404(Account, account_id)
    for field, value in request.get_json().items():
        setattr(account, field, value)  # expect: BR701
    db.session.commit()
    return jsonify(id=account.id)


@bp.patch("/v2/accounts/<int:account_id>")
def update_account_fixed(account_id):
    account = db.get_or_404(Account, account_id)
    for field, value in request.get_json().items():
        if field not in EDITABLE_FIELDS:
            continue
        setattr(account, field, value)
    db.session.commit()
    return jsonify(id=account.id)


@bp.put("/accounts/<int:account_id>")
def replace_account(account_id):
    payload = request.get_json(silent=True) or {}
    Account.query.filter_by(id=account_id).update(payload)  # expect: BR701
    db.session.commit()
    return jsonify(id=account_id)


@bp.put("/v2/accounts/<int:account_id>")
def replace_account_fixed(account_id):
    payload = request.get_json(silent=True) or {}
    changes = {key: payload[key] for key in EDITABLE_FIELDS if key in payload}
    Account.query.filter_by(id=account_id).update(changes)
    db.session.commit()
    return jsonify(id=account_id)


@bp.post("/accounts/<int:account_id>/charge")
def charge(account_id):
    try:
        receipt = bill(account_id, request.get_json()["amount"])
    except Exception as exc:
        db.session.rollback()
        return jsonify({"error": f"charge failed: {exc}"}), 500  # expect: BR601
    return jsonify(receipt)


@bp.post("/v2/accounts/<int:account_id>/charge")
def charge_fixed(account_id):
    try:
        receipt = bill(account_id, request.get_json()["amount"])
    except Exception:
        db.session.rollback()
        logger.exception("charge failed for account %s", account_id)
        return jsonify({"error": "charge failed"}), 500
    return jsonify(receipt)


@bp.get("/accounts/<int:account_id>/statement")
def statement(account_id):
    try:
        rows = build_statement(account_id)
    except Exception:
        details = traceback.format_exc()
        return {"error": "statement failed", "trace": details}, 500  # expect: BR601
    return jsonify(rows=rows)


@bp.get("/v2/accounts/<int:account_id>/statement")
def statement_fixed(account_id):
    try:
        rows = build_statement(account_id)
    except Exception:
        logger.error("statement failed:\n%s", traceback.format_exc())
        return {"error": "statement failed"}, 500
    return jsonify(rows=rows)


@bp.post("/accounts/import")
def import_accounts():
    try:
        count = import_csv(request.files["file"])
    except ValueError as exc:
        # the importer raises ValueError("line 3: missing email"): written for the client
        return jsonify(error=str(exc)), 400
    return jsonify(imported=count)


def bill(account_id, amount):
    raise NotImplementedError


def build_statement(account_id):
    raise NotImplementedError


def import_csv(upload):
    raise NotImplementedError
