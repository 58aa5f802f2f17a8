"""Which secrets rules can fire on a file, judged cheaply on the stdlib AST before libcst parses it."""

from __future__ import annotations

import ast
import re

from backend_rules.rules.secrets.secret_analysis import AUTH_HEADERS, BASIC_AUTH, SECRET_WRAPPERS, USER_FACTORIES
from backend_rules.rules.secrets.secret_words import (
    FORMAT_TRIGGER, HOLE, judge_name, known_format, split_words, url_credentials,
)

_SPECIAL_CALLS = BASIC_AUTH | USER_FACTORIES | SECRET_WRAPPERS | {"set_password", "login"}
_SIGNING_CALLS = {"encode", "decode", "new", "HMAC", "digest", "sign", "verify", "Fernet"}
_last_tree: list = [None, frozenset()]
_SIGNING_MODULES = ("jwt", "jose", "hmac", "itsdangerous", "cryptography", "authlib")
_FORMAT_RE = re.compile(FORMAT_TRIGGER)


def _ast_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        return node.args[0].value if isinstance(node.args[0].value, str) else None
    return None


def _has_literal(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        return any(_has_literal(arg) for arg in node.args) or any(_has_literal(k.value) for k in node.keywords)
    if isinstance(node, ast.Tuple):
        return any(_has_literal(e) for e in node.elts)
    return False


def _secretish(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    if name.lower() in AUTH_HEADERS:
        return True
    return judge_name(name) is not None or bool({"aws", "twilio"} & set(split_words(name)))


def _string_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        value = node.value
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else HOLE
                       for v in node.values)
    return None


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def possible_codes(tree: ast.Module) -> frozenset[str]:
    """Which BR4 rules can fire on a file, judged cheaply on the stdlib AST (never too few)."""
    if _last_tree[0] is tree:
        return _last_tree[1]
    codes: set[str] = set()
    pair = {"BR401", "BR402", "BR404", "BR405"}
    signing_modules: set[str] = set()
    signing_roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            if isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes)):
                continue
            text = _string_text(node)
            if not text or len(text) < 12:
                continue
            if "BR402" not in codes and _FORMAT_RE.search(text) and known_format(text):
                codes.add("BR402")
            if "BR403" not in codes and ("@" in text or "password" in text) and url_credentials(text):
                codes.add("BR403")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                if full.split(".")[0] in _SIGNING_MODULES:
                    signing_modules.add(alias.asname or alias.name.split(".")[0])
                if "Settings" in alias.name:
                    codes.add("BR404")
        elif codes >= pair:
            continue
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _has_literal(node.value) and any(_secretish(_ast_name(t)) for t in targets):
                codes |= pair
        elif isinstance(node, ast.keyword):
            if _has_literal(node.value) and (node.arg == "auth" or _secretish(node.arg)):
                codes |= pair
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and _secretish(key.value) and _has_literal(value):
                    codes |= pair
        elif isinstance(node, ast.arguments):
            positional = node.posonlyargs + node.args
            defaults = list(zip(positional[len(positional) - len(node.defaults):], node.defaults))
            defaults += [(a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults) if d is not None]
            if any(_secretish(a.arg) and _has_literal(d) for a, d in defaults):
                codes |= pair
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_has_literal(o) for o in operands) and any(_secretish(_ast_name(o)) for o in operands):
                codes |= pair
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and isinstance(node.values[0], ast.Call):
            first = node.values[0].args[0] if node.values[0].args else None  # os.getenv("KEY") or "..."
            if isinstance(first, ast.Constant) and _secretish(first.value) and any(
                _has_literal(v) for v in node.values[1:]
            ):
                codes.add("BR404")
        elif isinstance(node, ast.Call) and (node.args or node.keywords):
            func = node.func
            short = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if short in _SPECIAL_CALLS and _has_literal(node):
                codes.add("BR401")
            if short in _SIGNING_CALLS or short.endswith(("Serializer", "Signer")):
                signing_roots.add(_root(func))
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and _secretish(first.value) and (
                len(node.args) >= 2 and _has_literal(node.args[1])
                or any(k.arg == "default" and _has_literal(k.value) for k in node.keywords)
            ):
                codes.add("BR404")
    if signing_roots & signing_modules:
        codes.add("BR405")
    result = frozenset(codes)
    _last_tree[:] = [tree, result]
    return result
