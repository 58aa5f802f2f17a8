"""How much a query per item is worth a reviewer's time, beyond where the code runs.

An N+1 costs N round-trips: it matters when N grows with the data (the rows of a query, a
relation's rows, a list handed in by the caller) and when the query is the work of the loop. Real
projects are full of true-but-cheap ones that no reviewer acts on: a loop over a handful of
settings, keyword arguments or enum members; one create/update per row of the input (often the
only way: the new row is used at once, each row has its own values); a loop over the sub-list of a
request payload (its tags, its filters); a query next to an email, an HTTP call or a file write per
item; a helper whose query is two calls away. Each lowers the finding's confidence, so that the
default view keeps the N+1s that cost.
"""

from __future__ import annotations

import re
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk
from backend_rules.rules.data_access.file_state import state_of
from backend_rules.rules.data_access.list_scopes import grows_with_use, is_lookup_model
from backend_rules.rules.data_access.per_item_loops import BOUNDARIES, iter_of, loop_targets
from backend_rules.rules.data_access.query_resolution import related_rows, resolve_query, strip_wrappers
from backend_rules.analysis.orm.chains import Seg, chain_of
from backend_rules.rules.data_access.loop_values import names_in

LEVELS = ("LOW", "MEDIUM", "HIGH")

# Upserts have no one-statement bulk form; a row created and then used in the loop (its pk, its
# relations set, a snapshot taken) cannot simply be collected for bulk_create().
UPSERT_TERMINALS = {"get_or_create", "aget_or_create", "update_or_create", "aupdate_or_create"}
# A helper whose query writes (an event row, a file record deleted, a history entry per item).
HELPER_WRITE_TEXT = re.compile(r"\.(create|get_or_create|update_or_create|update|delete|add|merge|save|insert|"
                               r"bulk_create|bulk_update)\(")
# Collections small by construction: keyword arguments, settings, an enum's members, a model's fields.
BOUNDED_NAMES = re.compile(r"^(kwargs|options|opts|extra|defaults|settings|config|conf|choices|"
                           r"_value2member_map_|_member_map_|__members__)$")
# The sub-list of a request payload: ``incident_in.tags``, ``validated_data["triggers"]``, ``cleaned_data.get("x")``.
PAYLOAD_ROOT = re.compile(r"(^|_)in$|^(data|validated_data|cleaned_data|payload|body|json|form_data|attrs|"
                          r"post_data|request_data|form|serializer|params)$")
PAYLOAD_OWNER = re.compile(r"^(self|request|req|serializer|form|self\.request|self\.serializer)$")
# Per-item work heavier than one query: mail, HTTP, files, subprocesses, task queues, external clients.
OTHER_IO_CALL = re.compile(r"^_*(send|notify|mail|email|upload|download|revoke|urlopen|render_pdf|ocr)(_|$)|"
                           r"^(delay|apply_async|sleep|Popen|check_call|check_output)$", re.IGNORECASE)
OTHER_IO_MODULE = re.compile(r"^(requests|httpx|urllib|subprocess|shutil|smtplib|boto3)\.|"
                             r"^(plugin|\w*_plugin|\w*client|\w*_api)\.(instance\.)?\w+$")  # an external service's client
# Importers of another system's data (``importers/jira.py``, ``export_import/``): each row is looked
# up, made and used at once by nature; the import runs rarely, in the background.
IMPORTER_PATH = re.compile(r"(^|/)(importers?|export_import|importing|imports)(/|\.py$)|(^|/)import_\w*\.py$")
QUERYSET_NAME = re.compile(r"^(qs|queryset|\w+_qs|\w+_queryset)$")


def lower(level: str, steps: int = 1) -> str:
    return LEVELS[max(LEVELS.index(level) - steps, 0)]


def per_row_update(segs: list[Seg] | None, varying: set[str]) -> bool:
    """``filter(pk=o.pk).update(x=o.x)``: each row gets its own values (a same-value update is one statement)."""
    update = next((seg for seg in reversed(segs or []) if seg.call and seg.name in {"update", "aupdate"}), None)
    return update is not None and any(names_in(value) & varying for _, value in update.args)


