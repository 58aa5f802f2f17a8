"""Calls that write a dict's keys into a database row, one column per key.

``User(**data)``, ``User.objects.create(**data)``, ``qs.update(**data)``, SQLAlchemy
``query.update(data)`` / ``insert(User).values(**data)``, peewee/tortoise ``User.create(**data)``,
``obj.__dict__.update(data)``, pymongo ``insert_one(data)`` / ``update_one(f, {"$set": data})``.
Each answer says which argument carries the dict and how sure it is that the callee is a model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from backend_rules.analysis.imports import dotted_name

CAMEL = re.compile(r"^_?[A-Z][A-Za-z0-9]*$")
# Classes whose constructor takes client data on purpose (validation) or is no database row.
NOT_A_MODEL = re.compile(
    r"(Schema|Serializer|Form|FormSet|Request|Payload|Params|Parameters|Input|In|Create|Update|Patch|Body|Query|"
    r"Filter|Filters|DTO|Dto|Config|Settings|Options|Args|Arguments|Error|Exception|Response|Command|Dict|"
    r"Validator|Spec|Context|Client|Session|Mock|Namespace|Tuple)$"
)
SERVICE_RECEIVER = re.compile(r"(Service|Repository|Repo|Manager|Crud|CRUD|Dao|DAO|Helper|Client|Api|API)$")
MANAGER_WRITES = {"create", "update", "get_or_create", "update_or_create", "acreate", "aupdate",
                  "aget_or_create", "aupdate_or_create", "create_user", "create_superuser", "acreate_user"}
CLASS_WRITES = {"create", "insert", "update", "upsert", "new", "build", "create_or_update", "get_or_create"}
QUERY_SEGMENTS = {"objects", "query", "filter", "filter_by", "where", "exclude", "all", "select_for_update",
                  "insert", "update", "using", "select", "get_queryset", "with_for_update"}
# Methods that only a model (or an ORM document) has: ``user.update(**data)``, ``post.from_dict(data)``.
INSTANCE_WRITES = {"update", "modify", "set", "from_dict", "update_from_dict", "populate", "set_attributes",
                   "update_attributes", "assign_attributes", "set_fields", "update_fields", "patch"}
INSTANCE_WRITES_POSITIONAL = {"from_dict", "update_from_dict", "set_attributes", "update_attributes",
                              "assign_attributes", "set_fields"}
MONGO_DOC_FIRST = {"insert_one", "insert"}
MONGO_DOC_SECOND = {"replace_one", "update_one", "update_many", "find_one_and_update", "find_one_and_replace",
                    "find_and_modify"}


@dataclass(frozen=True)
class ModelWrite:
    """``call`` describes the write; ``confidence`` how sure it is that a row is written."""

    call: str
    arguments: tuple[cst.BaseExpression, ...]
    double_star: bool
    confidence: str
    model: str | None = None


def _segments(node: cst.BaseExpression) -> list[str]:
    """``User.objects.filter(x=1).update`` -> ["User", "objects", "filter", "update"]."""
    names: list[str] = []
    for _ in range(32):
        if isinstance(node, cst.Await):
            node = node.expression
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            names.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Subscript):
            node = node.value
        elif isinstance(node, cst.Name):
            names.append(node.value)
            break
        else:
            break
    return list(reversed(names))


def _chain_text(node: cst.BaseExpression) -> str:
    """``User.query.filter_by(id=1).update`` -> ``User.query.filter_by().update``."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_chain_text(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return f"{_chain_text(node.func)}()"
    if isinstance(node, cst.Subscript):
        return f"{_chain_text(node.value)}[]"
    if isinstance(node, cst.Await):
        return _chain_text(node.expression)
    return "..."


def _callee_text(call: cst.Call) -> str:
    text = _chain_text(call.func)
    return (text if len(text) <= 60 else "..." + text[-57:]) + "()"


def _model_in(parts: list[str]) -> str | None:
    for part in parts:
        if CAMEL.match(part):
            return part
    return None


