"""A cheap first look with the stdlib ``ast``: spare the libcst parse of files with no candidate.

A data-access finding needs a loop and, in it, a query-shaped call, a helper that queries, a
loop over a query whose items are touched, or a DRF SerializerMethodField.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.orm.chains import chain_of, looks_like_model, name_of
from backend_rules.analysis.orm.function_facts import functions_for
from backend_rules.analysis.orm.model_graph import graph_for
from backend_rules.analysis.orm.query_calls import classify
from backend_rules.analysis.orm.vocabulary import (
    DBAPI_METHODS,
    DJANGO_BULK,
    DJANGO_EVALUATING,
    DJANGO_LAZY,
    FLASK_DB_EVALUATING,
    SQLA_QUERY_TERMINAL,
    SQLA_SESSION_EVALUATING,
)
from backend_rules.rules.data_access.query_resolution import EVALUATING_BUILTINS
from backend_rules.rules.data_access.view_serializers import LIST_VIEWS

QUERYISH_CALLS = (
    DJANGO_EVALUATING | DJANGO_LAZY | DJANGO_BULK | SQLA_SESSION_EVALUATING | SQLA_QUERY_TERMINAL
    | DBAPI_METHODS | FLASK_DB_EVALUATING | EVALUATING_BUILTINS
    | {"get_object_or_404", "get_list_or_404", "aget_object_or_404", "query", "iterator"}
)
_STDLIB = frozenset(getattr(__import__("sys"), "stdlib_module_names", ())) | {"__future__", "typing_extensions"}
_GATE: dict[int, tuple[ast.Module, bool]] = {}


def _loop_parts(loop: ast.AST) -> list[ast.AST]:
    if isinstance(loop, (ast.For, ast.AsyncFor, ast.While)):
        return list(loop.body)
    if isinstance(loop, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        head = [loop.key, loop.value] if isinstance(loop, ast.DictComp) else [loop.elt]
        return head + [c for g in loop.generators for c in g.ifs] + [g.iter for g in loop.generators[1:]]
    return []


def _loop_items(loop: ast.AST) -> set[str]:
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        target: ast.AST | None = loop.target
    elif isinstance(loop, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        target = loop.generators[0].target
    else:
        return set()
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def may_fire_data_access(tree: ast.Module, project: Any = None) -> bool:
    """False only when no loop could hold a finding: no query-shaped call, no helper that queries,
    no loop over a query whose items are touched, no DRF SerializerMethodField. Calls of imported
    helpers consult the project index (only when nothing else decided)."""
    hit = _GATE.get(id(tree))
    if hit is not None and hit[0] is tree:
        verdict, imported = hit[1]
    else:
        verdict, imported = _gate(tree)
        if len(_GATE) > 64:
            _GATE.clear()
        _GATE[id(tree)] = (tree, (verdict, imported))
    if verdict or not imported or project is None:
        return verdict
    index = project()
    if index is None:
        return False
    graph = graph_for(index)
    functions = functions_for(index)
    for name in imported:
        if name.startswith("@"):  # a relation iterated: any model of the project has it
            if name[1:] in graph.relation_names:
                return True
            continue
        if name.startswith("#"):  # a method called on an object: any project method of that name
            if any(_summarised(functions.function(module, qualname)) for module, qualname in functions.methods.get(name[1:], ())):
                return True
            continue
        if graph.function(name.lstrip(".")) or _summarised((functions.qualified(name.lstrip(".")) or (0, 0, None))[2]):
            return True
        if any(_summarised(summary) for _, _, summary in functions.class_methods(name.split(".")[-1])):
            return True  # a class (a serializer) whose methods read what it is given
    return False


def _summarised(summary: dict | None) -> bool:
    """The function returns a query, or reads attributes of (or hands on) a parameter."""
    return bool(summary) and any(key in summary for key in ("ret", "t", "c"))


_MANAGER_CHAIN = frozenset(DJANGO_LAZY | DJANGO_EVALUATING)


def _queryish(node: ast.AST, qvars: set[str]) -> bool:
    """``node`` is (or is built on) something the rules resolve to a query."""
    if isinstance(node, ast.Await):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id in qvars
    if not isinstance(node, (ast.Call, ast.Attribute, ast.Subscript)):
        return False
    segs = chain_of(node)
    if not segs:
        return False
    root = segs[0]
    if not root.call and root.name in qvars:
        return True
    if root.name in {"self", "cls"} and len(segs) > 1 and segs[1].name in {"queryset", "get_queryset"}:
        return True
    if len(segs) > 2 and looks_like_model(root.name) and not root.call and segs[2].call and segs[2].name in _MANAGER_CHAIN:
        return True  # a custom manager: Post.published.filter(...)
    return classify(segs) is not None


_LOOP_TYPES = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_WRAPPERS = {"enumerate", "list", "tuple", "sorted", "reversed", "iter", "set"}


def _root_name(node: ast.AST) -> str | None:
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _self_attribute_holds_query(tree: ast.Module, attribute: str) -> bool:
    """Some method sets ``self.<attribute>`` to a query (``self.abstracts = Abstract.query...all()``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Attribute) and t.attr == attribute and isinstance(t.value, ast.Name)
                and t.value.id == "self" for t in node.targets) and _queryish(node.value, set()):
            return True
    return False


