"""What the body of a loop over a query reads from each item, and what that costs per item.

Relations the query did not load eagerly and deferred columns (BR202), model methods and
properties that query (BR201). Reads the model graph when the item's model is known; otherwise
conservative name heuristics, and the message says so.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.orm.chains import Seg, chain_of
from backend_rules.analysis.orm.model_graph import ModelInfo
from backend_rules.analysis.orm.query_calls import Query
from backend_rules.analysis.orm.serializer_uses import schema_reads
from backend_rules.analysis.orm.subquery_args import cst_is_subquery
from backend_rules.analysis.orm.vocabulary import ALWAYS_QUERY, CACHED_BY_PREFETCH
from backend_rules.analysis.walk import walk
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_state import FileState, state_of
from backend_rules.rules.data_access.object_models import entity_of_row
from backend_rules.rules.data_access.per_item_loops import iter_of
from backend_rules.rules.data_access.query_helpers import callee_in, function_summary
from backend_rules.rules.data_access.query_resolution import (
    resolve_query,
    strip_wrappers,
)
from backend_rules.rules.data_access.queryset_cache import relations_read_before
from backend_rules.rules.data_access.schema_facts import schema_facts

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


class ItemAccess(cst.CSTVisitor):
    """Chains rooted at the loop item inside the loop body: ``post.author.name``."""

    def __init__(self, items: set[str]) -> None:
        self.items = items
        self.stack: list[cst.CSTNode] = []
        self.found: list[tuple[cst.CSTNode, list[Seg]]] = []
        self.handed: list[tuple[cst.Call, int]] = []  # calls given an item: (call, argument position)
        self.rebound = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            return False
        if isinstance(node, cst.Call):
            for position, arg in enumerate(node.args):
                if arg.keyword is not None or arg.star:
                    break
                if isinstance(arg.value, cst.Name) and arg.value.value in self.items:
                    self.handed.append((node, position))
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value in self.items:
            self._record(node)
        if isinstance(node, (cst.AssignTarget, cst.AugAssign)):
            target = node.target
            if isinstance(target, cst.Name) and target.value in self.items:
                self.rebound = True
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.stack and self.stack[-1] is original_node:  # libcst leaves skipped nodes too
            self.stack.pop()

    def _record(self, node: cst.Attribute) -> None:
        top: cst.CSTNode = node
        for depth, parent in enumerate(reversed(self.stack)):
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
                segs = chain_of(top)
                last = segs[-1].name if segs and segs[-1].call else None
                if cst_is_subquery(top, last, self.stack[:len(self.stack) - depth]):
                    return  # ``filter(user__in=item.friends.all())``: a subquery of that query, not a lazy load
                break
        self.found.append((node, chain_of(top)))


def covered(query: Query, path: list[str], collection: bool) -> bool:
    if query.eager_all and (not collection or query.eager_collections or query.orm == "sqlalchemy"):
        return True
    joined = "__".join(path)
    dotted = ".".join(path)
    for eager in query.eager:
        if eager == joined or eager.startswith(joined + "__") or eager == dotted or eager.startswith(dotted + "."):
            return True
    return False


def _remedy(query: Query, item: str, path: list[str], collection: bool, method: str | None = None,
            owners: list[str | None] | None = None, hops_collection: list[bool] | None = None) -> str:
    """What to add to the query, naming relations that exist: ``owners[i]`` is the model that holds
    ``path[i]`` (the query's model first); SQLAlchemy paths chain one loader per hop."""
    if query.orm == "sqlalchemy":
        owners = owners or [query.model]
        kinds = hops_collection or [collection]
        if len(owners) != len(path) or not all(owners):
            loader = "selectinload" if collection else "joinedload"
            return f"eager-load the `{'.'.join(path)}` relationship in the query's .options() ({loader}(...))"
        chain = ".".join(
            f"{'selectinload' if many else 'joinedload'}({owner}.{name})"
            for owner, name, many in zip(owners, path, kinds)
        )
        return f"add .options({chain}) to the query"
    lookup = "__".join(path)
    if collection:
        if method in {"count", "exists"}:
            return f"annotate(Count(\"{lookup}\")) or prefetch_related(\"{lookup}\") on the queryset"
        return f"add prefetch_related(\"{lookup}\") to the queryset"
    return f"add select_related(\"{lookup}\") to the queryset"


def remedy_for(query: Query, relations: list[tuple[str, bool]]) -> str:
    """One fix for several relations of the rows: ``select_related("a")`` and ``prefetch_related("b")``
    (Django) or one ``.options(...)`` of loaders (SQLAlchemy)."""
    if query.orm == "sqlalchemy":
        owner = query.model or "Model"
        loaders = ", ".join(f"{'selectinload' if many else 'joinedload'}({owner}.{name})" for name, many in relations)
        return f"add .options({loaders}) to the query"
    select = [f'"{name}"' for name, many in relations if not many]
    prefetch = [f'"{name}"' for name, many in relations if many]
    fixes = ([f"select_related({', '.join(select)})"] if select else []) + \
        ([f"prefetch_related({', '.join(prefetch)})"] if prefetch else [])
    return f"add {' and '.join(fixes)} to the queryset"


def analyse_loop(rule: Rule, loop: cst.CSTNode, stack: list[cst.CSTNode]) -> list[tuple[str, cst.CSTNode, str]]:
    """Findings (code, node, message) for a loop whose iterable is a query; cached per loop."""
    state = state_of(rule.context)
    cached = state.loops.get(id(loop))
    if cached is not None:
        return cached
    findings: list[tuple[str, cst.CSTNode, str]] = []
    state.loops[id(loop)] = findings
    iterable = iter_of(loop)
    if iterable is None:
        return findings
    expr, index = strip_wrappers(iterable)
    targets_node = loop.target if isinstance(loop, cst.For) else loop.for_in.target  # type: ignore[union-attr]
    item: str | None = None
    if index is None and isinstance(targets_node, cst.Name):
        item = targets_node.value
    elif index is not None and isinstance(targets_node, cst.Tuple) and len(targets_node.elements) == 2:
        second = targets_node.elements[1].value
        item = second.value if isinstance(second, cst.Name) else None
    row_target = targets_node if index is None and isinstance(targets_node, cst.Tuple) else None
    if item is None and row_target is None:
        return findings
    query = resolve_query(rule.context, state, expr, stack + [loop])
    if query is not None and row_target is not None:
        query, item = entity_of_row(query, row_target)
    if query is None or item is None or query.rows or query.orm == "dbapi" or query.trailing:
        return findings
    if query.orm == "sqlalchemy" and not query.model and query.terminal in {"scalar", "scalar_one", "count"}:
        return findings
    visitor = ItemAccess({item})
    if isinstance(loop, cst.For):
        walk(loop.body, visitor.on_visit, visitor.on_leave)
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
            walk(part, visitor.on_visit, visitor.on_leave)
    if not (visitor.found or visitor.handed) or visitor.rebound:
        return findings
    model = state.model(query.model)
    seen: set[str] = set()
    # a queryset variable looped over again yields the objects an earlier loop already filled
    loaded = relations_read_before(rule.context, stack + [loop], expr.value) \
        if query.orm == "django" and isinstance(expr, cst.Name) else set()
    for node, segs in visitor.found:
        if len(segs) < 2:
            continue
        if segs[1].name in loaded and not (len(segs) > 2 and segs[2].call):
            continue
        verdict = _judge(state, query, model, item, segs)
        if verdict is None:
            continue
        code, key, message = verdict
        if key in seen:
            continue
        seen.add(key)
        findings.append((code, node, message))
    for call, position in visitor.handed:
        for code, key, message in _through_helper(rule, state, query, model, item, call, position, stack + [loop]):
            if key not in seen:
                seen.add(key)
                findings.append((code, call, message))
    return findings


def _through_helper(rule: Rule, state: FileState, query: Query, model: ModelInfo | None, item: str,
                    call: cst.Call, position: int, stack: list[cst.CSTNode]) -> list[tuple[str, str, str]]:
    """``fmt(order)`` where the project function ``fmt`` reads ``order.customer.name``: the relations
    it reads are read once per item of this loop (two calls deep at most)."""
    segs = chain_of(call)
    callee = function_summary(rule.context, state, segs, stack) if segs and segs[-1].call and len(segs) <= 2 else None
    targets: list[tuple[str, str, str, dict[str, Any], int]] = []  # (shown, module, qualname, summary, position)
    if callee is not None and callee.at == len(segs) - 1:
        targets.append((callee.shown, callee.module, callee.qualname, callee.summary, position))
    elif len(segs) == 2 and segs[1].name in SCHEMA_FROM_OBJECT and position == 0 and segs[0].name[:1].isupper():
        # ``PostOut.model_validate(post)``: the schema reads the relations its nested fields name
        fields = schema_reads(schema_facts(rule), segs[0].name) or []
        summary = {"p": {"obj": 0}, "t": {"obj": [f"{field}.all()" if many else f"{field}.x" for field, _, many in fields]}}
        if fields:
            targets.append((f"{segs[0].name}.{segs[1].name}", "", "", summary, 0))
    elif len(segs) == 1 and SERIALIZER_CLASS.search(segs[0].name) and position == 0:
        # ``PostSerializer(post).data``: its get_<field>(obj) / to_representation(instance) read the item
        for module, qualname, summary in state.functions.class_methods(segs[0].name):
            method = qualname.split(".")[-1]
            if method.startswith("get_") or method == "to_representation":
                targets.append((f"{segs[0].name}.{method}", module, qualname, summary, 0))
    out: list[tuple[str, str, str]] = []
    for shown, module, qualname, summary, index in targets:
        for chain in _reads_of(state, module, qualname, summary, index, depth=0):
            segs_here = [Seg(item)] + [Seg(part.removesuffix("()"), part.endswith("()")) for part in chain.split(".")]
            verdict = _judge(state, query, model, item, segs_here)
            if verdict is not None:
                code, key, message = verdict
                out.append((code, key, f"through `{shown}()`: {message}"))
    return out


SERIALIZER_CLASS = re.compile(r"^[A-Z]\w*(Serializer|Schema)$")
# Pydantic constructors from an ORM object: ``model_validate(obj)`` (v2), ``from_orm(obj)`` (v1).
SCHEMA_FROM_OBJECT = {"model_validate", "from_orm"}


def _reads_of(state: FileState, module: str, qualname: str, summary: dict[str, Any], position: int,
              depth: int) -> list[str]:
    """Attribute chains a function reads from its parameter at ``position``, and from what it hands it to."""
    param = next((name for name, index in (summary.get("p") or {}).items() if index == position), None)
    if param is None:
        return []
    chains = list((summary.get("t") or {}).get(param, ()))
    if depth < 1:
        for call in summary.get("c") or []:
            callee, name, index = call.split()
            if name != param:
                continue
            hit = callee_in(state, module, qualname, callee)
            if hit is not None:
                chains += _reads_of(state, hit[0], hit[1], hit[2], int(index), depth + 1)
    return chains


def _judge(state: FileState, query: Query, model: ModelInfo | None, item: str, segs: list[Seg]) -> tuple[str, str, str] | None:
    if segs[1].name == "awaitable_attrs" and len(segs) > 2 and not segs[1].call:
        segs = [segs[0], *segs[2:]]  # ``await item.awaitable_attrs.x``: an explicit lazy load of x
    x = segs[1].name
    rest = segs[2:]
    nxt = rest[0] if rest else None
    called = segs[1].call  # ``item.x(...)``: a method (``ct.model_class()``, ``row.save()``), never a relation
    if x in {"pk", "id", "_meta", "_state", "__class__", "__dict__"} or x in query.annotations:
        return None
    orm = query.orm
    if model is not None:
        if x.endswith("_id") and x[:-3] in model.relations:
            return None
        rel = model.relations.get(x) or _subclass_relation(state, model, x)
        if rel is not None and not called:
            via = model.relations.get(rel.via) if rel.via else None
            if via is not None and via.eager_by_default and not via.dynamic and rel.via not in query.lazy:
                return None  # a proxy over a relationship loaded with every row (``lazy=False``)
            return _judge_relation(state, query, item, [x], rel, rest)
        if x in model.methods:
            return _judge_method(state, query, model, item, x, called)
        if x in model.fields or x.endswith("_id"):
            return None if called else _deferred_column(query, item, x)
        if called:
            return None
        if x.endswith("_set") and orm == "django" and nxt is not None:
            return _judge_relation(state, query, item, [x], _GuessRel(x, True), rest)  # type: ignore[arg-type]
        if model.orm and x not in state.graph.relation_names:
            return None
    if called or query.opaque:
        return None  # a method; or a statement from elsewhere whose loader options we cannot read
    # No model knowledge: conservative heuristics, and say so.
    if x in query.deferred and not (nxt is not None and nxt.call):
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
    if query.only is not None and model is None and x not in query.only and x not in NOT_RELATION_ONLY_OK and not rest \
            and not covered(query, [x], False):
        if f"{x}_id" in query.only:  # the foreign key's column is loaded, the related object is not
            return _judge_relation(state, query, item, [x], _GuessRel(x, False), rest, guessed=True)  # type: ignore[arg-type]
        how = "load_only()" if orm == "sqlalchemy" else "only()"
        return ("BR202", f"deferred:{x}",
                f"`{item}.{x}` is not in {how} and is loaded by a query once per {item} in this loop; "
                f"add \"{x}\" to {how}")
    return None


def _subclass_relation(state: FileState, model: ModelInfo, x: str) -> Any:
    """A relation only a subclass declares (polymorphic rows: ``price.meter`` of metered prices)."""
    for infos in state.graph.by_name.values():
        for info in infos[:1]:
            if model.name in info.bases and x in info.relations:
                return info.relations[x]
    return None


def _judge_method(state: FileState, query: Query, model: ModelInfo, item: str, x: str, called: bool) -> tuple[str, str, str] | None:
    """A model method or property that runs a query (or touches a lazy relation of ``self``)."""
    is_prop, text, touched = model.methods[x]
    if not is_prop and not called:
        return None  # the bound method is passed around, not run
    reason = None
    if text:
        reason = f"runs {text}"
    else:
        lazy = [t for t in touched if t in model.relations and not model.relations[t].eager_by_default
                and not covered(query, [t], model.relations[t].collection)
                and not (not model.relations[t].collection and _back_to_owner(query, model.relations[t]))
                and not (query.orm == "sqlalchemy" and not model.relations[t].collection
                         and _shared_parent(state, query, model.relations[t]))]
        if lazy:
            reason = f"queries self.{lazy[0]}"
    if reason is None:
        return None
    what = f"{item}.{x}" + ("()" if not is_prop else "")
    return ("BR201", f"method:{x}",
            f"query per item: `{what}` {reason} once per {item} in this loop; "
            f"prefetch/annotate what it needs on the queryset or batch it before the loop")


def _deferred_column(query: Query, item: str, x: str) -> tuple[str, str, str] | None:
    if not _deferred(query, x):
        return None
    how = "load_only()" if query.orm == "sqlalchemy" else "only()"
    if x in query.deferred:
        return ("BR202", f"deferred:{x}",
                f"`{item}.{x}` is deferred by defer() and loaded by a query once per {item} in this loop; "
                f"stop deferring \"{x}\"")
    return ("BR202", f"deferred:{x}",
            f"`{item}.{x}` is deferred by {how} and loaded by a query once per {item} in this loop; "
            f"add \"{x}\" to {how}")


# Related-manager calls that write: no eager load can serve them.
RELATED_WRITES = {"create", "update", "delete", "get_or_create", "update_or_create", "bulk_create"}
NOT_RELATION_ONLY_OK = {"pk", "id", "_meta", "_state", "__class__", "__dict__"}


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


def _looks_like_fk(state: FileState, x: str, y: str) -> bool:
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


def _prefetched_by_callers(state: FileState, query: Query, x: str) -> bool:
    """``for av in product.attributevalues.all(): av.value`` in a helper given ``product``: when its
    own module prefetches ``attributevalues__value`` (its callers there hand it prefetched objects).
    A path prefetched only in some other module proves nothing about this helper's callers
    (saleor's ``order.lines`` -> ``line.variant`` is a real N+1 though ``lines__variant`` is
    prefetched elsewhere)."""
    if not query.through or query.orm != "django":
        return False
    joined = f"{query.through[1]}__{x}"
    source = state.context.source
    return any((p == joined or p.startswith(joined + "__") or p.endswith("__" + joined) or f"__{joined}__" in p)
               and (f'"{p}"' in source or f"'{p}'" in source)
               for p in state.graph.prefetched_paths)


def _judge_relation(state: FileState, query: Query, item: str, path: list[str], rel: Any,
                    rest: list[Seg], guessed: bool = False) -> tuple[str, str, str] | None:
    x = path[-1]
    if len(path) == 1 and _prefetched_by_callers(state, query, x):
        return None
    nxt = rest[0] if rest else None
    indirect = query.model is None or bool(query.from_helper or query.through)
    unknown = "its model is not in the project" if query.model else "the query's model is not known here"
    if indirect:  # rows handed back by a helper or an object: they may not be rows of any model
        unknown += "; rows not known to be model rows"
    note = f" ({item}.{x} looks like a relation; {unknown})" if guessed else ""
    if rel.kind == "generic":
        if covered(query, path, False):
            return None
        return ("BR202", x, f"`{item}.{x}` (a generic foreign key) is loaded lazily once per {item} in this loop; "
                f"add prefetch_related(\"{x}\") to the queryset")
    if rel.eager_by_default and not rel.dynamic and x not in query.lazy:
        return _deeper(state, query, item, path, rel, rest)
    if getattr(rel, "via", None):
        if covered(query, [rel.via], False) or covered(query, path, rel.collection):
            return None
        owner = query.model or "Model"
        return ("BR202", x, f"`{item}.{x}` (an association proxy over `{rel.via}`) loads `{rel.via}` and its target "
                f"once per {item} in this loop; add .options(joinedload({owner}.{rel.via})) and load what it points to")
    if rel.collection or rel.dynamic:
        if query.orm == "django" or rel.orm == "django" if hasattr(rel, "orm") else query.orm == "django":
            if nxt is None:
                return None  # a bare manager runs nothing
            if nxt.call:
                method = nxt.name
                if method in RELATED_WRITES:
                    return None  # a write per item (BR201's), not a relation loaded lazily
                if method in ALWAYS_QUERY:
                    return ("BR202", f"{x}.{method}",
                            f"`{item}.{x}.{method}()` runs a query once per {item} in this loop (prefetch_related "
                            f"cannot serve it); use Prefetch(\"{x}\", queryset=..., to_attr=...) or one query before the loop"
                            + note)
                if method in CACHED_BY_PREFETCH or method == "iterator":
                    if covered(query, path, True) and method != "iterator":
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
        if covered(query, path, True):
            return _deeper(state, query, item, path, rel, rest)
        return ("BR202", x, f"`{item}.{x}` is loaded lazily once per {item} in this loop; "
                f"{_remedy(query, item, path, True)}" + note)
    # many-to-one / one-to-one
    if covered(query, path, False):
        return _deeper(state, query, item, path, rel, rest)
    if _back_to_owner(query, rel) or query.orm == "sqlalchemy" and not guessed and _shared_parent(state, query, rel):
        return None
    if nxt is not None and nxt.name in {"id", "pk"} and query.orm == "django" and len(rest) == 1:
        return ("BR202", x, f"`{item}.{x}.{nxt.name}` loads {item}.{x} once per {item} in this loop; "
                f"use `{item}.{x}_id` instead (or {_remedy(query, item, path, False)})")
    return ("BR202", x, f"`{item}.{x}` is loaded lazily once per {item} in this loop; "
            f"{_remedy(query, item, path, False)}" + note)


# Models that everything points at (who did it), not parents that group rows together.
PEOPLE = re.compile(r"(User|Account|Member|Person|Profile|Owner|Author|Creator)$")


def shared_parent(state: FileState, query: Query, rel: Any) -> bool:
    """Public name of :func:`_shared_parent` (the response-schema check uses it too)."""
    return _shared_parent(state, query, rel)


def _back_to_owner(query: Query, rel: Any) -> bool:
    """``for line in order.lines.all(): line.order``: the rows of an object's relation point back to
    that object, which Django's related manager fills in and SQLAlchemy's identity map holds."""
    return bool(query.through and query.through[0] and getattr(rel, "target", None) == query.through[0])


def _shared_parent(state: FileState, query: Query, rel: Any) -> bool:
    """SQLAlchemy serves a many-to-one from its identity map once the target is loaded: when the rows
    are narrowed to one parent (``with_parent(event)``, ``filter_by(event=...)``), the parent itself and
    objects that belong to it (the event's forms) are a handful of loads, not one per row."""
    model = state.model(query.model)
    if model is None or getattr(rel, "reverse_scalar", False):
        return False  # one object per row found by the other side's foreign key: never from the identity map
    owner = state.model(query.through[0]) if query.through and query.through[0] else None
    if owner is not None:
        # the children of one object (``submission.answers``): what they point to under that object's
        # own parents (the survey's questions) is a handful of loads
        owners = {owner.name} | {r.target for r in owner.relations.values()
                                 if not r.collection and r.target and not PEOPLE.search(r.target)}
        target = state.model(rel.target)
        if rel.target in owners or target is not None and any(
                not other.collection and other.target in owners for other in target.relations.values()):
            return True
    if not query.scopes:
        return False
    parents: set[str] = set()
    for scope in query.scopes:
        name = scope.split(":", 1)[-1]
        name = name[:-3] if name.endswith("_id") else name
        for rname, candidate in model.relations.items():
            if candidate.collection:
                continue
            target = (candidate.target or "").lower()
            if rname == name or target == name.replace("_", "").lower():
                parents.add(rname)
    if rel.name in parents:
        return True
    owners = {model.relations[p].target for p in parents}
    target = state.model(rel.target)
    return target is not None and any(
        not other.collection and other.target in owners for other in target.relations.values()
    )


def _deeper(state: FileState, query: Query, item: str, path: list[str], rel: Any, rest: list[Seg]) -> tuple[str, str, str] | None:
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
        if covered(query, full, True):
            return None
        return ("BR202", "__".join(full), f"`{item}.{'.'.join(full)}` is loaded lazily once per {item} in this loop; "
                f"{_remedy(query, item, full, True, owners=[query.model, target.name], hops_collection=[rel.collection, True])}")
    if covered(query, full, False):
        return None
    if len(rest) >= 2 and rest[1].name in {"id", "pk"}:
        return None
    return ("BR202", "__".join(full), f"`{item}.{'.'.join(full)}` is loaded lazily once per {item} in this loop; "
            f"{_remedy(query, item, full, False, owners=[query.model, target.name], hops_collection=[rel.collection, False])}")
