"""A Flask config object whose secrets fall back with `or`, beside the fixed twin."""

import os


class InsecureConfig:
    SECRET_KEY = os.environ.get("SECRET_KEY") or "flask-dev-secret-key"  # expect: BR404
    MAIL_PASSWORD = os.getenv("MAIL_PASSWORD") or "mail-Pw-2f9d"  # expect: BR404
    MAIL_TIMEOUT = os.getenv("MAIL_TIMEOUT") or "30"


class Config:
    SECRET_KEY = os.environ["SECRET_KEY"]
    MAIL_PASSWORD = os.environ["MAIL_PASSWORD"]
    MAIL_TIMEOUT = os.getenv("MAIL_TIMEOUT") or "30"
