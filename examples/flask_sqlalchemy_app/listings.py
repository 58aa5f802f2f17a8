"""Listing endpoints: sorting and filtering by what the client asks, the legacy and the safe way."""

from flask import Blueprint, jsonify, request
from sqlalchemy import desc, select, text

from .models import User, db

bp = Blueprint("listings", __name__)

SORT_COLUMNS = {"name": User.name, "email": User.email, "city": User.city}


@bp.get("/users/sorted")
def sorted_users_unsafe():
    rows = db.session.scalars(select(User).order_by(text(request.args.get("sort", "id"))).limit(50)).all()  # expect: BR102
    return jsonify([u.email for u in rows])


@bp.get("/users/sorted/v2")
def sorted_users():
    column = SORT_COLUMNS.get(request.args.get("sort"), User.id)
    rows = db.session.scalars(select(User).order_by(column).limit(50)).all()
    return jsonify([u.email for u in rows])


@bp.get("/users/in-city")
def users_in_city_unsafe():
    # SQLAlchemy 1.3 took a string in filter() as SQL text.
    city = request.args["city"]
    users = User.query.filter("city = '%s'" % city).limit(50).all()  # expect: BR102
    return jsonify([u.email for u in users])


@bp.get("/users/in-city/v2")
def users_in_city():
    users = User.query.filter(User.city == request.args["city"]).limit(50).all()
    return jsonify([u.email for u in users])


@bp.get("/users/newest")
def newest_users_unsafe():
    direction = request.args.get("dir", "desc")
    users = User.query.order_by(f"id {direction}").limit(20).all()  # expect: BR102
    return jsonify([u.email for u in users])


@bp.get("/users/newest/v2")
def newest_users():
    order = User.id.asc() if request.args.get("dir") == "asc" else desc(User.id)
    users = User.query.order_by(order).limit(20).all()
    return jsonify([u.email for u in users])
