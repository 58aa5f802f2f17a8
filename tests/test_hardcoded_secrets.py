"""BR4xx: hardcoded secrets in realistic settings, clients and app code, and what must stay quiet."""

from __future__ import annotations

import pytest

from backend_rules.engine.findings import Finding
from backend_rules.output import render
from backend_rules.engine.runner import Report
from backend_rules.rules.secrets.secret_words import is_secret_value, judge_name, known_format, mask, split_words
from tests.conftest import run


def fired(code: str, path: str = "app/config.py", **options) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in run(code, path, ("BR4",), **options)]


# ------------------------------------------------------------------------------------ BR401
FIRES_BR401 = {
    "module constant": 'DB_PASSWORD = "hunter2-prod"\n',
    "annotated": 'password: str = "s3cr3t"\n',
    "final": 'from typing import Final\nAPI_TOKEN: Final = "tok-9f8e7d6c"\n',
    "class attribute": 'class Config:\n    MAIL_PASSWORD = "mail-pw-123"\n',
    "dataclass default": (
        "from dataclasses import dataclass\n@dataclass\nclass SmtpConfig:\n    host: str = 'smtp'\n"
        "    password: str = 'smtp-Pa55'\n"
    ),
    "self attribute": 'class Client:\n    def __init__(self):\n        self.api_key = "a9f8e7d6c5b4"\n',
    "subscript": 'd = {}\nd["password"] = "blerg"\n',
    "environ set": 'import os\nos.environ["DB_PASSWORD"] = "pg-pass-1"\n',
    "camelCase": 'stripeApiKey = "stripe-live-4f9a8b"\n',
    "kebab dict key": 'headers = {"x-api-key": "k-12ab34cd56"}\n',
    "nested Django DATABASES": (
        'DATABASES = {\n    "default": {\n        "NAME": "app",\n        "PASSWORD": "pg-Pr0d-pass",\n    }\n}\n'
    ),
    "requests auth tuple": 'import requests\nrequests.get(url, auth=("deploy", "Zx9-deploy"))\n',
    "HTTPBasicAuth": 'from requests.auth import HTTPBasicAuth\nauth = HTTPBasicAuth("admin", "adm1n-pw")\n',
    "redis keyword": 'import redis\nr = redis.Redis(host="cache", password="r3dis-pw")\n',
    "psycopg2 keyword": 'import psycopg2\nconn = psycopg2.connect(host="db", user="app", password="pg-secret-9")\n',
    "smtplib login": 'import smtplib\nserver = smtplib.SMTP("smtp.example.com")\nserver.login("bot", "mail-Pa55")\n',
    "comparison": 'def check(password):\n    if password == "hunter2":\n        return True\n',
    "reversed comparison": 'def check(pw):\n    return "hunter2" == pw\n',
    "form comparison": 'def login(request):\n    if request.form["password"] == "admin123":\n        pass\n',
    "default argument": 'def connect(host, password="changeme"):\n    pass\n',
    "kw-only default": 'def connect(host, *, api_key="k-live-88aa"):\n    pass\n',
    "set_password": 'def seed(user):\n    user.set_password("admin123")\n',
    "create_superuser": 'User.objects.create_superuser("admin", "admin@example.com", "adminpass1")\n',
    "SecretStr literal": 'from pydantic import SecretStr\nclient = make(SecretStr("sk-not-format-pw"))\n',
    "weak changeme": 'ADMIN_PASSWORD = "changeme"\n',
    "bytes": 'PRIVATE_TOKEN = b"priv-tok-991"\n',
    "preposition": "my_secret_password_for_email = 'd6s$f9g!j8mg7hw?n&2'\n",
    "pwd": "email_pwd = 'emails_secret'\n",
    "passphrase": "passphrase='1234'\n",
    "boto3 session token": 'import boto3\ns = boto3.Session(aws_session_token="FQoGZXIvYXdzEN3aaa")\n',
}


