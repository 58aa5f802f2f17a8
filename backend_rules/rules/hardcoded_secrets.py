"""BR4xx: secrets written into the code.

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

import ast
import re
from functools import lru_cache
from typing import Iterator

import libcst as cst
import pathspec

from backend_rules.analysis.imports import dotted_name
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.rules.secrets.secret_words import (
    FORMAT_TRIGGER, FORMAT_TRIGGER_PARTS, HOLE, anycase, contextual_format, is_secret_value, judge_name, known_format, looks_random,
    mask, split_words, url_credentials,
)

FAMILY = "BR4"

DEFAULT_TEST_PATHS = ["tests/", "test/", "testing/", "**/test_*.py", "**/*_test.py", "**/tests.py",
                      "**/conftest.py"]
QUIET_IN_TESTS = {"BR401", "BR403", "BR404", "BR405"}
STRING_NODES = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)

ENV_LOOKUPS = {"os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get", "getenv",
               "decouple.config", "environ.setdefault"}
ENV_RECEIVERS = {"env", "environ", "_env", "ENV", "config", "settings_env", "environment"}
ENV_METHODS = {"str", "get", "bool", "int", "json", "url", "db", "db_url", "cache_url", "list", "dict"}
BASIC_AUTH = {"HTTPBasicAuth", "HTTPDigestAuth", "HTTPProxyAuth", "BasicAuth", "DigestAuth"}
USER_FACTORIES = {"create_user", "create_superuser"}
SECRET_WRAPPERS = {"SecretStr", "SecretBytes", "Secret"}
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


@lru_cache(maxsize=32)
def _test_spec(patterns: tuple[str, ...]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


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


def quiet_in_tests(options: dict) -> bool:
    """The file is test code (``test-paths``) and ``secrets-in-tests`` is off."""
    if options.get("secrets-in-tests", False):
        return False
    patterns = tuple(options.get("test-paths", DEFAULT_TEST_PATHS))
    return bool(patterns) and _test_spec(patterns).match_file(options.get("relative_path", ""))


class SecretAnalysis:
    """Per-file decisions: which rule owns which literal. Shared by the five rules of the family."""

    def __init__(self, context) -> None:
        self.context = context
        self.done: dict[int, list[tuple[str, cst.CSTNode, dict]]] = {}
        self.claimed: set[int] = set()
        options = context.options
        self.in_tests = quiet_in_tests(options)

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
                        yield from self._judge(key, element.value, "dict")
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
        label = known_format(text)
        if label is not None:
            yield "BR402", node, {"label": label}
            return
        if isinstance(parent, cst.Expr):
            return  # a docstring or a bare string: documentation, not configuration
        found = url_credentials(text)
        if found is not None:
            scheme, password = found
            yield "BR403", node, {"scheme": "libpq connection string" if scheme == "libpq" else f"`{scheme}://` URL",
                                  "masked": mask(password)}

    def _owned_elsewhere(self, text: str) -> bool:
        return known_format(text) is not None or url_credentials(text) is not None

    # ---------------------------------------------------------------------------- bindings
    def _binding(self, target: cst.BaseExpression, value: cst.BaseExpression, site: str):
        name = name_of(target)
        if name is None:
            return
        yield from self._judge(name, value, site)

    def _judge(self, name: str, value: cst.BaseExpression, site: str):
        inner = unwrap(value)
        text = literal_of(inner)
        if text is None or inner is None:
            return
        if self._owned_elsewhere(text):
            return
        label = contextual_format(text, name)
        if label is not None:
            yield "BR402", inner, {"label": label}
            return
        judged = judge_name(name)
        if judged is None or not is_secret_value(text, name, signing=judged.signing_key):
            return
        if judged.kind == "token" and not looks_random(text):
            return  # ``token = "COLLATE"``: a lexer's token, not a credential
        fields = {"kind": judged.kind, "masked": mask(text), "name": name}
        if site == "assign" and self._in_settings_class():
            yield "BR404", inner, {**fields, "env": f"settings field `{name}`"}
        elif judged.signing_key and site in {"assign", "dict", "keyword"}:
            yield "BR405", inner, {"what": f"`{name}`", "masked": mask(text)}
        else:
            yield "BR401", inner, fields

    def _in_settings_class(self) -> bool:
        stack = self.context.stack
        # ClassDef > IndentedBlock > SimpleStatementLine > (Ann)Assign
        if len(stack) >= 3 and isinstance(stack[-3], cst.ClassDef):
            for base in stack[-3].bases:
                name = dotted_name(base.value) or ""
                if name.split(".")[-1] == "BaseSettings" or self.context.imports.imported_from(
                    base.value, "pydantic_settings"
                ):
                    return True
        return False

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

    def _fallback(self, call: cst.Call):
        env_name = literal_of(_positional(call, 0)) or literal_of(_keyword(call, "key")) or ""
        default = _positional(call, 1) or _keyword(call, "default")
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
        if judged is None or not is_secret_value(text, name):
            return
        yield "BR404", default, {"kind": judged.kind, "masked": mask(text), "env": f"`{env_name or name}`"}

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
        for operand in operands:
            if literal_of(operand) is not None:
                yield from self._judge(names[0], operand, "compare")


# ------------------------------------------------------------------ stdlib-AST prefilter
_SPECIAL_CALLS = BASIC_AUTH | USER_FACTORIES | SECRET_WRAPPERS | {"set_password", "login"}
_SIGNING_CALLS = {"encode", "decode", "new", "HMAC", "digest", "sign", "verify", "Fernet"}
_last_tree: list = [None, frozenset()]
_SIGNING_MODULES = ("jwt", "jose", "hmac", "itsdangerous", "cryptography", "authlib")
_FORMAT_RE = re.compile(FORMAT_TRIGGER)


def _ast_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
        return node.args[0].value if isinstance(node.args[0].value, str) else None
    return None


def _has_literal(node: ast.AST | None) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call):
        return any(_has_literal(arg) for arg in node.args) or any(_has_literal(k.value) for k in node.keywords)
    if isinstance(node, ast.Tuple):
        return any(_has_literal(e) for e in node.elts)
    return False


def _secretish(name: object) -> bool:
    if not isinstance(name, str) or not name:
        return False
    return judge_name(name) is not None or bool({"aws", "twilio"} & set(split_words(name)))


def _string_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        value = node.value
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else HOLE
                       for v in node.values)
    return None


def _root(node: ast.AST) -> str:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else ""


def possible_codes(tree: ast.Module) -> frozenset[str]:
    """Which BR4 rules can fire on a file, judged cheaply on the stdlib AST (never too few)."""
    if _last_tree[0] is tree:
        return _last_tree[1]
    codes: set[str] = set()
    pair = {"BR401", "BR402", "BR404", "BR405"}
    signing_modules: set[str] = set()
    signing_roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            if isinstance(node, ast.Constant) and not isinstance(node.value, (str, bytes)):
                continue
            text = _string_text(node)
            if not text or len(text) < 12:
                continue
            if "BR402" not in codes and _FORMAT_RE.search(text) and known_format(text):
                codes.add("BR402")
            if "BR403" not in codes and ("@" in text or "password" in text) and url_credentials(text):
                codes.add("BR403")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                if full.split(".")[0] in _SIGNING_MODULES:
                    signing_modules.add(alias.asname or alias.name.split(".")[0])
                if "Settings" in alias.name:
                    codes.add("BR404")
        elif codes >= pair:
            continue
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _has_literal(node.value) and any(_secretish(_ast_name(t)) for t in targets):
                codes |= pair
        elif isinstance(node, ast.keyword):
            if _has_literal(node.value) and (node.arg == "auth" or _secretish(node.arg)):
                codes |= pair
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and _secretish(key.value) and _has_literal(value):
                    codes |= pair
        elif isinstance(node, ast.arguments):
            positional = node.posonlyargs + node.args
            defaults = list(zip(positional[len(positional) - len(node.defaults):], node.defaults))
            defaults += [(a, d) for a, d in zip(node.kwonlyargs, node.kw_defaults) if d is not None]
            if any(_secretish(a.arg) and _has_literal(d) for a, d in defaults):
                codes |= pair
        elif isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            if any(_has_literal(o) for o in operands) and any(_secretish(_ast_name(o)) for o in operands):
                codes |= pair
        elif isinstance(node, ast.Call) and (node.args or node.keywords):
            func = node.func
            short = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if short in _SPECIAL_CALLS and _has_literal(node):
                codes.add("BR401")
            if short in _SIGNING_CALLS or short.endswith(("Serializer", "Signer")):
                signing_roots.add(_root(func))
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and _secretish(first.value) and (
                len(node.args) >= 2 and _has_literal(node.args[1])
                or any(k.arg == "default" and _has_literal(k.value) for k in node.keywords)
            ):
                codes.add("BR404")
    if signing_roots & signing_modules:
        codes.add("BR405")
    result = frozenset(codes)
    _last_tree[:] = [tree, result]
    return result


class _SecretRule(Rule):
    CATEGORY = "security"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    CWE = 798
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS, "secrets-in-tests": False}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return cls.CODE not in QUIET_IN_TESTS or not quiet_in_tests(options)

    def _visit(self, node: cst.CSTNode) -> None:
        for code, where, fields in SecretAnalysis.of(self.context).at(node):
            if code == self.CODE:
                self.report(where, **fields)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return cls.CODE in possible_codes(tree)

    visit_Assign = visit_AnnAssign = visit_Call = visit_Dict = _visit
    visit_FunctionDef = visit_Lambda = visit_Comparison = _visit
    visit_SimpleString = visit_ConcatenatedString = visit_FormattedString = _visit


class AnyOf:
    """Several regexes tried in turn: as a file filter, much faster than one big alternation.

    Python's ``re`` tries every branch of an alternation at every position whose first character
    could start one; a few regexes that each start with a literal or a small class let the engine
    skip ahead. ``search`` returns the first match, like :meth:`re.Pattern.search`.
    """

    def __init__(self, *patterns: str) -> None:
        self.patterns = [re.compile(p) for p in patterns]
        self.pattern = "|".join(f"(?:{p})" for p in patterns)

    def search(self, text: str):
        for pattern in self.patterns:
            match = pattern.search(text)
            if match:
                return match
        return None


# A secret-ish word (key included: ``ApiKey``), the rest of the name, then `=`, `==`, `:` or `,` and
# a quote (an annotation, a wrapper call such as SecretStr( or Field(default= may come between).
_WORD = r"[PpSsTtCcKk](?:ass|ASS|wd|WD|w\b|W\b|ecret|ECRET|oken|OKEN|red|RED|ey|EY)"
SECRET_WORD_TRIGGER = (
    _WORD + r"\w{0,40}['\"]?\]?[ \t]{0,4}(?::[ \t]{0,4}[\w\[\]., |]{1,40})?(?:[=!]=|[=:,])[ \t]{0,4}"
    r"(?:\w{1,20}\((?:default[ \t]?=[ \t]?)?)?[rRbBuUfF]{0,2}['\"]"
)
REVERSED_COMPARISON_TRIGGER = r"[=!]=[ \t]{0,4}[\w.\[\]'\"]{0,40}" + _WORD
SPECIAL_CALL_TRIGGER = (r"BasicAuth\(|DigestAuth\(|ProxyAuth\(|set_password\(|\.login\(|create_user\(|"
                        r"create_superuser\(|SecretStr\(|SecretBytes\(|auth[ \t]?=[ \t]?\(")


class HardcodedSecret(_SecretRule):
    """A password, token or API key is bound to a string literal.

    ## What it does
    Finds string literals bound to secret-named places: assignments (module, class attributes,
    settings classes, dataclass configs), keyword arguments (`password=`, `api_key=`,
    `client_secret=`, `auth=("user", "pw")`), `HTTPBasicAuth("user", "pw")`, dict entries
    (`DATABASES = {"default": {"PASSWORD": "..."}}`), default arguments, `set_password("...")`,
    `create_user(name, email, "...")`, `server.login(user, "...")` and comparisons
    (`if password == "hunter2":`).

    Names are split into words (`DB_PASSWORD`, `stripeApiKey`, `client-secret`) and read for their
    meaning: `TOKEN_URL`, `PASSWORD_FIELD`, `password_reset_path`, `TOKEN_HEADER`,
    `PASSWORD_MIN_LENGTH` and `secret_name` (a reference to a secret manager) do not hold secrets.
    Values are judged too: empty strings, placeholders (`<...>`, `${VAR}`, `%(name)s`,
    `{{ var }}`, `xxx`, `***`, `your-api-key`), paths, URLs, environment-variable names,
    header names and auth schemes (`"Bearer"`) are not secrets; `"changeme"` is.

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
    """

    CODE = "BR401"
    NAME = "hardcoded-secret"
    MESSAGE = "{kind} `{masked}` is hardcoded in `{name}`; read it from the environment or a secret manager"
    CWE = 259
    TRIGGER = "|".join((SECRET_WORD_TRIGGER, REVERSED_COMPARISON_TRIGGER, SPECIAL_CALL_TRIGGER))
    _trigger_re = AnyOf(SECRET_WORD_TRIGGER, REVERSED_COMPARISON_TRIGGER, SPECIAL_CALL_TRIGGER)

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
        # Django settings that name password machinery, not passwords
        """
        PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
        AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
        """,
    ]
    INVALID = [
        Invalid('DB_PASSWORD = "hunter2-prod"\n', line=1, column=15, message="`DB_PASSWORD`"),
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
    ]


class KnownCredentialFormat(_SecretRule):
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
    have them. AWS's documented example keys (`AKIAIOSFODNN7EXAMPLE`) and jwt.io's example token
    are not reported.

    This rule reports in test code too (`test-paths` does not silence it): a real token in a
    fixture is as leaked as one in production code.

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
    """

    CODE = "BR402"
    NAME = "known-credential-format"
    MESSAGE = "{label} in a string literal; revoke it and load the new one from the environment or a secret manager"
    TRIGGER = FORMAT_TRIGGER
    _trigger_re = AnyOf(*FORMAT_TRIGGER_PARTS)

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
        Invalid('GITHUB_TOKEN = "ghp_4Fq7Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu"\n', line=1, message="GitHub token"),
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