def creates_row(node: cst.CSTNode, terminal: str, stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    """An upsert, or a create whose row the loop goes on to use (``us = X.objects.create(...)``, then ``us``)."""
    if terminal in UPSERT_TERMINALS:
        return True
    if terminal not in {"create", "acreate"}:
        return False
    bound = _bound_name(stack, loop)
    return bound is not None and _used_after(stack, loop, bound)


def helper_writes(text: str) -> bool:
    """A helper's query text (``OrderEvent.objects.create(...)``) writes: its work per item is the write."""
    return bool(HELPER_WRITE_TEXT.search(text))


def _bound_name(stack: list[cst.CSTNode], loop: cst.CSTNode) -> str | None:
    start = stack.index(loop) if loop in stack else 0
    for node in reversed(stack[start:]):
        if isinstance(node, cst.Assign) and len(node.targets) == 1:
            target = node.targets[0].target
            if isinstance(target, cst.Tuple) and target.elements:
                target = target.elements[0].value  # ``obj, created = get_or_create(...)``
            return target.value if isinstance(target, cst.Name) else None
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return None
    return None


def _used_after(stack: list[cst.CSTNode], loop: cst.CSTNode, name: str) -> bool:
    """``name`` is read by a later statement of the loop body (of any block between the loop and it)."""
    start = stack.index(loop) if loop in stack else 0
    for block, child in zip(stack[start:], stack[start + 1:]):
        if isinstance(block, cst.IndentedBlock) and child in block.body:
            statements = list(block.body)
            if any(name in names_in(later) for later in statements[statements.index(child) + 1:]):
                return True
    return False


def rows_from_database(context: Any, loop: cst.CSTNode, stack: list[cst.CSTNode]) -> bool:
    """The loop walks rows of a query or of a relation (``Order.objects.filter(...)``, ``qs``,
    ``project.users``): N grows with the data."""
    iterable = iter_of(loop)
    if iterable is None:
        return False
    expr, _ = strip_wrappers(iterable)
    state = state_of(context)
    where = stack[: stack.index(loop) + 1] if loop in stack else stack
    if resolve_query(context, state, expr, where) is not None:
        return True
    segs = chain_of(expr)
    if segs and related_rows(context, state, segs, where) is not None:
        return True
    name = dotted_name(expr) or ""
    return bool(QUERYSET_NAME.match(name.split(".")[-1])) if name else False


def own_field(context: Any, loop: cst.CSTNode, stack: list[cst.CSTNode]) -> bool:
    """``for ca in self.custom_attributes`` in a model's method, over one of its (JSON/array) fields:
    a value stored in one row, a handful of entries."""
    expr, _ = strip_wrappers(iter_of(loop) or cst.Name("_"))
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name) and expr.value.value == "self"):
        return False
    klass = enclosing_class(stack)
    model = state_of(context).model(klass.name.value) if klass is not None else None
    return model is not None and expr.attr.value in model.fields and expr.attr.value not in model.relations


def bounded_collection(loop: cst.CSTNode) -> bool:
    """``for key, value in kwargs.items()``, ``for name in settings.APPS``, ``for s in Status``: small by construction."""
    expr, _ = strip_wrappers(iter_of(loop) or cst.Name("_"))
    if isinstance(expr, cst.Call):
        name = dotted_name(expr.func) or ""
        parts = name.split(".")
        if len(parts) >= 2 and parts[-1] in {"items", "keys", "values"}:
            return bool(BOUNDED_NAMES.match(parts[-2])) or parts[-2] == "settings"
        return bool(re.search(r"(^|\.)(get_fields|get_models|get_app_configs)$", name))
    name = dotted_name(expr) or ""
    if not name:
        return False
    parts = name.split(".")
    if parts[0] == "settings" or BOUNDED_NAMES.match(parts[-1]):
        return True
    # ``for member in Status`` / ``for c in Color.choices``: a class (enum, TextChoices) is iterated
    return len(parts) == 1 and parts[0][:1].isupper() and not parts[0].isupper() and "_" not in parts[0]


def payload_part(loop: cst.CSTNode) -> bool:
    """The loop walks a field of a request payload (``signal_in.engagements``,
    ``validated_data["triggers"]``, ``self.cleaned_data.get("members")``): a handful the client sent."""
    expr, _ = strip_wrappers(iter_of(loop) or cst.Name("_"))
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value == "get":
        expr = expr.func.value
    elif isinstance(expr, cst.Subscript):
        expr = expr.value
    elif isinstance(expr, cst.Attribute):
        owner = dotted_name(expr.value) or ""
        return bool(owner) and bool(re.search(r"(^|\.)\w+_in$", owner))
    else:
        return False
    name = dotted_name(expr) or ""
    parts = name.split(".")
    if not name or not PAYLOAD_ROOT.search(parts[-1]):
        return False
    return len(parts) == 1 or PAYLOAD_OWNER.match(".".join(parts[:-1])) is not None


