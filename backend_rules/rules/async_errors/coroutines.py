"""Which functions are coroutine functions: this module's ``async def``s, and the project's.

Coroutine functions of other project modules come from the project index: the ``async_defs``
fact collector below records them per module (with relative re-exports).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.project_facts import fact_collector, module_name
from backend_rules.analysis.walk import find
from backend_rules.rules.async_errors.file_cache import file_cache

# Decorators that keep an ``async def`` a coroutine function when applied.
SAFE_DECORATORS = {
    "staticmethod", "classmethod", "abstractmethod", "override", "overload", "wraps", "get", "post",
    "put", "delete", "patch", "head", "options", "route", "api_route", "websocket", "websocket_route",
    "on_event", "exception_handler", "middleware", "retry", "inject", "traced", "trace", "timed",
    "instrument", "log_errors", "typechecked", "validate_call", "final", "lru_cache",
}


def is_async_generator(func: cst.FunctionDef) -> bool:
    return find(func.body, lambda node: isinstance(node, cst.Yield)) is not None


def _decorator_name(decorator: cst.BaseExpression) -> str:
    if isinstance(decorator, cst.Call):
        decorator = decorator.func
    return (dotted_name(decorator) or "").split(".")[-1]


def is_plain_coroutine_function(func: cst.FunctionDef) -> bool:
    """``async def`` whose call gives a coroutine: not a generator, no transforming decorator."""
    if func.asynchronous is None:
        return False
    if any(_decorator_name(d.decorator) not in SAFE_DECORATORS for d in func.decorators):
        return False
    return not is_async_generator(func)


def _body_statements(body: Any) -> Iterable[cst.CSTNode]:
    if isinstance(body, cst.IndentedBlock):
        return body.body
    return []


def def_kinds(statements: Iterable[cst.CSTNode], nested: bool = True) -> dict[str, str]:
    """name -> "async" | "sync" | "other" for the functions/assignments of a block."""
    kinds: dict[str, str] = {}

    def mark(name: str, kind: str) -> None:
        previous = kinds.get(name)
        kinds[name] = kind if previous is None or previous == kind else "other"

    for statement in statements:
        if isinstance(statement, cst.FunctionDef):
            mark(statement.name.value, "async" if is_plain_coroutine_function(statement) else "sync")
        elif isinstance(statement, cst.ClassDef):
            mark(statement.name.value, "class")
        elif isinstance(statement, (cst.If, cst.Try)) and nested:
            blocks = [statement.body]
            if isinstance(statement, cst.If) and statement.orelse is not None:
                blocks.append(statement.orelse.body)
            if isinstance(statement, cst.Try):
                blocks += [h.body for h in statement.handlers]
            for block in blocks:
                for name, kind in def_kinds(_body_statements(block)).items():
                    mark(name, kind)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        local = alias.asname.name if alias.asname else alias.name
                        name = dotted_name(local)  # type: ignore[arg-type]
                        if name:
                            mark(name.split(".")[0], "import")
                    continue
                targets: list[cst.BaseExpression] = []
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    targets = [small.target]
                for target in targets:
                    if isinstance(target, cst.Name):
                        mark(target.value, "other")
    return kinds


def class_kinds(context: Any, node: cst.ClassDef) -> dict[str, str]:
    cache = file_cache(context).setdefault("classes", {})
    kinds = cache.get(id(node))
    if kinds is None:
        kinds = cache[id(node)] = def_kinds(_body_statements(node.body), nested=False)
    return kinds


def module_kinds(context: Any) -> dict[str, str]:
    cache = file_cache(context)
    if "module" not in cache:
        cache["module"] = def_kinds(context.module.body)
    return cache["module"]


def module_classes(context: Any) -> dict[str, cst.ClassDef]:
    cache = file_cache(context)
    if "module_classes" not in cache:
        cache["module_classes"] = {
            s.name.value: s for s in context.module.body if isinstance(s, cst.ClassDef)
        }
    return cache["module_classes"]


def current_module(context: Any) -> str | None:
    project = context.project
    if project is None:
        return None
    cache = file_cache(context)
    if "module_name" not in cache:
        try:
            cache["module_name"] = module_name(project.root, context.path)
        except ValueError:
            cache["module_name"] = ""
    return cache["module_name"]


def _absolute_candidates(name: str, here: str) -> list[str]:
    """``..mod.f`` seen from module ``here`` -> the absolute names it can mean."""
    if not name.startswith("."):
        return [name]
    level = len(name) - len(name.lstrip("."))
    rest = name[level:]
    parts = here.split(".") if here else []
    results = []
    # ``here`` may be a package (its __init__) or a plain module: try both readings
    for drop in (level - 1, level):
        if drop > len(parts):
            continue
        base = parts[: len(parts) - drop]
        results.append(".".join([*base, rest] if rest else base))
    return [r for r in results if r]


def project_coroutine(context: Any, qualified: str, depth: int = 0) -> bool:
    """Whether ``qualified`` (``pkg.mod.func`` / ``pkg.mod.Class.method``) is an ``async def``."""
    if depth > 3 or context.project is None:
        return False
    facts = context.project.facts("async_defs")
    if not facts:
        return False
    here = current_module(context) or ""
    for candidate in _absolute_candidates(qualified, here):
        parts = candidate.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module, rest = ".".join(parts[:cut]), parts[cut:]
            data = facts.get(module)
            reexports = (data or {}).get("r") or package_reexports(context.project.root, module)
            if data is None and not reexports:
                continue
            if data is not None and ".".join(rest) in data.get("c", ()):
                return True
            target = reexports.get(rest[0])
            if target:
                for resolved in _absolute_candidates(target, module):
                    full = ".".join([resolved, *rest[1:]])
                    if full != candidate and project_coroutine_absolute(context, full, depth + 1):
                        return True
            break  # the longest module prefix decides for this reading
    return False


@lru_cache(maxsize=1024)
def package_reexports(root: str, module: str) -> dict[str, str]:
    """Names a package's ``__init__.py`` imports (``from .sender import send``), read lazily.

    Packages rarely define coroutines themselves, so the index does not parse every
    ``__init__.py``; the few a rule asks about are read here, once per process.
    """
    folder = os.path.join(*module.split("."))
    for base in (root, os.path.join(root, "src")):
        path = os.path.join(base, folder, "__init__.py")
        if not os.path.isfile(path):
            continue
        try:
            with open(path, "rb") as handle:
                tree = ast.parse(handle.read())
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
        found: dict[str, str] = {}
        for statement in _ast_block(tree.body):
            if isinstance(statement, ast.ImportFrom):
                prefix = "." * statement.level + (f"{statement.module}." if statement.module else "")
                for alias in statement.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = prefix + alias.name
        return found
    return {}


def project_coroutine_absolute(context: Any, qualified: str, depth: int) -> bool:
    return project_coroutine(context, qualified, depth) if not qualified.startswith(".") else False


def project_method_names(project: Any) -> set[str]:
    """Every ``Class.method`` coroutine name of the project, by method name (memoised per index)."""
    entry = _PROJECT_METHODS.get(id(project))
    if entry is None or entry[0] is not project:
        names: set[str] = set()
        for data in project.facts("async_defs").values():
            names.update(n.rsplit(".", 1)[1] for n in data.get("c", ()) if "." in n)
        entry = _PROJECT_METHODS[id(project)] = (project, names)
    return entry[1]


_PROJECT_METHODS: dict[int, tuple[Any, set[str]]] = {}


# --------------------------------------------------------------------------------------------
# Cross-file facts
# --------------------------------------------------------------------------------------------


def _ast_decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    while isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _ast_is_coroutine(node: ast.AST) -> bool:
    if not isinstance(node, ast.AsyncFunctionDef):
        return False
    if any(_ast_decorator_name(d) not in SAFE_DECORATORS for d in node.decorator_list):
        return False
    todo = list(node.body)
    while todo:
        item = todo.pop()
        if isinstance(item, (ast.Yield, ast.YieldFrom)):
            return False
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(item))
    return True


def _ast_block(statements: list[ast.stmt]) -> Iterable[ast.stmt]:
    for statement in statements:
        yield statement
        if isinstance(statement, ast.If):
            yield from _ast_block(statement.body)
            yield from _ast_block(statement.orelse)
        elif isinstance(statement, ast.Try):
            yield from _ast_block(statement.body)
            for handler in statement.handlers:
                yield from _ast_block(handler.body)


@fact_collector("async_defs", trigger=r"async\s+def")
def collect_async_defs(tree: ast.Module, module: str) -> dict[str, Any]:
    """Coroutine functions and methods of a module, its sync namesakes, and relative re-exports."""
    coroutines: list[str] = []
    sync: list[str] = []
    reexports: dict[str, str] = {}

    def add(name: str, node: ast.AST) -> None:
        (coroutines if _ast_is_coroutine(node) else sync).append(name)

    for statement in _ast_block(tree.body):
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add(statement.name, statement)
        elif isinstance(statement, ast.ClassDef):
            for item in statement.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    add(f"{statement.name}.{item.name}", item)
        elif isinstance(statement, ast.ImportFrom) and statement.level:
            for alias in statement.names:
                if alias.name != "*":
                    source = "." * statement.level + (f"{statement.module}." if statement.module else "")
                    reexports[alias.asname or alias.name] = source + alias.name
    facts: dict[str, Any] = {}
    # a name defined both ways (a sync fallback under ``if``/``try``) is not known to be async
    async_names = sorted(set(coroutines) - set(sync))
    if async_names:
        facts["c"] = async_names
    if reexports:
        facts["r"] = reexports
    return facts
