"""BR4xx confidence of development defaults (issue 12): true, but not what a reviewer acts on first.

Real backends ship settings for a laptop or a CI run beside the production ones: a database
password that repeats the user name (``"USER": "shop", "PASSWORD": "shop"``), Stripe test-mode
keys of a mock service, settings modules named for tests or docker-compose. They are reported with
LOW confidence (still shown with ``--min-confidence LOW``); the near miss beside each, a credential
that could be real, keeps its confidence. A fallback such as ``"supersecret"`` is a near miss too:
the app runs with a key anyone can guess when the variable is missing, which is BR404's point.
Code written for this test only.
"""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def found(code: str, path: str = "app/settings.py") -> list[tuple[str, int, str]]:
    config = Config(select=("BR4",), min_confidence="LOW")
    source = textwrap.dedent(code).removeprefix("\n")
    return [(f.code, f.line, f.confidence) for f in check_source(source, path, config, project_loader=lambda: None)]


LOW_DEFAULTS = {
    "database password repeating the user": ("""
        DATABASES = {
            "default": {
                "NAME": "shop",
                "USER": "shop",
                "PASSWORD": "shop",
            }
        }
    """, "BR401"),
    "env fallback repeating the user's fallback": ("""
        import os
        DATABASES = {"default": {
            "USER": os.getenv("APP_DBUSER", "ledger"),
            "PASSWORD": os.getenv("APP_DBPASS", "ledger"),
        }}
    """, "BR404"),
    "settings field doubling the user name": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            MINIO_USER: str = "acme"
            MINIO_PWD: str = "acmeacme"
    """, "BR404"),
    "secret access key made of the user name and digits": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            STORAGE_USER: str = "acme"
            STORAGE_SECRET_ACCESS_KEY: str = "acme123456789"
    """, "BR404"),
    "stripe test-mode key of a mock service": ("""
        class MockBilling:
            @classmethod
            def create(cls):
                api_key = "sk_test_123"
                return cls(api_key)
    """, "BR401"),
    "numeric webhook secret behind a prefix": ("""
        def mock():
            webhook_secret = "whsec_123"
            return webhook_secret
    """, "BR401"),
    "URL whose password is made from the user's name": ("""
        from environs import Env
        env = Env()
        STORAGE_URI = env.str("STORAGE_URI", "postgres://sync_storage:sync_password@db:5432/app")
    """, "BR403"),
    "URL whose password repeats the user": ("""
        import dj_database_url
        DATABASES = {"default": dj_database_url.config(default="postgres://shop:shop@localhost:5432/shop")}
    """, "BR403"),
}


@pytest.mark.parametrize("code, rule", LOW_DEFAULTS.values(), ids=list(LOW_DEFAULTS))
def test_development_defaults_are_low(code, rule):
    results = found(code)
    assert results and all(c == rule and conf == "LOW" for c, _, conf in results), results


