"""The vocabulary of string building: what a piece of a string is, where a value is looked up.

Shared by :mod:`backend_rules.analysis.string_building` (is a string built from unsafe values?),
its mixins for collections and builds, and :mod:`backend_rules.analysis.value_origin`: the names,
calls and types a reviewer accepts as safe, and small syntax helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from backend_rules.analysis.dataflow import ScopeFacts, target_path
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import Visitor

MAX_DEPTH = 8
CONSTANT_NAME = re.compile(r"^_*[A-Z][A-Z0-9_]*$")
NUMERIC_SPEC = re.compile(r"[dfFeEgGxXobn%]$")
PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?([a-zA-Z%])")
SAFE_CALLS = {
    "int", "float", "bool", "len", "abs", "round", "ord", "hex", "oct", "bin", "id", "hash", "range",
    "Decimal", "uuid4", "uuid1", "count", "sum", "math.floor", "math.ceil", "time.time", "time.monotonic",
    "time.perf_counter", "time.time_ns", "random.random", "random.randint", "secrets.randbelow",
}
SAFE_CALL_WORDS = ("quote", "escape", "identifier", "placeholder", "literal", "sanitize", "sanitise", "slugify")
# Calls whose result is safe when every argument is: they reshape text, they add none of the caller's.
TRANSPARENT_CALLS = {
    "str", "SQL", "dedent", "cleandoc", "textwrap.dedent", "inspect.cleandoc", "dumps", "json.dumps", "repr",
    "format", "force_str", "smart_str", "force_text", "list", "tuple", "sorted", "reversed",
}
STRING_METHODS = {"strip", "lstrip", "rstrip", "lower", "upper", "title", "casefold", "replace", "expandtabs"}
SAFE_ATTRIBUTES = {"db_table", "__tablename__", "pk", "id"}
# Names that hold SQL text already composed elsewhere (``inner_sql``, ``lhs_sql``): joining them is
# composition, not interpolation; whatever built them is checked where it was built.
SQL_FRAGMENT_NAME = re.compile(r"(?i)(^|_)sqls?($|_)")
# Attribute chains through these read request data (``request.args``, ``self.request.GET``...).
REQUEST_WORDS = {
    "request", "req", "args", "form", "json", "GET", "POST", "query_params", "params", "cookies",
    "headers", "body", "files", "kwargs", "cleaned_data", "validated_data", "path_params", "environ",
    "argv", "data", "stdin", "payload", "input", "META", "COOKIES", "FILES", "match_info", "query_string",
}
# Imported names that are themselves request data, not constants of another module.
REQUEST_OBJECTS = {"request", "req", "g", "session", "environ", "argv", "stdin"}
# Declared parameter types whose values are never SQL text (enums by their usual names).
SAFE_TYPES = {"int", "float", "bool", "UUID", "datetime", "date", "time", "timedelta", "Decimal", "ZoneInfo",
              "IPv4Address", "IPv6Address", "PositiveInt", "NonNegativeInt", "conint"}
ENUM_LIKE = re.compile(r"[a-z](Enum|Type|Kind|Status|State|Mode|Level|Choices)$")
TYPED_COLLECTIONS = {"Sequence", "list", "List", "tuple", "Tuple", "set", "Set", "frozenset", "FrozenSet",
                     "Iterable", "Collection", "AbstractSet", "MutableSequence"}
# Getters that read data from elsewhere (a request, a database, a file), not an object's own state.
FETCHING_GETTERS = {"get_json", "get_data", "get_full_path", "get_host", "get_raw_uri", "get_content", "get_result",
                    "get_value", "get_body", "get_query_argument", "get_argument", "get_cookie", "get_secure_cookie"}
# Methods that return SQL the ORM compiled itself, with its parameters: ``(sql, params)``.
ORM_COMPILING = {"sql_with_params", "as_sql"}
# A character class that keeps only these (``[^a-zA-Z0-9_.]``) leaves no quote, space or operator.
ALLOW_LIST_CLASS = re.compile(r"^\[\^((?:a-z|A-Z|0-9|\\w|\\d|[_.`$])+)\][+*]?$|^\\W[+*]?$")


@dataclass(frozen=True)
class StringBuild:
    """An unsafe piece ``culprit`` was joined into a string by ``how`` at ``node``."""

    how: str
    node: cst.CSTNode
    culprit: cst.CSTNode
    helper: str | None = None
    env: Env | None = None  # where the culprit's names are read (a helper's scope, an earlier statement)


@dataclass(frozen=True)
class Env:
    """Where names are looked up: a scope, the statement order we are at, extra validated names,
    and the enclosing function's scope (for closures)."""

    facts: ScopeFacts
    order: int
    guarded: frozenset[str] = frozenset()
    blocks: tuple[int, ...] | None = None  # blocks holding the point of view (for kills)
    parent: Env | None = None
    call: tuple[cst.Call, Env] | None = None  # a helper's scope seen from one call: its arguments

    @property
    def key(self) -> tuple:
        """What a cached answer about a name depends on."""
        return id(self.facts), self.order, self.blocks, self.guarded, id(self.call[0]) if self.call else None


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


def is_allow_list_pattern(text: str | None) -> bool:
    """``[^a-zA-Z0-9_.]`` / ``\\W+``: what a substitution with it leaves is an identifier."""
    return text is not None and ALLOW_LIST_CLASS.match(text) is not None


