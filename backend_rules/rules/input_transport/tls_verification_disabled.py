"""BR702: TLS certificate verification is switched off for outgoing connections."""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.bound_values import flag_value, follow, literal
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS, is_test_code
from backend_rules.analysis.dataflow import UNKNOWN
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import find
from backend_rules.rule import Fix, Invalid, Rule, Valid
from backend_rules.rules.input_transport.debug_places import in_documentation
from backend_rules.rules.input_transport.transport_flags import (
    CERT_REQS_KEYS,
    FLAG_NAMES,
    INSECURE_WHEN_TRUE,
    NOT_FLIPPABLE,
    VERIFY_BY_DEFAULT,
    VERIFY_WHEN_TRUE,
    cert_reqs_off,
    flipped_flag,
    is_mapping_table,
    is_tls_client_call,
    local_url,
    opted_in,
    required_certificates,
    uses_aiohttp,
    without_argument,
)

UNVERIFIED_CONTEXTS = {"ssl._create_unverified_context", "ssl._create_stdlib_context"}
# Arguments create_default_context() also takes; others (cert_reqs, check_hostname...) have no twin.
DEFAULT_CONTEXT_KEYWORDS = {"purpose", "cafile", "capath", "cadata"}
SESSION_LIKE = re.compile(r"(?i)(session|sess|client|http|^s$|api|conn|connection|adapter|transport|agent)$")
WARNING_SILENCERS = {"disable_warnings", "filterwarnings", "simplefilter"}
PEER_CERTIFICATE_READERS = {"getpeercert", "get_peer_certificate", "get_peer_cert_chain", "get_verified_chain"}
FIX_VERIFY = 'keep it on; for a private CA pass verify="/path/to/ca.pem"'


