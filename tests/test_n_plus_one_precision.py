"""BR201/BR202 precision: look-alikes of N+1 that real projects showed, each as a minimal reproduction.

Every snippet here is written for this test (no third-party code); each class of false alarm has
its near miss that must still fire, so that a fix cannot silence the rule wholesale.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from backend_rules.engine.config import Config
from backend_rules.engine.runner import check_paths
from tests.conftest import run

SELECT = ("BR2",)


def found(code: str, path: str = "app/views.py") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in run(code, path, SELECT, **{}) if f.code in {"BR201", "BR202"}]


def messages(code: str, path: str = "app/views.py") -> list[str]:
    return [f.message for f in run(code, path, SELECT) if f.code in {"BR201", "BR202"}]


def line_of(code: str, needle: str, occurrence: int = 1) -> int:
    seen = 0
    for number, line in enumerate(textwrap.dedent(code).removeprefix("\n").splitlines(), start=1):
        if needle in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(needle)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).removeprefix("\n"))
    return tmp_path


def project_findings(root: Path, target: str, min_confidence: str = "LOW") -> list[tuple[str, int, str]]:
    config = Config(select=SELECT, min_confidence=min_confidence)
    report = check_paths([str(root / target)], config, jobs=1, use_cache=False)
    return [(f.code, f.line, f.message) for f in report.findings if f.code in {"BR201", "BR202"}]


DJANGO_SHOP = """
from django.db import models

class Project(models.Model):
    name = models.CharField(max_length=10)

    def team_emails(self):
        return list(self.members.values_list("email", flat=True))

class Check(models.Model):
    name = models.CharField(max_length=10)
    project = models.ForeignKey(Project, on_delete=models.CASCADE)

class Flip(models.Model):
    owner = models.ForeignKey(Check, on_delete=models.CASCADE)
    created = models.DateTimeField()

class Variant(models.Model):
    sku = models.CharField(max_length=10)

class Line(models.Model):
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL)
    quantity = models.IntegerField()
"""


def shop(body: str) -> str:
    return DJANGO_SHOP + textwrap.dedent(body)


# ---------------------------------------------------------------------------------------------
# Loader options: load_only() after a relationship loader restricts the related entity
# ---------------------------------------------------------------------------------------------

SQLA_QUERIES = """
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import joinedload, load_only, relationship, selectinload

class QueryResult(Base):
    __tablename__ = "query_results"
    id = Column(Integer, primary_key=True)
    retrieved_at = Column(String)
    data = Column(String)

class SavedQuery(Base):
    __tablename__ = "queries"
    id = Column(Integer, primary_key=True)
    schedule = Column(String)
    query_hash = Column(String)
    latest_query_data_id = Column(Integer, ForeignKey("query_results.id"))
    latest_query_data = relationship(QueryResult)
