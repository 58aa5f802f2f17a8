"""BR801: a shared cache key built with the builtin hash(), which changes in every process."""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Fix, Invalid, Rule
from backend_rules.analysis.walk import find, walk

CACHE_METHODS = {
    "get", "set", "setex", "psetex", "setnx", "delete", "expire", "incr", "decr", "get_many", "set_many",
    "add", "get_or_set", "hget", "hset", "hgetall", "exists", "getex", "mget", "mset", "touch",
}
CACHE_RECEIVER = re.compile(r"cache|redis|memcache|^r$|^rc$|^mc$", re.IGNORECASE)
KEY_NAME = re.compile(r"cache|redis|memcache", re.IGNORECASE)
# Nodes through which a hash value still ends up in the same key string.
KEY_BUILDING = (
    cst.FormattedStringExpression, cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString,
    cst.Arg, cst.Call, cst.Element, cst.Tuple, cst.List,
)


def _is_cache_call(node: cst.CSTNode) -> bool:
    if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
        return False
    if node.func.attr.value not in CACHE_METHODS:
        return False
    receiver = dotted_name(node.func.value) or ""
    return bool(CACHE_RECEIVER.search(receiver.split(".")[-1]))


class UnstableCacheKey(Rule):
    """A shared cache key is built with the builtin `hash()`, which changes in every process.

    ## What it does
    Finds `hash(...)` inside a key that goes to a shared cache (Redis, memcached, Django's cache):
    the first argument of `get`/`set`/`setex`/`delete`/... on a cache client, or a variable with
    "cache" in its name.

    ## Why is this bad?
    `hash()` of a `str` or `bytes` is salted per process (PYTHONHASHSEED). Every worker and every
    restart computes a different key for the same arguments: the cache never hits across
    processes, fills up with duplicates, and invalidation by pattern misses entries. The guide's
    own Example 8 has this bug.

    ## Example
    ```python
    cache_key = f"user:{func.__name__}:{hash(str(args) + str(kwargs))}"
    redis_client.setex(cache_key, ttl, json.dumps(result))
    ```

    ## Use instead
    A stable digest:
    ```python
    digest = hashlib.sha256(json.dumps([args, kwargs], sort_keys=True, default=str).encode()).hexdigest()
    cache_key = f"user:{func.__name__}:{digest}"
    ```
    `hash()` used for an in-process dict or `functools.lru_cache` is fine and not reported.
    """

    CODE = "BR801"
    FIX = "safe"
    NAME = "unstable-cache-key"
    MESSAGE = ("cache key built with hash(), which differs in every process (PYTHONHASHSEED); "
               "use hashlib.sha256(...).hexdigest()")
    CATEGORY = "correctness"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "HIGH"
    TRIGGER = r"\bhash\("

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "hash"):
            return
        if "hash" in self.context.imports.names:
            return  # an imported hash() is not the builtin
        consumer, key_root = self._consumer(node)
        if consumer is not None and _is_cache_call(consumer):
            self.report(node, fix=self._digest_fix(node))
        elif isinstance(consumer, (cst.Assign, cst.AnnAssign)):
            names = self._assigned_names(consumer)
            if any(KEY_NAME.search(name) for name in names) or self._flows_into_cache(names):
                self.report(node, fix=self._digest_fix(node))

    def _digest_fix(self, node: cst.Call) -> Fix | None:
        """``hash(x)`` -> ``hashlib.sha256(<text of x>.encode()).hexdigest()``: the same key text,
        hashed the same way in every process (safe: the value only ever becomes part of a key)."""
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return None
        value = node.args[0].value
        is_text = isinstance(value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)) or (
            isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("str", "repr")
        )
        text = value if is_text else cst.Call(cst.Name("repr"), [cst.Arg(value)])
        digest = cst.parse_expression("hashlib.sha256(x.encode()).hexdigest()")
        encoded = cst.Call(cst.Attribute(text, cst.Name("encode")))
        replacement = digest.with_changes(func=digest.func.with_changes(value=digest.func.value.with_changes(
            args=[cst.Arg(encoded)])))
        needs_import = "hashlib" not in self.context.imports.names
        return Fix(node, replacement, "hash the key text with hashlib.sha256", safe=True,
                   prepend=("import hashlib",) if needs_import else ())

    def _consumer(self, node: cst.Call) -> tuple[cst.CSTNode | None, cst.CSTNode]:
        """The first ancestor that is not part of building the key, and the key expression."""
        current: cst.CSTNode = node
        for parent in reversed(self.context.stack):
            if _is_cache_call(parent):
                first = parent.args[0].value if parent.args else None  # type: ignore[union-attr]
                return (parent, current) if first is not None and _contains(first, node) else (None, current)
            if isinstance(parent, KEY_BUILDING):
                current = parent
                continue
            return parent, current
        return None, current

    @staticmethod
    def _assigned_names(node: cst.Assign | cst.AnnAssign) -> list[str]:
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        return [t.value for t in targets if isinstance(t, cst.Name)]

    def _flows_into_cache(self, names: list[str]) -> bool:
        scope = enclosing_scope(self.context.stack)
        found = False

        def enter(current: cst.CSTNode) -> bool:
            nonlocal found
            if _is_cache_call(current) and current.args:  # type: ignore[union-attr]
                first = current.args[0].value  # type: ignore[union-attr]
                if isinstance(first, cst.Name) and first.value in names:
                    found = True
            return not found

        walk(scope, enter)
        return found

    VALID = [
        # in-process memo: hash() is stable within one process
        """
        _memo = {}
        def remember(value):
            key = hash(value)
            _memo[key] = value
        """,
        # a stable digest
        """
        import hashlib
        def get(redis_client, args):
            key = "user:" + hashlib.sha256(repr(args).encode()).hexdigest()
            return redis_client.get(key)
        """,
        # __hash__ implementations
        """
        class Point:
            def __hash__(self):
                return hash((self.x, self.y))
        """,
        # an imported hash function
        """
        from mylib import hash
        def get(cache, value):
            return cache.get(f"k:{hash(value)}")
        """,
    ]
    INVALID = [
        Invalid(
            """
            def get(redis_client, args):
                cache_key = f"user:{hash(str(args))}"
                return redis_client.get(cache_key)
            """,
            line=2, column=25,
            expected="""
            import hashlib
            def get(redis_client, args):
                cache_key = f"user:{hashlib.sha256(str(args).encode()).hexdigest()}"
                return redis_client.get(cache_key)
            """,
        ),
        Invalid(
            """
            from django.core.cache import cache
            def profile(user_id, fields):
                return cache.get("profile:%s" % hash(tuple(fields)))
            """,
            line=3,
        ),
        Invalid(
            """
            def store(r, query, rows):
                key = "q:" + str(hash(query))
                r.setex(key, 60, rows)
            """,
            line=2,
            expected="""
            import hashlib
            def store(r, query, rows):
                key = "q:" + str(hashlib.sha256(repr(query).encode()).hexdigest())
                r.setex(key, 60, rows)
            """,
        ),
    ]


def _contains(root: cst.CSTNode, target: cst.CSTNode) -> bool:
    return find(root, lambda node: node is target, skip=()) is not None
