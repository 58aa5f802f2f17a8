"""The ``orm`` facts of one module for the project index (stdlib ``ast``): models, and functions that query.

Models: Django ``ForeignKey``/``OneToOneField``/``ManyToManyField`` (with ``related_name``),
SQLAlchemy ``relationship()`` (classic and ``Mapped[...]``, ``lazy=``, ``backref``), plain fields,
and model methods/properties that run queries. Importing this module registers the collector;
the data-access rules import it (through their file state).
"""

from __future__ import annotations

import ast
import re
from typing import Any, Iterable

from backend_rules.analysis.orm.chains import ast_chain, literal_str, name_of
from backend_rules.analysis.orm.query_calls import classify, is_specific
from backend_rules.analysis.orm.vocabulary import (
    DBAPI_METHODS,
    DJANGO_BULK,
    DJANGO_EVALUATING,
    FLASK_DB_EVALUATING,
    SQLA_QUERY_TERMINAL,
    SQLA_SESSION_EVALUATING,
)
from backend_rules.analysis.project_facts import fact_collector

DJANGO_RELATIONS = {"ForeignKey": "fk", "OneToOneField": "o2o", "ManyToManyField": "m2m",
                    "ParentalKey": "fk", "ParentalManyToManyField": "m2m", "TreeForeignKey": "fk",
                    "GenericForeignKey": "generic", "GenericRelation": "m2m"}
SQLA_RELATION_FUNCS = {"relationship", "relation", "Relationship"}  # Relationship: SQLModel
FIELD_CALL = re.compile(r"(Field|Column|column|mapped_column|column_property|deferred|composite|synonym)$")


def _ast_target_model(node: ast.AST | None) -> str | None:
    if node is None:
        return None
    text = literal_str(node)
    if text is not None:
        return text.split(".")[-1]
    name = name_of(node)
    if name is None:
        if isinstance(node, ast.Subscript):  # Mapped[List["Comment"]]
            return _ast_target_model(node.slice)
        return None
    last = name.split(".")[-1]
    if last == "AUTH_USER_MODEL":
        return "User"
    return last


def _annotation_target(annotation: ast.AST | None) -> tuple[str | None, bool]:
    """``Mapped[List["Comment"]]`` -> ("Comment", True); ``Mapped["User"]`` -> ("User", False)."""
    if not isinstance(annotation, ast.Subscript):
        return None, False
    inner = annotation.slice
    collection = False
    for _ in range(4):
        if isinstance(inner, ast.Subscript):
            head = (name_of(inner.value) or "").split(".")[-1]
            if head in {"List", "list", "Set", "set", "Sequence", "Collection", "WriteOnlyMapped", "DynamicMapped"}:
                collection = True
            if head == "Optional":
                pass
            inner = inner.slice
        elif isinstance(inner, ast.BinOp):  # "User" | None
            inner = inner.left
        else:
            break
    return _ast_target_model(inner), collection