"""


def test_load_only_inside_a_relationship_loader_restricts_the_related_entity():
    code = SQLA_QUERIES + textwrap.dedent("""
    def outdated():
        queries = SavedQuery.query.options(joinedload(SavedQuery.latest_query_data).load_only("retrieved_at")).all()
        for query in queries:
            print(query.schedule, query.query_hash, query.latest_query_data.retrieved_at)
    """)
    assert found(code) == []


def test_top_level_load_only_still_defers_the_parent_columns():
    code = SQLA_QUERIES + textwrap.dedent("""
    def outdated(session):
        for query in session.query(SavedQuery).options(load_only(SavedQuery.schedule)):
            print(query.schedule, query.query_hash)
    """)
    assert found(code) == [("BR202", line_of(code, "print(query.schedule"))]
    assert "query_hash" in messages(code)[0]


# ---------------------------------------------------------------------------------------------
# annotate(): annotation values are loaded by the query, not deferred fields
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    """
    from django.db.models import Count

    def flapping():
        q = Check.objects.only("name")
        q = q.annotate(num_flips=Count("flip"))
        for check in q:
            print(check.num_flips, check.name)
    """,
    """
    from django.db.models import F

    def leaders():
        users = Member.objects.annotate(total=F("a") + F("b")).only("id", "username")
        return [{"n": user.total, "name": user.username} for user in users]
    """,
    """
    def leaders():
        users = Member.objects.alias(x=1).extra(select={"score": "1"}).only("id")
        return [user.score for user in users]
    """,
])
def test_annotations_are_not_deferred_fields(body):
    assert found(shop(body)) == []


def test_only_then_relation_is_still_a_lazy_load():
    code = shop("""
    from django.db.models import Count

    def flapping():
        q = Check.objects.only("name").annotate(num_flips=Count("flip"))
        for check in q:
            for email in check.project.team_emails():
                print(check.num_flips, email)
    """)
    assert found(code) == [("BR202", line_of(code, "check.project.team_emails"))]
    assert 'select_related("project")' in messages(code)[0]


# ---------------------------------------------------------------------------------------------
# only() + select_related(): the relation is loaded
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    """
    def preorder(lines_qs):
        return all(line.variant.sku if line.variant else False
                   for line in lines_qs.select_related("variant").only("variant_id"))
    """,
    """
    def preorder():
        return [line.variant for line in Line.objects.select_related("variant").only("variant__sku", "quantity")]
    """,
    """
    def preorder(lines):
        qs = lines.only("variant_id").select_related("variant")
        return [line.variant.sku for line in qs]
    """,
])
def test_only_with_select_related_loads_the_relation(body):
    assert found(shop(body)) == []


def test_only_without_select_related_still_fires_for_unknown_models():
    code = """
    def preorder():
        for line in OrderLine.objects.filter(x=1).only("id"):
            print(line.note)
    """
    assert found(code) == [("BR202", 3)]


# ---------------------------------------------------------------------------------------------
# Methods are not relations: ct.model_class(), row.save()
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    """
    from django.contrib.contenttypes.models import ContentType

    def choices():
        return [(ct.model, ct.model_class()._meta.verbose_name) for ct in ContentType.objects.filter(app_label="x")]
    """,
    """
    def clean(qs, field):
        for row in qs.filter(x=1).only("pk", field).iterator():
            row.save(update_fields=[field])
            row.refresh_from_db()
    """,
    """
    def clean():
        for row in Page.objects.only("title"):
            row.full_clean()
    """,
])
def test_methods_are_not_relations(code):
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# dict.get() on a form instance is not a query
# ---------------------------------------------------------------------------------------------

def test_form_cleaned_data_get_is_not_a_query():
    code = """
    from django import forms

    class BulkDeleteForm(forms.Form):
        pk = forms.ModelMultipleChoiceField(queryset=None)
        changelog_message = forms.CharField(required=False)

    def post(request, queryset):
        form = BulkDeleteForm(request.POST)
        if form.is_valid():
            for obj in queryset.filter(pk__in=[1, 2]):
                obj._changelog_message = form.cleaned_data.get("changelog_message")
                obj.note = form.data.get("note")
                obj.delete()
    """
    assert [c for c, _ in found(code)] == []


def test_forms_and_serializers_are_not_models():
    code = """
    from django import forms
    from rest_framework import serializers

    class SearchForm(forms.Form):
        q = forms.CharField()

    class ItemSerializer(serializers.Serializer):
        name = serializers.CharField()

    def f(rows):
        for row in rows:
            print(SearchForm.base_fields.get("q"), ItemSerializer.Meta.get(row))
    """
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# A queryset evaluated once and re-iterated is served from its result cache
# ---------------------------------------------------------------------------------------------

def test_reiterating_an_evaluated_queryset_is_not_a_query():
    code = shop("""
    def trace(links):
        while links:
            checks = Check.objects.filter(build_q(links))
            if all([c.name for c in checks]):
                names = [c.name for c in checks]
                break
            if any([c.name == "x" for c in checks]):
                break
            links = [c for c in checks if c.name]
    """)
    got = found(code)
    first = line_of(code, "if all([c.name for c in checks])")
    assert got == [("BR201", first)]


def test_queryset_bound_before_the_loop_is_evaluated_once():
    code = shop("""
    def f(items):
        checks = Check.objects.filter(name="x")
        for item in items:
            for check in checks:
                print(item, check.name)
            print(len(checks))
    """)
    assert found(code) == []


def test_fresh_queryset_per_item_still_fires():
    code = shop("""
    def f(items):
        checks = Check.objects.filter(name="x")
        for item in items:
            for check in checks.filter(name=item.name):
                print(check.name)
    """)
    assert found(code) == [("BR201", line_of(code, "for check in checks.filter"))]


def test_relation_loaded_by_an_earlier_loop_over_the_same_objects():
    code = shop("""
    def f():
        checks = Check.objects.filter(name="x")
        if all([c.project for c in checks]):
            return [c.project.name for c in checks]
    """)
    assert found(code) == [("BR202", line_of(code, "all([c.project"))]


# ---------------------------------------------------------------------------------------------
# A query that runs only on the first iteration (a guard the loop flips)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    """
    def cache(instances):
        fields = None
        counter = 0
        for instance in instances:
            if not counter:
                fields = [f for f in Field.objects.get_for_model(instance)]
            counter += 1
            print(fields)
    """,
    """
    def cache(instances, indexer=None):
        for instance in instances:
            if indexer is None:
                indexer = Indexer.objects.get(model=instance.model)
            indexer.run(instance)
    """,
    """
    def cache(instances):
        first = True
        for instance in instances:
            if first:
                defaults = Setting.objects.get(name="defaults")
                first = False
            instance.apply(defaults)
    """,
    """
    def cache(instances):
        for i, instance in enumerate(instances):
            if i == 0:
                owner = Owner.objects.get(pk=instance.owner_id)
            print(owner)
    """,
])
def test_query_only_on_first_iteration(body):
    assert found(body) == []


def test_guard_reset_per_item_still_fires():
    code = """
    def cache(instances):
        for instance in instances:
            owner = instance.cached_owner
            if owner is None:
                owner = Owner.objects.get(pk=instance.owner_id)
            print(owner)
    """
    assert found(code) == [("BR201", 5)]


# ---------------------------------------------------------------------------------------------
# One statement per table / per model is not one per row
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    """
    from sqlalchemy import text

    def truncate(session, tables):
        for table in tables:
            session.execute(text(f"DELETE FROM {table}"))
    """,
    """
    def reset(connection, table_names):
        for name in table_names:
            connection.execute(f"UPDATE {name} SET synced = false")
    """,
    """
    from sqlalchemy import delete

    def purge(session, models):
        for model in models:
            session.execute(delete(model).where(model.project_id == 1))
    """,
    """
    def purge(models):
        for model in models:
            model.objects.filter(project_id=1).delete()
    """,
    """
    from django.apps import apps

    def purge(names):
        for name in names:
            apps.get_model("shop", name).objects.all().delete()
    """,
    """
    def purge(session, metadata):
        for table in reversed(metadata.sorted_tables):
            session.execute(table.delete())
    """,
])
def test_one_bulk_statement_per_table(code):
    assert found(code) == []


def test_per_row_statement_in_a_loop_over_rows_still_fires():
    code = """
    from sqlalchemy import text

    def mark(session, rows):
        for row in rows:
            session.execute(text("UPDATE t SET done = true WHERE id = :id"), {"id": row.id})
    """
    assert found(code) == [("BR201", 5)]


# ---------------------------------------------------------------------------------------------
# Advice: bulk_update() for per-row values, filter(pk__in=...).update() only for identical ones
# ---------------------------------------------------------------------------------------------

def test_update_with_per_row_values_suggests_bulk_update():
    code = """
    def renumber(items):
        for position, item in enumerate(items):
            Item.objects.filter(pk=item.pk).update(position=position)
    """
    [message] = messages(code)
    assert "bulk_update(" in message and "pk__in" not in message


def test_update_with_identical_values_suggests_one_update():
    code = """
    def archive(items):
        for item in items:
            Item.objects.filter(pk=item.pk).update(archived=True)
    """
    [message] = messages(code)
    assert "filter(pk__in=...).update(archived=...)" in message and "bulk_update" not in message


def test_save_per_item_suggests_bulk_update():
    code = """
    def renumber(items):
        for position, item in enumerate(Item.objects.filter(x=1)):
            Item.objects.filter(pk=item.pk).update(position=position, name=item.name.upper())
    """
    assert "bulk_update(" in messages(code)[0]


# ---------------------------------------------------------------------------------------------
# Advice names attributes that exist
# ---------------------------------------------------------------------------------------------

SQLA_ORGS = """
from sqlalchemy import Column, ForeignKey, Integer
from sqlalchemy.orm import Mapped, relationship

