"""BR702 (TLS checks switched off) and BR703 (debug mode on): realistic shapes and look-alikes."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def findings(code: str, path: str = "app/client.py", confidence: str = "MEDIUM", select=("BR702", "BR703")):
    config = Config(select=select, min_confidence=confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def fired(code: str, path: str = "app/client.py", confidence: str = "MEDIUM") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in findings(code, path, confidence)]


def confidences(code: str, path: str = "app/client.py") -> list[tuple[str, str]]:
    return [(f.code, f.confidence) for f in findings(code, path, "LOW")]


def marked(code: str, code_name: str) -> list[tuple[str, int]]:
    code = textwrap.dedent(code).removeprefix("\n")
    return [(code_name, i) for i, text in enumerate(code.splitlines(), 1) if "# here" in text]


# ------------------------------------------------------------------------------------ BR702
BR702_FIRES = {
    "requests call": """
        import requests
        def charge(order):
            return requests.post(PSP_URL, json=order, timeout=10, verify=False)  # here
        """,
    "requests alias": """
        import requests as r
        def fetch(url):
            return r.get(url, verify=False)  # here
        """,
    "requests.request": """
        from requests import request
        def call(method, url):
            return request(method, url, verify=False)  # here
        """,
    "multi-line call reported where it starts": """
        import requests
        def fetch(url, token):
            resp = requests.get(  # here
                url,
                headers={"Authorization": f"Bearer {token}"},
                verify=False,
            )
            return resp.json()
        """,
    "session attribute": """
        import requests
        def partner_session():
            session = requests.Session()
            session.verify = False  # here
            return session
        """,
    "self.session attribute": """
        import requests
        class PartnerClient:
            def __init__(self):
                self.session = requests.Session()
                self.session.verify = False  # here
        """,
    "session method": """
        def fetch(session, url):
            return session.get(url, verify=False)  # here
        """,
    "module constant": """
        import requests
        VERIFY_SSL = False
        def fetch(url):
            return requests.get(url, verify=VERIFY_SSL)  # here
        """,
    "local variable": """
        import httpx
        def fetch(url):
            verify = False
            return httpx.get(url, verify=verify)  # here
        """,
    "httpx async client": """
        import httpx
        client = httpx.AsyncClient(base_url="https://api.partner.example", verify=False)  # here
        """,
    "httpx client from-import": """
        from httpx import Client
        def make():
            return Client(timeout=5, verify=False)  # here
        """,
    "kwargs dict": """
        import requests
        REQUEST_KWARGS = {"timeout": 5, "verify": False}
        def fetch(url):
            return requests.get(url, **REQUEST_KWARGS)  # here
        """,
    "user helper named like a request": """
        class Api:
            def orders(self):
                return self._request("GET", "/orders", verify=False)  # here
        """,
    "boto3": """
        import boto3
        s3 = boto3.client("s3", endpoint_url=S3_URL, verify=False)  # here
        """,
    "aiohttp connector": """
        import aiohttp
        async def fetch(url):
            connector = aiohttp.TCPConnector(ssl=False)  # here
            async with aiohttp.ClientSession(connector=connector) as session:
                async with session.get(url) as resp:
                    return await resp.json()
        """,
    "aiohttp verify_ssl": """
        from aiohttp import TCPConnector
        connector = TCPConnector(verify_ssl=False)  # here
        """,
    "aiohttp request ssl=False": """
        import aiohttp
        async def fetch(session, url):
            async with session.get(url, ssl=False) as resp:  # here
                return await resp.text()
        """,
    "unverified context": """
        import ssl, urllib.request
        def fetch(url):
            ctx = ssl._create_unverified_context()  # here
            return urllib.request.urlopen(url, context=ctx).read()
        """,
    "global monkeypatch": """
        import ssl
        ssl._create_default_https_context = ssl._create_unverified_context  # here
        """,
    "check_hostname and CERT_NONE": """
        import ssl
        def context():
            ctx = ssl.create_default_context()
            ctx.check_hostname = False  # here
            ctx.verify_mode = ssl.CERT_NONE  # here
            return ctx
        """,
    "CERT_NONE from-import": """
        from ssl import CERT_NONE, wrap_socket
        def connect(sock):
            return wrap_socket(sock, cert_reqs=CERT_NONE)  # here
        """,
    "urllib3 string": """
        import urllib3
        http = urllib3.PoolManager(cert_reqs="CERT_NONE")  # here
        """,
    "redis ssl_cert_reqs": """
        import redis
        cache = redis.Redis(host=HOST, ssl=True, ssl_cert_reqs="none")  # here
        """,
    "django cache settings": """
        CACHES = {
            "default": {
                "BACKEND": "django_redis.cache.RedisCache",
                "OPTIONS": {"CONNECTION_POOL_KWARGS": {"ssl_cert_reqs": None}},  # here
            }
        }
        """,
    "celery broker": """
        import ssl
        broker_use_ssl = {"ssl_cert_reqs": ssl.CERT_NONE}  # here
        """,
    "pymongo": """
        from pymongo import MongoClient
        client = MongoClient(MONGO_URL, tls=True, tlsAllowInvalidCertificates=True)  # here
        """,
    "elasticsearch settings": """
        ELASTICSEARCH_DSL = {"default": {"hosts": ES_URL, "verify_certs": False}}  # here
        """,
    "kubernetes configuration": """
        from kubernetes import client
        configuration = client.Configuration()
        configuration.verify_ssl = False  # here
        """,
}


@pytest.mark.parametrize("code", BR702_FIRES.values(), ids=BR702_FIRES.keys())
def test_br702_fires(code):
    assert fired(code) == marked(code, "BR702")


BR702_QUIET = {
    "verification on": """
        import requests
        def fetch(url):
            return requests.get(url, timeout=5)
        """,
    "private CA bundle": """
        import requests
        def fetch(url):
            return requests.get(url, verify="/etc/ssl/private-ca.pem")
        """,
    "configurable": """
        import httpx
        def client(settings):
            return httpx.Client(verify=settings.CA_BUNDLE)
        """,
    "verify=True": """
        import requests
        VERIFY = True
        def fetch(url):
            return requests.get(url, verify=VERIFY)
        """,
    "jwt verify=False": """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, verify=False)
        """,
    "verify=False about e-mail or signatures": """
        def register(form):
            send_email(form.email, verify=False)
            return check_signature(form.payload, verify=False)
        """,
    "ssl=False on a database connection": """
        import asyncpg
        async def connect(dsn):
            return await asyncpg.connect(dsn, ssl=False)
        """,
    "CERT_NONE compared": """
        import ssl
        def check(ctx):
            if ctx.verify_mode == ssl.CERT_NONE:
                raise RuntimeError("unverified")
        """,
    "table of modes": """
        import ssl
        CERT_MODES = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}
        """,
    "strict context": """
        import ssl
        ctx = ssl.create_default_context()
        ctx.check_hostname = True
        ctx.verify_mode = ssl.CERT_REQUIRED
        """,
    "an unrelated verify attribute": """
        class Form:
            def clean(self):
                self.verify = False
        """,
    "verify_certs on": """
        ELASTICSEARCH = {"hosts": ES_URL, "verify_certs": True}
        """,
}


@pytest.mark.parametrize("code", BR702_QUIET.values(), ids=BR702_QUIET.keys())
def test_br702_quiet(code):
    assert [f for f in fired(code, confidence="LOW") if f[0] == "BR702"] == []


BR702_LOW = {
    "parameter default": """
        import requests
        def fetch(url, verify=False):
            return requests.get(url, verify=verify)
        """,
    "environment default off": """
        import os, requests
        VERIFY = os.environ.get("API_VERIFY_TLS", "false").lower() == "true"
        def fetch(url):
            return requests.get(url, verify=VERIFY)
        """,
    "explicit opt-in": """
        import requests
        def session(settings):
            s = requests.Session()
            if settings.INSECURE_SKIP_VERIFY:
                s.verify = False
            return s
        """,
    "opt-in in settings": """
        if CACHING_REDIS_SKIP_TLS_VERIFY:
            CACHES["default"]["OPTIONS"]["CONNECTION_POOL_KWARGS"]["ssl_cert_reqs"] = False
        """,
    "localhost": """
        import requests
        def health():
            return requests.get("https://localhost:8443/health", verify=False)
        """,
    "warnings silenced, verification fixed off elsewhere": """
        import urllib3, requests
        urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        """,
}


@pytest.mark.parametrize("code", BR702_LOW.values(), ids=BR702_LOW.keys())
def test_br702_low_confidence(code):
    assert fired(code) == []
    assert {c for c in confidences(code)} == {("BR702", "LOW")}


def test_br702_silenced_warning_next_to_configurable_verify():
    code = """
        import requests
        from requests.packages.urllib3.exceptions import InsecureRequestWarning
        requests.packages.urllib3.disable_warnings(InsecureRequestWarning)
        def fetch(url, config):
            return requests.get(url, verify=config.get("verify_ssl", True))
        """
    assert fired(code) == [("BR702", 3)]


def test_br702_quiet_in_tests_and_low_in_docs():
    code = BR702_FIRES["requests call"]
    assert fired(code, path="tests/test_payments.py", confidence="LOW") == []
    assert fired(code, path="docs/examples/payments.py") == []


# ------------------------------------------------------------------------------------ BR703
BR703_FIRES = {
    "flask run": ("""
        from flask import Flask
        app = Flask(__name__)
        if __name__ == "__main__":
            app.run(host="0.0.0.0", port=5000, debug=True)  # here
        """, "app/app.py"),
    "app factory": ("""
        from myapp import create_app
        create_app().run(debug=True)  # here
        """, "run.py"),
    "debug from a module constant": ("""
        from flask import Flask
        DEBUG = True
        application = Flask(__name__)
        application.run(debug=DEBUG)  # here
        """, "wsgi.py"),
    "app.debug": ("""
        from flask import Flask
        app = Flask(__name__)
        app.debug = True  # here
        """, "app/__init__.py"),
    "app.config item": ("""
        app.config["DEBUG"] = True  # here
        """, "app/__init__.py"),
    "app.config.update": ("""
        app.config.update(DEBUG=True, SECRET_KEY=os.environ["SECRET_KEY"])  # here
        """, "app/__init__.py"),
    "app.config.update(dict(...))": ("""
        app.config.update(dict(DATABASE="/tmp/flaskr.db", DEBUG=True))  # here
        """, "flaskr.py"),
    "from_object(__name__)": ("""
        from flask import Flask
        DEBUG = True  # here
        app = Flask(__name__)
        app.config.from_object(__name__)
        """, "flaskr.py"),
    "socketio": ("""
        from flask_socketio import SocketIO
        socketio = SocketIO(app)
        socketio.run(app, debug=True)  # here
        """, "server.py"),
    "FastAPI": ("""
        import fastapi
        app = fastapi.FastAPI(title="orders", debug=True)  # here
        """, "app/main.py"),
    "Starlette": ("""
        from starlette.applications import Starlette
        app = Starlette(debug=True, routes=routes)  # here
        """, "app/main.py"),
    "Django settings": ("""
        SECRET_KEY = os.environ["SECRET_KEY"]
        DEBUG = True  # here
        ALLOWED_HOSTS = ["*"]
        """, "mysite/settings.py"),
    "production settings": ("""
        from .base import *
        DEBUG = True  # here
        """, "mysite/settings/production.py"),
    "env.bool default True": ("""
        import environ
        env = environ.Env()
        DEBUG = env.bool("DJANGO_DEBUG", default=True)  # here
        """, "config/settings.py"),
    "environ.Env scheme": ("""
        import environ
        env = environ.Env(DEBUG=(bool, True))  # here
        DEBUG = env("DEBUG")
        """, "config/settings.py"),
    "os.getenv default True string": ("""
        import os
        DEBUG = os.getenv("DEBUG", "True") == "True"  # here
        """, "project/settings.py"),
    "decouple config": ("""
        from decouple import config
        DEBUG = config("DEBUG", default=True, cast=bool)  # here
        """, "project/settings.py"),
    "config class": ("""
        class ProductionConfig(Config):
            DEBUG = True  # here
        """, "app/config.py"),
    "pydantic settings default": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            debug: bool = True  # here
        """, "app/core/config.py"),
    "werkzeug debugger": ("""
        from werkzeug.serving import run_simple
        run_simple("0.0.0.0", 5000, app, use_debugger=True, use_reloader=True)  # here
        """, "serve.py"),
}


