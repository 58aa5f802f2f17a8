"""BR4xx precision on real-project shapes: labels, keys, markers and examples are not credentials.

Each class below is a false alarm seen on a real backend, reproduced with code written for this
test (no third-party code), next to the near miss that must still be reported.
"""

from __future__ import annotations

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.rules.secrets.value_kinds import (
    is_dummy, is_label, is_no_password_marker, is_placeholder, jwt_expired,
)
from tests.conftest import run


def found(code: str, path: str = "app/module.py") -> list[tuple[str, int, str]]:
    """(code, line, confidence) of every BR4 finding, LOW ones included."""
    config = Config(select=("BR4",), min_confidence="LOW")
    return [(f.code, f.line, f.confidence) for f in check_source(code, path, config, project_loader=lambda: None)]


def shown(code: str, path: str = "app/module.py") -> list[tuple[str, int]]:
    """What the default output (MEDIUM and above) shows."""
    return [(f.code, f.line) for f in run(code, path, ("BR4",))]


# ------------------------------------------------------------------------ labels, not secrets
LABELS = {
    "event tags in an enum subclass": (
        "import enum\n\nclass AuditTagEnum(enum.StrEnum):\n    pass\n\n"
        "class AuditTag:\n    class User(AuditTagEnum):\n"
        '        PasswordChanged = "user:password:changed"\n'
        '        ApiTokenCreated = "user:api_token:created"\n'
    ),
    "enum label that is a sentence": (
        "from enum import Enum\n\nclass LockReason(Enum):\n"
        '    LeakedPassword = "password leaked"\n    Spam = "spam"\n'
    ),
    "token types in a StrEnum": (
        "from enum import StrEnum\n\nclass GrantKind(StrEnum):\n"
        '    access_token = "shop_access_token"\n    refresh_token = "shop_refresh_token"\n'
        '    client_secret = "shop_client_secret"\n'
    ),
    "token types in Django choices": (
        "from django.db import models\n\nclass TokenKind(models.TextChoices):\n"
        '    API_TOKEN = "api-token-kind", "API token"\n'
    ),
    "enum member naming its own token type": 'REFRESH_TOKEN = "refresh_token"\nACCESS_TOKEN = "ACCESS_TOKEN"\n',
    "namespaced lock key": 'SEARCH_REINDEX_TOKEN = "search:reindex:full"\n',
    "namespaced message id": (
        "class DeployError(Exception):\n"
        '    DEPLOY_KEY_READ_ONLY = "deploy:user:deploy-key-read-only"\n'
    ),
    "cache key in a settings module": 'SESSION_TOKEN_CACHE = "auth:session:token"\n',
    "label spelling the name": 'class Scopes:\n    SecretRead = "secret read"\n',
    "parser sentinel with control characters": (
        "def hydrate(tag, i):\n    if tag:\n        token = \"\\x02%i\\x02\" % i\n"
        "    else:\n        token = \"\\x02/end\\x02\"\n    return token\n"
    ),
    "schema naming the secret field": (
        "def schema():\n    return {\n        \"type\": \"object\",\n"
        "        \"properties\": {\"hook\": {\"type\": \"string\"}, \"room\": {\"type\": \"string\"}},\n"
        "        \"secret\": \"hook\",\n    }\n"
    ),
    "type map": 'FIELD_TYPES = {"password": "string", "token": "str"}\n',
    "stock test credentials": 'SCHEMA_DB_CREDENTIALS = "foo:bar"\n',
}


@pytest.mark.parametrize("code", LABELS.values(), ids=LABELS.keys())
def test_labels_are_not_secrets(code):
    assert found(code) == []


