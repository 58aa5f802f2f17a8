"""Which calls decode or issue JSON Web Tokens, and what their arguments say.

One vocabulary for the BR5 rules: PyJWT (``jwt.decode``, ``jwt.PyJWT().decode``), python-jose
(``from jose import jwt``), authlib (``authlib.jose.jwt``, ``JsonWebToken``), jwcrypto and
djangorestframework-simplejwt, recognised through import aliases; ``options=`` dicts and
``algorithms=`` lists read where they are written, in a local or in a module constant.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.dataflow import UNKNOWN, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import NESTED_SCOPES, walk

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.context import FileContext

JWT_PACKAGES = ("jwt", "jose", "authlib", "jwcrypto", "rest_framework_simplejwt", "flask_jwt_extended")
PYJWT_OBJECTS = {"jwt.PyJWT", "jwt.api_jwt.PyJWT", "jwt.PyJWS", "jwt.api_jws.PyJWS"}
AUTHLIB_OBJECTS = {"authlib.jose.JsonWebToken", "authlib.jose.rfc7519.JsonWebToken", "authlib.jose.JWT"}
SIMPLEJWT_OBJECTS = {"rest_framework_simplejwt.backends.TokenBackend"}
SIMPLEJWT_TOKENS = {"AccessToken", "RefreshToken", "UntypedToken", "SlidingToken", "Token"}
DECODE = {"decode", "decode_complete"}
UNVERIFIED_CLAIMS = {"get_unverified_claims"}
UNVERIFIED_HEADER = {"get_unverified_header", "get_unverified_headers"}
# Claims that route a token (which issuer, which key) or check a token one holds oneself: reading
# only these from an unverified token is the "peek, then verify" idiom.
PEEK_CLAIMS = {
    "iss", "kid", "alg", "typ", "aud", "azp", "tid", "exp", "iat", "nbf", "client_id", "cid", "x5t", "jku",
    "issuer", "owner", "tenant", "tenant_id", "provider", "realm",
}
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log", "msg"}
LOG_FUNCTIONS = {"print", "pprint", "capture_message", "add_breadcrumb", "set_extra", "set_context"}


@dataclass(frozen=True)
class JwtCall:
    """A call into a JWT library: ``kind`` is decode, encode, unverified-claims, unverified-header
    or token (simplejwt/jwcrypto token objects); ``library`` pyjwt, jose, authlib, jwcrypto, simplejwt."""

    node: cst.Call
    kind: str
    library: str
    name: str  # as written, for messages: "jwt.decode()"


def _library(qualified: str) -> str | None:
    head = qualified.split(".")[0]
    return {"jwt": "pyjwt", "jose": "jose", "authlib": "authlib", "jwcrypto": "jwcrypto",
            "rest_framework_simplejwt": "simplejwt"}.get(head)


def _object_library(receiver: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext) -> str | None:
    """``jwt.PyJWT()`` / ``JsonWebToken([...])``, written inline or bound to a name."""
    if isinstance(receiver, cst.Name) and receiver.value not in context.imports.names:
        receiver, _ = follow(receiver, stack, context)
    if isinstance(receiver, cst.Call):
        made = context.imports.qualify(receiver.func) or ""
        if made in PYJWT_OBJECTS:
            return "pyjwt"
        if made in AUTHLIB_OBJECTS:
            return "authlib"
        if made in SIMPLEJWT_OBJECTS:
            return "simplejwt"
    return None


def classify(call: cst.Call, stack: list[cst.CSTNode], context: FileContext) -> JwtCall | None:
    """The JWT library call ``call`` is, or None."""
    func = call.func
    written = (dotted_name(func) or "").split(".")
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        head = dotted_name(func.value)
        owner = _object_library(func.value, stack, context) if head is None or "." not in head else None
        if owner is not None:
            return _kind(call, owner, method, f"{method}()")
    qualified = context.imports.qualify(func)
    if not qualified:
        return None
    library = _library(qualified)
    last = qualified.split(".")[-1]
    if library is None:
        return None
    if library == "pyjwt" and written[0] not in context.imports.names and written[0] != "jwt":
        return None
    if library == "simplejwt":
        if last in SIMPLEJWT_TOKENS:
            return JwtCall(call, "token", library, f"{last}()")
        if last == "decode":
            return JwtCall(call, "decode", library, ".".join(written[-2:]) + "()")
        return None
    if library == "jwcrypto":
        return JwtCall(call, "token", library, f"{last}()") if last == "JWT" else None
    return _kind(call, library, last, ".".join(written[-2:]) + "()")


def _kind(call: cst.Call, library: str, method: str, name: str) -> JwtCall | None:
    if method in DECODE:
        return JwtCall(call, "decode", library, name)
    if method == "encode":
        return JwtCall(call, "encode", library, name)
    if method in UNVERIFIED_CLAIMS:
        return JwtCall(call, "unverified-claims", library, name)
    if method in UNVERIFIED_HEADER:
        return JwtCall(call, "unverified-header", library, name)
    return None


def may_use_jwt(tree: ast.Module) -> bool:
    """The file imports a JWT library or names ``jwt``: the gate of every BR5 rule."""
    for node in nodes(tree, ast.Import, ast.ImportFrom):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        if any(m.split(".")[0] in JWT_PACKAGES for m in modules):
            return True
    return any(n.id == "jwt" for n in nodes(tree, ast.Name))


# --------------------------------------------------------------------------------- arguments
def argument(call: cst.Call, index: int | None, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    if index is None:
        return None
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index] if len(positional) > index else None


def has_unpacked_arguments(call: cst.Call) -> bool:
    return any(arg.star for arg in call.args)


def decode_key(jc: JwtCall) -> cst.BaseExpression | None:
    return argument(jc.node, 1, "key")


def decode_algorithms(jc: JwtCall) -> cst.BaseExpression | None:
    value = argument(jc.node, None, "algorithms")
    third = argument(jc.node, 2, "-")
    if value is None and third is not None and not _is_bool(third):  # PyJWT 2 / jose: 3rd is algorithms
        value = third
    return value


def _is_bool(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value in {"True", "False"}


def dict_entries(
    expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext
) -> dict[str, cst.BaseExpression] | None:
    """Literal keys -> value expressions of a dict written here, in a local or a module constant
    (``{...}``, ``dict(k=v)``, plus ``name["k"] = v`` stores before the use); None if unseen."""
    name = expr.value if isinstance(expr, cst.Name) else None
    expr, where = follow(expr, stack, context)
    entries: dict[str, cst.BaseExpression] = {}
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if isinstance(element, cst.DictElement):
                key = literal(element.key)
                if isinstance(key, str):
                    entries[key] = element.value
    elif isinstance(expr, cst.Call) and dotted_name(expr.func) == "dict":
        entries = {a.keyword.value: a.value for a in expr.args if a.keyword is not None}
    else:
        return None
    if name is not None:
        scope = context.module if where == "module" else enclosing_scope(stack)
        entries.update(subscript_stores(scope, name, stack))
    return entries


def subscript_stores(scope: cst.CSTNode, name: str, stack: list[cst.CSTNode]) -> dict[str, cst.BaseExpression]:
    """``name["key"] = value`` statements in ``scope`` (outside nested functions) that come before
    the statement being checked (the innermost statement on ``stack``)."""
    stores: dict[str, cst.BaseExpression] = {}
    statements = [n for n in stack if isinstance(n, (cst.SimpleStatementLine, cst.BaseCompoundStatement))]
    here = statements[-1] if statements else None
    done = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal done
        if done or node is here:
            done = True
            return False
        if node is not scope and isinstance(node, NESTED_SCOPES):
            return False
        if isinstance(node, cst.Assign):
            for target in node.targets:
                sub = target.target
                if isinstance(sub, cst.Subscript) and isinstance(sub.value, cst.Name) and sub.value.value == name:
                    index = sub.slice[0].slice if len(sub.slice) == 1 else None
                    key = literal(index.value) if isinstance(index, cst.Index) else None
                    if isinstance(key, str):
                        stores[key] = node.value
        return True

    walk(scope, enter)
    return stores


def option_values(jc: JwtCall, stack: list[cst.CSTNode], context: FileContext) -> dict[str, tuple[object, str]]:
    """``options=`` of a decode call: option name -> (value, how it was bound: "here", "local",
    "module", "default"). Empty when there are none or they cannot be read."""
    options = argument(jc.node, 3, "options")
    if options is None:
        return {}
    entries = dict_entries(options, stack, context)
    if entries is None:
        return {}
    values = {}
    for key, value in entries.items():
        resolved, where = follow(value, stack, context)
        values[key] = (literal(resolved), where)
    return values


def verify_flag(jc: JwtCall, stack: list[cst.CSTNode], context: FileContext) -> tuple[object, str]:
    """PyJWT 1.x / simplejwt ``verify=`` (keyword, or PyJWT 1.x's third positional)."""
    value = argument(jc.node, None, "verify")
    if value is None and jc.library == "pyjwt":
        third = argument(jc.node, 2, "-")
        value = third if third is not None and _is_bool(third) else None
    if value is None and jc.library == "simplejwt":
        value = argument(jc.node, 1, "verify")
    if value is None:
        return UNKNOWN, "here"
    resolved, where = follow(value, stack, context)
    return literal(resolved), where


def signature_check_off(jc: JwtCall, stack: list[cst.CSTNode], context: FileContext) -> tuple[str, str] | None:
    """(what turns it off, how it was bound) when this decode does not check the signature."""
    if jc.kind == "unverified-claims":
        return "reads claims without a signature check", "here"
    if jc.kind not in {"decode", "token"} or jc.library not in {"pyjwt", "jose", "simplejwt"}:
        return None
    options = option_values(jc, stack, context)
    value, where = options.get("verify_signature", (UNKNOWN, "here"))
    if value is False:
        return 'options={"verify_signature": False}', where
    value, where = verify_flag(jc, stack, context)
    if value is False:
        return "verify=False", where
    return None


# ----------------------------------------------------------------------------- algorithm lists
def algorithm_names(
    expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext
) -> list[object] | None:
    """The algorithms of an ``algorithms=`` value written as a literal list (here, in a local or a
    constant): each a string or UNKNOWN; None when the list itself cannot be seen."""
    expr, where = follow(expr, stack, context)
    if where == "module":
        stack = [context.module]
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return [literal(expr)]
    if not isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return None
    names: list[object] = []
    for element in expr.elements:
        if isinstance(element, cst.StarredElement):
            return None
        value, _ = follow(element.value, stack, context)
        names.append(literal(value))
    return names


def every_algorithm(expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext) -> bool:
    """``get_default_algorithms()`` (or a list/keys of it): every algorithm, ``none`` included."""
    expr, _ = follow(expr, stack, context)
    while isinstance(expr, cst.Call):
        name = (dotted_name(expr.func) or (expr.func.attr.value if isinstance(expr.func, cst.Attribute) else ""))
        if name.split(".")[-1] == "get_default_algorithms":
            return True
        if name in {"list", "tuple", "set"} and expr.args:
            expr = expr.args[0].value
        elif isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "keys":
            expr = expr.func.value
        else:
            return False
    return False


def family(algorithm: str) -> str:
    upper = algorithm.upper()
    if upper.startswith("HS"):
        return "HMAC"
    if upper.startswith(("RS", "PS", "ES", "ED")):
        return "public-key"
    return upper


def from_token_header(expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext, depth: int = 0) -> bool:
    """``expr`` is (or lists) the ``alg`` read from an unverified token header, not checked
    against an allow-list on the way."""
    if depth > 4:
        return False
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        return any(from_token_header(e.value, stack, context, depth + 1) for e in expr.elements)
    if isinstance(expr, cst.Name):
        scope = enclosing_scope(stack)
        if scope is not context.module:
            facts = context.scope_facts(scope)
            if facts.is_validated(expr.value, facts.order_of(stack)):
                return False
        resolved, _ = follow(expr, stack, context)
        return resolved is not expr and from_token_header(resolved, stack, context, depth + 1)
    container = None
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1 and isinstance(expr.slice[0].slice, cst.Index):
        if literal(expr.slice[0].slice.value) == "alg":
            container = expr.value
    elif (
        isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get"
        and expr.args and literal(expr.args[0].value) == "alg"
    ):
        container = expr.func.value
    if container is None:
        return False
    container, _ = follow(container, stack, context)
    if isinstance(container, cst.Call):
        jc = classify(container, stack, context)
        return jc is not None and jc.kind == "unverified-header"
    return False


def words(name: str, lower: bool = True) -> list[str]:
    """``verifyToken`` / ``verify_token`` -> ["verify", "token"]."""
    parts = [p for p in re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).split("_") if p]
    return [p.lower() for p in parts] if lower else parts