@pytest.mark.parametrize("code,path", BR703_FIRES.values(), ids=BR703_FIRES.keys())
def test_br703_fires(code, path):
    assert fired(code, path) == marked(code, "BR703")


BR703_QUIET = {
    "from the environment": ("""
        import os
        from flask import Flask
        app = Flask(__name__)
        app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
        """, "app.py"),
    "debug off": ("""
        app.run(debug=False)
        """, "app.py"),
    "not a web app": ("""
        pipeline.run(debug=True)
        logging_config = {"debug": True}
        """, "app/jobs.py"),
    "dev settings": ("""
        from .base import *
        DEBUG = True
        """, "mysite/settings/dev.py"),
    "local settings": ("""
        DEBUG = True
        """, "mysite/local_settings.py"),
    "settings_test": ("""
        DEBUG = True
        """, "mysite/settings_test.py"),
    "environment default off": ("""
        import os
        DEBUG = os.environ.get("DJANGO_DEBUG", "False").lower() in ("1", "true")
        """, "mysite/settings.py"),
    "DEBUG in a module that is not settings": ("""
        DEBUG = True
        def log(message):
            if DEBUG:
                print(message)
        """, "tools/trace.py"),
    "development config class": ("""
        class DevelopmentConfig(Config):
            DEBUG = True
        class TestingConfig(Config):
            DEBUG = True
        """, "app/config.py"),
    "uvicorn reload in a develop command": ("""
        import uvicorn
        @cli.command("develop")
        def run_server():
            uvicorn.run("app.main:app", reload=True)
        """, "app/cli.py"),
    "uvicorn reload in a dev script": ("""
        import uvicorn
        uvicorn.run("app.main:app", reload=True)
        """, "run_dev.py"),
    "pydantic settings off": ("""
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            debug: bool = False
        """, "app/config.py"),
    "FastAPI debug from settings": ("""
        from fastapi import FastAPI
        app = FastAPI(debug=settings.DEBUG)
        """, "app/main.py"),
}


