"""BR5xx: JWTs decoded without checks, with algorithms the token picks, or issued without expiry."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def findings(code: str, path: str = "app/auth.py", confidence: str = "MEDIUM"):
    config = Config(select=("BR5",), min_confidence=confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def fired(code: str, path: str = "app/auth.py", confidence: str = "MEDIUM") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings(code, path, confidence)]


def confidences(code: str, path: str = "app/auth.py") -> list[tuple[str, str]]:
    return [(f.code, f.confidence) for f in findings(code, path, "LOW")]


# ------------------------------------------------------------------------------------ BR501
BR501_FIRES = {
    "options literal, claims trusted": """
        import jwt
        def current_user(token):
            payload = jwt.decode(token, options={"verify_signature": False})  # here
            return User.query.get(payload["user_id"])
        """,
    "options in a local": """
        import jwt
        def current_user(token, key):
            opts = {"verify_signature": False, "verify_exp": True}
            data = jwt.decode(token, key, algorithms=["HS256"], options=opts)  # here
            return data["sub"]
        """,
    "options as a module constant": """
        import jwt
        DECODE_OPTIONS = {"verify_signature": False}
        def user_id(token):
            return jwt.decode(token, options=DECODE_OPTIONS)["user_id"]  # here
        """,
    "options from dict()": """
        import jwt
        def user_id(token):
            claims = jwt.decode(token, options=dict(verify_signature=False))  # here
            return claims.get("user_id")
        """,
    "options stored key by key": """
        import jwt
        def user_id(token, key):
            options = {}
            options["verify_signature"] = False
            claims = jwt.decode(token, key, algorithms=["HS256"], options=options)  # here
            return claims["uid"]
        """,
    "flag in a constant": """
        import jwt
        VERIFY = False
        def user_id(token, key):
            return jwt.decode(token, key, algorithms=["HS256"], options={"verify_signature": VERIFY})["uid"]  # here
        """,
    "PyJWT 1.x verify=False": """
        import jwt
        def role(token, key):
            return jwt.decode(token, key, verify=False)["role"]  # here
        """,
    "PyJWT 1.x positional verify": """
        import jwt
        def claims(token, key):
            data = jwt.decode(token, key, False)  # here
            return data
        """,
    "imported function alias": """
        from jwt import decode as jwt_decode
        def claims(token):
            data = jwt_decode(token, options={"verify_signature": False})  # here
            if data["is_admin"]:
                grant_admin()
        """,
    "PyJWT object": """
        import jwt
        def claims(token):
            return jwt.PyJWT().decode(token, options={"verify_signature": False})  # here
        """,
    "python-jose decode": """
        from jose import jwt
        async def get_current_user(token: str):
            payload = jwt.decode(token, SECRET, options={"verify_signature": False})  # here
            username = payload.get("sub")
            return await users.get(username)
        """,
    "python-jose unverified claims used for a decision": """
        from jose import jwt
        def is_admin(token):
            claims = jwt.get_unverified_claims(token)  # here
            return claims["role"] == "admin"
        """,
    "Flask before_request": """
        import jwt
        from flask import g, request
        @app.before_request
        def load_user():
            token = request.headers["Authorization"].split()[1]
            g.user = jwt.decode(token, options={"verify_signature": False})["username"]  # here
        """,
    "simplejwt token without verification": """
        from rest_framework_simplejwt.tokens import AccessToken
        def user_from(token):
            access = AccessToken(token, verify=False)  # here
            return User.objects.get(pk=access["user_id"])
        """,
    "verify_exp off": """
        import jwt
        def refresh(token, key):
            claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})  # here
            return issue(claims["sub"])
        """,
    "verify_aud off with a provider key": """
        import jwt
        def id_token_claims(token, public_key):
            return jwt.decode(token, public_key, algorithms=["RS256"], options={"verify_aud": False})  # here
        """,
    "unsigned tokens issued": """
        import jwt as pyjwt
        def guest(user):
            return pyjwt.encode({"sub": user.id, "exp": soon()}, key=None, algorithm="none")  # here
        """,
    "authlib claims never validated": """
        from authlib.jose import jwt
        def user(token, key):
            claims = jwt.decode(token, key)  # here
            return User.get(claims["sub"])
        """,
}


@pytest.mark.parametrize("code", BR501_FIRES.values(), ids=BR501_FIRES.keys())
def test_br501_fires(code):
    code = textwrap.dedent(code).removeprefix("\n")
    line = next(i for i, text in enumerate(code.splitlines(), 1) if "# here" in text)
    assert fired(code) == [("BR501", line)]


BR501_QUIET = {
    "verified": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["HS256"])
        """,
    "only logged": """
        import jwt, logging
        logger = logging.getLogger(__name__)
        def audit(token):
            claims = jwt.decode(token, options={"verify_signature": False})
            logger.warning(f"rejected token for {claims}")
        """,
    "peek at the issuer, then verify elsewhere": """
        import jwt
        def issuer_of(token):
            unverified = jwt.decode(token, options={"verify_signature": False})
            return unverified["iss"]
        """,
    "peek then verify in the same function": """
        import jwt
        def claims(token, keys):
            unverified = jwt.decode(token, options={"verify_signature": False})
            key = keys.for_tenant(unverified["tenant"])
            return jwt.decode(token, key, algorithms=["RS256"], audience="api")
        """,
    "own token expiry check in a client": """
        from jose import jwt
        import time
        class ApiClient:
            def token(self):
                claims = jwt.get_unverified_claims(self._token)
                if claims["exp"] < time.time() + 30:
                    self._token = self._login()
                return self._token
        """,
    "helper named for what it does": """
        import jwt
        def decode_unverified(token):
            return jwt.decode(token, options={"verify_signature": False})
        """,
    "is it a JWT at all": """
        import jwt
        def looks_like_jwt(token):
            try:
                jwt.decode(token, options={"verify_signature": False})
            except jwt.DecodeError:
                return False
            return True
        """,
    "audience off for own HS256 tokens": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
        """,
    "expired token decoded to revoke it": """
        import jwt
        def logout(token, key):
            claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})
            blocklist.add(claims["jti"])
        """,
    "audience flag from a parameter": """
        import jwt
        def decode(token, key, verify_aud=False):
            return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": verify_aud})
        """,
    "verification explicitly on": """
        from jose import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["RS256"], options={"verify_signature": True, "require_exp": True})
        """,
    "header only": """
        import jwt
        def kid(token):
            return jwt.get_unverified_header(token)["kid"]
        """,
    "other decode functions": """
        import base64, json
        def parse(raw, token):
            body = base64.urlsafe_b64decode(raw)
            text = token.decode("utf-8", errors="ignore")
            return json.JSONDecoder().decode(text), body
        """,
    "authlib claims validated": """
        from authlib.jose import jwt
        def user(token, key):
            claims = jwt.decode(token, key)
            claims.validate()
            return claims["sub"]
        """,
    "authlib claims returned to a validating caller": """
        from authlib.jose import jwt
        def decoded(token, keys):
            return jwt.decode(token, keys)
        """,
    "requests verify=False is BR702's": """
        import requests
        def fetch(url):
            return requests.get(url, verify=False).json()
        """,
}


@pytest.mark.parametrize("code", BR501_QUIET.values(), ids=BR501_QUIET.keys())
def test_br501_quiet_at_default_confidence(code):
    assert [c for c in fired(code) if c[0] == "BR501"] == []


def test_br501_peek_idioms_are_kept_at_low_confidence():
    assert confidences(BR501_QUIET["peek at the issuer, then verify elsewhere"]) == [("BR501", "LOW")]
    assert confidences(BR501_QUIET["peek then verify in the same function"]) == [("BR501", "LOW")]
    assert confidences(BR501_QUIET["helper named for what it does"]) == [("BR501", "LOW")]


def test_br501_confidence_by_shape():
    assert confidences(BR501_FIRES["options literal, claims trusted"]) == [("BR501", "HIGH")]
    assert confidences(BR501_FIRES["verify_exp off"]) == [("BR501", "MEDIUM")]


def test_br501_quiet_in_tests():
    assert fired(BR501_FIRES["options literal, claims trusted"], path="app/tests/test_auth.py", confidence="LOW") == []


def test_br501_message_names_the_call_and_the_switch():
    (finding,) = findings(BR501_FIRES["PyJWT 1.x verify=False"])
    assert "jwt.decode()" in finding.message and "verify=False" in finding.message


# ------------------------------------------------------------------------------------ BR502
BR502_FIRES = {
    "python-jose without algorithms": """
        from jose import jwt
        def claims(token, key):
            return jwt.decode(token, key)  # here
        """,
    "PyJWT 1.x without algorithms": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, verify=True)  # here
        """,
    "none accepted": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["HS256", "none"])  # here
        """,
    "None (any case) in a constant": """
        from jose import jwt as jose_jwt
        ALGORITHMS = ("HS256", "None")
        def claims(token, key):
            return jose_jwt.decode(token, key, algorithms=ALGORITHMS)  # here
        """,
    "header alg through locals": """
        import jwt
        def claims(token, key):
            header = jwt.get_unverified_header(token)
            alg = header["alg"]
            return jwt.decode(token, key, algorithms=[alg])  # here
        """,
    "header alg inline": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=[jwt.get_unverified_header(token)["alg"]])  # here
        """,
    "header alg with get()": """
        from jose import jwt
        def claims(token, key):
            unverified = jwt.get_unverified_header(token)
            return jwt.decode(token, key, algorithms=unverified.get("alg"))  # here
        """,
    "HS and RS mixed literally": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["RS256", "HS256"])  # here
        """,
    "HS and ES mixed in a local": """
        import jwt
        def claims(token, key):
            accepted = ["ES256", "HS512"]
            return jwt.decode(token, key, algorithms=accepted)  # here
        """,
    "positional algorithms": """
        from jose import jwt
        def claims(token, key):
            return jwt.decode(token, key, ["HS256", "RS256"])  # here
        """,
}


@pytest.mark.parametrize("code", BR502_FIRES.values(), ids=BR502_FIRES.keys())
def test_br502_fires(code):
    code = textwrap.dedent(code).removeprefix("\n")
    line = next(i for i, text in enumerate(code.splitlines(), 1) if "# here" in text)
    assert fired(code) == [("BR502", line)]


BR502_QUIET = {
    "pinned": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["HS256"])
        """,
    "pinned by a string constant": """
        from jose import jwt
        ALGORITHM = "HS256"
        def claims(token, key):
            return jwt.decode(token, key, algorithms=ALGORITHM)
        """,
    "pinned by configuration": """
        import jwt
        from django.conf import settings
        def claims(token, key):
            return jwt.decode(token, key, algorithms=settings.JWT_ALGORITHMS)
        """,
    "one family only": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["RS256", "PS256", "ES256"])
        """,
    "header alg allow-listed": """
        import jwt
        def claims(token, key):
            alg = jwt.get_unverified_header(token)["alg"]
            if alg not in ("RS256", "RS512"):
                raise PermissionError(alg)
            return jwt.decode(token, key, algorithms=[alg])
        """,
    "header chooses the key, code the algorithm": """
        import jwt
        def claims(token, jwks):
            header = jwt.get_unverified_header(token)
            if header.get("alg") == "RS256":
                return jwt.decode(token, jwks[header["kid"]], algorithms=["RS256"])
            return jwt.decode(token, SECRET, algorithms=["HS256"])
        """,
    "arguments unpacked": """
        import jwt
        def claims(token, **kwargs):
            return jwt.decode(token, **kwargs)
        """,
    "signature check off (BR501)": """
        import jwt
        def peek(token):
            return jwt.decode(token, options={"verify_signature": False})
        """,
    "not a JWT library": """
        def claims(codec, token, key):
            return codec.decode(token, key)
        """,
}


@pytest.mark.parametrize("code", BR502_QUIET.values(), ids=BR502_QUIET.keys())
def test_br502_quiet(code):
    assert [c for c in fired(code, confidence="LOW") if c[0] == "BR502"] == []


def test_br502_messages_say_what_is_wrong():
    messages = {name: findings(code)[0].message for name, code in BR502_FIRES.items()}
    assert "no algorithms=" in messages["python-jose without algorithms"]
    assert '"none"' in messages["none accepted"]
    assert "header" in messages["header alg through locals"]
    assert "algorithm confusion" in messages["HS and RS mixed literally"]


# ------------------------------------------------------------------------------------ BR503
BR503_FIRES = {
    "literal payload": """
        import jwt
        def login(user, key):
            return jwt.encode({"sub": str(user.id), "role": user.role}, key, algorithm="HS256")  # here
        """,
    "local payload with iat only": """
        import jwt, datetime
        def login(user):
            payload = {"user_id": user.id, "iat": datetime.datetime.utcnow()}
            token = jwt.encode(payload, SECRET_KEY, algorithm="HS256")  # here
            return {"token": token}
        """,
    "dict() payload": """
        from jose import jwt
        def login(user):
            return jwt.encode(dict(sub=user.email), SECRET)  # here
        """,
    "payload stores without exp": """
        import jwt
        def login(user):
            payload = {}
            payload["sub"] = user.id
            payload["admin"] = user.is_admin
            return jwt.encode(payload, SECRET, algorithm="HS256")  # here
        """,
    "module constant key names": """
        import jwt
        USER_FIELD = "uid"
        def login(user):
            return jwt.encode({USER_FIELD: user.id}, SECRET, algorithm="HS256")  # here
        """,
    "helper called with a payload": """
        import jwt
        def _token(claims):
            return jwt.encode(claims, SECRET, algorithm="HS256")
        def login(user):
            return _token({"sub": user.id})  # here
        """,
    "method helper": """
        import jwt
        class Tokens:
            def sign(self, claims):
                return jwt.encode(claims, self.key, algorithm="HS256")
            def for_user(self, user):
                return self.sign({"sub": user.id})  # here
        """,
    "authlib payload is the second argument": """
        from authlib.jose import jwt
        def token(user, key):
            return jwt.encode({"alg": "RS256"}, {"sub": user.id, "iss": "me"}, key)  # here
        """,
    "jwcrypto claims": """
        from jwcrypto import jwt
        def token(user, key):
            t = jwt.JWT(header={"alg": "HS256"}, claims={"sub": user.id})  # here
            t.make_signed_token(key)
            return t.serialize()
        """,
    "flask-jwt-extended expires_delta=False": """
        from flask_jwt_extended import create_access_token
        def login(user):
            return create_access_token(identity=user.id, expires_delta=False)  # here
        """,
    "flask-jwt-extended config": """
        app.config["JWT_ACCESS_TOKEN_EXPIRES"] = False  # here
        """,
    "flask-jwt-extended config class": """
        class Config:
            JWT_REFRESH_TOKEN_EXPIRES = False  # here
        """,
}


@pytest.mark.parametrize("code", BR503_FIRES.values(), ids=BR503_FIRES.keys())
def test_br503_fires(code):
    code = textwrap.dedent(code).removeprefix("\n")
    line = next(i for i, text in enumerate(code.splitlines(), 1) if "# here" in text)
    assert fired(code) == [("BR503", line)]


BR503_QUIET = {
    "exp in the literal": """
        import jwt
        from datetime import datetime, timedelta, timezone
        def login(user):
            now = datetime.now(timezone.utc)
            return jwt.encode({"sub": user.id, "iat": now, "exp": now + timedelta(minutes=15)}, SECRET, algorithm="HS256")
        """,
    "exp stored later": """
        import jwt
        def login(user, ttl):
            payload = {"sub": user.id}
            payload["exp"] = now() + ttl
            return jwt.encode(payload, SECRET, algorithm="HS256")
        """,
    "exp through a constant key": """
        import jwt
        EXPIRES = "exp"
        def login(user):
            return jwt.encode({"sub": user.id, EXPIRES: soon()}, SECRET, algorithm="HS256")
        """,
    "payload updated": """
        import jwt
        def login(user, extra):
            payload = {"sub": user.id}
            payload.update(extra)
            return jwt.encode(payload, SECRET, algorithm="HS256")
        """,
    "payload handed to a helper first": """
        import jwt
        def login(user):
            payload = {"sub": user.id}
            add_standard_claims(payload)
            return jwt.encode(payload, SECRET, algorithm="HS256")
        """,
    "spread": """
        import jwt
        def login(user, claims):
            return jwt.encode({**claims, "sub": user.id}, SECRET, algorithm="HS256")
        """,
    "parameter with no caller in sight": """
        import jwt
        def sign(payload):
            return jwt.encode(payload, SECRET, algorithm="HS256")
        """,
    "schema dump": """
        from jose import jwt
        def login(user):
            return jwt.encode(TokenPayload(sub=user.id, exp=soon()).model_dump(), SECRET)
        """,
    "helper callers all set exp": """
        import jwt
        def _token(claims):
            return jwt.encode(claims, SECRET, algorithm="HS256")
        def login(user):
            return _token({"sub": user.id, "exp": soon()})
        """,
    "flask-jwt-extended with a lifetime": """
        from datetime import timedelta
        from flask_jwt_extended import create_access_token
        def login(user):
            return create_access_token(identity=user.id, expires_delta=timedelta(minutes=15))
        """,
    "jwcrypto default claims": """
        from jwcrypto import jwt
        def token(user):
            return jwt.JWT(header={"alg": "HS256"}, claims={"sub": user.id}, default_claims={"exp": None})
        """,
    "str.encode": """
        def body(text):
            return text.encode("utf-8")
        """,
}


@pytest.mark.parametrize("code", BR503_QUIET.values(), ids=BR503_QUIET.keys())
def test_br503_quiet(code):
    assert [c for c in fired(code, confidence="LOW") if c[0] == "BR503"] == []


def test_br503_home_made_expiry_is_low_confidence():
    code = """
        import jwt
        def login(user):
            return jwt.encode({"sub": user.id, "expires_at": later()}, SECRET, algorithm="HS256")
        """
    assert fired(code) == []
    assert confidences(code) == [("BR503", "LOW")]


def test_br503_quiet_in_tests():
    assert fired(BR503_FIRES["literal payload"], path="tests/test_login.py", confidence="LOW") == []


# ------------------------------------------------------------------- regressions from real code
def test_br501_routing_claim_read_from_a_constant_is_a_peek():
    code = """
        import jwt
        OWNER_FIELD = "owner"
        def is_our_token(token):
            payload = jwt.decode(token, options={"verify_signature": False})
            return payload.get(OWNER_FIELD) == "us"
        """
    assert confidences(code) == [("BR501", "LOW")]


def test_br501_stand_in_service_for_development_is_low():
    code = """
        import jwt
        class NullPublisherService(PublisherService):
            def verify(self, token):
                return Claims(jwt.decode(token, options={"verify_signature": False}, audience=self.audience))
        """
    assert confidences(code) == [("BR501", "LOW")]


def test_br502_explicit_none_and_every_algorithm():
    code = """
        import jwt
        from jwt.algorithms import get_default_algorithms
        def claims(token, key):
            jwt.decode(token, key, algorithms=None)
            return jwt.decode(token, key, algorithms=list(get_default_algorithms()))
        """
    assert fired(code) == [("BR502", 4), ("BR502", 5)]
    assert "every algorithm" in findings(code)[1].message


BR503_HELPERS_FIRE = {
    "FastAPI-style create_access_token without exp": """
        from jose import jwt
        def create_access_token(data: dict):
            to_encode = data.copy()
            return jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)
        async def login(form):
            return {"access_token": create_access_token(data={"sub": form.username})}  # here
        """,
    "spread of a parameter with iat added": """
        import jwt
        def token_for(claims, now):
            return jwt.encode({**claims, "iat": now}, SECRET, algorithm="HS256")
        def login(user):
            return token_for({"sub": user.id}, now())  # here
        """,
    "claims built by a function of the module": """
        import jwt
        def claims_for(user):
            return {"sub": user.id, "scope": "api"}
        def login(user):
            return jwt.encode(claims_for(user), SECRET, algorithm="HS256")  # here
        """,
}


@pytest.mark.parametrize("code", BR503_HELPERS_FIRE.values(), ids=BR503_HELPERS_FIRE.keys())
def test_br503_follows_helpers_of_the_module(code):
    code = textwrap.dedent(code).removeprefix("\n")
    line = next(i for i, text in enumerate(code.splitlines(), 1) if "# here" in text)
    assert fired(code) == [("BR503", line)]


BR503_HELPERS_QUIET = {
    "FastAPI tutorial: exp added by update": """
        from datetime import datetime, timedelta, timezone
        from jose import jwt
        def create_access_token(data: dict, expires_delta: timedelta | None = None):
            to_encode = data.copy()
            expire = datetime.now(timezone.utc) + (expires_delta or timedelta(minutes=15))
            to_encode.update({"exp": expire})
            return jwt.encode(to_encode, SECRET_KEY, algorithm=ALGORITHM)
        def login(form):
            return create_access_token(data={"sub": form.username})
        """,
    "exp stored into the copy": """
        import jwt
        def create_token(data, ttl):
            to_encode = dict(data)
            to_encode["exp"] = now() + ttl
            return jwt.encode(to_encode, SECRET, algorithm="HS256")
        def login(user):
            return create_token({"sub": user.id}, 900)
        """,
    "callers pass exp": """
        import jwt
        def create_token(data):
            return jwt.encode(data.copy(), SECRET, algorithm="HS256")
        def login(user):
            return create_token({"sub": user.id, "exp": soon()})
        """,
    "one of the returned dicts has exp": """
        import jwt
        def claims_for(user, remember):
            if remember:
                return {"sub": user.id}
            return {"sub": user.id, "exp": soon()}
        def login(user):
            return jwt.encode(claims_for(user, False), SECRET, algorithm="HS256")
        """,
}


@pytest.mark.parametrize("code", BR503_HELPERS_QUIET.values(), ids=BR503_HELPERS_QUIET.keys())
def test_br503_helpers_quiet(code):
    assert fired(code, confidence="LOW") == []


def test_br501_function_that_claims_to_verify_but_only_prints():
    code = """
        import jwt
        def insecure_verify(token):
            decoded = jwt.decode(token, verify=False)
            print(decoded)
            return True
        """
    assert confidences(code) == [("BR501", "HIGH")]


def test_br501_unused_or_logged_elsewhere_is_low():
    assert confidences(BR501_QUIET["only logged"]) == [("BR501", "LOW")]
    assert confidences(BR501_QUIET["is it a JWT at all"]) == [("BR501", "LOW")]


# ----- BR503: tokens minted for this program's own calls to another service (issue 12)
OUTGOING = {
    "header builder for a vendor API": """
        import datetime
        import jwt
        class Vendor:
            def generate_header(self, key, secret):
                header = {"date": datetime.datetime.utcnow().isoformat()}
                token = jwt.encode({"iss": key}, secret, algorithm="HS256")
                header["Authorization"] = "Bearer %s" % token
                return header
    """,
    "token sent with requests": """
        import jwt
        import requests
        def push(event, key, secret):
            token = jwt.encode({"iss": key}, secret, algorithm="HS256")
            return requests.post("https://vendor.example/api", json=event,
                                 headers={"Authorization": f"Bearer {token}"}, timeout=5)
    """,
}


@pytest.mark.parametrize("code", OUTGOING.values(), ids=OUTGOING.keys())
def test_br503_token_for_an_outgoing_request_is_low(code):
    assert confidences(code) == [("BR503", "LOW")]


def test_br503_token_returned_to_the_client_in_a_header_keeps_its_confidence():
    code = """
        import jwt
        def login(response, user, secret):
            token = jwt.encode({"sub": str(user.id)}, secret, algorithm="HS256")
            response.headers["Authorization"] = f"Bearer {token}"
            return response
    """
    assert confidences(code) == [("BR503", "MEDIUM")]


def test_br501_unverified_claims_message_names_the_call_once():
    code = """
        from jose import jwt
        def current_user(token):
            claims = jwt.get_unverified_claims(token)
            return claims["sub"]
    """
    (finding,) = findings(code)
    assert finding.message.startswith("jwt.get_unverified_claims() reads claims without a signature check;")