class CredentialsInUrl(_SecretRule):
    """A connection URL carries a hardcoded password (`postgresql://user:pw@host/db`).

    ## What it does
    Finds string literals that are URLs with a password in their user-info part — databases
    (`postgresql://`, `mysql://`, `mongodb+srv://`), caches and brokers (`redis://:pw@`,
    `amqp://`), any `https://user:pw@` — and libpq connection strings with `password=...`.
    A password that is a placeholder (`${DB_PASSWORD}`, `<password>`, `%(pw)s`, `{password}`,
    `xxx`, or the word `password` itself) or an f-string expression
    (`f"postgresql://{user}:{pw}@{host}"`) is not hardcoded. Docstrings are not checked.

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


class HardcodedSecretFallback(_SecretRule):
    """An environment lookup for a secret falls back to a hardcoded value.

    ## What it does
    Finds literal defaults of secrets read from the environment: `os.getenv("JWT_SECRET",
    "dev-secret")`, `os.environ.get(...)`, `os.environ.setdefault(...)`, python-decouple /
    starlette `config("SECRET_KEY", default=...)`, environs / django-environ
    `env.str("API_KEY", "...")`, and pydantic `BaseSettings` fields with a secret name and a
    literal default (`password: SecretStr = "..."`). The secret is recognised by the variable's
    name, or the name it is assigned to. Empty, `None` and placeholder defaults are fine.

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


class LiteralSigningKey(_SecretRule):
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
