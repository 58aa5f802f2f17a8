import os
from datetime import datetime, timedelta, timezone

import jwt
import jwt as pyjwt
from authlib.jose import jwt as authlib_jwt
from flask_jwt_extended import create_access_token
from jose import jwt as jose_jwt

SECRET_KEY = os.environ["JWT_SECRET"]


def issue_literal(user):
    # ruleid: br503-python-jwt-without-expiry
    return jwt.encode({"sub": str(user.id), "role": user.role}, SECRET_KEY, algorithm="HS256")


def issue_alias(user):
    # ruleid: br503-python-jwt-without-expiry
    return pyjwt.encode({"user_id": user.id}, SECRET_KEY)


def issue_local(user):
    payload = {"sub": str(user.id), "iat": datetime.now(timezone.utc)}
    # ruleid: br503-python-jwt-without-expiry
    return jose_jwt.encode(payload, SECRET_KEY, algorithm="HS256")


def issue_dict_call(user):
    # ruleid: br503-python-jwt-without-expiry
    return jwt.encode(dict(sub=user.username), SECRET_KEY, algorithm="HS256")


def issue_authlib(user):
    # ruleid: br503-python-jwt-without-expiry
    return authlib_jwt.encode({"alg": "HS256"}, {"sub": user.username}, SECRET_KEY)


def login(user):
    # ruleid: br503-python-jwt-without-expiry
    return create_access_token(identity=user.id, expires_delta=False)


def configure(app):
    # ruleid: br503-python-jwt-without-expiry
    app.config["JWT_ACCESS_TOKEN_EXPIRES"] = False


# ---------------------------------------------------------------- negatives


def issue_with_exp(user):
    now = datetime.now(timezone.utc)
    # ok: br503-python-jwt-without-expiry
    return jwt.encode({"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=15)}, SECRET_KEY, algorithm="HS256")


def issue_local_with_exp(user):
    payload = {"sub": str(user.id), "exp": datetime.now(timezone.utc) + timedelta(hours=1)}
    # ok: br503-python-jwt-without-expiry
    return jose_jwt.encode(payload, SECRET_KEY, algorithm="HS256")


def issue_exp_added_later(user):
    payload = {"sub": str(user.id)}
    payload["exp"] = datetime.now(timezone.utc) + timedelta(minutes=30)
    # ok: br503-python-jwt-without-expiry
    return jwt.encode(payload, SECRET_KEY, algorithm="HS256")


def issue_updated(user, lifetime):
    payload = {"sub": str(user.id)}
    payload.update(lifetime.claims())
    # ok: br503-python-jwt-without-expiry
    return jwt.encode(payload, SECRET_KEY, algorithm="HS256")


def issue_spread(user, standard_claims):
    # ok: br503-python-jwt-without-expiry
    return jwt.encode({**standard_claims, "sub": str(user.id)}, SECRET_KEY, algorithm="HS256")


def issue_dict_with_exp(user, expires):
    # ok: br503-python-jwt-without-expiry
    return jwt.encode(dict(sub=user.username, exp=expires), SECRET_KEY, algorithm="HS256")


def issue_parameter(claims):
    # ok: br503-python-jwt-without-expiry
    return jwt.encode(claims, SECRET_KEY, algorithm="HS256")


def issue_authlib_with_exp(user, expires):
    # ok: br503-python-jwt-without-expiry
    return authlib_jwt.encode({"alg": "HS256"}, {"sub": user.username, "exp": expires}, SECRET_KEY)


def login_with_lifetime(user):
    # ok: br503-python-jwt-without-expiry
    return create_access_token(identity=user.id, expires_delta=timedelta(minutes=15))


def not_a_token(encoder, user):
    # ok: br503-python-jwt-without-expiry
    return encoder.encode({"sub": user.id}, "utf-8")
