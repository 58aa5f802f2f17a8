"""BR701: the request payload written whole into a model, or a form/serializer exposing every field."""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.code_kinds import is_migration, is_test_code
from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.request_data import Payload, PayloadTracer, dumped_schema
from backend_rules.analysis.walk import find
from backend_rules.rule import Invalid, Rule, Valid
from backend_rules.analysis.admin_views import admin_only
from backend_rules.rules.input_transport.model_writes import CAMEL, INSTANCE_WRITES_POSITIONAL, model_write, writes_model
from backend_rules.rules.input_transport.model_exposure import exposed_fields
from backend_rules.rules.input_transport.privileged_fields import FieldLookup, only_ownership, privileged

WRITE_METHODS = {"update", "values", "insert_one", "insert", "replace_one", "update_one", "update_many",
                 "find_one_and_update", "find_one_and_replace", "find_and_modify"} | INSTANCE_WRITES_POSITIONAL
SCHEMA_BUILDERS = {"parse_obj", "model_validate", "parse_raw", "model_validate_json", "construct", "model_construct"}
# An ``in`` test against the model's own columns or attributes lets every field through.
NOT_AN_ALLOW_LIST = re.compile(r"__table__|columns|_meta|__dict__|__mapper__|\bdir\(|\bvars\(|__annotations__"
                               r"|model_fields|__fields__|get_fields|hasattr")
LOWER = {"HIGH": "MEDIUM", "MEDIUM": "LOW", "LOW": "LOW"}
SCALAR_CASTS = {"bool", "int", "str", "float", "Decimal"}
# Attribute names without which no payload is read nor schema dumped (the gate's cheap test).
PAYLOAD_HINTS = {"json", "form", "values", "args", "POST", "GET", "data", "query_params", "media", "get_json",
                 "body", "post", "get_media", "get_data", "dict", "model_dump", "__dict__", "to_dict"}
PRIVILEGED_MESSAGE = "privileged field `{field}` is taken from `{source}`: a client can grant it to itself; set it server-side"
RANK = {"LOW": 0, "MEDIUM": 1, "HIGH": 2}


