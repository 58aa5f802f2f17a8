"""Is a string built from values an attacker could control, and if so, where and how?

Used by the SQL-injection rules at a sink: it follows local names back through their assignments
(``+=`` included), into helpers of the same module that return the string, and through
``str.join`` of lists grown with ``append``. What counts as safe is what a reviewer accepts: literals,
constants, numbers (``int(...)``, ``%d``, ``len``), quoting helpers (``quote_name``,
``sql.Identifier``), generated placeholder lists (``", ".join(["%s"] * n)``), allow-listed names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from backend_rules.analysis.dataflow import (
    UNKNOWN, Binding, ScopeFacts, constant_value, enclosing_class, enclosing_scope, guarding_tests,
)
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import Visitor

MAX_DEPTH = 6
CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
NUMERIC_SPEC = re.compile(r"[dfFeEgGxXobn%]$")
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
SAFE_CALLS = {
    "int", "float", "bool", "len", "abs", "round", "ord", "hex", "oct", "bin", "id", "hash", "range",
    "Decimal", "uuid4", "uuid1", "count", "sum", "math.floor", "math.ceil",
}
SAFE_CALL_WORDS = ("quote", "escape", "identifier", "placeholder", "literal", "sanitize", "sanitise")
TRANSPARENT_CALLS = {"str", "SQL", "dedent", "cleandoc", "textwrap.dedent", "inspect.cleandoc"}
STRING_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold", "rstrip", "replace", "expandtabs"}
SAFE_ATTRIBUTES = {"db_table", "__tablename__", "pk", "id"}
# Names that hold SQL text already composed elsewhere (``inner_sql``, ``lhs_sql``): joining them is
# composition, not interpolation; whatever built them is checked where it was built.
SQL_FRAGMENT_NAME = re.compile(r"(?i)(^|_)sqls?($|_)")
# Attribute chains through these read request data (``request.args``, ``self.request.GET``...).
REQUEST_WORDS = {
    "request", "req", "args", "form", "json", "GET", "POST", "query_params", "params", "cookies",
    "headers", "body", "files", "kwargs", "cleaned_data", "validated_data", "path_params", "environ",
    "argv", "data", "stdin", "payload", "input",
}


@dataclass(frozen=True)
class StringBuild:
    """An unsafe piece ``culprit`` was joined into a string by ``how`` at ``node``."""

    how: str
    node: cst.CSTNode
    culprit: cst.CSTNode
    helper: str | None = None


@dataclass(frozen=True)
class Env:
    """Where names are looked up: a scope, the statement order we are at, extra validated names."""

    facts: ScopeFacts
    order: int
    guarded: frozenset[str] = frozenset()
    blocks: tuple[int, ...] | None = None  # blocks holding the point of view (for kills)


def code_of(node: cst.CSTNode) -> str:
    try:
        text = cst.Module(body=[]).code_for_node(node)
    except Exception:  # pragma: no cover - every expression renders
        return "?"
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def literal_text(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - defensive: odd prefixes
            return node.value
        return value.decode("latin-1") if isinstance(value, bytes) else value
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_text(node.left), literal_text(node.right)
        return None if left is None or right is None else left + right
    return None


class StringAnalyzer:
    """Answers questions about string expressions as seen from one point of one file."""

    def __init__(self, context, stack: list[cst.CSTNode]) -> None:
        self.context = context
        self.module_facts = context.scope_facts(stack[0])
        scope = enclosing_scope(stack)
        facts = context.scope_facts(scope)
        self.env = Env(facts, facts.order_of(stack), frozenset(guarding_tests(stack)), facts.blocks_of(stack))
        cls = enclosing_class(stack)
        self.class_facts = context.scope_facts(cls) if cls is not None else None

    # ----- names --------------------------------------------------------------------------
    def _bindings(self, name: str, env: Env) -> tuple[list[Binding], Env]:
        found = env.facts.bindings_before(name, env.order, env.blocks)
        if found or env.facts is self.module_facts:
            return found, env
        module_env = Env(self.module_facts, 1 << 30)
        return self.module_facts.bindings.get(name, []), module_env

    def _name_is_safe(self, name: str, env: Env, depth: int) -> bool:
        if name in {"True", "False", "None"} or CONSTANT_NAME.match(name) or SQL_FRAGMENT_NAME.search(name):
            return True
        if name in env.guarded or env.facts.is_validated(name, env.order):
            return True
        bindings, where = self._bindings(name, env)
        if not bindings:
            return False
        for binding in bindings:
            if binding.kind in {"=", "+="} and binding.value is not None:
                if not self.is_safe(binding.value, where, depth + 1):
                    return False
            elif binding.kind in {"append", "extend"}:
                continue
            elif binding.kind == "loop" and binding.value is not None:
                if not self._iterable_is_safe(binding.value, where, depth + 1):
                    return False
            else:
                return False
        return True

    def _iterable_is_safe(self, node: cst.BaseExpression, env: Env, depth: int) -> bool:
        """Every element the iterable can yield is safe."""
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return all(
                not isinstance(e, cst.StarredElement) and self.is_safe(e.value, env, depth + 1)
                for e in node.elements
            )
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self.is_safe(node.elt, self._comprehension_env(node, env, depth), depth + 1)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
            return self._iterable_is_safe(node.left, env, depth) or self._iterable_is_safe(node.right, env, depth)
        if isinstance(node, cst.SimpleString):  # "?" * n, iterating characters of a literal
            return True
        if isinstance(node, cst.Call):
            name = dotted_name(node.func) or ""
            if name in {"range", "enumerate"} and name == "range":
                return True
            if name in {"list", "tuple", "sorted", "set"} and node.args:
                return self._iterable_is_safe(node.args[0].value, env, depth + 1)
            if name.endswith((".keys", ".values", ".items")) and isinstance(node.func, cst.Attribute):
                return self.is_safe(node.func.value, env, depth + 1)
        if isinstance(node, cst.Name):
            if CONSTANT_NAME.match(node.value):
                return True
            bindings, where = self._bindings(node.value, env)
            if not bindings:
                return False
            for binding in bindings:
                if binding.kind in {"=", "+=", "extend"} and binding.value is not None:
                    if not self._iterable_is_safe(binding.value, where, depth + 1):
                        return False
                elif binding.kind == "append" and binding.value is not None:
                    if not self.is_safe(binding.value, where, depth + 1):
                        return False
                else:
                    return False
            return True
        return False

    def _comprehension_env(self, node: cst.BaseExpression, env: Env, depth: int) -> Env:
        """Comprehension targets over safe iterables are safe inside the element."""
        guarded = set(env.guarded)
        for_in = getattr(node, "for_in", None)
        while for_in is not None:
            if self._iterable_is_safe(for_in.iter, env, depth + 1):
                guarded.update(_names_in_target(for_in.target))
            for_in = for_in.inner_for_in
        return Env(env.facts, env.order, frozenset(guarded), env.blocks)

    # ----- safety -------------------------------------------------------------------------
    def is_safe(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> bool:
        """True when ``node`` cannot carry attacker-controlled text into a string."""
        env = env or self.env
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
            return True
        if isinstance(node, cst.ConcatenatedString):
            return self.is_safe(node.left, env, depth + 1) and self.is_safe(node.right, env, depth + 1)
        if isinstance(node, cst.FormattedString):
            return all(
                self._formatted_part_safe(part, env, depth)
                for part in node.parts if isinstance(part, cst.FormattedStringExpression)
            )
        if isinstance(node, cst.Name):
            return self._name_is_safe(node.value, env, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute_is_safe(node, env, depth)
        if isinstance(node, cst.Call):
            return self._call_is_safe(node, env, depth)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, (cst.Add, cst.Modulo)):
                return self.is_safe(node.left, env, depth + 1) and (
                    self.is_safe(node.right, env, depth + 1)
                    or (isinstance(node.operator, cst.Modulo) and self._only_numeric_specs(node.left, env))
                )
            return True  # arithmetic and repetition yield numbers or repeated safe text
        if isinstance(node, (cst.Comparison, cst.UnaryOperation)):
            return True
        if isinstance(node, (cst.BooleanOperation, cst.IfExp)):
            return all(self.is_safe(option, env, depth + 1) for option in self._outcomes(node, env))
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return all(self.is_safe(e.value, env, depth + 1) for e in node.elements)
        if isinstance(node, cst.Dict):
            return all(
                isinstance(e, cst.DictElement) and self.is_safe(e.value, env, depth + 1) for e in node.elements
            )
        if isinstance(node, cst.Subscript):
            return self._constant_collection(node.value, env)
        if isinstance(node, cst.Await):
            return False
        return False

    def _outcomes(self, node: cst.BaseExpression, env: Env) -> list[cst.BaseExpression]:
        """The expressions a conditional can evaluate to, pruned by constant conditions."""
        if isinstance(node, cst.IfExp):
            test = constant_value(node.test, env.facts)
            if test is UNKNOWN:
                return self._outcomes(node.body, env) + self._outcomes(node.orelse, env)
            return self._outcomes(node.body if test else node.orelse, env)
        if isinstance(node, cst.BooleanOperation):
            left = constant_value(node.left, env.facts)
            if isinstance(node.left, cst.BooleanOperation) and left is UNKNOWN:
                options = self._outcomes(node.left, env)
                if len(options) == 1:
                    left = constant_value(options[0], env.facts)
            if left is UNKNOWN:
                return self._outcomes(node.left, env) + self._outcomes(node.right, env)
            take_left = bool(left) if isinstance(node.operator, cst.Or) else not left
            return self._outcomes(node.left, env) if take_left else self._outcomes(node.right, env)
        return [node]

    def _formatted_part_safe(self, part: cst.FormattedStringExpression, env: Env, depth: int) -> bool:
        if part.format_spec:
            spec = "".join(p.value for p in part.format_spec if isinstance(p, cst.FormattedStringText))
            if NUMERIC_SPEC.search(spec):
                return True
        return self.is_safe(part.expression, env, depth + 1)

    def _attribute_is_safe(self, node: cst.Attribute, env: Env, depth: int) -> bool:
        attr = node.attr.value
        if attr in REQUEST_WORDS:
            return False
        if SQL_FRAGMENT_NAME.search(attr):
            return True
        if CONSTANT_NAME.match(attr) or attr in SAFE_ATTRIBUTES:
            return True
        chain = dotted_name(node) or ""
        if "._meta." in f".{chain}.":
            return True
        if isinstance(node.value, cst.Name) and node.value.value in {"self", "cls"} and self.class_facts:
            bindings = self.class_facts.bindings.get(attr)
            if bindings and all(b.kind == "=" and b.value is not None for b in bindings):
                class_env = Env(self.class_facts, 1 << 30)
                return all(self.is_safe(b.value, class_env, depth + 1) for b in bindings if b.value is not None)
        if not chain or any(part in REQUEST_WORDS for part in chain.split(".")):
            return False
        # Object state and configuration (``self.x``, ``connection.features.y``, ``settings.Z``)
        # is set by the program, not the caller; a chain rooted in a parameter or an unsafe local
        # (``user.name``) carries whatever the caller passed.
        root = chain.split(".")[0]
        if root in {"self", "cls"}:
            return True
        bindings, _ = self._bindings(root, env)
        return not bindings or self._name_is_safe(root, env, depth + 1)

    def _call_is_safe(self, node: cst.Call, env: Env, depth: int) -> bool:
        name, last = call_name(node)
        if name in SAFE_CALLS or last in {"uuid4", "uuid1", "isoformat", "timestamp", "count"}:
            return True
        if any(word in last.lower() for word in SAFE_CALL_WORDS):
            return True
        if isinstance(node.func, cst.Name):  # qn = connection.ops.quote_name; qn(table)
            bindings, _ = self._bindings(node.func.value, env)
            if bindings and all(
                b.kind == "=" and b.value is not None
                and any(w in (dotted_name(b.value) or "").split(".")[-1].lower() for w in SAFE_CALL_WORDS)
                for b in bindings
            ):
                return True
        if last in {"min", "max"}:
            return all(self.is_safe(a.value, env, depth + 1) for a in node.args)
        if name in TRANSPARENT_CALLS or last in TRANSPARENT_CALLS:
            return all(self.is_safe(a.value, env, depth + 1) for a in node.args)
        if isinstance(node.func, cst.Attribute):
            receiver = node.func.value
            if last == "replace":
                return self.is_safe(receiver, env, depth + 1) and all(
                    self.is_safe(a.value, env, depth + 1) for a in node.args
                )
            if last in STRING_METHODS:
                return self.is_safe(receiver, env, depth + 1)
            if last == "join":
                return self.is_safe(receiver, env, depth + 1) and bool(node.args) and self._iterable_is_safe(
                    node.args[0].value, env, depth + 1
                )
            if last == "format":
                return self.is_safe(receiver, env, depth + 1) and all(
                    self.is_safe(a.value, env, depth + 1) for a in node.args
                )
            if last == "get" and self._constant_collection(receiver, env):
                return True
        return False

    def _constant_collection(self, node: cst.BaseExpression, env: Env) -> bool:
        """A literal dict/list/tuple, or a name bound only to one: lookups in it are safe."""
        if isinstance(node, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
            return self.is_safe(node, env)
        if isinstance(node, cst.Name):
            if CONSTANT_NAME.match(node.value):
                return True
            bindings, where = self._bindings(node.value, env)
            return bool(bindings) and all(
                b.kind == "=" and isinstance(b.value, (cst.Dict, cst.List, cst.Tuple, cst.Set))
                and self.is_safe(b.value, where) for b in bindings
            )
        if isinstance(node, cst.Attribute):
            return CONSTANT_NAME.match(node.attr.value) is not None and node.attr.value not in REQUEST_WORDS
        return False

    def _only_numeric_specs(self, node: cst.BaseExpression, env: Env) -> bool:
        text = self.literal_fragments(node, env)
        specs = PERCENT_SPEC.findall(text)
        return bool(specs) and all(spec in "diouxXeEfFgGc%" for spec in specs)

    # ----- text ---------------------------------------------------------------------------
    def literal_fragments(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> str:
        """The literal text that goes into the string (holes as ``{}``), following names."""
        env = env or self.env
        if depth > MAX_DEPTH:
            return ""
        text = literal_text(node)
        if text is not None:
            return text
        if isinstance(node, cst.FormattedString):
            return "".join(
                p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts
            )
        if isinstance(node, cst.ConcatenatedString):
            return self.literal_fragments(node.left, env, depth + 1) + self.literal_fragments(node.right, env, depth + 1)
        if isinstance(node, cst.BinaryOperation):
            return self.literal_fragments(node.left, env, depth + 1) + " " + self.literal_fragments(node.right, env, depth + 1)
        if isinstance(node, cst.IfExp):
            return self.literal_fragments(node.body, env, depth + 1) + " " + self.literal_fragments(node.orelse, env, depth + 1)
        if isinstance(node, cst.Call):
            name, last = call_name(node)
            if isinstance(node.func, cst.Attribute) and last in STRING_METHODS | {"format", "join"}:
                parts = [self.literal_fragments(node.func.value, env, depth + 1)]
                if last == "join" and node.args and isinstance(node.args[0].value, cst.Name):
                    parts += self._list_fragments(node.args[0].value, env, depth)
                elif last == "join" and node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
                    parts += [self.literal_fragments(e.value, env, depth + 1) for e in node.args[0].value.elements]
                return " ".join(parts)
            if (name in TRANSPARENT_CALLS or last in TRANSPARENT_CALLS) and node.args:
                return self.literal_fragments(node.args[0].value, env, depth + 1)
            helper = self._helper(node, env)
            if helper is not None:
                function, helper_env = helper
                return " ".join(self.literal_fragments(r, helper_env, depth + 1) for r in _returns(function))
        if isinstance(node, cst.Name):
            bindings, where = self._bindings(node.value, env)
            return " ".join(
                self.literal_fragments(b.value, where, depth + 1)
                for b in bindings if b.value is not None and b.kind in {"=", "+=", "append"}
            )
        return ""

    def _list_fragments(self, node: cst.Name, env: Env, depth: int) -> list[str]:
        bindings, where = self._bindings(node.value, env)
        parts = []
        for b in bindings:
            if b.value is None:
                continue
            if isinstance(b.value, (cst.List, cst.Tuple)) and b.kind in {"=", "extend", "+="}:
                parts += [self.literal_fragments(e.value, where, depth + 1) for e in b.value.elements]
            else:
                parts.append(self.literal_fragments(b.value, where, depth + 1))
        return parts

    # ----- builds -------------------------------------------------------------------------
    def unsafe_build(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> StringBuild | None:
        """Where ``node`` (a string) gets an unsafe value joined in, or None if it never does."""
        env = env or self.env
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression) and not self._formatted_part_safe(part, env, depth):
                    return StringBuild("an f-string", node, part.expression)
            return None
        if isinstance(node, cst.ConcatenatedString):
            return self.unsafe_build(node.left, env, depth + 1) or self.unsafe_build(node.right, env, depth + 1)
        if isinstance(node, cst.BinaryOperation):
            return self._binary_build(node, env, depth)
        if isinstance(node, (cst.IfExp, cst.BooleanOperation)):
            for option in self._outcomes(node, env):
                inner = self.unsafe_build(option, env, depth + 1)
                if inner:
                    return inner
            return None
        if isinstance(node, cst.Call):
            return self._call_build(node, env, depth)
        if isinstance(node, cst.Name):
            return self._name_build(node, env, depth)
        return None

    def _stringish(self, node: cst.BaseExpression, env: Env) -> bool:
        return bool(self.literal_fragments(node, env).strip()) or isinstance(
            node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)
        )

    def _binary_build(self, node: cst.BinaryOperation, env: Env, depth: int) -> StringBuild | None:
        if isinstance(node.operator, cst.Add):
            inner = self.unsafe_build(node.left, env, depth + 1) or self.unsafe_build(node.right, env, depth + 1)
            if inner:
                return inner
            if not (self._stringish(node.left, env) or self._stringish(node.right, env)):
                return None
            for side in (node.left, node.right):
                if not self.is_safe(side, env, depth + 1):
                    return StringBuild("string concatenation", node, side)
            return None
        if isinstance(node.operator, cst.Modulo):
            if not self._stringish(node.left, env):
                return None
            inner = self.unsafe_build(node.left, env, depth + 1)
            if inner:
                return inner
            if self._only_numeric_specs(node.left, env):
                return None
            values = node.right
            items: list[cst.BaseExpression]
            if isinstance(values, cst.Tuple):
                items = [e.value for e in values.elements]
            elif isinstance(values, cst.Dict):
                items = [e.value for e in values.elements if isinstance(e, cst.DictElement)]
            else:
                items = [values]
            for item in items:
                if not self.is_safe(item, env, depth + 1):
                    return StringBuild("%-formatting", node, item)
        return None

    def _call_build(self, node: cst.Call, env: Env, depth: int) -> StringBuild | None:
        name, last = call_name(node)
        if isinstance(node.func, cst.Attribute):
            receiver = node.func.value
            if last in {"format", "join"} and _is_sql_composable(receiver):
                # psycopg's sql.SQL(...).format(sql.Identifier(...)) quotes what it inserts.
                return self.unsafe_build(receiver, env, depth + 1)
            if last == "format" and self._stringish(receiver, env):
                inner = self.unsafe_build(receiver, env, depth + 1)
                if inner:
                    return inner
                for arg in node.args:
                    if not self.is_safe(arg.value, env, depth + 1):
                        return StringBuild("str.format()", node, arg.value)
                return None
            if last == "join" and node.args and self._stringish(receiver, env):
                iterable = node.args[0].value
                inner = self._elements_build(iterable, env, depth)
                if inner:
                    return inner
                if not self._iterable_is_safe(iterable, env, depth + 1):
                    return StringBuild("str.join()", node, iterable)
                return None
            if last == "replace" and len(node.args) >= 2:  # "... '[VALUE]'".replace("[VALUE]", x)
                inner = self.unsafe_build(receiver, env, depth + 1)
                if inner:
                    return inner
                if self._stringish(receiver, env) and not self.is_safe(node.args[1].value, env, depth + 1):
                    return StringBuild("str.replace()", node, node.args[1].value)
                return None
            if last in STRING_METHODS:
                return self.unsafe_build(receiver, env, depth + 1)
        if (name in TRANSPARENT_CALLS or last in TRANSPARENT_CALLS) and node.args:
            return self.unsafe_build(node.args[0].value, env, depth + 1)
        helper = self._helper(node, env)
        if helper is not None and depth < 3:
            function, helper_env = helper
            for value in _returns(function):
                inner = self.unsafe_build(value, helper_env, depth + 1)
                if inner:
                    return StringBuild(inner.how, inner.node, inner.culprit, helper=function.name.value)
        return None

    def _elements_build(self, iterable: cst.BaseExpression, env: Env, depth: int) -> StringBuild | None:
        """A build inside one of the pieces being joined (a list literal or a list grown by append)."""
        if isinstance(iterable, (cst.List, cst.Tuple)):
            for element in iterable.elements:
                inner = self.unsafe_build(element.value, env, depth + 1)
                if inner:
                    return inner
        if isinstance(iterable, cst.Name):
            bindings, where = self._bindings(iterable.value, env)
            for b in bindings:
                if b.value is None:
                    continue
                if b.kind == "append":
                    inner = self.unsafe_build(b.value, where, depth + 1)
                else:
                    inner = self._elements_build(b.value, where, depth + 1)
                if inner:
                    return inner
        return None

    def _name_build(self, node: cst.Name, env: Env, depth: int) -> StringBuild | None:
        if node.value in env.guarded or env.facts.is_validated(node.value, env.order):
            return None
        bindings, where = self._bindings(node.value, env)
        for binding in bindings:
            if binding.value is None:
                continue
            if binding.kind == "=":
                inner = self.unsafe_build(binding.value, where, depth + 1)
                if inner:
                    return inner
            elif binding.kind == "+=":
                if not self._accumulates_text(node.value, binding, bindings, where):
                    continue  # stmt += lambda s: ... (SQLAlchemy lambdas), counters, lists
                inner = self.unsafe_build(binding.value, where, depth + 1)
                if inner:
                    return inner
                if not self.is_safe(binding.value, where, depth + 1):
                    return StringBuild("+= concatenation", binding.node, binding.value)
        return None

    def _accumulates_text(self, name: str, binding: Binding, bindings: list[Binding], env: Env) -> bool:
        """``name += value`` grows a string: the value or an earlier assignment is text."""
        if isinstance(binding.value, cst.Lambda):
            return False
        if binding.value is not None and self._stringish(binding.value, env):
            return True
        return any(
            b.kind == "=" and b.value is not None and b.order <= binding.order and self._stringish(b.value, env)
            for b in bindings
        )

    def _helper(self, node: cst.Call, env: Env) -> tuple[cst.FunctionDef, Env] | None:
        """A function of this module (or method of the enclosing class) that the call invokes."""
        function: cst.FunctionDef | None = None
        if isinstance(node.func, cst.Name):
            function = env.facts.functions.get(node.func.value) or self.module_facts.functions.get(node.func.value)
        elif (
            isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
            and node.func.value.value in {"self", "cls"} and self.class_facts is not None
        ):
            function = self.class_facts.functions.get(node.func.attr.value)
        if function is None:
            return None
        facts = self.context.scope_facts(function)
        return function, Env(facts, 1 << 30)


def _is_sql_composable(node: cst.BaseExpression) -> bool:
    """``sql.SQL("...")`` (psycopg 2/3): its format/join compose quoted parts."""
    return isinstance(node, cst.Call) and (dotted_name(node.func) or "").split(".")[-1] == "SQL"


def call_name(node: cst.Call) -> tuple[str, str]:
    """(dotted name of the callee or "", its last part) -- ``"x".join`` gives ("", "join")."""
    name = dotted_name(node.func) or ""
    if isinstance(node.func, cst.Attribute):
        return name, node.func.attr.value
    return name, name.split(".")[-1]


def _names_in_target(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names_in_target(e.value)]
    return []


class _ReturnCollector(Visitor):
    def __init__(self, root: cst.CSTNode) -> None:
        self.root = root
        self.values: list[cst.BaseExpression] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if node is not self.root and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, cst.Return) and node.value is not None:
            self.values.append(node.value)
        return True


def _returns(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    collector = _ReturnCollector(function)
    collector.walk(function)
    return collector.values
