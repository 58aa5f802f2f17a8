"""How much an N+1 finding matters, from where the code runs.

The same query per item costs a user's wait in a view, a worker's time in a background task and
nothing anyone notices in a one-off management command or migration. HIGH in request-serving
code (views, viewsets, serializers, GraphQL resolvers and mutations, API handlers, template tags,
admin callables, forms), MEDIUM in background tasks and code we cannot place, LOW in management
commands, seed/maintenance scripts and migrations. The enclosing function (its decorators, its
class's bases, its name) decides first; the file's kind (:func:`code_kind`) when it tells nothing.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.code_kinds import code_kind
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk

REQUEST_DECORATOR = re.compile(
    r"(^|\.)(route|get|post|put|patch|delete|head|options|websocket|api_view|action|view_config|view_defaults|"
    r"login_required|permission_required|require_http_methods|require_GET|require_POST|require_safe|csrf_exempt|"
    r"cache_page|staff_member_required|user_passes_test|simple_tag|inclusion_tag|filter|display|expose|"
    r"field|mutation|resolver|subscription|endpoint|jsonify|render_to|ajax_required|api_route|\w*rpc_method)$"
)
TASK_DECORATOR = re.compile(r"(^|\.)(task|shared_task|periodic_task|actor|job|db_task|db_periodic_task|cron|"
                            r"scheduled_job|background|on_commit|receiver|consumer|subscriber)$")
REQUEST_BASE = re.compile(
    r"(View|ViewSet|APIView|Handler|Resource|Endpoint|Controller|Admin|ModelAdmin|Inline|Serializer|Mutation|"
    r"ObjectType|DjangoObjectType|Form|ModelForm|FormSet|FilterSet|Middleware|Feed|Sitemap|Panel|Viewlet)$"
)
TASK_BASE = re.compile(r"(Task|Job|Worker|Actor|Consumer|Periodic\w*)$")
COMMAND_BASE = re.compile(r"(BaseCommand|Command|AppCommand|LabelCommand|Script|Migration)$")
COMMAND_DECORATOR = re.compile(r"(^|\.)(command|group|cli_command|manager_command)$")
# Framework entry points by name: GraphQL resolvers and mutations, template context, DRF output.
REQUEST_FUNCTION = re.compile(r"^(resolve_|mutate$|perform_mutation$|get_context_data$|to_representation$)")

# Demo and sample data generators (``populatedb``'s random_data.py): run by hand, on purpose.
SEED_DATA = re.compile(r"/[^/]*(random|sample|fake|dummy|demo|seed|populate)_?(data|db)[^/]*\.py$", re.IGNORECASE)
SIGNAL_MODULE = re.compile(r"/signals/|/(signals|receivers|signal_handlers)\.py$")
COMMAND_FOLDERS = ("/management/commands/", "/tasks/maintenance/", "/scripts/", "/bin/", "/cli/")
COMMAND_MODULE = re.compile(r"/(cli|manage|commands)\.py$")  # a package's click/Flask-Script command module
# Tests are checked only when asked for (queries-in-tests): then they count like any other code.
LEVEL = {"request": "HIGH", "task": "MEDIUM", "other": "MEDIUM", "test": "MEDIUM", "script": "LOW",
         "migration": "LOW", "command": "LOW"}


def _role_of_function(func: cst.FunctionDef, klass: cst.ClassDef | None) -> str | None:
    for decorator in func.decorators:
        node = decorator.decorator
        name = dotted_name(node.func if isinstance(node, cst.Call) else node) or ""
        if TASK_DECORATOR.search(name):
            return "task"
        if COMMAND_DECORATOR.search(name):
            return "command"
        if REQUEST_DECORATOR.search(name):
            return "request"
    if klass is not None:
        bases = [(dotted_name(b.value) or "").split(".")[-1] for b in klass.bases]
        if any(COMMAND_BASE.search(b) for b in bases):
            return "command"
        if any(TASK_BASE.search(b) for b in bases):
            return "task"
        if any(REQUEST_BASE.search(b) for b in bases):
            return "request"
    if REQUEST_FUNCTION.match(func.name.value) or _takes_request(func):
        return "request"
    return None


def _takes_request(func: cst.FunctionDef) -> bool:
    """``def moderation(request, ...)`` / ``def get(self, request, ...)``: a view by its signature."""
    names = [param.name.value for param in func.params.params[:2]]
    if names and names[0] in {"self", "cls"}:
        names = names[1:]
    return bool(names) and names[0] == "request"


def where_code_runs(context: Any, stack: list[cst.CSTNode]) -> str:
    """``request``, ``task``, ``command``, ``script``, ``migration``, ``test`` or ``other``."""
    kind = code_kind(context.options)
    if kind == "test":
        return kind
    if kind == "migration" or alembic_revision(context):
        return "migration"
    for index in range(len(stack) - 1, -1, -1):
        node = stack[index]
        if isinstance(node, cst.FunctionDef):
            klass = next((n for n in reversed(stack[:index]) if isinstance(n, cst.ClassDef)), None)
            owner = klass if klass is not None and _method_of(stack, index, klass) else None
            role = _role_of_function(node, owner) or ("command" if _talks_to_a_terminal(node) else None)
            if role is not None:
                return role if kind != "script" or role == "command" else "script"
    path = "/" + context.options.get("relative_path", "").replace("\\", "/")
    if any(folder in path for folder in COMMAND_FOLDERS) or SEED_DATA.search(path) or COMMAND_MODULE.search(path):
        return "command"  # (code_kind's patterns with an inner slash match only at the project root)
    if SIGNAL_MODULE.search(path):
        return "task"  # Django signal receivers (``signals/handlers.py``) run on saves, mostly in workers
    return kind


CLICK_OUTPUT = re.compile(r"^click\.(echo|secho|confirm|prompt|progressbar|style)$")


def _talks_to_a_terminal(func: cst.FunctionDef) -> bool:
    """The function prints with click (``click.secho(...)``): command-line code, run by hand."""
    found: list[bool] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call) and CLICK_OUTPUT.match(dotted_name(node.func) or ""):
            found.append(True)
        return not found and not isinstance(node, (cst.ClassDef, cst.Lambda))

    walk(func.body, enter)
    return bool(found)


def _method_of(stack: list[cst.CSTNode], index: int, klass: cst.ClassDef) -> bool:
    """The function at ``stack[index]`` is defined directly in ``klass``'s body."""
    position = stack.index(klass)
    return all(not isinstance(n, (cst.FunctionDef, cst.ClassDef)) for n in stack[position + 1:index])


def alembic_revision(context: Any) -> bool:
    """An Alembic revision file wherever it lives (``revisions/.../versions/``): run once, on purpose."""
    cached = context.__dict__.get("_alembic_revision")
    if cached is None:
        source = context.source
        cached = bool(re.search(r"^from alembic import op\b|^import alembic\b", source, re.MULTILINE)
                      and re.search(r"^def upgrade\(", source, re.MULTILINE)
                      and re.search(r"^(down_)?revision\s*[:=]", source, re.MULTILINE))
        context.__dict__["_alembic_revision"] = cached
    return cached


def confidence_at(context: Any, stack: list[cst.CSTNode]) -> str:
    """HIGH, MEDIUM or LOW for an N+1 found at ``stack``."""
    return LEVEL.get(where_code_runs(context, stack), "MEDIUM")
