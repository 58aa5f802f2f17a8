"""BR201/BR202 recall: the shapes N+1 takes in mature code (helpers, serializers, related managers,
relationship collections, repositories, iterators), each with its fixed twin.

Every snippet is written for this test; the shapes come from reading N+1 fixes in open-source history.
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
    return [(f.code, f.line) for f in run(code, path, SELECT) if f.code in {"BR201", "BR202"}]


def messages(code: str, path: str = "app/views.py") -> list[str]:
    return [f.message for f in run(code, path, SELECT) if f.code in {"BR201", "BR202"}]


def line_of(code: str, needle: str) -> int:
    for number, line in enumerate(textwrap.dedent(code).removeprefix("\n").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).removeprefix("\n"))
    return tmp_path


def project_findings(root: Path, target: str) -> list[tuple[str, int, str]]:
    config = Config(select=SELECT, min_confidence="LOW")
    report = check_paths([str(root / target)], config, jobs=1, use_cache=False)
    return [(f.code, f.line, f.message) for f in report.findings if f.code in {"BR201", "BR202"}]


SHOP = """
from django.db import models

class Customer(models.Model):
    name = models.CharField(max_length=10)

class Product(models.Model):
    name = models.CharField(max_length=10)

class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE)
    weight = models.IntegerField()

class Order(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)

