"""BR401: a password, token or API key bound to a string literal."""

from __future__ import annotations

from backend_rules.rule import Invalid, Valid
from backend_rules.rules.secrets.any_of import AnyOf
from backend_rules.rules.secrets.environment_fix import environment_fix
from backend_rules.rules.secrets.secret_rule import SecretRule

# A secret-ish word (key included: ``ApiKey``), the rest of the name, then `=`, `==`, `:` or `,` and
# a quote (an annotation, a wrapper call such as SecretStr( or Field(default= may come between).
_WORD = r"[PpSsTtCcKk](?:ass|ASS|wd|WD|w\b|W\b|ecret|ECRET|oken|OKEN|red|RED|ey|EY)"
SECRET_WORD_TRIGGER = (
    _WORD + r"\w{0,40}['\"]?\]?[ \t]{0,4}(?::[ \t]{0,4}[\w\[\]., |]{1,40})?(?:[=!]=|[=:,])[ \t]{0,4}"
    r"(?:\w{1,20}\((?:default[ \t]?=[ \t]?)?)?[rRbBuUfF]{0,2}['\"]"
)
REVERSED_COMPARISON_TRIGGER = r"[=!]=[ \t]{0,4}[\w.\[\]'\"]{0,40}" + _WORD
AUTH_HEADER_TRIGGER = (r"[Aa]uthorization['\"]\]?[ \t]{0,4}[:=,][ \t]{0,4}[rRbBuU]{0,2}['\"]"
                       r"(?:[Bb]earer|BEARER|[Tt]oken|[Bb]asic|JWT|[Jj]wt|[Bb]ot|[Aa]pi-?[Kk]ey) ")
SPECIAL_CALL_TRIGGER = (r"BasicAuth\(|DigestAuth\(|ProxyAuth\(|set_password\(|\.login\(|create_user\(|"
                        r"create_superuser\(|SecretStr\(|SecretBytes\(|auth[ \t]?=[ \t]?\(")


