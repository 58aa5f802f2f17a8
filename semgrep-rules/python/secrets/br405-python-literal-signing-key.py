import hashlib
import hmac
import os

import jwt
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from jose import jwt as jose_jwt

app = Flask(__name__)
# ruleid: br405-python-literal-signing-key
app.secret_key = "dev-secret-key-123"
# ruleid: br405-python-literal-signing-key
app.config["SECRET_KEY"] = "another-literal"
# ruleid: br405-python-literal-signing-key
app.config.update(SECRET_KEY="literal-in-update", DEBUG=False)


def issue(payload):
    # ruleid: br405-python-literal-signing-key
    return jwt.encode(payload, "my-jwt-secret", algorithm="HS256")


def verify(token):
    # ruleid: br405-python-literal-signing-key
    return jwt.decode(token, key="my-jwt-secret", algorithms=["HS256"])


def verify_fallback(token):
    # ruleid: br405-python-literal-signing-key
    return jwt.decode(token, os.environ.get("JWT_SECRET", "insecure-dev-secret"), algorithms=["HS256"])


def jose_issue(claims):
    # ruleid: br405-python-literal-signing-key
    return jose_jwt.encode(claims, "jose-literal", algorithm="HS256")


def sign(body: bytes) -> str:
    # ruleid: br405-python-literal-signing-key
    return hmac.new(b"webhook-signing-key", body, hashlib.sha256).hexdigest()


def sign2(body: bytes) -> str:
    # ruleid: br405-python-literal-signing-key
    return hmac.new("webhook-signing-key".encode(), body, hashlib.sha256).hexdigest()


# ruleid: br405-python-literal-signing-key
serializer = URLSafeTimedSerializer("reset-token-key")


# ---------------------------------------------------------------- negatives

# ok: br405-python-literal-signing-key
app.secret_key = os.environ["FLASK_SECRET_KEY"]


def issue_env(payload):
    # ok: br405-python-literal-signing-key
    return jwt.encode(payload, os.environ["JWT_SECRET"], algorithm="HS256")


def verify_settings(token, settings):
    # ok: br405-python-literal-signing-key
    return jwt.decode(token, settings.JWT_PUBLIC_KEY, algorithms=["RS256"])


def sign_env(body: bytes) -> str:
    key = os.environ["WEBHOOK_KEY"].encode()
    # ok: br405-python-literal-signing-key
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def unrelated(data):
    # ok: br405-python-literal-signing-key
    return hashlib.sha256(b"salt" + data).hexdigest()
