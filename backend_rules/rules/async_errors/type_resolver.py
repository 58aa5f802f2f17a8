"""The library or project "type" of a receiver, from constructors, annotations, ``with`` and ``self.`` attributes."""

from __future__ import annotations

from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import Visitor
from backend_rules.rules.async_errors.coroutines import module_kinds
from backend_rules.rules.async_errors.file_cache import file_cache
from backend_rules.rules.async_errors.libraries import AWAITED_TYPES, LIBRARY_PREFIXES, METHOD_RESULTS, TYPE_NAMES


def annotation_type(context: Any, annotation: cst.BaseExpression | None) -> str | None:
    if annotation is None:
        return None
    if isinstance(annotation, cst.Subscript):  # Optional[X], Annotated[X, ...]
        head = (context.imports.qualify(annotation.value) or "").split(".")[-1]
        if head in {"Optional", "Annotated"} and annotation.slice:
            first = annotation.slice[0].slice
            if isinstance(first, cst.Index):
                return annotation_type(context, first.value)
        return None
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        left = annotation_type(context, annotation.left)
        return left or annotation_type(context, annotation.right)
    name = context.imports.qualify(annotation)
    if not name:
        return None
    return TYPE_NAMES.get(name) or project_class(context, annotation)


def project_class(context: Any, expr: cst.BaseExpression) -> str | None:
    """``class:Name`` for a class of this module, ``pclass:pkg.mod.Name`` for an imported one."""
    name = dotted_name(expr)
    if name is None:
        return None
    if "." not in name and module_kinds(context).get(name) == "class":
        return f"class:{name}"
    head = name.split(".")[0]
    qualified = context.imports.qualify(expr) or ""
    if head in context.imports.names and not qualified.startswith(LIBRARY_PREFIXES) and qualified[:1].isalpha():
        return f"pclass:{qualified}"
    if head in context.imports.names and qualified.startswith("."):
        return f"pclass:{qualified}"
    return None