class Organization(Base):
    __tablename__ = "organizations"
    id = Column(Integer, primary_key=True)
    users: Mapped[list["User"]] = relationship(back_populates="organization")

class Subscription(Base):
    __tablename__ = "subscriptions"
    id = Column(Integer, primary_key=True)
    organization_id = Column(Integer, ForeignKey("organizations.id"))
    organization: Mapped["Organization"] = relationship()
"""


def test_second_hop_advice_names_the_owner_of_each_relation():
    code = SQLA_ORGS + textwrap.dedent("""
    from sqlalchemy.orm import joinedload

    def notify(session):
        subs = session.query(Subscription).options(joinedload(Subscription.organization)).all()
        for sub in subs:
            print([u.email for u in sub.organization.users])
    """)
    [message] = messages(code)
    assert "selectinload(Subscription.organization).selectinload(Organization.users)" in message or (
        "joinedload(Subscription.organization).selectinload(Organization.users)" in message)
    assert "Subscription.users" not in message


def test_unknown_model_advice_does_not_invent_a_class():
    code = """
    def payouts(session):
        for transaction in session.query(Transaction).filter(Transaction.x == 1).all():
            print(transaction.pledge.issue_title)
    """
    [message] = messages(code)
    assert "Model.pledge" not in message
    assert "Transaction.pledge" in message


def test_backref_of_a_collection_is_a_scalar():
    code = """
    from sqlalchemy import Column, ForeignKey, Integer
    from sqlalchemy.orm import relationship, backref

    class Form(Base):
        __tablename__ = "forms"
        id = Column(Integer, primary_key=True)
        registrations = relationship("Registration", lazy=True, backref=backref("form", lazy=True))

    class Registration(Base):
        __tablename__ = "registrations"
        id = Column(Integer, primary_key=True)
        form_id = Column(Integer, ForeignKey("forms.id"))

    def titles(session):
        return [r.form.title for r in session.query(Registration).filter(Registration.id > 3)]
    """
    [message] = messages(code)
    assert "joinedload(Registration.form)" in message


# ---------------------------------------------------------------------------------------------
# SQLAlchemy: lazy=True is lazy loading; a many-to-one to the query's own parent is in the identity map
# ---------------------------------------------------------------------------------------------

SQLA_EVENTS = """
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship, backref

class Event(db.Model):
    __tablename__ = "events"
    id = Column(Integer, primary_key=True)

class User(db.Model):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    email = Column(String)

class RegistrationForm(db.Model):
    __tablename__ = "forms"
    id = Column(Integer, primary_key=True)
    event_id = Column(Integer, ForeignKey("events.id"))
    event = relationship("Event", lazy=True, backref=backref("forms", lazy=True))
    registrations = relationship("Registration", lazy=True, backref=backref("registration_form", lazy=True))

class Registration(db.Model):
    __tablename__ = "registrations"
    id = Column(Integer, primary_key=True)
    email = Column(String)
    event_id = Column(Integer, ForeignKey("events.id"))
    form_id = Column(Integer, ForeignKey("forms.id"))
    user_id = Column(Integer, ForeignKey("users.id"))
    event = relationship("Event", lazy=True, backref=backref("registrations", lazy="dynamic"))
    user = relationship("User", lazy=True, backref=backref("registrations", lazy="dynamic"))