@pytest.mark.parametrize("code,path", BR703_QUIET.values(), ids=BR703_QUIET.keys())
def test_br703_quiet(code, path):
    assert [f for f in fired(code, path, confidence="LOW") if f[0] == "BR703"] == []


BR703_LOW = {
    "base settings": ("""
        DEBUG = True
        INSTALLED_APPS = []
        """, "mysite/settings/base.py"),
    "base config class overridden below": ("""
        class Config:
            DEBUG = True
        class ProductionConfig(Config):
            DEBUG = False
        """, "app/config.py"),
    "settings reassigned later": ("""
        import os
        DEBUG = True
        if os.environ.get("PRODUCTION"):
            DEBUG = False
        """, "mysite/settings.py"),
}


@pytest.mark.parametrize("code,path", BR703_LOW.values(), ids=BR703_LOW.keys())
def test_br703_low_confidence(code, path):
    assert fired(code, path) == []
    assert confidences(code, path) == [("BR703", "LOW")]


def test_br703_quiet_in_tests():
    code, _ = BR703_FIRES["flask run"]
    assert fired(code, "tests/conftest.py", confidence="LOW") == []


def test_br703_environment_default_is_medium():
    code, path = BR703_FIRES["env.bool default True"]
    assert confidences(code, path) == [("BR703", "MEDIUM")]
    assert "environment default" in findings(code, path)[0].message


