"""The switches that turn TLS certificate checks off, and the calls that make TLS connections.

Shared vocabulary of BR702: which keyword names mean "verify the peer" (``verify_ssl``,
``verify_certs``...), which mean "skip the checks" (``tlsAllowInvalidCertificates``), which calls
are HTTP clients (so that ``verify=False`` there is about TLS and not about a JWT), and when
turning checks off was an explicit opt-in rather than the code's fixed behaviour. Also the
rewrites that switch a flag back (BR702 and BR703): exact, and only where the flag is written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import libcst as cst

from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import find
from backend_rules.rule import Fix

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.context import FileContext

# Keywords, attributes and settings keys that verify the peer when True.
VERIFY_WHEN_TRUE = {
    "verify_ssl", "ssl_verify", "verify_certs", "verify_cert", "ssl_verify_cert", "validate_certs", "verify_tls",
    "tls_verify", "cert_check", "verify_certificate", "ssl_verify_certificate", "check_hostname",
    "ssl_check_hostname", "verify_ssl_certs", "assert_hostname",
}
# ... and those that skip the checks when True (pymongo, various clients).
INSECURE_WHEN_TRUE = {
    "tlsAllowInvalidCertificates", "tlsAllowInvalidHostnames", "tlsInsecure", "ssl_insecure",
    "insecure_skip_verify", "insecure_skip_tls_verify", "tls_insecure", "ssl_allow_invalid_certificates",
}
# Certificate requirement settings (urllib3, redis-py, celery/kombu): "none", CERT_NONE, None.
CERT_REQS_KEYS = {"cert_reqs", "ssl_cert_reqs", "tls_cert_reqs"}
FLAG_NAMES = VERIFY_WHEN_TRUE | INSECURE_WHEN_TRUE | CERT_REQS_KEYS | {"verify", "ssl"}
# Switches whose "on" value is not True (urllib3's assert_hostname takes a host name or False):
# they are fixed by dropping the keyword, never by writing True.
NOT_FLIPPABLE = {"assert_hostname"}
# Clients that verify certificates when verify= is left out, so the keyword can simply go.
VERIFY_BY_DEFAULT = {"requests", "httpx", "boto3", "botocore", "aioboto3", "aiobotocore", "niquests"}

TLS_PACKAGES = {
    "requests", "httpx", "aiohttp", "urllib3", "boto3", "botocore", "aiobotocore", "aioboto3", "hvac",
    "elasticsearch", "opensearchpy", "zeep", "pysolr", "docker", "kubernetes", "gitlab", "jira", "minio",
    "treq", "grequests", "requests_futures", "niquests", "httplib2", "tornado", "suds", "pyVmomi", "proxmoxer",
    "openai", "anthropic", "slack_sdk", "github", "atlassian", "ldap3", "websocket", "websockets",
}
# verify=False means something else in these (JWT claims, signatures, e-mail addresses).
NOT_TLS_PACKAGES = {"jwt", "jose", "authlib", "jwcrypto", "rest_framework_simplejwt", "itsdangerous", "email_validator"}
NOT_TLS_CALL = re.compile(
    r"(?i)decode|encode|token|jwt|jws|sign|hash|password|otp|captcha|webhook|email|checksum|serializ|loads|dumps"
)
OAUTH_CLIENT_METHODS = {"fetch_token", "refresh_token", "fetch_access_token", "fetch_request_token"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "send", "stream",
                "ws_connect", "urlopen", "fetch"}
CLIENT_CALL = re.compile(
    r"(?i)(client|session|connector|connection|connect|transport|adapter|poolmanager|http|urlopen|fetch|download"
    r"|upload|api_?call|call_?api|(^|_)requests?$|^_*(get|post|put|patch|delete|call|send)(_json)?$|resource)"
)
LOCAL_HOSTS = re.compile(r"^\w+://(localhost|127\.0\.0\.1|\[::1\]|0\.0\.0\.0)([:/]|$)")
# An enclosing condition that names the switch: turning checks off was asked for.
OPT_IN = re.compile(
    r"(?i)insecure|skip_?(tls|ssl|cert|verif)|no_?(ssl_?)?verif|disable_?(tls|ssl|cert|verif)|verif|ssl|tls"
    r"|self_?signed|debug|(^|_)dev(el|_|$)|local"
)


def is_tls_client_call(call: cst.Call, context: FileContext) -> bool:
    """The call makes (or configures) an HTTP/TLS client, so its ``verify=`` is about certificates."""
    qualified = context.imports.qualify(call.func) or ""
    package = qualified.split(".")[0]
    if package in NOT_TLS_PACKAGES:
        return False
    if package in TLS_PACKAGES and package in context.imports.names:
        return True
    last = qualified.split(".")[-1] if qualified else (call.func.attr.value if isinstance(call.func, cst.Attribute) else "")
    if isinstance(call.func, cst.Attribute) and last in OAUTH_CLIENT_METHODS:
        return True  # requests-oauthlib / authlib clients: OAuth2Session(...).fetch_token(url, verify=False)
    if not last or NOT_TLS_CALL.search(qualified or last):
        return False
    if isinstance(call.func, cst.Attribute) and last in HTTP_METHODS:
        return True
    return bool(CLIENT_CALL.search(last))


def local_url(call: cst.Call) -> bool:
    """The request goes to this machine (``http://localhost:8080/...``): nobody sits in between."""
    for arg in call.args:
        if arg.keyword is None or arg.keyword.value in {"url", "base_url"}:
            value = arg.value
            if isinstance(value, cst.FormattedString):
                text = "".join(p.value for p in value.parts if isinstance(p, cst.FormattedStringText))
            else:
                text = literal(value)
            if isinstance(text, str) and LOCAL_HOSTS.match(text):
                return True
    return False


def uses_aiohttp(context: FileContext) -> bool:
    return any(full.split(".")[0] == "aiohttp" for full in context.imports.names.values())


def cert_reqs_off(expr: cst.BaseExpression, context: FileContext, literal_only: bool = False) -> bool:
    """``"none"``, ``"CERT_NONE"``, ``None``, ``False``/``0`` (or ``ssl.CERT_NONE`` unless
    ``literal_only``, for callers that leave that name to the reference check)."""
    value = literal(expr)
    if isinstance(value, str):
        return value.strip().upper() in {"NONE", "CERT_NONE"}
    if value is None or (isinstance(value, int) and value == 0):
        return True
    return not literal_only and (context.imports.qualify(expr) or "").endswith("CERT_NONE")


def is_mapping_table(collection: cst.CSTNode, context: FileContext) -> bool:
    """A dict/list that also holds CERT_REQUIRED or CERT_OPTIONAL: a table of modes for a
    setting, not a choice."""

    def other_mode(node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Attribute, cst.Name)):
            return (context.imports.qualify(node) or "").endswith(("CERT_REQUIRED", "CERT_OPTIONAL"))
        return False

    return find(collection, other_mode) is not None


