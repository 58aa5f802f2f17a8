import json

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from flask import Flask, request
from pymongo import MongoClient
from rest_framework import serializers
from sqlalchemy import insert

from .db import db
from .models import Account, Article, Customer, Order, Profile

app = Flask(__name__)
mongo = MongoClient()["shop"]


@app.post("/users")
def create_user():
    # ruleid: br701-python-request-payload-into-model
    user = User(**request.json)
    db.session.add(user)
    db.session.commit()
    return {"id": user.id}, 201


@app.put("/me")
def update_me(current_user):
    data = request.get_json()
    # ruleid: br701-python-request-payload-into-model
    Profile.query.filter_by(user_id=current_user.id).update(data)
    db.session.commit()
    return {"ok": True}


@app.patch("/orders/<int:order_id>")
def patch_order(order_id):
    order = Order.query.get_or_404(order_id)
    for key, value in request.get_json().items():
        # ruleid: br701-python-request-payload-into-model
        setattr(order, key, value)
    db.session.commit()
    return {"ok": True}


@app.post("/articles")
def add_article():
    payload = request.get_json(force=True)
    # ruleid: br701-python-request-payload-into-model
    db.session.add(Article(**payload))
    db.session.commit()
    return {"ok": True}


@app.post("/customers")
def add_customer():
    # ruleid: br701-python-request-payload-into-model
    mongo.customers.insert_one(request.json)
    return {"ok": True}


@app.put("/customers/<cid>")
def replace_customer(cid):
    data = request.get_json()
    # ruleid: br701-python-request-payload-into-model
    mongo.customers.update_one({"_id": cid}, {"$set": data})
    return {"ok": True}


def django_signup(request):
    # ruleid: br701-python-request-payload-into-model
    Customer.objects.create(**request.POST.dict())


def django_json_update(request, pk):
    data = json.loads(request.body)
    # ruleid: br701-python-request-payload-into-model
    Account.objects.filter(pk=pk).update(**data)


async def starlette_create(request):
    body = await request.json()
    # ruleid: br701-python-request-payload-into-model
    await Order.create(**body)


def core_insert(session):
    # ruleid: br701-python-request-payload-into-model
    session.execute(insert(Order).values(**request.get_json()))


class UserForm(forms.ModelForm):
    class Meta:
        model = User
        # ruleid: br701-python-user-form-all-fields
        fields = "__all__"


class AccountSerializer(serializers.ModelSerializer):
    class Meta:
        # ruleid: br701-python-user-form-all-fields
        fields = "__all__"
        model = get_user_model()


# ---------------------------------------------------------------- negatives

EDITABLE = {"name", "email", "bio"}


@app.put("/me/v2")
def update_me_allow_list(current_user):
    data = request.get_json()
    # ok: br701-python-request-payload-into-model
    Profile.query.filter_by(user_id=current_user.id).update({k: data[k] for k in EDITABLE & data.keys()})
    db.session.commit()
    return {"ok": True}


@app.post("/users/v2")
def create_user_named_fields():
    data = request.get_json()
    fields = {"name": data["name"], "email": data["email"]}
    # ok: br701-python-request-payload-into-model
    user = User(**fields)
    db.session.add(user)
    # ok: br701-python-request-payload-into-model
    mongo.users.insert_one({"name": data["name"]})
    db.session.commit()
    return {"id": user.id}, 201


@app.put("/customers/<cid>/v2")
def replace_customer_deny_list(cid):
    data = request.get_json()
    data.pop("is_admin", None)
    # ok: br701-python-request-payload-into-model
    mongo.customers.update_one({"_id": cid}, {"$set": data})
    return {"ok": True}


@app.patch("/orders/<int:order_id>/v2")
def patch_order_allow_list(order_id):
    order = Order.query.get_or_404(order_id)
    for key, value in request.get_json().items():
        if key in EDITABLE:
            # ok: br701-python-request-payload-into-model
            setattr(order, key, value)
    db.session.commit()
    return {"ok": True}


@app.post("/search")
def search():
    # a schema that validates is not a model write
    # ok: br701-python-request-payload-into-model
    query = SearchQuery(**request.json)
    return {"results": run(query)}


@app.post("/profile")
def wtforms_profile(current_user):
    form = ProfileForm(request.form)
    if form.validate():
        # ok: br701-python-request-payload-into-model
        db.session.add(Profile(user_id=current_user.id, **form.data))
        db.session.commit()
    return {"ok": True}


def drf_view(request):
    serializer = OrderSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    # ok: br701-python-request-payload-into-model
    Order.objects.create(**serializer.validated_data)


def django_form_view(request):
    form = ProfileForm(request.POST)
    if form.is_valid():
        # ok: br701-python-request-payload-into-model
        Profile.objects.create(**form.cleaned_data)


def fastapi_style(payload, session):
    # ok: br701-python-request-payload-into-model
    order = Order(**payload.dict())
    session.add(order)


class ArticleForm(forms.ModelForm):
    class Meta:
        model = Article
        # ok: br701-python-user-form-all-fields
        fields = "__all__"


class UserProfileForm(forms.ModelForm):
    class Meta:
        model = User
        # ok: br701-python-user-form-all-fields
        fields = ["first_name", "last_name", "email"]


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        # ok: br701-python-user-form-all-fields
        fields = "__all__"
        read_only_fields = ["is_staff", "is_superuser", "groups", "user_permissions"]


class UserChangeForm(forms.ModelForm):
    class Meta:
        model = User
        # admin's change form
        # ok: br701-python-user-form-all-fields
        fields = "__all__"


class LoginForm(forms.Form):
    class Meta:
        model = User
        # ok: br701-python-user-form-all-fields
        fields = "__all__"