@pytest.mark.parametrize("code", FIRES_BR401.values(), ids=FIRES_BR401.keys())
def test_br401_fires(code):
    found = fired(code)
    assert [c for c, _ in found] == ["BR401"], found


def test_br401_points_at_the_literal_line():
    code = FIRES_BR401["nested Django DATABASES"]
    assert fired(code) == [("BR401", 4)]


QUIET = {
    "TOKEN_URL": 'TOKEN_URL = "https://auth.example.com/oauth/token"\n',
    "PASSWORD_FIELD": 'PASSWORD_FIELD = "password"\n',
    "password_reset_path": 'password_reset_path = "/accounts/password/reset/"\n',
    "TOKEN_HEADER": 'TOKEN_HEADER = "Authorization"\n',
    "PASSWORD_MIN_LENGTH": "PASSWORD_MIN_LENGTH = 8\n",
    "secret_name": 'secret_name = "prod/db/password"\n',
    "Bearer": 'auth_scheme = "Bearer"\ntoken_prefix = "Bearer"\nTOKEN = "Bearer"\n',
    "token_type": 'token_type = "bearer"\n',
    "input": "password = input()\n",
    "environ": 'import os\npassword = os.environ["X"]\n',
    "getpass": "from getpass import getpass\npassword = getpass()\n",
    "placeholders": (
        'password = "<password>"\napi_key = "${API_KEY}"\ntoken = "%(token)s"\nsecret = "{{ secret }}"\n'
        'db_password = "xxx"\nPASSWORD = "***"\napi_key = "YOUR_API_KEY"\napi_key = "your-api-key-here"\n'
    ),
    "empty and None": 'password = ""\nsecret = None\ntoken = True\n',
    "env var name": 'SECRET_KEY_ENV = "DJANGO_SECRET_KEY"\nAPI_KEY_VAR = "STRIPE_API_KEY"\n',
    "translation": 'from django.utils.translation import gettext_lazy as _\npassword = _("Password")\n',
    "django form": (
        "from django import forms\nclass LoginForm(forms.Form):\n"
        '    password = forms.CharField(label="Password", widget=forms.PasswordInput)\n'
    ),
    "hashers": 'PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]\n',
    "validators": (
        'AUTH_PASSWORD_VALIDATORS = [\n    {"NAME": "django.contrib.auth.password_validation.'
        'UserAttributeSimilarityValidator"},\n]\n'
    ),
    "field names": 'class Grant:\n    PASSWORD = "password"\n    REFRESH_TOKEN = "refresh_token"\n',
    "keys by name": 'ACCESS_TOKEN_KEY = "access_token"\ncache_key = "user:1"\nSORT_KEY = "created"\n',
    "pagination": 'next_page_token = "abc123def"\n',
    "prompts": 'password_prompt = "Enter your password:"\nPASSWORD = "Enter your password:"\n',
    "paths": 'PRIVATE_KEY = "/etc/ssl/private/app.key"\nsecret_file = "secrets.json"\n',
    "comparison against empty": 'def f(password):\n    if password == "":\n        return\n',
    "non-secret kwargs": 'parser.add_argument("--password", help="database password", default=None)\n',
    "public key": 'STRIPE_PUBLIC_KEY = "pk_test_abc123"\npublic_key = "ssh-rsa AAAA"\n',
    "is_password flags": 'is_password = "yes"\nhas_token = "no"\n',
    "header names": 'API_KEY_HEADER = "X-API-Key"\nheader = {"Authorization": "Bearer"}\n',
    "algorithms": 'JWT_ALGORITHM = "HS256"\nTOKEN_ALGORITHM = "RS256"\n',
    "f-string with expressions": 'password = f"{prefix}-{suffix}"\n',
    "secret manager reference": 'DB_PASSWORD_ARN = "arn:aws:secretsmanager:eu-west-1:123:secret:db"\n',
    "url with env": 'DATABASE_URL = "postgresql://app:${DB_PASS}@db/app"\n',
    "url with f-string": 'def url(user, password):\n    return f"postgresql://{user}:{password}@db/app"\n',
    "url without password": 'DATABASE_URL = "postgres://user@host/db"\n',
}


