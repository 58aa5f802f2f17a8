"""Which rule of the secrets family owns each literal that can hold a secret.

One analysis per file (:class:`SecretAnalysis`) decides, for every place a literal can hold a
secret, which rule owns it, so one literal gives one finding, the most specific one:

1. BR402 known credential format (an AWS key is an AWS key whatever it is bound to),
2. BR403 credentials inside a connection URL,
3. BR405 literal signing key (``SECRET_KEY``, ``jwt.encode(..., "secret")``, ``hmac.new(b"k")``),
4. BR404 hardcoded fallback of an environment lookup or a ``BaseSettings`` field,
5. BR401 any other secret-named binding of a literal.

Names and values are judged by :mod:`backend_rules.rules.secrets.secret_words`. Messages never carry the secret:
only its first characters (:func:`backend_rules.rules.secrets.secret_words.mask`) or, for BR402, its type.
"""

from __future__ import annotations

import re
from typing import Iterator

import libcst as cst

from backend_rules.analysis.code_kinds import code_kind, is_test_code
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import find
from backend_rules.rules.secrets.secret_words import (
    HOLE, contextual_format, find_known_format, is_secret_value, judge_name, known_format, looks_random, mask,
    url_credentials,
)
from backend_rules.rules.secrets.value_kinds import (
    TEST_MODE_KEY, is_dummy, is_no_password_marker, is_placeholder, jwt_expired,
)

QUIET_IN_TESTS = {"BR401", "BR403", "BR404", "BR405"}
STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)

ENV_LOOKUPS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get", "getenv",
               "decouple.config", "environ.setdefault"}
ENV_RECEIVERS = {"env", "environ", "_env", "ENV", "config", "settings_env", "environment"}
ENV_METHODS = {"str", "get", "bool", "int", "json", "url", "db", "db_url", "cache_url", "list", "dict"}
BASIC_AUTH = {"HTTPBasicAuth", "HTTPDigestAuth", "HTTPProxyAuth", "BasicAuth", "DigestAuth"}
USER_FACTORIES = {"create_user", "create_superuser"}
SECRET_WRAPPERS = {"SecretStr", "SecretBytes", "Secret"}
AUTH_HEADERS = {"authorization", "proxy-authorization", "http_authorization"}
AUTH_SCHEME_KINDS = {"bearer": "bearer token", "token": "API token", "basic": "basic-auth credentials",
                     "jwt": "JWT", "bot": "bot token", "apikey": "API key", "api-key": "API key"}
AUTH_HEADER_VALUE = re.compile(r"(?i)^(bearer|token|basic|jwt|bot|apikey|api-key)\s+(\S+)$")
# Words of a settings module's file name that say it configures a laptop, a container or a test run.
DEVELOPMENT_FILE_WORDS = {"test", "tests", "testing", "dev", "devel", "development", "docker", "compose", "ci",
                          "smoketest", "example", "examples", "sample", "demo"}
SETTINGS_FILE_WORDS = {"settings", "config", "configuration", "conf", "configs"}
SIMPLE_WORD = re.compile(r"^[a-z][a-z_-]{1,19}$")  # a name ("shop", "docs_db"), not a generated key
TEST_CLASS = re.compile(r"^Test|Test(?:ing)?(?:Config|Settings)$")
ENUM_BASE = re.compile(r"Enum$|Choices$|^(?:Int)?Flag$")
SETTINGS_BASES = {"pydantic.BaseSettings", "pydantic_settings.BaseSettings", "pydantic.env_settings.BaseSettings",
                  "pydantic_settings.main.BaseSettings"}
JWT_FUNCTIONS = {"jwt.encode", "jwt.decode", "jose.jwt.encode", "jose.jwt.decode", "jwt.api_jwt.encode",
                 "jwt.api_jwt.decode", "jwt.api_jws.encode", "jwt.api_jws.decode", "jwt.jws.sign",
                 "jose.jws.sign", "jose.jws.verify", "jwt.jws.verify"}