# ------------------------------------------------------------------- regressions from real code
def test_br703_settings_under_docs_are_low():
    assert confidences("DEBUG = True\nSECRET_KEY = 'x'\n", "project/docs/django_settings.py") == [("BR703", "LOW")]


def test_br703_config_class_in_shared_base_settings_is_low():
    code = "class CommunityBaseSettings(Settings):\n    DEBUG = True\n"
    assert confidences(code, "project/settings/base.py") == [("BR703", "LOW")]
    code = "class CommunitySettings(Settings):\n    DEBUG = True\n"
    assert confidences(code, "project/settings/base.py") == [("BR703", "LOW")]


def test_br703_uvicorn_reload_on_the_default_loopback_host_is_low():
    code = """
        import uvicorn
        config = uvicorn.Config("shop.asgi:application", port=8000, reload=True)
        uvicorn.Server(config).run()
        """
    assert confidences(code, "shop/__main__.py") == [("BR703", "LOW")]
    # Not a debug mode on any host (a dev launcher in the wild: reload_dirs, poetry's `start`).
    code = 'import uvicorn\ndef main():\n    uvicorn.run("app:app", host="0.0.0.0", reload=True, reload_dirs=["app"])\n'
    assert confidences(code, "app/app.py") == [("BR703", "LOW")]


def test_br703_a_demo_sandbox_site_is_development():
    code = "import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', default=True)\n"
    assert confidences(code, "sandbox/settings.py") == []
    assert confidences(code, "shop/settings.py") == [("BR703", "MEDIUM")]