def other_io(loop: cst.CSTNode) -> bool:
    """The loop body also mails, calls an HTTP API, queues a task or touches files per item."""
    body = loop.body if isinstance(loop, (cst.For, cst.While)) else loop
    found = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal found
        if found or isinstance(node, BOUNDARIES):
            return False
        if isinstance(node, cst.Call):
            name = dotted_name(node.func) or ""
            if name and (OTHER_IO_MODULE.search(name) or OTHER_IO_CALL.search(name.split(".")[-1])):
                found = True
        return True

    walk(body, enter)
    return found


# Names of collections that grow with the data handed in: a batch of ids, the rows of a request.
ID_LIST = re.compile(r"^_*(ids|pks|uuids|rows|records|entries|reader|\w+_(ids|pks|uuids|rows|records|reader))$|"
                     r"^(DictReader|reader)$")  # ... and the rows of an uploaded CSV file
LOOKUP_KEYS = re.compile(r"^_*(?:(\w+?)_)?(ids|pks|slugs|codenames|names)$")
ID_TARGET = re.compile(r"^(id|pk|uuid|\w+_id|\w+_pk)$")  # ``for product_id, cents in new_prices.items()``
REQUEST_ROOT = re.compile(r"^(self\.)?request\.(data|json|POST|GET|form|args|files|FILES|query_params|get_json)\b")


def _records(loop: cst.CSTNode) -> bool:
    """The loop reads its item as a record (``user["email"]``, ``elem.get("id")``): rows of a payload
    or of another system's listing, one per entity, as many as the data holds."""
    targets = set(loop_targets(loop))
    if len(targets) != 1:
        return False
    (item,) = targets
    body = loop.body if isinstance(loop, (cst.For, cst.While)) else loop
    found = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal found
        if found or isinstance(node, BOUNDARIES):
            return False
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value == item:
            index = node.slice[0].slice if node.slice else None
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                found = True
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" \
                and isinstance(node.func.value, cst.Name) and node.func.value.value == item:
            found = True
        return True

    walk(body, enter)
    return found


def _literal(node: cst.BaseExpression) -> bool:
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(isinstance(e, cst.Element) and _literal(e.value) for e in node.elements)
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString, cst.Name,
                             cst.Attribute, cst.Dict))


MANAGER_NAMES = {"objects", "_default_manager", "_base_manager", "query", "all_objects", "session", "db"}
RELATED_QUERY = {"all", "filter", "exclude", "order_by", "values_list", "values", "select_related",
                 "prefetch_related", "only", "defer", "distinct", "annotate", "iterator"}


def _related_manager(segs: list[Seg], loop: cst.CSTNode, stack: list[cst.CSTNode]) -> bool:
    """``source.extra_links.all()`` / ``question.options.filter(...)``: a Django related manager of one
    object (a lower-case name that is not an item of an enclosing loop), not a model's manager."""
    if len(segs) < 3 or segs[0].call or segs[1].call or not segs[2].call:
        return False
    owner, relation = segs[0].name, segs[1].name
    if relation in MANAGER_NAMES or relation.startswith("_") or not owner[:1].islower() or owner in {"self", "cls"}:
        return False
    if not all(seg.call and seg.name in RELATED_QUERY for seg in segs[2:]):
        return False
    outer = [n for n in stack if isinstance(n, (cst.For, cst.CompFor)) and n is not loop]
    return not any(owner in loop_targets(n) for n in outer)


def _bound_chain(context: Any, expr: cst.BaseExpression, stack: list[cst.CSTNode]) -> list[Seg]:
    """The chain a local name is bound to, when it is bound exactly once in its function."""
    function = next((n for n in reversed(stack) if isinstance(n, cst.FunctionDef)), None)
    if not isinstance(expr, cst.Name) or function is None:
        return []
    bindings = context.scope_facts(function).bindings.get(expr.value, [])
    if len(bindings) != 1 or bindings[0].kind != "=" or bindings[0].value is None:
        return []
    return chain_of(bindings[0].value)


