"""Directory listings and bulk edits. Each anti-pattern (marked ``expect``) sits beside its fixed twin."""

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select

from .models import User, db

bp = Blueprint("directory", __name__)
MAX_PAGE_SIZE = 100


# --- listing every user ------------------------------------------------------------------------

@bp.get("/directory")
def directory_unbounded():
    users = User.query.order_by(User.name).all()  # expect: BR203
    return jsonify([{"id": u.id, "name": u.name} for u in users])


@bp.get("/directory/v2")
def directory():
    page = request.args.get("page", 1, type=int)
    per_page = min(request.args.get("per_page", 20, type=int), MAX_PAGE_SIZE)
    result = User.query.order_by(User.name).paginate(page=page, per_page=per_page, max_per_page=MAX_PAGE_SIZE)
    return jsonify({"items": [{"id": u.id, "name": u.name} for u in result.items], "pages": result.pages})


# --- a page size the client chooses ------------------------------------------------------------

@bp.get("/directory/in-city")
def users_in_city_unbounded():
    limit = int(request.args.get("limit", 50))  # expect: BR203
    stmt = select(User).where(User.city == request.args["city"]).order_by(User.id).limit(limit)
    return jsonify([{"id": u.id, "name": u.name} for u in db.session.scalars(stmt)])


@bp.get("/directory/in-city/v2")
def users_in_city():
    limit = int(request.args.get("limit", 50))
    if not 1 <= limit <= MAX_PAGE_SIZE:
        abort(400)
    stmt = select(User).where(User.city == request.args["city"]).order_by(User.id).limit(limit)
    return jsonify([{"id": u.id, "name": u.name} for u in db.session.scalars(stmt)])


# --- renaming a city: one commit per user -----------------------------------------------------

def rename_city_slow(old, new):
    for user in db.session.scalars(select(User).where(User.city == old)):
        user.city = new
        db.session.commit()  # expect: BR204


def rename_city(old, new):
    for user in db.session.scalars(select(User).where(User.city == old)):
        user.city = new
    db.session.commit()