def writes_model(call: cst.Call, class_kind) -> bool:
    """``call`` builds or saves a row whatever its arguments: ``User(...)``, ``objects.create(...)``,
    ``serializer.save(...)``, ``User.create(...)``."""
    func = call.func
    last = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
    if CAMEL.match(last):
        kind = class_kind(last)
        return kind != "schema" and (kind == "model" or not NOT_A_MODEL.search(last))
    return isinstance(func, cst.Attribute) and last in MANAGER_WRITES | CLASS_WRITES | {"save", "asave"}


def model_write(call: cst.Call, class_kind) -> ModelWrite | None:
    """What ``call`` writes, or None. ``class_kind(name)`` says "model", "schema" or "unknown"
    (and "unknown-in-known-project" when the project's models are known and this is not one)."""
    double = tuple(arg.value for arg in call.args if arg.star == "**")
    positional = [arg.value for arg in call.args if not arg.star and arg.keyword is None]
    func = call.func
    text = _callee_text(call)
    if isinstance(func, (cst.Name, cst.Attribute)) and double:
        last = func.value if isinstance(func, cst.Name) else func.attr.value
        if CAMEL.match(last):  # User(**data)
            kind = class_kind(last)
            if kind == "schema" or (kind != "model" and NOT_A_MODEL.search(last)):
                return None
            confidence = {"model": "HIGH", "unknown": "MEDIUM"}.get(kind, "LOW")
            return ModelWrite(text, double, True, confidence, last)
    if not isinstance(func, cst.Attribute):
        return None
    method = func.attr.value
    parts = _segments(func.value)
    model = _model_in(parts)
    defaults = tuple(arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == "defaults")
    if method in {"update_or_create", "get_or_create", "aupdate_or_create", "aget_or_create"} and defaults:
        return ModelWrite(text, defaults, False, "HIGH", model)  # objects.update_or_create(defaults=data)
    if method in {"save", "asave"} and double and parts and "serializer" in parts[-1].lower():
        return ModelWrite(text, double, True, "HIGH", None)  # serializer.save(**request.data) skips validation
    if method in MANAGER_WRITES | CLASS_WRITES and double:
        if "objects" in parts or set(parts[1:]) & QUERY_SEGMENTS:
            return ModelWrite(text, double, True, "HIGH", model)
        if len(parts) == 1 and model is not None and not SERVICE_RECEIVER.search(model) and not NOT_A_MODEL.search(model):
            kind = class_kind(model)
            if kind != "schema":
                return ModelWrite(text, double, True, "HIGH" if kind == "model" else "MEDIUM", model)
    if len(parts) <= 2 and parts and not CAMEL.match(parts[-1]) and parts[-1] not in {"self", "cls"}:
        if method in INSTANCE_WRITES and double:  # user.update(**data) on a model instance
            return ModelWrite(text, double, True, "MEDIUM", None)
        if method in INSTANCE_WRITES_POSITIONAL and positional:
            return ModelWrite(text, tuple(positional[:1]), False, "MEDIUM", None)
    if method == "values" and (double or positional) and {"insert", "update"} & set(parts):
        return ModelWrite(text, double or tuple(positional[:1]), bool(double), "HIGH", model)
    if method == "update" and positional and not double:
        if parts[-1:] == ["__dict__"]:
            return ModelWrite(text, tuple(positional[:1]), False, "HIGH", None)
        if set(parts[1:]) & {"query", "filter", "filter_by", "where"} and "objects" not in parts:
            return ModelWrite(text, tuple(positional[:1]), False, "HIGH", model)  # SQLAlchemy Query.update(dict)
    if method in MONGO_DOC_FIRST and positional:
        return ModelWrite(text, tuple(positional[:1]), False, "MEDIUM", None)
    if method in MONGO_DOC_SECOND and len(positional) >= 2:
        document = positional[1]
        if isinstance(document, cst.Dict):
            values = tuple(
                element.value for element in document.elements
                if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)
                and element.key.evaluated_value in {"$set", "$setOnInsert"}
            )
            return ModelWrite(text, values, False, "MEDIUM", None) if values else None
        return ModelWrite(text, (document,), False, "MEDIUM", None)
    return None
