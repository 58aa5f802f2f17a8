"""BR402: a credential in a known format (AWS, GitHub, Stripe, JWT...) in a string literal."""

from __future__ import annotations

from backend_rules.rule import Invalid
from backend_rules.rules.secrets.any_of import AnyOf
from backend_rules.rules.secrets.environment_fix import environment_fix
from backend_rules.rules.secrets.secret_rule import SecretRule
from backend_rules.rules.secrets.secret_words import FORMAT_TRIGGER, FORMAT_TRIGGER_PARTS


class KnownCredentialFormat(SecretRule):
    """A string literal holds a credential in a known format (AWS, GitHub, Stripe, Slack, JWT...).

    ## What it does
    Finds, in any string literal (docstrings included), AWS access key ids (and AWS secret access
    keys bound to an `aws_secret...` name), GitHub and GitLab tokens, Slack tokens and webhook
    URLs, Stripe secret and restricted keys (`sk_live_`, `rk_live_`, `sk_test_`; not the public
    `pk_` keys), Google API keys, Twilio API keys (and auth tokens bound to a `twilio` name),
    SendGrid keys, OpenAI-style `sk-` keys, npm and PyPI tokens, signed JWTs (a decodable header
    with an algorithm, and a signature) and PEM private-key blocks.

    Each format has checks that keep false positives down: exact prefixes and lengths, a varied
    alphabet (no `xxxx`, `0000` or repeated characters), mixed case and digits where real keys
    have them. Tokens published in providers' documentation (AWS's `AKIAIOSFODNN7EXAMPLE`,
    the installation token of GitHub's REST docs, Stripe's API-reference test key) and jwt.io's
    example token are not reported.

    This rule reports in test code too (`test-paths` does not silence it): a real token in a
    fixture is as leaked as one in production code. JWTs and private keys in test code (fixtures
    signed with test keys) and expired JWTs anywhere are reported with LOW confidence.

    ## Why is this bad?
    A token in a known format is found by scanners within minutes of a push; it grants what its
    owner can do until it is revoked (CWE-798).

    ## Example
    ```python
    stripe.api_key = "sk_live_..."   # a real 24+ character key
    ```

    ## Use instead
    Revoke the key, then load its replacement at run time:
    ```python
    stripe.api_key = os.environ["STRIPE_SECRET_KEY"]
    ```

    ## Fix safety
    As for BR401: an unsafe fix replaces a literal bound to a name, keyword or dict key by
    `os.environ["NAME"]` (adding `import os`); the key itself must still be revoked. Credentials
    inside larger strings (URLs, docstrings) get no fix.
    """

    CODE = "BR402"
    FIX = "unsafe"
    NAME = "known-credential-format"
    MESSAGE = "{label} in a string literal; revoke it and load the new one from the environment or a secret manager"
    TRIGGER = FORMAT_TRIGGER
    _trigger_re = AnyOf(*FORMAT_TRIGGER_PARTS)

    def report(self, node, message=None, *, fix=None, **fields) -> None:
        """Each finding offers to read the secret from the environment (see environment_fix)."""
        super().report(node, message, fix=fix or environment_fix(self.context, node, fields.get("confidence")), **fields)

    VALID = [
        # publishable Stripe keys are meant to be public; AWS's documented example key
        """
        STRIPE_PUBLISHABLE_KEY = "pk_live_51HqLyjWDarjtT1zdp7dcXCgoKZOAYVWrDLZpcS7"
        AWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
        """,
        # wrong length or charset: not a token
        """
        GITHUB_TOKEN = "ghp_short"
        slack = "xoxb-not-a-token"
        label = "AKIA is the prefix of AWS access key ids"
        """,
        # placeholders in the format of a token
        """
        OPENAI_API_KEY = "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        GITHUB_TOKEN = "ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
        """,
        # the installation token printed in GitHub's REST documentation
        """
        def test_installation_token(client):
            client.post("/webhook", json={"token": "ghs_16C7e42F292c6912E7710c838347Ae178B4a"})
        """,
        # an unsigned JWT and jwt.io's example token
        """
        UNSIGNED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjMifQ."
        """,
    ]
    INVALID = [
        Invalid(
            """
            import boto3
            s3 = boto3.client("s3", aws_access_key_id="AKIA2E0A8F3B244C9986")
            """,
            line=2, message="AWS access key id",
        ),
        Invalid(
            """
            from boto3 import client as aws_client
            s3 = aws_client("s3", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCY9a8b7c6d5e")
            """,
            line=2, message="AWS secret access key",
        ),
        Invalid('GITHUB_TOKEN = "ghp_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu"\n', line=1, message="GitHub token",
                expected='import os\nGITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n'),
        Invalid(
            """
            def charge(stripe):
                stripe.api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
            """,
            line=2, message="Stripe secret key",
        ),
        Invalid(
            '''
            def test_webhook(client):
                client.post("https://hooks.slack.com/services/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")
            ''',
            line=2, message="Slack webhook URL", path="tests/test_alerts.py",
        ),
    ]
