"""Which claims a token payload holds, read where the payload is built.

A payload is usually a dict literal a few lines above ``jwt.encode``, filled further by
``payload["exp"] = ...``; sometimes a helper of the same module builds it
(``def make_claims(user): return {...}``) or receives it (``def create_token(data):
to_encode = data.copy()``) from callers that write the dict. Anything that may add keys out of
sight (``**claims``, ``payload.update(...)``, handing the dict to another function) makes the
claims unknown, and unknown is never reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from backend_rules.analysis.bound_values import follow, literal
from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import NESTED_SCOPES, walk
from backend_rules.rules.jwt.jwt_calls import argument, subscript_stores

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.context import FileContext

MUTATORS = {"update", "setdefault", "__setitem__", "pop", "clear", "__ior__"}
COPIES = {"copy", "deepcopy", "dict"}
Stack = list[cst.CSTNode]


def payload_keys(payload: cst.BaseExpression, stack: Stack, context: FileContext, encode: cst.Call | None) -> set[str] | None:
    """The claim names of a payload built as a dict here, in a local or a module constant; None
    when a key cannot be read or the dict may be changed before ``encode`` (update, passed on)."""
    name = payload.value if isinstance(payload, cst.Name) else None
    value, where = follow(payload, stack, context)
    if where == "default":
        return None
    keys = _literal_keys(value, context)
    if keys is None or name is None:
        return keys
    scope = context.module if where == "module" else enclosing_scope(stack)
    keys |= set(subscript_stores(scope, name, stack))
    return None if _changed_elsewhere(scope, name, encode) else keys


def _literal_keys(value: cst.BaseExpression, context: FileContext) -> set[str] | None:
    if isinstance(value, cst.Call) and dotted_name(value.func) == "dict":
        if any(a.keyword is None for a in value.args):
            return None
        return {a.keyword.value for a in value.args if a.keyword is not None}
    if not isinstance(value, cst.Dict):
        return None
    keys: set[str] = set()
    for element in value.elements:
        if not isinstance(element, cst.DictElement):
            return None  # **spread
        key = follow(element.key, [context.module], context)[0] if isinstance(element.key, cst.Name) else element.key
        key = literal(key)
        if not isinstance(key, str):
            return None
        keys.add(key)
    return keys


def _changed_elsewhere(scope: cst.CSTNode, name: str, encode: cst.Call | None) -> bool:
    """``name`` is updated through a method, augmented, or handed to another call than ``encode``."""
    changed = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal changed
        if changed or node is encode:
            return False
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == name:
                changed = changed or func.attr.value in MUTATORS
            if any(isinstance(a.value, cst.Name) and a.value.value == name for a in node.args):
                changed = changed or (dotted_name(node.func) or "").split(".")[-1] not in {"print", "debug", "info"}
        if isinstance(node, cst.AugAssign) and isinstance(node.target, cst.Name) and node.target.value == name:
            changed = True
        return not changed

    walk(scope, enter)
    return changed


def _copied_parameter(value: cst.BaseExpression, params: set[str]) -> tuple[str, set[str]] | None:
    """``data.copy()``, ``dict(data)``, ``copy.deepcopy(data)``, ``{**data, "iat": now}`` of a
    parameter: (the parameter, the literal keys added on the way)."""
    if isinstance(value, cst.Name) and value.value in params:
        return value.value, set()
    if isinstance(value, cst.Call):
        func = value.func
        if isinstance(func, cst.Attribute) and func.attr.value == "copy" and not value.args:
            return _copied_parameter(func.value, params)
        if (dotted_name(func) or "").split(".")[-1] in COPIES and len(value.args) == 1 and not value.args[0].keyword:
            return _copied_parameter(value.args[0].value, params)
    if isinstance(value, cst.Dict):
        spreads = [e for e in value.elements if isinstance(e, cst.StarredDictElement)]
        if len(spreads) != 1 or not (isinstance(spreads[0].value, cst.Name) and spreads[0].value.value in params):
            return None
        added = {literal(e.key) for e in value.elements if isinstance(e, cst.DictElement)}
        if not all(isinstance(k, str) for k in added):
            return None
        return spreads[0].value.value, {str(k) for k in added}
    return None


def parameter_behind(
    payload: cst.BaseExpression, stack: Stack, context: FileContext, encode: cst.Call
) -> tuple[str, set[str]] | None:
    """The parameter of the enclosing function the payload is (a copy of), and the keys the
    function adds itself; None when the function changes it out of sight."""
    function = enclosing_scope(stack)
    if not isinstance(function, cst.FunctionDef):
        return None
    facts = context.scope_facts(function)
    params = {name for name in facts.params if [b.kind for b in facts.bindings.get(name, ())] == ["param"]}
    if isinstance(payload, cst.Name) and payload.value not in params:
        value, where = follow(payload, stack, context)
        if where != "local" or _changed_elsewhere(function, payload.value, encode):
            return None
        found = _copied_parameter(value, params)
        if found is None:
            return None
        return found[0], found[1] | set(subscript_stores(function, payload.value, stack))
    return _copied_parameter(payload, params)


def callers_passing(parameter: str, stack: Stack, context: FileContext) -> list[tuple[Stack, cst.BaseExpression]]:
    """What callers in this module pass for ``parameter`` of the enclosing function (called by
    name, or as ``self.``/``cls.`` method)."""
    function = enclosing_scope(stack)
    if not isinstance(function, cst.FunctionDef):
        return []
    params = [p.name.value for p in function.params.params]
    if parameter not in params:
        return []
    index, name = params.index(parameter), function.name.value
    found: list[tuple[Stack, cst.BaseExpression]] = []
    ancestors: Stack = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Call):
            called = dotted_name(node.func) or ""
            bound = called.startswith(("self.", "cls.")) and params[:1] in (["self"], ["cls"])
            if called.split(".")[-1] == name and (called == name or bound):
                value = argument(node, index - (1 if bound else 0), parameter)
                if value is not None:
                    found.append((list(ancestors), value))
        ancestors.append(node)
        return True

    walk(context.module, enter, lambda node: ancestors.pop())
    return found


def returned_values(call: cst.Call, context: FileContext) -> list[tuple[Stack, cst.BaseExpression]]:
    """The values a function of this module returns, when ``call`` calls it by name."""
    if not isinstance(call.func, cst.Name):
        return []
    function = context.scope_facts(context.module).functions.get(call.func.value)
    if function is None:
        return []
    found: list[tuple[Stack, cst.BaseExpression]] = []
    ancestors: Stack = [context.module]

    def enter(node: cst.CSTNode) -> bool:
        if node is not function and isinstance(node, NESTED_SCOPES):
            return False
        if isinstance(node, cst.Return) and node.value is not None:
            found.append((list(ancestors), node.value))
        ancestors.append(node)
        return True

    walk(function, enter, lambda node: ancestors.pop())
    return found
