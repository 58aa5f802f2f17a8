"""BR503: a JWT is issued without an expiry, so it stays valid forever."""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_test_code
from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.jwt.jwt_calls import argument, classify, may_use_jwt, subscript_stores

EXPIRY_SETTINGS = {"JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"}
NEVER_EXPIRING_TOKENS = {"flask_jwt_extended.create_access_token", "flask_jwt_extended.create_refresh_token"}
# A claim of the application's own that may be checked by hand after decoding.
HOME_MADE_EXPIRY = re.compile(r"(?i)expir|expires|valid_until|ttl")
MUTATORS = {"update", "setdefault", "__setitem__", "pop", "clear"}


class JwtWithoutExpiry(Rule):
    """A JWT is issued without an `exp` claim, so it stays valid forever.

    ## What it does
    Finds token issuing whose payload, built in the same function or module, has no `exp`:
    PyJWT / python-jose `jwt.encode(payload, key, ...)`, authlib `jwt.encode(header, payload,
    key)` and jwcrypto `JWT(header=..., claims=...)`. The payload is read where it is built: a
    dict literal, `dict(...)`, a local with `payload["exp"] = ...` stores, or the dict a caller in
    the same module passes to a small `encode` helper. Also Flask-JWT-Extended's
    `create_access_token(..., expires_delta=False)` and `JWT_ACCESS_TOKEN_EXPIRES = False`.

    ## Why is this bad?
    A token without `exp` never expires: a token that leaks (logs, browser storage, a proxy)
    works until the signing key is rotated, and logging out cannot end it (CWE-613).

    ## Example
    ```python
    token = jwt.encode({"sub": str(user.id)}, SECRET_KEY, algorithm="HS256")
    ```

    ## Use instead
    ```python
    now = datetime.now(timezone.utc)
    token = jwt.encode({"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=15)},
                       SECRET_KEY, algorithm="HS256")
    ```
    A payload that may get `exp` elsewhere (`**claims`, `payload.update(...)`, a parameter) is
    not reported; a home-made expiry claim (`"expires_at"`) is reported with LOW confidence.
    Tests are not checked. (Decoding with `verify_exp` off is BR501.)
    """

    CODE = "BR503"
    NAME = "jwt-without-expiry"
    MESSAGE = "{call} issues a token {problem}; add \"exp\": now + timedelta(minutes=15) to the payload"
    CATEGORY = "security"
    SEVERITY = "MEDIUM"
    CONFIDENCE = "MEDIUM"
    CWE = 613
    TRIGGER = r"encode|JWT\(|create_(access|refresh)_token|JWT_(ACCESS|REFRESH)_TOKEN_EXPIRES"
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not is_test_code(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        if may_use_jwt(tree):
            return True
        return any(isinstance(n, ast.Name) and n.id in EXPIRY_SETTINGS
                   or isinstance(n, ast.Constant) and n.value in EXPIRY_SETTINGS
                   for n in ast.walk(tree))

    def visit_Call(self, node: cst.Call) -> None:
        stack, context = self.context.stack, self.context
        qualified = context.imports.qualify(node.func) or ""
        if qualified in NEVER_EXPIRING_TOKENS:
            delta = argument(node, None, "expires_delta")
            if delta is not None and literal(follow(delta, stack, context)[0]) is False:
                self.report(node, call=f"{qualified.split('.')[-1]}()", problem="that never expires (expires_delta=False)")
            return
        jc = classify(node, stack, context)
        if jc is None:
            return
        if jc.kind == "encode" and jc.library in {"pyjwt", "jose"}:
            payload = argument(node, 0, "claims" if jc.library == "jose" else "payload")
        elif jc.kind == "encode" and jc.library == "authlib":
            payload = argument(node, 1, "payload")
        elif jc.kind == "token" and jc.library == "jwcrypto" and argument(node, None, "default_claims") is None:
            payload = argument(node, None, "claims")
            if isinstance(payload, cst.Call) and dotted_name(payload.func) in {"json.dumps", "dumps"} and payload.args:
                payload = payload.args[0].value
        else:
            return
        if payload is not None:
            self._check_payload(jc.name, node, payload)

    def _check_payload(self, call: str, node: cst.Call, payload: cst.BaseExpression) -> None:
        stack, context = self.context.stack, self.context
        keys = payload_keys(payload, stack, context, node)
        if keys is not None:
            self._judge(call, node, keys)
            return
        # a small helper: def make_token(claims): return jwt.encode(claims, KEY, ...)
        if isinstance(payload, cst.Name):
            for caller_stack, argument_value in self._callers_passing(payload.value):
                caller_keys = payload_keys(argument_value, caller_stack, context, None)
                if caller_keys is not None:
                    self._judge(call, argument_value, caller_keys)

    def _judge(self, call: str, where: cst.CSTNode, keys: set[str]) -> None:
        if "exp" in keys:
            return
        home_made = sorted(k for k in keys if HOME_MADE_EXPIRY.search(k))
        if home_made:
            self.report(where, call=call, problem=f'with "{home_made[0]}" but no "exp" the library checks',
                        confidence="LOW")
        else:
            self.report(where, call=call, problem='with no "exp" claim, valid forever')

    def _callers_passing(self, parameter: str) -> list[tuple[list[cst.CSTNode], cst.BaseExpression]]:
        """The values callers in this module pass for ``parameter`` of the enclosing function."""
        function = enclosing_scope(self.context.stack)
        if not isinstance(function, cst.FunctionDef):
            return []
        facts = self.context.scope_facts(function)
        bindings = facts.bindings.get(parameter, [])
        if len(bindings) != 1 or bindings[0].kind != "param":
            return []
        params = [p.name.value for p in function.params.params]
        if parameter not in params:
            return []
        index = params.index(parameter)
        name = function.name.value
        found: list[tuple[list[cst.CSTNode], cst.BaseExpression]] = []
        ancestors: list[cst.CSTNode] = []

        def enter(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Call):
                called = dotted_name(node.func) or ""
                bound = called.startswith(("self.", "cls.")) and params[:1] in (["self"], ["cls"])
                if called.split(".")[-1] == name and (called == name or bound):
                    value = argument(node, index - (1 if bound else 0), parameter)
                    if value is not None:
                        found.append((list(ancestors), value))
            ancestors.append(node)
            return True

        walk(self.context.module, enter, lambda node: ancestors.pop())
        return found

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            name = target.target
            if isinstance(name, cst.Subscript) and len(name.slice) == 1 and isinstance(name.slice[0].slice, cst.Index):
                setting = literal(name.slice[0].slice.value)
            else:
                setting = name.value if isinstance(name, cst.Name) else None
            if setting in EXPIRY_SETTINGS and literal(node.value) is False:
                kind = "access" if "ACCESS" in str(setting) else "refresh"
                self.report(node, f"{setting} = False makes every {kind} token valid forever; set a timedelta")

    VALID = [
        """
        import jwt
        from datetime import datetime, timedelta, timezone
        def issue(user, key):
            now = datetime.now(timezone.utc)
            return jwt.encode({"sub": user.id, "exp": now + timedelta(minutes=15)}, key, algorithm="HS256")
        """,
        # exp stored after the dict is built
        """
        from jose import jwt
        def issue(user, key, expires):
            claims = {"sub": user.id}
            claims["exp"] = expires
            return jwt.encode(claims, key, algorithm="HS256")
        """,
        # the payload comes from elsewhere: cannot tell
        """
        import jwt
        def sign(claims, key):
            return jwt.encode(claims, key, algorithm="HS256")
        """,
        # spread of unknown claims
        """
        import jwt
        def issue(user, key, extra):
            return jwt.encode({"sub": user.id, **extra}, key, algorithm="HS256")
        """,
        Valid(
            """
            import jwt
            def test_issue(key):
                assert jwt.encode({"sub": "u1"}, key, algorithm="HS256")
            """,
            path="tests/test_tokens.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jwt
            def login(user, key):
                return jwt.encode({"sub": str(user.id), "role": user.role}, key, algorithm="HS256")
            """,
            line=3, column=12, message='no "exp"',
        ),
        Invalid(
            """
            from jose import jwt as jose_jwt
            def issue(user, key):
                payload = dict(user_id=user.id, iat=now())
                payload["scope"] = "api"
                return jose_jwt.encode(payload, key)
            """,
            line=5,
        ),
        Invalid(
            """
            import jwt
            def _sign(claims):
                return jwt.encode(claims, KEY, algorithm="HS256")
            def login(user):
                return _sign({"user_id": user.id})
            """,
            line=5, column=18,
        ),
        Invalid(
            """
            from flask_jwt_extended import create_access_token
            def login(user):
                return create_access_token(identity=user.id, expires_delta=False)
            """,
            line=3, message="never expires",
        ),
    ]


def payload_keys(
    payload: cst.BaseExpression, stack: list[cst.CSTNode], context, encode: cst.Call | None
) -> set[str] | None:
    """The claim names of a payload built as a dict here, in a local or a module constant; None
    when a key cannot be read or the dict may be changed before ``encode`` (update, passed on)."""
    name = payload.value if isinstance(payload, cst.Name) else None
    value, where = follow(payload, stack, context)
    if where == "default":
        return None
    keys = _literal_keys(value, stack, context)
    if keys is None or name is None:
        return keys
    scope = context.module if where == "module" else enclosing_scope(stack)
    keys |= set(subscript_stores(scope, name, stack))
    return None if _changed_elsewhere(scope, name, encode) else keys


def _literal_keys(value: cst.BaseExpression, stack: list[cst.CSTNode], context) -> set[str] | None:
    if isinstance(value, cst.Call) and dotted_name(value.func) == "dict":
        if any(a.keyword is None for a in value.args):
            return None
        return {a.keyword.value for a in value.args if a.keyword is not None}
    if not isinstance(value, cst.Dict):
        return None
    keys: set[str] = set()
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            return None  # **spread
        key, _ = follow(element.key, [context.module], context) if isinstance(element.key, cst.Name) else (element.key, "")
        key = literal(key)
        if not isinstance(key, str):
            return None
        keys.add(key)
    return keys


def _changed_elsewhere(scope: cst.CSTNode, name: str, encode: cst.Call | None) -> bool:
    """``name`` is updated through a method, augmented, or handed to another call than ``encode``."""
    changed = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal changed
        if changed or node is encode:
            return False
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
                changed = changed or func.attr.value in MUTATORS
            if any(isinstance(a.value, cst.Name) and a.value.value == name for a in node.args):
                changed = changed or (dotted_name(node.func) or "").split(".")[-1] not in {"print", "debug", "info"}
        if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and node.target.value == name:
            changed = True
        return not changed

    walk(scope, enter)
    return changed