def curated(model: str | None, graph: Any) -> bool:
    """A table of a few rows administrators keep (channels, locales, permissions): a lookup model,
    or a model the project declares without any sign that it grows with use."""
    if not model:
        return False
    name = model.split(".")[-1]
    return is_lookup_model(name) or bool(graph is not None and graph.by_name.get(name)) and not grows_with_use(name, graph)


def _local_literal(expr: cst.BaseExpression, stack: list[cst.CSTNode]) -> bool:
    """``for state, name in notified_states.items()`` over a dict or list written out in the function."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in {"items", "keys", "values"}:
        expr = expr.func.value
    if not isinstance(expr, cst.Name):
        return False
    function = next((n for n in reversed(stack) if isinstance(n, cst.FunctionDef)), None)
    if function is None:
        return False
    found: list[cst.BaseExpression] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == expr.value
                                                for t in node.targets):
            found.append(node.value)
        return not isinstance(node, (cst.ClassDef, cst.Lambda)) and (node is function or not isinstance(node, cst.FunctionDef))

    walk(function, enter)
    return len(found) == 1 and isinstance(found[0], (cst.Dict, cst.List, cst.Tuple, cst.Set)) and len(
        getattr(found[0], "elements", ())) <= 20


def loop_scale(context: Any, loop: cst.CSTNode, stack: list[cst.CSTNode]) -> str:
    """How the number of items of ``loop`` grows: ``rows`` (the rows of a query over a table),
    ``input`` (a batch handed in: request data, a list of ids, records of a payload or an API
    listing, ``range()`` of a value), ``children`` (the rows of one object's relation: a question's
    options, an order's lines), ``small`` (constants, settings, kwargs, enum members, one row's
    field) or ``unknown``."""
    iterable = iter_of(loop)
    if iterable is None:
        return "unknown"
    expr, _ = strip_wrappers(iterable)
    if bounded_collection(loop) or own_field(context, loop, stack) or _local_literal(expr, stack) or (
            isinstance(expr, (cst.List, cst.Tuple, cst.Set)) and _literal(expr)):
        return "small"
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "range":
        bounds = [arg.value for arg in expr.args if not arg.keyword]
        return "small" if all(isinstance(b, (cst.Integer, cst.UnaryOperation)) for b in bounds) else "input"
    state = state_of(context)
    where = stack[: stack.index(loop) + 1] if loop in stack else stack
    segs = chain_of(expr)
    children = related_rows(context, state, segs, where) if segs else None
    if children is not None:
        return "rows" if _people(children.model, children.through) else "children"
    if _related_manager(segs, loop, stack):
        return "rows" if PEOPLE_RELATION.match(segs[1].name) else "children"
    bound = _bound_chain(context, expr, stack)
    if bound and _related_manager(bound, loop, stack):  # ``members = group.user_set.all()`` then ``for m in members``
        return "rows" if PEOPLE_RELATION.match(bound[1].name) else "children"
    query = resolve_query(context, state, expr, where)
    if query is not None:
        if query.through is not None:
            return "rows" if _people(query.model, query.through) else "children"
        return "small" if curated(query.model, state.graph) else "rows"
    if len(segs) > 1 and any(seg.call and seg.name in QUERYSET_METHODS for seg in segs[1:]):
        return "rows"  # ``interface_templates.exclude(bridge=None)``: a queryset handed in, of a whole table
    name = dotted_name(expr.func if isinstance(expr, cst.Call) else expr) or ""
    if name and REQUEST_ROOT.match(name):
        return "input"
    last = name.split(".")[-1] if name else ""
    if last and QUERYSET_NAME.match(last):
        return "rows"
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute) and expr.func.attr.value in {"iterator", "all"}:
        inner = dotted_name(expr.func.value) or ""
        if inner and QUERYSET_NAME.match(inner.split(".")[-1]):
            return "rows"
    if name.startswith("self.") and name.count(".") == 1:
        return "children"  # ``for label_id in self.new_label_ids``: the object's own list, a handful
    keys = LOOKUP_KEYS.match(last) if last else None
    if keys and (is_lookup_model((keys.group(1) or "").title()) or keys.group(2) in {"slugs", "codenames"}):
        return "small"  # ``tag_ids`` / ``product_slugs`` / ``codenames``: keys of a lookup table, a handful
    if last and ID_LIST.match(last) or _records(loop) or payload_part(loop) or \
            any(ID_TARGET.match(t) for t in loop_targets(loop)):
        return "input"
    return "unknown"


# Methods only a queryset has (a list, a dict or a plain object has none of them).
QUERYSET_METHODS = {"filter", "exclude", "order_by", "select_related", "prefetch_related", "only", "defer",
                    "annotate", "values", "values_list", "iterator", "filter_by"}
# A group's, team's or organisation's members grow with the users: not "one object's few children".
PEOPLE = re.compile(r"^(Abstract)?(User|Member|Account|Person|Profile|Customer|Subscriber|Follower)s?$")


PEOPLE_RELATION = re.compile(r"^(user|member|subscriber|follower|customer|account)(s|_set)$")


def _people(model: str | None, through: Any = None) -> bool:
    relation = through[1] if isinstance(through, tuple) and len(through) > 1 else ""
    return bool(model) and PEOPLE.match(model.split(".")[-1]) is not None or \
        bool(relation) and PEOPLE_RELATION.match(str(relation)) is not None


def level_for_scale(scale: str, level: str) -> str:
    """Rows of a table and batches handed in keep the level of where the code runs; one object's
    children and small collections are LOW; a list we cannot size stays visible only in code that
    serves requests (one level lower there)."""
    if scale in {"rows", "input"}:
        return level
    if scale == "unknown" and level == "HIGH":
        return "MEDIUM"
    return "LOW"


def worth(context: Any, loop: cst.CSTNode, stack: list[cst.CSTNode], level: str, *, write: bool,
          helper: bool, per_row: bool = False) -> str:
    """The confidence of a query per item found at ``level`` (from where the code runs)."""
    if level == "LOW":
        return level
    if isinstance(loop, cst.While):
        return level_for_scale("unknown", level)  # items drawn from a queue or a cursor: as many as we cannot tell
    scale = loop_scale(context, loop, stack)
    level = level_for_scale(scale, level)
    if level == "LOW":
        return level  # one object's children, a handful of settings/kwargs/enum members, an unsized list
    rows = scale == "rows"
    generated = isinstance(iter_of(loop), cst.Call) and dotted_name(iter_of(loop).func) == "range"  # type: ignore[union-attr]
    if write and not rows and not generated:
        # an upsert or a row made and used per item of the input (often the only way), or a helper
        # that writes an event or history row per item
        return "LOW"
    steps = 0
    if payload_part(loop):
        steps += 1  # the few tags/filters/ids a client sent with one object
    if per_row and scale == "input":
        steps += 1  # an update with each input row's own values (imports): bulk_update() at best
    if other_io(loop):
        steps += 1  # mail, HTTP or files per item cost more than the query
    if IMPORTER_PATH.search(context.options.get("relative_path", "").replace("\\", "/")):
        steps += 1  # an importer of another system's data: per-row work by nature
    if helper and (write or _in_try(stack, loop)):
        steps += 1  # a compound write per item (a project helper, obj.delete()), or one isolated by try/except
    return lower(level, steps)


def _in_try(stack: list[cst.CSTNode], loop: cst.CSTNode) -> bool:
    start = stack.index(loop) if loop in stack else 0
    return any(isinstance(n, cst.Try) for n in stack[start + 1:])


def prefetched(iterable: cst.BaseExpression) -> set[str]:
    """First relation names of ``prefetch_related("a", "b__c")`` / ``select_related`` written on the loop's iterable."""
    names: set[str] = set()
    for seg in chain_of(strip_wrappers(iterable)[0]) or []:
        if seg.call and seg.name in {"prefetch_related", "select_related"}:
            for _, value in seg.args:
                if isinstance(value, cst.SimpleString):
                    names.add(value.evaluated_value.split("__")[0])  # type: ignore[union-attr]
    return names


def assigned_in(loop: cst.CSTNode) -> set[str]:
    """Every name the loop body binds (a query reading one of them may change per item)."""
    names: set[str] = set()

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, (cst.AssignTarget, cst.AugAssign, cst.AnnAssign)):
            names.update(names_in(node.target))
        if isinstance(node, (cst.For, cst.CompFor)):
            names.update(names_in(node.target))
        if isinstance(node, cst.NamedExpr):
            names.update(names_in(node.target))
        return True

    walk(loop, enter)
    return names
