"""BR403: a connection URL with a hardcoded password."""

from __future__ import annotations

from backend_rules.rule import Invalid, Valid
from backend_rules.rules.secrets.any_of import AnyOf
from backend_rules.rules.secrets.secret_rule import SecretRule


class CredentialsInUrl(SecretRule):
    """A connection URL carries a hardcoded password (`postgresql://user:pw@host/db`).

    ## What it does
    Finds string literals that are URLs with a password in their user-info part — databases
    (`postgresql://`, `mysql://`, `mongodb+srv://`), caches and brokers (`redis://:pw@`,
    `amqp://`), any `https://user:pw@` — and libpq connection strings with `password=...`.
    A password that is a placeholder (`${DB_PASSWORD}`, `<password>`, `%(pw)s`, `{password}`,
    `xxx`, or the word `password` itself) or an f-string expression
    (`f"postgresql://{user}:{pw}@{host}"`) is not hardcoded. Docstrings are not checked. A
    password equal to the user (`postgres://shop:shop@localhost`) and URLs in settings modules
    named for tests, docker-compose or development are local defaults: LOW confidence.

    Stays quiet in test code (`test-paths`, see BR401) unless `secrets-in-tests = true`.

    ## Why is this bad?
    The URL ends up in logs, error reports and process listings with the password inside, and
    the password cannot be rotated without a release (CWE-798).

    ## Example
    ```python
    SQLALCHEMY_DATABASE_URI = "postgresql://app:S3cure-pg@db.internal:5432/app"
    ```

    ## Use instead
    ```python
    SQLALCHEMY_DATABASE_URI = os.environ["DATABASE_URL"]
    ```
    """

    CODE = "BR403"
    NAME = "credentials-in-url"
    MESSAGE = "{scheme} carries the password `{masked}`; build it from the environment or a secret manager"
    _PARTS = (
        r"://[^\s'\"@/]{0,128}:[^\s'\"@/]{0,256}@",
        r"dbname=[^'\"\n]{0,256}password=", r"host=[^'\"\n]{0,256}password=", r"user=[^'\"\n]{0,256}password=",
        r"password=[^\s'\"(),]{1,256}\s{1,4}(?:dbname|host|user|port)=",
    )
    TRIGGER = "|".join(_PARTS)
    _trigger_re = AnyOf(*_PARTS)

    VALID = [
        # from the environment, or interpolated by the shell/compose/f-string
        """
        import os
        DATABASE_URL = os.environ["DATABASE_URL"]
        BROKER_URL = "amqp://guest:${RABBITMQ_PASSWORD}@rabbit:5672//"
        url = f"postgresql://{user}:{password}@{host}/app"
        """,
        # no password, or a placeholder
        """
        DATABASE_URL = "postgres://app@localhost/app"
        EXAMPLE = "mysql://user:password@localhost/db"
        CACHE = "redis://:<password>@cache:6379/0"
        """,
        # a docstring documenting the format
        '''
        def connect(url):
            """Connect to ``url``, e.g. ``postgresql://scott:tiger@localhost/test``."""
        ''',
        Valid(
            'ENGINE_URL = "postgresql://postgres:postgres@localhost:5432/test_db"\n',
            path="tests/conftest.py",
        ),
    ]
    INVALID = [
        Invalid('SQLALCHEMY_DATABASE_URI = "postgresql://app:S3cure-pg@db.internal:5432/app"\n', line=1,
                message="password `S3cu…`"),
        Invalid(
            """
            import redis
            cache = redis.Redis.from_url("redis://:r3dis-Pa55@cache:6379/0")
            """,
            line=2,
        ),
        Invalid(
            """
            from sqlalchemy import create_engine as ce
            engine = ce(
                "mysql+pymysql://reporting:rep0rt-pw@mysql.internal/reports"
            )
            """,
            line=3,
        ),
        Invalid('import psycopg2\nconn = psycopg2.connect("dbname=app user=app password=pg-Secr3t host=db")\n',
                line=2, message="libpq"),
    ]