def _relation_iterated(iterable: ast.AST) -> str | None:
    """``order.lines.all()`` / ``order.lines.filter(...)`` / ``user.projects`` -> the relation's name."""
    segs = chain_of(iterable)
    if len(segs) > 2 and segs[0].name == "request" and segs[1].name == "user" and not segs[1].call:
        segs = segs[1:]  # request.user.teams
    if len(segs) == 2 and not segs[0].call and not segs[1].call:
        return segs[1].name
    if len(segs) >= 3 and not segs[0].call and not segs[1].call and segs[2].call and segs[2].name in DJANGO_LAZY:
        return segs[1].name
    return None


_RELATION_CALLS = {"relationship", "relation", "ForeignKey", "ManyToManyField", "OneToOneField", "ParentalKey",
                   "ParentalManyToManyField", "GenericRelation", "TreeForeignKey", "backref"}


_RELATIONS: dict[int, tuple[ast.Module, set[str]]] = {}


def _relation_names(tree: ast.Module) -> set[str]:
    """Relation names this module declares: relationship attributes, related_name=, backref=."""
    hit = _RELATIONS.get(id(tree))
    if hit is not None and hit[0] is tree:
        return hit[1]
    if len(_RELATIONS) > 16:
        _RELATIONS.clear()
    names = _collect_relation_names(tree)
    _RELATIONS[id(tree)] = (tree, names)
    return names


def _collect_relation_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(node.value, ast.Call) and \
                (name_of(node.value.func) or "").split(".")[-1] in _RELATION_CALLS:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.keyword) and node.arg in {"related_name", "backref", "back_populates"} and \
                isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            names.add(node.value.value)
        elif isinstance(node, ast.Call) and (name_of(node.func) or "").split(".")[-1] == "backref" and node.args and \
                isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def _project_callee(func: ast.AST, functions: dict[str, list[ast.AST]], imported: dict[str, str],
                    items: set[str], pending: list[str]) -> bool:
    """True for a function of this module; imported functions and methods of objects are left to
    the project index (added to ``pending``: ``#name`` for a method)."""
    if isinstance(func, ast.Name):
        if func.id in functions:
            return True
        if func.id in imported:
            pending.append(imported[func.id])
    elif isinstance(func, ast.Attribute):
        root = _root_name(func.value)
        if root in {"self", "cls"} and func.attr in functions:
            return True
        if root in imported and root not in items:
            pending.append(f"{imported[root]}.{func.attr}")
        pending.append("#" + func.attr)
    return False


def _many_serializer(call: ast.Call) -> bool:
    """``PostSerializer(posts, many=True)``, ``PostSchema(many=True)`` (marshmallow), ``schema.dump(rows, many=True)``."""
    name = (name_of(call.func) or "").split(".")[-1]
    return (name.endswith(("Serializer", "Schema")) or name == "dump") and any(
        k.arg == "many" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)


_ROUTE_METHODS = {"get", "post", "put", "patch", "delete", "api_route", "route", "api_operation"}


def _list_response(call: ast.Call) -> bool:
    """A route declaring a list response: ``@app.get(..., response_model=list[PostOut])``."""
    return any(k.arg in {"response_model", "response"} and isinstance(k.value, ast.Subscript) for k in call.keywords)