def _plain_annotation_target(annotation: ast.AST | None) -> tuple[str | None, bool]:
    """``list["Hero"]`` -> ("Hero", True); ``Team | None`` / ``Optional["Team"]`` -> ("Team", False)."""
    node, collection = annotation, False
    for _ in range(4):
        if isinstance(node, ast.BinOp):
            node = node.right if isinstance(node.left, ast.Constant) and node.left.value is None else node.left
        elif isinstance(node, ast.Subscript):
            head = (name_of(node.value) or "").split(".")[-1]
            collection = collection or head in {"List", "list", "Set", "set", "Sequence"}
            node = node.slice
        else:
            break
    return _ast_target_model(node), collection


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def _relation_of(call: ast.Call, annotation: ast.AST | None) -> dict[str, Any] | None:
    func = (name_of(call.func) or "").split(".")[-1]
    if func in DJANGO_RELATIONS:
        kind = DJANGO_RELATIONS[func]
        target = _ast_target_model(call.args[0] if call.args else _keyword(call, "to"))
        rel: dict[str, Any] = {"t": target, "k": kind, "o": "django"}
        related = literal_str(_keyword(call, "related_name")) if _keyword(call, "related_name") is not None else None
        if related is not None:
            rel["rn"] = related
        return rel
    if func == "association_proxy" and call.args and literal_str(call.args[0]):
        # ``parent = association_proxy("_association", "parent")``: two lazy loads on access
        return {"t": None, "k": "proxy", "o": "sqlalchemy", "via": literal_str(call.args[0])}
    if func in SQLA_RELATION_FUNCS:
        target, collection = _annotation_target(annotation)
        if func == "Relationship":
            target, collection = _plain_annotation_target(annotation)  # SQLModel: list["Hero"], Team | None
        if call.args:
            target = _ast_target_model(call.args[0]) or target
        rel = {"t": target, "k": "many" if collection else "rel", "o": "sqlalchemy"}
        lazy = _keyword(call, "lazy")
        options = _keyword(call, "sa_relationship_kwargs")
        if lazy is None and isinstance(options, ast.Dict):  # SQLModel: sa_relationship_kwargs={"lazy": "selectin"}
            lazy = next((v for k, v in zip(options.keys, options.values) if literal_str(k) == "lazy"), None)
        if lazy is not None:
            rel["lazy"] = literal_str(lazy) if literal_str(lazy) is not None else str(getattr(lazy, "value", "?"))
        uselist = _keyword(call, "uselist")
        if isinstance(uselist, ast.Constant):
            rel["k"] = "many" if uselist.value else "one"
            if uselist.value is False:
                rel["rs"] = 1  # a one-to-many made scalar: the foreign key is on the other side
        backref = _keyword(call, "backref")
        if backref is not None:
            if literal_str(backref) is not None:
                rel["br"] = literal_str(backref)
            elif isinstance(backref, ast.Call) and backref.args and literal_str(backref.args[0]):
                rel["br"] = literal_str(backref.args[0])
                blazy = _keyword(backref, "lazy")
                if blazy is not None and literal_str(blazy):
                    rel["brlazy"] = literal_str(blazy)
                buselist = _keyword(backref, "uselist")
                if isinstance(buselist, ast.Constant) and isinstance(buselist.value, bool):
                    rel["brlist"] = int(buselist.value)  # backref("mapping", uselist=False): one object
        secondary = _keyword(call, "secondary")
        if secondary is not None:
            rel["k"] = "many"
        order = _keyword(call, "order_by")
        if order is not None:
            rel["ord"] = 1
        cascade = literal_str(_keyword(call, "cascade")) if _keyword(call, "cascade") is not None else None
        if rel["k"] == "rel" and (order is not None or _keyword(call, "collection_class") is not None
                                  or cascade and "delete-orphan" in cascade):
            rel["k"] = "many"  # ordered, orphan-deleting or custom collections are one-to-many
        return rel
    return None


def _declared_relation(func: ast.FunctionDef | ast.AsyncFunctionDef) -> dict[str, Any] | None:
    """``@declared_attr def product(cls) -> Mapped["Product"]: return relationship("Product", lazy="joined")``
    (mixins and association tables declare relationships this way)."""
    if not any((name_of(d) or "").split(".")[-1] == "declared_attr" for d in func.decorator_list):
        return None
    returned = [stmt.value for stmt in func.body if isinstance(stmt, ast.Return) and isinstance(stmt.value, ast.Call)]
    if len(returned) != 1:
        return None
    return _relation_of(returned[0], func.returns)


INTERESTING_CALLS = (DJANGO_EVALUATING | SQLA_SESSION_EVALUATING | SQLA_QUERY_TERMINAL | DBAPI_METHODS
                     | FLASK_DB_EVALUATING | {"get_object_or_404", "get_list_or_404", "aget_object_or_404"})


def _query_text(node: ast.Call, known: Iterable[str] = ()) -> str | None:
    """A short description when ``node`` runs SQL by itself (direct queries only)."""
    func = node.func
    last = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    if last not in INTERESTING_CALLS:
        return None
    query = classify(ast_chain(node), known)
    if query is None or not is_specific(query):
        return None
    if query.evaluated and query.terminal not in DJANGO_BULK:
        return f"{query.text}.{query.terminal}()" if query.orm == "django" and query.terminal not in {"", "[]"} and not query.text.endswith(")") else query.text
    return None


