"""How each DRF serializer of the project is used: for many objects, for one, or in a way we cannot tell.

A ``SerializerMethodField`` that queries runs once per object only when the serializer serializes
a list: ``many=True``, a list view's ``serializer_class``, a field nested with ``many=True``. A
serializer used only by single-object views (``RetrieveAPIView``, ``Serializer(obj)``) runs it
once per request. Facts per module: ``uses`` [[serializer, "many"|"one"|"unknown"]] and ``bases``
{serializer class: its bases}, so a subclass's use counts for the methods it inherits.
"""

from __future__ import annotations

import ast
from typing import Any

from backend_rules.analysis.orm.chains import name_of
from backend_rules.analysis.project_facts import fact_collector

LIST_VIEWS = {"ListAPIView", "ListCreateAPIView", "ModelViewSet", "ReadOnlyModelViewSet", "ListModelMixin",
              "GenericViewSet", "ViewSet", "ViewSetMixin"}
ONE_VIEWS = {"RetrieveAPIView", "RetrieveUpdateAPIView", "RetrieveDestroyAPIView", "RetrieveUpdateDestroyAPIView",
             "UpdateAPIView", "CreateAPIView", "DestroyAPIView", "RetrieveModelMixin", "UpdateModelMixin",
             "CreateModelMixin", "DestroyModelMixin"}


def _last(node: ast.AST | None) -> str:
    return (name_of(node) or "").split(".")[-1] if node is not None else ""


def _is_serializer_name(name: str) -> bool:
    return name.endswith("Serializer") and name[:1].isupper()


def _view_kind(bases: list[str]) -> str:
    if any(b in LIST_VIEWS for b in bases):
        return "many"
    if bases and all(b in ONE_VIEWS or b.endswith("Mixin") for b in bases) and any(b in ONE_VIEWS for b in bases):
        return "one"
    return "unknown"


RELATED_FIELDS = {"PrimaryKeyRelatedField", "SlugRelatedField", "StringRelatedField", "HyperlinkedRelatedField",
                  "HyperlinkedIdentityField", "RelatedField", "ManyRelatedField"}


def _serializer_fields(node: ast.ClassDef) -> dict[str, Any]:
    """What a serializer reads through relations: nested serializers and related fields
    (``[attribute, first hop of its source, many]``), dotted sources' first hops, ``Meta``'s model and fields."""
    nested: list[list[Any]] = []
    hops: list[str] = []
    meta: dict[str, Any] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Meta":
            for sub in stmt.body:
                if isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(sub.targets[0], ast.Name):
                    key = sub.targets[0].id
                    if key == "model":
                        meta["m"] = _last(sub.value)
                    elif key == "fields":
                        if isinstance(sub.value, ast.Constant) and sub.value.value == "__all__":
                            meta["f"] = "__all__"
                        elif isinstance(sub.value, (ast.List, ast.Tuple)):
                            meta["f"] = [e.value for e in sub.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
            continue
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                and isinstance(stmt.value, ast.Call)):
            continue
        attribute, call = stmt.targets[0].id, stmt.value
        kind = _last(call.func)
        source = next((kw.value.value for kw in call.keywords if kw.arg == "source"
                       and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str)), attribute)
        many = any(kw.arg == "many" and isinstance(kw.value, ast.Constant) and kw.value.value is True for kw in call.keywords)
        if source == "*":
            continue
        if _is_serializer_name(kind) or kind in RELATED_FIELDS:
            nested.append([attribute, source.split(".")[0], 1 if many else 0, kind])
        elif "." in source:
            hops.append([attribute, source.split(".")[0]])
    out: dict[str, Any] = {}
    if nested:
        out["n"] = nested
    if hops:
        out["s"] = hops
    out.update(meta)
    return out