STILL_SECRETS = {
    "snake_case value that does not spell the name": "email_pwd = 'mailbox_secret'\n",
    "snake_case value that spells the name and more": 'API_KEY = "my_api_key_123"\n',
    "snake_case signing key": 'class Settings:\n    SECRET_KEY = "my_secret_key"\n',
    "snake_case password": 'DB_PASSWORD = "db_password_123"\n',
    "kebab value spelling the name": 'API_KEY = "my-api-key"\n',
    "signing key spelling its name": 'SECRET_KEY = "secret-key"\n',
    "a real key in an ordinary class": 'class Upstream:\n    api_token = "t0k-9f8e7d6c5b"\n',
    "two-part credentials": 'BROKER_CREDENTIALS = "worker:w0rk3r-pw"\n',
    "password that is two words": 'ADMIN_PASSWORD = "purple monkey"\n',
}


@pytest.mark.parametrize("code", STILL_SECRETS.values(), ids=STILL_SECRETS.keys())
def test_near_misses_are_still_secrets(code):
    assert [c for c, _, conf in found(code) if conf != "LOW"], found(code)


def test_is_label():
    assert is_label("account:api_token:added", "ApiTokenAdded")
    assert is_label("password compromised", "CompromisedPassword")
    assert not is_label("acme_refresh_token", "refresh_token")  # a label only inside an enum
    assert not is_label("my-api-key", "API_KEY")
    assert not is_label("my_api_key_123", "API_KEY")
    assert not is_label("mailbox_secret", "email_pwd")
    assert not is_label("S3cr3t_Pass", "PASSWORD")


# ------------------------------------------------------------------------ SSO marker passwords
@pytest.mark.parametrize("value", ["!", "!unusable", "unusable", "sso"])
def test_no_password_markers(value):
    code = (
        "def provision(User, email):\n"
        f'    user = User(email=email, password="{value}")\n'
        f'    user.set_password("{value}")\n'
        "    return user\n"
    )
    assert found(code) == []
    assert is_no_password_marker(value)


def test_a_password_starting_with_a_bang_and_more_is_still_a_password():
    assert not is_no_password_marker("!Zx9-deploy")
    assert shown('def f(User):\n    User(password="!Zx9-deploy")\n') == [("BR401", 2)]


# ------------------------------------------------------------------------ placeholders
def test_placeholder_fallbacks_are_low():
    code = (
        "import os\n"
        'API_KEY = os.getenv("API_KEY", "dummy key")\n'
        'ADMIN_PASSWORD = os.environ.get("ADMIN_PASSWORD", "changeme")\n'
        'SIGNING_SECRET = os.getenv("SIGNING_SECRET", "your-signing-secret-here")\n'
        'JWT_SECRET = os.getenv("JWT_SECRET", "dev-jwt-s3cret")\n'
    )
    assert found(code) == [("BR404", 2, "LOW"), ("BR404", 3, "LOW"), ("BR404", 5, "HIGH")]
    assert shown(code) == [("BR404", 5)]


def test_placeholder_settings_defaults_are_low():
    code = (
        "from pydantic_settings import BaseSettings\n\n"
        "class Settings(BaseSettings):\n"
        '    GATEWAY_API_KEY: str = "DummyKey"\n'
        '    MAIL_PASSWORD: str = "change-me"\n'
        '    REDIS_PASSWORD: str = "r3dis-local"\n'
    )
    assert found(code) == [("BR404", 4, "LOW"), ("BR404", 5, "LOW"), ("BR404", 6, "HIGH")]


def test_dummy_values_bound_to_secrets_are_low_but_weak_passwords_are_not():
    code = (
        'PAYMENT_API_KEY = "DummyKey"\n'
        'plugin_config = {"bot_token": "123"}\n'
        'ADMIN_PASSWORD = "changeme"\n'
        'ADMIN_PIN_PASSWORD = "1234"\n'
    )
    assert found(code) == [("BR401", 1, "LOW"), ("BR401", 2, "LOW"), ("BR401", 3, "HIGH"), ("BR401", 4, "HIGH")]


def test_placeholder_words():
    assert is_dummy("DummyKey") and is_dummy("dummy key") and is_dummy("AAAAAAAAAAAA")
    assert is_dummy("123", kind="token") and not is_dummy("123", kind="password")
    assert is_placeholder("changeme") and is_placeholder("change-me") and not is_dummy("changeme")
    assert not is_placeholder("insecure-dev-key") and not is_placeholder("django-insecure-q8#w7^b2@9x!k")


