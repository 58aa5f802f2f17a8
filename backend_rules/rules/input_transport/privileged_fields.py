"""Fields a client must never set for itself, and which models and schemas hold them.

Privilege (``is_staff``, ``is_superuser``, ``is_admin``, ``role``, ``permissions``), money
(``balance``, ``credits``), trust (``is_verified``, ``is_active``, ``approved``) and ownership
(``owner``, ``user``, ``created_by``). A model's fields come from the project's model graph
(:mod:`backend_rules.analysis.orm`) plus what its bases are known to add (Django's
``AbstractUser``); pydantic schemas' fields from the ``schema_fields`` facts collected here.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from backend_rules.analysis.orm.model_facts import collect_orm
from backend_rules.analysis.orm.model_graph import ModelGraph, ModelInfo, graph_for
from backend_rules.analysis.project_facts import fact_collector, module_name

PRIVILEGED = re.compile(
    r"^(is_)?(staff|superuser|super_user|admin|administrator|moderator|verified|email_verified|approved|"
    r"banned|premium|vip|trusted)$"
    r"|^(user_)?roles?$|^role_id$|permissions?$|^privileges?$|^groups$|^access_level$|^(user|account)_type$"
    r"|^(account_)?balance$|^credits?$|^wallet$|^(subscription_)?(plan|tier)$",
    re.IGNORECASE,
)
# Who a row belongs to: setting it lets a client act as, or write for, someone else.
OWNERSHIP = re.compile(r"^(owner|user|creator|created_by|author|tenant)(_id)?$", re.IGNORECASE)
# Bases that bring privileged fields with them, and the fields they bring.
PRIVILEGED_BASES = {
    "AbstractUser": {"is_staff", "is_superuser", "is_active", "groups", "user_permissions"},
    "User": {"is_staff", "is_superuser", "is_active", "groups", "user_permissions"},
    "PermissionsMixin": {"is_superuser", "groups", "user_permissions"},
}
SCHEMA_BASES = {"BaseModel", "SQLModel", "Schema", "BaseSchema", "ModelSchema"}


def privileged(names: set[str] | list[str]) -> set[str]:
    """Privilege, money, trust and ownership fields among ``names``."""
    return {name for name in names if PRIVILEGED.search(name) or OWNERSHIP.search(name)}


def _stem(field: str) -> str:
    stem = field.lower().removeprefix("is_").removesuffix("_id")
    return stem[:-1] if stem.endswith("s") and len(stem) > 3 else stem


def not_named_by(fields: set[str], class_name: str) -> set[str]:
    """Drop fields the class is named after: ``role`` of ``ParticipantRole`` is what the row is
    about, not a privilege the client grants itself."""
    lowered = class_name.lower()
    return {field for field in fields if _stem(field) not in lowered}


def only_ownership(names: set[str]) -> bool:
    """All of ``names`` say who owns a row (weaker than privilege or money fields)."""
    return bool(names) and all(OWNERSHIP.search(name) for name in names)


def fields_from_bases(bases: list[str]) -> set[str]:
    found: set[str] = set()
    for base in bases:
        found |= PRIVILEGED_BASES.get(base.split(".")[-1], set())
    return found


def _class_fields(node: ast.ClassDef) -> list[str]:
    names = []
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.append(stmt.target.id)
        elif isinstance(stmt, ast.Assign):
            names += [t.id for t in stmt.targets if isinstance(t, ast.Name)]
    return names


def collect_schema_fields(tree: ast.Module, module: str) -> dict[str, Any]:
    """Pydantic/SQLModel-style classes: their privileged fields, bases, and ``table=True``."""
    schemas: dict[str, Any] = {}
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [_base_name(b) for b in node.bases]
        entry: dict[str, Any] = {"p": sorted(privileged(_class_fields(node))), "b": [b for b in bases if b][:4]}
        if any(kw.arg == "table" and isinstance(kw.value, ast.Constant) and kw.value.value for kw in node.keywords):
            entry["t"] = 1
        schemas[node.name] = entry
    # keep classes that are schemas themselves or derive from one defined here, and user models
    # (whose Django bases bring privileged fields the ORM facts cannot see)
    kept: dict[str, Any] = {
        name: dict(entry, u=1, p=sorted(set(entry["p"]) | fields_from_bases(entry["b"])))
        for name, entry in schemas.items() if fields_from_bases(entry["b"])
    }
    changed = True
    while changed:
        changed = False
        for name, entry in schemas.items():
            if name not in kept and any(b in SCHEMA_BASES or b in kept and not kept[b].get("u") for b in entry["b"]):
                kept[name] = entry
                changed = True
    return kept


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


@fact_collector("schema_fields", trigger=r"BaseModel|SQLModel|Schema\b|AbstractUser|PermissionsMixin")
def _collect_schema_fields(tree: ast.Module, module: str) -> dict[str, Any]:
    return collect_schema_fields(tree, module)


_SCHEMAS: dict[int, tuple[Any, dict[str, Any]]] = {}


def _project_schemas(project: Any) -> dict[str, Any]:
    """Schema facts of every module, by class name (memoised per project index)."""
    hit = _SCHEMAS.get(id(project))
    if hit is not None and hit[0] is project:
        return hit[1]
    merged: dict[str, Any] = {}
    for facts in project.facts("schema_fields").values():
        for name, entry in facts.items():
            merged.setdefault(name, entry)
    if len(_SCHEMAS) > 8:
        _SCHEMAS.clear()
    _SCHEMAS[id(project)] = (project, merged)
    return merged


class FieldLookup:
    """Models and schemas of the project (index plus this file), asked by class name."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self._graph: ModelGraph | None = None
        self._schemas: dict[str, Any] | None = None
        self._module = "__main__"

    def _own_tree(self) -> ast.Module | None:
        tree = self.context.tree
        if tree is None:
            try:
                tree = ast.parse(self.context.source)
            except (SyntaxError, ValueError, RecursionError):
                return None
        return tree

    @property
    def graph(self) -> ModelGraph:
        """The project's model graph (the index holds this file too), or this file's own."""
        if self._graph is None:
            project = self.context.project
            if project is not None:
                try:
                    self._module = module_name(project.root, self.context.path)
                except ValueError:
                    pass
                self._graph = graph_for(project)
            else:
                tree = self._own_tree()
                self._graph = ModelGraph({self._module: collect_orm(tree, self._module) if tree is not None else {}})
        return self._graph

    @property
    def schemas(self) -> dict[str, Any]:
        if self._schemas is None:
            project = self.context.project
            merged = dict(_project_schemas(project)) if project is not None else {}
            tree = self._own_tree()
            if tree is not None:
                merged.update(collect_schema_fields(tree, self._module))
            self._schemas = merged
        return self._schemas

    def model(self, name: str | None) -> ModelInfo | None:
        if not name or self.is_schema(name):
            return None
        return self.graph.model(name, self._module)

    def is_schema(self, name: str) -> bool:
        entry = self.schemas.get(name)
        return entry is not None and not entry.get("t") and not entry.get("u")

    def is_table_schema(self, name: str) -> bool:
        """A model by its own collector's account: SQLModel ``table=True``, a Django user model."""
        entry = self.schemas.get(name)
        return entry is not None and bool(entry.get("t") or entry.get("u"))

    def model_privileged(self, name: str | None) -> set[str] | None:
        """Privileged fields of model ``name`` (None: the model is not known)."""
        if name in {"User", "AbstractUser"} and self.model(name) is None and not self.is_table_schema(name):
            return set(PRIVILEGED_BASES["User"])  # django.contrib.auth's User
        info = self.model(name)
        if info is None:
            return self.schema_privileged(name) if name and self.is_table_schema(name) else None
        found = privileged(info.fields | set(info.relations)) | fields_from_bases(info.bases) | self._base_fields(info)
        return not_named_by(found, info.name)

    def _base_fields(self, info: ModelInfo) -> set[str]:
        found: set[str] = set()
        seen: set[str] = set()
        stack = list(info.bases)
        while stack:
            base = stack.pop()
            if base in seen:
                continue
            seen.add(base)
            found |= fields_from_bases([base])
            parent = self.graph.model(base)
            if parent is not None:
                stack.extend(parent.bases)
        return found

    def schema_privileged(self, name: str) -> set[str] | None:
        """Privileged fields of schema ``name`` and its bases (None: not a known schema)."""
        if name not in self.schemas:
            return None
        found: set[str] = set()
        seen: set[str] = set()
        stack = [name]
        while stack:
            current = stack.pop()
            if current in seen or current not in self.schemas:
                continue
            seen.add(current)
            found |= set(self.schemas[current]["p"])
            stack.extend(self.schemas[current]["b"])
        return not_named_by(found, name)
