"""BR501: a JWT is accepted without checking its signature, its expiry or its audience."""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_test_code
from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.jwt.jwt_calls import (
    JwtCall,
    algorithm_names,
    argument,
    classify,
    decode_algorithms,
    family,
    may_use_jwt,
    option_values,
    result_use,
    signature_check_off,
    verified_decode_nearby,
    words,
)

# A helper named like this says what it returns; the trust decision is its caller's.
UNVERIFIED_HELPER = re.compile(r"(?i)unverified|insecure|unsafe|peek|without_verif|no_verif|debug|inspect")
# A function named like this says it checks tokens: whatever it decodes unverified is the bug.
AUTH_WORDS = {
    "verify", "validate", "check", "auth", "authenticate", "authorize", "authorise", "login", "require",
    "required", "protect", "protected", "permission", "permissions", "guard", "identity", "whoami", "current",
}
# A class named as a stand-in (a null or fake service for development) skips checks on purpose.
STAND_IN_CLASS = re.compile(r"(^|_)(Null|Fake|Dummy|Mock|Stub|Insecure|Unsafe|Dev|Development|Noop)(_|$)")
# Decoding an expired token to revoke it is what logout does.
ENDING_A_SESSION = re.compile(r"(?i)logout|log_out|sign_out|revoke|blacklist|blocklist|invalidate|expired")


