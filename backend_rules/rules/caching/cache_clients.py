"""What a cache receiver is, and whether it expires entries by itself.

Redis and memcached clients keep an entry forever unless the call gives an expiry; aiocache
does too unless the cache was built with ``ttl=``. Django's and Flask-Caching's caches apply a
default timeout (300 s) unless the settings turn it off. The kind of a receiver comes from
where it was made: a local or module assignment, ``self.x = ...`` in the class, a parameter
annotation, an import of a module that builds one (through the project index), then its name.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.project_facts import fact_collector
from backend_rules.analysis.walk import walk

# Constructors and factories, by the last parts of their qualified names.
REDIS_MAKERS = re.compile(
    r"(^|\.)(Redis|StrictRedis|RedisCluster|FlaskRedis|FakeRedis|FakeStrictRedis|get_redis_connection)$"
    r"|(^|\.)(redis|aioredis|asyncio|coredis|valkey)\.(from_url|create_redis_pool|create_redis|Redis|client)$"
    r"|Redis\.from_url$|^redis\.")
MEMCACHE_MAKERS = re.compile(
    r"(^|\.)(pymemcache(\.client)?(\.base|\.hash)?\.(Client|HashClient|PooledClient)|memcache\.Client|pylibmc\.Client"
    r"|aiomcache\.Client|bmemcached\.Client)$")
AIOCACHE_MAKERS = re.compile(r"^aiocache(\.\w+)*\.(Cache|RedisCache|MemcachedCache|SimpleMemoryCache)$|^aiocache\.caches\.get$")
DEFAULT_TIMEOUT_MAKERS = re.compile(
    r"^django\.core\.cache\.(cache|caches)|^flask_caching\.Cache$|^cachelib\.|^flask_cache\.Cache$")
TYPE_NAMES = re.compile(r"(^|\.)(Redis|StrictRedis|RedisCluster)$")
MAKER_TRIGGER = r"redis|Redis|memcache|pylibmc|aiocache|flask_caching|CACHES"


def kind_of_maker(qualified: str, has_ttl: bool = False) -> str | None:
    """``redis`` / ``memcache`` / ``aiocache`` (no default expiry), ``default`` (one), or None."""
    if DEFAULT_TIMEOUT_MAKERS.search(qualified):
        return "default"
    if AIOCACHE_MAKERS.search(qualified):
        return "default" if has_ttl else "aiocache"
    if MEMCACHE_MAKERS.search(qualified):
        return "memcache"
    if REDIS_MAKERS.search(qualified):
        return "redis"
    return None


# --- project index: module-level clients and client factories, stdlib ast -----------------------

def _ast_dotted(node: ast.AST) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _ast_imports(tree: ast.Module) -> dict[str, str]:
    names: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _ast_maker_kind(value: ast.AST, imports: dict[str, str]) -> str | None:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    name = _ast_dotted(value.func)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    qualified = f"{imports[head]}.{rest}" if head in imports and rest else imports.get(head, name)
    return kind_of_maker(qualified, any(k.arg in {"ttl", "default_timeout"} for k in value.keywords))


def _caches_without_timeout(value: ast.AST) -> bool:
    """``CACHES = {"default": {..., "TIMEOUT": None}}``."""
    if not isinstance(value, ast.Dict):
        return False
    for inner in value.values:
        if isinstance(inner, ast.Dict):
            for key, item in zip(inner.keys, inner.values):
                if isinstance(key, ast.Constant) and key.value == "TIMEOUT" and isinstance(item, ast.Constant) and item.value is None:
                    return True
    return False


@fact_collector("cache_clients", trigger=MAKER_TRIGGER)
def collect_cache_clients(tree: ast.Module, module: str) -> dict[str, str]:
    """``{name: kind}`` for module-level clients, ``{"func()": kind}`` for factories returning one,
    and ``{"CACHES": "no-timeout"}`` for Django settings that turn the default timeout off."""
    imports = _ast_imports(tree)
    facts: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if "CACHES" in names and _caches_without_timeout(node.value):
                facts["CACHES"] = "no-timeout"
            kind = _ast_maker_kind(node.value, imports)
            for name in names:
                if kind:
                    facts[name] = kind
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Return) and inner.value is not None:
                    kind = _ast_maker_kind(inner.value, imports)
                    if kind:
                        facts[node.name + "()"] = kind
                        break
    return facts


# --- in the file being checked, libcst ----------------------------------------------------------

def _maker_kind(value: cst.BaseExpression | None, context: Any, depth: int = 0) -> str | None:
    if isinstance(value, cst.Await):
        value = value.expression
    if not isinstance(value, cst.Call):
        return None
    qualified = context.imports.qualify(value.func) or ""
    has_ttl = any(arg.keyword is not None and arg.keyword.value in {"ttl", "default_timeout"} for arg in value.args)
    kind = kind_of_maker(qualified, has_ttl)
    if kind is None and isinstance(value.func, cst.Attribute) and value.func.attr.value == "pipeline":
        return resolve_kind(value.func.value, [], context, depth + 1)  # pipe = r.pipeline()
    if kind is None and isinstance(value.func, cst.Name):
        local = context.scope_facts(context.module).functions.get(value.func.value)
        if local is not None and depth < 2:
            kind = _returned_kind(local, context, depth + 1)
        elif value.func.value in context.imports.names:
            kind = _indexed(context, value.func.value, "()")
    return kind


def _returned_kind(function: cst.FunctionDef, context: Any, depth: int) -> str | None:
    kinds: list[str] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Return) and node.value is not None:
            kind = _maker_kind(node.value, context, depth)
            if kind:
                kinds.append(kind)
        return not kinds

    walk(function.body, enter)
    return kinds[0] if kinds else None


def _indexed(context: Any, local: str, suffix: str = "") -> str | None:
    """The kind the project index records for an imported name (``from app.ext import redis``)."""
    project = context.project
    qualified = context.imports.names.get(local)
    if project is None or not qualified:
        return None
    module, _, name = qualified.rpartition(".")
    if module.startswith("."):
        from backend_rules.analysis.project_facts import module_name

        try:
            here = module_name(project.root, context.path).split(".")
        except ValueError:
            return None
        level = len(module) - len(module.lstrip("."))
        base = here[: max(len(here) - level, 0)]
        module = ".".join(base + [module.lstrip(".")]) if module.lstrip(".") else ".".join(base)
    facts = project.facts("cache_clients")
    for candidate, entries in facts.items():
        if candidate == module or candidate.endswith("." + module):
            kind = entries.get(name + suffix)
            if kind:
                return kind
    return None


def _binding_kind(name: str, scope: cst.CSTNode, context: Any, depth: int) -> str | None:
    facts = context.scope_facts(scope)
    for binding in reversed(facts.bindings.get(name, ())):
        if binding.kind == "param" and isinstance(binding.node, cst.Param):
            return _annotation_kind(binding.node, context)
        kind = _maker_kind(binding.value, context, depth)
        if kind:
            return kind
    return None


def _annotation_kind(param: cst.Param, context: Any) -> str | None:
    annotation = param.annotation.annotation if param.annotation is not None else None
    if annotation is None:
        return None
    if isinstance(annotation, cst.Subscript):  # Annotated[Redis, Depends(...)], Optional[Redis]
        for element in annotation.slice:
            if isinstance(element.slice, cst.Index):
                found = _annotation_kind(cst.Param(cst.Name("x"), cst.Annotation(element.slice.value)), context)
                if found:
                    return found
        return None
    qualified = context.imports.qualify(annotation) or ""
    if TYPE_NAMES.search(qualified):
        return "redis"
    if MEMCACHE_MAKERS.search(qualified):
        return "memcache"
    return None


def _self_attribute_kind(attr: str, stack: list[cst.CSTNode], context: Any) -> str | None:
    klass = enclosing_class(stack)
    if klass is None:
        return None
    kinds: list[str] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Assign):
            for target in node.targets:
                if dotted_name(target.target) in {f"self.{attr}", f"cls.{attr}", attr}:
                    kind = _maker_kind(node.value, context)
                    if kind:
                        kinds.append(kind)
        return not kinds

    walk(klass, enter)
    return kinds[0] if kinds else None


def resolve_kind(receiver: cst.BaseExpression, stack: list[cst.CSTNode], context: Any, depth: int = 0) -> str | None:
    """``redis`` / ``memcache`` / ``aiocache`` / ``default`` for a receiver seen where it was made."""
    if depth > 3:
        return None
    if isinstance(receiver, cst.Subscript):  # caches["default"]
        qualified = context.imports.qualify(receiver.value) or ""
        return "default" if DEFAULT_TIMEOUT_MAKERS.search(qualified) else None
    if isinstance(receiver, cst.Call):
        return _maker_kind(receiver, context, depth)
    name = dotted_name(receiver)
    if name is None:
        return None
    head = name.split(".")[0]
    if head in context.imports.names:
        qualified = context.imports.qualify(receiver) or ""
        return kind_of_maker(qualified) or (_indexed(context, head) if "." not in name else None)
    if head in {"self", "cls"} and "." in name:
        return _self_attribute_kind(name.split(".")[1], stack, context)
    if "." in name:
        return None
    for scope in [n for n in reversed(stack) if isinstance(n, (cst.FunctionDef, cst.Lambda))] + [context.module]:
        kind = _binding_kind(head, scope, context, depth + 1)
        if kind:
            return kind
    return None
