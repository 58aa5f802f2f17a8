"""BR703: a web framework's debug mode (or the auto-reloader) is switched on outside development."""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.bound_values import flag_value, follow, literal
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.input_transport.debug_places import (
    asked_for_development,
    class_debug_place,
    dev_named,
    in_documentation,
    is_app,
    loopback_host,
    module_debug_place,
    named_for_development,
)
from backend_rules.rules.input_transport.transport_flags import (
    flipped_flag,
    names_in_condition,
)

DEBUG_CONSTRUCTORS = {
    "fastapi.FastAPI", "starlette.applications.Starlette", "starlette.Starlette", "litestar.Litestar",
    "tornado.web.Application", "sanic.Sanic", "aiohttp.web.Application", "aiohttp.web_app.Application",
}
RUNNERS = {"run", "run_server"}
GUNICORN_CONFIG = re.compile(r"(^|/)gunicorn[\w.]*\.py$|(^|/)gunicorn/[^/]+\.py$")
REMEDY = "read it from the environment, off by default"
RELOADER = "restarts the server on every file change (not a debug mode)"
LEVELS = ("LOW", "MEDIUM", "HIGH")


class DebugModeEnabled(Rule):
    """A web framework's debug mode is switched on in code that is not for development.

    ## What it does
    Finds debug mode hard-wired on, through import aliases and flags held in constants:
    - Flask/Quart/Dash `app.run(debug=True)`, `app.debug = True`, `app.config["DEBUG"] = True`,
      `app.config.update(DEBUG=True)`, flask-socketio `socketio.run(app, debug=True)`;
    - `FastAPI(debug=True)`, `Starlette(debug=True)`, Litestar, Tornado and aiohttp
      `Application(debug=True)`;
    - Werkzeug `run_simple(..., use_debugger=True)`, `DebuggedApplication(app, evalex=True)`;
    - Django/Flask settings: `DEBUG = True` in a settings or config module (or config class) not
      named for development (`dev`, `local`, `test`), `DEBUG = env.bool("DEBUG", default=True)`
      and other environment reads that default to on;
    - with LOW confidence only, `uvicorn.run(..., reload=True)` (or `uvicorn.Config`) and
      `reload = True` in a gunicorn config file: the reloader exposes nothing (it is not a debug
      mode) and such launchers are mostly development runners; it is worth a look, not an alarm.

    ## Why is this bad?
    Debug pages show stack traces, settings, SQL and source to every visitor; the Werkzeug
    debugger runs any Python code typed into the browser (CWE-489, CWE-215). A setting that
    defaults to on is on in every deployment that forgot to set it.

    ## Example
    ```python
    if __name__ == "__main__":
        app.run(host="0.0.0.0", port=8000, debug=True)
    ```

    ## Use instead
    ```python
    if __name__ == "__main__":
        app.run(host="0.0.0.0", port=8000, debug=os.environ.get("FLASK_DEBUG") == "1")
    ```
    A server bound to 127.0.0.1 (written out) is reported with LOW confidence, as are
    base/common settings, base
    config classes that subclasses override, code under a condition that names development
    (`if app.config["ENV"] == "development":`), and docs with LOW. Not reported: settings or entry points named
    for development, demos or tests (`settings/dev.py`, `local_settings.py`, `sandbox/settings.py`,
    `DevelopmentConfig`, a `develop` command), and tests.

    ## Fix safety
    An unsafe fix (applied only with `--fix --unsafe-fixes`) writes `False` where `True` is
    written: `debug=True` -> `debug=False` (also positional `app.run(host, port, True)`),
    `app.debug = True`, `app.config["DEBUG"] = True`, `DEBUG = True` in a settings module or
    config class, `config.update(DEBUG=True)`, `use_debugger=True`, `evalex=True`;
    a flag held in a constant (`DEBUG_MODE = True` then `app.run(debug=DEBUG_MODE)`) is fixed
    where the constant is set. It is unsafe because it changes behaviour: whoever relied on the
    debug pages or the reloader in that place loses them, and a constant may be read elsewhere too.
    No fix for environment defaults (`env.bool("DEBUG", default=True)`, `environ.Env(DEBUG=(bool,
    True))`, pydantic settings fields): make the default off, or read it from the environment, by
    hand; nor for parameter defaults and LOW findings (base settings, development conditions, docs).
    """

    CODE = "BR703"
    FIX = "unsafe"
    NAME = "debug-mode-enabled"
    MESSAGE = "{what} {effect}; {remedy}"
    CATEGORY = "security"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    CWE = 489
    TRIGGER = r"(?i)debug|reload|evalex|\.run\("
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not is_test_code(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        keywords = {"debug", "DEBUG", "reload", "use_debugger", "evalex"}
        if any(k.arg in keywords for k in nodes(tree, ast.keyword)):
            return True
        for node in nodes(tree, ast.Assign, ast.AnnAssign):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name) and target.id in {"DEBUG", "debug", "reload"}:
                    return True
                if isinstance(target, ast.Attribute) and target.attr == "debug":
                    return True
        if any(c.value == "DEBUG" for c in nodes(tree, ast.Constant)):
            return True  # app.config["DEBUG"] = ..., config.update({"DEBUG": ...})
        return any(isinstance(c.func, ast.Attribute) and c.func.attr == "run" and len(c.args) >= 3
                   for c in nodes(tree, ast.Call))

    def _relative_path(self) -> str:
        return self.context.options.get("relative_path", "") or self.context.path

    def _on(
        self, node: cst.CSTNode, expr: cst.BaseExpression, what: str, remedy: str = REMEDY, at_most: str = "HIGH",
        fixable: bool = True, effect: str = "turns debug mode on",
    ) -> None:
        """Report when ``expr`` is on; confidence is the lowest of ``at_most``, where the value
        came from (an environment default: MEDIUM, a parameter default: LOW) and docs (LOW).
        The fix writes ``False`` over a literal ``True`` (see "Fix safety"); ``fixable`` is False
        where that ``True`` is itself an environment default."""
        value, where = flag_value(expr, self.context.stack, self.context)
        if value is not True and not (isinstance(value, (int, str)) and str(value).lower() in {"1", "true", "yes", "on"}):
            return
        levels = [at_most]
        if where == "environment":
            what = f"{what} (the environment default)"
            levels.append("MEDIUM")
        elif where == "default":
            levels.append("LOW")
        if in_documentation(self._relative_path()) or asked_for_development(self.context.stack, names_in_condition):
            levels.append("LOW")
        confidence = min(levels, key=LEVELS.index)
        fix = None
        if fixable and where != "environment" and confidence != "LOW":
            fix = flipped_flag(expr, self.context.stack, self.context, True, "switch debug mode off")
        self.report(node, what=what, effect=effect, remedy=remedy, confidence=confidence, fix=fix)

    # ------------------------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.imports.qualify(node.func) or ""
        func = node.func
        last = qualified.split(".")[-1] if qualified else (func.attr.value if isinstance(func, cst.Attribute) else "")
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if last == "run" and len(positional) >= 3 and "debug" not in keywords:
            keywords["debug"] = positional[2]  # Flask.run(host, port, debug)
        if qualified in DEBUG_CONSTRUCTORS and "debug" in keywords:
            self._on(node, keywords["debug"], f"{last}(debug=True)")
        elif qualified in {"uvicorn.run", "uvicorn.Config"}:
            self._uvicorn(node, qualified, keywords)
        elif last in RUNNERS and "debug" in keywords and (
            qualified in {"bottle.run", "flask_socketio.SocketIO.run"}
            or isinstance(func, cst.Attribute) and is_app(func.value, self.context.stack, self.context)
        ):
            if not named_for_development(self._relative_path(), self.context.stack):
                self._on(node, keywords["debug"], f"{dotted_name(func) or last}(debug=True)",
                         at_most="LOW" if loopback_host(node, keywords) else "HIGH")
        elif qualified.endswith("run_simple") and "use_debugger" in keywords:
            if not named_for_development(self._relative_path(), self.context.stack):
                self._on(node, keywords["use_debugger"], "run_simple(use_debugger=True)")
        elif qualified.endswith("DebuggedApplication") and "evalex" in keywords:
            self._on(node, keywords["evalex"], "DebuggedApplication(evalex=True)", "never expose the debugger console")
        elif qualified == "bottle.debug" and node.args:
            self._on(node, node.args[0].value, "bottle.debug(True)")
        elif last in {"update", "from_mapping"} and isinstance(func, cst.Attribute) and func.attr.value == last:
            self._config_update(node, func, keywords)
        elif qualified == "environ.Env" and "DEBUG" in keywords:
            scheme = keywords["DEBUG"]
            if isinstance(scheme, cst.Tuple) and len(scheme.elements) == 2:
                self._on(node, scheme.elements[1].value, "environ.Env(DEBUG=(bool, True))", fixable=False)

    def _uvicorn(self, node: cst.Call, qualified: str, keywords: dict[str, cst.BaseExpression]) -> None:
        if named_for_development(self._relative_path(), self.context.stack):
            return
        if "debug" in keywords:
            self._on(node, keywords["debug"], f"{qualified}(debug=True)", at_most="LOW" if loopback_host(node, keywords) else "HIGH")
        elif "reload" in keywords:
            # The reloader shows nothing to anyone (no debugger, no tracebacks): a development habit
            # worth a look, not an exposure; launchers like this are mostly dev runners.
            self._on(node, keywords["reload"], f"{qualified}(reload=True)", "keep the reloader to development",
                     at_most="LOW", effect=RELOADER)

    def _config_update(self, node: cst.Call, func: cst.Attribute, keywords: dict[str, cst.BaseExpression]) -> None:
        owner = dotted_name(func.value) or ""
        if not owner.endswith("config"):
            return
        if "DEBUG" in keywords:
            self._on(node, keywords["DEBUG"], f"{owner}.{func.attr.value}(DEBUG=True)")
            return
        for arg in node.args:
            mapping, _ = follow(arg.value, self.context.stack, self.context)
            if isinstance(mapping, cst.Call) and dotted_name(mapping.func) == "dict":
                for inner in mapping.args:
                    if inner.keyword is not None and inner.keyword.value == "DEBUG":
                        self._on(node, inner.value, f"{owner}.{func.attr.value}(DEBUG=True)")
            elif isinstance(mapping, cst.Dict):
                for element in mapping.elements:
                    if isinstance(element, cst.DictElement) and literal(element.key) == "DEBUG":
                        self._on(node, element.value, f"{owner}.{func.attr.value}(DEBUG=True)")

    # ------------------------------------------------------------------------------ assignments
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assigned(node, target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assigned(node, node.target, node.value)

    def _assigned(self, node: cst.CSTNode, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        stack, context = self.context.stack, self.context
        if isinstance(target, cst.Attribute) and target.attr.value == "debug":
            if is_app(target.value, stack, context):
                self._on(node, value, f"{dotted_name(target) or 'app.debug'} = True")
        elif isinstance(target, cst.Subscript) and (dotted_name(target.value) or "").endswith("config"):
            index = target.slice[0].slice if len(target.slice) == 1 else None
            if isinstance(index, cst.Index) and literal(index.value) == "DEBUG":
                self._on(node, value, f'{dotted_name(target.value)}["DEBUG"] = True')
        elif isinstance(target, cst.Name) and target.value in {"DEBUG", "debug"}:
            self._debug_setting(node, target.value, value)
        elif (
            isinstance(target, cst.Name) and target.value == "reload" and isinstance(stack[-2], cst.Module)
            and GUNICORN_CONFIG.search(self._relative_path())
        ):
            self._on(node, value, "reload = True in the gunicorn config", "keep the reloader to development",
                     at_most="LOW", effect=RELOADER)

    def _debug_setting(self, node: cst.CSTNode, name: str, value: cst.BaseExpression) -> None:
        stack = self.context.stack
        if len(stack) >= 3 and isinstance(stack[-3], cst.ClassDef) and isinstance(stack[-2], cst.IndentedBlock):
            cls = stack[-3]
            place = class_debug_place(cls, name, self.context)
            if place is not None:  # a pydantic settings field ("medium") is an environment default: no fix
                self._on(node, value, f"{cls.name.value}.{name} = True", at_most=place.upper(), fixable=place != "medium")
            return
        if name != "DEBUG" or not (len(stack) >= 2 and isinstance(stack[-2], cst.Module)):
            return
        place = module_debug_place(self._relative_path(), self.context)
        if place is not None and not dev_named(self._relative_path()):
            self._on(node, value, "DEBUG = True in a settings module", at_most="LOW" if place == "low" else "MEDIUM")

    VALID = [
        """
        import os
        from flask import Flask
        app = Flask(__name__)
        if __name__ == "__main__":
            app.run(debug=os.environ.get("FLASK_DEBUG") == "1")
        """,
        # not a web app
        """
        def main(parser):
            parser.run(debug=True)
            logger_config = {"debug": True}
        """,
        Valid("DEBUG = True\nSECRET_KEY = 'x'\nINSTALLED_APPS = []\n", path="mysite/settings/dev.py"),
        Valid("DEBUG = True\nALLOWED_HOSTS = ['*']\n", path="mysite/local_settings.py"),
        Valid(
            """
            class Config:
                DEBUG = False
            class DevelopmentConfig(Config):
                DEBUG = True
            """,
            path="app/config.py",
        ),
        # uvicorn's reloader in a development command
        """
        import uvicorn
        def develop():
            uvicorn.run("app.main:app", reload=True)
        """,
    ]
    INVALID = [
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.run(host="0.0.0.0", debug=True)
            """,
            line=3, column=1,
            expected="""
            from flask import Flask
            app = Flask(__name__)
            app.run(host="0.0.0.0", debug=False)
            """,
        ),
        Invalid(
            """
            from fastapi import FastAPI as API
            api = API(title="orders", debug=True)
            """,
            line=2, column=7,
            expected="""
            from fastapi import FastAPI as API
            api = API(title="orders", debug=False)
            """,
        ),
        Invalid("import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', default=True)\n", line=3,
                path="shop/settings.py", message="environment default"),
        Invalid("SECRET_KEY = 'x'\nDEBUG = True\n", line=2, path="shop/settings/production.py",
                expected="SECRET_KEY = 'x'\nDEBUG = False\n"),
        Invalid(
            """
            class ProductionConfig:
                DEBUG = True
            """,
            line=2, path="app/config.py",
            expected="""
            class ProductionConfig:
                DEBUG = False
            """,
        ),
        Invalid(
            """
            import uvicorn
            if __name__ == "__main__":
                uvicorn.run("app.main:app", host="0.0.0.0", port=8000, reload=True)
            """,
            line=3, path="app/main.py", message="not a debug mode",
        ),
    ]
