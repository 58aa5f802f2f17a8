"""What a literal in a secret's place is when it is not a credential: a label, a key, a marker, an example.

Read the way a reviewer reads them: ``APITokenAdded = "account:api_token:added"`` is an event tag,
``WIKI_REBUILD_TOKEN = "sumo:wiki:full-rebuild"`` a lock key, ``CompromisedPassword = "password
compromised"`` a reason, ``{"secret": "url"}`` a schema naming
the field that holds the secret, ``password="!"`` the marker of an account that logs in through
SSO, and ``ghs_16C7e42F...`` the installation token printed in GitHub's REST documentation. None
of them is a credential.

Placeholders (``"dummy key"``, ``"changeme"``) are different: nobody meant them to be used, but an
application falling back to one runs with a key everyone knows. As fallbacks they are reported
with LOW confidence (:func:`is_placeholder`); bound as the secret itself, only the visibly dummy
ones are (:func:`is_dummy`): ``ADMIN_PASSWORD = "changeme"`` is a weak password, and deployed.
"""

from __future__ import annotations

import base64
import json
import re
import time

_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# ``source:subject:action``, ``build:user:ssh-key-with-write-access``: a namespaced key or message id.
NAMESPACED = re.compile(r"^[a-z][a-z0-9_.-]*(?::[a-z0-9_.-]+){2,}:?$")
# Lowercase words and spaces: how a label or a reason is written, not how a password is.
SPACED_WORDS = re.compile(r"^[a-z]+(?: [a-z]+)+$")
# Words a schema, a form or a type map puts where the secret's *kind* goes.
TYPE_WORDS = {"string", "str", "text", "url", "uri", "int", "integer", "number", "bool", "boolean", "object",
              "array", "list", "dict", "bytes", "email", "hidden", "file", "char", "varchar", "json"}
# Stored in a password column for accounts that cannot log in with one (SSO, LDAP, invitations).
NO_PASSWORD_MARKERS = {"unusable", "sso", "external", "ldap", "saml", "oidc", "social", "nopassword",
                       "no-password", "no_password", "locked", "not-set", "unset", "invalid", "remote"}
# Tokens printed in public documentation, reused in tests all over the internet.
DOCUMENTED_EXAMPLES = {
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # Stripe API reference
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",  # Stripe API reference (older)
    "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",  # Slack API docs
}
# GitHub's REST docs print the same body behind every prefix (``ghs_``, ``ghp_``, ``gho_``...).
DOCUMENTED_GITHUB_BODY = "16C7e42F292c6912E7710c838347Ae178B4a"
DUMMY_WORDS = {"dummy", "fake", "placeholder", "sample", "example", "fixme", "todo", "tbd", "redacted", "mock",
               "bogus"}
DUMMY_PHRASES = re.compile(
    r"(?i)^your[\s_-]|[\s_-]here$|not[\s_-]?(?:a[\s_-]?)?(?:real[\s_-]?)?(?:secret|password|key)\b|^(.)\1{5,}$"
)
BARE_SECRET_WORDS = {"password", "passwd", "pass", "pwd", "secret", "token", "key", "apikey", "api_key",
                     "secret_key", "secretkey"}
# Weak passwords that ask to be changed: deployed as they are more often than anyone admits.
CHANGE_ME = re.compile(r"(?i)change[\s_-]?(?:me|it|this)\b|replace[\s_-]?(?:me|this)\b|changeme|changeit|replaceme")


def words_of(text: str) -> list[str]:
    """``APITokenAdded`` -> [api, token, added]; ``polar_access_token`` -> [polar, access, token]."""
    return [w.lower() for chunk in re.split(r"[^A-Za-z0-9]+", text) for w in _WORDS.findall(chunk)]


def is_label(text: str, name: str) -> bool:
    """The value names something: a namespaced key, or lowercase words that spell the name.

    ``"account:api_token:added"``, ``"build:user:ssh-key-with-write-access"``, ``"password
    compromised"`` for ``CompromisedPassword``. Underscored values are not enough
    (``API_KEY = "my_api_key_123"`` is a throwaway key, not a label; enum members that spell
    their name are caught by their class).
    """
    if NAMESPACED.match(text):
        return True
    name_words = set(words_of(name))
    return bool(SPACED_WORDS.match(text)) and bool(name_words) and name_words <= set(text.split())


def has_control_characters(text: str) -> bool:
    """``"\\x91/sf\\x91"``: a parser's sentinel, not something a person types or a service issues."""
    return any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text)


def names_a_type(text: str) -> bool:
    """``{"password": "string"}``, ``{"secret": "url"}``: the kind of the field, not its value."""
    return text.lower() in TYPE_WORDS


def is_no_password_marker(text: str) -> bool:
    """``"!"``, ``"!unusable"``, ``"sso"``: what a password field holds when there is no password."""
    value = text.strip().lower()
    return value in NO_PASSWORD_MARKERS or bool(re.fullmatch(r"![a-z_ -]*", value))


def is_documented_example(token: str) -> bool:
    """A token published in a provider's documentation (the AWS ``...EXAMPLE`` keys are caught
    by their wording)."""
    if token in DOCUMENTED_EXAMPLES:
        return True
    return bool(re.fullmatch(r"gh[pousr]_" + DOCUMENTED_GITHUB_BODY, token))


def is_dummy(text: str, kind: str = "password") -> bool:
    """``"dummy key"``, ``"DummyKey"``, ``"your-secret-here"``, ``"AAAAAAAA"``: visibly not meant for
    use; and ``"123"`` where a token or key belongs (a password can be that weak, a token cannot)."""
    if kind != "password" and re.fullmatch(r"(?:[a-z]{2,6}_)?\d{1,5}", text.strip()):
        return True  # "123", "whsec_123": a number where a generated token belongs
    return bool(set(words_of(text)) & DUMMY_WORDS or DUMMY_PHRASES.search(text))


# A provider's test-mode key (Stripe ``sk_test_``): it opens a sandbox, not the account's money.
TEST_MODE_KEY = re.compile(r"^(?:sk|pk|rk)_test_")


def is_placeholder(text: str) -> bool:
    """A dummy value, a ``"changeme"``, or the bare word ``"password"``/``"secret"``: what a
    fallback holds until someone sets the real one."""
    return is_dummy(text) or bool(CHANGE_ME.search(text)) or text.strip().lower() in BARE_SECRET_WORDS


def _claims(part: str) -> dict | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def jwt_expired(token: str, now: float | None = None) -> bool:
    """The JWT's ``exp`` claim lies in the past: it no longer opens anything."""
    parts = token.split(".")
    claims = _claims(parts[1]) if len(parts) >= 2 else None
    expiry = claims.get("exp") if claims else None
    return isinstance(expiry, (int, float)) and expiry < (time.time() if now is None else now)