class MassAssignment(Rule):
    """The request payload is written whole into a model, or a form/serializer lets a client set every field.

    ## What it does
    Finds the whole request payload — Flask `request.json`/`get_json()`/`form`/`values`, Django
    `request.POST`/`json.loads(request.body)`, DRF `request.data`, FastAPI/Starlette/aiohttp
    `await request.json()`/`form()`/`post()`, directly or through local variables and copies —
    passed with `**` into a model constructor, `Model.objects.create()`/`update()`, SQLAlchemy
    `query.update(data)`/`insert(Model).values(**data)`, peewee/tortoise `Model.create()`,
    `obj.__dict__.update(data)`, pymongo `insert_one(data)`/`{"$set": data}`, or copied by a
    `for k, v in data.items(): setattr(obj, k, v)` loop without an allow-list. A pydantic
    `payload.dict()`/`model_dump()` counts when the schema itself holds privileged fields
    (`role`, `is_admin`, `balance`, `owner_id`...). Also Django `ModelForm`s and DRF
    `ModelSerializer`s with `fields = "__all__"` or `exclude` whose model holds such fields
    (the project's model graph; Django's `AbstractUser` brings `is_staff`/`is_superuser`); a
    serializer counts when the project writes with it (`ModelViewSet`, `CreateAPIView`,
    `Serializer(data=...)`), and is quieter when no use of it is found.

    ## Why is this bad?
    Every key the client sends becomes a column: `{"is_admin": true}` in a profile update makes
    the caller an administrator, `{"balance": 1e6}` pays for itself, `{"owner_id": 7}` moves a
    record to another account (CWE-915, OWASP API3:2023). Forms and serializers that take every
    field make the same promise for each field added to the model later.

    ## Example
    ```python
    @app.put("/me")
    def update_me():
        data = request.get_json()
        User.query.filter_by(id=current_user.id).update(data)
    ```

    ## Use instead
    Copy the fields the client may set, by name (or validate with a schema that lists them):
    ```python
    EDITABLE = {"name", "email", "bio"}

    @app.put("/me")
    def update_me():
        data = request.get_json()
        User.query.filter_by(id=current_user.id).update({k: data[k] for k in EDITABLE & data.keys()})
    ```
    In Django/DRF, list `fields = ["name", "email"]` and put privileged ones in `read_only_fields`.

    ## Confidence
    HIGH for the raw payload into a known model, or privileged fields exposed; MEDIUM when the
    callee is only probably a model, or only ownership fields are exposed; LOW when keys are
    popped first (a deny-list) or a serializer's writes are not found.

    ## Limits
    Payloads handed to helper functions in other modules, and models built through generic
    repositories (`crud.create(db, obj_in=data)`), are not followed.
    """

    CODE = "BR701"
    NAME = "mass-assignment"
    MESSAGE = "{source} goes whole into {sink}: a client can set {fields}; copy an allow-list of fields"
    CATEGORY = "security"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    CWE = 915
    USES_PROJECT_INDEX = True
    TRIGGER = (r"\brequest\b|\breq\b|\.dict\(|model_dump|jsonable_encoder|\bvars\(|__dict__|__all__|ALL_FIELDS"
               r"|\bexclude\s*=")

    @classmethod
    def applies_to(cls, options: dict[str, Any]) -> bool:
        return not is_test_code(options) and not is_migration(options)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        if any(node.name == "Meta" for node in nodes(tree, ast.ClassDef)):
            return True
        if not any(node.attr in PAYLOAD_HINTS for node in nodes(tree, ast.Attribute)) and \
                not any(node.id in {"vars", "jsonable_encoder"} for node in nodes(tree, ast.Name)):
            return False  # nothing in the file reads a payload or dumps a schema
        for call in nodes(tree, ast.Call):
            if any(kw.arg is None or kw.arg == "defaults" or privileged({kw.arg}) for kw in call.keywords):
                return True
            func = call.func
            if isinstance(func, ast.Name) and func.id == "setattr":
                return True
            if isinstance(func, ast.Attribute) and func.attr in WRITE_METHODS and call.args:
                return True
        return any(isinstance(t, ast.Attribute) and privileged({t.attr}) for a in nodes(tree, ast.Assign) for t in a.targets)

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self._lookup: FieldLookup | None = None
        self._sources: dict[tuple[int, bool], tuple[str, str, str] | None] = {}

    @property
    def lookup(self) -> FieldLookup:
        if self._lookup is None:
            self._lookup = FieldLookup(self.context)
        return self._lookup

    # -- the payload into a model write ---------------------------------------------------------

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "setattr" and len(node.args) >= 2:
            self._setattr_loop(node)
            return
        keywords = [arg for arg in node.args if arg.keyword is not None and privileged({arg.keyword.value})]
        if keywords and writes_model(node, self._class_kind):
            for arg in keywords:
                self._privileged_value(arg.keyword.value, arg.value)
        if not any(self._source(value, nested_ok=True) for value in _candidates(node)):
            return  # no payload among the arguments: no need to ask what the callee is
        write = model_write(node, self._class_kind)
        if write is None:
            return
        for argument in write.arguments:
            found = self._source(argument, nested_ok=write.double_star)
            if found is None:
                continue
            source, confidence, fields = found
            confidence = min(confidence, write.confidence, key=RANK.__getitem__)
            if self._deny_listed(argument):
                confidence = "LOW"
            elif self._admin_only():
                confidence = LOWER[confidence]
            self.report(argument, confidence=confidence, source=source, sink=write.call, fields=fields)

    def visit_Assign(self, node: cst.Assign) -> None:
        """``user.is_admin = data.get("is_admin")``: a privileged field set from the payload."""
        for target in node.targets:
            attribute = target.target
            if isinstance(attribute, cst.Attribute) and dotted_name(attribute.value) not in {"self", "cls", None}:
                self._privileged_value(attribute.attr.value, node.value, at=attribute)

    def _privileged_value(self, field: str, value: cst.BaseExpression, at: cst.CSTNode | None = None) -> None:
        """A privilege field (not ownership) given a value the client chose."""
        if not privileged({field}) or only_ownership({field}):
            return
        while isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in SCALAR_CASTS \
                and value.args:
            value = value.args[0].value
        if not isinstance(value, (cst.Subscript, cst.Call, cst.Name, cst.BooleanOperation)):
            return
        facts, order, blocks = self._where()
        payload = PayloadTracer(self.context.imports, facts).payload(value, order, blocks)
        if payload is None:
            return
        confidence = "LOW" if self._admin_only() else "MEDIUM"
        self.report(at or value, PRIVILEGED_MESSAGE.format(field=field, source=payload.text), confidence=confidence)

    def _class_kind(self, name: str) -> str:
        lookup = self.lookup
        if lookup.is_schema(name):
            return "schema"
        if lookup.is_table_schema(name) or lookup.model(name) is not None:
            return "model"
        scope = self.context.scope_facts(self.context.module)
        if name in scope.classes:
            return "schema"  # a class of this file that is no model (dataclass, plain class)
        return "unknown-in-known-project" if lookup.graph.by_name else "unknown"

    def _where(self) -> tuple[Any, int, tuple[int, ...]]:
        facts = self.context.scope_facts(enclosing_scope(self.context.stack))
        return facts, facts.order_of(self.context.stack), facts.blocks_of(self.context.stack)

    def _source(self, node: cst.BaseExpression, nested_ok: bool) -> tuple[str, str, str] | None:
        """(what the value is, confidence, which fields a client controls) when ``node`` holds the
        client's payload."""
        key = (id(node), nested_ok)
        if key not in self._sources:
            self._sources[key] = self._find_source(node, nested_ok)
        return self._sources[key]

    def _find_source(self, node: cst.BaseExpression, nested_ok: bool) -> tuple[str, str, str] | None:
        facts, order, blocks = self._where()
        payload: Payload | None = PayloadTracer(self.context.imports, facts).payload(node, order, blocks)
        if payload is not None and (nested_ok or not payload.nested):
            return f"`{payload.text}`", "HIGH", "any field"
        return self._dump(node, facts, order, blocks, 0)

    def _dump(self, node: cst.BaseExpression, facts, order: int, blocks, depth: int) -> tuple[str, str, str] | None:
        """A pydantic dump of a schema holding privileged fields (``payload.dict()``)."""
        if depth > 4:
            return None
        if isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    found = self._dump(element.value, facts, order, blocks, depth + 1)
                    if found:
                        return found
            return None
        if isinstance(node, cst.Name):
            for binding in reversed(facts.bindings_before(node.value, order, blocks)):
                if binding.kind == "=" and binding.value is not None:
                    found = self._dump(binding.value, facts, binding.order, binding.blocks, depth + 1)
                    if found:
                        return found
            return None
        schema_var = dumped_schema(node)
        if not isinstance(schema_var, cst.Name):
            return None
        schema = self._schema_of(schema_var.value, facts, order, blocks)
        fields = self.lookup.schema_privileged(schema) if schema else None
        if not fields:
            return None
        text = f"`{cst.Module([]).code_for_node(node)}` of {schema}"
        return text, "MEDIUM" if only_ownership(fields) else "HIGH", ", ".join(sorted(fields))

    def _schema_of(self, name: str, facts, order: int, blocks) -> str | None:
        for binding in reversed(facts.bindings_before(name, order, blocks)):
            if binding.kind == "param" and isinstance(binding.node, cst.Param) and binding.node.annotation:
                return _annotated_class(binding.node.annotation.annotation)
            if binding.kind == "=" and isinstance(binding.value, cst.Call):
                func = binding.value.func
                if isinstance(func, cst.Attribute) and func.attr.value in SCHEMA_BUILDERS:
                    func = func.value
                last = (dotted_name(func) or "").split(".")[-1]
                if CAMEL.match(last):
                    return last
        return None

    def _admin_only(self) -> bool:
        return admin_only(self.context.stack)

    def _deny_listed(self, node: cst.BaseExpression) -> bool:
        """``data.pop("is_admin", None)`` / ``del data["role"]`` before the write: a deny-list of
        privileged keys (weaker than an allow-list, but someone thought about it)."""
        if not isinstance(node, cst.Name):
            return False
        name = node.value
        scope = enclosing_scope(self.context.stack)

        def key_of(current: cst.CSTNode) -> str | None:
            if isinstance(current, cst.Expr) and isinstance(current.value, cst.Call):
                call = current.value
                if isinstance(call.func, cst.Attribute) and call.func.attr.value == "pop" and call.args \
                        and dotted_name(call.func.value) == name and isinstance(call.args[0].value, cst.SimpleString):
                    return call.args[0].value.evaluated_value
            if isinstance(current, cst.Del) and isinstance(current.target, cst.Subscript) \
                    and dotted_name(current.target.value) == name:
                index = current.target.slice[0].slice
                if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                    return index.value.evaluated_value
            return None

        return find(scope, lambda current: bool(privileged({key_of(current) or ""}) - {""})) is not None

    # -- setattr loops ----------------------------------------------------------------------------

    def _setattr_loop(self, node: cst.Call) -> None:
        key = node.args[1].value
        if not isinstance(key, cst.Name):
            return
        loop = self._loop_binding(key.value)
        if loop is None:
            return
        iterated = loop.iter
        if isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Attribute) and not iterated.args \
                and iterated.func.attr.value in {"items", "keys", "iteritems"}:
            iterated = iterated.func.value
        if self._allow_listed(key.value, loop):
            return
        found = self._source(iterated, nested_ok=False)
        if found is None:
            return
        source, confidence, fields = found
        if self._admin_only():
            confidence = LOWER[confidence]
        target = cst.Module([]).code_for_node(node.args[0].value)
        self.report(node, confidence=confidence, source=source, sink=f"setattr({target}, {key.value}, ...)",
                    fields=fields)

    def _loop_binding(self, key: str) -> cst.For | None:
        for parent in reversed(self.context.stack):
            if isinstance(parent, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return None
            if isinstance(parent, cst.For) and key in _names_of(parent.target):
                return parent
        return None

    def _allow_listed(self, key: str, loop: cst.For) -> bool:
        """An ``if key in ALLOWED`` around the setattr, or ``if key not in ALLOWED: continue`` before it."""
        inside = self.context.stack[self.context.stack.index(loop):]
        for parent, child in zip(inside, inside[1:]):
            if isinstance(parent, cst.If) and child is parent.body and _membership(parent.test, key, positive=True):
                return True
        body = loop.body.body if isinstance(loop.body, cst.IndentedBlock) else ()
        for statement in body:
            if isinstance(statement, cst.If) and _membership(statement.test, key, positive=False) and _leaves(statement.body):
                return True
        return False

    # -- ModelForm / ModelSerializer exposing every field -----------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        exposure = exposed_fields(node, self.context, self.lookup)
        if exposure is None:
            return
        self.report(exposure.node, exposure.message, confidence=exposure.confidence)

    VALID = [
        # an allow-list of fields
        """
        from flask import request
        EDITABLE = {"name", "email"}
        def update_me(user):
            data = request.get_json()
            for key, value in data.items():
                if key in EDITABLE:
                    setattr(user, key, value)
        """,
        # a schema validates the payload first
        """
        from flask import request
        def create():
            data = UserSchema().load(request.get_json())
            user = User(**data)
            return user
        """,
        # picked fields, not the whole payload
        """
        from flask import request
        def create():
            data = request.get_json()
            return User(name=data["name"], email=data["email"])
        """,
        # a pydantic schema without privileged fields
        """
        from pydantic import BaseModel
        class ItemCreate(BaseModel):
            title: str
            description: str | None = None
        def create_item(db, item: ItemCreate):
            db_item = Item(**item.dict())
            db.add(db_item)
        """,
        # a plain dict update is no model write
        """
        def search(request):
            params = {}
            params.update(request.GET)
            return params
        """,
        # a ModelForm listing its fields
        Valid(
            """
            from django import forms
            from django.contrib.auth.models import User
            class ProfileForm(forms.ModelForm):
                class Meta:
                    model = User
                    fields = ["first_name", "last_name", "email"]
            """,
            path="accounts/forms.py",
        ),
    ]
    INVALID = [
        Invalid(
            """
            from flask import request
            def register():
                user = User(**request.get_json())
                db.session.add(user)
            """,
            line=3, column=19, message="`request.get_json()` goes whole into User()",
        ),
        Invalid(
            """
            from flask import request as req
            def update_me(user):
                data = req.json
                for key, value in data.items():
                    setattr(user, key, value)
            """,
            line=5, column=9,
        ),
        Invalid(
            """
            def update_profile(request, pk):
                Profile.objects.filter(pk=pk).update(**request.POST.dict())
            """,
            line=2,
        ),
        Invalid(
            """
            from pydantic import BaseModel
            class UserUpdate(BaseModel):
                name: str
                role: str = "user"
            async def update_user(user_id: int, payload: UserUpdate, db):
                await db.execute(update(User).where(User.id == user_id).values(**payload.dict()))
            """,
            line=6, message="`payload.dict()` of UserUpdate goes whole into update().where().values(): a client can set role",
        ),
        Invalid(
            """
            from django import forms
            from django.contrib.auth.models import User
            class UserForm(forms.ModelForm):
                class Meta:
                    model = User
                    fields = "__all__"
            """,
            line=6, column=18, message="is_staff",
        ),
    ]


def _candidates(call: cst.Call) -> list[cst.BaseExpression]:
    """Arguments that can carry a whole dict into a write: ``**x``, ``defaults=x``, and the
    positional ones of write methods (``update(x)``, ``values(x)``, ``insert_one(x)``)."""
    method = call.func.attr.value if isinstance(call.func, cst.Attribute) else ""
    found = []
    for arg in call.args:
        if arg.star == "**" or (arg.keyword is not None and arg.keyword.value == "defaults"):
            found.append(arg.value)
        elif not arg.star and arg.keyword is None and method in WRITE_METHODS:
            found.append(arg.value)
            if isinstance(arg.value, cst.Dict):  # {"$set": data}
                found += [e.value for e in arg.value.elements if isinstance(e, cst.DictElement)]
    return found


def _annotated_class(annotation: cst.BaseExpression) -> str | None:
    """``UserIn``, ``schemas.UserIn``, ``Optional[UserIn]``, ``Annotated[UserIn, Body()]``, ``UserIn | None``."""
    if isinstance(annotation, cst.BinaryOperation):
        return _annotated_class(annotation.left)
    if isinstance(annotation, cst.Subscript):
        head = (dotted_name(annotation.value) or "").split(".")[-1]
        if head in {"Optional", "Annotated", "Union"} and annotation.slice:
            first = annotation.slice[0].slice
            if isinstance(first, cst.Index):
                return _annotated_class(first.value)
        return None
    name = (dotted_name(annotation) or "").split(".")[-1]
    return name if CAMEL.match(name) else None


def _names_of(target: cst.BaseExpression) -> set[str]:
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return set().union(*(_names_of(e.value) for e in target.elements)) if target.elements else set()
    return set()


def _membership(test: cst.BaseExpression, key: str, positive: bool) -> bool:
    """``key in ALLOWED`` (positive) or ``key not in ALLOWED`` (negative) against a real allow-list."""
    if isinstance(test, cst.BooleanOperation):
        return _membership(test.left, key, positive) or _membership(test.right, key, positive)
    if not (isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == key):
        return False
    if len(test.comparisons) != 1:
        return False
    target = test.comparisons[0]
    wanted = cst.In if positive else cst.NotIn
    if not isinstance(target.operator, wanted):
        return False
    return not NOT_AN_ALLOW_LIST.search(cst.Module([]).code_for_node(target.comparator))


def _leaves(body: cst.BaseSuite) -> bool:
    return find(body, lambda n: isinstance(n, (cst.Continue, cst.Raise, cst.Return, cst.Break))) is not None
