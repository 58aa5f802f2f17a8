"""What each function of the project returns and reads from its parameters (for the project index).

An N+1 hides behind a helper as often as in the loop itself: ``for o in orders: total(o)`` where
``total`` reads ``o.lines.all()``, or a loop over ``repository.paid_orders()`` whose statement
eager-loads what the loop reads. Per function (``func`` or ``Class.method`` of a top-level class):

- ``ret``: the query it returns: ``o`` orm, ``m`` model, ``e`` eager-loaded paths, ``a`` loads
  everything it could (unreadable options), ``r`` rows rather than model instances;
- ``p``: the position of each parameter it reads or hands on (``self``/``cls`` not counted), ``t``:
  per parameter, the attribute chains of two steps it reads (``"customer.name"``, ``"lines.all()"``),
  ``c``: the project functions it hands a parameter to (``"self.helper order 0"``: callee, parameter,
  position), compact because every run fingerprints the whole index.

Per module ``classes`` keeps each class's bases, so a method is found through its class's bases.
Stdlib ``ast`` only; the index caches the facts with every other collector's.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.orm.chains import ast_chain, name_of
from backend_rules.analysis.orm.query_calls import (
    Query,
    classify,
    read_methods,
    statement_query,
)
from backend_rules.analysis.orm.passthrough import passthrough
from backend_rules.analysis.orm.subquery_args import ast_is_subquery
from backend_rules.analysis.orm.vocabulary import DJANGO_BULK, DJANGO_EVALUATING, DJANGO_LAZY
from backend_rules.analysis.project_facts import fact_collector

QUERYSET_BASE = ("QuerySet", "Manager", "Queryset", "BaseManager")
UNWRAP = {"list", "tuple", "sorted", "set", "iter", "reversed"}
STATEMENT_METHODS = {"where", "options", "join", "outerjoin", "order_by", "filter", "filter_by", "limit",
                     "offset", "group_by", "execution_options", "select_from", "distinct"}
MAX_CHAINS = 8


def _params(func: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> list[str]:
    args = func.args
    names = [a.arg for a in args.posonlyargs + args.args]
    if method and names and names[0] in {"self", "cls", "mcs"}:
        names = names[1:]
    return names + [a.arg for a in args.kwonlyargs]


FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
_NO_CHILDREN = {"ctx", "type_comment", "lineno", "col_offset", "end_lineno", "end_col_offset", "kind"}


def _scan(func: ast.AST) -> tuple[list[ast.AST], dict[int, ast.AST]]:
    """Nodes of ``func``'s body (nested functions and classes left out) and each one's parent, in one
    pass (fields read directly: ``ast.iter_child_nodes`` is most of the index's cost otherwise)."""
    nodes: list[ast.AST] = []
    parents: dict[int, ast.AST] = {}
    pending: list[tuple[ast.AST, ast.AST]] = [(child, func) for child in ast.iter_child_nodes(func)]
    append, push = nodes.append, pending.append
    while pending:
        node, parent = pending.pop()
        if isinstance(node, FUNCTION_NODES):
            continue
        append(node)
        parents[id(node)] = parent
        kind = type(node)
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _NO_CHILDREN)
        for name in fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                push((value, node))
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        push((item, node))
    return nodes, parents


def _merge(queries: list[Query]) -> dict[str, Any] | None:
    if not queries:
        return None
    models = {q.model for q in queries}
    orms = {q.orm for q in queries}
    if len(orms) != 1:
        return None
    summary: dict[str, Any] = {"o": orms.pop(), "m": models.pop() if len(models) == 1 else None}
    eager = sorted(set().union(*(q.eager for q in queries)))
    if eager:
        summary["e"] = eager
    if any(q.eager_all for q in queries):
        summary["a"] = 1
    if any(q.rows for q in queries):
        summary["r"] = 1
    custom = sorted({name for q in queries for name in getattr(q, "custom_methods", ())})
    if custom and summary["o"] == "django":
        summary["cm"] = custom[:4]  # ``Field.objects.get_for_model(m)``: the resolver reads what they load
    own = {q.through[1] for q in queries if q.through and q.through[2] == "self"}
    if len(own) == 1:
        summary["s"] = own.pop()  # rows of a relation of ``self`` (a model's method): its model says which
    if summary["m"] is None and not eager and not summary.get("a"):
        return None if summary["o"] == "dbapi" else summary
    return summary


DJANGO_KNOWN = DJANGO_LAZY | DJANGO_EVALUATING | DJANGO_BULK | {"get_queryset", "as_manager"}


