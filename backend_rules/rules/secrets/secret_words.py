"""Is this name a secret, is this literal a secret, and how to talk about it without leaking it.

Names are split into words (``DB_PASSWORD``, ``stripeApiKey``, ``client-secret``) and judged by
meaning, the way a reviewer reads them: the words *after* the secret word decide what the name
holds. ``DB_PASSWORD`` holds a password; ``PASSWORD_RESET_PATH`` holds a path, ``TOKEN_URL`` a
URL, ``PASSWORD_MIN_LENGTH`` a number, ``secret_name`` the name of a secret in a secret manager.

Values are judged too: empty strings, placeholders (``<...>``, ``${VAR}``, ``%(name)s``,
``{{ var }}``, ``xxx``, ``***``), paths, URLs, dotted import paths, environment-variable names,
header names, auth schemes (``"Bearer"``) and field names (``PASSWORD = "password"``) are not
secrets. Weak real passwords (``"changeme"``, ``"admin"``) are.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from functools import lru_cache

from backend_rules.rules.secrets.value_kinds import (
    has_control_characters, is_documented_example, is_label, names_a_type,
)

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# One-word spellings that stand for two words.
COMPOUNDS = {
    "apikey": ("api", "key"), "secretkey": ("secret", "key"), "accesskey": ("access", "key"),
    "privatekey": ("private", "key"), "authtoken": ("auth", "token"), "accesstoken": ("access", "token"),
    "refreshtoken": ("refresh", "token"), "clientsecret": ("client", "secret"),
    "apisecret": ("api", "secret"), "apitoken": ("api", "token"), "authkey": ("auth", "key"),
    "signingkey": ("signing", "key"), "masterkey": ("master", "key"), "appkey": ("app", "key"),
    "dbpassword": ("db", "password"), "dbpass": ("db", "pass"), "adminpassword": ("admin", "password"),
    "userpassword": ("user", "password"), "rootpassword": ("root", "password"),
    "encryptionkey": ("encryption", "key"), "secretaccesskey": ("secret", "access", "key"),
}
# Spellings that camelCase splitting breaks apart (``PassWord``, ``PassPhrase``).
JOINED = {("pass", "word"): "password", ("pass", "phrase"): "passphrase", ("pass", "wd"): "passwd",
          ("pass", "code"): "passcode", ("pass", "phrases"): "passphrases", ("pass", "words"): "passwords"}

PASSWORD_WORDS = {"password", "passwd", "pwd", "pw", "pass", "passphrase", "passcode", "pword", "pswd",
                  "passw"}
SECRET_WORDS = {"secret", "secrete"}
TOKEN_WORDS = {"token"}
CREDENTIAL_WORDS = {"credential", "credentials", "creds", "cred"}
# ``X_key`` is a secret key only for these X (``cache_key``, ``primary_key`` are not).
KEY_MODIFIERS = {
    "api", "secret", "private", "access", "auth", "signing", "sign", "encryption", "encrypt", "enc",
    "crypt", "crypto", "master", "app", "license", "licence", "hmac", "jwt", "fernet", "aes", "client",
    "consumer", "webhook", "stripe", "sendgrid", "twilio", "mailgun", "openai", "anthropic", "slack",
    "github", "gitlab", "google", "maps", "recaptcha", "captcha", "service",
    "admin", "root", "shared", "symmetric", "decryption", "cipher", "ssh", "rsa", "pem", "gpg", "pgp",
    "subscription", "integration", "partner", "merchant", "payment", "paypal", "braintree", "aws",
    "azure", "gcp", "firebase", "algolia", "pusher", "mapbox", "sentry", "datadog", "dd", "newrelic",
    "mailchimp", "postmark", "mandrill", "sparkpost", "nexmo", "vonage", "plaid", "shopify",
}
# A token that is not a credential: pagination, NLP, parsing, cancellation.
NOT_CREDENTIAL_TOKEN = {
    "page", "next", "prev", "previous", "continuation", "pagination", "cursor", "cancel",
    "cancellation", "sync", "csrf", "xsrf", "end", "start", "eof", "sep", "separator", "special",
    "unk", "pad", "bos", "eos", "mask", "cls", "max", "min", "num", "lexer", "parser", "stop",
    "split", "word", "sentence", "input", "output", "resume", "idempotency", "nonce", "last",
    "first", "change", "wait", "lock", "invite", "invitation", "verification", "confirmation",
    "unsubscribe", "share", "sharing", "upload", "download", "identity", "default", "metavalue",
    "relationship", "column", "col", "sentinel", "marker", "delimiter", "operator", "op", "keyword",
    "kw", "literal", "number", "punct", "whitespace", "comment", "newline", "indent", "dedent",
    "wildcard", "entity", "blank", "empty", "null", "none", "attr", "string", "str", "bracket",
}
# Words that, after the secret word, say the name holds something else than the secret.
NOT_SECRET_AFTER = {
    "url", "urls", "uri", "endpoint", "path", "paths", "file", "filename", "filepath", "dir",
    "directory", "folder", "field", "fields", "name", "names", "header", "headers", "type", "types",
    "length", "len", "size", "min", "max", "count", "limit", "timeout", "ttl", "expiry", "expires",
    "expire", "expiration", "lifetime", "age", "env", "var", "vars", "variable", "id", "ids", "label",
    "prompt", "message", "messages", "msg", "help", "placeholder", "pattern", "regex", "re", "format",
    "fmt", "prefix", "suffix", "param", "params", "parameter", "arg", "args", "attr", "attribute",
    "column", "col", "table", "model", "class", "cls", "form", "widget", "validator", "validators",
    "validation", "hasher", "hashers", "backend", "backends", "policy", "policies", "reset", "rotation",
    "hash", "hashed", "digest", "required", "enabled", "disabled", "hint", "mode", "method", "scheme",
    "algorithm", "algorithms", "alg", "location", "source", "provider", "store", "manager", "service",
    "handler", "module", "template", "view", "route", "page", "button", "link", "input", "error",
    "errors", "exception", "status", "state", "flag", "icon", "title", "description", "doc", "ref",
    "reference", "arn", "version", "char", "chars", "charset", "alphabet", "index", "idx", "position",
    "pos", "query", "domain", "host", "hostname", "port", "user", "username", "email", "audience",
    "issuer", "scope", "scopes", "grant", "kind", "category", "change", "changed", "forgot",
    "recovery", "confirm", "confirmation", "strength", "complexity", "entropy", "rules", "rule",
    "settings", "options", "option", "config", "key", "keys", "location", "lookup", "cache",
    "getter", "setter", "callback", "func", "function", "fn", "factory", "class", "serializer",
    "schema", "loader", "parser", "reader", "writer", "generator", "gen", "provider", "dialog",
    "modal", "screen", "step", "flow", "mixin", "protocol", "interface", "stub", "mock",
    "response", "request", "payload", "claim", "claims", "subject", "expired", "expiry",
    "lifespan", "duration", "seconds", "minutes", "hours", "days", "delta", "interval", "text",
    "description", "cookie", "storage", "registry", "pool", "client", "session", "sessions",
    "endpoint", "api", "length", "bits", "bytes_len", "encoding", "encoder", "decoder", "hasher",
    "cipher", "salt", "iterations", "rounds", "cost", "work", "usage", "used", "set", "sent",
    "valid", "invalid", "check", "checker", "verify", "verifier", "auth", "authentication",
    "authenticator", "login", "logout", "redirect", "callback", "selector", "locator", "xpath",
    "css", "element", "elem", "box", "str_len", "count", "number", "num", "missing", "needed",
    "mismatch", "wrong", "incorrect", "bad", "not", "too", "short", "long", "weak", "similar",
    "common", "numeric", "entered", "regexp", "mask", "masked", "obfuscated", "display",
}
# Before the secret word: a count, a flag or a question, not the secret itself.
NOT_SECRET_BEFORE = {"max", "min", "num", "n", "is", "has", "no", "use", "uses", "enable", "enabled",
                     "require", "requires", "check", "validate", "get", "set", "allow", "show",
                     "hide", "reset", "forgot", "forgotten", "change", "verify", "count", "public",
                     "hashed", "encrypted", "invalid", "wrong", "bad", "empty",
                     "missing", "length", "len", "display", "masked", "if", "on", "should", "must",
                     "can", "needs", "need", "token_type", "type", "bypass", "skip", "fake", "dummy",
                     "mock", "example", "sample", "placeholder"}
# Trailing words that do not change what a name holds (``secret_const``, ``PASSWORD_PROD``).
NEUTRAL_SUFFIX = {"const", "constant", "value", "val", "str", "string", "raw", "plain", "plaintext",
                  "b", "bytes", "bin", "hex", "b64", "base64", "prod", "production", "dev", "development",
                  "staging", "stage", "live", "test", "local", "default", "fallback", "override", "old",
                  "new", "current", "real", "actual", "main", "primary", "secondary", "backup", "tmp",
                  "temp", "literal", "data", "base", "encoded", "again", "repeat", "2"}
PREPOSITIONS = {"for", "of", "to", "in", "on", "from", "with", "by", "at"}


@lru_cache(maxsize=4096)
def _split(name: str) -> tuple[str, ...]:
    return tuple(_split_words(name))


def split_words(name: str) -> list[str]:
    """``DB_PASSWORD`` -> [db, password]; ``stripeApiKey`` -> [stripe, api, key]."""
    return list(_split(name))


def _split_words(name: str) -> list[str]:
    """``DB_PASSWORD`` -> [db, password]; ``stripeApiKey`` -> [stripe, api, key]."""
    words: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", name):
        if not chunk:
            continue
        for word in _CAMEL.findall(chunk):
            words.append(word.lower())
    merged: list[str] = []
    for word in words:
        if merged and (merged[-1], word) in JOINED and JOINED[(merged[-1], word)]:
            merged[-1] = JOINED[(merged[-1], word)]  # type: ignore[assignment]
            continue
        merged.extend(COMPOUNDS.get(word, (word,)))
    return merged


@dataclass(frozen=True)
class SecretName:
    """What a secret-named binding holds: ``password``, ``API key``, ``token``, ``secret key``..."""

    kind: str
    signing_key: bool = False  # SECRET_KEY, JWT_SECRET, SIGNING_KEY: keys that sign sessions/tokens


def _kind_at(words: list[str], index: int) -> str | None:
    word = words[index]
    before = words[index - 1] if index else ""
    if word in PASSWORD_WORDS:
        if word == "pass" and before in {"by", "first", "second", "bypass", "single", "multi"}:
            return None
        return "password"
    if word in SECRET_WORDS:
        return "secret"
    if word in TOKEN_WORDS:
        if before in NOT_CREDENTIAL_TOKEN:
            return None
        return f"{before} token" if before in {"api", "access", "auth", "refresh", "bearer", "session",
                                                 "bot", "github", "slack", "personal"} else "token"
    if word in CREDENTIAL_WORDS:
        return "credentials"
    if word == "key" and before in KEY_MODIFIERS:
        earlier = words[index - 2] if index >= 2 else ""
        if before == "access" and earlier not in {"secret", "aws", ""} and earlier in NOT_SECRET_BEFORE:
            return None
        if before == "access" and "secret" in words[:index]:
            return "secret access key"
        return "private key" if before == "private" else ("API key" if before == "api" else f"{before} key")
    return None


@lru_cache(maxsize=4096)
def judge_name(name: str) -> SecretName | None:
    """The kind of secret a variable/key/argument name says it holds, or None."""
    words = [w for w in split_words(name)]
    if not words:
        return None
    # Cut at a preposition: ``password_for_email`` is a password, ``token_for_reset`` a token.
    for i, word in enumerate(words):
        if word in PREPOSITIONS and i:
            words = words[:i]
            break
    while len(words) > 1 and (words[-1] in NEUTRAL_SUFFIX or words[-1].isdigit()):
        words.pop()
    # The last secret word is the head of the name; what follows it decides what the name holds.
    for index in range(len(words) - 1, -1, -1):
        kind = _kind_at(words, index)
        if kind is None:
            continue
        after = words[index + 1:]
        if any(w in NOT_SECRET_AFTER for w in after):
            return None
        if any(w in NOT_SECRET_BEFORE for w in words[:index]):
            return None
        if len(after) > 1:  # ``password_reset_link_sent``: a long tail is a different thing
            return None
        if after and not _is_qualifier(after[0]):
            return None
        signing = _is_signing_key(words)
        return SecretName(kind="secret key" if signing and kind in {"secret", "secret key"} else kind,
                          signing_key=signing)
    return None


def _is_qualifier(word: str) -> bool:
    """A word that may follow a secret word without changing its meaning (``token_github``)."""
    return word not in NOT_SECRET_AFTER and (len(word) > 1 or word.isdigit())


SIGNING_NAMES = {("secret", "key"), ("jwt", "secret"), ("jwt", "secret", "key"), ("jwt", "key"),
                 ("signing", "key"), ("sign", "key"), ("session", "secret"), ("secret", "key", "base"),
                 ("jwt", "signing", "key"), ("hmac", "key"), ("hmac", "secret"), ("token", "secret"),
                 ("cookie", "secret"), ("session", "key"), ("flask", "secret", "key"),
                 ("app", "secret", "key"), ("django", "secret", "key"), ("jwt", "secret", "token")}


def _is_signing_key(words: list[str]) -> bool:
    return tuple(words) in SIGNING_NAMES or tuple(words[-2:]) in {("jwt", "secret")} or (
        len(words) >= 2 and words[-2:] == ["secret", "key"] and len(words) <= 3
        and words[0] in {"secret", "jwt", "app", "flask", "django", "wtf", "csrf", "session"}
    )


# ----------------------------------------------------------------------------------------- values

PLACEHOLDER_CHARS = re.compile(r"^[\sxX*.\-_#?<>0•…]+$")
TEMPLATE = re.compile(
    r"^<[^<>]*>$|\$\{[^}]*\}|^\$[A-Z_][A-Z0-9_]*$|%\([^)]*\)[sd]|\{\{.*\}\}|\{%.*%\}|^\{[\w.\[\]]*\}$"
    r"|%s|^\[[^\]]*\]$|^__\w+__$|\{\w*\}|^\(\w[^)]*\)$"
)
PLACEHOLDER_WORDS = re.compile(
    r"(?i)^(?:your|insert|enter|replace|paste|fill)(?:[\s_-][\w\s-]*)?$|^(?:put|set|add)[\s_-][\w\s-]*here$"
    r"|(?i:placeholder|dummy|fake|sample|redacted|hidden|masked|notset|not[\s_-]?set|unset|none|null|"
    r"nil|undefined|todo|fixme|tbd|example|xxx|n/?a|to[\s_-]?be[\s_-]?replaced|override[\s_-]?me|"
    r"replace[\s_-]?me|set[\s_-]?me|fill[\s_-]?me|required|optional|disabled|enabled|true|false|yes|"
    r"no|on|off|auto|env|bearer|basic|digest|token|jwt|oauth|oauth2|hmac|hs256|hs384|hs512|rs256|"
    r"rs512|es256|sha1|sha256|sha512|md5|utf-?8|ascii|latin-?1|\*+|\.\.\.)$"
)
ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
HEADER_NAME = re.compile(r"^(?:X-)?[A-Z][a-z]+(?:-[A-Z][A-Za-z]*)+$|^X-[\w-]+$|^Authorization$")
DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(?:[_\-.:][a-z0-9]+)*$")
SECRET_VOCABULARY = {"password", "passwd", "pwd", "pass", "passphrase", "token", "secret", "key",
                     "api", "apikey", "access", "refresh", "auth", "client", "id", "bearer", "basic",
                     "session", "private", "public", "credentials", "credential", "old", "new",
                     "confirm", "confirmation", "current", "repeat", "type", "grant", "code", "new1",
                     "new2", "password1", "password2", "user", "username", "login", "csrf", "signing",
                     "jwt", "value", "field", "hash", "reset", "verify", "app", "x", "header"}
# Values that name a field or are stock test values, never a real credential.
FIELD_WORDS = {"passwd", "pwd", "pass", "pw", "username", "user", "login", "test", "testing", "foo", "bar",
               "baz", "foobar", "qux"}
URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://|^www\.|^mailto:|^arn:|^projects/[^/]+/secrets/")
PATH_LIKE = re.compile(r"^(?:/|\./|\.\./|~/|[A-Za-z]:\\)|\.(?:pem|key|crt|cer|p12|pfx|json|ya?ml|txt|"
                       r"env|ini|cfg|conf|toml|py|html|jks|keystore|der|pub|gpg|asc|secret|enc)$")
LOWER_SEGMENTS = re.compile(r"^[a-z0-9_.-]+(?:/[a-z0-9_.{}-]+)+/?$")


def is_secret_value(value: str, name: str | None = None, signing: bool = False, default: bool = False) -> bool:
    """Whether a literal bound to a secret-named place looks like a real secret.

    ``signing``: the literal is used as a signing key whatever it says, so a sentence such as
    ``"This is not a secret, change it"`` still counts. ``default``: the literal is the value the
    secret takes when the environment does not set it (a fallback, a settings field's default),
    so it is a secret even when it spells its own name (``SECRET: str = "secret"``).
    """
    text = value.strip()
    if len(text) < 3 or len(text) > 2000:
        return False
    if has_control_characters(text) or names_a_type(text) or is_documented_example(text):
        return False
    if PLACEHOLDER_CHARS.match(text) or TEMPLATE.search(text) or PLACEHOLDER_WORDS.match(text):
        return False
    if "EXAMPLE" in text or re.search(r"\*{3,}", text) or (re.search(r"(?i)x{4,}", text) and not
                                                               partly_redacted(text)):
        return False
    if re.search(r"(?i)your[_\-\s]?(?:own[_\-\s]?)?\w*[_\-\s]?here|"
                                       r"^your[_\-\s]", text):
        return False
    if ENV_NAME.match(text) or HEADER_NAME.match(text) or DOTTED.match(text):
        return False
    if URL_LIKE.match(text) or PATH_LIKE.search(text) or LOWER_SEGMENTS.match(text):
        return False
    if not (signing or default) and " " in text and (len(text.split()) >= 3 or text.endswith((":", "?", ".", "!"))):
        return False  # a sentence: a prompt, a label, an error message
    if text.endswith(":") or text.endswith("?"):
        return False
    if text.lower() in FIELD_WORDS or re.fullmatch(r"_[a-z][a-z0-9_]*", text):
        return False  # the name of a field or a session key, not its value
    if all(part.lower() in FIELD_WORDS for part in text.split(":")):
        return False  # "bar:bar", "user:pass": stock test credentials
    if IDENTIFIER.match(text.lower()) and re.fullmatch(r"[A-Za-z0-9_.:]+", text):
        parts = [p for p in re.split(r"[_.:]", text.lower()) if p]
        if len(parts) > 1 and all(p in SECRET_VOCABULARY for p in parts):
            return False  # a field/parameter name: "access_token", "Password", "client_secret"
    if name is not None and not default:
        if signing and re.search(r"[\s-]", text):
            return True  # SECRET_KEY = "secret-key": a throwaway key, but the key
        if is_label(text, name):
            return False  # APITokenAdded = "account:api_token:added": an event tag, an enum label
        squashed = re.sub(r"[^a-z0-9]", "", text.lower())
        if squashed and squashed == re.sub(r"[^a-z0-9]", "", name.lower()):
            return False  # PASSWORD = "password": an enum-like constant naming itself
        if squashed and squashed in {re.sub(r"[^a-z0-9]", "", w) for w in _name_tails(name)}:
            return False
    return True


def partly_redacted(value: str) -> bool:
    """``jWnyxxxxxxxxX7ZQxxxx``: a real key with characters blanked out still has a key's alphabet."""
    rest = re.sub(r"[xX]", "", value)
    return len(rest) >= 6 and bool(re.search(r"\d", rest) and re.search(r"[a-z]", rest) and re.search(r"[A-Z]", rest))


def looks_random(value: str) -> bool:
    """A bare ``token`` is a credential only when its value looks generated, not like a word."""
    text = value.strip()
    return bool(re.search(r"\d", text) or (re.search(r"[a-z]", text) and re.search(r"[A-Z]", text))
                or re.search(r"[^A-Za-z0-9 _.\-]", text))


def _name_tails(name: str) -> list[str]:
    words = split_words(name)
    return ["".join(words[i:]) for i in range(len(words))]


def mask(value: str) -> str:
    """The first characters of a secret and an ellipsis; never more than len - 3 characters."""
    text = value.strip()
    shown = max(1, min(4, len(text) - 3))
    return text[:shown] + "…"


# -------------------------------------------------------------------------------- known formats

@dataclass(frozen=True)
class Format:
    label: str
    pattern: re.Pattern[str]
    check: str = ""  # name of an extra check below


FORMATS = [
    Format("AWS access key id", re.compile(r"(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|"
                                           r"ANPA|ANVA|APKA)[0-9A-Z]{16}(?![A-Za-z0-9])"), "body"),
    Format("GitHub token", re.compile(r"(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9_])"),
           "body"),
    Format("GitHub token", re.compile(r"(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"
                                      r"(?![A-Za-z0-9_])"), "body"),
    Format("GitLab token", re.compile(r"(?<![A-Za-z0-9_-])gl(?:pat|ptt|dt|rt|oas|cbt)-[A-Za-z0-9_-]{20,64}"
                                      r"(?![A-Za-z0-9_-])"), "body"),
    Format("Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposre]-[0-9]{8,}-[0-9A-Za-z-]{8,}"), "body"),
    Format("Slack token", re.compile(r"(?<![A-Za-z0-9])xapp-[0-9]-[A-Z0-9]{8,}-[0-9]{8,}-[0-9a-f]{32,}"),
           "body"),
    Format("Slack webhook URL", re.compile(r"https://hooks\.slack\.com/(?:services|workflows|triggers)/"
                                           r"T[A-Z0-9]{6,}/[A-Z0-9]{6,}/[A-Za-z0-9]{16,}"), "body"),
    Format("Stripe secret key", re.compile(r"(?<![A-Za-z0-9_])(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,247}"
                                           r"(?![A-Za-z0-9_])"), "body"),
    Format("Google API key", re.compile(r"(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),
           "body"),
    Format("Twilio API key", re.compile(r"(?<![A-Za-z0-9])SK[0-9a-f]{32}(?![A-Za-z0-9])"), "hex"),
    Format("SendGrid API key", re.compile(r"(?<![A-Za-z0-9])SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"
                                          r"(?![A-Za-z0-9_-])"), "body"),
    Format("OpenAI API key", re.compile(r"(?<![A-Za-z0-9_-])sk-(?:proj-|svcacct-|admin-|ant-api\d\d-)?"
                                        r"[A-Za-z0-9_-]{32,200}(?![A-Za-z0-9_-])"), "mixed"),
    Format("npm token", re.compile(r"(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9_])"), "body"),
    Format("PyPI token", re.compile(r"(?<![A-Za-z0-9_-])pypi-AgE[A-Za-z0-9_-]{50,}"), "body"),
    Format("signed JWT", re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{4,}\."
                                    r"[A-Za-z0-9_-]{16,}"), "jwt"),
    Format("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |SSH2 )?"
                                     r"PRIVATE KEY(?: BLOCK)?-----"), "pem"),
]
# Prefixes of every format above, for the rules' file filter.
def anycase(*words: str) -> str:
    """``pass`` -> ``pass|Pass|PASS``: case variants without the slow IGNORECASE flag."""
    return "|".join(f"{w}|{w.capitalize()}|{w.upper()}" for w in words)


