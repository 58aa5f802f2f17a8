"""BR401/BR402's fix: the hardcoded secret is read from the environment instead.

``DB_PASSWORD = "hunter2"`` becomes ``DB_PASSWORD = os.environ["DB_PASSWORD"]`` (``import os``
added when missing); ``redis.Redis(password="...")`` becomes ``password=os.environ["REDIS_PASSWORD"]``.
The variable's name comes from the place the literal is bound to, in upper snake case. Unsafe:
the program now fails with KeyError until the variable is set, and the leaked value must still
be rotated — it stays in the repository's history. The fix never carries the secret itself.
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.walk import walk
from backend_rules.rule import Fix

# Call names that say nothing about which service the keyword's secret belongs to.
GENERIC_CALLEES = {
    "client", "connect", "get", "post", "put", "patch", "delete", "request", "session", "create", "login",
    "dict", "field", "setting", "config", "settings", "init", "setup", "configure", "update", "set", "make",
    "build", "new", "open", "call", "from_url", "with_options",
}
GENERIC_KEYS = {"password", "passwd", "pwd", "pass", "secret", "token", "key", "api_key", "apikey", "auth"}


def environment_fix(context, literal: cst.CSTNode, confidence: str | None = None) -> Fix | None:
    """``os.environ["NAME"]`` in place of the secret ``literal``; None where no name fits, and for
    LOW findings (dummy values, test fixtures, scripts' sample data), which are better left alone."""
    if confidence == "LOW":
        return None
    if not isinstance(literal, (cst.SimpleString, cst.ConcatenatedString)) or _is_bytes(literal):
        return None
    if context.imports.names.get("os", "os") != "os":
        return None  # `os` names something else here
    stack = list(context.stack)
    chain = stack[:-1] + _path_to(stack[-1], literal) if stack else _path_to(context.module, literal)
    name = _variable_name(context, chain, literal)
    if name is None:
        return None
    replacement = cst.parse_expression(f'os.environ["{name}"]')
    prepend = () if context.imports.names.get("os") == "os" else ("import os",)
    return Fix(literal, replacement,
               f'read it from os.environ["{name}"], and rotate the leaked secret: it stays in the history',
               safe=False, prepend=prepend)


def _is_bytes(node: cst.CSTNode) -> bool:
    if isinstance(node, cst.ConcatenatedString):
        return _is_bytes(node.left) or _is_bytes(node.right)
    return isinstance(node, cst.SimpleString) and "b" in node.prefix.lower()


def _path_to(root: cst.CSTNode, target: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes from ``root`` down to ``target``'s parent (``root`` included)."""
    path: list[cst.CSTNode] = []
    found: list[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if found:
            return False
        if node is target:
            found.extend(path)
            return False
        path.append(node)
        return True

    walk(root, enter, lambda node: path.pop() if path and path[-1] is node else None)
    return found


def _variable_name(context, chain: list[cst.CSTNode], literal: cst.CSTNode) -> str | None:
    parent = chain[-1] if chain else None
    if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is literal:
        targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
        return _upper_snake(_target_name(targets[0])) if len(targets) == 1 else None
    if isinstance(parent, cst.Arg) and parent.keyword is not None and len(chain) > 1 and isinstance(chain[-2], cst.Call):
        keyword = parent.keyword.value
        callee = chain[-2].func
        owner = callee.attr.value if isinstance(callee, cst.Attribute) else (
            callee.value if isinstance(callee, cst.Name) else "")
        if owner and owner.lower() not in GENERIC_CALLEES and owner.lower() not in keyword.lower():
            return _upper_snake(f"{_words(owner)}_{keyword}")
        return _upper_snake(keyword)
    if isinstance(parent, cst.DictElement) and parent.value is literal and isinstance(parent.key, cst.SimpleString):
        key = parent.key.evaluated_value
        if not isinstance(key, str):
            return None
        if _words(key).lower() in GENERIC_KEYS:
            outer = next((n for n in reversed(chain) if isinstance(n, (cst.Assign, cst.AnnAssign))), None)
            if outer is not None:
                targets = [t.target for t in outer.targets] if isinstance(outer, cst.Assign) else [outer.target]
                prefix = _target_name(targets[0]) if len(targets) == 1 else None
                if prefix:
                    return _upper_snake(f"{_words(prefix)}_{key}")
        return _upper_snake(key)
    return None  # comparisons, defaults, positional arguments, text inside larger strings


def _target_name(target: cst.BaseExpression) -> str | None:
    if isinstance(target, cst.Name):
        return target.value
    if isinstance(target, cst.Attribute):
        owner = target.value
        if isinstance(owner, cst.Name) and owner.value not in {"self", "cls", "settings", "config", "app"}:
            return f"{_words(owner.value)}_{target.attr.value}"
        return target.attr.value
    if isinstance(target, cst.Subscript) and len(target.slice) == 1 and isinstance(target.slice[0].slice, cst.Index):
        key = target.slice[0].slice.value
        if isinstance(key, cst.SimpleString) and isinstance(key.evaluated_value, str):
            return key.evaluated_value
    return None


def _words(name: str) -> str:
    """``stripeApiKey`` -> ``stripe_Api_Key``; ``client-secret`` -> ``client_secret``."""
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")


def _upper_snake(name: str | None) -> str | None:
    if not name:
        return None
    upper = _words(name).upper()
    return upper if re.fullmatch(r"[A-Z_][A-Z0-9_]*", upper) else None
