"""BR405: sessions or tokens signed with a key written in the code."""

from __future__ import annotations

from backend_rules.rule import Invalid, Valid
from backend_rules.rules.secrets.secret_rule import SecretRule
from backend_rules.rules.secrets.secret_words import anycase


class LiteralSigningKey(SecretRule):
    """Sessions or tokens are signed with a key written in the code.

    ## What it does
    Finds literal keys given to `jwt.encode` / `jwt.decode` (PyJWT, python-jose), `hmac.new`,
    itsdangerous serializers and signers and `Fernet`, also through a constant of the same module
    or function; and literal values of `SECRET_KEY` (Django settings, Flask config classes),
    `app.secret_key`, `app.config["SECRET_KEY"]`, `JWT_SECRET_KEY` and similar signing-key names.

    Stays quiet in test code (`test-paths`, see BR401) unless `secrets-in-tests = true`.

    ## Why is this bad?
    Whoever knows the signing key can forge sessions, password-reset links and tokens for any
    user, admins included (CWE-321).

    ## Example
    ```python
    token = jwt.encode({"sub": user.id}, "secret", algorithm="HS256")
    ```

    ## Use instead
    ```python
    token = jwt.encode({"sub": user.id}, settings.JWT_SECRET, algorithm="HS256")  # from the env
    ```
    """

    CODE = "BR405"
    NAME = "literal-signing-key"
    MESSAGE = "{what} signs with the literal key `{masked}`; load the key from the environment or a secret manager"
    CWE = 321
    TRIGGER = r"jwt|JWT|hmac|HMAC|Signer|Serializer|Fernet|" + anycase("secret", "signing") + r"[_-]?[Kk]"

    VALID = [
        # keys from configuration
        """
        import jwt
        from django.conf import settings
        def issue(user):
            return jwt.encode({"sub": user.id}, settings.SECRET_KEY, algorithm="HS256")
        """,
        # a parameter, not a literal
        """
        import hmac, hashlib
        def sign(key: bytes, body: bytes) -> str:
            return hmac.new(key, body, hashlib.sha256).hexdigest()
        """,
        # Django settings reading the key from the environment
        Valid('import os\nSECRET_KEY = os.environ["DJANGO_SECRET_KEY"]\n', path="mysite/settings.py"),
        # not PyJWT: a method called encode on something else
        """
        def dump(codec, payload):
            return codec.encode(payload, "utf-8")
        """,
    ]
    INVALID = [
        Invalid(
            """
            import jwt as pyjwt
            def issue(user):
                return pyjwt.encode({"sub": user.id}, "secret", algorithm="HS256")
            """,
            line=3, message="`jwt.encode()`",
        ),
        Invalid("SECRET_KEY = 'django-insecure-q8#w7^b2@9x!k'\n", line=1, path="mysite/settings.py"),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)
            app.secret_key = "dev-flask-key"
            """,
            line=3,
        ),
        Invalid(
            """
            import hmac, hashlib
            def sign(body):
                return hmac.new(b"webhook-key-1", body, hashlib.sha256).hexdigest()
            """,
            line=3,
        ),
        Invalid(
            """
            import jwt
            KEY = "k3y-for-tokens"
            def check(token):
                return jwt.decode(token, KEY, algorithms=["HS256"])
            """,
            line=2,
        ),
    ]