def test_a_guard_against_the_placeholder_is_not_a_secret():
    code = (
        "import os\n"
        'SECRET_KEY = os.getenv("APP_SECRET_KEY")\n'
        'if not SECRET_KEY or SECRET_KEY == "change-me":\n'
        '    raise RuntimeError("APP_SECRET_KEY must be set")\n'
        'assert os.environ["DB_PASSWORD"] != "changeme"\n'
    )
    assert found(code) == []


def test_a_login_check_against_a_weak_password_is_still_reported():
    code = 'def login(password):\n    if password == "changeme":\n        return True\n'
    assert shown(code) == [("BR401", 2)]


# ------------------------------------------------------------------------ documented examples
@pytest.mark.parametrize("token", [
    "ghs_16C7e42F292c6912E7710c838347Ae178B4a",  # GitHub REST docs, installation token
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "AKIAIOSFODNN7EXAMPLE",  # AWS docs
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # Stripe API reference
])
def test_documented_example_tokens_are_quiet(token):
    code = f'def test_app(client):\n    client.post("/hook", json={{"token": "{token}"}})\n'
    assert found(code, "tests/test_hooks.py") == []
    assert found(f'TOKEN = "{token}"\n') == []


def test_aws_documented_secret_key_is_quiet():
    code = 'import boto3\nboto3.client("s3", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")\n'
    assert found(code) == []


def test_a_real_looking_github_token_in_tests_stays_high():
    code = 'TOKEN = "ghs_9Zq8Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu"\n'
    assert found(code, "tests/test_app.py") == [("BR402", 1, "HIGH")]


# ------------------------------------------------------------------------ test JWTs and keys
# {"alg": "HS256", "typ": "JWT"} . {"exp": 946684800} (1 January 2000) . a made-up signature
EXPIRED_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjk0NjY4NDgwMH0.Zm9yLXRlc3RzLW9ubHktbm90LWEta2V5"
# {"alg": "HS256", "typ": "JWT"} . {"sub": "42"} . a made-up signature
OPEN_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.UmVhbFNpZ25hdHVyZVZhbHVlMTIzNDU2Nzg"


def test_jwts_in_test_code_are_low():
    code = f'EXPIRED = "{EXPIRED_JWT}"\nCURRENT = "{OPEN_JWT}"\n'
    assert found(code, "src/pkg/tests/test_auth.py") == [("BR402", 1, "LOW"), ("BR402", 2, "LOW")]
    assert shown(code, "src/pkg/tests/test_auth.py") == []


def test_an_expired_jwt_is_low_anywhere_and_a_live_one_is_high():
    code = f'EXPIRED = "{EXPIRED_JWT}"\nCURRENT = "{OPEN_JWT}"\n'
    assert found(code, "app/client.py") == [("BR402", 1, "LOW"), ("BR402", 2, "HIGH")]
    assert jwt_expired(EXPIRED_JWT) and not jwt_expired(OPEN_JWT)