class OrderLine(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    variant = models.ForeignKey(Variant, null=True, on_delete=models.SET_NULL)
    quantity = models.IntegerField()
"""


def shop(body: str) -> str:
    return SHOP + textwrap.dedent(body)


# ---------------------------------------------------------------------------------------------
# Loops over a related manager of an object, and over relationship collections
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,needle", [
    ("""
    def weight(order: Order):
        total = 0
        for line in order.lines.all():
            if line.variant:
                total += line.variant.weight * line.quantity
        return total
    """, "if line.variant"),
    ("""
    def weight(order_id):
        order = Order.objects.get(pk=order_id)
        return [line.variant.weight for line in order.lines.filter(quantity__gt=0)]
    """, "line.variant.weight"),
    ("""
    def weights():
        for order in Order.objects.all():
            for line in order.lines.all():
                print(line.variant.weight)
    """, "line.variant.weight"),
])
def test_loop_over_a_related_manager(body, needle):
    code = shop(body)
    got = found(code)
    assert ("BR202", line_of(code, needle)) in got
    assert any('select_related("variant")' in m for m in messages(code))


@pytest.mark.parametrize("body", [
    """
    def weight(order: Order):
        return [line.variant.weight for line in order.lines.select_related("variant")]
    """,
    """
    def weights():
        for order in Order.objects.prefetch_related("lines__variant"):
            for line in order.lines.all():
                print(line.variant.weight)
    """,
    """
    def weight(order: Order):
        return [line.variant_id for line in order.lines.all()]
    """,
])
def test_related_manager_loads_fixed(body):
    assert found(shop(body)) == []


SQLA_USERS = """
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, selectinload

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    projects: Mapped[list["Project"]] = relationship(back_populates="owner")

class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    owner: Mapped["User"] = relationship(back_populates="projects")
    releases: Mapped[list["Release"]] = relationship(back_populates="project")
"""


def test_loop_over_a_relationship_collection():
    code = SQLA_USERS + textwrap.dedent("""
    def related_urls(user: User):
        urls = {}
        for project in user.projects:
            if project.releases:
                urls[project.id] = project.releases[0]
        return urls
    """)
    assert found(code) == [("BR202", line_of(code, "if project.releases"))]
    assert "selectinload(Project.releases)" in messages(code)[0]


def test_relationship_collection_loaded_with_its_children():
    code = SQLA_USERS + textwrap.dedent("""
    def related_urls(session, user_id):
        user = session.scalars(select(User).where(User.id == user_id)
                               .options(selectinload(User.projects).selectinload(Project.releases))).one()
        return [p.releases for p in user.projects]
    """)
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# lazyload() is not eager loading; apps.get_model(); a per-item filter that also has __in
# ---------------------------------------------------------------------------------------------

def test_lazyload_option_is_not_eager():
    code = """
    from sqlalchemy import orm

    class Role(Base):
        __tablename__ = "roles"
        team = orm.relationship("Team")

    def members(session, project):
        query = session.query(Role).filter(Role.project == project).options(orm.lazyload(Role.team))
        for role in query.all():
            print([u.id for u in role.team.members])
    """
    assert ("BR202", line_of(code, "role.team.members")) in found(code)


def test_model_from_apps_get_model():
    code = """
    from django.apps import apps

    def bridges(device, templates):
        Interface = apps.get_model("dcim", "Interface")
        for template in templates.exclude(bridge=None):
            interface = Interface.objects.get(device=device, name=template.name)
            interface.save()
    """
    assert found(code) == [("BR201", line_of(code, "Interface.objects.get("))]


def test_per_item_filter_with_an_in_lookup_is_still_per_item():
    code = """
    def report(tracked_users, questions):
        counts = {}
        for user in tracked_users:
            counts[user.username] = Answer.objects.filter(question__in=questions, creator=user).count()
        return counts
    """
    assert found(code) == [("BR201", line_of(code, "Answer.objects"))]


def test_chunk_filter_with_in_lookup_is_bulk():
    code = """
    def archive(ids, owner):
        for chunk in chunked(ids, 500):
            Post.objects.filter(id__in=chunk, owner=owner).update(archived=True)
        for batch_ids in pages_of(ids):
            Post.objects.filter(id__in=batch_ids).delete()
    """
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# Helpers and serializers called per item (interprocedural)
# ---------------------------------------------------------------------------------------------

def test_helper_in_the_same_module_reads_a_relation_of_its_argument():
    code = shop("""
    def describe(order):
        return f"{order.id} for {order.customer.name}"

    def lines_of(order):
        return [line.quantity for line in order.lines.all()]

    def report():
        for order in Order.objects.filter(customer__name="x"):
            print(describe(order), lines_of(order))
    """)
    got = messages(code)
    assert len(got) == 2
    assert any("`describe()`" in m and "order.customer" in m for m in got)
    assert any("`lines_of()`" in m and "order.lines" in m for m in got)


def test_helper_fixed_by_eager_loading():
    code = shop("""
    def describe(order):
        return f"{order.id} for {order.customer.name}"

    def report():
        for order in Order.objects.select_related("customer"):
            print(describe(order))
    """)
    assert found(code) == []


def test_helper_in_another_module_two_calls_deep(tmp_path):
    root = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": SHOP,
        "shop/formatting.py": """
            def customer_label(order):
                return order.customer.name.upper()

            def order_label(order):
                return f"#{order.id} " + customer_label(order)
        """,
        "shop/views.py": """
            from shop.models import Order
            from shop.formatting import order_label

            def labels():
                return [order_label(o) for o in Order.objects.filter(id__gt=3)]
        """,
    })
    got = project_findings(root, "shop/views.py")
    assert [(c, line) for c, line, _ in got] == [("BR202", 5)]
    assert "order_label()" in got[0][2] and "o.customer" in got[0][2]


def test_serializer_called_per_item(tmp_path):
    root = project(tmp_path, {
        "shop/__init__.py": "",
        "shop/models.py": SHOP,
        "shop/serializers.py": """
            from rest_framework import serializers

            class OrderSerializer(serializers.ModelSerializer):
                customer_name = serializers.SerializerMethodField()

                def get_customer_name(self, obj):
                    return obj.customer.name
        """,
        "shop/views.py": """
            from shop.models import Order
            from shop.serializers import OrderSerializer

            def export():
                rows = []
                for order in Order.objects.all():
                    rows.append(OrderSerializer(order).data)
                return rows
        """,
    })
    got = project_findings(root, "shop/views.py")
    assert [(c, line) for c, line, _ in got] == [("BR202", 7)]
    assert "OrderSerializer.get_customer_name" in got[0][2]


def test_model_property_per_item_still_reported_through_helpers():
    code = shop("""
    class Invoice(models.Model):
        order = models.ForeignKey(Order, on_delete=models.CASCADE)

        @property
        def buyer(self):
            return self.order.customer

    def buyers():
        return [invoice.buyer for invoice in Invoice.objects.all()]
    """)
    assert found(code) == [("BR201", line_of(code, "invoice.buyer for"))]


# ---------------------------------------------------------------------------------------------
# Loops over what a project helper returns
# ---------------------------------------------------------------------------------------------

def test_loop_over_rows_a_helper_returns():
    code = shop("""
    def recent_orders():
        return Order.objects.filter(id__gt=10).order_by("-id")

    def report():
        for order in recent_orders():
            print(order.customer.name)
    """)
    assert found(code) == [("BR202", line_of(code, "order.customer.name"))]


# ---------------------------------------------------------------------------------------------
# Comprehensions, while loops driven by iterators, export loops
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,needle", [
    ("def names():\n    return {o.id: o.customer.name for o in Order.objects.all()}\n", "o.customer"),
    ("def names():\n    return {o.customer.name for o in Order.objects.all()}\n", "o.customer"),
    ("import csv\ndef export(out):\n    writer = csv.writer(out)\n    for o in Order.objects.filter(id__gt=1).iterator():\n        writer.writerow([o.id, o.customer.name])\n", "o.customer"),
])
def test_comprehensions_and_export_loops(body, needle):
    code = shop(body)
    assert found(code) == [("BR202", line_of(code, needle))]


@pytest.mark.parametrize("code,needle", [
    ("""
    def walk(cursor):
        while (row := cursor.fetchone()) is not None:
            owner = Owner.objects.get(pk=row[0])
            print(owner)
    """, "Owner.objects.get"),
    ("""
    def drain(ids):
        it = iter(ids)
        while True:
            try:
                pk = next(it)
            except StopIteration:
                break
            print(Owner.objects.get(pk=pk))
    """, "Owner.objects.get"),
    ("""
    def drain(queue):
        while queue:
            pk = queue.pop()
            Owner.objects.filter(pk=pk).delete()
    """, "Owner.objects.filter"),
])
def test_while_loops_driven_by_iterators(code, needle):
    assert found(code) == [("BR201", line_of(code, needle))]


def test_retry_loop_is_not_per_item():
    code = """
    import time
    def wait_for(pk):
        while True:
            owner = Owner.objects.filter(pk=pk).first()
            if owner:
                return owner
            time.sleep(1)
    """
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# Async SQLAlchemy: repositories awaited per item, awaitable_attrs
# ---------------------------------------------------------------------------------------------

def test_repository_method_awaited_per_item(tmp_path):
    root = project(tmp_path, {
        "app/__init__.py": "",
        "app/repository.py": """
            from sqlalchemy import select

            class UserRepository:
                def __init__(self, session):
                    self.session = session

                async def get_by_email(self, email):
                    result = await self.session.execute(select(User).where(User.email == email))
                    return result.scalar_one_or_none()
        """,
        "app/service.py": """
            from app.repository import UserRepository

            async def invite(session, emails):
                users = UserRepository(session)
                invited = []
                for email in emails:
                    user = await users.get_by_email(email)
                    invited.append(user)
                return invited
        """,
    })
    got = project_findings(root, "app/service.py")
    assert [(c, line) for c, line, _ in got] == [("BR201", 7)]
    assert "users.get_by_email()" in got[0][2]


def test_awaitable_attrs_per_item():
    code = SQLA_USERS + textwrap.dedent("""
    async def releases(session):
        out = []
        for project in (await session.scalars(select(Project))).all():
            out.extend(await project.awaitable_attrs.releases)
        return out
    """)
    got = found(code)
    assert got == [("BR202", line_of(code, "awaitable_attrs.releases"))]


def test_awaitable_attrs_fixed_by_selectinload():
    code = SQLA_USERS + textwrap.dedent("""
    async def releases(session):
        out = []
        for project in (await session.scalars(select(Project).options(selectinload(Project.releases)))).all():
            out.extend(await project.awaitable_attrs.releases)
        return out
    """)
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# DB-API statements per item whose SQL is also built from strings
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [
    "def f(cur, ids):\n    for i in ids:\n        cur.execute('SELECT * FROM t WHERE id = ' + str(i))\n",
    "def f(cur, ids):\n    for i in ids:\n        cur.execute(f'DELETE FROM t WHERE id = {i}')\n",
    "def f(cur, ids):\n    for i in ids:\n        cur.execute('UPDATE t SET x = 1 WHERE id = %s' % i)\n",
])
def test_dbapi_statement_built_from_strings_per_item(code):
    assert [c for c, _ in found(code)] == ["BR201"]


# ---------------------------------------------------------------------------------------------
# Partial prefetch lists
# ---------------------------------------------------------------------------------------------

def test_partial_prefetch_list():
    code = shop("""
    class Coupon(models.Model):
        orders = models.ManyToManyField(Order, related_name="coupons")

    def f():
        for o in Order.objects.prefetch_related("lines").select_related("customer"):
            print(o.customer.name, [l.quantity for l in o.lines.all()], [v.id for v in o.coupons.all()])
    """)
    got = messages(code)
    assert len(got) == 1 and "o.coupons" in got[0]


def test_service_attribute_of_self_per_item():
    code = """
    from sqlalchemy import select

    class UserRepository:
        async def by_email(self, email):
            return (await self.session.scalars(select(User).where(User.email == email))).first()

    class InviteService:
        def __init__(self, session):
            self.users = UserRepository(session)

        def helper(self):
            return 1

        async def invite(self, emails):
            return [await self.users.by_email(e) for e in emails]
    """
    assert found(code) == [("BR201", line_of(code, "self.users.by_email"))]


def test_collections_of_the_signed_in_user():
    code = """
    from sqlalchemy.orm import Mapped, relationship

    class Team(Base):
        __tablename__ = "teams"
        projects: Mapped[list["Project"]] = relationship(secondary="team_projects")

    class User(Base):
        __tablename__ = "users"
        teams: Mapped[list["Team"]] = relationship(secondary="team_roles")

    def manage_projects(request):
        projects = set()
        for team in request.user.teams:
            projects |= set(team.projects)
        return projects
    """
    assert found(code) == [("BR202", line_of(code, "set(team.projects)"))]


def test_related_rows_of_each_item_of_a_plain_list():
    code = shop("""
    def heavy(orders):
        for order in orders:
            for line in order.lines.filter(quantity__gt=10):
                print(line.quantity)
    """)
    assert found(code) == [("BR201", line_of(code, "order.lines.filter"))]


def test_related_count_of_each_item_of_a_plain_list():
    code = shop("""
    def sizes(orders):
        return {order.pk: order.lines.count() for order in orders}

    def first_lines(orders):
        for order in orders:
            if order.pk:
                return order.lines.first()
    """)
    assert found(code) == [("BR201", line_of(code, "order.lines.count()"))]
    assert "annotate(Count" in messages(code)[0]


def test_lazyload_overrides_a_relationship_declared_eager():
    code = """
    from sqlalchemy import orm
    from sqlalchemy.orm import Mapped, relationship

    class TeamProjectRole(Base):
        __tablename__ = "team_project_roles"
        team: Mapped["Team"] = relationship(lazy=False)

    class Project(Base):
        __tablename__ = "projects"

        def permissions(self):
            session = orm.object_session(self)
            team_query = (
                session.query(TeamProjectRole)
                .filter(TeamProjectRole.project == self)
                .options(orm.lazyload(TeamProjectRole.team))
            )
            found = set()
            for role in team_query.all():
                found |= {user.id for user in role.team.members}
            return found
    """
    assert found(code) == [("BR202", line_of(code, "role.team.members"))]


def test_rows_a_method_put_on_self():
    code = """
    from sqlalchemy.orm import relationship

    class Abstract(db.Model):
        __tablename__ = "abstracts"
        submitter = relationship("User", lazy=True)

    class AbstractList(RH):
        def _process_args(self):
            self.abstracts = Abstract.query.filter(Abstract.event_id == 1).all()

        def _process(self):
            return {abstract.submitter for abstract in self.abstracts}
    """
    assert found(code) == [("BR202", line_of(code, "abstract.submitter for"))]


def test_manager_only_method_vouches_for_the_relation():
    code = """
    from django.db import models

    class Group(models.Model):
        name = models.CharField(max_length=5)

    class Member(models.Model):
        groups = models.ManyToManyField(Group, related_name="members")

    def leaders(people):
        return [p for p in people if p.groups.filter(name="leaders").exists()]
    """
    assert found(code) == [("BR201", line_of(code, "p.groups.filter"))]


# ---------------------------------------------------------------------------------------------
# DRF list views whose serializer reads relations the queryset does not load
# ---------------------------------------------------------------------------------------------

BLOG = """
from django.db import models

class Author(models.Model):
    name = models.CharField(max_length=10)

class Tag(models.Model):
    name = models.CharField(max_length=10)

class Post(models.Model):
    author = models.ForeignKey(Author, on_delete=models.CASCADE)
    tags = models.ManyToManyField(Tag)
    title = models.CharField(max_length=10)

class Comment(models.Model):
    post = models.ForeignKey(Post, related_name="comments", on_delete=models.CASCADE)
"""

BLOG_SERIALIZERS = """
from rest_framework import serializers

class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Comment
        fields = ["id"]

class PostSerializer(serializers.ModelSerializer):
    comments = CommentSerializer(many=True, read_only=True)
    author_name = serializers.CharField(source="author.name")

    class Meta:
        model = Post
        fields = ["id", "title", "comments", "author_name", "tags"]
"""


@pytest.mark.parametrize("queryset,expected", [
    ("Post.objects.all()", ['prefetch_related("comments", "tags")', 'select_related("author")', "post.author` (PostSerializer.author_name)"]),
    ('Post.objects.select_related("author").prefetch_related("comments", "tags")', []),
    ('Post.objects.prefetch_related("comments")', ['select_related("author")', 'prefetch_related("tags")']),
])
def test_list_view_serializer_reads_relations(queryset, expected):
    code = BLOG + BLOG_SERIALIZERS + textwrap.dedent(f"""
    from rest_framework import generics

    class PostList(generics.ListAPIView):
        queryset = {queryset}
        serializer_class = PostSerializer
    """)
    got = messages(code, "app/api.py")
    assert len(got) == (1 if expected else 0)
    for remedy in expected:
        assert remedy in got[0] and "PostList" in got[0]


def test_single_object_view_and_custom_queryset_are_left_alone():
    code = BLOG + BLOG_SERIALIZERS + textwrap.dedent("""
    from rest_framework import generics, viewsets

    class PostDetail(generics.RetrieveAPIView):
        queryset = Post.objects.all()
        serializer_class = PostSerializer

    class PostViewSet(viewsets.ModelViewSet):
        queryset = Post.objects.all()
        serializer_class = PostSerializer

        def get_queryset(self):
            return self.queryset.with_everything()
    """)
    assert found(code, "app/api.py") == []


# ---------------------------------------------------------------------------------------------
# SQLAlchemy rows of several entities: ``for user, n in session.execute(select(User, count))``
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loop", [
    "for owner, n in session.execute(select(User, func.count(Project.id)).join(User.projects).group_by(User.id)):",
    "for (owner,) in session.execute(select(User).where(User.id > 3)):",
    "for owner, n in session.query(User, func.count(Project.id)).join(User.projects).group_by(User.id):",
    "for n, owner in session.execute(select(func.count(Project.id), User).join(User.projects).group_by(User.id)).all():",
])
def test_rows_of_entities_and_values(loop):
    code = SQLA_USERS + textwrap.dedent(f"""
    from sqlalchemy import func

    def leaderboard(session):
        {loop}
            print(n if "n" in dir() else 0, [p.id for p in owner.projects])
    """)
    assert found(code) == [("BR202", line_of(code, "print(n if"))]
    assert "selectinload(User.projects)" in messages(code)[0]


@pytest.mark.parametrize("loop", [
    # fixed twin: the collection is loaded with the rows
    "for owner, n in session.execute(select(User, func.count(Project.id)).options(selectinload(User.projects))"
    ".join(User.projects).group_by(User.id)):",
    # near miss: columns, not entities
    "for owner, n in session.execute(select(User.id, func.count(Project.id)).group_by(User.id)):",
])
def test_rows_of_entities_fixed_or_columns(loop):
    code = SQLA_USERS + textwrap.dedent(f"""
    from sqlalchemy import func

    def leaderboard(session):
        {loop}
            print(n, [p.id for p in owner.projects])
    """)
    assert found(code) == []


# ---------------------------------------------------------------------------------------------
# DRF serializers given a queryset with many=True (APIView, function views) and list views whose
# get_queryset() returns the query
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("view,expected", [
    ("""
    class PostList(APIView):
        def get(self, request):
            posts = Post.objects.filter(title__startswith="a")
            return Response(PostSerializer(posts, many=True).data)
    """, 1),
    ("""
    @api_view(["GET"])
    def post_list(request):
        return Response(PostSerializer(Post.objects.order_by("-id")[:20], many=True).data)
    """, 1),
    ("""
    class PostViewSet(viewsets.ReadOnlyModelViewSet):
        serializer_class = PostSerializer

        def get_queryset(self):
            return Post.objects.filter(author=self.request.user.author)
    """, 1),
    # fixed twins
    ("""
    class PostList(APIView):
        def get(self, request):
            posts = Post.objects.select_related("author").prefetch_related("comments", "tags")
            return Response(PostSerializer(posts, many=True).data)
    """, 0),
    ("""
    class PostViewSet(viewsets.ReadOnlyModelViewSet):
        serializer_class = PostSerializer

        def get_queryset(self):
            return Post.objects.select_related("author").prefetch_related("comments", "tags")
    """, 0),
    # near misses: one object; rows of values(); a queryset we cannot read
    ("""
    class PostDetail(APIView):
        def get(self, request, pk):
            return Response(PostSerializer(Post.objects.get(pk=pk)).data)
    """, 0),
    ("""
    def post_rows(request, posts):
        return Response(PostSerializer(posts, many=True).data)
    """, 0),
    # a serializer whose mixin drops fields at run time
    ("""
    class DropFieldsMixin:
        DROP = []

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name in self.DROP:
                self.fields.pop(name, None)

    class PostSummarySerializer(DropFieldsMixin, PostSerializer):
        DROP = ["comments", "author_name", "tags"]

    def summaries(request):
        return Response(PostSummarySerializer(Post.objects.all(), many=True).data)
    """, 0),
    ("""
    class PostViewSet(viewsets.ReadOnlyModelViewSet):
        serializer_class = PostSerializer

        def get_queryset(self):
            if self.request.user.is_staff:
                return Post.objects.all()
            return Post.objects.select_related("author").prefetch_related("comments", "tags")
    """, 0),
])
def test_serializer_given_a_queryset_reads_relations(view, expected):
    code = BLOG + BLOG_SERIALIZERS + textwrap.dedent("""
    from rest_framework import viewsets
    from rest_framework.decorators import api_view
    from rest_framework.response import Response
    from rest_framework.views import APIView
    """) + textwrap.dedent(view)
    got = [m for m in messages(code, "app/api.py") if "once per post" in m]
    assert len(got) == expected, got
    if expected:
        assert 'select_related("author")' in got[0] and 'prefetch_related("comments", "tags")' in got[0]


@pytest.mark.parametrize("bound,expected", [
    ("posts = category.post_set.all()", 1),
    ('posts = category.post_set.select_related("author")', 0),
    ("posts = category.post_set.filter(title__startswith='a')", 1),
])
def test_related_rows_bound_to_a_variable(bound, expected):
    code = BLOG + textwrap.dedent(f"""
    class Category(models.Model):
        name = models.CharField(max_length=10)

    class Entry(models.Model):
        category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="post_set")
        author = models.ForeignKey(Author, on_delete=models.CASCADE)

    def category_page(request, pk):
        category = Category.objects.get(pk=pk)
        {bound}
        return [(p.id, p.author.name) for p in posts]
    """)
    assert len(found(code)) == expected


# ---------------------------------------------------------------------------------------------
# FastAPI / django-ninja: a response schema reads relations of every row the route returns
# ---------------------------------------------------------------------------------------------

FASTAPI_POSTS = """
from typing import List, Optional

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, Session, joinedload, mapped_column, relationship, selectinload