def collect_serializer_uses(tree: ast.Module, module: str) -> dict[str, Any]:
    uses: list[list[str]] = []
    bases: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    counted: set[int] = set()
    dynamic: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            if _changes_fields(node):
                dynamic.append(node.name)
            names = [_last(b) for b in node.bases]
            counted.update(id(n) for b in node.bases for n in ast.walk(b))
            if _is_serializer_name(node.name) or any(_is_serializer_name(b) for b in names):
                bases[node.name] = [b for b in names if b]
                reads = _serializer_fields(node)
                if reads:
                    fields[node.name] = reads
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "serializer_class" for t in stmt.targets):
                    serializer = _last(stmt.value)
                    if _is_serializer_name(serializer):
                        uses.append([serializer, _view_kind(names)])
                        counted.add(id(stmt.value))
        elif isinstance(node, ast.Call):
            serializer = _last(node.func)
            if not _is_serializer_name(serializer):
                continue
            counted.add(id(node.func))
            many = next((kw.value for kw in node.keywords if kw.arg == "many"), None)
            if many is None:
                uses.append([serializer, "one"])
            elif isinstance(many, ast.Constant) and many.value is False:
                uses.append([serializer, "one"])
            else:
                uses.append([serializer, "many"])
        elif isinstance(node, (ast.arg, ast.AnnAssign)) and node.annotation is not None:
            counted.update(id(n) for n in ast.walk(node.annotation))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns is not None:
            counted.update(id(n) for n in ast.walk(node.returns))
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            counted.add(id(node.value))  # ``FooSerializer.Meta.model``: reading the class, not using it
    # any other mention (a dict of serializers per action, get_serializer_class() returning it): unknown
    for node in ast.walk(tree):
        if isinstance(node, (ast.Name, ast.Attribute)) and id(node) not in counted and isinstance(getattr(node, "ctx", None), ast.Load):
            name = node.id if isinstance(node, ast.Name) else node.attr
            if _is_serializer_name(name):
                uses.append([name, "unknown"])
    out: dict[str, Any] = {}
    if uses:
        unique: list[list[str]] = []
        for use in uses:
            if use not in unique:
                unique.append(use)
        out["uses"] = unique
    if bases:
        out["bases"] = bases
    if fields:
        out["fields"] = fields
    if dynamic:
        out["dyn"] = dynamic
    return out


def _changes_fields(node: ast.ClassDef) -> bool:
    """The class picks its fields at run time: ``get_fields()``, or ``__init__`` editing ``self.fields``
    (a mixin dropping fields): which relations its serializer reads is not in its declarations."""
    for stmt in node.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "get_fields":
            return True
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__" and any(
                isinstance(n, ast.Attribute) and n.attr == "fields" and isinstance(n.value, ast.Name) and n.value.id == "self"
                for n in ast.walk(stmt)):
            return True
    return False