NEAR_MISSES = {
    "database password unlike the user": ("""
        DATABASES = {"default": {"USER": "shop", "PASSWORD": "Wq7pLr2vXz"}}
    """, "BR401"),
    "settings field with a random default": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            DOWNLOAD_SECRET: str = "f9Kx2mQp7Lw3Zr8T"
    """, "BR404"),
    "digits after a word no other literal holds": ("""
        import os
        PASSWORD = os.environ.get("DB_PWD", "marmalade2024")
        USER = os.environ.get("DB_USER", "admin")
    """, "BR404"),
    "one-word password used once": ("""
        import os
        PASSWORD = os.environ.get("DB_PWD", "marmalade")
    """, "BR404"),
    "URL whose password merely contains a short user name": ("""
        DATABASE_URL = "postgresql://api:Api-Pg-Secr3t@db.internal:5432/api"
    """, "BR403"),
    "URL with a real-looking password": ("""
        BROKER_URL = "redis://app:Zr8Tq2Wm9@cache.internal:6379/0"
    """, "BR403"),
    "live stripe key": ("""
        stripe_api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dX"
    """, None),
    "settings field named after what it is": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            DOWNLOAD_SECRET: str = "supersecret"
    """, "BR404"),
    "jwt secret sentence default": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            SECRET: str = "super secret jwt secret"
    """, "BR404"),
    "fallback secret key": ("""
        import os
        SECRET_KEY = os.environ.get("SECRET_KEY", "dev-secret-key")
    """, "BR404"),
    "django secret key in base settings": ("""
        SECRET_KEY = "aw3+t2r(8(0kkrhg8)gx6i96v5^kv%6cfep9wxfom0%7dy0m9e"
    """, "BR405"),
}


@pytest.mark.parametrize("code, rule", NEAR_MISSES.values(), ids=list(NEAR_MISSES))
def test_credentials_that_could_be_real_keep_their_confidence(code, rule):
    results = found(code)
    assert results and all(conf != "LOW" for _, _, conf in results), results
    if rule is not None:
        assert {c for c, _, _ in results} == {rule}


DEV_SETTINGS_FILES = [
    "netbox/configuration_testing.py",
    "app/settings/docker_compose.py",
    "app/settings/dev.py",
    "app/settings/development.py",
    "testserver.py",
    "scripts/smoketest_configuration.py",
    "docs/django_settings.py",
]


@pytest.mark.parametrize("path", DEV_SETTINGS_FILES)
def test_development_and_test_settings_modules_are_low(path):
    code = """
        import os
        SECRET_KEY = "k2Pq9wLx7Rz4Tm8Vn3Bc6Yd1"
        DATABASES = {"default": {"PASSWORD": "Wq7pLr2vXz"}}
        EMAIL_HOST_PASSWORD = os.getenv("EMAIL_PASSWORD", "Hq3Lr8Wm2Zx")
    """
    results = found(code, path)
    assert len(results) == 3 and all(conf == "LOW" for _, _, conf in results), results


@pytest.mark.parametrize("path", ["app/settings/production.py", "app/settings/local.py", "app/settings.py",
                                  "app/configuration.py", "app/latest_settings.py"])
def test_other_settings_modules_keep_their_confidence(path):
    results = found('SECRET_KEY = "k2Pq9wLx7Rz4Tm8Vn3Bc6Yd1"\n', path)
    assert results == [("BR405", 1, "HIGH")]


def test_a_guard_refusing_the_default_is_not_another_secret():
    code = """
        import os
        DEBUG = os.getenv("DEBUG") == "1"
        SECRET_KEY = os.getenv("SECRET_KEY", "k2Pq9wLx7Rz4Tm8Vn3Bc")
        if not DEBUG and SECRET_KEY == "k2Pq9wLx7Rz4Tm8Vn3Bc":
            raise RuntimeError("set SECRET_KEY in production")
        assert SECRET_KEY != "k2Pq9wLx7Rz4Tm8Vn3Bc" or DEBUG
    """
    assert [(c, line) for c, line, _ in found(code)] == [("BR404", 3)]


def test_a_check_that_demands_a_literal_is_the_hardcoded_credential():
    code = """
        def authorize(api_key):
            if api_key != "k2Pq9wLx7Rz4Tm8Vn3Bc":
                raise PermissionError("bad key")
    """
    assert [(c, line) for c, line, _ in found(code, "app/auth.py")] == [("BR401", 2)]


def test_a_generated_key_used_twice_keeps_its_confidence():
    code = """
        import jwt
        def issue(claims):
            return jwt.encode(claims, "a8f9d7e6c5b4a3f2", algorithm="HS256")
        def read(token):
            return jwt.decode(token, "a8f9d7e6c5b4a3f2", algorithms=["HS256"])
    """
    results = found(code, "app/tokens.py")
    assert results and all(conf != "LOW" for _, _, conf in results), results