def names_in_condition(test: cst.BaseExpression) -> list[str]:
    """Dotted names and string literals in a condition (``settings.SKIP_TLS_VERIFY``, ``"dev"``)."""
    names: list[str] = []

    def collect(current: cst.CSTNode) -> bool:
        if isinstance(current, (cst.Name, cst.Attribute)):
            names.append(dotted_name(current) or "")
        elif isinstance(current, cst.SimpleString):
            names.append(str(literal(current)))
        return False

    find(test, collect)
    return names


def opted_in(stack: list[cst.CSTNode]) -> bool:
    """An enclosing ``if``/conditional expression names the switch (``if settings.SKIP_TLS_VERIFY:``,
    ``if not verify_ssl:``, ``if DEBUG:``): the code turns checks off only when asked to."""
    return any(
        isinstance(node, (cst.If, cst.IfExp, cst.While))
        and any(OPT_IN.search(name.replace(".", "_")) for name in names_in_condition(node.test))
        for node in stack
    )


# ------------------------------------------------------------------------------------------ fixes
REQUIRED_FOR = {"none": "required", "NONE": "REQUIRED", "CERT_NONE": "CERT_REQUIRED"}


def flipped_flag(
    expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext, wrong: bool, description: str
) -> Fix | None:
    """The literal ``wrong`` (``False`` for ``verify=``, ``True`` for ``debug=``) turned into its
    opposite where it is written: at ``expr``, or at the one local or module assignment the name
    holds (``VERIFY_TLS = False``). None for parameter defaults, environment reads and anything
    but a bare ``True``/``False``: there the right value is not ours to choose."""
    resolved, where = follow(expr, stack, context)
    if where not in {"here", "local", "module"}:
        return None
    if not (isinstance(resolved, cst.Name) and resolved.value == str(wrong)):
        return None
    return Fix(resolved, cst.Name(str(not wrong)), description, safe=False)


def without_argument(call: cst.Call, arg: cst.Arg, context: FileContext, description: str) -> Fix:
    """``call`` without ``arg``; a last argument hands its comma and the space before ``)`` to
    the one before, so ``f(a, verify=False)`` becomes ``f(a)`` and a multi-line call keeps its
    trailing comma or the line break before its closing parenthesis."""
    args = list(call.args)
    index = next(i for i, current in enumerate(args) if current is arg)
    if index == len(args) - 1 and index > 0:
        args[index - 1] = args[index - 1].with_changes(comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg)
    del args[index]
    return Fix(call, call.with_changes(args=args), description, safe=False)


def required_certificates(expr: cst.BaseExpression, description: str) -> Fix | None:
    """``"CERT_NONE"`` -> ``"CERT_REQUIRED"``, ``"none"`` -> ``"required"`` (the spelling each
    library reads, quotes kept); None for ``None``/``0``/names, whose fixed spelling is unclear."""
    value = literal(expr)
    if not (isinstance(expr, cst.SimpleString) and value in REQUIRED_FOR and "b" not in expr.prefix.lower()):
        return None
    text = f"{expr.prefix}{expr.quote}{REQUIRED_FOR[value]}{expr.quote}"  # type: ignore[index]
    return Fix(expr, cst.SimpleString(text), description, safe=False)