# ------------------------------------------------------------------------- what the result does
def _is_logging_call(call: cst.Call) -> bool:
    name = dotted_name(call.func) or ""
    parts = name.split(".")
    if parts[-1] in LOG_FUNCTIONS:
        return True
    return len(parts) > 1 and parts[-1] in LOG_METHODS and "log" in parts[-2].lower()


STRING_BUILDING = (cst.FormattedStringExpression, cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)


def _claim_key(node: cst.CSTNode, context: FileContext) -> object:
    value, _ = follow(node, [context.module], context) if isinstance(node, cst.Name) else (node, "")
    return literal(value)


def _fate(node: cst.CSTNode, ancestors: list[cst.CSTNode], context: FileContext) -> tuple[str, object]:
    """How the value of ``node`` is consumed: ("logged", _), ("claim", key), ("bound", name),
    ("checked", _) for a mere ``if payload:``, or ("used", _)."""
    current = node
    in_text = False
    for parent in reversed(ancestors):
        if isinstance(parent, cst.Await):
            current = parent
            continue
        if isinstance(parent, cst.Subscript) and parent.value is current:
            index = parent.slice[0].slice if len(parent.slice) == 1 else None
            key = _claim_key(index.value, context) if isinstance(index, cst.Index) else UNKNOWN
            return "claim", key
        if isinstance(parent, cst.Attribute) and parent.value is current:
            continue_to = parent
            current = continue_to
            continue
        if isinstance(parent, cst.Call) and isinstance(current, cst.Attribute) and parent.func is current:
            if current.attr.value == "get" and parent.args:
                return "claim", _claim_key(parent.args[0].value, context)
            return "used", None
        if isinstance(parent, STRING_BUILDING):
            in_text, current = True, parent
            continue
        if isinstance(parent, cst.Arg):
            current = parent
            continue
        if isinstance(parent, cst.Call) and isinstance(current, cst.Arg):
            if _is_logging_call(parent):
                return "logged", None
            if isinstance(parent.func, cst.Attribute) and parent.func.attr.value == "format":
                in_text, current = True, parent
                continue
            return "used", None
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is current and not in_text:
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            if len(targets) == 1 and isinstance(targets[0], cst.Name):
                return "bound", targets[0].value
            return "used", None
        if isinstance(parent, (cst.If, cst.While)) and parent.test is current:
            return "checked", None
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            current = parent
            continue
        if isinstance(parent, cst.Comparison) and any(
            isinstance(c.comparator, cst.Name) and c.comparator.value == "None" for c in parent.comparisons
        ):
            return "checked", None
        if isinstance(parent, cst.Expr):
            return "unused", None
        return "used", None
    return "used", None


