"""BR2xx: data access — N+1 queries.

BR201 reports a database round-trip that runs once per item of a loop (a query call, the
evaluation of a queryset, a DB-API statement, or a call to a function of the project that runs
one). BR202 reports a loop over a queryset or ORM result whose items' relations (or deferred
columns) are loaded lazily, one query per item, because the query does not load them eagerly.
Both read the project's model graph (:mod:`backend_rules.analysis.orm`) and fall back to conservative
name-based heuristics when a model is not found.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class, enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm import (
    DBAPI_METHODS, DJANGO_BULK, DJANGO_EVALUATING, FLASK_DB_EVALUATING, ORM_TRIGGER, SQLA_QUERY_TERMINAL,
    SQLA_SESSION_EVALUATING, name_of,
    ALWAYS_QUERY, CACHED_BY_PREFETCH, DJANGO_LAZY, SQL_READ, ModelGraph, ModelInfo, Query, Seg,
    chain_of, classify, collect_orm, graph_for, is_specific, is_statement_expr, sql_text_of, statement_subject, literal_str, looks_like_model,
)
from backend_rules.rule import Invalid, Rule, Valid

FAMILY = "BR2"

LOOP_NODES = (cst.For, cst.While, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
COMP_NODES = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
BOUNDARIES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
CHUNK_NAME = re.compile(r"(chunk|batch|page|slice|group|bucket|window|part)s?$", re.IGNORECASE)
CHUNK_FUNCS = {"batched", "chunked", "chunks", "grouper", "batches", "paginate", "iter_chunks",
               "chunk", "batch", "in_batches", "chunkify", "split_every", "partition", "pages",
               "ichunked", "sliced", "iterate_in_batches", "queryset_iterator", "chunked_queryset",
               "groupby", "group_by", "itergroups"}
RETRY_NAME = re.compile(r"^_*(attempt|attempts|retry|retries|try|tries|trial|n_?try|i_?try|_)$", re.IGNORECASE)
EVALUATING_BUILTINS = {"list", "len", "tuple", "set", "sorted", "bool", "sum", "any", "all", "max", "min", "dict", "frozenset"}
DML_READ_WRITE = re.compile(r"^\s*\(?\s*(select|insert|update|delete|with|replace|upsert|merge)\b", re.IGNORECASE)
DDL = re.compile(r"^\s*(create|drop|alter|truncate|grant|revoke|vacuum|analy[sz]e|set|pragma|lock|comment|refresh|reindex|cluster|begin|commit|rollback|savepoint|release|listen|notify|show|use)\b", re.IGNORECASE)
NOT_RELATION = {
    "pk", "id", "_meta", "_state", "__class__", "__dict__", "meta", "data", "json", "payload", "extra",
    "attrs", "config", "settings", "metadata", "info", "properties", "details", "options", "params",
    "content", "body", "text", "title", "name", "slug", "status", "state", "type", "kind", "value",
    "values", "fields", "errors", "headers", "request", "response", "context", "stats", "counts",
    "price", "amount", "total", "email", "url", "path", "file", "image", "photo", "avatar", "document",
    "location", "address_line", "coords", "geometry", "point", "range", "duration", "tags_json",
}
VALUE_ATTRS = {
    "value", "year", "month", "day", "hour", "minute", "second", "microsecond", "days", "seconds",
    "hex", "real", "imag", "tzinfo", "url", "path", "size", "width", "height", "label", "name_en",
    "__name__", "__class__", "__dict__", "x", "y", "lat", "lng", "lon", "srid", "amount", "currency",
    "major", "minor", "start", "end", "lower", "upper",
}
TIME_SUFFIX = re.compile(r"(_at|_on|_date|_time|date|time|timestamp|_ts|_dt)$")
FILE_SKIP = re.compile(r"(^|[\\/])(test_[^\\/]*|[^\\/]*_tests?|tests|conftest)\.py$|(^|[\\/])migrations[\\/]")

# Every alternative starts with a literal "." so the regex engine scans for it quickly.
TRIGGER_RE = (
    r"\.(?:objects\b|_default_manager\b|query\b|execute\(|fetch(?:row|val|_all|_one|all)?\(|scalars?\("
    r"|get_queryset\(|shortcuts\b|\w*Serializer\b|get\((?=[A-Z])|\w+_set\.|(?:services?|crud|repositor\w*|queries|selectors|dao)\b)"
)


# --------------------------------------------------------------------------------------------
# Per-file state shared by both rules
# --------------------------------------------------------------------------------------------

class _FileState:
    """Model graph (index + this file's own facts), helper-function verdicts, loop analyses."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self._graph: ModelGraph | None = None
        self.loops: dict[int, list[tuple[str, cst.CSTNode, str]]] = {}
        self.func_verdicts: dict[int, str | None] = {}
        self.module_name: str | None = None

    @property
    def graph(self) -> ModelGraph:
        if self._graph is None:
            module = "__main__"
            project = self.context.project
            if project is not None:
                from backend_rules.analysis.project_facts import module_name

                try:
                    module = module_name(project.root, self.context.path)
                except ValueError:
                    module = "__main__"
            self.module_name = module
            own: dict[str, Any] = {}
            if (project is None or module not in project.modules) and re.search(ORM_TRIGGER, self.context.source):
                try:
                    own = collect_orm(ast.parse(self.context.source), module)
                except (SyntaxError, ValueError, RecursionError):
                    own = {}
            if project is not None and not own:
                self._graph = graph_for(project)
            else:
                per_module = dict(project.facts("orm")) if project is not None else {}
                per_module[module] = own
                self._graph = ModelGraph(per_module)
        return self._graph

    def model(self, name: str | None) -> ModelInfo | None:
        graph = self.graph
        return graph.model(name, self.module_name)


def _state(context: Any) -> _FileState:
    state = getattr(context, "_data_access_state", None)
    if state is None:
        state = _FileState(context)
        context._data_access_state = state
    return state


class _KnownModels:
    """Set-like view of the model names, built only when a chain needs it."""

    def __init__(self, state: _FileState) -> None:
        self.state = state

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and looks_like_model(name) and name in self.state.graph.by_name


def _skip_path(options: dict, path: str = "") -> bool:
    """Tests and migrations run queries per item on purpose, unless ``queries-in-tests``."""
    where = options.get("relative_path") or path
    return bool(FILE_SKIP.search(str(where))) and not options.get("queries-in-tests", False)


def _skip_file(context: Any) -> bool:
    return _skip_path(context.options, context.path)


# --------------------------------------------------------------------------------------------
# Resolving expressions through local variables
# --------------------------------------------------------------------------------------------

def _resolve_segs(context: Any, segs: list[Seg], scope: cst.CSTNode, order: int, depth: int = 0,
                  klass: cst.ClassDef | None = None) -> list[Seg]:
    """``segs`` with a local-variable root replaced by the chain it was assigned (a few levels)."""
    if not segs or depth > 4:
        return segs
    root = segs[0]
    if root.call:
        return segs
    if root.name in {"self", "cls"} and len(segs) > 1 and klass is not None:
        second = segs[1]
        if second.name in {"queryset", "get_queryset"}:
            facts = context.scope_facts(klass)
            bindings = [b for b in facts.bindings.get("queryset", ()) if b.kind == "=" and b.value is not None]
            if bindings:
                rest = segs[2:]
                return chain_of(bindings[-1].value) + rest
        return segs
    facts = context.scope_facts(scope)
    bindings = [b for b in facts.bindings_before(root.name, order) if b.kind != "param"]
    if not bindings:
        return segs
    last = bindings[-1]
    if last.kind != "=" or last.value is None:
        return segs
    value = last.value
    if isinstance(value, cst.Await):
        value = value.expression
    inner = chain_of(value)
    if inner and inner[0].name == root.name and not inner[0].call:
        inner = _resolve_segs(context, inner, scope, last.order, depth + 1, klass)
    elif inner and not inner[0].call:
        inner = _resolve_segs(context, inner, scope, last.order, depth + 1, klass)
    return inner + segs[1:]


def _strip_wrappers(node: cst.BaseExpression) -> tuple[cst.BaseExpression, int | None]:
    """``enumerate(x)`` -> (x, 1), ``list(x)``/``sorted(x)``/``reversed(x)`` -> (x, None)."""
    index: int | None = None
    for _ in range(3):
        if isinstance(node, cst.Await):
            node = node.expression
            continue
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.args and not node.args[0].keyword:
            name = node.func.value
            if name == "enumerate":
                node, index = node.args[0].value, 1
                continue
            if name in {"list", "tuple", "sorted", "reversed", "iter", "set"}:
                node = node.args[0].value
                continue
        break
    return node, index


def _resolve_query(context: Any, state: _FileState, expr: cst.BaseExpression, stack: list[cst.CSTNode]) -> Query | None:
    scope = enclosing_scope(stack)
    facts = context.scope_facts(scope)
    order = facts.order_of(stack)
    klass = enclosing_class(stack)
    segs = _resolve_segs(context, chain_of(expr), scope, order, 0, klass)
    query = classify(segs, _KnownModels(state))
    if query is None or query.orm == "dbapi":
        return query
    # Conditional rebinding (``if x: qs = qs.select_related(...)``): take eager loads of every
    # binding of the root name, so a load on one path keeps us silent.
    root = chain_of(expr)[0]
    if not root.call:
        for binding in facts.bindings_before(root.name, order)[:-1]:
            if binding.kind == "=" and binding.value is not None:
                other = classify(_resolve_segs(context, chain_of(binding.value), scope, binding.order, 1, klass), _KnownModels(state))
                if other is not None:
                    query.eager |= other.eager
                    query.eager_all |= other.eager_all
                    query.eager_collections |= other.eager_collections
                    query.rows |= other.rows
    return query


# --------------------------------------------------------------------------------------------
# Loops
# --------------------------------------------------------------------------------------------

def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)):
        return True
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(_is_constant(e.value) or isinstance(e.value, cst.Name) for e in node.elements)
    if isinstance(node, cst.Dict):
        return True
    if isinstance(node, cst.Name):
        return node.value.isupper() and len(node.value) > 1
    if isinstance(node, cst.Attribute):
        return node.attr.value.isupper() and len(node.attr.value) > 1
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression)
    return False