@pytest.mark.parametrize("code", QUIET.values(), ids=QUIET.keys())
def test_quiet(code):
    assert fired(code) == []


# ---------------------------------------------------------------------------- test code
def test_fixtures_in_test_code_are_quiet_by_default():
    code = (
        'PASSWORD = "test-pass-1"\n'
        'DATABASE_URL = "postgresql://postgres:pg-pass-7@localhost:5432/test"\n'
        'import os\nKEY = os.getenv("SECRET_KEY", "test-secret")\n'
    )
    for path in ("tests/test_auth.py", "app/tests/test_views.py", "conftest.py", "src/pkg/test_models.py",
                 "pkg/client_test.py", "test/helpers.py"):
        assert fired(code, path) == [], path
    assert len(fired(code, "app/settings.py")) == 3


def test_real_token_formats_still_reported_in_tests():
    code = 'TOKEN = "ghp_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu"\nPASSWORD = "test-pass-1"\n'
    assert fired(code, "tests/test_github.py") == [("BR402", 1)]


def test_secrets_in_tests_option_and_custom_test_paths():
    code = 'PASSWORD = "test-pass-1"\n'
    assert fired(code, "tests/test_x.py", **{"secrets-in-tests": True}) == [("BR401", 1)]
    assert fired(code, "qa/checks.py", **{"test-paths": ["qa/"]}) == []
    assert fired(code, "tests/test_x.py", **{"test-paths": ["qa/"]}) == [("BR401", 1)]


# ------------------------------------------------------------------------------------ BR402
TOKENS = {
    "AWS access key id": "AKIA2E0A8F3B244C9986",
    "GitHub token": "ghp_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu",
    "GitLab token": "glpat-x7Kd9Lq2Mn4Pb6Vc8Zr1",
    "Slack token": "xoxb-2837465019-8374650192-a8Kd93Lq0Zx7Vb2Nm4Pw6Ty1",
    "Slack webhook URL": "https://hooks.slack.com/services/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",
    "Stripe secret key": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "Google API key": "AIzaSyD4f8Kq2Lm9Xc7Vb1Nz3Pw5Rt6Ys0Jd8Ha",
    "Twilio API key": "SK0a1b2c3d4e5f60718293a4b5c6d7e8f9",
    "SendGrid API key": "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",
    "OpenAI API key": "sk-proj-4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7BuQ1",
    "npm token": "npm_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu",
    "PyPI token": "pypi-AgEIcHlwaS5vcmcCJDRmOTdhYjEyLTM0NTYtNzg5MC1hYmNkLWVmMDEyMzQ1Njc4OQ",
    "signed JWT": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsInJvbGUiOiJhZG1pbiJ9."
        "Qm9yZWRBcGVTaWduYXR1cmVWYWx1ZTEyMw"
    ),
    "private key": "-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEA7d3Kq9Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7BuQ1"
                   "Zx7Vb2Nm4Pw6Ty1a8Kd93Lq0MIIEowIBAAKCAQEA\\n-----END RSA PRIVATE KEY-----",
}


@pytest.mark.parametrize("label,token", TOKENS.items(), ids=TOKENS.keys())
def test_br402_formats(label, token):
    findings = run(f'value = "{token}"\n', "app/clients.py", ("BR4",))
    assert [(f.code, f.line) for f in findings] == [("BR402", 1)]
    assert label in findings[0].message
    assert token[8:] not in findings[0].message


