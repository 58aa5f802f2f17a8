"""Where a debug flag matters: which objects are web apps, which modules and classes are settings,
and which files, commands and classes are named for development (where debug mode belongs).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import libcst as cst

from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import find

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.context import FileContext

APP_FACTORIES = {
    "flask.Flask", "quart.Quart", "sanic.Sanic", "dash.Dash", "flask_socketio.SocketIO", "connexion.App",
    "connexion.FlaskApp", "connexion.AsyncApp", "bottle.Bottle", "fastapi.FastAPI",
    "starlette.applications.Starlette", "tornado.web.Application", "falcon.App", "aiohttp.web.Application",
}
APP_NAME = re.compile(r"(?i)(^|_)(app|application|api|server|socketio|sio|webapp)$")
APP_MAKER = re.compile(r"(?i)^(create|make|get|build|init|setup)_(app|application|server)$")
# Files, folders, functions, commands and classes named for development or tests.
DEV_WORD = re.compile(
    r"(?i)(^|[_\-.])(dev|devel|develop|development|local|locals|test|tests|testing|ci|debug|debugging|sandbox|demo)([_\-.]|$)"
    r"|^dev(server|settings|config)|^runserver|development|^local(settings|config)"
)
SETTINGS_STEM = re.compile(r"(?i)settings|config|conf$|^conf|^prod|^production|^staging|^base$|^common$|^defaults?$")
SETTINGS_DIRS = {"settings", "config", "conf", "configs", "configuration"}
SETTINGS_NAMES = {
    "INSTALLED_APPS", "ROOT_URLCONF", "MIDDLEWARE", "ALLOWED_HOSTS", "SECRET_KEY", "SQLALCHEMY_DATABASE_URI",
    "DATABASES", "WSGI_APPLICATION", "TEMPLATES", "STATIC_URL",
}
# Shared defaults that a per-environment module or class is expected to override.
SHARED_DEFAULTS = re.compile(r"(?i)(^|_)(base|common|default|defaults|global|shared)(_|$)")
CONFIG_CLASS = re.compile(r"(?i)config|settings|conf$|options$")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _words(name: str) -> str:
    """``DevelopmentConfig`` -> ``Development_Config``: CamelCase parts become separate words."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)


def dev_named(path: str) -> bool:
    """The file or its folder is named for development or tests (``settings/dev.py``,
    ``local_settings.py``, ``config/development.py``, ``run_dev.py``)."""
    pure = PurePosixPath(path)
    return bool(DEV_WORD.search(_words(pure.stem)) or DEV_WORD.search(pure.parent.name))


def named_for_development(path: str, stack: list[cst.CSTNode]) -> bool:
    """The file, or an enclosing function (its name or a decorator's text, as in
    ``@cli.command("develop")``), is named for development."""
    if dev_named(path):
        return True
    for node in stack:
        if isinstance(node, cst.FunctionDef):
            if DEV_WORD.search(_words(node.name.value)):
                return True
            for decorator in node.decorators:
                if find(decorator, lambda n: isinstance(n, cst.SimpleString) and bool(DEV_WORD.search(str(literal(n))))):
                    return True
    return False


def asked_for_development(stack: list[cst.CSTNode], names_in: Callable[[cst.BaseExpression], list[str]]) -> bool:
    """An enclosing condition names development (``if app.config["ENV"] == "development":``,
    ``if settings.DEBUG:``, ``if args.dev:``): debug mode only when asked for."""
    return any(
        isinstance(node, (cst.If, cst.IfExp))
        and any(DEV_WORD.search(_words(name.replace(".", "_"))) or "debug" in name.lower() for name in names_in(node.test))
        for node in stack
    )


def is_app(expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext) -> bool:
    """``expr`` is a web application object: made by a framework's constructor or an app
    factory (here or where the name was bound), or named like one (``app``, ``self.app``)."""
    if isinstance(expr, cst.Name):
        resolved, _ = follow(expr, stack, context)
        if resolved is not expr and isinstance(resolved, cst.Call) and _made_as_app(resolved, context):
            return True
        return bool(APP_NAME.search(expr.value))
    if isinstance(expr, cst.Call):
        return _made_as_app(expr, context)
    if isinstance(expr, cst.Attribute):
        return bool(APP_NAME.search(expr.attr.value))
    return False