router = APIRouter()

class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]

class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))
    author: Mapped["Author"] = relationship()
    comments: Mapped[list["Comment"]] = relationship(back_populates="post")
    title: Mapped[str]

class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    post: Mapped["Post"] = relationship(back_populates="comments")

class AuthorOut(BaseModel):
    name: str

class CommentOut(BaseModel):
    id: int

class PostOut(BaseModel):
    id: int
    title: str
    author: AuthorOut
    comments: List["CommentOut"] = []

class PostRow(BaseModel):
    id: int
    title: str
    author_id: int
"""


@pytest.mark.parametrize("route,expected", [
    ("""
    @router.get("/posts", response_model=list[PostOut])
    def posts(db: Session = Depends(get_db)):
        return db.query(Post).all()
    """, ["joinedload(Post.author)", "selectinload(Post.comments)"]),
    ("""
    @router.get("/posts")
    def posts(db: Session = Depends(get_db)) -> List[PostOut]:
        rows = db.scalars(select(Post).where(Post.id > 0)).all()
        return rows
    """, ["joinedload(Post.author)"]),
    ("""
    @router.get("/posts")
    def posts(db: Session = Depends(get_db)):
        return [PostOut.model_validate(p) for p in db.scalars(select(Post))]
    """, ["joinedload(Post.author)"]),
    # fixed twins and near misses
    ("""
    @router.get("/posts", response_model=list[PostOut])
    def posts(db: Session = Depends(get_db)):
        return db.scalars(select(Post).options(joinedload(Post.author), selectinload(Post.comments))).all()
    """, []),
    ("""
    @router.get("/posts/{pk}", response_model=PostOut)
    def post(pk: int, db: Session = Depends(get_db)):
        return db.get(Post, pk)
    """, []),
    ("""
    @router.get("/posts", response_model=list[PostRow])
    def posts(db: Session = Depends(get_db)):
        return db.query(Post).all()
    """, []),
    ("""
    @router.get("/posts", response_model=list[PostOut])
    async def posts(db: AsyncSession = Depends(get_db)):
        return (await db.scalars(select(Post))).all()
    """, []),
])
def test_response_schema_reads_relations_of_the_rows(route, expected):
    code = FASTAPI_POSTS + textwrap.dedent(route)
    got = messages(code, "app/routers/posts.py")
    assert len(got) == (1 if expected else 0), got
    for remedy in expected:
        assert remedy in got[0]


def test_ninja_response_schema_reads_relations():
    code = BLOG + textwrap.dedent("""
    from typing import List
    from ninja import Router, Schema

    router = Router()

    class AuthorSchema(Schema):
        name: str

    class PostSchema(Schema):
        title: str
        author: AuthorSchema

    @router.get("/posts", response=List[PostSchema])
    def posts(request):
        return Post.objects.filter(title__startswith="a")

    @router.get("/fast", response=List[PostSchema])
    def fast(request):
        return Post.objects.select_related("author")
    """)
    got = messages(code, "app/api.py")
    assert len(got) == 1 and 'select_related("author")' in got[0] and "PostSchema.author" in got[0]


MARSHMALLOW_POSTS = """
from flask import jsonify
from marshmallow import Schema, fields
from sqlalchemy.orm import joinedload

