"""HTTP handlers. Each anti-pattern (marked ``expect``) sits beside its fixed twin."""

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select, text

from .models import User, db

bp = Blueprint("users", __name__)

SORTABLE = {"name", "email", "city"}


@bp.get("/users/by-email")
def user_by_email_unsafe():
    email = request.args["email"]
    row = db.session.execute(text(f"SELECT * FROM users WHERE email = '{email}'")).first()  # expect: BR102
    return jsonify(dict(row._mapping)) if row else abort(404)


@bp.get("/users/by-email/v2")
def user_by_email():
    email = request.args["email"]
    row = db.session.execute(text("SELECT * FROM users WHERE email = :email"), {"email": email}).first()
    return jsonify(dict(row._mapping)) if row else abort(404)


@bp.get("/users/search")
def search_unsafe():
    term = request.args.get("q", "")
    sql = "SELECT id, name FROM users WHERE name LIKE '%" + term + "%'"
    rows = db.session.execute(text(sql)).all()  # expect: BR102
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/users/search/v2")
def search():
    term = request.args.get("q", "")
    stmt = select(User.id, User.name).where(User.name.contains(term))
    return jsonify([dict(r._mapping) for r in db.session.execute(stmt)])  # expect: BR203


@bp.get("/users/sorted")
def sorted_users_unsafe():
    column = request.args.get("sort", "name")
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM users ORDER BY %s" % column).all()  # expect: BR102
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/users/sorted/v2")
def sorted_users():
    column = request.args.get("sort", "name")
    if column not in SORTABLE:
        abort(400)
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(f"SELECT * FROM users ORDER BY {column}").all()
    return jsonify([dict(r._mapping) for r in rows])


def _city_filter(city):
    return "SELECT id, name FROM users WHERE city = '{}'".format(city)


@bp.get("/users/in-city")
def users_in_city_unsafe():
    query = _city_filter(request.args["city"])
    rows = db.session.execute(text(query)).all()  # expect: BR102
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/users/in-city/v2")
def users_in_city():
    rows = db.session.execute(
        text("SELECT id, name FROM users WHERE city = :city"), {"city": request.args["city"]}
    ).all()
    return jsonify([dict(r._mapping) for r in rows])


@bp.get("/users/page")
def users_page():
    # Numbers cannot inject: int() makes both values safe to interpolate.
    limit = min(int(request.args.get("limit", 20)), 100)
    offset = int(request.args.get("offset", 0))
    rows = db.session.execute(text(f"SELECT id, name FROM users LIMIT {limit} OFFSET {offset}")).all()
    return jsonify([dict(r._mapping) for r in rows])