# Every alternative starts with a literal character, so the regex engine can skip ahead fast.
# Each part starts with a literal, so the regex engine's fast literal search does the work.
AWS_SECRET_NAME = r"aws_?(?:secret|Secret|SECRET)|Aws_?(?:secret|Secret|SECRET)|AWS_?(?:secret|Secret|SECRET)"
TWILIO_NAME = r"twilio|Twilio|TWILIO"
FORMAT_TRIGGER_PARTS = (
    r"A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA|Iza)", r"gh[pousr]_|github_pat_", r"gl(?:pat|ptt|dt|rt|oas|cbt)-",
    r"xox[abposre]-", r"xapp-", r"hooks\.slack\.com", r"sk(?:_live_|_test_|-)", r"rk_(?:live|test)_",
    r"SK[0-9a-f]{32}", r"SG\.", r"npm_", r"pypi-AgE", r"eyJ", r"PRIVATE KEY", "twilio", "Twilio", "TWILIO",
    r"aws_?(?:secret|Secret|SECRET)", r"Aws_?(?:secret|Secret|SECRET)", r"AWS_?(?:secret|Secret|SECRET)",
)
FORMAT_TRIGGER = "|".join(FORMAT_TRIGGER_PARTS)
JWT_EXAMPLES = {"SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"}  # jwt.io's published example