class Author(db.Model):
    __tablename__ = "authors"
    id = db.Column(db.Integer, primary_key=True)

    def recent_posts(self):
        return Post.query.filter_by(author_id=self.id).all()

class Post(db.Model):
    __tablename__ = "posts"
    id = db.Column(db.Integer, primary_key=True)
    author_id = db.Column(db.Integer, db.ForeignKey("authors.id"))
    author = db.relationship("Author")
    tags = db.relationship("Tag", secondary="post_tags")

class AuthorSchema(Schema):
    name = fields.Str()

class TagSchema(Schema):
    name = fields.Str()

class PostSchema(Schema):
    title = fields.Str()
    author = fields.Nested(AuthorSchema)
    tags = fields.List(fields.Nested(TagSchema))

posts_schema = PostSchema(many=True)
post_schema = PostSchema()

def current_author():
    return Author.query.filter_by(id=1).first()
"""


@pytest.mark.parametrize("view,expected", [
    ("return jsonify(posts_schema.dump(Post.query.all()))", ["joinedload(Post.author)", "selectinload(Post.tags)"]),
    ("return jsonify(PostSchema(many=True).dump(Post.query.filter_by(draft=False).all()))", ["joinedload(Post.author)"]),
    ("return jsonify(PostSchema().dump(Post.query.all(), many=True))", ["joinedload(Post.author)"]),
    # fixed twin and near misses: loaded; one object
    ("return jsonify(posts_schema.dump(Post.query.options(joinedload(Post.author), joinedload(Post.tags)).all()))", []),
    ("return jsonify(post_schema.dump(Post.query.get(1)))", []),
    # a model method called on what a helper returns: what it gives is not read as the helper's query
    ("return jsonify(posts_schema.dump(current_author().recent_posts()))", []),
    ("return jsonify(posts_schema.dump(Post.query.filter(Post.author_id == 3).all()))", ["selectinload(Post.tags)"]),
])
def test_marshmallow_dump_reads_relations(view, expected):
    code = MARSHMALLOW_POSTS + textwrap.dedent(f"""
    @app.route("/posts")
    def posts():
        {view}
    """)
    got = messages(code, "app/views.py")
    assert len(got) == (1 if expected else 0), got
    for remedy in expected:
        assert remedy in got[0]


SQLMODEL_HEROES = """
from sqlmodel import Field, Relationship, Session, SQLModel, select
from sqlalchemy.orm import selectinload

