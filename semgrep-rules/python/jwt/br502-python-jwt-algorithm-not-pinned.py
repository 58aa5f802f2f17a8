import os

import jwt
import jwt as pyjwt
from jose import jwt as jose_jwt

KEY = os.environ["JWT_SECRET"]
PUBLIC_KEY = open("/etc/keys/jwt.pub").read()
ALLOWED = {"RS256", "ES256"}


def claims_no_algorithms(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY)


def claims_jose_no_algorithms(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jose_jwt.decode(token, PUBLIC_KEY, audience="orders")


def claims_algorithms_none(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return pyjwt.decode(token, KEY, algorithms=None)


def claims_accept_none(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY, algorithms=["HS256", "none"])


def claims_accept_none_tuple(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jose_jwt.decode(token, KEY, algorithms=("NONE", "HS256"))


def claims_header_alg(token):
    header = jwt.get_unverified_header(token)
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, PUBLIC_KEY, algorithms=[header["alg"]])


def claims_header_alg_inline(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, PUBLIC_KEY, algorithms=[jwt.get_unverified_header(token)["alg"]])


def claims_header_alg_local(token):
    alg = jose_jwt.get_unverified_header(token).get("alg")
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jose_jwt.decode(token, PUBLIC_KEY, algorithms=alg)


def claims_confusion(token):
    # ruleid: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256", "HS256"])


# ---------------------------------------------------------------- negatives


def claims_pinned(token):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY, algorithms=["HS256"])


def claims_pinned_family(token):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jose_jwt.decode(token, PUBLIC_KEY, algorithms=["RS256", "RS512", "ES256"])


def claims_from_settings(token, settings):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY, algorithms=settings.JWT_ALGORITHMS)


def claims_positional_list(token):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY, ["HS256"])


def claims_header_checked(token, keys):
    header = jwt.get_unverified_header(token)
    alg = header["alg"]
    if alg not in ALLOWED:
        raise ValueError(alg)
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, keys[header["kid"]], algorithms=[alg])


def claims_header_picks_key(token, keys):
    kid = jwt.get_unverified_header(token)["kid"]
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, keys[kid], algorithms=["RS256"])


def claims_unverified(token):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, options={"verify_signature": False})


def claims_unverified_key(token):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY, options={"verify_signature": False})


def claims_from_kwargs(token, **decode_options):
    # ok: br502-python-jwt-algorithm-not-pinned
    return jwt.decode(token, KEY, **decode_options)


def not_a_jwt(blob, codec):
    # ok: br502-python-jwt-algorithm-not-pinned
    return codec.decode(blob, "utf-8")