def test_br703_flask_run_positional_debug_and_gunicorn_reload():
    assert fired('app.run("0.0.0.0", 8000, True)\n', "app/wsgi.py") == [("BR703", 1)]
    assert fired('bind = "0.0.0.0:8000"\nworkers = 4\nreload = True\n', "deploy/gunicorn.conf.py", confidence="LOW") == [("BR703", 3)]
    assert fired('reload = True\n', "app/reloading.py", confidence="LOW") == []


def test_br703_loopback_server_is_low_and_aiohttp_application():
    assert confidences('app.run(debug=True, threaded=True, host="127.0.0.1", port=4000)\n', "serve.py") == [
        ("BR703", "LOW")
    ]
    assert confidences('app.run(debug=True, host="127.0.1.1")\n', "serve.py") == [("BR703", "LOW")]
    assert confidences('app.run(debug=True)\n', "serve.py") == [("BR703", "HIGH")]
    assert confidences('app.run(debug=True, host="0.0.0.0")\n', "serve.py") == [("BR703", "HIGH")]
    code = "from aiohttp.web import Application\napp = Application(debug=True, middlewares=[])\n"
    assert fired(code, "shop/app.py") == [("BR703", 2)]


def test_br702_urllib3_assert_hostname_and_br703_pydantic_uppercase_field():
    assert fired('import urllib3\nhttp = urllib3.PoolManager(assert_hostname=False)\n') == [("BR702", 2)]
    code = "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    DEBUG: bool = True\n"
    assert confidences(code, "app/config.py") == [("BR703", "MEDIUM")]


def test_br703_under_a_development_condition_is_low():
    code = """
        def create_app(config_name):
            app = Flask(__name__)
            if config_name == "development":
                app.debug = True
            return app
        """
    assert confidences(code, "app/__init__.py") == [("BR703", "LOW")]


def test_br702_oauth_client_fetch_token():
    code = """
        from requests_oauthlib import OAuth2Session
        def token(client_id, url, secret):
            return OAuth2Session(client_id).fetch_token(url, client_secret=secret, verify=False)
        """
    assert fired(code) == [("BR702", 3)]


# ------------------------------------------------------------------------ fixes (unsafe only)
def fixed(code: str, path: str = "app/client.py", unsafe: bool = True) -> str:
    from backend_rules.engine.fixer import apply_fixes

    source = textwrap.dedent(code).removeprefix("\n")
    out, _ = apply_fixes(source, findings(source, path, "LOW"), unsafe=unsafe)
    return out


