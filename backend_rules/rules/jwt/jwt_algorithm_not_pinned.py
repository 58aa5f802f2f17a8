"""BR502: a JWT is verified with whatever algorithm the token asks for."""

from __future__ import annotations

import ast

import libcst as cst

from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_test_code
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.jwt.jwt_calls import (
    algorithm_names,
    classify,
    decode_algorithms,
    decode_key,
    every_algorithm,
    family,
    from_token_header,
    has_unpacked_arguments,
    may_use_jwt,
    signature_check_off,
)


class JwtAlgorithmNotPinned(Rule):
    """A JWT is verified with whatever algorithm the token asks for.

    ## What it does
    Finds PyJWT and python-jose `decode` calls that check a signature but do not fix the
    algorithm in code:
    - no `algorithms=` at all, or `algorithms=None` (python-jose and PyJWT 1.x then take the
      token header's `alg`), or every algorithm (`jwt.algorithms.get_default_algorithms()`);
    - `"none"` among the accepted algorithms;
    - algorithms read from the unverified header (`jwt.get_unverified_header(t)["alg"]`), unless
      checked against an allow-list first;
    - HMAC (`HS256`) mixed with public-key algorithms (`RS256`, `ES256`) for one key.

    Lists are read where they are written: in the call, a local or a module constant.

    ## Why is this bad?
    The token is written by the attacker. With `alg: none` it needs no signature; with `HS256`
    against a service that expects `RS256`, the public key (which anyone may have) becomes the
    HMAC secret, and the attacker signs tokens with it: algorithm confusion (CWE-347, CWE-327).

    ## Example
    ```python
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, PUBLIC_KEY, algorithms=[header["alg"]])
    ```

    ## Use instead
    ```python
    claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"])
    ```
    A list from configuration (`algorithms=settings.JWT_ALGORITHMS`) is taken as pinned.
    Decoding with the signature check off is BR501's business, not this rule's.
    """

    CODE = "BR502"
    NAME = "jwt-algorithm-not-pinned"
    MESSAGE = "{call} {problem}; pin the one algorithm you sign with, e.g. algorithms=[\"RS256\"]"
    CATEGORY = "security"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    CWE = 347
    TRIGGER = r"decode"
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not is_test_code(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return may_use_jwt(tree)

    def visit_Call(self, node: cst.Call) -> None:
        stack, context = self.context.stack, self.context
        jc = classify(node, stack, context)
        if jc is None or jc.kind != "decode" or jc.library not in {"pyjwt", "jose"}:
            return
        if signature_check_off(jc, stack, context) is not None or has_unpacked_arguments(node):
            return
        algorithms = decode_algorithms(jc)
        if algorithms is not None and literal(follow(algorithms, stack, context)[0]) is None:
            algorithms = None  # algorithms=None says the same as leaving it out
        if algorithms is None:
            if decode_key(jc) is not None:
                self.report(node, call=jc.name, problem="lets the token's header choose the algorithm (no algorithms=)",
                            confidence="MEDIUM" if jc.library == "pyjwt" else None)
            return
        if from_token_header(algorithms, stack, context):
            self.report(node, call=jc.name, problem="takes its algorithms from the unverified token header")
            return
        if every_algorithm(algorithms, stack, context):
            self.report(node, call=jc.name, problem="accepts every algorithm the library knows, \"none\" included")
            return
        names = algorithm_names(algorithms, stack, context) or []
        texts = [n for n in names if isinstance(n, str)]
        if any(n.lower() == "none" for n in texts):
            self.report(node, call=jc.name, problem='accepts alg "none" (unsigned tokens)')
        elif len({family(n) for n in texts} & {"HMAC", "public-key"}) == 2:
            self.report(node, call=jc.name, problem=f"accepts {' and '.join(texts)} for one key (algorithm confusion)")

    VALID = [
        # pinned literal list
        """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, algorithms=["HS256"])
        """,
        # pinned through a module constant and a setting
        """
        from jose import jwt
        ALGORITHMS = ["RS256", "RS512"]
        def claims(token, key, settings):
            jwt.decode(token, key, algorithms=ALGORITHMS)
            return jwt.decode(token, key, algorithms=settings.JWT_ALGORITHMS)
        """,
        # the header's alg checked against an allow-list first
        """
        import jwt
        ALLOWED = {"RS256", "ES256"}
        def claims(token, keys):
            header = jwt.get_unverified_header(token)
            alg = header["alg"]
            if alg not in ALLOWED:
                raise ValueError(alg)
            return jwt.decode(token, keys[header["kid"]], algorithms=[alg])
        """,
        # the header only chooses the key
        """
        import jwt
        def claims(token, keys):
            kid = jwt.get_unverified_header(token)["kid"]
            return jwt.decode(token, keys[kid], algorithms=["RS256"])
        """,
        # signature check off: BR501 says so
        """
        import jwt
        def peek(token):
            return jwt.decode(token, options={"verify_signature": False})
        """,
        Valid(
            """
            import jwt
            def test_decode(token, key):
                assert jwt.decode(token, key)
            """,
            path="app/tests/test_tokens.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            from jose import jwt
            def claims(token, key):
                return jwt.decode(token, key)
            """,
            line=3, column=12, message="no algorithms=",
        ),
        Invalid(
            """
            import jwt as pyjwt
            def claims(token, key):
                return pyjwt.decode(token, key, algorithms=["HS256", "none"])
            """,
            line=3, message='"none"',
        ),
        Invalid(
            """
            import jwt
            def claims(token, key):
                header = jwt.get_unverified_header(token)
                return jwt.decode(token, key, algorithms=[header["alg"]])
            """,
            line=4, message="header",
        ),
        Invalid(
            """
            import jwt
            ACCEPTED = ["RS256", "HS256"]
            def claims(token, public_key):
                return jwt.decode(token, public_key, algorithms=ACCEPTED)
            """,
            line=4, message="algorithm confusion",
        ),
    ]