NOT_TOKENS = {
    "AWS example key": "AKIAIOSFODNN7EXAMPLE",
    "lowercase AWS-like": "AKIAabcdefghijklmnop",
    "short GitHub": "ghp_abc123",
    "x GitHub": "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "Stripe publishable": "pk_live_51HqLyjWDarjtT1zdp7dcXCgoKZOAYVWrDLZpcS7",
    "Stripe test publishable": "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "sk- in prose": "ask-me-anything-about-the-risk-assessment",
    "sk- lowercase only": "sk-abcdefghijklmnopqrstuvwxyzabcdefghij",
    "unsigned JWT": "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ.",
    "eyJ not json": "eyJustSomethingElse.eyJustAnother.SignatureLookingPart1234",
    "jwt.io example": (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0Ijox"
        "NTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    ),
    "PEM placeholder": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----",
    "Slack doc": "xoxb-your-token-here",
}


@pytest.mark.parametrize("text", NOT_TOKENS.values(), ids=NOT_TOKENS.keys())
def test_br402_near_misses(text):
    assert fired(f'value = "{text}"\n') == []


def test_aws_key_bound_to_secret_keyword_is_one_finding():
    code = (
        "import boto3\n"
        's3 = boto3.client("s3", aws_access_key_id="AKIA2E0A8F3B244C9986",\n'
        '                  aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCY9a8b7c6d5e")\n'
    )
    assert fired(code) == [("BR402", 2), ("BR402", 3)]


def test_aws_example_keys_are_not_reported():
    code = (
        'import boto3\ns3 = boto3.client("s3", aws_access_key_id="AKIAIOSFODNN7EXAMPLE",\n'
        '    aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")\n'
    )
    assert fired(code) == []


def test_twilio_auth_token_needs_its_name():
    assert fired('TWILIO_AUTH_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"\n') == [("BR402", 1)]
    assert fired('CHECKSUM = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"\n') == []


# ------------------------------------------------------------------------------------ BR403
@pytest.mark.parametrize("url", [
    "postgresql://app:S3cure-pg@db.internal:5432/app",
    "mysql://root:r00t-pw@127.0.0.1/shop",
    "redis://:r3dis-Pa55@cache:6379/0",
    "amqp://worker:w0rker-pw@rabbit:5672/vhost",
    "mongodb+srv://svc:M0ngo-pw@cluster0.abcde.mongodb.net/db",
    "https://deploy:d3ploy-pw@git.example.com/repo.git",
])
def test_br403_urls(url):
    assert fired(f'URL = "{url}"\n') == [("BR403", 1)]


def test_br403_f_string_with_literal_password():
    assert fired('def url(host):\n    return f"postgresql://app:S3cure-pg@{host}/app"\n') == [("BR403", 2)]


def test_br403_url_bound_to_password_name_is_one_finding():
    assert fired('DB_PASSWORD_URL = "postgresql://app:S3cure-pg@db/app"\n') == [("BR403", 1)]


# ------------------------------------------------------------------------------------ BR404
FIRES_BR404 = {
    "os.getenv": 'import os\nJWT_SECRET = os.getenv("JWT_SECRET", "dev-secret")\n',
    "os.environ.get": 'import os\nDB_PASSWORD = os.environ.get("DB_PASSWORD", "postgres")\n',
    "from os import getenv": 'from os import getenv\nAPI_KEY = getenv("API_KEY", "dev-key-123")\n',
    "setdefault": 'import os\nos.environ.setdefault("SECRET_KEY", "insecure-dev-key")\n',
    "decouple": 'from decouple import config\nSECRET_KEY = config("SECRET_KEY", default="dj-dev-key")\n',
    "environs": 'from environs import Env\nenv = Env()\nAPI_TOKEN = env.str("API_TOKEN", "tok-dev")\n',
    "django-environ": 'import environ\nenv = environ.Env()\nSECRET_KEY = env("SECRET_KEY", default="dj-dev")\n',
    "target names it": 'import os\nDB_PW = os.getenv("PGPASS", "pg-local")\n',
    "BaseSettings": (
        "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n"
        '    database_password: str = "pg-dev-pw"\n'
    ),
    "BaseSettings SecretStr": (
        "from pydantic import BaseSettings, SecretStr\nclass Settings(BaseSettings):\n"
        '    api_key: SecretStr = SecretStr("k-dev-123")\n'
    ),
    "BaseSettings Field": (
        "from pydantic import Field\nfrom pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n"
        '    jwt_secret: str = Field(default="jwt-dev-secret")\n'
    ),
    "env lookup or a literal": 'import os\nSECRET_KEY = os.environ.get("SECRET_KEY") or "dev-secret-key"\n',
    "getenv or a literal into flask config": (
        'import os\nfrom flask import Flask\napp = Flask(__name__)\n'
        'app.config["JWT_SECRET_KEY"] = os.getenv("JWT_SECRET_KEY") or "jwt-dev-9f8e"\n'
    ),
    "env lookup or a literal in a config class": (
        'import os\nclass Config:\n    DB_PASSWORD = os.environ.get("DB_PASSWORD") or "Wq7pLr2vXz"\n'
    ),
}


@pytest.mark.parametrize("code", FIRES_BR404.values(), ids=FIRES_BR404.keys())
def test_br404_fires(code):
    assert fired(code) == [("BR404", code.rstrip("\n").count("\n") + 1)]


def test_br404_quiet():
    code = (
        'import os\nDEBUG = os.getenv("DEBUG", "false")\nHOST = os.getenv("DB_HOST", "localhost")\n'
        'KEY = os.getenv("SECRET_KEY", "")\nTOKEN = os.getenv("API_TOKEN")\nPW = os.getenv("DB_PASSWORD", None)\n'
        'NAME = os.getenv("SECRET_NAME", "prod/app/secret")\n'
        'TIMEOUT = os.getenv("TIMEOUT") or "30"\nRESET = os.getenv("PASSWORD_RESET_URL") or "/reset"\n'
        'EMPTY = os.getenv("API_KEY") or ""\nOTHER = os.getenv("SECRET_KEY") or load_key()\n'
    )
    assert fired(code) == []


# ------------------------------------------------------------------------------------ BR405
FIRES_BR405 = {
    "jwt.encode": 'import jwt\ntoken = jwt.encode({"sub": 1}, "secret", algorithm="HS256")\n',
    "jwt.decode key=": 'import jwt\ndata = jwt.decode(tok, key="s3cret-key", algorithms=["HS256"])\n',
    "from jwt import encode": 'from jwt import encode\ntoken = encode({"sub": 1}, "my-jwt-key")\n',
    "jose": 'from jose import jwt\ntoken = jwt.encode(claims, "jose-secret-1", algorithm="HS256")\n',
    "hmac": 'import hmac, hashlib\nsig = hmac.new(b"webhook-key", body, hashlib.sha256)\n',
    "itsdangerous": 'from itsdangerous import URLSafeTimedSerializer\ns = URLSafeTimedSerializer("itsd-key-1")\n',
    "flask secret_key": 'from flask import Flask\napp = Flask(__name__)\napp.secret_key = "dev"\n',
    "flask config item": 'app.config["SECRET_KEY"] = "flask-secret-1"\n',
    "flask config update": 'app.config.update(SECRET_KEY="aaaa")\n',
    "django settings": "SECRET_KEY = 'django-insecure-q8#w7^b2@9x!k'\n",
    "config class": 'class Config:\n    JWT_SECRET_KEY = "jwt-Sign1ng-k3y"\n',
    "constant used by jwt": 'import jwt\nK = "k3y-for-tokens"\ndef f(p):\n    return jwt.encode(p, K)\n',
}


@pytest.mark.parametrize("code", FIRES_BR405.values(), ids=FIRES_BR405.keys())
def test_br405_fires(code):
    found = fired(code)
    assert [c for c, _ in found] == ["BR405"], found


def test_secret_constant_used_by_jwt_is_reported_once_where_bound():
    code = 'import jwt\nsecret_const = "this-is-secret"\ndef f(p):\n    return jwt.encode(p, secret_const)\n'
    assert fired(code) == [("BR401", 2)]


def test_br405_quiet():
    code = (
        "import jwt, os\nKEY = os.environ['JWT_KEY']\ndef f(p, key):\n"
        "    jwt.encode(p, KEY)\n    jwt.encode(p, key)\n    codec.encode(p, 'utf-8')\n"
    )
    assert fired(code) == []


# --------------------------------------------------------------------------- helpers & masking
def test_split_words():
    assert split_words("DB_PASSWORD") == ["db", "password"]
    assert split_words("stripeApiKey") == ["stripe", "api", "key"]
    assert split_words("client-secret") == ["client", "secret"]
    assert split_words("PassWord") == ["password"]
    assert split_words("APIKey") == ["api", "key"]


def test_judge_name_and_value():
    assert judge_name("aws_secret_access_key").kind == "secret access key"
    assert judge_name("SECRET_KEY").signing_key
    assert judge_name("passwords") is None and judge_name("compassion") is None
    assert is_secret_value("changeme") and not is_secret_value("CHANGE_ME_ENV")
    assert known_format("plain text") is None


def test_mask_never_shows_the_whole_secret():
    assert mask("hunter2") == "hunt…"
    assert mask("root") == "r…"
    assert mask("abc") == "a…"


def test_secret_is_absent_from_every_output_format(tmp_path):
    secrets = {
        "BR401": "hunter2-very-secret", "BR403": "S3cure-pg-pass", "BR404": "dev-Fallb4ck-xyz",
        "BR405": "fl4sk-S1gn-qz", "BR402": "ghp_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu",
    }
    path = tmp_path / "settings.py"
    path.write_text(
        "import os\n"
        f'DB_PASSWORD = "{secrets["BR401"]}"\n'
        f'URL = "postgresql://app:{secrets["BR403"]}@db/app"\n'
        f'JWT_SECRET = os.getenv("JWT_SECRET", "{secrets["BR404"]}")\n'
        f'app.secret_key = "{secrets["BR405"]}"\n'
        f'GITHUB = "{secrets["BR402"]}"\n'
    )
    findings = run(path.read_text(), str(path), ("BR4",))
    assert sorted(f.code for f in findings) == sorted(secrets)
    report = Report(findings=findings, files=1)
    for fmt in ("text", "json", "sarif", "github"):
        output = render(report, fmt)
        for code, secret in secrets.items():
            assert secret not in output, (fmt, code)
            assert secret[5:] not in output, (fmt, code)


def test_messages_say_what_and_how():
    [finding] = run('DB_PASSWORD = "hunter2"\n', "app/settings.py", ("BR401",))
    assert isinstance(finding, Finding)
    assert finding.message == (
        "password `hunt…` is hardcoded in `DB_PASSWORD`; read it from the environment or a secret manager"
    )


def test_a_signing_key_that_reads_like_a_sentence_is_still_the_key():
    code = "SECRET_KEY = 'This is not a secret, be sure to change this.'\n"
    assert fired(code, "proj/settings.py") == [("BR405", 1)]
    assert fired("password_help = 'Your password must contain at least 8 characters.'\n") == []


def test_fast_triggers_agree_with_the_documented_regex():
    import re

    from backend_rules.engine.registry import all_rules

    for code, rule in all_rules().items():
        if code.startswith("BR4"):
            documented = re.compile(rule.TRIGGER)
            for example in rule.INVALID:
                text = example.code
                assert documented.search(text) and rule.trigger().search(text), (code, text)


def test_options_are_read_from_pyproject(tmp_path):
    from backend_rules.engine.config import ConfigError, load_config

    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.backend-rules]\ntest-paths = ["qa/"]\nsecrets-in-tests = true\n')
    config = load_config(pyproject)
    assert dict(config.options) == {"test-paths": ("qa/",), "secrets-in-tests": True}
    pyproject.write_text('[tool.backend-rules]\nsecrets-in-tests = "yes"\n')
    with pytest.raises(ConfigError):
        load_config(pyproject)