def test_private_keys_in_test_code_are_low():
    body = "MIIEowIBAAKCAQEA7d3Kq9Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7BuQ1Zx7Vb2Nm4Pw6Ty1a8Kd93Lq0MIIEowIBAAKCAQEA"
    code = f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----"""\n'
    assert found(code, "tests/fixtures/keys.py") == [("BR402", 1, "LOW")]
    assert found(code, "app/keys.py") == [("BR402", 1, "HIGH")]


# ------------------------------------------------------------------------ test configuration classes
def test_a_testing_config_class_key_is_low():
    code = (
        "import os\n\nclass Config:\n    SECRET_KEY = os.environ['SECRET_KEY']\n\n"
        "class TestingConfig(Config):\n    TESTING = True\n    SECRET_KEY = 'AAAAAAAAAAAAAAAAAAAA'\n"
        "\nclass DevelopmentConfig(Config):\n    SECRET_KEY = 'dev-k3y-not-for-prod'\n"
    )
    assert found(code) == [("BR405", 8, "LOW"), ("BR405", 11, "HIGH")]


def test_seed_scripts_are_low():
    code = 'def seed(User):\n    user = User(username="demo")\n    user.set_password("123123")\n'
    assert found(code, "scripts/seed_demo.py") == [("BR401", 3, "LOW")]
    assert found(code, "app/accounts.py") == [("BR401", 3, "HIGH")]


# ------------------------------------------------------------------------ pydantic BaseSettings (recall)
SETTINGS_DEFAULTS = {
    "a sentence as the default": (
        "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
        '    SECRET: str = "super secret jwt secret"\n'
    ),
    "pydantic v1 BaseSettings under an alias": (
        "from pydantic import BaseSettings as SettingsBase\n\nclass AppConfig(SettingsBase):\n"
        '    jwt_secret: str = "jwt-dev-9f8e"\n'
    ),
    "module attribute": (
        "import pydantic_settings\n\nclass Settings(pydantic_settings.BaseSettings):\n"
        '    API_TOKEN: str = "tok-dev-5678"\n'
    ),
    "subclass of a settings class of the module": (
        "from pydantic_settings import BaseSettings\n\nclass Base(BaseSettings):\n    debug: bool = False\n\n"
        'class Production(Base):\n    DB_PASSWORD: str = "pg-pr0d"\n'
    ),
    "Field default": (
        "from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
        '    webhook_secret: str = Field(default="whk-dev-1")\n'
    ),
}


@pytest.mark.parametrize("code", SETTINGS_DEFAULTS.values(), ids=SETTINGS_DEFAULTS.keys())
def test_base_settings_secret_defaults(code):
    last = code.rstrip("\n").count("\n") + 1
    assert shown(code) == [("BR404", last)]


def test_bare_secret_words_as_defaults_are_low():
    code = (
        "import os\nfrom pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
        '    SECRET: str = "secret"\n\n'
        'MAIL_PASSWORD = os.getenv("MAIL_PASSWORD", "password")\n'
    )
    assert found(code) == [("BR404", 5, "LOW"), ("BR404", 7, "LOW")]


def test_base_settings_fields_that_are_not_secrets():
    code = (
        "from pydantic_settings import BaseSettings\n\nclass Settings(BaseSettings):\n"
        '    SECRET: str\n    TOKEN_URL: str = "https://auth.example.com/token"\n'
        '    SECRET_NAME: str = "prod/api/secret"\n    API_KEY: str = ""\n'
    )
    assert found(code) == []


def test_django_settings_classes_are_not_pydantic():
    code = (
        "from .base import CommunityBaseSettings\n\nclass TestSettings(CommunityBaseSettings):\n"
        '    WEBHOOK_SECRET = "secret"\n'
    )
    assert found(code) == []


# ------------------------------------------------------------------------ Authorization headers (recall)
AUTH_HEADERS = {
    "bearer in a headers dict": (
        'import requests\nrequests.get(URL, headers={"Authorization": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"})\n'
    ),
    "basic credentials": 'HEADERS = {"Authorization": "Basic dXNlcjpzM2NyM3RwYXNz"}\n',
    "DRF token on a session": (
        'import requests\ns = requests.Session()\ns.headers["Authorization"] = "Token 4f9a8b7c6d5e4f3a2b1c"\n'
    ),
}


@pytest.mark.parametrize("code", AUTH_HEADERS.values(), ids=AUTH_HEADERS.keys())
def test_authorization_headers_written_out(code):
    last = code.rstrip("\n").count("\n") + 1
    assert shown(code) == [("BR401", last)]


def test_authorization_headers_built_at_run_time_are_quiet():
    code = (
        "def headers(token, settings):\n"
        '    a = {"Authorization": f"Bearer {token}"}\n'
        '    b = {"Authorization": "Bearer " + settings.API_TOKEN}\n'
        '    c = {"Authorization": "Bearer"}\n'
        '    d = {"Authorization": "Bearer <token>"}\n'
        '    e = {"Authorization": "Bearer YOUR_TOKEN_HERE"}\n'
        '    return a, b, c, d, e\n'
    )
    assert found(code) == []