def argument_for(call: cst.Call, name: str, position: int | None) -> cst.BaseExpression | None:
    """The argument a call passes for parameter ``name`` (at ``position`` among positionals)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    positional = [a for a in call.args if a.keyword is None]
    if position is not None and position < len(positional) and not any(a.star for a in positional[: position + 1]):
        return positional[position].value
    return None


def typed_safe(annotation: cst.BaseExpression | None, elements: bool = False) -> bool:
    """A parameter declared as a number, UUID, date, zone or enum cannot carry SQL text
    (``elements``: the items of a declared collection, ``Sequence[UUID]``)."""
    if annotation is None:
        return False
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):  # X | None
        return all(
            typed_safe(side, elements) or dotted_name(side) == "None" for side in (annotation.left, annotation.right)
        )
    if isinstance(annotation, cst.Subscript):
        base = (dotted_name(annotation.value) or "").split(".")[-1]
        args = [e.slice.value for e in annotation.slice if isinstance(e.slice, cst.Index)]
        if base in {"Optional", "Union"}:
            return bool(args) and all(typed_safe(a, elements) or dotted_name(a) == "None" for a in args)
        if base == "Annotated":
            return bool(args) and typed_safe(args[0], elements)
        if elements and base in TYPED_COLLECTIONS:
            return bool(args) and all(typed_safe(a) or isinstance(a, cst.Ellipsis) for a in args)
        return False
    if elements:
        return False
    name = (dotted_name(annotation) or "").split(".")[-1]
    return name in SAFE_TYPES or ENUM_LIKE.search(name) is not None


def orm_compiled(call: cst.Call) -> bool:
    """``qs.query.sql_with_params()``, ``where.as_sql(compiler, connection)``,
    ``compiler.compile(node)``: SQL the ORM wrote, returned with its parameters."""
    if not isinstance(call.func, cst.Attribute):
        return False
    last = call.func.attr.value
    if last in ORM_COMPILING:
        return True
    receiver = dotted_name(call.func.value) or ""
    return last == "compile" and receiver.split(".")[-1] in {"compiler", "self", "qn"}


def model_metadata(node: cst.BaseExpression) -> bool:
    """``Model._meta.fields``, ``model._meta.get_fields()``, ``Table.__table__.columns``."""
    target = node.func if isinstance(node, cst.Call) else node
    chain = dotted_name(target) or ""
    return "._meta." in f".{chain}" or ".__table__." in f".{chain}"


def is_mapping_literal(node: cst.BaseExpression | None) -> bool:
    return isinstance(node, (cst.Dict, cst.DictComp)) or (
        isinstance(node, cst.Call) and call_name(node)[0] == "dict"
    )


def loop_path(name: str, loop: cst.CSTNode) -> tuple[int, ...] | None:
    target = getattr(loop, "target", None)
    return target_path(name, target) if target is not None else None


def part_of(value: cst.BaseExpression, path: tuple[int, ...]) -> cst.BaseExpression | None:
    for index in path:
        if not isinstance(value, (cst.Tuple, cst.List)) or index >= len(value.elements):
            return None
        value = value.elements[index].value
    return value


def is_sql_composable(node: cst.BaseExpression) -> bool:
    """``sql.SQL("...")`` (psycopg 2/3): its format/join compose quoted parts."""
    return isinstance(node, cst.Call) and (dotted_name(node.func) or "").split(".")[-1] == "SQL"


def call_name(node: cst.Call) -> tuple[str, str]:
    """(dotted name of the callee or "", its last part) -- ``"x".join`` gives ("", "join")."""
    name = dotted_name(node.func) or ""
    if isinstance(node.func, cst.Attribute):
        return name, node.func.attr.value
    return name, name.split(".")[-1]


def names_in_target(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in names_in_target(e.value)]
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


_RETURNS: dict[int, tuple[cst.FunctionDef, list[cst.BaseExpression]]] = {}


def returned_values(function: cst.FunctionDef) -> list[cst.BaseExpression]:
    """The values a function returns (its own ``return`` statements, not nested functions')."""
    cached = _RETURNS.get(id(function))
    if cached is not None and cached[0] is function:
        return cached[1]
    collector = _ReturnCollector(function)
    collector.walk(function)
    if len(_RETURNS) > 4096:
        _RETURNS.clear()
    _RETURNS[id(function)] = (function, collector.values)
    return collector.values


def iter_parts(node: cst.BaseExpression) -> Iterator[cst.BaseExpression]:
    """The direct sub-expressions that a value is computed from (for origin tracing)."""
    if isinstance(node, cst.FormattedString):
        for part in node.parts:
            if isinstance(part, cst.FormattedStringExpression):
                yield part.expression
    elif isinstance(node, cst.ConcatenatedString):
        yield node.left
        yield node.right
    elif isinstance(node, cst.BinaryOperation):
        yield node.left
        yield node.right
    elif isinstance(node, (cst.BooleanOperation,)):
        yield node.left
        yield node.right
    elif isinstance(node, cst.IfExp):
        yield node.body
        yield node.orelse
    elif isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        for element in node.elements:
            yield element.value
    elif isinstance(node, cst.Dict):
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                yield element.key
            yield element.value
    elif isinstance(node, (cst.UnaryOperation, cst.Await)):
        yield node.expression
