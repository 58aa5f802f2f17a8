"""BR503: a JWT is issued without an expiry, so it stays valid forever."""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.jwt.jwt_calls import argument, classify, may_use_jwt
from backend_rules.rules.jwt.payload_claims import (
    callers_passing,
    parameter_behind,
    payload_keys,
    returned_values,
)

EXPIRY_SETTINGS = {"JWT_ACCESS_TOKEN_EXPIRES", "JWT_REFRESH_TOKEN_EXPIRES"}
NEVER_EXPIRING_TOKENS = {"flask_jwt_extended.create_access_token", "flask_jwt_extended.create_refresh_token"}
AUTHORIZATION_HEADER = re.compile(r"(?i)[\"']authorization[\"']|[\"']bearer ")
HEADER_BUILDER = re.compile(r"(?i)header")
OUTGOING_CALL = re.compile(r"\b(?:requests|httpx|aiohttp|urllib3|session|client)\.(?:get|post|put|patch|delete|request)\(")
# A claim of the application's own that may be checked by hand after decoding.
HOME_MADE_EXPIRY = re.compile(r"(?i)expir|expires|valid_until|ttl")


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
    not reported; a home-made expiry claim (`"expires_at"`) is reported with LOW confidence, and
    so is a token minted for this program's own `Authorization` header to another service (a
    header builder, a `requests`/`httpx` call beside it), whose format that API dictates.
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
        return any(n.id in EXPIRY_SETTINGS for n in nodes(tree, ast.Name)) or any(
            isinstance(c.value, str) and c.value in EXPIRY_SETTINGS for c in nodes(tree, ast.Constant)
        )

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
        if isinstance(payload, cst.Call):  # built by a function of this module: make_claims(user)
            returned = [payload_keys(value, where, context, None) for where, value in returned_values(payload, context)]
            if returned and all(keys is not None for keys in returned):
                if not any("exp" in keys for keys in returned):  # type: ignore[operator]
                    self._judge(call, node, set().union(*returned))  # type: ignore[arg-type]
                return
        # a helper: def create_token(data): to_encode = data.copy(); return jwt.encode(to_encode, ...)
        behind = parameter_behind(payload, stack, context, node)
        if behind is None:
            return
        parameter, added = behind
        for caller_stack, value in callers_passing(parameter, stack, context):
            caller_keys = payload_keys(value, caller_stack, context, None)
            if caller_keys is not None:
                self._judge(call, value, caller_keys | added)

    def _judge(self, call: str, where: cst.CSTNode, keys: set[str]) -> None:
        if "exp" in keys:
            return
        home_made = sorted(k for k in keys if HOME_MADE_EXPIRY.search(k))
        outgoing = self._for_an_outgoing_request()
        if home_made:
            self.report(where, call=call, problem=f'with "{home_made[0]}" but no "exp" the library checks',
                        confidence="LOW")
        else:
            self.report(where, call=call, problem='with no "exp" claim, valid forever',
                        confidence="LOW" if outgoing else None)

    def _for_an_outgoing_request(self) -> bool:
        """The token goes into this program's own ``Authorization`` header to another service
        (``def generate_header(...)``, a ``requests.post(..., headers=...)`` beside it): a
        per-request credential whose format that service's API dictates."""
        function = next((n for n in reversed(self.context.stack) if isinstance(n, cst.FunctionDef)), None)
        if function is None:
            return False
        code = cst.Module([]).code_for_node(function)
        if not AUTHORIZATION_HEADER.search(code):
            return False
        return bool(HEADER_BUILDER.search(function.name.value) or OUTGOING_CALL.search(code))

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