"""


def test_identity_map_serves_the_shared_parent_but_not_per_item_users():
    code = SQLA_EVENTS + textwrap.dedent("""
    from collections import defaultdict

    def link(event):
        seen = defaultdict(set)
        for registration in Registration.query.with_parent(event).filter(Registration.user_id.isnot(None)):
            seen[registration.registration_form].add(registration.user)
            print(registration.event)
    """)
    got = run(code, "app/export.py", SELECT)
    assert [(f.code, f.message.split("`")[1]) for f in got] == [("BR202", "registration.user")]


def test_lazy_true_is_lazy_loading():
    code = SQLA_EVENTS + textwrap.dedent("""
    def emails(session):
        return [r.user.email for r in session.query(Registration).filter(Registration.id > 1)]
    """)
    assert [c for c, _ in found(code)] == ["BR202"]


def test_lazy_false_is_eager():
    code = """
    from sqlalchemy.orm import relationship

    class Post(Base):
        __tablename__ = "posts"
        author = relationship("Author", lazy=False)

    def names(session):
        return [p.author.name for p in session.query(Post).filter(Post.id > 1)]
    """
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# DRF: a serializer used only by single-object views runs its SerializerMethodFields once
# ---------------------------------------------------------------------------------------------

SERIALIZERS = """
from rest_framework import serializers

class TopicSerializer(serializers.ModelSerializer):
    subtopics = serializers.SerializerMethodField()

    def get_subtopics(self, obj):
        return [t.title for t in obj.subtopics.filter(visible=True)]

class ProductSerializer(serializers.ModelSerializer):
    topic_count = serializers.SerializerMethodField()

    def get_topic_count(self, obj):
        return obj.topics.count()
