"""BR701 mass assignment on realistic variants: what fires (where, how sure) and what stays quiet."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.runner import check_paths


def findings(code: str, path: str = "app/views.py", min_confidence: str = "LOW"):
    config = Config(select=("BR701",), min_confidence=min_confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def fired(code: str, path: str = "app/views.py") -> list[tuple[int, str]]:
    """(line, confidence) of each BR701 finding, LOW included."""
    return [(f.line, f.confidence) for f in findings(code, path)]


# (code, line that must fire, confidence)
POSITIVES = {
    "flask get_json into constructor, via a local": ("""
        from flask import request, jsonify
        @app.post("/users")
        def create_user():
            data = request.get_json()
            user = User(**data)
            db.session.add(user)
            return jsonify(id=user.id)
    """, 5, "MEDIUM"),
    "flask request.json or {} then copy": ("""
        from flask import request
        def create():
            payload = request.json or {}
            values = payload.copy()
            values["owner_id"] = current_user.id
            db.session.add(Post(**values))
    """, 6, "MEDIUM"),
    "flask form to_dict": ("""
        from flask import request
        def register():
            account = Account(**request.form.to_dict())
            db.session.add(account)
    """, 3, "MEDIUM"),
    "sqlalchemy query update with dict": ("""
        from flask import request
        @bp.route("/users/<int:uid>", methods=["PUT"])
        def update_user(uid):
            data = request.get_json()
            User.query.filter_by(id=uid).update(data)
            db.session.commit()
    """, 5, "HIGH"),
    "sqlalchemy session query update": ("""
        from flask import request
        def update_user(uid):
            db.session.query(User).filter(User.id == uid).update(request.json)
    """, 3, "HIGH"),
    "sqlalchemy core insert values": ("""
        from sqlalchemy import insert
        async def create(request):
            body = await request.json()
            await database.execute(insert(users).values(**body))
    """, 4, "HIGH"),
    "django objects.create with POST dict": ("""
        def signup(request):
            Customer.objects.create(**request.POST.dict())
    """, 2, "HIGH"),
    "django json.loads(request.body)": ("""
        import json
        def update(request, pk):
            data = json.loads(request.body)
            Order.objects.filter(pk=pk).update(**data)
    """, 4, "HIGH"),
    "drf request.data into create": ("""
        from rest_framework.views import APIView
        class Accounts(APIView):
            def post(self, request):
                account = Account.objects.create(**request.data)
                return Response({"id": account.id})
    """, 4, "HIGH"),
    "self.request.data in a viewset": ("""
        class ProfileViewSet(viewsets.ViewSet):
            def partial_update(self, request, pk=None):
                Profile.objects.filter(pk=pk).update(**self.request.data)
    """, 3, "HIGH"),
    "setattr loop over request json": ("""
        from flask import request
        def update_me():
            user = User.query.get(current_user.id)
            for field, value in request.get_json().items():
                setattr(user, field, value)
            db.session.commit()
    """, 5, "HIGH"),
    "setattr loop guarded only by hasattr": ("""
        from flask import request
        def update_me(user):
            data = request.get_json()
            for key in data:
                if hasattr(user, key):
                    setattr(user, key, data[key])
    """, 6, "HIGH"),
    "setattr loop against the model's own columns": ("""
        from flask import request
        def update_me(user):
            data = request.get_json()
            for key, value in data.items():
                if key in User.__table__.columns:
                    setattr(user, key, value)
    """, 6, "HIGH"),
    "aiohttp await request.post()": ("""
        from aiohttp import web
        async def create(request):
            form = await request.post()
            await Note.create(**form)
            return web.json_response({})
    """, 4, "MEDIUM"),
    "starlette await request.json() with dict() copy": ("""
        async def create(request):
            data = dict(await request.json())
            item = Item(**data)
    """, 3, "MEDIUM"),
    "nested payload object": ("""
        from flask import request
        def create():
            user = User(**request.json["user"])
    """, 3, "MEDIUM"),
    "dict spread with extra key": ("""
        from flask import request
        def create():
            post = Post(**{**request.get_json(), "author_id": current_user.id})
    """, 3, "MEDIUM"),
    "__dict__ update": ("""
        from flask import request
        def update(user):
            user.__dict__.update(request.get_json())
    """, 3, "HIGH"),
    "pymongo insert_one": ("""
        from flask import request
        def create():
            mongo.db.users.insert_one(request.get_json())
    """, 3, "MEDIUM"),
    "pymongo $set": ("""
        from flask import request
        def update(uid):
            db.users.update_one({"_id": uid}, {"$set": request.json})
    """, 3, "MEDIUM"),
    "peewee class create": ("""
        from flask import request
        def create():
            return Person.create(**request.get_json())
    """, 3, "MEDIUM"),
    "pydantic dump of a schema holding is_admin": ("""
        from pydantic import BaseModel
        class UserUpdate(BaseModel):
            email: str
            is_admin: bool = False
        @router.patch("/users/{uid}")
        def patch_user(uid: int, body: UserUpdate, db: Session):
            db.query(User).filter(User.id == uid).update(body.dict(exclude_unset=True))
    """, 7, "HIGH"),
    "pydantic model_dump via local in setattr loop": ("""
        from pydantic import BaseModel
        class AccountIn(BaseModel):
            name: str
            balance: float
        def update(account, payload: AccountIn):
            values = payload.model_dump(exclude_unset=True)
            for key, value in values.items():
                setattr(account, key, value)
    """, 8, "HIGH"),
    "pydantic with ownership field only": ("""
        from pydantic import BaseModel
        class ItemCreate(BaseModel):
            title: str
            owner_id: int
        def create_item(item: ItemCreate, db):
            db.add(Item(**item.dict()))
    """, 6, "MEDIUM"),
    "pydantic schema built from request then dumped": ("""
        from flask import request
        from pydantic import BaseModel
        class Signup(BaseModel):
            email: str
            role: str = "member"
        def signup():
            form = Signup(**request.json)
            db.session.add(User(**form.dict()))
    """, 8, "MEDIUM"),
    "model instance update(**payload)": ("""
        from flask import request
        @bp.route("/profile", methods=["PATCH"])
        def patch_profile():
            profile = Profile.query.get_or_404(current_user.id)
            profile.update(**request.get_json())
    """, 5, "MEDIUM"),
    "model helper from_dict": ("""
        from flask import request
        def edit(post):
            post.from_dict(request.get_json())
    """, 3, "MEDIUM"),
    "django update_or_create defaults": ("""
        def upsert(request, slug):
            Page.objects.update_or_create(slug=slug, defaults=request.data)
    """, 2, "HIGH"),
    "unfiltered dict comprehension": ("""
        from flask import request
        def create():
            data = {k: v for k, v in request.json.items()}
            db.session.add(Item(**data))
    """, 4, "MEDIUM"),
    "vars() of a schema in a setattr loop": ("""
        from pydantic import BaseModel
        class MemberUpdate(BaseModel):
            name: str
            is_superuser: bool = False
        def update(member, body: MemberUpdate):
            for key, value in vars(body).items():
                setattr(member, key, value)
    """, 7, "HIGH"),
    "a popped value used, not a deny-list": ("""
        from flask import request
        def create_widget():
            props = request.get_json(force=True)
            dashboard = load_dashboard(props.pop("dashboard_id"))
            widget = Widget(**props)
    """, 5, "MEDIUM"),
    "admin-only view is one step less sure": ("""
        from flask import request
        @admins_only
        def post():
            data = request.get_json()
            for attr, value in data.items():
                setattr(challenge, attr, value)
    """, 6, "MEDIUM"),
    "falcon req beside resp": ("""
        class Items:
            def on_post(self, req, resp):
                Item.objects.create(**req.media)
    """, 3, "HIGH"),
    "registration taking the admin flag from the payload": ("""
        from flask import request
        @app.route("/users/register", methods=["POST"])
        def register():
            data = request.get_json()
            user = User(username=data["username"], password=hash_pw(data["password"]), admin=data.get("admin", False))
            db.session.add(user)
    """, 5, "MEDIUM"),
    "role set on a user from the payload": ("""
        def update_me(request):
            user = request.user
            user.role = request.data.get("role", user.role)
            user.save()
    """, 3, "MEDIUM"),
    "django create_user with the whole POST": ("""
        def signup(request):
            User.objects.create_user(**request.POST.dict())
    """, 2, "HIGH"),
    "drf serializer.save with the payload": ("""
        class Signup(APIView):
            def post(self, request):
                serializer = UserSerializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                serializer.save(**request.data)
    """, 5, "HIGH"),
    "deny-list pop is weaker": ("""
        from flask import request
        def create():
            data = request.get_json()
            data.pop("is_admin", None)
            User.query.filter_by(id=1).update(data)
    """, 5, "LOW"),
    "django ModelForm __all__ on custom user": ("""
        from django import forms
        from django.contrib.auth.models import AbstractUser
        from django.db import models
        class Member(AbstractUser):
            bio = models.TextField()
        class MemberForm(forms.ModelForm):
            class Meta:
                model = Member
                fields = "__all__"
    """, 9, "HIGH"),
    "django ModelForm exclude leaving balance": ("""
        from django import forms
        from django.db import models
        class Wallet(models.Model):
            name = models.CharField(max_length=20)
            balance = models.DecimalField()
        class WalletForm(forms.ModelForm):
            class Meta:
                model = Wallet
                exclude = ["name"]
    """, 9, "HIGH"),
    "drf __all__ serializer used for writes": ("""
        from rest_framework import serializers, viewsets
        from django.db import models
        class Account(models.Model):
            name = models.CharField(max_length=20)
            role = models.CharField(max_length=20)
        class AccountSerializer(serializers.ModelSerializer):
            class Meta:
                model = Account
                fields = "__all__"
        class AccountViewSet(viewsets.ModelViewSet):
            serializer_class = AccountSerializer
    """, 9, "HIGH"),
    "drf serializer built with data=": ("""
        from rest_framework import serializers
        class UserSerializer(serializers.ModelSerializer):
            class Meta:
                model = get_user_model()
                fields = "__all__"
        def register(request):
            serializer = UserSerializer(data=request.data)
    """, 5, "HIGH"),
    "drf serializer with no use found": ("""
        from rest_framework import serializers
        from django.contrib.auth.models import User
        class UserSerializer(serializers.ModelSerializer):
            class Meta:
                model = User
                fields = "__all__"
    """, 6, "MEDIUM"),
}


@pytest.mark.parametrize("name", list(POSITIVES))
def test_positive(name):
    code, line, confidence = POSITIVES[name]
    assert fired(code) == [(line, confidence)]


NEGATIVES = {
    "allow-list in the loop": """
        from flask import request
        ALLOWED = ("name", "bio")
        def update_me(user):
            for key, value in request.get_json().items():
                if key not in ALLOWED:
                    continue
                setattr(user, key, value)
    """,
    "loop over the allow-list": """
        from flask import request
        def update_me(user):
            data = request.get_json()
            for key in ("name", "bio"):
                if key in data:
                    setattr(user, key, data[key])
    """,
    "filtered comprehension": """
        from flask import request
        EDITABLE = {"name", "bio"}
        def update_me(uid):
            data = {k: v for k, v in request.get_json().items() if k in EDITABLE}
            User.query.filter_by(id=uid).update(data)
    """,
    "marshmallow load first": """
        from flask import request
        def create():
            data = user_schema.load(request.get_json())
            db.session.add(User(**data))
    """,
    "django form cleaned_data": """
        def create(request):
            form = ContactForm(request.POST)
            if form.is_valid():
                Contact.objects.create(**form.cleaned_data)
    """,
    "drf validated_data": """
        def create(request):
            serializer = NoteSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            Note.objects.create(owner=request.user, **serializer.validated_data)
    """,
    "pydantic schema is validation": """
        from flask import request
        def create():
            payload = UserCreate(**request.get_json())
            return payload
    """,
    "pydantic dump of a safe schema": """
        from pydantic import BaseModel
        class PostIn(BaseModel):
            title: str
            body: str
        def create(post: PostIn, db):
            db.add(Post(**post.model_dump()))
    """,
    "pydantic dump with exclude": """
        from pydantic import BaseModel
        class UserIn(BaseModel):
            name: str
            role: str
        def create(user: UserIn, db):
            db.add(User(**user.dict(exclude={"role"})))
    """,
    "query args into a search filter helper": """
        from flask import request
        def search():
            return render_template("list.html", **request.args)
    """,
    "dict update is no model write": """
        from flask import request
        def merged():
            context = {}
            context.update(request.get_json())
            return context
    """,
    "urllib request is not a web request": """
        from urllib import request
        def fetch():
            return Thing(**request.urlopen("http://x").json)
    """,
    "kwargs passed through in a constructor": """
        class Base:
            def __init__(self, **kwargs):
                for key, value in kwargs.items():
                    setattr(self, key, value)
    """,
    "a dataclass of this file": """
        from dataclasses import dataclass
        from flask import request
        @dataclass
        class Query:
            q: str
        @dataclass
        class Point:
            x: int
            y: int
        def handler():
            return Point(**request.get_json())
    """,
    "ModelForm listing fields": """
        from django import forms
        from django.contrib.auth.models import User
        class UserForm(forms.ModelForm):
            class Meta:
                model = User
                fields = ("first_name", "email")
    """,
    "ModelForm __all__ on a model without privileged fields": """
        from django import forms
        from django.db import models
        class Tag(models.Model):
            name = models.CharField(max_length=20)
        class TagForm(forms.ModelForm):
            class Meta:
                model = Tag
                fields = "__all__"
    """,
    "serializer with privileged fields read-only": """
        from rest_framework import serializers, viewsets
        from django.db import models
        class Account(models.Model):
            name = models.CharField(max_length=20)
            role = models.CharField(max_length=20)
            balance = models.IntegerField()
        class AccountSerializer(serializers.ModelSerializer):
            role = serializers.CharField(read_only=True)
            class Meta:
                model = Account
                fields = "__all__"
                read_only_fields = ["balance"]
        class AccountViewSet(viewsets.ModelViewSet):
            serializer_class = AccountSerializer
    """,
    "serializer with extra_kwargs read_only": """
        from rest_framework import serializers
        from django.db import models
        class Account(models.Model):
            role = models.CharField(max_length=20)
        class AccountSerializer(serializers.ModelSerializer):
            class Meta:
                model = Account
                fields = "__all__"
                extra_kwargs = {"role": {"read_only": True}}
        def make(request):
            AccountSerializer(data=request.data)
    """,
    "serializer only used to read": """
        from rest_framework import serializers, viewsets
        from django.contrib.auth.models import User
        class UserSerializer(serializers.ModelSerializer):
            class Meta:
                model = User
                fields = "__all__"
        class UserViewSet(viewsets.ReadOnlyModelViewSet):
            serializer_class = UserSerializer
    """,
    "exclude covering every privileged field": """
        from django import forms
        from django.db import models
        class Wallet(models.Model):
            name = models.CharField(max_length=20)
            balance = models.DecimalField()
        class WalletForm(forms.ModelForm):
            class Meta:
                model = Wallet
                exclude = ["balance"]
    """,
    "privileged field from a server-side value": """
        from flask import request
        def register():
            data = request.get_json()
            return User(name=data["name"], is_admin=False, role=DEFAULT_ROLE)
    """,
    "ownership from the payload is not a privilege flag here": """
        from flask import request
        def create():
            data = request.get_json()
            return Post(title=data["title"], author_id=data["author_id"])
    """,
    # regressions from real code (minimal reproductions)
    "req is a stored request record, not HTTP": """
        class RequestDefinition:
            @classmethod
            def create_manager_form(cls, req):
                defaults = FormDefaults(req, **req.data)
                return cls.manager_form(obj=defaults)
    """,
    "a field the schema is named after": """
        from pydantic import BaseModel
        class ParticipantRoleCreate(BaseModel):
            role: str
        def create(*, db_session, participant_role_in: ParticipantRoleCreate):
            db_session.add(ParticipantRole(**participant_role_in.dict()))
    """,
    "ModelForm with unknown model": """
        from django import forms
        from shop.models import Product
        class ProductForm(forms.ModelForm):
            class Meta:
                model = Product
                fields = "__all__"
    """,
}


@pytest.mark.parametrize("name", list(NEGATIVES))
def test_negative(name):
    assert fired(NEGATIVES[name]) == []


def test_admin_forms_are_not_reported():
    code = """
        from django import forms
        from django.contrib.auth.models import User
        class UserForm(forms.ModelForm):
            class Meta:
                model = User
                fields = "__all__"
    """
    assert fired(code, path="accounts/admin.py") == []


def test_forms_given_to_a_model_admin_are_not_reported():
    code = """
        from django import forms
        from django.contrib import admin
        from django.contrib.auth.models import User
        class UserChangeForm(forms.ModelForm):
            class Meta:
                model = User
                fields = "__all__"
        class UserAdmin(admin.ModelAdmin):
            form = UserChangeForm
    """
    assert fired(code, path="accounts/forms.py") == []


def test_admin_guarded_role_change_is_low():
    code = """
        from flask import abort, request
        from flask_login import current_user
        def set_role(user_id):
            if not current_user.is_admin:
                abort(403)
            user = User.query.get(user_id)
            user.role = request.json["role"]
    """
    assert fired(code) == [(7, "LOW")]


def test_tests_and_migrations_are_quiet():
    code = """
        from flask import request
        def create():
            return User(**request.get_json())
    """
    assert fired(code, path="tests/test_views.py") == []
    assert fired(code, path="app/migrations/0002_data.py") == []


def test_default_confidence_hides_deny_listed_writes():
    code = POSITIVES["deny-list pop is weaker"][0]
    assert findings(code, min_confidence="MEDIUM") == []


def test_message_names_source_and_sink():
    (finding,) = findings(POSITIVES["sqlalchemy query update with dict"][0])
    assert "`request.get_json()`" in finding.message
    assert "User.query.filter_by().update()" in finding.message or "update()" in finding.message


def test_models_and_serializer_uses_across_files(tmp_path):
    """The model graph and the serializer's writes come from other modules of the project."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    app = tmp_path / "shop"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(textwrap.dedent("""\
        from django.db import models
        class Customer(models.Model):
            name = models.CharField(max_length=20)
            is_vip = models.BooleanField(default=False)
        class Tag(models.Model):
            name = models.CharField(max_length=20)
    """))
    (app / "serializers.py").write_text(textwrap.dedent("""\
        from rest_framework import serializers
        from shop.models import Customer, Tag
        class CustomerSerializer(serializers.ModelSerializer):
            class Meta:
                model = Customer
                fields = "__all__"
        class TagSerializer(serializers.ModelSerializer):
            class Meta:
                model = Tag
                fields = "__all__"
    """))
    (app / "views.py").write_text(textwrap.dedent("""\
        from rest_framework import generics
        from shop.serializers import CustomerSerializer, TagSerializer
        from shop.models import Customer, Tag
        class CustomerCreate(generics.ListCreateAPIView):
            serializer_class = CustomerSerializer
        class Tags(generics.ListCreateAPIView):
            serializer_class = TagSerializer
        def make(request):
            return Customer(**request.POST.dict())
        def other(request):
            return Unknown(**request.POST.dict())
    """))
    report = check_paths([str(app)], Config(root=str(tmp_path), select=("BR701",), min_confidence="LOW"),
                         jobs=1, use_cache=False)
    got = sorted((f.path.split("/")[-1], f.line, f.confidence) for f in report.findings)
    assert got == [("serializers.py", 6, "HIGH"), ("views.py", 9, "HIGH"), ("views.py", 11, "LOW")]