class TypeResolver:
    """The few library "types" a receiver can have, from constructors, annotations, ``with``."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def of(self, expr: cst.BaseExpression, stack: list[cst.CSTNode], depth: int = 0) -> str | None:
        if depth > 4:
            return None
        if isinstance(expr, cst.Name):
            return self._of_name(expr.value, stack, depth)
        if isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self":
            cls = enclosing_class(stack)
            return self._of_self_attr(cls, expr.attr.value, depth) if cls is not None else None
        if isinstance(expr, cst.Call):
            return self._of_value(expr, stack, depth, awaited=False)
        return None

    def _of_value(self, value: cst.BaseExpression | None, stack: list[cst.CSTNode], depth: int,
                  awaited: bool, entered: bool = False) -> str | None:
        if depth > 4:
            return None
        if isinstance(value, cst.Await):
            return self._of_value(value.expression, stack, depth, awaited=True)
        if not isinstance(value, cst.Call):
            return None
        qualified = self.context.imports.qualify(value.func) or ""
        if qualified in TYPE_NAMES and TYPE_NAMES[qualified] != "session_factory":
            return TYPE_NAMES[qualified]
        if not awaited and not entered and isinstance(value.func, (cst.Name, cst.Attribute)):
            instance = project_class(self.context, value.func)
            if instance is not None:
                return instance
        if (awaited or entered) and qualified in AWAITED_TYPES:
            return AWAITED_TYPES[qualified]
        if isinstance(value.func, cst.Attribute):
            receiver = self.of(value.func.value, stack, depth + 1)
            if receiver is not None and (awaited or entered):
                return METHOD_RESULTS.get((receiver, value.func.attr.value))
            return None
        if (isinstance(value.func, cst.Name)  # a session factory being called
                and self._of_name(value.func.value, stack, depth + 1, raw=True) == "session_factory"):
            return "async_session"
        return None

    def _of_name(self, name: str, stack: list[cst.CSTNode], depth: int, raw: bool = False) -> str | None:
        """Remembered per (name, scope, depth) for the file: a name bound many times, each binding
        reading other such names, would otherwise be resolved again down every path (a third of
        the run on a large async project)."""
        if depth > 4:  # x = make(x) chains: give up rather than recurse
            return None
        scope = enclosing_scope(stack)
        memo = file_cache(self.context).setdefault("names", {})
        key = (name, id(scope), depth, raw)
        if key not in memo:
            memo[key] = None  # a name whose bindings read itself resolves to nothing, not forever
            memo[key] = self._resolve_name(name, stack, scope, depth, raw)
        return memo[key]

    def _resolve_name(self, name: str, stack: list[cst.CSTNode], scope: cst.CSTNode, depth: int, raw: bool) -> str | None:
        facts = self.context.scope_facts(scope)
        bindings = facts.bindings.get(name, [])
        if not bindings and scope is not stack[0]:
            facts = self.context.scope_facts(stack[0])
            bindings = facts.bindings.get(name, [])
        found: set[str | None] = set()
        for binding in bindings:
            if binding.kind == "param":
                param = binding.node
                found.add(annotation_type(self.context, param.annotation.annotation) if isinstance(param, cst.Param) and param.annotation else None)
            elif binding.kind == "=":
                found.add(self._raw_value(binding.value, stack, depth) if raw else self._of_value(binding.value, stack, depth, awaited=False))
            elif binding.kind == "with":
                found.add(self._of_value(binding.value, stack, depth, awaited=False, entered=True))
            elif binding.kind in {"append", "extend"}:
                continue
            else:
                found.add(None)
        if len(found) == 1:
            return found.pop()
        return None

    def _raw_value(self, value: cst.BaseExpression | None, stack: list[cst.CSTNode], depth: int) -> str | None:
        if isinstance(value, cst.Call):
            qualified = self.context.imports.qualify(value.func) or ""
            if TYPE_NAMES.get(qualified) == "session_factory":
                return "session_factory"
        return self._of_value(value, stack, depth, awaited=False)

    def _of_self_attr(self, cls: cst.ClassDef, attr: str, depth: int) -> str | None:
        cache = file_cache(self.context).setdefault("self_attrs", {})
        table = cache.get(id(cls))
        if table is None:
            cache[id(cls)] = {}  # guards against self.a = self.b.c() recursion while collecting
            table = cache[id(cls)] = self._self_attrs(cls)
        return table.get(attr)

    def _self_attrs(self, cls: cst.ClassDef) -> dict[str, str | None]:
        table: dict[str, set[str | None]] = {}
        resolver = self
        context = self.context

        class Walker(Visitor):
            def __init__(self) -> None:
                self.stack: list[cst.CSTNode] = list(context.stack[:1])

            def on_visit(self, node: cst.CSTNode) -> bool:
                if isinstance(node, cst.ClassDef) and node is not cls:
                    return False
                if isinstance(node, cst.Assign):
                    for target in node.targets:
                        self._record(target.target, node.value)
                elif isinstance(node, cst.AnnAssign):
                    if (isinstance(node.target, cst.Name) and self.stack and self.stack[-1] is cls.body):
                        table.setdefault(node.target.value, set()).add(
                            annotation_type(context, node.annotation.annotation))
                    else:
                        self._record(node.target, node.value, node.annotation.annotation)
                self.stack.append(node)
                return True

            def on_leave(self, original_node: cst.CSTNode) -> None:
                self.stack.pop()

            def _record(self, target: cst.BaseExpression, value: cst.BaseExpression | None,
                        annotation: cst.BaseExpression | None = None) -> None:
                if not (isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name)
                        and target.value.value == "self"):
                    return
                kind = annotation_type(context, annotation) if annotation is not None else None
                if kind is None and value is not None:
                    if isinstance(value, cst.Name):
                        kind = resolver._of_name(value.value, self.stack, 1)
                    else:
                        kind = resolver._of_value(value, self.stack, 1, awaited=False)
                if kind is None and isinstance(value, cst.Name) and value.value == "None":
                    return
                table.setdefault(target.attr.value, set()).add(kind)

        Walker().walk(cls)
        return {attr: next(iter(kinds)) if len(kinds) == 1 else None for attr, kinds in table.items()}