def _loop_targets(loop: cst.CSTNode) -> list[str]:
    target = None
    if isinstance(loop, cst.For):
        target = loop.target
    elif isinstance(loop, COMP_NODES):
        target = loop.for_in.target
    names: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, cst.Name):
            names.append(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for element in node.elements:
                walk(element.value)
        elif isinstance(node, cst.StarredElement):
            walk(node.value)

    if target is not None:
        walk(target)
    return names


def _iter_of(loop: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(loop, cst.For):
        return loop.iter
    if isinstance(loop, COMP_NODES):
        return loop.for_in.iter
    return None


def _has_call_named(node: cst.CSTNode, pattern: re.Pattern[str]) -> bool:
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Call(self, call: cst.Call) -> bool:
            nonlocal found
            name = dotted_name(call.func) or ""
            if pattern.search(name.split(".")[-1]):
                found = True
            return not found

    node.visit(Finder())
    return found


SLEEP = re.compile(r"sleep|wait|backoff")


_PER_ITEM: dict[int, tuple[cst.CSTNode, bool]] = {}


def _loop_is_per_item(loop: cst.CSTNode) -> bool:
    """False for loops that do not run once per data item: constants, retries, chunks, polls."""
    hit = _PER_ITEM.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1]
    if len(_PER_ITEM) > 4096:
        _PER_ITEM.clear()
    verdict = _loop_is_per_item_uncached(loop)
    _PER_ITEM[id(loop)] = (loop, verdict)
    return verdict


def _loop_is_per_item_uncached(loop: cst.CSTNode) -> bool:
    if isinstance(loop, cst.While):
        test = loop.test
        if isinstance(test, (cst.Name, cst.Integer)) and getattr(test, "value", "") in {"True", "1"}:
            return False
        return not _has_call_named(loop.body, SLEEP)
    iterable = _iter_of(loop)
    if iterable is None:
        return False
    targets = _loop_targets(loop)
    if not targets or all(t == "_" for t in targets):
        return False
    if any(RETRY_NAME.match(t) for t in targets) or any(CHUNK_NAME.search(t) for t in targets):
        return False
    if _is_constant(iterable):
        return False
    if isinstance(iterable, cst.Call):
        name = (dotted_name(iterable.func) or "").split(".")[-1]
        if name in CHUNK_FUNCS or CHUNK_NAME.search(name):
            return False
        if name == "range":
            if all(_is_constant(a.value) for a in iterable.args):
                return False
            if any(re.search(r"retr|attempt|tries", dotted_name(a.value) or "", re.IGNORECASE) for a in iterable.args):
                return False
        if name == "items" and isinstance(iterable.func, cst.Attribute) and _is_constant(iterable.func.value):
            return False
    name = dotted_name(iterable) or ""
    if CHUNK_NAME.search(name.split(".")[-1] if name else ""):
        return False
    return True


def per_item_loop(stack: list[cst.CSTNode]) -> cst.CSTNode | None:
    """Innermost loop whose per-item part holds ``stack[-1]`` (no function boundary between)."""
    for i in range(len(stack) - 1, 0, -1):
        parent, child = stack[i - 1], stack[i]
        if isinstance(parent, BOUNDARIES):
            return None
        if isinstance(parent, (cst.For, cst.While)) and child is parent.body:
            return parent
        if isinstance(parent, COMP_NODES) and child is not parent.for_in:
            return parent
        if isinstance(parent, cst.CompFor):
            top = isinstance(stack[i - 2], COMP_NODES) if i >= 2 else False
            if child is parent.iter and top:
                continue
            return stack[i - 2] if top else _comp_of(stack, i - 1)
    return None


def _comp_of(stack: list[cst.CSTNode], index: int) -> cst.CSTNode | None:
    for j in range(index, -1, -1):
        if isinstance(stack[j], COMP_NODES):
            return stack[j]
    return None


def _runs_once(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    """The statement holding the node leaves the loop right after it (break/return/raise)."""
    try:
        start = stack.index(loop)
    except ValueError:
        return False
    for depth in range(len(stack) - 1, start, -1):
        node = stack[depth]
        if isinstance(node, (cst.Return, cst.Raise)):
            return True
        if isinstance(node, (cst.SimpleStatementLine, cst.If, cst.Try, cst.With, cst.For, cst.While)):
            parent = stack[depth - 1]
            body = getattr(parent, "body", None)
            statements = body if isinstance(body, (list, tuple)) else None
            if statements is None:
                continue
            try:
                position = list(statements).index(node)
            except ValueError:
                continue
            for later in list(statements)[position:position + 3]:
                if isinstance(later, cst.SimpleStatementLine) and any(
                    isinstance(s, (cst.Break, cst.Return, cst.Raise)) for s in later.body
                ):
                    return True
            if isinstance(parent, cst.IndentedBlock) and depth - 1 == start + 1:
                break
    return False


def _names_in(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    node.visit(Collector())
    return names


def _bulk_hint(query: Query, item: str | None) -> str:
    if query.orm == "dbapi":
        return "use executemany() or one bulk statement (WHERE id = ANY(...) / IN (...)) instead"
    if query.orm == "sqlalchemy":
        model = query.model or "Model"
        if query.terminal in {"get", "get_one"}:
            return f"load them in one query before the loop: select({model}).where({model}.id.in_(ids))"
        return "run one query for all items before the loop (where(... .in_(ids))) and look results up in a dict"
    terminal = query.terminal
    if terminal in {"create", "acreate"}:
        return "collect the objects and call bulk_create() once after the loop"
    if terminal in {"update", "aupdate"}:
        return "update all rows at once with filter(pk__in=...).update(...) or bulk_update()"
    if terminal in {"delete", "adelete"}:
        return "delete all rows at once with filter(pk__in=...).delete()"
    if terminal in {"count", "acount", "exists", "aexists", "aggregate"}:
        return "compute it for all items in one query (annotate(Count(...)) or values(...).annotate(...))"
    field = next((k for k in query.lookups if not k.startswith("*")), None)
    if field:
        base = field.split("__")[0]
        base = "pk" if base in {"id", "pk"} else base
        return f"fetch all with filter({base}__in=...) before the loop and look them up in a dict"
    return "fetch all with filter(pk__in=...) or in_bulk() before the loop and look them up in a dict"


# --------------------------------------------------------------------------------------------
# Judging one loop over a query: relation access on the items
# --------------------------------------------------------------------------------------------

class _Access(cst.CSTVisitor):
    """Chains rooted at the loop item inside the loop body: ``post.author.name``."""

    def __init__(self, items: set[str]) -> None:
        self.items = items
        self.stack: list[cst.CSTNode] = []
        self.found: list[tuple[cst.CSTNode, list[Seg]]] = []
        self.rebound = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return False
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in self.items:
            self._record(node)
        if isinstance(node, (cst.AssignTarget, cst.AugAssign)):
            target = node.target
            if isinstance(target, cst.Name) and target.value in self.items:
                self.rebound = True
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self.stack.pop()

    def _record(self, node: cst.Attribute) -> None:
        top: cst.CSTNode = node
        for parent in reversed(self.stack):
            if isinstance(parent, cst.Attribute) and parent.value is top:
                top = parent
            elif isinstance(parent, cst.Call) and parent.func is top:
                top = parent
            elif isinstance(parent, cst.Subscript) and parent.value is top:
                top = parent
            elif isinstance(parent, cst.Await) and parent.expression is top:
                top = parent
            else:
                if isinstance(parent, (cst.AssignTarget, cst.Del)) and top is node:
                    return
                if isinstance(parent, cst.AugAssign) and parent.target is top:
                    return
                break
        self.found.append((node, chain_of(top)))


def _covered(query: Query, path: list[str], collection: bool) -> bool:
    if query.eager_all and (not collection or query.eager_collections or query.orm == "sqlalchemy"):
        return True
    joined = "__".join(path)
    dotted = ".".join(path)
    for eager in query.eager:
        if eager == joined or eager.startswith(joined + "__") or eager == dotted or eager.startswith(dotted + "."):
            return True
    return False


def _remedy(query: Query, item: str, path: list[str], collection: bool, method: str | None = None) -> str:
    rel = path[-1]
    if query.orm == "sqlalchemy":
        owner = query.model or "Model"
        loader = "selectinload" if collection else "joinedload"
        return f"add .options({loader}({owner}.{rel})) to the query"
    lookup = "__".join(path)
    if collection:
        if method in {"count", "exists"}:
            return f"annotate(Count(\"{lookup}\")) or prefetch_related(\"{lookup}\") on the queryset"
        return f"add prefetch_related(\"{lookup}\") to the queryset"
    return f"add select_related(\"{lookup}\") to the queryset"


def analyse_loop(rule: Rule, loop: cst.CSTNode, stack: list[cst.CSTNode]) -> list[tuple[str, cst.CSTNode, str]]:
    """Findings (code, node, message) for a loop whose iterable is a query; cached per loop."""
    state = _state(rule.context)
    cached = state.loops.get(id(loop))
    if cached is not None:
        return cached
    findings: list[tuple[str, cst.CSTNode, str]] = []
    state.loops[id(loop)] = findings
    iterable = _iter_of(loop)
    if iterable is None:
        return findings
    expr, index = _strip_wrappers(iterable)
    targets_node = loop.target if isinstance(loop, cst.For) else loop.for_in.target  # type: ignore[union-attr]
    item: str | None = None
    if index is None and isinstance(targets_node, cst.Name):
        item = targets_node.value
    elif index is not None and isinstance(targets_node, cst.Tuple) and len(targets_node.elements) == 2:
        second = targets_node.elements[1].value
        item = second.value if isinstance(second, cst.Name) else None
    if item is None:
        return findings
    # quick test before resolving: does the body touch ``item.<x>`` at all?
    query = _resolve_query(rule.context, state, expr, stack + [loop])
    if query is None or query.rows or query.orm == "dbapi" or query.trailing:
        return findings
    if query.orm == "sqlalchemy" and not query.model and query.terminal in {"scalar", "scalar_one", "count"}:
        return findings
    visitor = _Access({item})
    if isinstance(loop, cst.For):
        loop.body.visit(visitor)
    else:
        comp = loop  # type: ignore[assignment]
        parts: list[cst.CSTNode] = []
        if isinstance(comp, cst.DictComp):
            parts += [comp.key, comp.value]
        else:
            parts.append(comp.elt)  # type: ignore[attr-defined]
        parts += list(comp.for_in.ifs)
        if comp.for_in.inner_for_in is not None:
            parts.append(comp.for_in.inner_for_in)
        for part in parts:
            part.visit(visitor)
    if not visitor.found or visitor.rebound:
        return findings
    model = state.model(query.model)
    seen: set[str] = set()
    for node, segs in visitor.found:
        if len(segs) < 2:
            continue
        verdict = _judge(state, query, model, item, segs)
        if verdict is None:
            continue
        code, key, message = verdict
        if key in seen:
            continue
        seen.add(key)
        findings.append((code, node, message))
    return findings


def _judge(state: _FileState, query: Query, model: ModelInfo | None, item: str, segs: list[Seg]) -> tuple[str, str, str] | None:
    x = segs[1].name
    rest = segs[2:]
    nxt = rest[0] if rest else None
    if x in {"pk", "id", "_meta", "_state", "__class__", "__dict__"}:
        return None
    call_next = nxt is not None and nxt.call
    if model is not None and x.endswith("_id") and x[:-3] in model.relations:
        return None
    orm = query.orm
    if model is not None:
        rel = model.relations.get(x)
        if rel is not None:
            return _judge_relation(state, query, item, [x], rel, rest)
        if x in model.methods and orm == "django" or x in model.methods:
            is_prop, text, touched = model.methods[x]
            if (is_prop and not (nxt is not None and nxt.call and nxt.name == x)) or (not is_prop and rest and False) or (not is_prop):
                if not is_prop and segs[1].call is False and not (len(segs) > 1 and _called(segs, 1)):
                    return None
                reason = None
                if text:
                    reason = f"runs {text}"
                else:
                    lazy = [t for t in touched if t in model.relations and not model.relations[t].eager_by_default
                            and not _covered(query, [t], model.relations[t].collection)]
                    if lazy:
                        reason = f"queries self.{lazy[0]}"
                if reason:
                    what = f"{item}.{x}" + ("()" if not is_prop else "")
                    return ("BR201", f"method:{x}",
                            f"query per item: `{what}` {reason} once per {item} in this loop; "
                            f"prefetch/annotate what it needs on the queryset or batch it before the loop")
            return None
        if x in model.fields or x.endswith("_id"):
            if _deferred(query, x):
                how = "load_only()" if orm == "sqlalchemy" else "only()"
                if x in query.deferred:
                    how = "defer()"
                return ("BR202", f"deferred:{x}",
                        f"`{item}.{x}` is deferred by {how} and loaded by a query once per {item} in this loop; "
                        f"{'add' if how != 'defer()' else 'stop deferring'} \"{x}\"{' to ' + how if how != 'defer()' else ''}")
            return None
        if x.endswith("_set") and orm == "django" and nxt is not None:
            rel_guess = _GuessRel(x, True)
            return _judge_relation(state, query, item, [x], rel_guess, rest)  # type: ignore[arg-type]
        if model.orm and x not in state.graph.relation_names:
            return None
    # No model knowledge: conservative heuristics, and say so.
    if x in query.deferred and not call_next:
        return ("BR202", f"deferred:{x}",
                f"`{item}.{x}` is deferred by defer() and loaded by a query once per {item} in this loop; "
                f"stop deferring it")
    if orm == "django" and x.endswith("_set") and nxt is not None:
        return _judge_relation(state, query, item, [x], _GuessRel(x, True), rest, guessed=True)  # type: ignore[arg-type]
    if nxt is not None and nxt.call and orm == "django" and x not in NOT_RELATION:
        method = nxt.name
        positional = [v for k, v in nxt.args if k is None]
        if method in {"all", "count", "exists", "first", "last"} and not positional and not nxt.args:
            return _judge_relation(state, query, item, [x], _GuessRel(x, True), rest, guessed=True)  # type: ignore[arg-type]
        if method in {"filter", "exclude", "order_by", "values_list", "aggregate", "annotate"} and nxt.args and all(
            k is not None or isinstance(v, (cst.SimpleString, cst.Call, cst.Name)) for k, v in nxt.args
        ) and any(k is not None and "__" in (k or "") or k is not None for k, v in nxt.args) | (method in {"order_by", "values_list", "aggregate", "annotate"}):
            return _judge_relation(state, query, item, [x], _GuessRel(x, True), rest, guessed=True)  # type: ignore[arg-type]
    if nxt is not None and not nxt.call and nxt.name != "[]" and _looks_like_fk(state, x, nxt.name):
        if len(rest) >= 2 and rest[1].call and rest[1].name in {"all", "count", "filter", "exists"}:
            return None
        return _judge_relation(state, query, item, [x], _GuessRel(x, False), rest, guessed=True)  # type: ignore[arg-type]
    if query.only is not None and model is None and x not in query.only and x not in NOT_RELATION_ONLY_OK and not rest:
        how = "load_only()" if orm == "sqlalchemy" else "only()"
        return ("BR202", f"deferred:{x}",
                f"`{item}.{x}` is not in {how} and is loaded by a query once per {item} in this loop; "
                f"add \"{x}\" to {how}")
    return None


NOT_RELATION_ONLY_OK = {"pk", "id", "_meta", "_state", "__class__", "__dict__"}


def _called(segs: list[Seg], index: int) -> bool:
    return segs[index].call


def _deferred(query: Query, x: str) -> bool:
    if x in query.deferred:
        return True
    return query.only is not None and x not in query.only and x not in {"id", "pk"}


class _GuessRel:
    def __init__(self, name: str, collection: bool) -> None:
        self.name = name
        self.collection = collection
        self.kind = "reverse" if collection else "fk"
        self.target = None
        self.lazy = None
        self.eager_by_default = False
        self.dynamic = False


def _looks_like_fk(state: _FileState, x: str, y: str) -> bool:
    if x in NOT_RELATION or TIME_SUFFIX.search(x) or y in VALUE_ATTRS or y.startswith("__"):
        return False
    if x.startswith("_") or x.isupper():
        return False
    graph = state.graph
    if x in graph.relation_names:
        return True
    if x in graph.field_names:
        return False
    return True


def _judge_relation(state: _FileState, query: Query, item: str, path: list[str], rel: Any,
                    rest: list[Seg], guessed: bool = False) -> tuple[str, str, str] | None:
    x = path[-1]
    nxt = rest[0] if rest else None
    note = f" ({item}.{x} looks like a relation; its model is not in the project)" if guessed else ""
    if rel.kind == "generic":
        if _covered(query, path, False):
            return None
        return ("BR202", x, f"`{item}.{x}` (a generic foreign key) is loaded lazily once per {item} in this loop; "
                f"add prefetch_related(\"{x}\") to the queryset")
    if rel.eager_by_default and not rel.dynamic:
        return _deeper(state, query, item, path, rel, rest)
    if rel.collection or rel.dynamic:
        if query.orm == "django" or rel.orm == "django" if hasattr(rel, "orm") else query.orm == "django":
            if nxt is None:
                return None  # a bare manager runs nothing
            if nxt.call:
                method = nxt.name
                if method in ALWAYS_QUERY:
                    if method in {"filter", "exclude"} and not nxt.args:
                        pass
                    return ("BR202", f"{x}.{method}",
                            f"`{item}.{x}.{method}()` runs a query once per {item} in this loop (prefetch_related "
                            f"cannot serve it); use Prefetch(\"{x}\", queryset=..., to_attr=...) or one query before the loop"
                            + note)
                if method in CACHED_BY_PREFETCH or method == "iterator":
                    if _covered(query, path, True) and method != "iterator":
                        return None
                    return ("BR202", x, f"`{item}.{x}.{method}()` queries once per {item} in this loop; "
                            f"{_remedy(query, item, path, True, method)}" + note)
                return None
            return None
        # SQLAlchemy collections: touching the attribute loads it (dynamic: every query method)
        if rel.dynamic:
            if nxt is not None and (nxt.call or nxt.name in {"filter", "filter_by", "all", "count", "order_by", "first"}):
                return ("BR202", x, f"`{item}.{x}` is a dynamic relationship queried once per {item} in this loop; "
                        f"load all with one query before the loop")
            return None
        if _covered(query, path, True):
            return _deeper(state, query, item, path, rel, rest)
        return ("BR202", x, f"`{item}.{x}` is loaded lazily once per {item} in this loop; "
                f"{_remedy(query, item, path, True)}" + note)
    # many-to-one / one-to-one
    if _covered(query, path, False):
        return _deeper(state, query, item, path, rel, rest)
    if nxt is not None and nxt.name in {"id", "pk"} and query.orm == "django" and len(rest) == 1:
        return ("BR202", x, f"`{item}.{x}.{nxt.name}` loads {item}.{x} once per {item} in this loop; "
                f"use `{item}.{x}_id` instead (or {_remedy(query, item, path, False)})")
    return ("BR202", x, f"`{item}.{x}` is loaded lazily once per {item} in this loop; "
            f"{_remedy(query, item, path, False)}" + note)


def _deeper(state: _FileState, query: Query, item: str, path: list[str], rel: Any, rest: list[Seg]) -> tuple[str, str, str] | None:
    """``post.author.profile``: the first hop is loaded; judge the second against the graph."""
    if not rest or rest[0].call or len(path) >= 2:
        return None
    target = state.model(getattr(rel, "target", None))
    if target is None:
        return None
    second = rest[0].name
    rel2 = target.relations.get(second)
    if rel2 is None or rel2.eager_by_default:
        return None
    if query.model and rel2.target == query.model and not rel2.collection:
        return None  # the back-reference to the item: the ORM fills it when it loads the relation
    full = path + [second]
    if rel2.collection:
        if query.orm == "django":
            if len(rest) < 2 or not rest[1].call or rest[1].name not in CACHED_BY_PREFETCH:
                return None
        if _covered(query, full, True):
            return None
        return ("BR202", "__".join(full), f"`{item}.{'.'.join(full)}` is loaded lazily once per {item} in this loop; "
                f"{_remedy(query, item, full, True)}")
    if _covered(query, full, False):
        return None
    if len(rest) >= 2 and rest[1].name in {"id", "pk"}:
        return None
    return ("BR202", "__".join(full), f"`{item}.{'.'.join(full)}` is loaded lazily once per {item} in this loop; "
            f"{_remedy(query, item, full, False)}")


# --------------------------------------------------------------------------------------------
# Helpers that run queries (BR201 one level deep)
# --------------------------------------------------------------------------------------------

class _QueryFinder(cst.CSTVisitor):
    def __init__(self, state: _FileState) -> None:
        self.state = state
        self.found: str | None = None
        self.calls: list[cst.Call] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> bool:
        if self.found is not None:
            return False
        query = classify(chain_of(node), _KnownModels(self.state))
        if query is not None and query.evaluated and not query.has_in_lookup and is_specific(query):
            self.found = _describe(query)
        else:
            self.calls.append(node)
        return True


def _describe(query: Query) -> str:
    return query.text


def _function_query(state: _FileState, func: cst.FunctionDef, context: Any, depth: int = 0) -> str | None:
    key = id(func)
    if key in state.func_verdicts:
        return state.func_verdicts[key]
    state.func_verdicts[key] = None  # recursion guard
    finder = _QueryFinder(state)
    func.body.visit(finder)
    verdict = finder.found
    if verdict is None and depth < 1:
        module_funcs = context.scope_facts(context.module).functions
        for call in finder.calls:
            if isinstance(call.func, cst.Name) and call.func.value in module_funcs:
                inner = _function_query(state, module_funcs[call.func.value], context, depth + 1)
                if inner:
                    verdict = inner
                    break
    state.func_verdicts[key] = verdict
    return verdict


def _resolve_relative(module: str, qualified: str) -> str:
    if not qualified.startswith("."):
        return qualified
    level = len(qualified) - len(qualified.lstrip("."))
    base = module.split(".")
    base = base[: max(len(base) - level, 0)]
    rest = qualified.lstrip(".")
    return ".".join(base + [rest]) if base else rest


# --------------------------------------------------------------------------------------------
# DRF: SerializerMethodField runs once per object of a many=True serializer
# --------------------------------------------------------------------------------------------

def _serializer_object(rule: Rule, func: cst.FunctionDef) -> str | None:
    """The object parameter of ``get_<field>(self, obj)`` in a DRF serializer class, else None."""
    if not func.name.value.startswith("get_") or len(func.params.params) != 2:
        return None
    stack = rule.context.stack
    klass = stack[-2] if len(stack) >= 2 and isinstance(stack[-2], cst.ClassDef) else None
    if klass is None or not any((dotted_name(b.value) or "").endswith("Serializer") for b in klass.bases):
        return None
    field = func.name.value[4:]
    declared = False
    for statement in klass.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                kind = (dotted_name(small.value.func) or "").split(".")[-1]
                if kind != "SerializerMethodField":
                    continue
                names = [t.target.value for t in small.targets if isinstance(t.target, cst.Name)]
                method = next((literal_str(a.value) for a in small.value.args
                               if a.keyword is not None and a.keyword.value == "method_name"), None)
                if method == func.name.value or (method is None and field in names):
                    declared = True
    return func.params.params[1].name.value if declared else None


def analyse_serializer_method(rule: Rule, func: cst.FunctionDef) -> list[tuple[str, cst.CSTNode, str]]:
    state = _state(rule.context)
    cached = state.loops.get(id(func))
    if cached is not None:
        return cached
    findings: list[tuple[str, cst.CSTNode, str]] = []
    state.loops[id(func)] = findings
    obj = _serializer_object(rule, func)
    if obj is None:
        return findings
    field = func.name.value[4:]
    visitor = _Access({obj})
    func.body.visit(visitor)
    seen: set[str] = set()
    for node, segs in visitor.found:
        if len(segs) < 3 or not segs[2].call or visitor.rebound:
            continue
        x, method = segs[1].name, segs[2].name
        if x in NOT_RELATION or x in seen or x.startswith("_") or x == "objects" or method not in (ALWAYS_QUERY | {"count", "exists"}):
            continue
        if method in {"values", "only", "defer", "distinct", "select_related"}:
            continue
        seen.add(x)
        hint = (f"annotate(Count(\"{x}\")) in the view's queryset and read the annotation"
                if method in {"count", "exists"} else
                f"prefetch it in the view's queryset (Prefetch(\"{x}\", queryset=...)) or annotate it")
        findings.append(("BR202", node, f"`{obj}.{x}.{method}()` in SerializerMethodField `{field}` runs a query "
                         f"once per serialized object; {hint}"))
    return findings


# --------------------------------------------------------------------------------------------
# Gate on the stdlib AST: spare files without a candidate the libcst parse
# --------------------------------------------------------------------------------------------

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
    return any(graph.function(name.lstrip(".")) for name in imported)


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
    loops = [n for n in ast.walk(tree) if isinstance(n, _LOOP_TYPES)]
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
                elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                    if _queryish(node.iter, no_vars):
                        return True, []
                    inner_root = _root_name(node.iter)
                    if inner_root:
                        maybe_vars.add(inner_root)
        if touches_item and iterable is not None:
            if _queryish(iterable, no_vars):
                return True, []
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


# --------------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------------

class _LoopRule(Rule):
    CATEGORY = "performance"
    SEVERITY = "MEDIUM"
    TRIGGER = TRIGGER_RE
    USES_PROJECT_INDEX = True
    OPTIONS = {"queries-in-tests": False}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not _skip_path(options)

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.depth = 0
        self.skip = _skip_file(context)

    @classmethod
    def may_fire_in_project(cls, tree: ast.Module, project: Any) -> bool:
        return may_fire_data_access(tree, project)

    def _enter(self, node: cst.CSTNode) -> None:
        self.depth += 1

    def _leave(self, node: cst.CSTNode) -> None:
        self.depth -= 1

    visit_While = _enter
    leave_While = _leave
    visit_ListComp = _enter
    leave_ListComp = _leave
    visit_SetComp = _enter
    leave_SetComp = _leave
    visit_DictComp = _enter
    leave_DictComp = _leave
    visit_GeneratorExp = _enter
    leave_GeneratorExp = _leave

    def leave_For(self, node: cst.For) -> None:
        self.depth -= 1

    def report_loop(self, loop: cst.CSTNode) -> None:
        if self.skip:
            return
        for code, node, message in analyse_loop(self, loop, list(self.context.stack)):
            if code == self.CODE:
                self.report(node, message)


class QueryInLoop(_LoopRule):
    """A database query runs once per item of a loop (N+1 queries).

    ## What it does
    Finds database round-trips inside the body of a `for`/`async for`/`while` loop or a
    comprehension: Django manager and queryset calls that hit the database (`get`, `first`,
    `count`, `exists`, `create`, `update`, `delete`, `aggregate`, ... and `list()`/`len()`/indexing
    or iteration of a queryset), SQLAlchemy `session.get/execute/scalars/scalar`,
    `session.query(...).first()/one()/all()` and `Model.query...` (awaited `AsyncSession` calls
    too), DB-API `cursor.execute(...)` per item, model methods and properties that query, and calls
    to functions of the project (in this module or, through the project index, in others) that
    run a query.

    ## Why is this bad?
    One query per item turns a page of 100 rows into 101 round-trips: latency grows with the data
    and the database does 100 times the work. It is the most common performance bug of ORM code
    and it never shows on a developer's ten-row database.

    ## Example
    ```python
    for order in orders:
        customer = Customer.objects.get(id=order.customer_id)
        send_receipt(customer.email, order)
    ```

    ## Use instead
    Fetch everything the loop needs in one query before it, and look it up in a dict:
    ```python
    customers = Customer.objects.in_bulk([o.customer_id for o in orders])
    for order in orders:
        send_receipt(customers[order.customer_id].email, order)
    ```
    Per-item writes become `bulk_create()` / `bulk_update()` / `filter(pk__in=...).update()`;
    DB-API statements become `executemany()` or one `IN (...)` statement.

    ## Not reported
    Loops over constants (`for status in ("new", "paid")`), retry loops (`for attempt in
    range(3)`, `while True:`), chunked batch loops (`for chunk in batched(ids, 500)`), bulk
    queries (`filter(id__in=chunk)`), a query followed by `break`/`return` (it runs once),
    per-model loops (`for model in apps.get_models(): model.objects.count()`), DDL per table,
    tests and migrations (set `queries-in-tests = true` in `[tool.backend-rules]` to include tests).
    """

    CODE = "BR201"
    NAME = "query-in-loop"
    MESSAGE = "query per item: {query} runs once per iteration of this loop; {hint}"
    CONFIDENCE = "MEDIUM"

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1
        if self.skip:
            return
        self.report_loop(node)
        if self.depth > 1:
            self._nested_evaluation(node.iter)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if self.skip:
            return
        parent = self.context.stack[-1] if self.context.stack else None
        if isinstance(parent, COMP_NODES) and parent.for_in is node:
            self.report_loop(parent)
            if self.depth > 1:
                self._nested_evaluation(node.iter)

    def _nested_evaluation(self, iterable: cst.BaseExpression) -> None:
        """A lazy queryset iterated inside an outer loop runs once per outer item."""
        stack = self.context.stack
        loop = per_item_loop(stack + [iterable])
        if loop is None or not _loop_is_per_item(loop):
            return
        expr, _ = _strip_wrappers(iterable)
        self._report_lazy(expr, loop, stack + [iterable], iterable)

    def _report_lazy(self, expr: cst.BaseExpression, loop: cst.CSTNode, stack: list[cst.CSTNode], where: cst.CSTNode) -> None:
        state = _state(self.context)
        query = _resolve_query(self.context, state, expr, stack)
        if query is None or query.orm == "dbapi" or query.evaluated or query.trailing or query.terminal:
            return
        if query.has_in_lookup or self._varies_with_loop_model(query, loop, chain_of(expr)):
            return
        if query.text == "get_queryset()" or query.model is None and query.orm == "django" and not query.lookups:
            return
        if _runs_once(stack, loop) or self._repeat_loop(loop, where, set(_loop_targets(loop))):
            return
        self.report(where, query=f"`{query.text}`",
                    hint=_bulk_hint(query, None))

    def _varies_with_loop_model(self, query: Query, loop: cst.CSTNode, segs: list[Seg] | None = None) -> bool:
        root = (query.root_model_expr or "").split(".")[0]
        if segs and not segs[0].call:
            root = segs[0].name  # conn.execute(...) / qs.exists() with ``conn``/``qs`` from the loop
        if not root:
            return False
        for node in [loop, *self.context.stack]:
            if isinstance(node, (cst.For, *COMP_NODES)) and root in _loop_targets(node):
                return True
        return query.orm == "django" and root in {"model", "cls", "self", "klass", "model_class"}

    def visit_Call(self, node: cst.Call) -> None:
        if self.depth == 0 or self.skip:
            return
        stack = self.context.stack
        parent = stack[-1] if stack else None
        # only the outermost call of a chain: Post.objects.filter(x).first()
        child: cst.CSTNode = node
        depth = len(stack) - 1
        if isinstance(parent, cst.Await) and parent.expression is node and depth >= 1:
            child, parent, depth = parent, stack[-2], depth - 1
        grand = stack[depth - 1] if depth >= 1 else None
        if isinstance(parent, cst.Attribute) and parent.value is child and isinstance(grand, cst.Call) and grand.func is parent:
            return
        top: cst.CSTNode = parent if isinstance(parent, cst.Subscript) and parent.value is node else node
        full = stack + [node]
        loop = per_item_loop(full)
        if loop is None or not _loop_is_per_item(loop):
            return
        func = node.func
        if isinstance(func, cst.Name) and func.value in EVALUATING_BUILTINS and node.args and not node.args[0].keyword:
            self._report_lazy(node.args[0].value, loop, full, node)
            return
        state = _state(self.context)
        scope = enclosing_scope(full)
        facts = self.context.scope_facts(scope)
        segs = chain_of(top)
        if segs and not segs[0].call:
            original = len(segs)
            segs = _resolve_segs(self.context, segs, scope, facts.order_of(full), 0, enclosing_class(full))
            if len(segs) != original:
                held = classify(segs[: len(segs) - original + 1], _KnownModels(state))
                if held is not None and held.evaluated:
                    return  # the variable holds a result: its query ran where it was assigned
        query = classify(segs, _KnownModels(state))
        if query is not None:
            if query.evaluated:
                self._check_query(node, query, loop, full, segs)
            return
        self._check_helper(node, loop, full, state)

    def _check_query(self, node: cst.Call, query: Query, loop: cst.CSTNode, stack: list[cst.CSTNode],
                     segs: list[Seg] | None = None) -> None:
        if query.has_in_lookup or query.sliced and isinstance(loop, cst.While):
            return
        if self._varies_with_loop_model(query, loop, segs):
            return
        targets = set(_loop_targets(loop))
        if query.sql_arg is not None and not self._per_item_statement(query, loop, stack, targets):
            return
        if self._repeat_loop(loop, node, targets):
            return
        if _runs_once(stack, loop):
            return
        if isinstance(loop, cst.While) and not self._while_varies(loop, node):
            return
        self.report(node, query=f"`{_describe(query)}`", hint=_bulk_hint(query, None))

    @staticmethod
    def _repeat_loop(loop: cst.CSTNode, node: cst.CSTNode, targets: set[str]) -> bool:
        """``for i in range(n)`` whose counter the query ignores: a repetition, not items."""
        iterable = _iter_of(loop)
        if not (isinstance(iterable, cst.Call) and isinstance(iterable.func, cst.Name) and iterable.func.value == "range"):
            return False
        return not (targets & _names_in(node))

    def _per_item_statement(self, query: Query, loop: cst.CSTNode, stack: list[cst.CSTNode], targets: set[str]) -> bool:
        """The same kind of statement runs per item with other values (not one statement per table)."""
        sql = query.sql_arg
        if isinstance(sql, cst.Name):
            if sql.value in targets:
                return False  # a list of statements
            scope = enclosing_scope(stack)
            facts = self.context.scope_facts(scope)
            bindings = facts.bindings_before(sql.value, facts.order_of(stack))
            if not bindings:
                return False
            last = bindings[-1]
            if last.kind == "param":
                return query.orm == "dbapi" and not isinstance(loop, cst.While)
            loop_order = facts.order_of(stack[: stack.index(loop) + 1]) if loop in stack else 0
            if last.order <= loop_order:
                return query.orm == "dbapi" or last.value is not None and (
                    is_statement_expr(last.value) or sql_text_of(last.value) is not None)
            if last.value is None:
                return False
            sql = last.value
        subject = statement_subject(sql)
        if subject is not None and subject in targets:
            return False  # one statement per table
        text = sql_text_of(sql)
        if text is not None:
            if DDL.search(text) or not DML_READ_WRITE.search(text):
                return False
            if isinstance(loop, cst.While) and SQL_READ.search(text):
                return False
            return True
        if isinstance(sql, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)):
            return False
        return is_statement_expr(sql)

    def _while_varies(self, loop: cst.While, node: cst.Call) -> bool:
        """A query in a while loop is per item when it reads a name the loop re-binds (tree walks)."""
        assigned: set[str] = set()

        class Assigned(cst.CSTVisitor):
            def visit_Assign(self, assign: cst.Assign) -> None:
                # a walk: the next key comes from the data (node.parent_id, a query), not random
                value = assign.value
                if isinstance(value, cst.Await):
                    value = value.expression
                derived = isinstance(value, (cst.Attribute, cst.Subscript)) or (
                    isinstance(value, cst.Call) and classify(chain_of(value)) is not None)
                if not derived:
                    return
                for target in assign.targets:
                    if isinstance(target.target, cst.Name):
                        assigned.add(target.target.value)

            def visit_Break(self, _node: cst.Break) -> None:
                assigned.add("<break>")

        loop.body.visit(Assigned())
        if "<break>" in assigned:
            return False
        return bool(assigned & _names_in(node))

    def _check_helper(self, node: cst.Call, loop: cst.CSTNode, stack: list[cst.CSTNode], state: _FileState) -> None:
        func = node.func
        name = dotted_name(func)
        if name is None:
            return
        verdict: str | None = None
        shown = name
        module_facts = self.context.scope_facts(self.context.module)
        if isinstance(func, cst.Name):
            local = module_facts.functions.get(name)
            if local is not None:
                verdict = _function_query(state, local, self.context)
            elif name in self.context.imports.names:
                verdict = self._imported(name, state)
        elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            owner = func.value.value
            if owner in {"self", "cls"}:
                klass = enclosing_class(stack)
                if klass is not None:
                    method = self.context.scope_facts(klass).functions.get(func.attr.value)
                    if method is not None:
                        verdict = _function_query(state, method, self.context)
            elif owner in self.context.imports.names:
                verdict = self._imported(name, state)
            elif owner in module_facts.classes:
                method = self.context.scope_facts(module_facts.classes[owner]).functions.get(func.attr.value)
                if method is not None:
                    verdict = _function_query(state, method, self.context)
        if verdict is None:
            return
        if _runs_once(stack, loop):
            return
        if isinstance(loop, cst.While) and not self._while_varies(loop, node):
            return
        self.report(node, message=f"query per item: `{shown}()` runs {verdict} once per iteration of this loop; "
                    f"fetch what the loop needs in one query before it ({'filter(id__in=...)' if 'objects' in verdict else 'WHERE id IN (...)'}) and look it up in a dict")

    def _imported(self, name: str, state: _FileState) -> str | None:
        head, _, rest = name.partition(".")
        full = self.context.imports.names.get(head)
        qualified = (f"{full}.{rest}" if rest else full) if full else None
        if not qualified:
            return None
        project = self.context.project
        if project is None:
            return None
        graph = state.graph
        qualified = _resolve_relative(state.module_name or "", qualified)
        hit = graph.function(qualified)
        if hit is None:
            return None
        module, text = hit
        return f"{text} (in {module})"

    VALID = [
        # one query before the loop, a dict lookup inside it
        """
        def receipts(orders):
            customers = Customer.objects.in_bulk([o.customer_id for o in orders])
            for order in orders:
                send(customers[order.customer_id].email)
        """,
        # near miss: a bulk query per chunk
        """
        from itertools import batched

        def archive(ids):
            for chunk in batched(ids, 500):
                Post.objects.filter(id__in=chunk).update(archived=True)
        """,
        # retry loop and a loop over constants
        """
        import sqlite3 as db

        def setup(cursor):
            for attempt in range(3):
                try:
                    cursor.execute("SELECT 1")
                    break
                except Exception:
                    pass
            for status in ("new", "paid", "shipped"):
                Status.objects.get_or_create(name=status)
        """,
        # the query runs once: the loop ends right after it
        """
        def first_match(names):
            for name in names:
                if name.startswith("x"):
                    return User.objects.get(username=name)
        """,
        # per-model loop, not per item
        """
        from django.apps import apps

        def counts():
            return {m.__name__: m.objects.count() for m in apps.get_models()}
        """,
    ]
    INVALID = [
        Invalid(
            """
            def receipts(orders):
                for order in orders:
                    customer = Customer.objects.get(id=order.customer_id)
                    send(customer.email, order)
            """,
            line=3, column=20, message="filter(pk__in=...)",
        ),
        # import alias of SQLAlchemy, awaited AsyncSession
        Invalid(
            """
            from sqlalchemy.ext.asyncio import AsyncSession as AS

            async def names(session: AS, ids):
                out = []
                for user_id in ids:
                    user = await session.get(User, user_id)
                    out.append(user.name)
                return out
            """,
            line=6, message="select(User).where(User.id.in_(ids))",
        ),
        Invalid(
            """
            def mark_paid(cursor, invoices):
                for invoice in invoices:
                    cursor.execute("UPDATE invoice SET paid = true WHERE id = %s", (invoice.id,))
            """,
            line=3, message="executemany()",
        ),
        # a helper of the module that queries, called per item
        Invalid(
            """
            def author_of(post):
                return Author.objects.filter(pk=post.author_id).first()

            def names(posts):
                return [author_of(p).name for p in posts]
            """,
            line=5, message="`author_of()` runs",
        ),
        # a queryset evaluated per item by len()
        Invalid(
            """
            from django.db import models as m

            def stats(posts):
                for post in posts:
                    post.n = len(Comment.objects.filter(post=post))
            """,
            line=5, message="filter(post__in=...)",
        ),
    ]


class LazyRelationInLoop(_LoopRule):
    """A loop over a queryset touches a relation that is loaded lazily, one query per item.

    ## What it does
    Finds loops (and comprehensions) over a Django queryset or a SQLAlchemy query/result whose body
    touches a relation of each item — `post.author.name`, `post.comments.all()`,
    `post.tags.count()`, a reverse `comment_set` manager — when the query does not load it eagerly
    (`select_related`, `prefetch_related`, `Prefetch`, `joinedload`, `selectinload`,
    `subqueryload`, `contains_eager`, `raiseload`, or a relationship declared with an eager
    `lazy=` strategy). Also finds columns deferred by `only()`/`defer()`/`load_only()` that the
    loop reads. Relations come from the project's models (every file, not only the checked one);
    for models it cannot find it falls back to conservative name heuristics and says so.

    ## Why is this bad?
    Each lazy relation access is one more query per item: 1 query for the list, N for the
    relation. The code looks innocent (an attribute read) and is fast on small data.

    ## Example
    ```python
    for post in Post.objects.filter(published=True):
        print(post.title, post.author.name)
    ```

    ## Use instead
    ```python
    for post in Post.objects.filter(published=True).select_related("author"):
        print(post.title, post.author.name)
    ```
    Collections: `prefetch_related("comments")` (Django) or `.options(selectinload(Post.comments))`
    (SQLAlchemy); counts: `annotate(Count("comments"))`; the id of a foreign key:
    `post.author_id`, which needs no query.

    ## Not reported
    Eager-loaded relations, `values()`/`values_list()`/column selections, plain fields
    (`post.title`, `post.author_id`), loops over in-memory data, and `.filter()` on relations of
    items whose loop is not over a query (BR201 covers explicit queries).
    """

    CODE = "BR202"
    NAME = "lazy-relation-in-loop"
    MESSAGE = "`{access}` is loaded lazily once per item in this loop; {remedy}"
    CONFIDENCE = "MEDIUM"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.skip or not node.name.value.startswith("get_"):
            return
        for code, where, message in analyse_serializer_method(self, node):
            if code == self.CODE:
                self.report(where, message)

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1
        self.report_loop(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        parent = self.context.stack[-1] if self.context.stack else None
        if isinstance(parent, COMP_NODES) and parent.for_in is node:
            self.report_loop(parent)

    VALID = [
        """
        def titles():
            return [p.title for p in Post.objects.filter(published=True)]
        """,
        # near miss: the relation is eager-loaded
        """
        def feed():
            for post in Post.objects.select_related("author").prefetch_related("tags"):
                print(post.author.name, [t.name for t in post.tags.all()])
        """,
        # aliased SQLAlchemy loader
        """
        from sqlalchemy.orm import selectinload as eager

        def orders(session):
            for order in session.scalars(select(Order).options(eager(Order.lines))):
                total = sum(line.price for line in order.lines)
        """,
        # the id of the foreign key needs no query; values() rows are dicts
        """
        def ids():
            for post in Post.objects.all():
                print(post.author_id)
            for row in Post.objects.values("author__name"):
                print(row["author__name"])
        """,
        # a loop over in-memory data
        """
        def render(rows):
            for row in [{"author": {"name": "a"}}]:
                print(row.author.name)
        """,
    ]
    INVALID = [
        Invalid(
            """
            def feed():
                for post in Post.objects.filter(published=True):
                    print(post.title, post.author.name)
            """,
            line=3, column=27, message='select_related("author")',
        ),
        # the queryset comes from a variable; reverse manager count
        Invalid(
            """
            from django.db import models as m

            class Post(m.Model):
                title = m.CharField(max_length=100)

            class Comment(m.Model):
                post = m.ForeignKey(Post, on_delete=m.CASCADE, related_name="comments")

            def stats():
                posts = Post.objects.order_by("-id")
                return {p.id: p.comments.count() for p in posts}
            """,
            line=11, message='annotate(Count("comments"))',
        ),
        # the guide's Example 5 (Flask-SQLAlchemy)
        Invalid(
            """
            def get_posts_with_authors():
                posts = Post.query.all()
                result = []
                for post in posts:
                    result.append({"title": post.title, "author_name": post.author.name})
                return result
            """,
            line=5, message="joinedload(Post.author)",
        ),
        Invalid(
            """
            from sqlalchemy import select
            from sqlalchemy.orm import Mapped, relationship

            class Order(Base):
                __tablename__ = "orders"
                lines: Mapped[list["Line"]] = relationship(back_populates="order")

            def totals(session):
                for order in session.scalars(select(Order)):
                    yield sum(line.price for line in order.lines)
            """,
            line=10, message="selectinload(Order.lines)",
        ),
    ]