"""


def test_serializer_used_only_by_a_retrieve_view(tmp_path):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/serializers.py": SERIALIZERS,
        "app/api.py": """
            from rest_framework import generics
            from app.serializers import ProductSerializer, TopicSerializer

            class TopicDetail(generics.RetrieveAPIView):
                serializer_class = TopicSerializer

            class ProductList(generics.ListAPIView):
                serializer_class = ProductSerializer

            def one(topic):
                return TopicSerializer(topic).data
        """,
    })
    got = project_findings(root, "app/serializers.py")
    assert [(c, line) for c, line, _ in got] == [("BR202", 13)]


def test_serializer_used_with_many_true_or_unknown(tmp_path):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/serializers.py": SERIALIZERS,
        "app/api.py": """
            from app.serializers import TopicSerializer

            def many(topics):
                return TopicSerializer(topics, many=True).data
        """,
    })
    got = project_findings(root, "app/serializers.py")
    assert [(c, line) for c, line, _ in got] == [("BR202", 7), ("BR202", 13)]


def test_serializer_nested_with_many_in_another_serializer(tmp_path):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/serializers.py": SERIALIZERS + textwrap.dedent("""
            class CatalogSerializer(serializers.Serializer):
                topics = TopicSerializer(many=True, read_only=True)

            class TopicView:
                serializer_class = TopicSerializer
        """),
        "app/api.py": """
            from rest_framework import generics
            from app.serializers import CatalogSerializer

            class CatalogDetail(generics.RetrieveAPIView):
                serializer_class = CatalogSerializer
        """,
    })
    got = project_findings(root, "app/serializers.py")
    assert (("BR202", 7) in [(c, line) for c, line, _ in got])


def test_serializer_subclass_used_by_a_list_view(tmp_path):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/serializers.py": SERIALIZERS,
        "app/api.py": """
            from rest_framework import generics, viewsets
            from app.serializers import TopicSerializer

            class RootTopicSerializer(TopicSerializer):
                pass

            class TopicDetail(generics.RetrieveUpdateAPIView):
                serializer_class = TopicSerializer

            class TopicList(generics.ListAPIView):
                serializer_class = RootTopicSerializer
        """,
    })
    got = project_findings(root, "app/serializers.py")
    assert ("BR202", 7) in [(c, line) for c, line, _ in got]


# ---------------------------------------------------------------------------------------------
# A relation eager-loaded by a query helper (custom QuerySet method, repository) elsewhere
# ---------------------------------------------------------------------------------------------

def test_custom_queryset_method_in_another_module_eager_loads(tmp_path):
    root = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": """
            from django.db import models

            class OrderQuerySet(models.QuerySet):
                def with_customer(self):
                    return self.select_related("customer").prefetch_related("lines")

                def paid(self):
                    return self.filter(paid=True)

            class Customer(models.Model):
                name = models.CharField(max_length=10)

            class Order(models.Model):
                customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
                paid = models.BooleanField()
                objects = OrderQuerySet.as_manager()

            class Line(models.Model):
                order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
        """,
        "shop/views.py": """
            from shop.models import Order

            def report():
                for order in Order.objects.with_customer().filter(x=1):
                    print(order.customer.name, order.lines.all())
                for order in Order.objects.paid():
                    print(order.customer.name)
        """,
    })
    got = project_findings(root, "shop/views.py")
    assert [(c, line) for c, line, _ in got] == [("BR202", 7)]


def test_repository_helper_in_another_module_eager_loads(tmp_path):
    root = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": """
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import Mapped, relationship

            class Customer(Base):
                __tablename__ = "customers"
                id = Column(Integer, primary_key=True)

            class Order(Base):
                __tablename__ = "orders"
                id = Column(Integer, primary_key=True)
                customer_id = Column(Integer, ForeignKey("customers.id"))
                customer: Mapped["Customer"] = relationship()
        """,
        "shop/repository.py": """
            from sqlalchemy import select
            from sqlalchemy.orm import joinedload
            from shop.models import Order

            def orders_with_customers(session):
                return session.scalars(select(Order).options(joinedload(Order.customer))).all()

            def plain_orders(session):
                return session.scalars(select(Order)).all()
        """,
        "shop/views.py": """
            from shop.repository import orders_with_customers, plain_orders

            def report(session):
                for order in orders_with_customers(session):
                    print(order.customer.name)
                for order in plain_orders(session):
                    print(order.customer.name)
        """,
    })
    got = project_findings(root, "shop/views.py")
    assert [(c, line) for c, line, _ in got] == [("BR202", 7)]


# ---------------------------------------------------------------------------------------------
# Confidence: by where the code runs
# ---------------------------------------------------------------------------------------------

PER_ITEM = "for i in ids:\n        Post.objects.get(pk=i)\n"


def confidences(code: str, path: str) -> list[str]:
    return [f.confidence for f in run(code, path, SELECT, **{}) if f.code in {"BR201", "BR202"}] or \
        [f.confidence for f in _all(code, path)]


def _all(code: str, path: str):
    from backend_rules import check_source
    config = Config(select=SELECT, min_confidence="LOW")
    return [f for f in check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)
            if f.code in {"BR201", "BR202"}]


@pytest.mark.parametrize("code,path,expected", [
    # by decorator
    (f"@app.get('/posts')\ndef posts(ids):\n    {PER_ITEM}", "app/util.py", "HIGH"),
    (f"@router.post('/posts')\nasync def posts(ids):\n    {PER_ITEM}", "app/things.py", "HIGH"),
    (f"@api_view(['GET'])\ndef posts(request, ids):\n    {PER_ITEM}", "app/misc.py", "HIGH"),
    (f"@view_config(route_name='x', renderer='json')\ndef posts(request, ids):\n    {PER_ITEM}", "app/misc.py", "HIGH"),
    (f"@register.simple_tag\ndef posts(ids):\n    {PER_ITEM}", "app/misc.py", "HIGH"),
    (f"@shared_task\ndef posts(ids):\n    {PER_ITEM}", "app/views.py", "MEDIUM"),
    (f"@celery_app.task(bind=True)\ndef posts(self, ids):\n    {PER_ITEM}", "app/misc.py", "MEDIUM"),
    (f"@click.command()\ndef posts(ids):\n    {PER_ITEM}", "app/misc.py", "LOW"),
    # by class
    (f"class PostViewSet(viewsets.ModelViewSet):\n    def list(self, request, ids):\n        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/misc.py", "HIGH"),
    (f"class PostSerializer(serializers.ModelSerializer):\n    def to_representation(self, ids):\n        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/misc.py", "HIGH"),
    (f"class PostAdmin(admin.ModelAdmin):\n    def authors(self, ids):\n        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/misc.py", "HIGH"),
    (f"class Query(graphene.ObjectType):\n    def resolve_posts(self, info, ids):\n        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/misc.py", "HIGH"),
    (f"class Command(BaseCommand):\n    def handle(self, ids):\n        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/misc.py", "LOW"),
    (f"class Sync(Task):\n    def run(self, ids):\n        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/views.py", "MEDIUM"),
    # by file kind when the function tells nothing
    (f"def posts(ids):\n    {PER_ITEM}", "app/views.py", "HIGH"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/graphql/resolvers.py", "HIGH"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/tasks.py", "MEDIUM"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/utils.py", "MEDIUM"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/management/commands/fix.py", "LOW"),
    (f"def posts(ids):\n    {PER_ITEM}", "scripts/backfill.py", "LOW"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/core/utils/random_data.py", "LOW"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/core/utils/payments.py", "MEDIUM"),
    # signal receivers run on saves (mostly in workers), not per request, whatever the file is called
    (f"def posts(ids):\n    {PER_ITEM}", "src/documents/signals/handlers.py", "MEDIUM"),
    (f"def posts(ids):\n    {PER_ITEM}", "app/handlers.py", "HIGH"),
    # a package's command module; an RPC method decorator
    (f"def posts(ids):\n    {PER_ITEM}", "lemur/certificates/cli.py", "LOW"),
    (f"@mathesar_rpc_method(name='x.list', auth='login')\ndef posts(ids):\n    {PER_ITEM}", "app/rpc/x.py", "HIGH"),
    # a function that prints with click is command-line code
    (f"def posts(ids):\n    click.secho('linking', fg='yellow')\n    {PER_ITEM}", "app/events/export.py", "LOW"),
    (f"def posts(ids):\n    print('linking')\n    {PER_ITEM}", "app/events/export.py", "MEDIUM"),
    # django-filter FilterSet methods run per API request
    (f"class PostFilterSet(django_filters.FilterSet):\n    def filter_ids(self, ids):\n"
     f"        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}", "app/filtersets.py", "HIGH"),
])
def test_confidence_by_where_the_code_runs(code, path, expected):
    assert [f.confidence for f in _all(code, path)] == [expected]


def test_default_output_hides_low_confidence_findings():
    code = f"def posts(ids):\n    {PER_ITEM}"
    assert [f.code for f in run(code, "app/management/commands/fix.py", SELECT)] == []
    assert [f.code for f in run(code, "app/views.py", SELECT)] == ["BR201"]


def test_alembic_revisions_anywhere_are_migrations():
    code = f"""
    from alembic import op

    revision = "abc"
    down_revision = "def"

    def upgrade():
        {PER_ITEM.replace(chr(10) + '    ', chr(10) + '        ')}
    """
    assert _all(code, "src/app/database/revisions/core/versions/2021_abc.py") == []


def test_association_proxy_is_two_lazy_loads():
    code = """
    from sqlalchemy import select
    from sqlalchemy.ext.associationproxy import association_proxy
    from sqlalchemy.orm import Mapped, relationship

    class Observer(db.Model):
        __tablename__ = "observers"
        _association: Mapped["ObserverAssociation"] = relationship(back_populates="observer", uselist=False)
        parent = association_proxy("_association", "parent")

    def names(session):
        observers = session.scalars(select(Observer).where(Observer.id > 1)).all()
        return {o.id: o.parent.username for o in observers}
    """
    [message] = messages(code)
    assert "association proxy over `_association`" in message and "joinedload(Observer._association)" in message


def test_model_from_a_migration_snapshot_is_not_the_application_model(tmp_path):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/db/revisions/versions/2021_abc.py": """
            from alembic import op

            class Incident(Base):
                __tablename__ = "incident"
                title = Column(String)
        """,
        "app/incident/models.py": """
            from sqlalchemy import Column, ForeignKey, Integer
            from sqlalchemy.orm import relationship

            class Incident(Base):
                __tablename__ = "incident"
                id = Column(Integer, primary_key=True)
                commander_id = Column(Integer, ForeignKey("participant.id"))
                commander = relationship("Participant", foreign_keys=[commander_id])
        """,
        "app/feedback/scheduled.py": """
            def daily(db_session):
                for incident in db_session.query(Incident).filter(Incident.id > 3).all():
                    print(incident.commander.email)
        """,
    })
    got = project_findings(root, "app/feedback/scheduled.py")
    assert len(got) == 1 and "looks like a relation" not in got[0][2] and "joinedload(Incident.commander)" in got[0][2]


def test_serializer_method_with_a_nested_function_does_not_crash():
    code = """
    from rest_framework import serializers

    class PostSerializer(serializers.ModelSerializer):
        n = serializers.SerializerMethodField()

        def get_n(self, obj):
            def count(qs):
                return qs.count()
            return count(obj.comments.filter(ok=True))
    """
    got = run(code, "app/serializers.py", SELECT)
    assert [f.code for f in got] == ["BR202"]


def test_back_reference_to_the_owner_of_the_rows_is_loaded():
    code = """
    from django.db import models

    class Order(models.Model):
        number = models.CharField(max_length=5)

    class Line(models.Model):
        order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)

        def label(self):
            return f"{self.order.number}-{self.pk}"

    def labels(order: Order):
        return [(line.order.number, line.label()) for line in order.lines.all()]
    """
    assert found(code) == []


def test_a_relation_of_one_object_inside_a_loop_is_loaded_once():
    code = """
    from sqlalchemy.orm import relationship

    class Reservation(db.Model):
        __tablename__ = "reservations"
        occurrences = relationship("Occurrence", lazy=True, cascade="all, delete-orphan")

        def cancel_all(self, reasons):
            for reason in reasons:
                for occurrence in self.occurrences:
                    occurrence.note = reason
    """
    assert found(code) == []


def test_orphan_deleting_relationship_is_a_collection():
    code = """
    from sqlalchemy.orm import relationship

    class Registration(db.Model):
        __tablename__ = "registrations"
        data = relationship("RegistrationData", lazy=True, cascade="all, delete-orphan")

    def dump(session):
        return [r.data for r in session.query(Registration).filter(Registration.id > 1)]
    """
    assert "selectinload(Registration.data)" in messages(code)[0]


def test_loop_target_reused_in_its_own_iterable_does_not_recurse():
    code = """
    def flatten(elem):
        for elem in elem.clauses:
            for elem in elem.clauses:
                print(elem.value.name)
        return [c for c in c.children.all() for c in c.children.all()]
    """
    assert found(code) == []


def test_objects_named_like_no_model_are_not_read_as_relations():
    code = """
    from django.db import models

    class Checkout(models.Model):
        token = models.CharField(max_length=5)

    class CheckoutLine(models.Model):
        checkout = models.ForeignKey(Checkout, related_name="items", on_delete=models.CASCADE)
        variant = models.ForeignKey("Variant", on_delete=models.CASCADE)

    def insufficient(error, opts):
        ids = {item.variant.pk for item in error.items if item.variant}
        for codename, name in opts.items:
            print(codename, name)
        return ids
    """
    assert found(code) == []


def test_children_of_one_owner_share_its_parent_in_the_identity_map():
    code = """
    from sqlalchemy.orm import relationship

    class Survey(db.Model):
        __tablename__ = "surveys"
        questions = relationship("Question", lazy=True, cascade="all, delete-orphan")

    class Question(db.Model):
        __tablename__ = "questions"
        survey = relationship("Survey", lazy=True)

    class Submission(db.Model):
        __tablename__ = "submissions"
        survey = relationship("Survey", lazy=True)
        answers = relationship("Answer", lazy=True, cascade="all, delete-orphan")

    class Answer(db.Model):
        __tablename__ = "answers"
        question = relationship("Question", lazy=True)
        user = relationship("User", lazy=True)

    def rows(submission: Submission):
        return [(answer.question.title, answer.user.name) for answer in submission.answers]
    """
    got = messages(code)
    assert len(got) == 1 and "answer.user" in got[0]


def test_self_attribute_rebound_from_itself_does_not_recurse():
    code = """
    class CommentFormSet(BaseFormSet):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            valid = [comment.pk for comment in self.queryset if comment.author]
            self.queryset = self.queryset.filter(id__in=valid)
    """
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# Session 4 (issue #12 on real backends): association proxies over eager relationships, Django
# collections iterated without .all() (not Django objects), writes on related managers
# ---------------------------------------------------------------------------------------------

PROXY_MODELS = """
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import relationship

