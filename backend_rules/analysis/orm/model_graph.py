"""The project's model graph: models by class name, relations both ways, inherited members.

Built from the ``orm`` facts of every module (:mod:`.model_facts`): Django reverse accessors
(``related_name``, ``<model>_set``) and SQLAlchemy ``backref`` are added here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from backend_rules.analysis.orm.vocabulary import SQLA_EAGER_LAZY

IRREGULAR_PLURALS = {"children", "people", "media", "criteria", "data_items"}
# Modules whose models are copies: a migration's frozen models, test doubles.
SNAPSHOT_MODULE = re.compile(r"(^|\.)(migrations|versions|revisions|alembic|tests?|testing|fixtures)(\.|$)")


@dataclass
class Relation:
    name: str
    target: str | None
    kind: str  # fk, o2o, m2m, reverse, o2o_rev, generic (Django); rel, one, many (SQLAlchemy)
    orm: str
    lazy: str | None = None
    via: str | None = None  # an association proxy: the relationship it reads through
    reverse_scalar: bool = False  # one object whose foreign key is on the other side (backref uselist=False)

    @property
    def collection(self) -> bool:
        if self.kind in {"rel", "proxy"}:  # classic relationship(): SQLAlchemy infers uselist; plural names are lists
            return self.name.endswith("s") and not self.name.endswith("ss") or self.name in IRREGULAR_PLURALS
        return self.kind in {"m2m", "reverse", "many"}

    @property
    def eager_by_default(self) -> bool:
        return (self.lazy or "") in SQLA_EAGER_LAZY

    @property
    def dynamic(self) -> bool:
        return self.lazy in {"dynamic", "write_only"}


@dataclass
class ModelInfo:
    name: str
    module: str
    orm: str | None
    fields: set[str]
    relations: dict[str, Relation]
    methods: dict[str, list[Any]]
    bases: list[str]
    managers: dict[str, list[str]] = field(default_factory=dict)  # manager attribute -> project classes behind it


class ModelGraph:
    """Models of a project by class name, with relations both ways and inherited members."""

    def __init__(self, per_module: dict[str, dict[str, Any]]) -> None:
        self.by_name: dict[str, list[ModelInfo]] = {}
        self.functions: dict[str, dict[str, str]] = {}
        self.relation_names: set[str] = set()
        self.field_names: set[str] = set()
        # relation paths the project prefetches somewhere (``"lines__variant"``)
        self.prefetched_paths: set[str] = {path for facts in per_module.values() for path in facts.get("paths") or ()}
        raw: list[tuple[str, str, dict[str, Any]]] = []
        self._raw: dict[tuple[str, str], dict[str, Any]] = {}
        for module, facts in per_module.items():
            for name, entry in (facts.get("models") or {}).items():
                raw.append((module, name, entry))
                self._raw[(module, name)] = entry
            if facts.get("queries"):
                self.functions[module] = facts["queries"]
        for module, name, entry in raw:
            rels = {
                rname: Relation(rname, r.get("t"), r.get("k", "fk"), r.get("o", "django"), r.get("lazy"), r.get("via"),
                                bool(r.get("rs")))
                for rname, r in entry.get("r", {}).items()
            }
            info = ModelInfo(name, module, entry.get("o"), set(entry.get("f", [])), rels,
                             dict(entry.get("m", {})), list(entry.get("b", [])), dict(entry.get("mgrc", {})))
            self.by_name.setdefault(name, []).append(info)
        # inheritance (abstract bases, mixins defined in the project)
        for infos in list(self.by_name.values()):
            for info in infos:
                seen = {info.name}
                stack = list(info.bases)
                while stack:
                    base = stack.pop()
                    if base in seen:
                        continue
                    seen.add(base)
                    for parent in self.by_name.get(base, [])[:1]:
                        info.fields |= parent.fields
                        for rname, rel in parent.relations.items():
                            info.relations.setdefault(rname, rel)
                        for mname, meta in parent.methods.items():
                            info.methods.setdefault(mname, meta)
                        for attr, classes in parent.managers.items():
                            info.managers.setdefault(attr, classes)
                        info.orm = info.orm or parent.orm
                        stack.extend(parent.bases)
        # reverse accessors
        for infos in list(self.by_name.values()):
            for info in infos:
                for rname, rel in list(info.relations.items()):
                    if rel.kind == "generic" or rel.target is None:
                        continue
                    targets = self.by_name.get(rel.target if rel.target != "self" else info.name, [])
                    raw_rel = self._raw.get((info.module, info.name), {}).get("r", {}).get(rname)
                    for target in targets:
                        if rel.orm == "django":
                            related = raw_rel.get("rn") if raw_rel else None
                            if related is not None and related.endswith("+"):
                                continue
                            if related:
                                related = related.replace("%(class)s", info.name.lower()).replace("%(app_label)s", "")
                            default = info.name.lower() if rel.kind == "o2o" else f"{info.name.lower()}_set"
                            back = related or default
                            kind = "o2o_rev" if rel.kind == "o2o" else "reverse"
                            target.relations.setdefault(back, Relation(back, info.name, kind, "django"))
                        elif raw_rel and raw_rel.get("br"):
                            back = raw_rel["br"]
                            # the other side of a collection is one object, of one object a collection
                            kind = "many" if "secondary" in raw_rel or not rel.collection else "one"
                            reverse_scalar = False
                            if "brlist" in raw_rel:
                                kind = "many" if raw_rel["brlist"] else "one"
                                reverse_scalar = not raw_rel["brlist"] and not rel.collection
                            target.relations.setdefault(back, Relation(back, info.name, kind, "sqlalchemy", raw_rel.get("brlazy"),
                                                                       reverse_scalar=reverse_scalar))
        for infos in self.by_name.values():
            for info in infos:
                self.relation_names |= set(info.relations)
                self.field_names |= info.fields

    def model(self, name: str | None, prefer_module: str | None = None) -> ModelInfo | None:
        if not name:
            return None
        infos = self.by_name.get(name)
        if not infos:
            return None
        if prefer_module:
            for info in infos:
                if info.module == prefer_module:
                    return info
            package = prefer_module.rpartition(".")[0]
            for info in infos:
                if package and info.module.startswith(package + "."):
                    return info
        # the application's model, not a migration's frozen copy or a test double
        return min(infos, key=lambda info: (bool(SNAPSHOT_MODULE.search(info.module)), info.orm is None))

    def names(self) -> set[str]:
        return set(self.by_name)

    def function(self, qualified: str) -> tuple[str, str] | None:
        """(module, description) when ``pkg.mod.func`` / ``pkg.mod.Class.method`` runs queries."""
        parts = qualified.split(".")
        for split in (len(parts) - 1, len(parts) - 2):
            if split < 1:
                continue
            module, func = ".".join(parts[:split]), ".".join(parts[split:])
            for candidate, funcs in self.functions.items():
                if (candidate == module or candidate.endswith("." + module) or module.endswith("." + candidate)) and func in funcs:
                    return candidate, funcs[func]
        return None


_GRAPHS: dict[int, tuple[Any, ModelGraph]] = {}


def graph_for(project: Any) -> ModelGraph:
    """The (per-process memoised) model graph of a project index."""
    key = id(project)
    hit = _GRAPHS.get(key)
    if hit is not None and hit[0] is project:
        return hit[1]
    graph = ModelGraph(project.facts("orm"))
    if len(_GRAPHS) > 8:
        _GRAPHS.clear()
    _GRAPHS[key] = (project, graph)
    return graph


def merge_facts(per_module: dict[str, Any], module: str, own: dict[str, Any] | None) -> dict[str, Any]:
    """The index's facts with the checked file's own (fresher) facts in place of its module's."""
    merged = dict(per_module)
    if own is not None:
        merged[module] = own
    return merged