class TlsVerificationDisabled(Rule):
    """TLS certificate verification is switched off for outgoing connections.

    ## What it does
    Finds the ways Python code stops checking who is on the other end of a TLS connection:
    - `verify=False` on requests/httpx calls, sessions and clients (`httpx.AsyncClient(verify=
      False)`, `session.get(url, verify=False)`, `boto3.client(..., verify=False)`), and
      `session.verify = False`;
    - aiohttp `ssl=False` / `verify_ssl=False` / `TCPConnector(ssl=False)`;
    - `ssl._create_unverified_context()`, `ssl.CERT_NONE`, `ctx.check_hostname = False`, urllib3
      `cert_reqs="CERT_NONE"`, redis/pymongo/elasticsearch switches (`ssl_cert_reqs="none"`,
      `tlsAllowInvalidCertificates=True`, `verify_certs=False`), also in settings dicts;
    - `urllib3.disable_warnings(InsecureRequestWarning)` in a module whose `verify=` is configurable.
    The flag may sit in a local or a module constant (`VERIFY_SSL = False`).

    ## Why is this bad?
    Anyone on the network path (a Wi-Fi hotspot, a compromised router, a proxy) can present any
    certificate and read or change the traffic: credentials, tokens, payment data (CWE-295).

    ## Example
    ```python
    resp = requests.post(PARTNER_URL, json=order, timeout=10, verify=False)
    ```

    ## Use instead
    ```python
    resp = requests.post(PARTNER_URL, json=order, timeout=10)  # or verify="/etc/ssl/partner-ca.pem"
    ```
    Reported with LOW confidence: a parameter or environment setting that defaults to off, an
    explicit opt-in (`if settings.INSECURE_SKIP_VERIFY:`), a localhost URL, docs, and a function
    that connects only to read the server's certificate (`getpeercert()`: a scanner). Tests are not checked.

    ## Fix safety
    An unsafe fix (applied only with `--fix --unsafe-fixes`) switches the check back on where the
    switch is written: `verify=False` is removed from requests/httpx/boto3 calls (which verify by
    default) and becomes `verify=True` elsewhere; aiohttp `ssl=False`/`verify_ssl=False` and
    urllib3 `assert_hostname=False` are removed; `session.verify = False`, `VERIFY_TLS = False`,
    `check_hostname = False` and the other verify flags become `True` (`tlsAllowInvalidCertificates
    =True` and the like become `False`); `"CERT_NONE"`/`"none"` become `"CERT_REQUIRED"`/`"required"`,
    `ssl.CERT_NONE` becomes `ssl.CERT_REQUIRED`; `ssl._create_unverified_context()` becomes
    `ssl.create_default_context()`. It is unsafe because it changes behaviour on purpose: a server
    with a self-signed or private-CA certificate stops answering until its CA is passed
    (`verify="/path/ca.pem"`, `cafile=`), and a flag held in a constant may be read elsewhere too.
    No fix where the value comes from a parameter, the environment or an opt-in condition (LOW
    findings), nor for `None`/`0` certificate settings, `PYTHONHTTPSVERIFY` or a silenced warning.
    """

    CODE = "BR702"
    FIX = "unsafe"
    NAME = "tls-verification-disabled"
    MESSAGE = "{what} turns TLS certificate checks off; {remedy}"
    CATEGORY = "security"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    CWE = 295
    TRIGGER = r"verify|ssl|SSL|CERT_NONE|hostname|cert_reqs|certs|cert_check|unverified|disable_warnings|tls|HTTPSVERIFY|nsecure"
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not is_test_code(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        if any(k.arg in FLAG_NAMES for k in nodes(tree, ast.keyword)):
            return True
        references = {"CERT_NONE", "disable_warnings", "_create_unverified_context", "_create_stdlib_context"}
        if any(a.attr in references for a in nodes(tree, ast.Attribute)):
            return True
        if any(n.id in references for n in nodes(tree, ast.Name)):
            return True
        stored = {"verify", "verify_mode"} | FLAG_NAMES
        for assign in nodes(tree, ast.Assign):
            if any(isinstance(t, ast.Attribute) and t.attr in stored for t in assign.targets):
                return True
        keys = VERIFY_WHEN_TRUE | INSECURE_WHEN_TRUE | CERT_REQS_KEYS | {"verify", "PYTHONHTTPSVERIFY"}
        return any(isinstance(c.value, str) and c.value in keys for c in nodes(tree, ast.Constant))

    def __init__(self, context) -> None:
        super().__init__(context)
        self.silencers: list[cst.Call] = []
        self.configurable_verify = False
        self.reported_off = False

    # ------------------------------------------------------------------------------- reporting
    def _off(self, node: cst.CSTNode, what: str, remedy: str, where: str = "here", fix: Fix | None = None) -> None:
        """Report; a LOW finding (a default, an opt-in, docs) keeps the code as it is: no fix."""
        low = (
            where in {"default", "environment"} or opted_in(self.context.stack)
            or in_documentation(self.context.options.get("relative_path", "") or self.context.path)
            or self._inspects_peer_certificate()
        )
        self.reported_off = True
        self.report(node, what=what, remedy=remedy, confidence="LOW" if low else None, fix=None if low else fix)

    def _inspects_peer_certificate(self) -> bool:
        """The function connects to read the server's certificate (``sock.getpeercert(True)``,
        pyOpenSSL ``get_peer_certificate()``): a certificate scanner has to accept any, even
        self-signed or expired ones, and trusts nothing it receives."""
        function = next((n for n in reversed(self.context.stack) if isinstance(n, cst.FunctionDef)), None)
        if function is None:
            return False
        return find(function.body, lambda n: isinstance(n, cst.Call) and isinstance(n.func, cst.Attribute)
                    and n.func.attr.value in PEER_CERTIFICATE_READERS) is not None

    def _switched_on(self, expr: cst.BaseExpression, wrong: bool = False) -> Fix | None:
        return flipped_flag(expr, self.context.stack, self.context, wrong, "turn certificate checks back on")

    def _dropped(self, call: cst.Call, arg: cst.Arg) -> Fix | None:
        """Remove the keyword when its literal is written there (else fix the constant it names)."""
        if isinstance(arg.value, cst.Name) and arg.value.value == "False":
            return without_argument(call, arg, self.context, f"remove {arg.keyword.value}=False")  # type: ignore[union-attr]
        return None if arg.keyword.value in NOT_FLIPPABLE else self._switched_on(arg.value)  # type: ignore[union-attr]

    # ------------------------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        context, stack = self.context, self.context.stack
        qualified = context.imports.qualify(node.func) or ""
        last = qualified.split(".")[-1] if qualified else (node.func.attr.value if isinstance(node.func, cst.Attribute) else "")
        if last in WARNING_SILENCERS and self._silences_insecure_warning(node, qualified):
            self.silencers.append(node)
            return
        called = f"{qualified or last}()"
        tls_client = is_tls_client_call(node, context)
        if tls_client and local_url(node):
            tls_client = "local"
        for arg in node.args:
            if arg.star == "**" and tls_client:
                self._check_unpacked(node, arg.value, called)
            if arg.keyword is None:
                continue
            keyword = arg.keyword.value
            value, where = flag_value(arg.value, stack, context)
            aiohttp_call = qualified.startswith("aiohttp") or (bool(tls_client) and uses_aiohttp(context))
            if keyword == "verify" and tls_client:
                if value is False:
                    self._off(node, f"verify=False in {called}", FIX_VERIFY, "default" if tls_client == "local" else where,
                              self._verify_fix(node, arg, qualified))
                elif (value is UNKNOWN or where == "environment") and not isinstance(arg.value, cst.SimpleString):
                    self.configurable_verify = True
            elif keyword == "ssl" and value is False and aiohttp_call:
                self._off(node, f"ssl=False in {called}", "pass ssl=ssl.create_default_context(cafile=...) if needed", where,
                          self._dropped(node, arg))
            elif keyword in VERIFY_WHEN_TRUE and value is False:
                drop = keyword in NOT_FLIPPABLE or keyword == "verify_ssl" and aiohttp_call
                self._off(node, f"{keyword}=False in {called}", "keep it True", where,
                          self._dropped(node, arg) if drop else self._switched_on(arg.value))
            elif keyword in INSECURE_WHEN_TRUE and value is True:
                self._off(node, f"{keyword}=True in {called}", "drop it and trust the right CA", where,
                          self._switched_on(arg.value, wrong=True))
            elif keyword in CERT_REQS_KEYS and cert_reqs_off(arg.value, context, literal_only=True):
                self._off(node, f"{keyword}={literal(arg.value)!r} in {called}", 'require certificates ("required")', where,
                          required_certificates(arg.value, "require certificates"))

    def _verify_fix(self, call: cst.Call, arg: cst.Arg, qualified: str) -> Fix | None:
        """Drop ``verify=False`` from clients that verify by default; write ``verify=True`` in any
        other call (a wrapper's own default may be False); fix a constant where the flag is one."""
        if not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
            return self._switched_on(arg.value)
        if qualified.split(".")[0] in VERIFY_BY_DEFAULT:
            return without_argument(call, arg, self.context, "remove verify=False")
        return Fix(arg.value, cst.Name("True"), "verify=True", safe=False)

    def _check_unpacked(self, node: cst.Call, value: cst.BaseExpression, called: str) -> None:
        resolved, where = follow(value, self.context.stack, self.context)
        if isinstance(resolved, cst.Dict):
            for element in resolved.elements:
                if (
                    isinstance(element, cst.DictElement) and literal(element.key) == "verify"
                    and flag_value(element.value, self.context.stack, self.context)[0] is False
                ):
                    self._off(node, f'"verify": False passed to {called}', FIX_VERIFY, where,
                              self._switched_on(element.value))

    def _silences_insecure_warning(self, node: cst.Call, qualified: str) -> bool:
        if qualified.split(".")[-1] == "disable_warnings":
            return "urllib3" in qualified and (
                not node.args or any("InsecureRequestWarning" in (dotted_name(a.value) or "") for a in node.args)
            )
        return qualified.startswith("warnings.") and any(
            "InsecureRequestWarning" in (dotted_name(a.value) or "") for a in node.args
        )

    def leave_Module(self, node: cst.Module) -> None:
        for call in self.silencers:
            confident = self.configurable_verify and not self.reported_off
            self.report(call, "InsecureRequestWarning silenced next to a configurable verify=; "
                              "fix the certificate setup instead of hiding the warning",
                        confidence="MEDIUM" if confident else "LOW")

    # ---------------------------------------------------------------------- references and stores
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._reference(node)

    def visit_Name(self, node: cst.Name) -> None:
        parent = self.context.stack[-1] if self.context.stack else None
        if not isinstance(parent, (cst.ImportAlias, cst.Attribute)):
            self._reference(node)

    def _reference(self, node: cst.Attribute | cst.Name) -> None:
        qualified = self.context.imports.qualify(node) or ""
        if qualified in UNVERIFIED_CONTEXTS:
            self._off(node, f"{qualified}()", "use ssl.create_default_context()", fix=self._default_context_fix(node))
        elif qualified in {"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"} and self._sets_cert_none():
            fix = None
            if isinstance(node, cst.Attribute):  # ssl.CERT_NONE; a bare imported CERT_NONE would need an import
                fix = Fix(node.attr, cst.Name("CERT_REQUIRED"), "require certificates", safe=False)
            self._off(node, "ssl.CERT_NONE", "require certificates (ssl.CERT_REQUIRED)", self._cert_none_source(), fix)

    def _default_context_fix(self, node: cst.Attribute | cst.Name) -> Fix | None:
        """``ssl._create_unverified_context(...)`` -> ``ssl.create_default_context(...)`` when every
        argument means the same there; ``ssl._create_default_https_context = ssl._create_unverified_context``
        -> ``= ssl.create_default_context``, the module's own default."""
        if not isinstance(node, cst.Attribute):
            return None
        fix = Fix(node.attr, cst.Name("create_default_context"), "use ssl.create_default_context", safe=False)
        parent = self.context.stack[-1] if self.context.stack else None
        if isinstance(parent, cst.Call) and parent.func is node:
            same_arguments = all(a.keyword is not None and a.keyword.value in DEFAULT_CONTEXT_KEYWORDS for a in parent.args)
            return fix if same_arguments else None
        if isinstance(parent, cst.Assign) and parent.value is node:
            default_factory = any(
                (dotted_name(t.target) or "").endswith("._create_default_https_context") for t in parent.targets
            )
            return fix if default_factory else None
        return None

    def _sets_cert_none(self) -> bool:
        """Not a comparison, nor an entry of a table that maps names to every mode."""
        stack = self.context.stack
        for parent in reversed(stack):
            if isinstance(parent, (cst.Comparison, cst.ComparisonTarget)):
                return False
            if isinstance(parent, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
                return not is_mapping_table(parent, self.context)
            if not isinstance(parent, (cst.DictElement, cst.Element, cst.Arg, cst.IfExp, cst.Param)):
                return True
        return True

    def _cert_none_source(self) -> str:
        for parent in reversed(self.context.stack):
            if isinstance(parent, cst.IfExp):
                return "environment"  # chosen at run time
            if isinstance(parent, cst.Param):
                return "default"
        return "here"

    def visit_Assign(self, node: cst.Assign) -> None:
        context, stack = self.context, self.context.stack
        value, where = flag_value(node.value, stack, context)
        for target in node.targets:
            place = target.target
            if isinstance(place, cst.Attribute):
                attribute = place.attr.value
                owner = dotted_name(place.value) or ""
                if attribute == "verify" and value is False and SESSION_LIKE.search(owner.split(".")[-1]):
                    self._off(node, f"{owner}.verify = False", FIX_VERIFY, where, self._switched_on(node.value))
                elif attribute == "check_hostname" and value is False:
                    self._off(node, f"{owner}.check_hostname = False", "keep hostname checks on", where,
                              self._switched_on(node.value))
                elif attribute in VERIFY_WHEN_TRUE and value is False:
                    self._off(node, f"{owner}.{attribute} = False", "keep it True", where, self._flag_fix(attribute, node.value))
            elif isinstance(place, cst.Subscript) and len(place.slice) == 1 and isinstance(place.slice[0].slice, cst.Index):
                key = literal(place.slice[0].slice.value)
                if key == "PYTHONHTTPSVERIFY" and literal(node.value) in {"0", 0}:
                    self._off(node, "PYTHONHTTPSVERIFY=0", "remove it", where)
                elif key in VERIFY_WHEN_TRUE and value is False or key in INSECURE_WHEN_TRUE and value is True:
                    self._off(node, f"[{key!r}] = {value}", "keep certificate checks on", where, self._flag_fix(key, node.value))
                elif key in CERT_REQS_KEYS and cert_reqs_off(node.value, context, literal_only=True):
                    self._off(node, f"[{key!r}] = {literal(node.value)!r}", 'require certificates ("required")', where,
                              required_certificates(node.value, "require certificates"))

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = literal(node.key)
        if not isinstance(key, str):
            return
        value, where = flag_value(node.value, self.context.stack, self.context)
        if key in VERIFY_WHEN_TRUE and value is False or key in INSECURE_WHEN_TRUE and value is True:
            self._off(node, f'"{key}": {value}', "keep certificate checks on", where, self._flag_fix(key, node.value))
        elif key in CERT_REQS_KEYS and cert_reqs_off(node.value, self.context, literal_only=True):
            self._off(node, f'"{key}": {literal(node.value)!r}', 'require certificates ("required")', where,
                      required_certificates(node.value, "require certificates"))

    def _flag_fix(self, key: str, value: cst.BaseExpression) -> Fix | None:
        """A verify flag back to True, a skip-the-checks flag back to False (not assert_hostname)."""
        if key in NOT_FLIPPABLE:
            return None
        return self._switched_on(value, wrong=key in INSECURE_WHEN_TRUE)

    VALID = [
        """
        import requests
        def fetch(url):
            return requests.get(url, timeout=5, verify="/etc/ssl/private-ca.pem")
        """,
        # configurable, and a comparison with CERT_NONE
        """
        import ssl
        import httpx
        def client(settings, ctx):
            if ctx.verify_mode == ssl.CERT_NONE:
                raise RuntimeError("refusing an unverified context")
            return httpx.Client(verify=settings.CA_BUNDLE)
        """,
        # verify=False that is not about TLS
        """
        import jwt
        def claims(token, key):
            return jwt.decode(token, key, verify=False)
        """,
        # a table of every mode, for a config option
        """
        import ssl
        MODES = {"none": ssl.CERT_NONE, "optional": ssl.CERT_OPTIONAL, "required": ssl.CERT_REQUIRED}
        """,
        Valid(
            """
            import requests
            def test_fetch(server):
                assert requests.get(server.url, verify=False).ok
            """,
            path="tests/test_client.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            import requests as rq
            def notify(url, body):
                return rq.post(url, json=body, timeout=5, verify=False)
            """,
            line=3, column=12, message="verify=False",
            expected="""
            import requests as rq
            def notify(url, body):
                return rq.post(url, json=body, timeout=5)
            """,
        ),
        Invalid(
            """
            import requests
            VERIFY_SSL = False
            def session():
                s = requests.Session()
                s.verify = VERIFY_SSL
                return s
            """,
            line=5,
            expected="""
            import requests
            VERIFY_SSL = True
            def session():
                s = requests.Session()
                s.verify = VERIFY_SSL
                return s
            """,
        ),
        Invalid(
            """
            import aiohttp
            async def fetch(url):
                connector = aiohttp.TCPConnector(ssl=False)
                async with aiohttp.ClientSession(connector=connector) as session:
                    return await session.get(url)
            """,
            line=3, column=17,
            expected="""
            import aiohttp
            async def fetch(url):
                connector = aiohttp.TCPConnector()
                async with aiohttp.ClientSession(connector=connector) as session:
                    return await session.get(url)
            """,
        ),
        Invalid(
            """
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            """,
            line=3,
            expected="""
            import ssl
            ctx = ssl.create_default_context()
            ctx.check_hostname = True
            """,
        ),
        Invalid(
            """
            import urllib.request, ssl
            def fetch(url):
                return urllib.request.urlopen(url, context=ssl._create_unverified_context())
            """,
            line=3, column=48,
            expected="""
            import urllib.request, ssl
            def fetch(url):
                return urllib.request.urlopen(url, context=ssl.create_default_context())
            """,
        ),
        Invalid(
            """
            import celery
            broker_use_ssl = {"ssl_cert_reqs": "none"}
            """,
            line=2,
            expected="""
            import celery
            broker_use_ssl = {"ssl_cert_reqs": "required"}
            """,
        ),
    ]