class HardcodedSecret(SecretRule):
    """A password, token or API key is bound to a string literal.

    ## What it does
    Finds string literals bound to secret-named places: assignments (module, class attributes,
    settings classes, dataclass configs), keyword arguments (`password=`, `api_key=`,
    `client_secret=`, `auth=("user", "pw")`), `HTTPBasicAuth("user", "pw")`, dict entries
    (`DATABASES = {"default": {"PASSWORD": "..."}}`), default arguments, `set_password("...")`,
    `create_user(name, email, "...")`, `server.login(user, "...")`, comparisons
    (`if password == "hunter2":`) and `Authorization` headers written out
    (`{"Authorization": "Bearer 9f8e..."}`, `"Basic dXNl..."`, `"Token ..."`).

    Names are split into words (`DB_PASSWORD`, `stripeApiKey`, `client-secret`) and read for their
    meaning: `TOKEN_URL`, `PASSWORD_FIELD`, `password_reset_path`, `TOKEN_HEADER`,
    `PASSWORD_MIN_LENGTH` and `secret_name` (a reference to a secret manager) do not hold secrets.
    Values are judged too: empty strings, placeholders (`<...>`, `${VAR}`, `%(name)s`,
    `{{ var }}`, `xxx`, `***`, `your-api-key`), paths, URLs, environment-variable names,
    header names and auth schemes (`"Bearer"`) are not secrets; `"changeme"` is. Nor are labels:
    members of an `Enum`/`Choices` class, namespaced keys and message ids
    (`"account:api_token:added"`), identifier-shaped values that spell their own name
    (`refresh_token = "acme_refresh_token"`), parser sentinels with control characters, a
    schema naming the field that holds the secret (`{"secret": "url"}`) and the marker a
    password field holds for SSO accounts (`"!"`, `"unusable"`).

    Confidence: LOW for visibly dummy values (`"dummy key"`, a token `"123"`), keys of
    `Test...Config` classes and literals in scripts (seeds, sample data); HIGH otherwise.

    Options: `test-paths` (default `["tests/", "test/", "testing/", "**/test_*.py",
    "**/*_test.py", "**/tests.py", "**/conftest.py"]`) lists test code, where this rule stays
    quiet unless `secrets-in-tests = true` (default `false`). Literals in a known credential
    format are BR402, URLs with a password BR403, signing keys BR405: one literal, one finding.

    ## Why is this bad?
    Everyone who can read the repository, its forks, CI logs and built images can read the
    secret, and it cannot be rotated without a release (CWE-798, OWASP A07).

    ## Example
    ```python
    DB_PASSWORD = "hunter2"
    client = redis.Redis(host="cache", password="s3cr3t-redis")
    ```

    ## Use instead
    ```python
    DB_PASSWORD = os.environ["DB_PASSWORD"]
    client = redis.Redis(host="cache", password=os.environ["REDIS_PASSWORD"])
    ```

    ## Fix safety
    An unsafe fix (`--fix --unsafe-fixes`) replaces the literal by `os.environ["NAME"]` (adding
    `import os`), NAME being the place it was bound to in upper snake case (`DB_PASSWORD`,
    `password=` of `Redis(...)` -> `REDIS_PASSWORD`, a dict's `"PASSWORD"` under `DATABASES` ->
    `DATABASES_PASSWORD`). Unsafe: the program fails with KeyError until the variable is set. The
    value stays in the repository's history: rotate it. No fix for comparisons, default
    arguments, positional arguments or a secret inside a larger string.
    """

    CODE = "BR401"
    FIX = "unsafe"
    NAME = "hardcoded-secret"
    MESSAGE = "{kind} `{masked}` is hardcoded in `{name}`; read it from the environment or a secret manager"
    CWE = 259
    TRIGGER = "|".join((SECRET_WORD_TRIGGER, REVERSED_COMPARISON_TRIGGER, SPECIAL_CALL_TRIGGER, AUTH_HEADER_TRIGGER))
    _trigger_re = AnyOf(SECRET_WORD_TRIGGER, REVERSED_COMPARISON_TRIGGER, SPECIAL_CALL_TRIGGER, AUTH_HEADER_TRIGGER)

    def report(self, node, message=None, *, fix=None, **fields) -> None:
        """Each finding offers to read the secret from the environment (see environment_fix)."""
        super().report(node, message, fix=fix or environment_fix(self.context, node, fields.get("confidence")), **fields)

    VALID = [
        # names that hold something else than the secret
        """
        TOKEN_URL = "https://auth.example.com/oauth/token"
        PASSWORD_FIELD = "password"
        password_reset_path = "/accounts/password/reset/"
        TOKEN_HEADER = "Authorization"
        PASSWORD_MIN_LENGTH = 8
        secret_name = "prod/db/password"
        token_type = "bearer"
        SECRET_KEY_ENV = "DJANGO_SECRET_KEY"
        """,
        # values from the environment, a prompt or a secret manager
        """
        import os
        from getpass import getpass
        password = os.environ["DB_PASSWORD"]
        api_key = os.environ.get("API_KEY")
        admin_password = getpass()
        token = secrets_client.get_secret_value(SecretId="prod/api-token")["SecretString"]
        """,
        # placeholders and empty values
        """
        password = ""
        api_key = "<your-api-key>"
        DB_PASSWORD = "${DB_PASSWORD}"
        template = {"password": "{{ db_password }}", "token": "%(token)s"}
        client_secret = "xxxxxxxx"
        """,
        # a fixture in test code (set `secrets-in-tests = true` to check tests too)
        Valid(
            """
            def test_login(client):
                client.login(username="alice", password="correct horse")
                assert client.get("/").status_code == 200
            """,
            path="tests/test_views.py",
        ),
        # labels: an enum of token types, an event tag, the password marker of an SSO account
        """
        from enum import StrEnum

        class TokenType(StrEnum):
            refresh_token = "acme_refresh_token"

        API_TOKEN_ADDED = "account:api_token:added"

        def provision(User, email):
            return User(email=email, password="!")
        """,
        # Django settings that name password machinery, not passwords
        """
        PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
        AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
        """,
    ]
    INVALID = [
        Invalid('DB_PASSWORD = "hunter2-prod"\n', line=1, column=15, message="`DB_PASSWORD`",
                expected='import os\nDB_PASSWORD = os.environ["DB_PASSWORD"]\n'),
        Invalid(
            """
            import redis as r
            cache = r.Redis(host="cache", port=6379, password="s3cr3t-redis")
            """,
            line=2, message="password `s3cr…`",
        ),
        Invalid(
            """
            DATABASES = {
                "default": {
                    "ENGINE": "django.db.backends.postgresql",
                    "USER": "app",
                    "PASSWORD": "pg-Pr0d-pass",
                }
            }
            """,
            line=5,
        ),
        Invalid(
            """
            def check(password):
                if password == "hunter2":
                    return True
            """,
            line=2,
        ),
        Invalid(
            """
            import requests
            requests.get("https://api.example.com", auth=("deploy", "Zx9-deploy"))
            """,
            line=2,
        ),
        Invalid(
            """
            class Config:
                stripeApiKey = "stripe-live-4f9a8b"
            """,
            line=2, message="API key",
        ),
        Invalid('def connect(host, password="changeme"):\n    pass\n', line=1),
        Invalid(
            """
            import requests as http
            http.get(URL, headers={"Authorization": "Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0"})
            """,
            line=2, message="bearer token",
        ),
    ]
