"""What a name holds where it is read, and what a setting read from the environment defaults to.

Configuration flags rarely sit in the call that uses them: ``VERIFY_SSL = False`` at the top of a
module, ``opts = {...}`` two lines before ``jwt.decode(token, options=opts)``, a parameter that
defaults to off, ``DEBUG = env.bool("DEBUG", default=True)``. Rules follow such a name to the one
expression it was bound to (a single reaching local assignment, else a single module-level
assignment) and read environment look-ups as their default: the value when nobody sets the variable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import UNKNOWN, constant_value, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import find

# The rule's FileContext (module, imports, scope_facts); analysis does not import the rule layer.
FileContext = Any


@dataclass(frozen=True)
class Bound:
    """The expression a name was bound to; ``where`` is "local", "module" or "default" (a
    parameter's default value)."""

    value: cst.BaseExpression
    where: str


def bound_value(name: cst.Name, stack: list[cst.CSTNode], context: FileContext) -> Bound | None:
    """The one expression ``name`` holds at the statement on ``stack``, or None when it has
    several (branches, loops, reassignment) or none that can be seen (imports, unpacking)."""
    scope = enclosing_scope(stack) if stack else context.module
    if scope is not context.module:
        facts = context.scope_facts(scope)
        if name.value in facts.bindings:
            reaching = facts.bindings_before(name.value, facts.order_of(stack), facts.blocks_of(stack))
            if len(reaching) != 1:
                return None
            binding = reaching[0]
            if binding.kind == "param" and isinstance(binding.node, cst.Param) and binding.node.default is not None:
                return Bound(binding.node.default, "default")
            if binding.kind == "=" and binding.value is not None:
                return Bound(binding.value, "local")
            return None
    module_facts = context.scope_facts(context.module)
    bindings = module_facts.bindings.get(name.value, [])
    if name.value in context.imports.names or len(bindings) != 1:
        return None
    binding = bindings[0]
    if binding.kind == "=" and binding.value is not None:
        return Bound(binding.value, "module" if scope is not context.module else "local")
    return None


def follow(
    expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext, depth: int = 4
) -> tuple[cst.BaseExpression, str]:
    """``expr`` with names followed to what they were bound to, and how: "here" when ``expr``
    is not a name, else the ``where`` of the last step ("local", "module", "default")."""
    where = "here"
    while isinstance(expr, cst.Name) and expr.value not in {"True", "False", "None"} and depth > 0:
        bound = bound_value(expr, stack, context)
        if bound is None:
            break
        expr, where = bound.value, bound.where
        if bound.where == "module":
            stack = [context.module]  # a module constant's own names are module names
        depth -= 1
    return expr, where


def literal(expr: cst.BaseExpression) -> object:
    """A literal's value (``True``, ``"CERT_NONE"``, ``0``...) or :data:`UNKNOWN`."""
    return constant_value(expr)


# -------------------------------------------------------------------------- environment defaults
ENV_GETTERS = {"os.environ.get", "os.getenv", "environ.get", "getenv", "os.environ.setdefault"}
# env.bool("X", default=True), config("X", default=True, cast=bool), envbool("X", "True")...
CASTING_GETTERS = {
    "bool", "int", "str", "getenv", "env", "config", "envbool", "env_bool", "get_bool", "getbool",
    "bool_env", "get_env", "get_env_bool", "strtobool", "str2bool", "to_bool", "as_bool", "parse_bool",
    "getboolean", "read_env", "from_env", "get_setting", "setting",
}
TRUE_WORDS = {"1", "true", "yes", "on", "y", "t"}
FALSE_WORDS = {"0", "false", "no", "off", "n", "f", ""}


def _truth_of_text(value: object) -> object:
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return UNKNOWN
    return value


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def is_environment_read(call: cst.Call) -> bool:
    """``os.environ.get(...)``, ``env.bool(...)``, ``config("X", ...)``: a setting from outside."""
    name = dotted_name(call.func) or ""
    if name in ENV_GETTERS:
        return True
    last = name.split(".")[-1]
    first = call.args[0].value if call.args else None
    names_a_variable = isinstance(first, (cst.SimpleString, cst.ConcatenatedString))
    return names_a_variable and (last in CASTING_GETTERS or name.split(".")[0] in {"env", "environ", "config"})


def default_when_unset(expr: cst.BaseExpression, depth: int = 0) -> object:
    """The value of ``expr`` when no environment variable is set: environment reads are replaced
    by their default, strings are read as booleans ("True", "0"), casts and comparisons applied.
    UNKNOWN when it depends on anything else."""
    if depth > 6:
        return UNKNOWN
    value = constant_value(expr)
    if value is not UNKNOWN:
        return value
    if isinstance(expr, cst.Call):
        name = dotted_name(expr.func) or ""
        last = expr.func.attr.value if isinstance(expr.func, cst.Attribute) else name
        if last in {"bool", "strtobool", "str2bool", "to_bool", "as_bool", "parse_bool", "int"} and len(expr.args) == 1:
            inner = default_when_unset(expr.args[0].value, depth + 1)
            return UNKNOWN if inner is UNKNOWN else _truth_of_text(inner)
        if isinstance(expr.func, cst.Attribute) and last in {"lower", "strip", "upper", "casefold"}:
            inner = default_when_unset(expr.func.value, depth + 1)
            return getattr(inner, last)() if isinstance(inner, str) else UNKNOWN
        if is_environment_read(expr):
            default = _keyword(expr, "default")
            if default is None:
                positional = [a.value for a in expr.args if a.keyword is None and not a.star]
                default = positional[1] if len(positional) > 1 else None
            if default is None:
                return None if name in ENV_GETTERS else UNKNOWN
            return constant_value(default)
        return UNKNOWN
    if isinstance(expr, cst.Comparison) and len(expr.comparisons) == 1:
        left = default_when_unset(expr.left, depth + 1)
        target = expr.comparisons[0]
        right = constant_value(target.comparator)
        if isinstance(target.comparator, (cst.Tuple, cst.List, cst.Set)):
            right = [constant_value(e.value) for e in target.comparator.elements]
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        if isinstance(target.operator, cst.Equal):
            return left == right
        if isinstance(target.operator, cst.NotEqual):
            return left != right
        if isinstance(target.operator, cst.In) and isinstance(right, (list, str)):
            return left in right
        if isinstance(target.operator, cst.NotIn) and isinstance(right, (list, str)):
            return left not in right
        return UNKNOWN
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Not):
        inner = _truth_of_text(default_when_unset(expr.expression, depth + 1))
        return UNKNOWN if inner is UNKNOWN else not inner
    return UNKNOWN


def truth_when_unset(expr: cst.BaseExpression) -> object:
    """True/False for what ``expr`` amounts to by default (see :func:`default_when_unset`)."""
    value = _truth_of_text(default_when_unset(expr))
    return UNKNOWN if value is UNKNOWN else bool(value)


def flag_value(expr: cst.BaseExpression, stack: list[cst.CSTNode], context: FileContext) -> tuple[object, str]:
    """The literal a flag holds (followed through locals and constants) and where it came from;
    an environment read counts by its default, with ``where`` "environment"."""
    resolved, where = follow(expr, stack, context)
    value = literal(resolved)
    if value is UNKNOWN and isinstance(resolved, (cst.Call, cst.Comparison, cst.UnaryOperation)):
        reads = find(resolved, lambda n: isinstance(n, cst.Call) and is_environment_read(n)) is not None
        by_default = truth_when_unset(resolved) if reads else UNKNOWN
        if by_default is not UNKNOWN:
            return by_default, "environment"
    return value, where