BR702_FIXES = {
    "verify=False dropped from requests": (
        "import requests\nrequests.get(url, verify=False)\n",
        "import requests\nrequests.get(url)\n",
    ),
    "first keyword of httpx, the rest kept": (
        "import httpx\nc = httpx.Client(verify=False, timeout=5)\n",
        "import httpx\nc = httpx.Client(timeout=5)\n",
    ),
    "multi-line call keeps its trailing comma": (
        "import requests\nr = requests.post(\n    url,\n    json=body,\n    verify=False,\n)\n",
        "import requests\nr = requests.post(\n    url,\n    json=body,\n)\n",
    ),
    "closing parenthesis on its own line": (
        "import requests\nr = requests.post(\n    url, json=body, verify=False\n)\n",
        "import requests\nr = requests.post(\n    url, json=body\n)\n",
    ),
    "a comment after the last argument stays": (
        "import requests\nr = requests.post(\n    url,\n    verify=False  # partner has a self-signed cert\n)\n",
        "import requests\nr = requests.post(\n    url  # partner has a self-signed cert\n)\n",
    ),
    "inside nested blocks, the indentation kept": (
        (
            "import requests\nclass Partner:\n    def push(self, body):\n        with self.lock:\n"
            "            return requests.post(\n                URL, json=body, verify=False\n            )\n"
        ),
        (
            "import requests\nclass Partner:\n    def push(self, body):\n        with self.lock:\n"
            "            return requests.post(\n                URL, json=body\n            )\n"
        ),
    ),
    "a comment line inside the call keeps its indentation": (
        (
            "def push(body):\n    return requests.post(\n        URL,\n        # the partner's CA is not public\n"
            "        json=body,\n        verify=False,\n    )\nimport requests\n"
        ),
        (
            "def push(body):\n    return requests.post(\n        URL,\n        # the partner's CA is not public\n"
            "        json=body,\n    )\nimport requests\n"
        ),
    ),
    "boto3 alias": (
        "import boto3 as b\ns3 = b.client('s3', verify=False)\n",
        "import boto3 as b\ns3 = b.client('s3')\n",
    ),
    "a session method (its default may differ): verify=True": (
        "def fetch(session, url):\n    return session.get(url, verify=False)\n",
        "def fetch(session, url):\n    return session.get(url, verify=True)\n",
    ),
    "docker TLSConfig does not verify by default: verify=True": (
        "import docker\ntls = docker.tls.TLSConfig(client_cert=pair, verify=False)\n",
        "import docker\ntls = docker.tls.TLSConfig(client_cert=pair, verify=True)\n",
    ),
    "a local flag": (
        "import requests\ndef fetch(url):\n    verify = False\n    return requests.get(url, verify=verify)\n",
        "import requests\ndef fetch(url):\n    verify = True\n    return requests.get(url, verify=verify)\n",
    ),
    "aiohttp session call": (
        "import aiohttp\nasync def f(session, url):\n    return await session.get(url, ssl=False)\n",
        "import aiohttp\nasync def f(session, url):\n    return await session.get(url)\n",
    ),
    "aiohttp verify_ssl": (
        "import aiohttp\nc = aiohttp.TCPConnector(limit=10, verify_ssl=False)\n",
        "import aiohttp\nc = aiohttp.TCPConnector(limit=10)\n",
    ),
    "urllib3 assert_hostname dropped, not True": (
        "import urllib3\nhttp = urllib3.PoolManager(assert_hostname=False)\n",
        "import urllib3\nhttp = urllib3.PoolManager()\n",
    ),
    "urllib3 cert_reqs": (
        "import urllib3\nhttp = urllib3.PoolManager(cert_reqs='CERT_NONE')\n",
        "import urllib3\nhttp = urllib3.PoolManager(cert_reqs='CERT_REQUIRED')\n",
    ),
    "redis ssl_cert_reqs": (
        "import redis\nr = redis.Redis(host=h, ssl=True, ssl_cert_reqs='none')\n",
        "import redis\nr = redis.Redis(host=h, ssl=True, ssl_cert_reqs='required')\n",
    ),
    "elasticsearch verify_certs": (
        "from elasticsearch import Elasticsearch\nes = Elasticsearch(hosts, verify_certs=False)\n",
        "from elasticsearch import Elasticsearch\nes = Elasticsearch(hosts, verify_certs=True)\n",
    ),
    "pymongo skip-the-checks flag": (
        "from pymongo import MongoClient\nc = MongoClient(uri, tls=True, tlsAllowInvalidCertificates=True)\n",
        "from pymongo import MongoClient\nc = MongoClient(uri, tls=True, tlsAllowInvalidCertificates=False)\n",
    ),
    "session attribute": (
        "import requests\ns = requests.Session()\ns.verify = False\n",
        "import requests\ns = requests.Session()\ns.verify = True\n",
    ),
    "ssl context with an alias": (
        "import ssl as tls\nctx = tls.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = tls.CERT_NONE\n",
        "import ssl as tls\nctx = tls.create_default_context()\nctx.check_hostname = True\nctx.verify_mode = tls.CERT_REQUIRED\n",
    ),
    "unverified context with a CA file": (
        "import ssl\nctx = ssl._create_unverified_context(cafile=CA)\n",
        "import ssl\nctx = ssl.create_default_context(cafile=CA)\n",
    ),
    "process-wide default context restored": (
        "import ssl\nssl._create_default_https_context = ssl._create_unverified_context\n",
        "import ssl\nssl._create_default_https_context = ssl.create_default_context\n",
    ),
    "settings dict and subscript": (
        'ES = {"hosts": HOSTS, "verify_certs": False}\nconfig["ssl_verify"] = False\n',
        'ES = {"hosts": HOSTS, "verify_certs": True}\nconfig["ssl_verify"] = True\n',
    ),
    "dict unpacked into a client": (
        "import requests\ndef fetch(url):\n    opts = {'timeout': 5, 'verify': False}\n    return requests.get(url, **opts)\n",
        "import requests\ndef fetch(url):\n    opts = {'timeout': 5, 'verify': True}\n    return requests.get(url, **opts)\n",
    ),
}


@pytest.mark.parametrize("code,expected", BR702_FIXES.values(), ids=BR702_FIXES.keys())
def test_br702_unsafe_fixes(code, expected):
    assert fixed(code) == expected
    assert fixed(code, unsafe=False) == code  # nothing is safe to change
    assert [f.code for f in findings(expected, confidence="LOW")] == []


