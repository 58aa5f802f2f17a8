import os

import jwt
import jwt as pyjwt
from jose import jwt as jose_jwt

KEY = os.environ["JWT_SECRET"]


def claims_unverified(token):
    # ruleid: br501-python-jwt-verification-disabled
    return jwt.decode(token, options={"verify_signature": False})


def claims_alias(token):
    # ruleid: br501-python-jwt-verification-disabled
    return pyjwt.decode(token, KEY, algorithms=["HS256"], options={"verify_exp": True, "verify_signature": False})


def claims_options_variable(token):
    opts = {"verify_signature": False}
    # ruleid: br501-python-jwt-verification-disabled
    return jwt.decode(token, KEY, algorithms=["HS256"], options=opts)


def claims_legacy(token):
    # ruleid: br501-python-jwt-verification-disabled
    return jwt.decode(token, KEY, verify=False)


def issue_unsigned(payload):
    # ruleid: br501-python-jwt-verification-disabled
    return jwt.encode(payload, None, algorithm="none")


def jose_unverified(token):
    # ruleid: br501-python-jwt-verification-disabled
    return jose_jwt.decode(token, KEY, options={"verify_signature": False})


# ---------------------------------------------------------------- negatives


def claims_ok(token):
    # ok: br501-python-jwt-verification-disabled
    return jwt.decode(token, KEY, algorithms=["HS256"])


def claims_no_aud(token):
    # ok: br501-python-jwt-verification-disabled
    return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_aud": False})


def header_only(token):
    # ok: br501-python-jwt-verification-disabled
    return jwt.get_unverified_header(token)


def claims_accepting_none(token):
    # "none" among the accepted algorithms is BR502 (jwt-algorithm-not-pinned)
    # ok: br501-python-jwt-verification-disabled
    return jwt.decode(token, KEY, algorithms=["HS256", "none"])


def claims_verified_explicitly(token):
    # ok: br501-python-jwt-verification-disabled
    return jwt.decode(token, KEY, algorithms=["RS256"], options={"verify_signature": True})