class Address(db.Model):
    __tablename__ = "addresses"

class Person(db.Model):
    __tablename__ = "people"
    _primary_address = relationship("Address", lazy=False, uselist=False)
    _all_addresses = relationship("Address", lazy=True, viewonly=True)
    email = association_proxy("_primary_address", "email")
    all_emails = association_proxy("_all_addresses", "email")
"""


def test_association_proxy_over_an_eager_relationship_is_loaded():
    code = PROXY_MODELS + textwrap.dedent("""
    def admin_emails():
        return {p.email for p in Person.query.filter_by(is_admin=True)}
    """)
    assert found(code) == []


def test_association_proxy_over_a_lazy_relationship_still_fires():
    code = PROXY_MODELS + textwrap.dedent("""
    def all_admin_emails():
        return [p.all_emails for p in Person.query.filter_by(is_admin=True)]
    """)
    assert found(code) == [("BR202", line_of(code, "return [p.all_emails"))]


DJANGO_FULFILMENT = """
from dataclasses import dataclass, field
from django.db import models

class Fulfillment(models.Model):
    number = models.IntegerField()

class FulfillmentLine(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, related_name="lines", on_delete=models.CASCADE)
    order_line = models.ForeignKey("OrderLine", on_delete=models.CASCADE)

@dataclass
class PlannedFulfillment:
    fulfillment: Fulfillment
    lines: list = field(default_factory=list)