def _body_ok(token: str) -> bool:
    body = re.sub(r"^[A-Za-z]+[_-]|^(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA|AIza|SG\.)",
                  "", token)
    if "EXAMPLE" in token.upper() or re.search(r"0{8,}|1234567890|abcdef(?:gh|12)", body):
        return False
    if re.search(r"(?i)x{5,}|(.)\1{7,}", body) and not partly_redacted(re.sub(r"(.)\1{7,}", "", body)):
        return False
    return len(set(body)) >= min(8, max(4, len(body) // 4))


def _mixed_ok(token: str) -> bool:
    body = token.split("-", 1)[-1]
    return (_body_ok(token) and bool(re.search(r"[0-9]", body)) and bool(re.search(r"[a-z]", body))
            and bool(re.search(r"[A-Z]", body)))


def _b64json(part: str) -> dict | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _jwt_ok(token: str) -> bool:
    header, payload, signature = (token.split(".") + ["", ""])[:3]
    head = _b64json(header)
    if head is None or str(head.get("alg", "")).lower() in {"", "none"}:
        return False
    return _b64json(payload) is not None and signature not in JWT_EXAMPLES and _body_ok(signature)


def _pem_ok(text: str, start: int) -> bool:
    body = text[start:start + 400]
    body = re.sub(r"-----[^-]+-----|\\n|\s", "", body)
    return len(re.findall(r"[A-Za-z0-9+/=]", body)) >= 64 and "..." not in body[:80] and _body_ok(body[:64])


def known_format(text: str) -> str | None:
    """The kind of credential a string literal holds by its format alone, or None."""
    found = find_known_format(text)
    return found[0] if found else None


def find_known_format(text: str) -> tuple[str, str] | None:
    """(kind, the credential itself) for the first credential in a known format, or None."""
    if len(text) < 16:
        return None
    for fmt in FORMATS:
        for match in fmt.pattern.finditer(text):
            token = match.group(0)
            if is_documented_example(token):
                continue
            ok = {
                "body": _body_ok, "mixed": _mixed_ok, "jwt": _jwt_ok,
                "hex": lambda t: _body_ok(t) and bool(re.search(r"[a-f]", t[2:])) and bool(re.search(r"\d", t)),
            }.get(fmt.check)
            if fmt.check == "pem":
                if _pem_ok(text, match.end()):
                    return fmt.label, token
                continue
            if ok is None or ok(token):
                return fmt.label, token
    return None


AWS_SECRET = re.compile(r"^[A-Za-z0-9/+]{40}$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")


def contextual_format(text: str, name: str) -> str | None:
    """Formats that need the name to be sure: AWS secret access keys, Twilio auth tokens."""
    value = text.strip()
    if re.search(AWS_SECRET_NAME, name) and AWS_SECRET.match(value) and _body_ok(value) and \
            re.search(r"[0-9/+]", value) and re.search(r"[a-z]", value) and re.search(r"[A-Z]", value):
        return "AWS secret access key"
    words = set(split_words(name))
    if re.search(TWILIO_NAME, name) and ("token" in words or "auth" in words) and HEX32.match(value) \
            and _body_ok(value):
        return "Twilio auth token"
    return None


# ------------------------------------------------------------------------------ URL credentials

URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]{1,30})://(?P<user>[^:@/\s'\"?#]*):(?P<password>[^@/\s'\"?#]+)@"
    r"(?P<host>[^/\s'\"?#]*)"
)
LIBPQ_PASSWORD = re.compile(r"(?:^|\s)password\s*=\s*(?P<password>'[^']*'|[^\s'\"]+)")
LIBPQ_CONTEXT = re.compile(r"(?:^|\s)(?:dbname|host|user|port|sslmode)\s*=")
PLACEHOLDER_PASSWORDS = {"password", "pass", "passwd", "pwd", "pw", "secret", "mypassword", "yourpassword",
                         "your_password", "user_password", "db_password", "dbpassword", "p", "pass123",
                         "passw0rd", "changeit"}