BR702_NOT_FIXED = {
    "a parameter default": "import requests\ndef fetch(url, verify=False):\n    return requests.get(url, verify=verify)\n",
    "an environment default": (
        "import os, requests\nVERIFY = os.environ.get('VERIFY_SSL', 'false') == 'true'\n"
        "def fetch(url):\n    return requests.get(url, verify=VERIFY)\n"
    ),
    "an opt-in": "import requests\ndef fetch(url, settings):\n    if settings.INSECURE_SKIP_VERIFY:\n        return requests.get(url, verify=False)\n",
    "a localhost URL": "import requests\nrequests.get('http://localhost:8080/health', verify=False)\n",
    "cert_reqs None has no exact twin": "import urllib3\nhttp = urllib3.PoolManager(cert_reqs=None)\n",
    "unverified context with arguments create_default_context lacks": (
        "import ssl\nctx = ssl._create_unverified_context(check_hostname=True)\n"
    ),
    "CERT_NONE imported by name (the fix would need an import)": (
        "from ssl import CERT_NONE\ndef harden(ctx):\n    ctx.verify_mode = CERT_NONE\n"
    ),
    "assert_hostname in an attribute": "def setup(pool):\n    pool.assert_hostname = False\n",
    "PYTHONHTTPSVERIFY": "import os\nos.environ['PYTHONHTTPSVERIFY'] = '0'\n",
}


@pytest.mark.parametrize("code", BR702_NOT_FIXED.values(), ids=BR702_NOT_FIXED.keys())
def test_br702_left_without_a_fix(code):
    assert findings(code, confidence="LOW"), "the example must still be reported"
    assert fixed(code) == code


BR703_FIXES = {
    "flask run": ("app.run(host='0.0.0.0', debug=True)\n", "app.run(host='0.0.0.0', debug=False)\n", "serve.py"),
    "flask run, positional": ("app.run('0.0.0.0', 80, True)\n", "app.run('0.0.0.0', 80, False)\n", "serve.py"),
    "app attribute and config": (
        'from flask import Flask\napp = Flask(__name__)\napp.debug = True\napp.config["DEBUG"] = True\n',
        'from flask import Flask\napp = Flask(__name__)\napp.debug = False\napp.config["DEBUG"] = False\n',
        "shop/app.py",
    ),
    "config.update": ("app.config.update(DEBUG=True, TESTING=False)\n", "app.config.update(DEBUG=False, TESTING=False)\n",
                      "shop/app.py"),
    "a constant read by the runner": (
        "DEBUG_MODE = True\ndef main():\n    app.run(host='0.0.0.0', debug=DEBUG_MODE)\n",
        "DEBUG_MODE = False\ndef main():\n    app.run(host='0.0.0.0', debug=DEBUG_MODE)\n",
        "serve.py",
    ),
    "starlette alias": (
        "from starlette.applications import Starlette as S\napp = S(debug=True, routes=routes)\n",
        "from starlette.applications import Starlette as S\napp = S(debug=False, routes=routes)\n",
        "shop/app.py",
    ),
    "django production settings": ("DEBUG = True\nALLOWED_HOSTS = ['*']\n", "DEBUG = False\nALLOWED_HOSTS = ['*']\n",
                                   "mysite/settings/production.py"),
    "werkzeug": (
        "from werkzeug.serving import run_simple\nrun_simple('0.0.0.0', 80, app, use_debugger=True, use_reloader=False)\n",
        "from werkzeug.serving import run_simple\nrun_simple('0.0.0.0', 80, app, use_debugger=False, use_reloader=False)\n",
        "serve.py",
    ),
}


def test_br703_reloaders_are_low_and_never_rewritten():
    """A LOW finding carries no fix: the reloader is a development habit, not an exposure."""
    for code, path in [("import uvicorn\nuvicorn.run('app.main:app', host='0.0.0.0', reload=True)\n", "app/run.py"),
                       ("bind = '0.0.0.0:8000'\nreload = True\n", "gunicorn.conf.py")]:
        found = findings(code, path, "LOW")
        assert [(f.code, f.confidence, f.fix) for f in found] == [("BR703", "LOW", None)]


@pytest.mark.parametrize("code,expected,path", BR703_FIXES.values(), ids=BR703_FIXES.keys())
def test_br703_unsafe_fixes(code, expected, path):
    assert findings(code, path, "LOW"), "the example must be reported"
    assert fixed(code, path) == expected
    assert fixed(code, path, unsafe=False) == code
    assert [f.code for f in findings(expected, path, "LOW")] == []