"""


def test_django_collection_iterated_without_all_is_not_a_django_object():
    code = DJANGO_FULFILMENT + textwrap.dedent("""
    class Plan:
        def set_ids(self):
            for fulfillment in self.fulfillments:
                for line in fulfillment.lines:
                    line.order_line.fulfillment_id = fulfillment.fulfillment.id
    """)
    assert found(code) == []


def test_django_collection_iterated_with_all_still_fires():
    code = DJANGO_FULFILMENT + textwrap.dedent("""
    def set_ids(fulfillment: Fulfillment):
        for line in fulfillment.lines.all():
            print(line.order_line.quantity)
    """)
    assert found(code) == [("BR202", line_of(code, "print(line.order_line"))]


LINE_EVENTS = """
class LineEvent(models.Model):
    line = models.ForeignKey(Line, related_name="events", on_delete=models.CASCADE)
    kind = models.CharField(max_length=10)
"""


def test_a_write_through_a_related_manager_is_not_a_lazy_load():
    code = shop(LINE_EVENTS + """
    def cancel(order):
        for line in Line.objects.filter(quantity__gt=0):
            line.events.create(kind="cancel")
            line.events.update(seen=True)
            line.events.get_or_create(kind="x")
    """)
    assert [c for c, _ in found(code) if c == "BR202"] == []


def test_a_read_query_on_a_related_manager_still_fires():
    code = shop(LINE_EVENTS + """
    def cancel(order):
        for line in Line.objects.filter(quantity__gt=0):
            print(line.events.filter(kind="cancel").count())
    """)
    assert ("BR202", line_of(code, "print(line.events")) in found(code)


DOCS = """
from django.db import models

class Document(models.Model):
    title = models.CharField(max_length=10)
    parent = models.ForeignKey("self", null=True, related_name="translations", on_delete=models.CASCADE)

    @property
    def original(self):
        return self.parent or self