def serializer_reads(per_module: dict[str, dict[str, Any]], serializer: str) -> dict[str, Any]:
    """The relation reads of ``serializer`` and its project bases, merged (its own ``Meta`` first)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    parents: dict[str, list[str]] = {}
    dynamic: set[str] = set()
    for facts in per_module.values():
        dynamic.update(facts.get("dyn") or ())
        for name, reads in (facts.get("fields") or {}).items():
            by_name.setdefault(name, []).append(reads)
        for name, bases in (facts.get("bases") or {}).items():
            parents.setdefault(name, bases)
    merged: dict[str, Any] = {"n": [], "s": []}
    pending, seen = [serializer], set()
    while pending:
        name = pending.pop(0)
        if name in seen:
            continue
        seen.add(name)
        if name in dynamic:
            merged["dyn"] = 1
        for reads in by_name.get(name, [])[:1]:
            merged["n"] += [n for n in reads.get("n", []) if n[0] not in {m[0] for m in merged["n"]}]
            merged["s"] += reads.get("s", [])
            for key in ("m", "f"):
                if key in reads and key not in merged:
                    merged[key] = reads[key]
        pending.extend(parents.get(name, []))
    return merged


@fact_collector("serializer_uses", trigger=r"Serializer\b|BaseModel|Schema\b|SQLModel")
def _collect(tree: ast.Module, module: str) -> dict[str, Any]:
    facts = collect_serializer_uses(tree, module)
    schemas = collect_schemas(tree)
    if schemas:
        facts["schemas"] = schemas
    return facts


# Response schemas (pydantic, SQLModel, django-ninja): a field typed with another schema is read from
# the object's attribute of that name when FastAPI/ninja serialise the rows (``author: AuthorOut``).
SCHEMA_BASES = {"BaseModel", "SQLModel", "Schema", "ModelSchema", "BaseSchema", "SQLAlchemySchema",
                "SQLAlchemyAutoSchema"}
COLLECTION_HEADS = {"list", "List", "Sequence", "set", "Set", "tuple", "Tuple", "Iterable", "Collection", "frozenset"}
WRAPPER_HEADS = {"Optional", "Annotated", "Union"}


def schema_annotation(node: ast.AST | None) -> tuple[str | None, bool]:
    """``list["CommentOut"] | None`` -> ("CommentOut", True); ``AuthorOut`` -> ("AuthorOut", False)."""
    many = False
    for _ in range(5):
        if isinstance(node, ast.BinOp):
            node = node.left if not (isinstance(node.left, ast.Constant) and node.left.value is None) else node.right
        elif isinstance(node, ast.Subscript):
            head = _last(node.value)
            if head in COLLECTION_HEADS:
                many = True
            elif head not in WRAPPER_HEADS:
                return None, False
            node = node.slice.elts[0] if isinstance(node.slice, ast.Tuple) and node.slice.elts else node.slice
        else:
            break
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        name = node.value.split("[")[0].split(".")[-1]
    else:
        name = _last(node) if isinstance(node, (ast.Name, ast.Attribute)) else ""
    return (name, many) if name[:1].isupper() else (None, False)


def marshmallow_nested(call: ast.Call) -> tuple[str, int] | None:
    """``fields.Nested(AuthorSchema)``, ``ma.Nested("AuthorSchema", many=True)``, ``fields.List(fields.Nested(X))``,
    ``fields.Pluck(X, "name")`` -> (schema class, many)."""
    kind = _last(call.func)
    if kind == "List" and call.args and isinstance(call.args[0], ast.Call):
        inner = marshmallow_nested(call.args[0])
        return (inner[0], 1) if inner else None
    if kind not in {"Nested", "Pluck"} or not call.args:
        return None
    first = call.args[0]
    name = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else _last(first)
    name = (name or "").split(".")[-1]
    many = any(k.arg == "many" and isinstance(k.value, ast.Constant) and k.value.value is True for k in call.keywords)
    return (name, 1 if many else 0) if name[:1].isupper() else None


def collect_schemas(tree: ast.Module) -> dict[str, Any]:
    """Classes with annotated fields: their bases and the fields typed with a class (``[field, class, many]``)."""
    out: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        nested = []
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                target, many = schema_annotation(stmt.annotation)
                if target:
                    nested.append([stmt.target.id, target, 1 if many else 0])
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name) \
                    and isinstance(stmt.value, ast.Call):
                found = marshmallow_nested(stmt.value)
                if found:
                    attribute = next((k.value.value for k in stmt.value.keywords if k.arg == "attribute"
                                      and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str)), None)
                    nested.append([(attribute or stmt.targets[0].id).split(".")[0], found[0], found[1]])
        bases = [_last(b) for b in node.bases if _last(b)]
        if bases and (nested or any(b in SCHEMA_BASES for b in bases)):
            out[node.name] = {"b": bases[:4], "n": nested[:30]}
    return out


def schema_reads(per_module: dict[str, dict[str, Any]], schema: str) -> list[list[Any]] | None:
    """The fields of response schema ``schema`` (and its schema bases) typed with another schema, or
    None when ``schema`` is not known to be a pydantic/ninja schema."""
    by_name: dict[str, dict[str, Any]] = {}
    for facts in per_module.values():
        for name, entry in (facts.get("schemas") or {}).items():
            by_name.setdefault(name, entry)

    def is_schema(name: str, depth: int = 0) -> bool:
        entry = by_name.get(name)
        return entry is not None and depth < 6 and any(
            b in SCHEMA_BASES or is_schema(b, depth + 1) for b in entry["b"])

    if not is_schema(schema):
        return None
    fields: list[list[Any]] = []
    pending, seen = [schema], set()
    while pending:
        name = pending.pop(0)
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        for field, target, many in by_name[name]["n"]:
            if is_schema(target) and field not in {f[0] for f in fields}:
                fields.append([field, target, many])
        pending.extend(by_name[name]["b"])
    return fields


def serializer_kinds(per_module: dict[str, dict[str, Any]], serializer: str) -> set[str]:
    """How ``serializer`` and its subclasses are used across the project ("many", "one", "unknown")."""
    children: dict[str, set[str]] = {}
    uses: dict[str, set[str]] = {}
    for facts in per_module.values():
        for child, parents in (facts.get("bases") or {}).items():
            for parent in parents:
                children.setdefault(parent, set()).add(child)
        for name, kind in facts.get("uses") or []:
            uses.setdefault(name, set()).add(kind)
    kinds: set[str] = set()
    pending, seen = [serializer], set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        kinds |= uses.get(name, set())
        pending.extend(children.get(name, ()))
    return kinds