# Published demo accounts: RabbitMQ's guest/guest, Oracle's (and SQLAlchemy's docs') scott/tiger.
DEMO_ACCOUNTS = {("guest", "guest"), ("scott", "tiger")}
HOLE = "\x00"  # stands for a formatted expression inside an f-string


def url_credentials(text: str) -> tuple[str, str] | None:
    """(scheme, password) when a literal URL or libpq DSN carries a hardcoded password."""
    for match in URL_CREDENTIALS.finditer(text):
        password = match.group("password")
        scheme = match.group("scheme").lower()
        if scheme in {"http", "https"} and not match.group("user"):
            continue
        if (match.group("user").lower(), password.lower()) in DEMO_ACCOUNTS:
            continue
        if _password_is_real(password, match.group("user")):
            return scheme, password
    if LIBPQ_CONTEXT.search(text):
        match = LIBPQ_PASSWORD.search(text)
        if match:
            password = match.group("password").strip("'")
            if _password_is_real(password, ""):
                return "libpq", password
    return None


def _password_is_real(password: str, user: str) -> bool:
    if HOLE in password or not password:
        return False
    if re.search(r"\$\{?\w|%\(|%s|\{[\w.\[\]]*\}|<[^>]*>|\{\{|^[xX*.]+$|x{3,}|X{3,}|\*{3,}", password):
        return False
    if password.lower() in PLACEHOLDER_PASSWORDS or password.upper() == password and ENV_NAME.match(password):
        return False
    if "EXAMPLE" in password.upper() and len(password) > 8:
        return False
    return not PLACEHOLDER_WORDS.match(password)