"""


@pytest.mark.parametrize("eager,expected", [('.select_related("parent")', 0), ("", 1)])
def test_a_queryset_rebound_many_times_keeps_its_model_and_loads(eager, expected):
    code = DOCS + textwrap.dedent(f"""
    def documents(user, topics, products, locale):
        qs = Document.objects.filter(locale=locale){eager}
        if topics:
            qs = qs.filter(topics__in=topics)
        for product in products:
            qs = qs.filter(products=product)
        qs = qs.exclude(title="")
        qs = qs.distinct()
        qs = qs.annotate(n=models.Count("translations"))
        return [(d.original.title, d.parent.title, d.n) for d in qs]
    """)
    got = messages(code)
    assert len(got) == expected and all("`d.parent`" in m and "looks like" not in m for m in got)


@pytest.mark.parametrize("body,expected", [
    # a JSON field's dict.get(key) is no query
    ("return obj.extra_data.get('username') or obj.extra_data.get('login')", 0),
    # a plain field of the project's model is no relation
    ("return obj.settings_blob.get(key='x')", 0),
    ("return obj.comments.get(pk=1).text", 1),
    ("return obj.comments.filter(public=True).count()", 1),
])
def test_serializer_method_reads_a_dict_not_a_manager(body, expected):
    code = f"""
    from django.db import models
    from rest_framework import serializers

    class Account(models.Model):
        settings_blob = models.JSONField()

    class Comment(models.Model):
        account = models.ForeignKey(Account, related_name="comments", on_delete=models.CASCADE)

    class AccountSerializer(serializers.ModelSerializer):
        username = serializers.SerializerMethodField()

        def get_username(self, obj):
            {body}
    """
    assert len(found(code, "app/serializers.py")) == expected


@pytest.mark.parametrize("lazy,expected", [('lazy="joined"', 0), ("", 1)])
def test_relationship_declared_by_a_declared_attr_method(lazy, expected):
    code = f"""
    from sqlalchemy.orm import Mapped, declared_attr, relationship

    class Basket(Base):
        __tablename__ = "baskets"
        basket_items: Mapped[list["BasketItem"]] = relationship(back_populates="basket")

    class BasketItem(Base):
        __tablename__ = "basket_items"

        @declared_attr
        def item(cls) -> Mapped["Item"]:
            return relationship("Item", {lazy})

        def price_map(self, basket: Basket):
            return {{bi.item_id: bi.item.prices for bi in basket.basket_items}}
    """
    got = messages(code)
    assert len(got) == expected and all("looks like" not in m for m in got)


@pytest.mark.parametrize("lazy,expected", [('lazy="joined"', 0), ("", 1)])
def test_relation_declared_by_a_polymorphic_subclass(lazy, expected):
    code = f"""
    from sqlalchemy.orm import Mapped, declared_attr, relationship

    class Price(Base):
        __tablename__ = "prices"
        amount: Mapped[int]

    class MeteredPrice(Price):
        @declared_attr
        def meter(cls) -> Mapped["Meter"]:
            return relationship("Meter", {lazy})

    def labels(session):
        return [(p.amount, p.meter.name) for p in session.query(Price).filter(Price.amount > 1)]
    """
    got = messages(code)
    assert len(got) == expected and all("looks like" not in m for m in got)


def test_backref_with_uselist_false_is_one_object():
    code = """
    from sqlalchemy.orm import backref, relationship

    class Talk(db.Model):
        __tablename__ = "talks"

    class LegacyTalkMapping(db.Model):
        __tablename__ = "legacy_talk_mappings"
        talk = relationship("Talk", lazy=False, backref=backref("legacy_mapping", uselist=False, lazy=True))

    def legacy_ids(session):
        return [t.legacy_mapping.legacy_id for t in session.query(Talk).filter(Talk.id > 1)]
    """
    [message] = messages(code)
    assert "joinedload(Talk.legacy_mapping)" in message


def test_objects_given_to_bulk_create_keep_the_relations_they_were_built_with():
    code = shop("""
    def announce(flip):
        print(flip.owner.name, flip.owner.project.name)

    def record(check, times):
        flips = Flip.objects.bulk_create(Flip(owner=check, created=t) for t in times)
        for flip in flips:
            announce(flip)
        for flip in Flip.objects.filter(created__in=times):
            announce(flip)
    """)
    got = found(code)
    assert got and all(line == line_of(code, "announce(flip)", 3) for _, line in got)


def test_one_to_one_backref_of_each_child_is_not_a_shared_parent():
    code = """
    from sqlalchemy.orm import backref, relationship

    class Event(db.Model):
        __tablename__ = "events"
        talks = relationship("Talk", lazy=True, cascade="all, delete-orphan")

    class Talk(db.Model):
        __tablename__ = "talks"
        event = relationship("Event", lazy=True)

    class LegacyTalkMapping(db.Model):
        __tablename__ = "legacy_talk_mappings"
        event = relationship("Event", lazy=True)
        talk = relationship("Talk", lazy=False, backref=backref("legacy_mapping", uselist=False, lazy=True))

    def legacy_ids(event: Event):
        return [t.legacy_mapping.legacy_id for t in event.talks]
    """
    [message] = messages(code)
    assert "joinedload(Talk.legacy_mapping)" in message


@pytest.mark.parametrize("prefetched,silent", [("assigned__tag__name_set", True), ("assigned__other", False)])
def test_relation_rows_of_a_parameter_that_callers_prefetch(tmp_path, prefetched, silent):
    root = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": """
            from django.db import models

            class Product(models.Model):
                name = models.CharField(max_length=10)

            class Value(models.Model):
                name = models.CharField(max_length=10)

            class AssignedValue(models.Model):
                product = models.ForeignKey(Product, related_name="assigned", on_delete=models.CASCADE)
                value = models.ForeignKey(Value, on_delete=models.CASCADE)
                tag = models.ForeignKey(Value, related_name="+", on_delete=models.CASCADE)
        """,
        "shop/search.py": f"""
            from django.db.models import prefetch_related_objects

            FIELDS_TO_PREFETCH = ["assigned__value"]

            def index_all(products):
                prefetch_related_objects(products, *FIELDS_TO_PREFETCH)
                return [vector(p) for p in products]

            def recent(qs):
                return qs.filter(id__gt=3).prefetch_related("{prefetched}")

            def vector(product):
                return [(av.value.name, av.tag.name) for av in product.assigned.all()]
        """,
    })
    got = [m for _, _, m in project_findings(root, "shop/search.py") if "av." in m]
    assert not any("av.value" in m for m in got)
    assert (got == []) if silent else (len(got) == 1 and "av.tag" in got[0])


def test_a_path_prefetched_only_in_another_module_does_not_vouch_for_a_helper(tmp_path):
    """saleor: recalculate_order_weight(order) loops order.lines.all() and reads line.variant; that
    some other module prefetches "lines__variant" says nothing about this helper's callers."""
    root = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": """
            from django.db import models

            class Order(models.Model):
                name = models.CharField(max_length=10)

            class Variant(models.Model):
                weight = models.IntegerField()

            class Line(models.Model):
                order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
                variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL)
        """,
        "shop/views.py": """
            from shop.models import Order

            def orders():
                return Order.objects.prefetch_related("lines__variant")
        """,
        "shop/utils.py": """
            def recalculate_order_weight(order):
                weight = 0
                for line in order.lines.all():
                    if line.variant:
                        weight += line.variant.weight
                return weight
        """,
    })
    got = project_findings(root, "shop/utils.py")
    assert any("line.variant" in m for _, _, m in got)