def _made_as_app(call: cst.Call, context: FileContext) -> bool:
    qualified = context.imports.qualify(call.func) or ""
    return qualified in APP_FACTORIES or bool(APP_MAKER.match(qualified.split(".")[-1]))


def loopback_host(call: cst.Call, keywords: dict[str, cst.BaseExpression]) -> bool:
    """The server listens on this machine only (``host="127.0.0.1"``): the debugger is not
    reachable from the network."""
    host = keywords.get("host")
    if host is None:
        positional = [a.value for a in call.args if a.keyword is None and not a.star]
        host = positional[0] if positional and isinstance(call.func, cst.Attribute) else None
    value = literal(host) if host is not None else None
    return isinstance(value, str) and (value in LOOPBACK or value.startswith("127."))


def module_debug_place(path: str, context: FileContext) -> str | None:
    """Whether a module-level ``DEBUG`` is a setting: "report" for a settings/config module,
    "low" for shared defaults (``settings/base.py``) or a DEBUG reassigned later, None otherwise."""
    pure = PurePosixPath(path)
    facts = context.scope_facts(context.module)
    settings_like = (
        SETTINGS_STEM.search(pure.stem) or pure.parent.name in SETTINGS_DIRS
        or SETTINGS_NAMES & set(facts.bindings) or _loads_itself_as_config(context.module)
    )
    if not settings_like:
        return None
    if SHARED_DEFAULTS.search(_words(pure.stem)) or len(facts.bindings.get("DEBUG", ())) > 1:
        return "low"
    return "report"


def _loads_itself_as_config(module: cst.Module) -> bool:
    """``app.config.from_object(__name__)``: the module's capitals are the app's settings."""

    def loads(node: cst.CSTNode) -> bool:
        return (
            isinstance(node, cst.Call) and (dotted_name(node.func) or "").endswith("config.from_object")
            and bool(node.args) and isinstance(node.args[0].value, cst.Name) and node.args[0].value.value == "__name__"
        )

    return find(module, loads, skip=()) is not None


def class_debug_place(cls: cst.ClassDef, name: str, context: FileContext) -> str | None:
    """Whether ``DEBUG``/``debug`` in this class body is a setting: "high" for a config class,
    "medium" for a pydantic settings field (the environment can override it), "low" for a base
    class that subclasses in the module override; None for development classes and non-config."""
    if DEV_WORD.search(_words(cls.name.value)):
        return None
    bases = [dotted_name(b.value) or "" for b in cls.bases]
    if any(b.split(".")[-1] == "BaseSettings" for b in bases):
        return "medium"  # pydantic settings: the environment can still turn it off
    if name == "debug":
        return None
    if not (CONFIG_CLASS.search(cls.name.value) or any(CONFIG_CLASS.search(b.split(".")[-1]) for b in bases)):
        return None
    shared_module = SHARED_DEFAULTS.search(_words(PurePosixPath(context.options.get("relative_path", "")).stem))
    if SHARED_DEFAULTS.search(_words(cls.name.value)) or shared_module or _overridden_below(cls, context.module):
        return "low"
    return "high"


def _overridden_below(cls: cst.ClassDef, module: cst.Module) -> bool:
    """A subclass in the same module sets DEBUG again (the base only holds a default)."""

    def overrides(node: cst.CSTNode) -> bool:
        if not isinstance(node, cst.ClassDef) or node is cls:
            return False
        if not any(dotted_name(b.value) == cls.name.value for b in node.bases):
            return False
        return find(node.body, lambda n: isinstance(n, cst.AssignTarget) and dotted_name(n.target) == "DEBUG") is not None

    return find(module, overrides, skip=()) is not None


def in_documentation(path: str) -> bool:
    """Code under ``docs/`` (at any depth): samples a reader copies, not a deployment."""
    return any(part in {"docs", "doc"} for part in PurePosixPath(path).parts[:-1])