def _direct_queries(func: ast.AST, known: Iterable[str] = (), with_self: bool = False) -> tuple[str | None, list[str], list[str]]:
    """(first query run by ``func``, self attributes it traverses (``with_self``), [])."""
    found: str | None = None
    touched: list[str] = []
    calls: list[str] = []
    for node in ast.walk(func):
        if isinstance(node, ast.Call):
            if found is None:
                found = _query_text(node, known)
                if found is not None and not with_self:
                    break
        elif not with_self:
            continue
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "self" and inner.attr not in touched:
                touched.append(inner.attr)
        elif isinstance(node, (ast.For, ast.comprehension)):
            it = node.iter
            if isinstance(it, ast.Attribute) and isinstance(it.value, ast.Name) and it.value.id == "self":
                if it.attr not in touched:
                    touched.append(it.attr)
    return found, touched[:20], calls


# Classes that declare ``XField()`` attributes without being models: forms, serializers, filters.
NOT_MODEL_BASE = re.compile(r"(Form|FormSet|Serializer|Filter|FilterSet|Schema|Table|Admin|Inline|Type|"
                            r"Input|Mutation|Resource|Block|Panel|Column|Widget|View|ViewSet|Command|Settings)$")
NOT_MODEL_FIELD_MODULE = re.compile(r"^(forms|serializers|filters|django_filters|tables|fields|graphene|blocks|"
                                    r"marshmallow|ma|wtforms|schema)\.")


def _manager_classes(value: ast.Call) -> list[str]:
    """Project classes behind a manager: ``PostQuerySet.as_manager()``, ``PostManager()``,
    ``PostManager.from_queryset(PostQuerySet)()`` (their methods are the model's query helpers)."""
    names: list[str] = []
    node: ast.AST = value
    for _ in range(3):
        if not isinstance(node, ast.Call):
            break
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"as_manager", "from_queryset"}:
            names.append((name_of(func.value) or "").split(".")[-1])
            names += [(name_of(a) or "").split(".")[-1] for a in node.args]
        elif isinstance(func, (ast.Name, ast.Attribute)):
            last = (name_of(func) or "").split(".")[-1]
            if last.endswith(("Manager", "QuerySet", "Queryset")):
                names.append(last)
        node = func
    return [n for n in names if n and n[0].isupper()]


def _is_model_class(node: ast.ClassDef) -> str | None:
    """"django", "sqlalchemy" or "model" when the class looks like an ORM model."""
    bases = [(name_of(b) or "") for b in node.bases]
    if any(NOT_MODEL_BASE.search(b.split(".")[-1]) for b in bases):
        return None
    if any(b.startswith("models.") or b.endswith(".Model") and "db" not in b.split(".")[0] for b in bases):
        return "django"
    if any(kw.arg == "table" and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in node.keywords):
        return "sqlalchemy"  # SQLModel: class Hero(SQLModel, table=True)
    kind = None
    for stmt in node.body:
        value = stmt.value if isinstance(stmt, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(stmt, ast.AnnAssign):
            ann = name_of(stmt.annotation.value) if isinstance(stmt.annotation, ast.Subscript) else None
            if ann and ann.split(".")[-1] == "Mapped":
                return "sqlalchemy"
        if isinstance(value, ast.Call):
            func = (name_of(value.func) or "").split(".")[-1]
            if func in SQLA_RELATION_FUNCS or func in {"Column", "mapped_column"}:
                return "sqlalchemy"
            if func in DJANGO_RELATIONS or func.endswith("Field") and not NOT_MODEL_FIELD_MODULE.match(name_of(value.func) or ""):
                kind = "django"
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in stmt.targets):
            return "sqlalchemy"
    if kind:
        return kind
    if any(b.split(".")[-1] in {"Model", "Base", "DeclarativeBase", "TimeStampedModel"} for b in bases):
        return "model"
    return None


