"""BR404: a hardcoded fallback for a secret read from the environment or settings."""

from __future__ import annotations

from backend_rules.rule import Invalid
from backend_rules.rules.secrets.secret_rule import SecretRule


class HardcodedSecretFallback(SecretRule):
    """An environment lookup for a secret falls back to a hardcoded value.

    ## What it does
    Finds literal defaults of secrets read from the environment: `os.getenv("JWT_SECRET",
    "dev-secret")`, `os.environ.get(...)`, `os.environ.setdefault(...)`, python-decouple /
    starlette `config("SECRET_KEY", default=...)`, environs / django-environ
    `env.str("API_KEY", "...")`, and pydantic `BaseSettings` fields with a secret name and a
    literal default (`password: SecretStr = "..."`). The secret is recognised by the variable's
    name, or the name it is assigned to (`BaseSettings` also through an alias or a settings
    class of the same module). Empty, `None` and template defaults (`"<set-me>"`,
    `"your-key-here"`) are fine; placeholders (`"dummy key"`, `"changeme"`) are reported with
    LOW confidence: the application would run with them, but nobody meant them. So are local
    development defaults: a password that repeats another literal of the file (the user or
    database name: `os.getenv("DB_PASS", "shop")` beside `os.getenv("DB_USER", "shop")`, doubled
    or followed by digits), and settings modules named for tests, docker-compose or development
    (`configuration_testing.py`, `settings/dev.py`), scripts and docs. `"supersecret"` is not one
    of them: a deployment that forgets the variable signs with a key anyone can guess.

    Stays quiet in test code (`test-paths`, see BR401) unless `secrets-in-tests = true`.

    ## Why is this bad?
    When the variable is missing in production — a typo, a new deployment — the application
    starts anyway with a key everyone can read in the repository, and forged sessions or tokens
    are accepted (CWE-798).

    ## Example
    ```python
    JWT_SECRET = os.getenv("JWT_SECRET", "dev-secret")
    ```

    ## Use instead
    Fail when the secret is missing:
    ```python
    JWT_SECRET = os.environ["JWT_SECRET"]
    ```
    """

    CODE = "BR404"
    NAME = "hardcoded-secret-fallback"
    MESSAGE = "{env} falls back to the hardcoded {kind} `{masked}`; fail when the secret is not set instead"
    TRIGGER = r"getenv|environ|config\(|env\(|env\.\w{1,12}\(|Settings|setdefault"

    VALID = [
        # no fallback, or an empty one
        """
        import os
        JWT_SECRET = os.environ["JWT_SECRET"]
        API_KEY = os.getenv("API_KEY", "")
        DEBUG = os.getenv("DEBUG", "false")
        """,
        # defaults of settings that are not secrets
        """
        from decouple import config
        DATABASE_HOST = config("DATABASE_HOST", default="localhost")
        TOKEN_TTL = config("TOKEN_TTL", default="3600", cast=int)
        """,
        # placeholders
        """
        import os
        SECRET_KEY = os.environ.get("SECRET_KEY", "<set-me-in-env>")
        """,
        # BaseSettings without a literal secret default
        """
        from pydantic import SecretStr
        from pydantic_settings import BaseSettings
        class Settings(BaseSettings):
            database_password: SecretStr
            api_url: str = "https://api.example.com"
        """,
    ]
    INVALID = [
        Invalid('import os\nJWT_SECRET = os.getenv("JWT_SECRET", "dev-secret")\n', line=2, column=38,
                message="`JWT_SECRET`"),
        Invalid(
            """
            from os import environ as env_vars
            password = env_vars.get("DB_PASSWORD", "pg-local-pw")
            """,
            line=2,
        ),
        Invalid(
            """
            from decouple import config
            STRIPE_API_KEY = config("STRIPE_API_KEY", default="stripe-dev-8c1f")
            """,
            line=2,
        ),
        Invalid(
            """
            from pydantic_settings import BaseSettings as Base
            class Settings(Base):
                redis_password: str = "r3dis-dev"
            """,
            line=3, message="settings field",
        ),
    ]
