"""The API's access tokens: how they are issued and checked, each mistake beside its fixed twin."""

import os
from datetime import datetime, timedelta, timezone

import jwt
from flask import abort, request

SECRET_KEY = os.environ["JWT_SECRET"]
PARTNER_PUBLIC_KEY = os.environ["PARTNER_JWT_PUBLIC_KEY"]
ACCESS_TOKEN_LIFETIME = timedelta(minutes=15)


def _bearer_token() -> str:
    return request.headers.get("Authorization", "").removeprefix("Bearer ")


def issue_token_insecure(user) -> str:
    payload = {"sub": str(user.id), "role": user.role}
    return jwt.encode(payload, SECRET_KEY, algorithm="HS256")  # expect: BR503


def issue_token(user) -> str:
    now = datetime.now(timezone.utc)
    payload = {"sub": str(user.id), "role": user.role, "iat": now, "exp": now + ACCESS_TOKEN_LIFETIME}
    return jwt.encode(payload, SECRET_KEY, algorithm="HS256")


def current_user_id_insecure() -> str:
    claims = jwt.decode(_bearer_token(), options={"verify_signature": False})  # expect: BR501
    return claims["sub"]


def current_user_id() -> str:
    try:
        claims = jwt.decode(_bearer_token(), SECRET_KEY, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        abort(401)
    return claims["sub"]


def refresh_insecure() -> str:
    claims = jwt.decode(_bearer_token(), SECRET_KEY, algorithms=["HS256"], options={"verify_exp": False})  # expect: BR501
    return claims["sub"]


def refresh() -> str:
    claims = jwt.decode(_bearer_token(), SECRET_KEY, algorithms=["HS256"], leeway=30)
    return claims["sub"]


def partner_claims_insecure(token: str) -> dict:
    header = jwt.get_unverified_header(token)
    return jwt.decode(token, PARTNER_PUBLIC_KEY, algorithms=[header["alg"]])  # expect: BR502


def partner_claims(token: str) -> dict:
    return jwt.decode(token, PARTNER_PUBLIC_KEY, algorithms=["RS256"], audience="orders-api")