def _gate(tree: ast.Module) -> tuple[bool, list[str]]:
    """Cheap first: one walk for loops, direct query shapes; variables and helpers only if asked."""
    imported: dict[str, str] = {}
    functions: dict[str, list[ast.AST]] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions.setdefault(node.name, []).append(node)
        elif isinstance(node, ast.ClassDef):
            if any((name_of(b) or "").endswith("Serializer") for b in node.bases) and any(
                isinstance(sub, ast.Assign) and "SerializerMethodField" in (name_of(getattr(sub.value, "func", None)) or "")
                for sub in node.body
            ):
                return True, []
            members = {t.id for sub in node.body if isinstance(sub, ast.Assign) for t in sub.targets if isinstance(t, ast.Name)}
            members |= {sub.name for sub in node.body if isinstance(sub, ast.FunctionDef)}
            if {(name_of(b) or "").split(".")[-1] for b in node.bases} & LIST_VIEWS and "serializer_class" in members \
                    and members & {"queryset", "get_queryset"}:
                return True, []  # a DRF list view: its serializer reads relations of every row
            for sub in node.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    functions.setdefault(sub.name, []).append(sub)
        elif isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").split(".")[0] not in _STDLIB):
            for alias in node.names:
                imported[alias.asname or alias.name] = "." * node.level + f"{node.module or ''}.{alias.name}".lstrip(".")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in _STDLIB:
                    imported[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
    loops = []
    for node in ast.walk(tree):
        if isinstance(node, _LOOP_TYPES):
            loops.append(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(node.returns, ast.Subscript) \
                and any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in _ROUTE_METHODS
                        for d in node.decorator_list):
            return True, []  # ``@router.get(...) def posts() -> list[PostOut]``
        elif isinstance(node, ast.Call) and (_many_serializer(node) or _list_response(node)):
            return True, []  # ``PostSerializer(posts, many=True)``, ``response_model=list[PostOut]``: rows serialised
    if not loops:
        return False, []
    # Pass 1: shapes that need no look-up. Remember the names whose value would decide.
    no_vars: set[str] = set()
    maybe_vars: set[str] = set()
    helpers: set[str] = set()
    item_loops: list[tuple[ast.AST, set[str]]] = []
    pending: list[str] = []
    for loop in loops:
        items = _loop_items(loop)
        iterable = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else (
            loop.generators[0].iter if not isinstance(loop, ast.While) else None)
        while isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) and iterable.args and \
                iterable.func.id in _WRAPPERS:
            iterable = iterable.args[0]
        touches_item = False
        for part in _loop_parts(loop):
            for node in ast.walk(part):
                if isinstance(node, ast.Call):
                    func = node.func
                    if isinstance(func, ast.Attribute) and _queryish(node, no_vars):
                        return True, []
                    root = _root_name(node)
                    if root is not None and root not in items:
                        maybe_vars.add(root)
                    if isinstance(func, ast.Name):
                        if func.id in EVALUATING_BUILTINS and node.args:
                            if _queryish(node.args[0], no_vars):
                                return True, []
                            arg_root = _root_name(node.args[0])
                            if arg_root:
                                maybe_vars.add(arg_root)
                        elif func.id in {"get_object_or_404", "get_list_or_404", "aget_object_or_404"}:
                            return True, []
                        if func.id in functions:
                            helpers.add(func.id)
                        elif func.id in imported:
                            pending.append(imported[func.id])
                    elif isinstance(func, ast.Attribute):
                        if func.attr in functions:
                            helpers.add(func.attr)
                        if root is not None and root in imported and root not in items:
                            pending.append(f"{imported[root]}.{func.attr}")
                elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in items:
                    touches_item = True
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                        node.func.attr in _MANAGER_CHAIN and isinstance(node.func.value, ast.Attribute) and \
                        isinstance(node.func.value.value, ast.Name) and node.func.value.value.id in items:
                    relation = node.func.value.attr  # order.lines.count() for each order
                    if relation in _relation_names(tree):
                        return True, []
                    pending.append("@" + relation)
                if isinstance(node, ast.Call) and any(isinstance(a, ast.Name) and a.id in items for a in node.args):
                    # the item handed to a function: the function may read its relations
                    if _project_callee(node.func, functions, imported, items, pending):
                        return True, []
                    if isinstance(node.func, ast.Attribute) and node.func.attr in {"model_validate", "from_orm"}:
                        return True, []  # ``PostOut.model_validate(post)``: the schema reads its relations
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    if _queryish(node.iter, no_vars):
                        return True, []
                    inner_root = _root_name(node.iter)
                    if inner_root:
                        maybe_vars.add(inner_root)
        if touches_item and iterable is not None:
            if _queryish(iterable, no_vars):
                return True, []
            call = iterable.value if isinstance(iterable, ast.Await) else iterable
            if isinstance(call, ast.Call) and _project_callee(call.func, functions, imported, items, pending):
                return True, []  # a loop over what a helper of this module returns
            relation = _relation_iterated(iterable)
            if relation is not None:  # for line in order.lines.all() / for p in user.projects
                if relation in _relation_names(tree) or _root_name(iterable) == "self" and \
                        _self_attribute_holds_query(tree, relation):
                    return True, []
                pending.append("@" + relation)
            root = _root_name(iterable)
            if root:
                item_loops.append((iterable, items))
                maybe_vars.add(root)
    # Pass 2: helpers of this module that query (two levels).
    if helpers:
        querying = {name for name, defs in functions.items()
                    if any(isinstance(n, ast.Call) and _queryish(n, no_vars) for d in defs for n in ast.walk(d))}
        if helpers & querying:
            return True, []
        second = {name for name in helpers for d in functions.get(name, ())
                  if any(isinstance(n, ast.Call) and (name_of(n.func) or "").split(".")[-1] in querying for n in ast.walk(d))}
        if second:
            return True, []
    # Pass 3: variables holding a query, when a loop reads one.
    maybe_vars.discard("self")
    if maybe_vars or item_loops:
        qvars: set[str] = set()
        assignments = [n for n in ast.walk(tree) if isinstance(n, (ast.Assign, ast.AnnAssign, ast.NamedExpr))]
        for _ in range(2):
            for node in assignments:
                value = node.value
                if value is None or not _queryish(value, qvars):
                    continue
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                qvars.update(t.id for t in targets if isinstance(t, ast.Name))
        if qvars & maybe_vars:
            return True, []
    return False, pending