def _note_custom_methods(query: Query, segs: list[Any]) -> Query:
    """Remember the project's own queryset/manager methods a Django chain calls (what they load is
    known only with the whole project: ``query_helpers`` applies them)."""
    if query.orm == "django":
        names = [s.name for s in segs[1:] if s.call and s.name not in DJANGO_KNOWN]
        if names:
            query.custom_methods = names  # type: ignore[attr-defined]
    return query


def _query_of(node: ast.AST, assigns: dict[str, list[ast.AST]], queryset_class: bool, depth: int = 0) -> list[Query]:
    """The queries an expression can hold: through local assignments, list()/await, ``self`` of a QuerySet."""
    if depth > 3 or node is None:
        return []
    while True:
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in UNWRAP and node.args:
            node = node.args[0]
        else:
            break
    segs = ast_chain(node)
    if not segs:
        return []
    root = segs[0]
    if root.name == "self" and not root.call and len(segs) > 1 and not segs[1].call and f"self.{segs[1].name}" in assigns:
        # ``return self._lines`` memoised by ``self._lines = self.lines.select_related(...)``
        remembered: list[Query] = []
        for value in assigns[f"self.{segs[1].name}"]:
            for query in _query_of(value, assigns, queryset_class, depth + 1):
                remembered.append(read_methods(query, segs, 2) if len(segs) > 2 else query)
        return remembered
    if not root.call and root.name in assigns and root.name not in {"self", "cls"}:
        found: list[Query] = []
        for value in assigns[root.name]:
            inner = _query_of(value, assigns, queryset_class, depth + 1)
            for query in inner:
                if len(segs) > 1:
                    read_methods(query, segs, 1)
                found.append(query)
            if not inner:
                query = classify(ast_chain(value) + segs[1:])
                if query is not None:
                    found.append(_note_custom_methods(query, ast_chain(value) + segs[1:]))
        return found
    query = classify(segs)
    if query is not None:
        _note_custom_methods(query, segs)
        if query.orm == "sqlalchemy" and query.sql_arg is not None and isinstance(query.sql_arg, ast.Name):
            for statement in _query_of(query.sql_arg, assigns, queryset_class, depth + 1):
                query.model = query.model or statement.model
                query.eager |= statement.eager
                query.eager_all |= statement.eager_all
        return [query]
    statement = statement_query(node)
    if statement is not None:
        return [statement]
    own = _own_relation_rows(segs, queryset_class)
    if own is not None:
        return [own]
    # ``self.filter(...)`` in a QuerySet, ``super().get_queryset().select_related(...)`` in a Manager
    if queryset_class and root.name in {"self", "super"}:
        start = 1
        while start < len(segs) and segs[start].name in {"get_queryset", "all"}:
            start += 1
        return [read_methods(Query("django", text="self"), segs, start)]
    # ``self.get_base_statement().where(...).options(...)``: a statement from a helper, options readable
    if len(segs) > 2 and any(s.call and s.name in STATEMENT_METHODS for s in segs[2:]) and \
            any(s.call and s.name == "options" for s in segs):
        start = next(i for i, s in enumerate(segs) if s.call)
        return [read_methods(Query("sqlalchemy", text="statement"), segs, start + 1)]
    return []


# Related-manager methods that make a query of a relation's rows: ``self.lines.select_related(...)``.
OWN_RELATION_METHODS = {"all", "filter", "exclude", "select_related", "prefetch_related", "order_by", "annotate",
                        "only", "defer", "distinct"}


def _own_relation_rows(segs: list[Any], queryset_class: bool) -> Query | None:
    """``self.lines.select_related("product")`` in a method: the rows of a relation of ``self``, if
    ``self`` is a model (the resolver checks that against the model graph, through ``s``)."""
    if queryset_class or len(segs) < 3 or segs[0].name != "self" or segs[0].call or segs[1].call \
            or segs[1].name.startswith("_") or not segs[2].call or segs[2].name not in OWN_RELATION_METHODS:
        return None
    query = read_methods(Query("django", text=f"self.{segs[1].name}"), segs, 2)
    query.through = ("", segs[1].name, "self")
    return query


def _returned(nodes: list[ast.AST], queryset_class: bool) -> dict[str, Any] | None:
    if not any(isinstance(n, ast.Return) and n.value is not None for n in nodes):
        return None
    assigns: dict[str, list[ast.AST]] = {}
    for node in sorted((n for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign))), key=lambda n: n.lineno):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                assigns.setdefault(target.id, []).append(node.value)
            elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                assigns.setdefault(f"self.{target.attr}", []).append(node.value)
    queries: list[Query] = []
    for node in nodes:
        if isinstance(node, ast.Return) and node.value is not None:
            queries += _query_of(node.value, assigns, queryset_class)
    return _merge(queries)