SIGNERS = {
    # qualified name -> (positional index, keyword) of the key
    "hmac.new": (0, "key"), "hmac.HMAC": (0, "key"), "hmac.digest": (0, "key"),
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"), "itsdangerous.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.TimedSerializer": (0, "secret_key"), "itsdangerous.Serializer": (0, "secret_key"),
    "itsdangerous.Signer": (0, "secret_key"), "itsdangerous.TimestampSigner": (0, "secret_key"),
    "cryptography.fernet.Fernet": (0, "key"), "authlib.jose.jwt.encode": (2, "key"),
}


def literal_of(node: cst.BaseExpression | None) -> str | None:
    """The text of a string literal without formatted parts (bytes decoded), else None."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - malformed escapes
            return None
        if isinstance(value, bytes):
            return value.decode("latin-1")
        return value if isinstance(value, str) else None
    if isinstance(node, cst.FormattedString):
        if all(isinstance(part, cst.FormattedStringText) for part in node.parts):
            return "".join(part.value for part in node.parts)  # type: ignore[union-attr]
    return None


def text_with_holes(node: cst.BaseExpression) -> str | None:
    """A string literal's text with each formatted expression replaced by :data:`HOLE`."""
    if isinstance(node, cst.ConcatenatedString):
        left, right = text_with_holes(node.left), text_with_holes(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        return "".join(part.value if isinstance(part, cst.FormattedStringText) else HOLE for part in node.parts)
    return literal_of(node)


def unwrap(node: cst.BaseExpression | None) -> cst.BaseExpression | None:
    """``SecretStr("x")``, ``Field("x")``, ``Field(default="x")`` -> the literal inside."""
    if isinstance(node, cst.Call):
        name = (dotted_name(node.func) or "").split(".")[-1]
        if name in SECRET_WRAPPERS or name in {"Field", "field"}:
            for arg in node.args:
                if arg.keyword is None and not arg.star:
                    return arg.value if name in SECRET_WRAPPERS or literal_of(arg.value) is not None else None
                if arg.keyword is not None and arg.keyword.value == "default":
                    return arg.value
    return node


def name_of(node: cst.BaseExpression) -> str | None:
    """The name a value is known by: ``password``, ``self.password``, ``d["password"]``, ``form.get("pw")``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        index = node.slice[0].slice
        if isinstance(index, cst.Index):
            return literal_of(index.value)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
        if node.args:
            return literal_of(node.args[0].value)
    return None


def _positional(call: cst.Call, index: int) -> cst.BaseExpression | None:
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    return positional[index] if len(positional) > index else None


def _keyword(call: cst.Call, keyword: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg.value
    return None


def development_file(options: dict) -> bool:
    """Settings for a laptop, a container or a test run, by the file's name
    (``configuration_testing.py``, ``settings/docker_compose.py``, ``settings/dev.py``,
    ``testserver.py``), or a script or documentation (``scripts/``, ``docs/``)."""
    if is_test_code(options):
        return False  # quiet, or (``secrets-in-tests``) reported as asked
    if code_kind(options) == "script":
        return True
    parts = (options.get("relative_path", "") or "").replace("\\", "/").lower().split("/")
    stem = parts[-1].removesuffix(".py")
    words = set(re.split(r"[^a-z0-9]+", stem))
    settings = bool(words & SETTINGS_FILE_WORDS) or bool(set(parts[:-1]) & SETTINGS_FILE_WORDS)
    return stem in {"testserver", "devserver"} or settings and bool(words & DEVELOPMENT_FILE_WORDS)


def quiet_in_tests(options: dict) -> bool:
    """The file is test code (``test-paths``) and ``secrets-in-tests`` is off."""
    if options.get("secrets-in-tests", False):
        return False
    return is_test_code(options)


class SecretAnalysis:
    """Per-file decisions: which rule owns which literal. Shared by the five rules of the family."""

    def __init__(self, context) -> None:
        self.context = context
        self.done: dict[int, list[tuple[str, cst.CSTNode, dict]]] = {}
        self.claimed: set[int] = set()
        options = context.options
        self.in_tests = quiet_in_tests(options)
        self.development_file = development_file(options)

    @classmethod
    def of(cls, context) -> "SecretAnalysis":
        analysis = context.__dict__.get("_secret_analysis")
        if analysis is None:
            analysis = context.__dict__["_secret_analysis"] = cls(context)
        return analysis

    def at(self, node: cst.CSTNode) -> list[tuple[str, cst.CSTNode, dict]]:
        key = id(node)
        if key not in self.done:
            found = []
            for code, where, fields in self._examine(node):
                if id(where) in self.claimed or (code in QUIET_IN_TESTS and self.in_tests):
                    continue
                self.claimed.add(id(where))
                if self.development_file and code in QUIET_IN_TESTS:
                    fields = {**fields, "confidence": "LOW"}  # a laptop's, a container's or a CI run's settings
                found.append((code, where, fields))
            self.done[key] = found
        return self.done[key]

    # ---------------------------------------------------------------------------- dispatch
    def _examine(self, node: cst.CSTNode) -> Iterator[tuple[str, cst.CSTNode, dict]]:
        if isinstance(node, STRING_NODES):
            yield from self._string(node)
        elif isinstance(node, cst.Assign):
            for target in node.targets:
                yield from self._binding(target.target, node.value, "assign")
        elif isinstance(node, cst.AnnAssign) and node.value is not None:
            yield from self._binding(node.target, node.value, "assign")
        elif isinstance(node, cst.Call):
            yield from self._call(node)
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    key = literal_of(element.key)
                    if key is not None:
                        yield from self._judge(key, element.value, "dict", node)
        elif isinstance(node, (cst.FunctionDef, cst.Lambda)):
            params = node.params
            for param in [*params.posonly_params, *params.params, *params.kwonly_params]:
                if param.default is not None:
                    yield from self._judge(param.name.value, param.default, "default")
        elif isinstance(node, cst.Comparison):
            yield from self._comparison(node)

    # ----------------------------------------------------------------------------- strings
    def _string(self, node: cst.BaseExpression) -> Iterator[tuple[str, cst.CSTNode, dict]]:
        stack = self.context.stack
        parent = stack[-1] if stack else None
        if isinstance(parent, cst.ConcatenatedString):
            return  # judged as part of the whole concatenation
        text = text_with_holes(node)
        if not text or len(text) < 12:
            return
        found = find_known_format(text)
        if found is not None:
            label, token = found
            fields: dict = {"label": label}
            if label == "signed JWT" and (jwt_expired(token) or is_test_code(self.context.options)):
                fields["confidence"] = "LOW"  # a test fixture's token, or one that opens nothing any more
            elif label == "private key" and is_test_code(self.context.options):
                fields["confidence"] = "LOW"  # a key generated for the tests
            yield "BR402", node, fields
            return
        if isinstance(parent, cst.Expr):
            return  # a docstring or a bare string: documentation, not configuration
        found = url_credentials(text)
        if found is not None:
            scheme, password = found
            fields = {"scheme": "libpq connection string" if scheme == "libpq" else f"`{scheme}://` URL",
                      "masked": mask(password)}
            if _named_after_user(text, password):
                fields["confidence"] = "LOW"  # ``postgres://shop:shop@localhost``: a local database's account
            yield "BR403", node, fields

    def _owned_elsewhere(self, text: str) -> bool:
        return known_format(text) is not None or url_credentials(text) is not None

    # ---------------------------------------------------------------------------- bindings
    def _binding(self, target: cst.BaseExpression, value: cst.BaseExpression, site: str):
        name = name_of(target)
        if name is None:
            return
        yield from self._judge(name, value, site)

    def _judge(self, name: str, value: cst.BaseExpression, site: str, literal: cst.Dict | None = None):
        inner = unwrap(value)
        lookup = self._env_lookup_or(inner)
        if lookup is not None:  # os.environ.get("SECRET_KEY") or "dev-key": the same fallback
            yield from self._fallback(lookup, default=inner.right)  # type: ignore[union-attr]
            return
        text = literal_of(inner)
        if text is None or inner is None:
            return
        if self._owned_elsewhere(text):
            return
        label = contextual_format(text, name)
        if label is not None:
            yield "BR402", inner, {"label": label}
            return
        if name.lower() in AUTH_HEADERS:
            yield from self._auth_header(name, inner, text)
            return
        judged = judge_name(name)
        if judged is None:
            return
        owner = self._owning_class() if site == "assign" else None
        if owner is not None and self._class_is(owner, self._enum_base):
            return  # ``class TokenType(StrEnum): refresh_token = "polar_refresh_token"``: a label
        settings_field = owner is not None and self._class_is(owner, self._settings_base)
        if not is_secret_value(text, name, signing=judged.signing_key, default=settings_field):
            return
        if judged.kind == "token" and not looks_random(text):
            return  # ``token = "COLLATE"``: a lexer's token, not a credential
        if judged.kind == "password" and is_no_password_marker(text):
            return  # ``password="!"``: an account that logs in through SSO has no password
        if literal is not None and text in _keys_within(literal):
            return  # ``{"properties": {"url": ...}, "secret": "url"}``: names the secret field
        fields = {"kind": judged.kind, "masked": mask(text), "name": name}
        if owner is not None and TEST_CLASS.search(owner.name.value):
            fields["confidence"] = "LOW"  # ``class TestingConfig(Config)``: the test run's own key
        elif self._development_default(text):
            fields["confidence"] = "LOW"  # ``"PASSWORD": "shop"`` beside ``"USER": "shop"``, ``"sk_test_..."``
        if settings_field:
            if is_placeholder(text):
                fields["confidence"] = "LOW"  # ``"DummyKey"``, ``"changeme"``: a default nobody meant
            yield "BR404", inner, {**fields, "env": f"settings field `{name}`"}
        elif judged.signing_key and site in {"assign", "dict", "keyword"}:
            # the key in use, whatever it says ("This is not a secret, change it")
            yield "BR405", inner, {"what": f"`{name}`", "masked": mask(text), **_only_confidence(fields)}
        else:
            if is_dummy(text, judged.kind):
                fields["confidence"] = "LOW"  # ``"dummy key"``, a token ``"123"``: nobody meant it
            elif code_kind(self.context.options) == "script":
                fields["confidence"] = "LOW"  # sample data, seeds and demo accounts of a dev command
            yield "BR401", inner, fields

    def _development_default(self, text: str) -> bool:
        """A value typed to get the app running: a test-mode key, or a plain word that repeats
        another literal of the file (``"PASSWORD": "shop"`` beside ``"USER": "shop"``, or
        ``"shopshop"``, ``"shop123456789"``): a local database's account, not a deployment's.
        (``"supersecret"`` is not one of them: an app that falls back to it runs with a key
        anyone can guess, and that is worth acting on.)"""
        if TEST_MODE_KEY.match(text):
            return True
        value = text.strip()
        word = value.rstrip("0123456789")  # "shop123456789" beside "USER": "shop"
        if not SIMPLE_WORD.match(word):
            return False
        source = self.context.source

        def quoted(word: str) -> int:
            return len(re.findall(r"""(["'])%s\1""" % re.escape(word), source))

        half = len(value) // 2
        doubled = len(value) % 2 == 0 and value[:half] == value[half:] and quoted(value[:half]) >= 1
        numbered = word != value and len(word) >= 3 and quoted(word) >= 1
        return doubled or numbered or quoted(value) >= 2

    def _auth_header(self, name: str, node: cst.BaseExpression, text: str):
        """``{"Authorization": "Bearer 9f8e7d..."}``: the header carries the credential itself."""
        match = AUTH_HEADER_VALUE.match(text.strip())
        if match is None:
            return
        scheme, credential = match.group(1).lower(), match.group(2)
        if len(credential) < 8 or not looks_random(credential) or not is_secret_value(credential):
            return
        kind = AUTH_SCHEME_KINDS.get(scheme, "token")
        yield "BR401", node, {"kind": kind, "masked": mask(credential), "name": name}

    def _owning_class(self) -> cst.ClassDef | None:
        stack = self.context.stack
        # ClassDef > IndentedBlock > SimpleStatementLine > (Ann)Assign
        if len(stack) >= 3 and isinstance(stack[-3], cst.ClassDef):
            return stack[-3]
        return None

    def _class_is(self, cls: cst.ClassDef, base_matches, depth: int = 0) -> bool:
        """Whether a base of ``cls`` (or of a class of this module it derives from) matches."""
        for base in cls.bases:
            if base_matches(base.value):
                return True
            parent = self._module_classes().get(dotted_name(base.value) or "")
            if parent is not None and parent is not cls and depth < 8 and self._class_is(parent, base_matches,
                                                                                         depth + 1):
                return True
        return False

    def _enum_base(self, base: cst.BaseExpression) -> bool:
        name = self.context.imports.qualify(base) or dotted_name(base) or ""
        return bool(ENUM_BASE.search(name.split(".")[-1]))

    def _settings_base(self, base: cst.BaseExpression) -> bool:
        """pydantic's ``BaseSettings``, aliases followed (``from pydantic import BaseSettings as Base``).
        An imported ``CommonSettings`` may be a Django settings class as well as a pydantic one."""
        qualified = self.context.imports.qualify(base) or ""
        return qualified in SETTINGS_BASES or qualified.split(".")[-1] == "BaseSettings"

    def _module_classes(self) -> dict[str, cst.ClassDef]:
        classes = self.__dict__.get("_classes")
        if classes is None:
            classes = self._classes = {
                statement.name.value: statement for statement in self.context.module.body
                if isinstance(statement, cst.ClassDef)
            }
        return classes

    # ------------------------------------------------------------------------------- calls
    def _call(self, call: cst.Call):
        imports = self.context.imports
        qualified = imports.qualify(call.func) or ""
        short = qualified.split(".")[-1]
        if self._is_env_lookup(call, qualified):
            yield from self._fallback(call)
            return
        if qualified in JWT_FUNCTIONS and (imports.imported_from(call.func, "jwt", "jose")):
            yield from self._signing_key(call, _positional(call, 1) or _keyword(call, "key"), f"`{qualified}()`")
        elif qualified in SIGNERS and imports.imported_from(call.func, qualified.split(".")[0]):
            index, keyword = SIGNERS[qualified]
            yield from self._signing_key(call, _positional(call, index) or _keyword(call, keyword),
                                         f"`{qualified}()`")
        for arg in call.args:
            if arg.keyword is not None:
                if arg.keyword.value == "auth" and isinstance(arg.value, cst.Tuple) and len(arg.value.elements) == 2:
                    yield from self._judge("password", arg.value.elements[1].value, "call")
                else:
                    yield from self._judge(arg.keyword.value, arg.value, "keyword")
        if short in BASIC_AUTH:
            password = _positional(call, 1) or _keyword(call, "password")
            if password is not None and _keyword(call, "password") is None:
                yield from self._judge("password", password, "call")
        elif short == "set_password" and isinstance(call.func, cst.Attribute):
            argument = _positional(call, 0)
            if argument is not None:
                yield from self._judge("password", argument, "call")
        elif short in USER_FACTORIES:
            argument = _positional(call, 2)
            if argument is not None:
                yield from self._judge("password", argument, "call")
        elif short == "login" and isinstance(call.func, cst.Attribute) and len(call.args) == 2:
            argument = _positional(call, 1)
            if argument is not None and literal_of(_positional(call, 0)) is not None or \
                    isinstance(_positional(call, 0), cst.Name):
                if argument is not None:
                    yield from self._judge("password", argument, "call")
        elif short in SECRET_WRAPPERS and short != "Secret":
            argument = _positional(call, 0)
            if argument is not None and not self._wrapped_by_binding():
                yield from self._judge("secret", argument, "call")

    def _wrapped_by_binding(self) -> bool:
        parent = self.context.stack[-1] if self.context.stack else None
        if isinstance(parent, cst.Arg):
            return parent.keyword is not None
        return isinstance(parent, (cst.Assign, cst.AnnAssign, cst.DictElement, cst.Param))

    def _is_env_lookup(self, call: cst.Call, qualified: str) -> bool:
        if qualified in ENV_LOOKUPS or qualified.endswith((".getenv", "environ.get", "environ.setdefault")):
            return True
        func = call.func
        if isinstance(func, cst.Name) and func.value in ENV_RECEIVERS:
            first = literal_of(_positional(call, 0))
            return first is not None and first.upper() == first and first.strip() != ""
        if isinstance(func, cst.Attribute) and func.attr.value in ENV_METHODS:
            receiver = dotted_name(func.value) or ""
            if receiver.split(".")[-1] in ENV_RECEIVERS:
                first = literal_of(_positional(call, 0))
                return first is not None and first.upper() == first and first.strip() != ""
        return False

    def _env_lookup_or(self, node: cst.BaseExpression | None) -> cst.Call | None:
        """The environment lookup of ``os.getenv("KEY") or "literal"`` (None for anything else)."""
        if not (isinstance(node, cst.BooleanOperation) and isinstance(node.operator, cst.Or)):
            return None
        left = node.left
        if not isinstance(left, cst.Call) or literal_of(unwrap(node.right)) is None:
            return None
        qualified = self.context.imports.qualify(left.func) or ""
        return left if self._is_env_lookup(left, qualified) else None

    def _fallback(self, call: cst.Call, default: cst.BaseExpression | None = None):
        env_name = literal_of(_positional(call, 0)) or literal_of(_keyword(call, "key")) or ""
        default = default if default is not None else _positional(call, 1) or _keyword(call, "default")
        default = unwrap(default) if default is not None else None
        text = literal_of(default)
        if default is None or text is None or self._owned_elsewhere(text):
            return
        judged = judge_name(env_name) if env_name else None
        name = env_name
        if judged is None:  # DB_PW = os.getenv("PGPASS", "...") : the target names the secret
            for node in reversed(self.context.stack):
                if isinstance(node, (cst.Assign, cst.AnnAssign)):
                    targets = node.targets if isinstance(node, cst.Assign) else [node]
                    for target in targets:
                        candidate = name_of(target.target)
                        if candidate and judge_name(candidate):
                            judged, name = judge_name(candidate), candidate
                    break
                if isinstance(node, (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef)):
                    break
        if judged is None or not is_secret_value(text, name, default=True):
            return
        fields = {"kind": judged.kind, "masked": mask(text), "env": f"`{env_name or name}`"}
        if is_placeholder(text) or self._development_default(text):
            fields["confidence"] = "LOW"  # ``"changeme"``, the user's name: a placeholder, though the app runs with it
        yield "BR404", default, fields

    def _signing_key(self, call: cst.Call, key: cst.BaseExpression | None, what: str):
        if key is None:
            return
        text = literal_of(key)
        if text is not None:
            if not self._owned_elsewhere(text) and is_secret_value(text, signing=True):
                yield "BR405", key, {"what": what, "masked": mask(text)}
            return
        if isinstance(key, cst.Name):  # a constant of this module or function
            literal_node, bound_name = self._constant(key.value)
            if literal_node is None:
                return
            value = literal_of(literal_node) or ""
            if judge_name(bound_name) and is_secret_value(value, bound_name):
                return  # reported where it is bound (BR401/BR405)
            if not self._owned_elsewhere(value) and is_secret_value(value, signing=True):
                yield "BR405", literal_node, {"what": what, "masked": mask(value)}

    def _constant(self, name: str) -> tuple[cst.BaseExpression | None, str]:
        scopes = [node for node in self.context.stack if isinstance(node, cst.FunctionDef)][-1:]
        scopes.append(self.context.module)
        for scope in scopes:
            facts = self.context.scope_facts(scope)
            bindings = facts.bindings.get(name, [])
            if bindings:
                if len(bindings) == 1 and bindings[0].kind == "=" and literal_of(bindings[0].value) is not None:
                    return bindings[0].value, name
                return None, name
        return None, name

    # ------------------------------------------------------------------------- comparisons
    def _comparison(self, node: cst.Comparison):
        operands = [node.left] + [target.comparator for target in node.comparisons]
        if not any(isinstance(t.operator, (cst.Equal, cst.NotEqual)) for t in node.comparisons):
            return
        names = [name_of(operand) for operand in operands if literal_of(operand) is None]
        names = [n for n in names if n and judge_name(n)]
        if not names:
            return
        guard = self._in_guard()
        equal = all(isinstance(t.operator, cst.Equal) for t in node.comparisons)
        unequal = all(isinstance(t.operator, cst.NotEqual) for t in node.comparisons)
        # ``if SECRET_KEY == "dev-key": raise`` / ``assert SECRET_KEY != "dev-key"`` refuse the value;
        # ``if api_key != "k3y": raise`` demands it: that is the hardcoded credential
        refused = guard == "if" and equal or guard == "assert" and unequal
        for operand in operands:
            text = literal_of(operand)
            if text is not None and not refused and not (guard and is_placeholder(text)):
                yield from self._judge(names[0], operand, "compare")

    def _in_guard(self) -> str:
        """``if SECRET_KEY == "change-me": raise ...``: "if" (or "assert") when the comparison is the
        test of a check that stops the program, "" otherwise."""
        for node in reversed(self.context.stack):
            if isinstance(node, cst.Assert):
                return "assert"
            if isinstance(node, cst.If):
                raises = find(node.body, lambda n: isinstance(n, cst.Raise), skip=(cst.FunctionDef,)) is not None
                return "if" if raises else ""
            if isinstance(node, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
                return ""
        return ""


def _named_after_user(text: str, password: str) -> bool:
    """``postgres://shop:shop@``, ``postgres://powersync_storage:powersync_password@``: a password
    made from its user's name is a container's or a laptop's default account."""
    match = re.search(r"//([^:@/\s]*):" + re.escape(password) + "@", text)
    user = match.group(1).lower() if match else ""
    words = {w for w in re.split(r"[^a-z0-9]+", user) if len(w) >= 3}
    rest = [password.lower().replace(w, "", 1) for w in words if w in password.lower()]
    # what is left beside the user's name: separators, digits, the word "password" and its kin
    return bool(user) and (user == password.lower() or any(
        re.fullmatch(r"(?:[\W_\d]|password|passwd|pass|pwd|secret)*", r) for r in rest
    ))


def _only_confidence(fields: dict) -> dict:
    return {"confidence": fields["confidence"]} if "confidence" in fields else {}


def _keys_within(literal: cst.Dict) -> set[str]:
    """The string keys of a dict literal and of the dict literals nested in it."""
    keys: set[str] = set()
    pending: list[cst.BaseExpression] = [literal]
    while pending:
        node = pending.pop()
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    key = literal_of(element.key)
                    if key is not None:
                        keys.add(key)
                    pending.append(element.value)
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            pending.extend(element.value for element in node.elements)
    return keys