class JwtVerificationDisabled(Rule):
    """A JWT is decoded without checking its signature, its expiry or its audience.

    ## What it does
    Finds token decoding that turns the library's checks off, through import aliases and
    `options` dicts held in a local or a module constant:
    - PyJWT / python-jose `decode(..., options={"verify_signature": False})`, PyJWT 1.x
      `jwt.decode(token, verify=False)`, simplejwt `AccessToken(token, verify=False)` and
      python-jose `jwt.get_unverified_claims(token)`, when the claims are then trusted (returned,
      compared, looked up) or the function claims to check tokens (`verify_token`), not when
      they are merely logged;
    - `options={"verify_exp": False}` (expired tokens accepted) and `{"verify_aud": False}`
      (tokens minted for another service accepted);
    - `jwt.encode(..., algorithm="none")` (tokens nobody can verify);
    - authlib `claims = jwt.decode(token, key)` whose `claims.validate()` is never called (authlib
      checks `exp`/`nbf` only there).

    ## Why is this bad?
    Without the signature check anyone can write a token with `"sub": "admin"` and be believed;
    without `exp` a stolen token works forever; without `aud` a token for one service opens
    another (CWE-347, OWASP A02/A07).

    ## Example
    ```python
    payload = jwt.decode(token, options={"verify_signature": False})
    user = User.query.get(payload["user_id"])
    ```

    ## Use instead
    ```python
    payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
    ```
    Peeking at `iss`/`kid` to choose the key, then verifying, is reported with LOW confidence;
    so is a helper named for what it does (`decode_unverified`) and a stand-in class
    (`NullPublisherService`, `FakeAuth`). Tests are not checked.
    """

    CODE = "BR501"
    NAME = "jwt-verification-disabled"
    MESSAGE = "{call} {problem}; {remedy}"
    CATEGORY = "security"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    CWE = 347
    TRIGGER = r"verify|decode|get_unverified_claims|['\"]none['\"]"
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not is_test_code(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return may_use_jwt(tree)

    def visit_Call(self, node: cst.Call) -> None:
        stack = self.context.stack
        jc = classify(node, stack, self.context)
        if jc is None:
            return
        if jc.kind == "encode":
            self._check_unsigned(jc)
            return
        off = signature_check_off(jc, stack, self.context)
        if off is not None:
            self._check_unverified(jc, *off)
        elif jc.kind == "decode" and jc.library in {"pyjwt", "jose"}:
            self._check_claim_options(jc)
        elif jc.kind == "decode" and jc.library == "authlib":
            self._check_authlib_validation(jc)

    def _function_name(self) -> str:
        scope = enclosing_scope(self.context.stack)
        return scope.name.value if isinstance(scope, cst.FunctionDef) else ""

    def _in_stand_in_class(self) -> bool:
        cls = enclosing_class(self.context.stack)
        return cls is not None and bool(STAND_IN_CLASS.search("_".join(words(cls.name.value, lower=False))))

    def _check_unsigned(self, jc: JwtCall) -> None:
        algorithm = argument(jc.node, 2, "algorithm")
        if algorithm is None:
            return
        value, _ = follow(algorithm, self.context.stack, self.context)
        if isinstance(literal(value), str) and str(literal(value)).lower() == "none":
            self.report(jc.node, call=jc.name, problem='issues unsigned tokens (algorithm "none")',
                        remedy="sign them with a key and HS256 or RS256")

    def _check_unverified(self, jc: JwtCall, how: str, where: str) -> None:
        use = result_use(jc.node, self.context.stack, self.context)
        claims_to_verify = bool(AUTH_WORDS & set(words(self._function_name())))
        if use in {"unused", "logged"}:
            # only printed or thrown away: harmless, unless the function says it verifies tokens
            quiet = not claims_to_verify
        else:
            quiet = (
                use == "peek" or where == "default" or self._in_stand_in_class()
                or (UNVERIFIED_HELPER.search(self._function_name()) and not claims_to_verify)
                or verified_decode_nearby(jc, self.context.stack, self.context)
            )
        if jc.kind == "unverified-claims" and use in {"unused", "logged"} and quiet:
            return
        problem = f"trusts claims whose signature is not checked ({how})" if jc.kind != "unverified-claims" else how
        self.report(jc.node, call=jc.name, problem=problem, remedy="decode with the key and algorithms=[...]",
                    confidence="LOW" if quiet else None)

    def _check_claim_options(self, jc: JwtCall) -> None:
        options = option_values(jc, self.context.stack, self.context)
        exp, exp_where = options.get("verify_exp", (None, ""))
        if exp is False:
            quiet = exp_where == "default" or ENDING_A_SESSION.search(self._function_name())
            self.report(jc.node, call=jc.name, problem='accepts expired tokens ("verify_exp": False)',
                        remedy="keep exp checked", confidence="LOW" if quiet else "MEDIUM")
            return
        aud, aud_where = options.get("verify_aud", (None, ""))
        if aud is False:
            algorithms = decode_algorithms(jc)
            names = algorithm_names(algorithms, self.context.stack, self.context) if algorithms is not None else None
            shared_secret = bool(names) and all(isinstance(n, str) and family(n) == "HMAC" for n in names)
            self.report(jc.node, call=jc.name, problem='accepts tokens meant for any audience ("verify_aud": False)',
                        remedy="pass audience=...",
                        confidence="LOW" if shared_secret or aud_where == "default" else "MEDIUM")

    def _check_authlib_validation(self, jc: JwtCall) -> None:
        parent = self.context.stack[-1] if self.context.stack else None
        if not (isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name)):
            return  # returned or passed on: the caller may validate
        name = parent.targets[0].target.value
        validated = escapes = False

        def enter(node: cst.CSTNode) -> bool:
            nonlocal validated, escapes
            if isinstance(node, cst.Call):
                func = node.func
                if isinstance(func, cst.Attribute) and dotted_name(func.value) == name and func.attr.value == "validate":
                    validated = True
                elif any(isinstance(a.value, cst.Name) and a.value.value == name for a in node.args):
                    escapes = True
            if isinstance(node, (cst.Return, cst.Yield)) and isinstance(node.value, cst.Name) and node.value.value == name:
                escapes = True
            return True

        walk(enclosing_scope(self.context.stack), enter)
        if not validated and not escapes:
            self.report(jc.node, call=jc.name, problem="claims are never validate()d, so exp and nbf go unchecked",
                        remedy="call claims.validate()", confidence="MEDIUM")

    VALID = [
        # verified with a pinned algorithm
        """
        import jwt
        def current_user(token, key):
            return jwt.decode(token, key, algorithms=["HS256"])["sub"]
        """,
        # unverified claims only logged
        """
        import logging
        import jwt
        log = logging.getLogger(__name__)
        def audit(token):
            claims = jwt.decode(token, options={"verify_signature": False})
            log.info("token for %s", claims)
        """,
        # verification explicitly on
        """
        from jose import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["RS256"], options={"verify_signature": True})
        """,
        # verify=False on something that is not a JWT library
        """
        import requests
        def fetch(url):
            return requests.get(url, verify=False)
        """,
        # tests decode whatever they like
        Valid(
            """
            import jwt
            def test_token(token):
                assert jwt.decode(token, options={"verify_signature": False})["sub"] == "u1"
            """,
            path="tests/test_auth.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import jwt
            def current_user(token):
                payload = jwt.decode(token, options={"verify_signature": False})
                return User.query.get(payload["user_id"])
            """,
            line=3, column=15, message="signature",
        ),
        Invalid(
            """
            import jwt as pyjwt
            NO_CHECK = {"verify_signature": False}
            def claims(token, key):
                return pyjwt.decode(token, key, algorithms=["HS256"], options=NO_CHECK)
            """,
            line=4, column=12,
        ),
        Invalid(
            """
            import jwt
            def user_id(token, key):
                return jwt.decode(token, key, verify=False)["user_id"]
            """,
            line=3, message="verify=False",
        ),
        Invalid(
            """
            from jose import jwt
            def is_admin(token):
                claims = jwt.get_unverified_claims(token)
                return claims.get("role") == "admin"
            """,
            line=3,
        ),
        Invalid(
            """
            import jwt
            def refresh(token, key):
                return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})
            """,
            line=3, message="expired",
        ),
        Invalid(
            """
            import jwt
            def guest_token(claims):
                return jwt.encode(claims, None, algorithm="none")
            """,
            line=3, message="unsigned",
        ),
    ]