class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    heroes: list["Hero"] = Relationship(back_populates="team")
    sponsors: list["Sponsor"] = Relationship(sa_relationship_kwargs={"lazy": "selectin"})

class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    team: Team | None = Relationship(back_populates="heroes")
"""


@pytest.mark.parametrize("body,expected", [
    ("return [h.team.name for h in session.exec(select(Hero)).all()]", "joinedload(Hero.team)"),
    ("return [len(t.heroes) for t in session.exec(select(Team).where(Team.id > 1))]", "selectinload(Team.heroes)"),
    # fixed twin; a relationship declared eager; the foreign key's column
    ("return [len(t.heroes) for t in session.exec(select(Team).options(selectinload(Team.heroes)))]", None),
    ("return [len(t.sponsors) for t in session.exec(select(Team))]", None),
    ("return [h.team_id for h in session.exec(select(Hero))]", None),
])
def test_sqlmodel_exec_and_relationships(body, expected):
    code = SQLMODEL_HEROES + textwrap.dedent(f"""
    def heroes(session: Session):
        {body}
    """)
    got = messages(code)
    assert len(got) == (1 if expected else 0), got
    if expected:
        assert expected in got[0]


@pytest.mark.parametrize("loop,expected", [
    ("for post in Post.query.order_by(Post.id).paginate(page=page, per_page=20).items:", 1),
    ("for post in db.session.scalars(db.select(Post).where(Post.id > 1)):", 1),
    ("for post in db.session.scalars(db.select(Post).options(db.joinedload(Post.author))):", 0),
])
def test_flask_sqlalchemy_pages_and_db_select(loop, expected):
    code = textwrap.dedent(f"""
    class Post(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        author_id = db.Column(db.Integer, db.ForeignKey("user.id"))
        author = db.relationship("User")

    def index(page):
        {loop}
            print(post.author.name)
    """)
    got = messages(code)
    assert len(got) == expected and all("joinedload(Post.author)" in m for m in got)


def test_marshmallow_rows_of_a_model_method_on_a_helper_result_are_not_the_helper_query(tmp_path):
    root = project(tmp_path, {
        "ctf/__init__.py": "",
        "ctf/models.py": """
            class Users(db.Model):
                __tablename__ = "users"
                id = db.Column(db.Integer, primary_key=True)
                team = db.relationship("Teams", lazy="select")

                def get_solves(self, admin=False):
                    solves = Solves.query.filter_by(user_id=self.id)
                    return solves.all()

            class Solves(db.Model):
                __tablename__ = "solves"
                id = db.Column(db.Integer, primary_key=True)
                team = db.relationship("Teams", lazy="select")
        """,
        "ctf/utils.py": """
            from ctf.models import Users

            def get_current_user():
                return Users.query.filter_by(id=session_id()).first()
        """,
        "ctf/schemas.py": """
            from marshmallow import Schema, fields

            class TeamSchema(Schema):
                name = fields.Str()

            class SolveSchema(Schema):
                team = fields.Nested(TeamSchema)
        """,
        "ctf/api.py": """
            from ctf.schemas import SolveSchema
            from ctf.utils import get_current_user

            def my_solves():
                user = get_current_user()
                solves = user.get_solves(admin=True)
                return SolveSchema(many=True).dump(solves)
        """,
    })
    got = [m for _, _, m in project_findings(root, "ctf/api.py")]
    assert not any("users.team" in m or "Users.team" in m for m in got), got