def result_use(call: cst.Call, stack: list[cst.CSTNode], context: FileContext) -> str:
    """What the decoded claims are used for: "unused", "logged" (only logged or printed),
    "peek" (only routing or time claims read: iss, kid, exp...) or "trusted" (anything else:
    returned, compared, looked up, passed on)."""
    fate, detail = _fate(call, stack, context)
    if fate in {"logged", "unused", "checked"}:
        return "logged" if fate == "logged" else "unused"
    if fate == "claim":
        return "peek" if detail in PEEK_CLAIMS else "trusted"
    if fate != "bound":
        return "trusted"
    return _uses_of(str(detail), call, enclosing_scope(stack), context)


def _uses_of(name: str, call: cst.Call, scope: cst.CSTNode, context: FileContext) -> str:
    fates: list[tuple[str, object]] = []
    ancestors: list[cst.CSTNode] = []
    seen_call = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal seen_call
        if node is call:
            seen_call = True
            return False
        if seen_call and isinstance(node, cst.Name) and node.value == name:
            parent = ancestors[-1] if ancestors else None
            is_target = isinstance(parent, (cst.AssignTarget, cst.Param)) or (
                isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is node
            )
            if not is_target:
                fates.append(_fate(node, ancestors, context))
        ancestors.append(node)
        return True

    def leave(node: cst.CSTNode) -> None:
        ancestors.pop()

    walk(scope, enter, leave)
    kinds = {fate for fate, _ in fates if fate not in {"checked", "unused"}}
    if not kinds:
        return "unused"
    if kinds == {"logged"}:
        return "logged"
    if kinds <= {"logged", "claim"} and all(d in PEEK_CLAIMS for f, d in fates if f == "claim"):
        return "peek"
    return "trusted"


def verified_decode_nearby(jc: JwtCall, stack: list[cst.CSTNode], context: FileContext) -> bool:
    """Another decode in the same function checks the signature: the "peek, then verify" idiom."""
    scope = enclosing_scope(stack)
    if scope is context.module:
        return False
    found = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal found
        if found:
            return False
        if isinstance(node, cst.Call) and node is not jc.node:
            other = classify(node, [scope], context)
            if other is not None and other.kind == "decode" and signature_check_off(other, [scope], context) is None:
                found = True
        return True

    walk(scope, enter)
    return found