def _is_chain_top(node: ast.AST, parents: dict[int, ast.AST]) -> bool:
    parent = parents.get(id(node))
    if isinstance(parent, ast.Attribute) and parent.value is node:
        return False
    if isinstance(parent, ast.Call) and parent.func is node:
        return False
    if isinstance(parent, ast.Subscript) and parent.value is node:
        return False
    return True


# Parameters that hold framework objects or plain values, never a model instance.
NOT_MODEL_PARAMS = {"request", "info", "context", "ctx", "root", "args", "kwargs", "data", "options", "settings",
                    "config", "logger", "log", "session", "db", "db_session", "cursor", "conn", "connection",
                    "response", "exc", "error", "e", "key", "name", "text", "path", "url", "form", "serializer",
                    "validated_data", "attrs", "params", "headers", "app", "event_loop", "loop", "now", "timezone"}
# Callees that read nothing of a model's relations.
PLAIN_CALLEES = {"print", "len", "str", "int", "float", "bool", "repr", "isinstance", "getattr", "setattr",
                 "hasattr", "list", "dict", "set", "tuple", "sorted", "id", "type", "hash", "format", "iter",
                 "next", "min", "max", "sum", "any", "all", "enumerate", "zip", "map", "filter", "super"}


def _param_use(nodes: list[ast.AST], parents: dict[int, ast.AST], params: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Attribute chains (two steps or more: ``p.customer.name``, ``p.lines.all()``) read from each
    parameter, and the project calls a parameter is handed to."""
    watched = set(params) - NOT_MODEL_PARAMS
    if not watched:
        return {}, []
    for n in nodes:
        if isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For)):
            targets = n.targets if isinstance(n, ast.Assign) else [n.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    watched.discard(target.id)
                elif isinstance(target, (ast.Tuple, ast.List)):
                    watched.difference_update(e.id for e in target.elts if isinstance(e, ast.Name))
    touches: dict[str, list[str]] = {}
    calls: list[str] = []
    for node in nodes:
        if isinstance(node, ast.Call):
            for index, arg in enumerate(node.args):
                if isinstance(arg, ast.Name) and arg.id in watched:
                    callee = name_of(node.func) or ""
                    owner, _, last = callee.rpartition(".")
                    # a function of the project (``helper(p)``, ``self.helper(p)``), not ``log.info(p)``
                    if callee and callee not in PLAIN_CALLEES and owner in {"", "self", "cls"} and \
                            not last[:1].isupper() and len(calls) < 4:
                        calls.append(f"{callee} {arg.id} {index}")
        if not isinstance(node, (ast.Attribute, ast.Call)) or not _is_chain_top(node, parents):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete)) and node in getattr(parent, "targets", [getattr(parent, "target", None)]):
            continue
        segs = ast_chain(node)
        if len(segs) < 3 or segs[0].call or segs[0].name not in watched or segs[1].call or segs[1].name.startswith("_"):
            continue
        if ast_is_subquery(node, segs[-1].name if segs[-1].call else None, parents):
            continue  # ``exclude(id__in=p.muted.all())``: part of that query's SQL, not a read of p
        chain = ".".join(s.name + ("()" if s.call else "") for s in segs[1:3])  # "lines.all()"
        known = touches.setdefault(segs[0].name, [])
        if chain not in known and len(known) < MAX_CHAINS:
            known.append(chain)
    return touches, calls


def _summary(func: ast.FunctionDef | ast.AsyncFunctionDef, method: bool, queryset_class: bool) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    nodes, parents = _scan(func)
    returned = _returned(nodes, queryset_class)
    if returned:
        summary["ret"] = returned
    params = _params(func, method)
    if params:
        summary.update(passthrough(nodes, params) or {})
        touches, calls = _param_use(nodes, parents, params)
        if touches or calls:
            used = set(touches) | {call.split()[1] for call in calls}
            summary["p"] = {name: index for index, name in enumerate(params) if name in used}
        if touches:
            summary["t"] = touches
        if calls:
            summary["c"] = calls
    return summary


def collect_functions(tree: ast.Module, module: str) -> dict[str, Any]:
    functions: dict[str, Any] = {}
    classes: dict[str, list[str]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            summary = _summary(stmt, False, False)
            if summary:
                functions[stmt.name] = summary
        elif isinstance(stmt, ast.ClassDef):
            bases = [(name_of(b) or "").split(".")[-1] for b in stmt.bases]
            queryset_class = any(b.endswith(QUERYSET_BASE) for b in bases)
            found = False
            for sub in stmt.body:
                if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    summary = _summary(sub, True, queryset_class)
                    if summary:
                        functions[f"{stmt.name}.{sub.name}"] = summary
                        found = True
            if found or queryset_class:
                classes[stmt.name] = [b for b in bases if b]
    out: dict[str, Any] = {}
    if functions:
        out["functions"] = functions
    if classes:
        out["classes"] = classes
    return out


@fact_collector("orm_functions", trigger=r"\bdef\s")
def _collect_functions(tree: ast.Module, module: str) -> dict[str, Any]:
    return collect_functions(tree, module)


class FunctionIndex:
    """Function summaries of a project: by dotted name, by class (through bases), by method name."""

    def __init__(self, per_module: dict[str, dict[str, Any]]) -> None:
        self.modules = per_module
        self.classes: dict[str, list[tuple[str, list[str]]]] = {}
        self.methods: dict[str, list[tuple[str, str]]] = {}  # method name -> [(module, "Class.method")]
        for module, facts in per_module.items():
            for name, bases in (facts.get("classes") or {}).items():
                self.classes.setdefault(name, []).append((module, bases))
            for qualname in facts.get("functions") or {}:
                if "." in qualname:
                    self.methods.setdefault(qualname.split(".", 1)[1], []).append((module, qualname))

    def function(self, module: str, qualname: str) -> dict[str, Any] | None:
        return (self.modules.get(module, {}).get("functions") or {}).get(qualname)

    def qualified(self, dotted: str) -> tuple[str, str, dict[str, Any]] | None:
        """``pkg.mod.func`` / ``pkg.mod.Class.method`` (module names may be suffixes of each other)."""
        parts = dotted.split(".")
        for split in (len(parts) - 1, len(parts) - 2):
            if split < 1:
                continue
            module, qualname = ".".join(parts[:split]), ".".join(parts[split:])
            for candidate, facts in self.modules.items():
                if candidate == module or candidate.endswith("." + module) or module.endswith("." + candidate):
                    summary = (facts.get("functions") or {}).get(qualname)
                    if summary is not None:
                        return candidate, qualname, summary
        return None

    def method(self, class_name: str, method: str, prefer_module: str | None = None) -> tuple[str, str, dict[str, Any]] | None:
        """``Class.method`` defined on the class or one of its bases in the project."""
        seen: set[str] = set()
        pending = [class_name]
        while pending:
            name = pending.pop(0)
            if name in seen:
                continue
            seen.add(name)
            entries = sorted(self.classes.get(name, []), key=lambda e: e[0] != prefer_module)
            for module, bases in entries:
                summary = self.function(module, f"{name}.{method}")
                if summary is not None:
                    return module, f"{name}.{method}", summary
                pending.extend(bases)
        return None

    def class_methods(self, class_name: str) -> list[tuple[str, str, dict[str, Any]]]:
        """Summarised methods of a class and its project bases (the class's own first)."""
        found: list[tuple[str, str, dict[str, Any]]] = []
        names: set[str] = set()
        seen: set[str] = set()
        pending = [class_name]
        while pending:
            name = pending.pop(0)
            if name in seen:
                continue
            seen.add(name)
            for module, bases in self.classes.get(name, []):
                for qualname, summary in (self.modules.get(module, {}).get("functions") or {}).items():
                    owner, _, method = qualname.partition(".")
                    if owner == name and method and method not in names:
                        names.add(method)
                        found.append((module, qualname, summary))
                pending.extend(bases)
        return found

    def unique_method(self, method: str) -> tuple[str, str, dict[str, Any]] | None:
        """The one method of that name in the project (specific names only: ``paid_orders``, not ``get``)."""
        entries = self.methods.get(method, [])
        if len(entries) != 1 or "_" not in method.strip("_") or len(method) < 8:
            return None
        module, qualname = entries[0]
        return module, qualname, self.function(module, qualname) or {}


_INDEXES: dict[int, tuple[Any, FunctionIndex]] = {}


def functions_for(project: Any) -> FunctionIndex:
    """The (per-process memoised) function index of a project index."""
    key = id(project)
    hit = _INDEXES.get(key)
    if hit is not None and hit[0] is project:
        return hit[1]
    index = FunctionIndex(project.facts("orm_functions"))
    if len(_INDEXES) > 8:
        _INDEXES.clear()
    _INDEXES[key] = (project, index)
    return index