BR703_NOT_FIXED = {
    "environment default": ("import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', default=True)\n",
                            "shop/settings.py"),
    "os.environ default": ("import os\nDEBUG = os.environ.get('DEBUG', 'True') == 'True'\n", "shop/settings.py"),
    "django-environ scheme default": ("import environ\nenv = environ.Env(DEBUG=(bool, True))\n", "shop/settings.py"),
    "pydantic settings field": (
        "from pydantic_settings import BaseSettings\nclass Settings(BaseSettings):\n    debug: bool = True\n",
        "app/config.py",
    ),
    "parameter default": ("def serve(debug=True):\n    app.run(host='0.0.0.0', debug=debug)\n", "serve.py"),
    "under a development condition": (
        "def create_app(env):\n    app = Flask(__name__)\n    if env == 'development':\n        app.debug = True\n",
        "app/__init__.py",
    ),
    "debug=1 has no literal True to flip": ("app.run(host='0.0.0.0', debug=1)\n", "serve.py"),
}


@pytest.mark.parametrize("code,path", BR703_NOT_FIXED.values(), ids=BR703_NOT_FIXED.keys())
def test_br703_left_without_a_fix(code, path):
    assert findings(code, path, "LOW"), "the example must still be reported"
    assert fixed(code, path) == code


EXAMPLE_FILES = [
    "flask_sqlalchemy_app/tokens.py", "flask_sqlalchemy_app/run.py", "fastapi_service/partners.py",
    "fastapi_service/server.py", "django_blog/settings_dev.py", "django_blog/settings_production.py",
    "django_blog/settings_staging.py",
]


def test_example_apps_fixed_with_unsafe_fixes_only(tmp_path, monkeypatch):
    """``check --fix`` leaves the example apps alone (no safe fix); ``--fix --unsafe-fixes`` removes
    every fixable BR702/BR703 finding, leaves the others (an environment default) and keeps each
    file parsing."""
    import ast
    import shutil
    from pathlib import Path

    from backend_rules.cli import main

    examples = Path(__file__).resolve().parent.parent / "examples"
    for name in EXAMPLE_FILES:
        (tmp_path / "examples" / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(examples / name, tmp_path / "examples" / name)
    monkeypatch.chdir(tmp_path)
    paths = [f"examples/{name}" for name in EXAMPLE_FILES]
    original = {path: Path(path).read_text() for path in paths}
    before = {path: findings(original[path], path) for path in paths}
    fixable = [(path, f.line) for path in paths for f in before[path] if f.fix is not None]
    unfixable = [(path, f.line) for path in paths for f in before[path] if f.fix is None]
    assert len(fixable) >= 9 and unfixable == [("examples/django_blog/settings_production.py", 8)]
    assert all(f.fix[0] == "unsafe" for path in paths for f in before[path] if f.fix is not None)

    select = ["--select", "BR702,BR703", "--no-cache", "--exit-zero"]
    main(["check", *paths, "--fix", *select])
    assert {path: Path(path).read_text() for path in paths} == original

    main(["check", *paths, "--fix", "--unsafe-fixes", *select])
    after = {path: Path(path).read_text() for path in paths}
    assert after != original
    for path in paths:
        ast.parse(after[path], path)
    remaining = [(path, f.line) for path in paths for f in findings(after[path], path, "LOW")]
    assert sorted(remaining) == sorted(unfixable + [("examples/fastapi_service/server.py", 13)])  # the LOW reloader


def test_br703_message_says_what_to_do():
    (finding,) = findings('app.run(host="0.0.0.0", debug=True)\n', "app/main.py")
    assert finding.message.endswith("turns debug mode on; read it from the environment, off by default")


def test_br702_a_certificate_scanner_is_low():
    code = """
        import socket
        import ssl
        def fetch_certificate(host, port, timeout=5):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            conn = socket.create_connection((host, port), timeout)
            with context.wrap_socket(conn, server_hostname=host) as sock:
                return ssl.DER_cert_to_PEM_cert(sock.getpeercert(True))
        """
    assert confidences(code, "app/scan.py") == [("BR702", "LOW"), ("BR702", "LOW")]


def test_br702_a_client_that_sends_data_keeps_its_confidence():
    code = """
        import socket
        import ssl
        def send(host, port, payload):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with context.wrap_socket(socket.create_connection((host, port)), server_hostname=host) as sock:
                sock.sendall(payload)
        """
    assert [c for _, c in confidences(code, "app/send.py")] == ["HIGH", "HIGH"]
