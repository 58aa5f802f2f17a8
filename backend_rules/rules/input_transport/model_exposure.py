"""Django ``ModelForm``s and DRF ``ModelSerializer``s that let a client write privileged fields.

``class Meta: fields = "__all__"`` (or ``exclude = [...]``) makes every model field editable,
including the ones added later. That matters when the model holds privileged fields
(:mod:`.privileged_fields`) that the form or serializer does not take back: ``exclude``d,
``read_only_fields``, ``extra_kwargs={"f": {"read_only": True}}``, a declared read-only field.
Serializers only matter when the project writes with them, forms when not only the admin uses
them (:mod:`.form_usage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.rules.input_transport.privileged_fields import FieldLookup, only_ownership
from backend_rules.rules.input_transport.form_usage import collect_form_usage

FORM_BASES = {"ModelForm"}
SERIALIZER_BASES = {"ModelSerializer", "HyperlinkedModelSerializer"}
READ_ONLY_FIELD_TYPES = {"ReadOnlyField", "SerializerMethodField", "HiddenField", "CurrentUserDefault"}
LOWER = {"HIGH": "MEDIUM", "MEDIUM": "LOW", "LOW": "LOW"}


@dataclass(frozen=True)
class Exposure:
    node: cst.CSTNode
    message: str
    confidence: str


def _strings(node: cst.BaseExpression | None) -> set[str]:
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return {e.value.evaluated_value for e in node.elements if isinstance(e.value, cst.SimpleString)}
    if isinstance(node, cst.SimpleString):
        return {node.evaluated_value}
    return set()


def _assignments(body: cst.BaseSuite) -> dict[str, cst.BaseExpression]:
    found: dict[str, cst.BaseExpression] = {}
    statements = body.body if isinstance(body, cst.IndentedBlock) else ()
    for statement in statements:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1 and isinstance(small.targets[0].target, cst.Name):
                found[small.targets[0].target.value] = small.value
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.value is not None:
                found[small.target.value] = small.value
    return found


def _meta(node: cst.ClassDef) -> cst.ClassDef | None:
    statements = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
    for statement in statements:
        if isinstance(statement, cst.ClassDef) and statement.name.value == "Meta":
            return statement
    return None


def _kind(node: cst.ClassDef) -> str | None:
    bases = {(dotted_name(base.value) or "").split(".")[-1] for base in node.bases}
    if bases & FORM_BASES:
        return "form"
    if bases & SERIALIZER_BASES:
        return "serializer"
    return None


def _read_only_declared(node: cst.ClassDef) -> set[str]:
    """Fields the serializer/form declares itself as read-only (or disabled)."""
    names: set[str] = set()
    for name, value in _assignments(node.body).items():
        if not isinstance(value, cst.Call):
            continue
        func = (dotted_name(value.func) or "").split(".")[-1]
        flags = {arg.keyword.value: arg.value for arg in value.args if arg.keyword is not None}
        truthy = {k for k, v in flags.items() if isinstance(v, cst.Name) and v.value == "True"}
        if func in READ_ONLY_FIELD_TYPES or truthy & {"read_only", "disabled"}:
            names.add(name)
    return names


def _extra_read_only(value: cst.BaseExpression | None) -> set[str]:
    """``extra_kwargs = {"role": {"read_only": True}}``."""
    names: set[str] = set()
    if not isinstance(value, cst.Dict):
        return names
    for element in value.elements:
        if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString)):
            continue
        inner = element.value
        if isinstance(inner, cst.Dict) and any(
            isinstance(e, cst.DictElement) and isinstance(e.key, cst.SimpleString) and e.key.evaluated_value == "read_only"
            and isinstance(e.value, cst.Name) and e.value.value == "True" for e in inner.elements
        ):
            names.add(element.key.evaluated_value)
    return names


def _model_name(value: cst.BaseExpression | None) -> str | None:
    if isinstance(value, cst.Call) and (dotted_name(value.func) or "").endswith("get_user_model"):
        return "User"
    name = dotted_name(value) if value is not None else None
    return name.split(".")[-1] if name else None


def exposed_fields(node: cst.ClassDef, context: Any, lookup: FieldLookup) -> Exposure | None:
    """The ``fields = "__all__"``/``exclude`` of a ModelForm/ModelSerializer that exposes privileged fields."""
    kind = _kind(node)
    if kind is None or "Admin" in node.name.value or context.options.get("relative_path", "").endswith("admin.py"):
        return None
    meta = _meta(node)
    if meta is None:
        return None
    settings = _assignments(meta.body)
    fields, exclude = settings.get("fields"), settings.get("exclude")
    takes_all = isinstance(fields, cst.SimpleString) and fields.evaluated_value == "__all__" or (
        isinstance(fields, cst.Name) and fields.value == "ALL_FIELDS")
    if not takes_all and not (exclude is not None and fields is None):
        return None
    model = _model_name(settings.get("model"))
    privileged = lookup.model_privileged(model)
    if not privileged:
        return None
    taken_back = _strings(exclude) | _strings(settings.get("read_only_fields")) | _read_only_declared(node)
    taken_back |= _extra_read_only(settings.get("extra_kwargs"))
    exposed = privileged - taken_back
    if not exposed:
        return None
    # A form shows each field it takes: an owner picker on the page is rarely an accident.
    confidence = ("LOW" if kind == "form" else "MEDIUM") if only_ownership(exposed) else "HIGH"
    what = "ModelForm" if kind == "form" else "serializer"
    usage = _usage(node.name.value, context)
    if kind == "form" and usage == "admin":
        return None
    if kind == "serializer":
        if usage == "read-only":
            return None
        if usage == "unknown":
            confidence = LOWER[confidence]
    place = fields if takes_all else exclude
    listed = ", ".join(sorted(exposed)[:4]) + (", ..." if len(exposed) > 4 else "")
    how = '`fields = "__all__"`' if takes_all else "`exclude`"
    message = f"{what} {node.name.value} with {how} lets clients set {model}.{listed}; list the editable fields"
    return Exposure(place, message, confidence)


def _usage(name: str, context: Any) -> str:
    """"writes", "read-only" (used, never to write), "admin" (a ModelAdmin's form) or "unknown"."""
    facts = list(context.project.facts("form_usage").values()) if context.project is not None else []
    if context.tree is not None:
        facts.append(collect_form_usage(context.tree, ""))
    if any(name in entry.get("w", ()) for entry in facts):
        return "writes"
    if any(name in entry.get("a", ()) for entry in facts):
        return "admin"
    return "read-only" if any(name in entry.get("u", ()) for entry in facts) else "unknown"