def collect_orm(tree: ast.Module, module: str) -> dict[str, Any]:
    """Models (fields, relations, querying methods) and functions that run queries, per module."""
    models: dict[str, Any] = {}
    funcs: dict[str, str] = {}
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef)]
    local_models = {c.name for c in classes if _is_model_class(c)}
    for cls in classes:
        kind = _is_model_class(cls)
        bases = [(name_of(b) or "").split(".")[-1] for b in cls.bases]
        if kind is None and not any(b in local_models for b in bases):
            # ordinary class: record methods that query (services, repositories)
            for stmt in cls.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    text, _, _ = _direct_queries(stmt, local_models)
                    if text:
                        funcs[f"{cls.name}.{stmt.name}"] = text
            continue
        entry: dict[str, Any] = {"b": [b for b in bases if b and b not in {"Model", "object"}][:4], "f": [], "r": {}, "m": {}}
        if kind and kind != "model":
            entry["o"] = kind
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                target, value, annotation = stmt.targets[0].id, stmt.value, None
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, value, annotation = stmt.target.id, stmt.value, stmt.annotation
            elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                declared = _declared_relation(stmt)
                if declared is not None:
                    entry["r"][stmt.name] = declared
                    continue
                text, touched, _calls = _direct_queries(stmt, local_models, with_self=True)
                is_prop = any((name_of(d) or "").split(".")[-1] in {"property", "cached_property"} for d in stmt.decorator_list)
                if text or touched:
                    entry["m"][stmt.name] = [1 if is_prop else 0, text or "", touched]
                continue
            else:
                continue
            if target.startswith("__"):
                continue
            if isinstance(value, ast.Call):
                rel = _relation_of(value, annotation)
                if rel is not None:
                    entry["r"][target] = rel
                    continue
                func = (name_of(value.func) or "").split(".")[-1]
                if FIELD_CALL.search(func):
                    entry["f"].append(target)
                elif func.endswith("Manager") or func in {"as_manager", "from_queryset"} or _manager_classes(value):
                    entry.setdefault("mgr", []).append(target)
                    classes = _manager_classes(value)
                    if classes:
                        entry.setdefault("mgrc", {})[target] = classes
            elif annotation is not None:
                ann_target, collection = _annotation_target(annotation)
                head = (name_of(annotation.value) or "") if isinstance(annotation, ast.Subscript) else ""
                if head.endswith("Mapped") and value is None:
                    entry["f"].append(target)
        if not entry["m"]:
            del entry["m"]
        models[cls.name] = entry
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            text, _, _ = _direct_queries(stmt, local_models)
            if text:
                funcs[stmt.name] = text
    out: dict[str, Any] = {}
    if models:
        out["models"] = models
    if funcs:
        out["queries"] = funcs
    paths = _prefetched_paths(tree)
    if paths:
        out["paths"] = paths
    return out


LOOKUP_PATH = re.compile(r"^[a-z_][a-z0-9_]*(__[a-z_][a-z0-9_]*)+$")
LOADERS = {"prefetch_related", "select_related", "prefetch_related_objects", "Prefetch"}


def _prefetched_paths(tree: ast.Module) -> list[str]:
    """Relation paths a module prefetches (``"attributevalues__value"``), in the calls or in the
    constants it hands them (``prefetch_related_objects(products, *FIELDS_TO_PREFETCH)``)."""
    if not any(isinstance(n, ast.Call) and (n.func.attr if isinstance(n.func, ast.Attribute) else name_of(n.func)) in LOADERS
               for n in ast.walk(tree)):
        return []
    found = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and LOOKUP_PATH.match(n.value)}
    return sorted(found)[:200]


ORM_TRIGGER = (
    r"ForeignKey|OneToOneField|ManyToManyField|[rR]elationship\(|models\.Model|Mapped\[|__tablename__|table=True"
    r"|prefetch_related|select_related"
    r"|\.objects\.|\.query\(|\.query\.|session\.(?:get|execute|scalars?|query)\(|cursor\.execute|get_object_or_404"
)


@fact_collector("orm", trigger=ORM_TRIGGER)
def _collect_orm(tree: ast.Module, module: str) -> dict[str, Any]:
    return collect_orm(tree, module)
