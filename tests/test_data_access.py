"""BR201 query-in-loop / BR202 lazy-relation-in-loop: realistic variants and tricky negatives."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import backend_rules
from backend_rules.engine.config import Config
from backend_rules.engine.project_index import build_index
from backend_rules.engine.runner import check_paths
from tests.conftest import SEED_GUIDE, run

SELECT = ("BR2",)


def found(code: str, path: str = "app/views.py") -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in run(code, path, SELECT)]


def messages(code: str, path: str = "app/views.py") -> list[str]:
    return [f.message for f in run(code, path, SELECT)]


DJANGO_MODELS = """
from django.db import models as m

class Author(m.Model):
    name = m.CharField(max_length=50)

class Post(m.Model):
    author = m.ForeignKey(Author, on_delete=m.CASCADE)
    title = m.CharField(max_length=50)
    body = m.TextField()
    tags = m.ManyToManyField("Tag")

class Tag(m.Model):
    name = m.CharField(max_length=50)

class Comment(m.Model):
    post = m.ForeignKey(Post, on_delete=m.CASCADE)
    text = m.TextField()
"""


def with_models(body: str) -> str:
    return DJANGO_MODELS + textwrap.dedent(body)


def line_of(code: str, needle: str) -> int:
    for number, line in enumerate(textwrap.dedent(code).removeprefix("\n").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


# ---------------------------------------------------------------------------------------------
# BR202: Django relations
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("body,needle", [
    ("def f():\n    for p in Post.objects.all():\n        print(p.author.name)\n", "p.author.name"),
    ("def f():\n    return [p.author for p in Post.objects.filter(title='x')]\n", "p.author"),
    ("def f():\n    qs = Post.objects.all()\n    qs = qs.order_by('id')\n    for p in qs:\n        print(p.tags.all())\n", "p.tags"),
    ("def f():\n    for p in Post.objects.all():\n        print(p.comment_set.count())\n", "comment_set"),
    ("def f():\n    for i, p in enumerate(Post.objects.all()):\n        print(i, p.author.name)\n", "p.author"),
    ("def f():\n    for p in Post.objects.only('title', 'author'):\n        print(p.author.name)\n", "p.author"),
    ("def f():\n    for p in Post.objects.only('title'):\n        print(p.body)\n", "p.body"),
    ("def f():\n    for p in Post.objects.defer('body'):\n        print(p.body)\n", "p.body"),
    ("def f():\n    for p in Post.objects.prefetch_related('comment_set'):\n        print(p.comment_set.filter(text='x'))\n", "p.comment_set"),
])
def test_django_lazy_relations_fire(body, needle):
    code = with_models(body)
    assert found(code) == [("BR202", line_of(code, needle))]


def test_django_message_names_relation_and_remedy():
    code = with_models("def f():\n    for p in Post.objects.all():\n        print(p.author.name)\n")
    assert messages(code) == ['`p.author` is loaded lazily once per p in this loop; add select_related("author") to the queryset']


def test_fk_id_suggests_the_column():
    code = with_models("def f():\n    for p in Post.objects.all():\n        print(p.author.id)\n")
    assert "p.author_id" in messages(code)[0]


@pytest.mark.parametrize("body", [
    "def f():\n    for p in Post.objects.select_related('author'):\n        print(p.author.name)\n",
    "def f():\n    for p in Post.objects.select_related():\n        print(p.author.name)\n",
    "def f():\n    for p in Post.objects.prefetch_related('tags'):\n        print([t.name for t in p.tags.all()])\n",
    "from django.db.models import Prefetch\ndef f():\n    for p in Post.objects.prefetch_related(Prefetch('tags')):\n        print(p.tags.count())\n",
    "def f():\n    for row in Post.objects.values('title', 'author__name'):\n        print(row['author__name'])\n",
    "def f():\n    for title, name in Post.objects.values_list('title', 'author__name'):\n        print(title, name)\n",
    "def f():\n    for p in Post.objects.all():\n        print(p.title, p.author_id, p.pk)\n",
    "def f(posts):\n    for p in posts:\n        print(p.author.name)\n",
    "def f():\n    for p in [Post(title='x')]:\n        print(p.author)\n",
    "def f():\n    qs = Post.objects.all()\n    if True:\n        qs = qs.select_related('author')\n    for p in qs:\n        print(p.author.name)\n",
    "def f():\n    for p in Post.objects.only('title', 'id'):\n        print(p.title, p.id)\n",
    "def f():\n    for p in Post.objects.all():\n        p.author = None\n",
])
def test_django_clean(body):
    assert found(with_models(body)) == []


def test_custom_related_name_and_reverse_o2o():
    code = """
    from django.db import models

    class Shop(models.Model):
        name = models.CharField(max_length=10)

    class Item(models.Model):
        shop = models.ForeignKey(Shop, related_name="items", on_delete=models.CASCADE)

    class Profile(models.Model):
        shop = models.OneToOneField(Shop, on_delete=models.CASCADE)
        bio = models.TextField()

    def f():
        for s in Shop.objects.all():
            print(s.items.count(), s.profile.bio)
    """
    assert [c for c, _ in found(code)] == ["BR202", "BR202"]


def test_unknown_model_heuristic_says_so():
    code = """
    def f():
        for order in Order.objects.filter(paid=True):
            print(order.customer.email)
            print(order.created_at.year, order.status.value)
    """
    msgs = messages(code)
    assert len(msgs) == 1 and "order.customer" in msgs[0] and "not in the project" in msgs[0]


def test_drf_queryset_class_attribute():
    code = with_models("""
    class PostViewSet:
        queryset = Post.objects.all()

        def titles(self):
            return [p.author.name for p in self.get_queryset()]
    """)
    assert [c for c, _ in found(code)] == ["BR202"]


# ---------------------------------------------------------------------------------------------
# BR202: SQLAlchemy
# ---------------------------------------------------------------------------------------------

SQLA_MODELS = """
from sqlalchemy import ForeignKey, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, joinedload, selectinload, subqueryload, raiseload

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    posts: Mapped[list["Post"]] = relationship(back_populates="user")

class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user: Mapped["User"] = relationship(back_populates="posts")
    tags = relationship("Tag", secondary="post_tags", lazy="selectin")
    comments = relationship("Comment", backref="post")
"""


@pytest.mark.parametrize("body,needle,remedy", [
    ("def f(session):\n    for p in session.scalars(select(Post)):\n        print(p.user.name)\n", "p.user", "joinedload(Post.user)"),
    ("def f(session):\n    for u in session.execute(select(User)).scalars().all():\n        print(len(u.posts))\n", "u.posts", "selectinload(User.posts)"),
    ("def f(session):\n    for p in session.query(Post).filter(Post.id > 1).all():\n        print(p.user.name)\n", "p.user", "joinedload"),
    ("def f():\n    for p in Post.query.all():\n        print(p.comments)\n", "p.comments", "selectinload(Post.comments)"),
    ("async def f(session):\n    result = await session.execute(select(Post))\n    for p in result.scalars():\n        print(p.user.name)\n", "p.user", "joinedload"),
])
def test_sqlalchemy_lazy_relations_fire(body, needle, remedy):
    code = SQLA_MODELS + body
    assert found(code) == [("BR202", line_of(code, needle))]
    assert remedy in messages(code)[0]


@pytest.mark.parametrize("body", [
    "def f(session):\n    for p in session.scalars(select(Post).options(joinedload(Post.user))):\n        print(p.user.name)\n",
    "def f(session):\n    for u in session.scalars(select(User).options(selectinload(User.posts).joinedload(Post.user))):\n        print([p.user.name for p in u.posts])\n",
    "def f(session):\n    for p in session.query(Post).options(subqueryload(Post.comments)):\n        print(p.comments)\n",
    "def f(session):\n    for p in session.scalars(select(Post).options(raiseload('*'))):\n        print(p.user)\n",
    "def f(session):\n    for p in session.scalars(select(Post)):\n        print(p.tags, p.user_id, p.id)\n",
    "def f(session):\n    for title, name in session.execute(select(Post.id, User.name).join(User)):\n        print(title, name)\n",
    "def f(session, opts):\n    for p in session.scalars(select(Post).options(*opts)):\n        print(p.user.name)\n",
])
def test_sqlalchemy_clean(body):
    assert found(SQLA_MODELS + body) == []


# ---------------------------------------------------------------------------------------------
# BR201: queries per item
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,needle,hint", [
    ("def f(ids):\n    for i in ids:\n        Post.objects.get(pk=i)\n", "objects.get", "filter(pk__in=...)"),
    ("def f(posts):\n    return [Comment.objects.filter(post=p).count() for p in posts]\n", "Comment", "annotate(Count"),
    ("def f(names):\n    for n in names:\n        Tag.objects.create(name=n)\n", "create", "bulk_create()"),
    ("def f(ids):\n    for i in ids:\n        Post.objects.filter(pk=i).update(title='x')\n", "update", "filter(pk__in=...).update(title=...)"),
    ("def f(posts):\n    for p in posts:\n        Post.objects.filter(pk=p.pk).update(title=p.title.upper())\n", "update", 'bulk_update(objs, ["title"])'),
    ("def f(ids):\n    for i in ids:\n        Post.objects.filter(pk=i).delete()\n", "delete", "filter(pk__in=...).delete()"),
    ("from django.shortcuts import get_object_or_404\ndef f(ids):\n    for i in ids:\n        get_object_or_404(Post, pk=i)\n", "get_object_or_404(Post", ""),
    ("def f(posts):\n    for p in posts:\n        for c in Comment.objects.filter(post=p):\n            print(c)\n", "Comment", "post__in"),
    ("def f(posts):\n    for p in posts:\n        print(Comment.objects.filter(post=p)[0])\n", "Comment", ""),
    ("def f(posts):\n    for p in posts:\n        comments = Comment.objects.filter(post=p)\n        print(list(comments))\n", "list(comments)", ""),
    ("async def f(ids):\n    for i in ids:\n        await Post.objects.aget(pk=i)\n", "aget", ""),
    ("def f(session, ids):\n    for i in ids:\n        session.query(User).filter_by(id=i).first()\n", "session.query", "in_(ids)"),
    ("def f(session, ids):\n    out = []\n    for i in ids:\n        out.append(session.scalars(select(User).where(User.id == i)).one())\n", "session.scalars", ""),
    ("def f(ids):\n    for i in ids:\n        User.query.get(i)\n", "User.query", ""),
    ("def f(db, ids):\n    for i in ids:\n        db.session.get(User, i)\n", "db.session.get", "select(User)"),
    ("async def f(conn, rows):\n    for r in rows:\n        await conn.fetchrow('SELECT * FROM t WHERE id = $1', r.id)\n", "fetchrow", "executemany"),
    ("def f(cur, rows):\n    for r in rows:\n        cur.execute('INSERT INTO t (a) VALUES (%s)', (r,))\n", "cur.execute", "executemany"),
    ("def f(cur, rows):\n    sql = 'UPDATE t SET a = %s WHERE id = %s'\n    for r in rows:\n        cur.execute(sql, (r.a, r.id))\n", "cur.execute", ""),
    ("def f(node_id):\n    node = Node.objects.get(pk=node_id)\n    while node.parent_id:\n        node = Node.objects.get(pk=node.parent_id)\n", "node = Node.objects.get(pk=node.parent_id)", ""),
])
def test_query_per_item_fires(code, needle, hint):
    assert found(code) == [("BR201", line_of(code, needle))]
    if hint:
        assert hint in messages(code)[0]


@pytest.mark.parametrize("code", [
    # one query before the loop, dict lookup inside
    "def f(ids):\n    posts = Post.objects.in_bulk(ids)\n    for i in ids:\n        print(posts[i].title)\n",
    # bulk query of a chunk
    "def f(ids):\n    for chunk in chunked(ids, 100):\n        Post.objects.filter(id__in=chunk).delete()\n",
    "def f(ids):\n    for batch in batches(ids):\n        list(Post.objects.filter(pk__in=batch))\n",
    # retries and polling
    "def f():\n    for attempt in range(3):\n        try:\n            return Post.objects.get(pk=1)\n        except Exception:\n            pass\n",
    "import time\ndef f():\n    while not Job.objects.filter(done=True).exists():\n        time.sleep(1)\n",
    "def f():\n    while True:\n        rows = Post.objects.filter(x=1)[:100]\n        if not rows:\n            break\n",
    # constants
    "def f():\n    for name in ('a', 'b'):\n        Group.objects.get_or_create(name=name)\n",
    "DEFAULTS = ['a', 'b']\ndef f():\n    for name in DEFAULTS:\n        Group.objects.get_or_create(name=name)\n",
    "def f():\n    for i in range(10):\n        Post.objects.create(title=str(i))\n",
    # runs once
    "def f(names):\n    for n in names:\n        if n:\n            user = User.objects.get(username=n)\n            break\n",
    # per model
    "def f(models):\n    return {m: m.objects.count() for m in models}\n",
    # statement lists and DDL
    "def f(cursor, statements):\n    for sql in statements:\n        cursor.execute(sql)\n",
    "def f(cursor, tables):\n    for t in tables:\n        cursor.execute(f'TRUNCATE {t}')\n",
    "def f(conn, tables):\n    for table in tables:\n        conn.execute(table.delete())\n",
    "def f(connections):\n    for conn in connections:\n        conn.execute('SELECT 1')\n",
    # lazy queryset built in a loop, never evaluated there
    "def f(ids):\n    parts = []\n    for i in ids:\n        parts.append(Post.objects.filter(pk=i))\n    return parts\n",
    # the query is in the iterable of the loop, not its body
    "def f():\n    for p in Post.objects.filter(x=1):\n        print(p.title)\n",
    "def f(ids):\n    return [p.title for p in Post.objects.filter(id__in=ids)]\n",
    # a nested function is not run per item
    "def f(ids):\n    for i in ids:\n        def g():\n            return Post.objects.get(pk=i)\n        register(g)\n",
    # requests.Session is not a database session
    "import requests\ndef f(urls):\n    s = requests.Session()\n    for u in urls:\n        s.get(u)\n",
    # a benchmark-style repeat loop whose counter the query ignores
    "def f(session, n):\n    for i in range(n):\n        session.query(User).all()\n",
])
def test_query_per_item_clean(code):
    assert found(code) == []


def test_tests_and_migrations_are_skipped_by_default():
    code = "def f(ids):\n    for i in ids:\n        Post.objects.get(pk=i)\n"
    assert found(code, "app/tests/test_views.py") == []
    assert found(code, "app/migrations/0002_data.py") == []
    assert found(code, "app/views.py") == [("BR201", 3)]


def test_helper_in_same_module_and_method():
    code = """
    def load(pk):
        return Post.objects.filter(pk=pk).first()

    class Service:
        def one(self, pk):
            return Post.objects.get(pk=pk)

        def many(self, pks):
            return [self.one(pk) for pk in pks]

    def run(pks):
        for pk in pks:
            load(pk)
    """
    assert found(code) == [("BR201", line_of(code, "self.one(pk) for")), ("BR201", line_of(code, "load(pk)\n") if False else 13)]


def test_model_method_called_per_item():
    code = with_models("""
    class Invoice(m.Model):
        post = m.ForeignKey(Post, on_delete=m.CASCADE)

        def total(self):
            return Comment.objects.filter(post=self.post_id).count()

    def f():
        for inv in Invoice.objects.all():
            print(inv.total())
    """)
    assert found(code) == [("BR201", line_of(code, "inv.total()"))]


# ---------------------------------------------------------------------------------------------
# The guide's Example 5
# ---------------------------------------------------------------------------------------------

def _guide_example() -> str:
    text = SEED_GUIDE.read_text(encoding="utf-8")
    start = text.index("#### Example 5")
    block = text[text.index("```python", start) + len("```python"):]
    return block[: block.index("```")]


def test_guide_example_5():
    if not SEED_GUIDE.exists():
        pytest.skip("seed guide not available")
    code = _guide_example()
    functions = ["# " + part for part in code.split("\n# ") if part.strip()]
    anti, fix1, fix2 = functions[0], functions[1], functions[2]
    assert [f.code for f in run("from sqlalchemy.orm import joinedload\n" + anti, "app.py", SELECT)] == ["BR202"]
    assert "post.author" in run(anti, "app.py", SELECT)[0].message
    assert run("from sqlalchemy.orm import joinedload\n" + fix1, "app.py", SELECT) == []
    assert run(fix2, "app.py", SELECT) == []


# ---------------------------------------------------------------------------------------------
# Cross-file: models in one file, the loop in another
# ---------------------------------------------------------------------------------------------

def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    pkg = tmp_path / "shop"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(textwrap.dedent("""
        from django.db import models

        class Customer(models.Model):
            name = models.CharField(max_length=10)

        class Order(models.Model):
            buyer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="purchases")
            note = models.TextField()

            @property
            def siblings(self):
                return Order.objects.filter(buyer_id=self.buyer_id).count()
    """))
    (pkg / "services.py").write_text(textwrap.dedent("""
        from .models import Customer

        def customer_name(pk):
            return Customer.objects.get(pk=pk).name
    """))
    (pkg / "views.py").write_text(textwrap.dedent("""
        from shop.models import Order, Customer
        from shop import services
        from .services import customer_name

        def report():
            for o in Order.objects.all():
                print(o.buyer.name)
            for c in Customer.objects.all():
                print(c.purchases.count())
            for o in Order.objects.select_related("buyer"):
                print(o.buyer.name, o.note)

        def names(ids):
            return [customer_name(i) for i in ids] + [services.customer_name(i) for i in ids]

        def crowd():
            return [o.siblings for o in Order.objects.all()]
    """))
    return tmp_path


EXPECTED_CROSS = {("BR202", 8), ("BR202", 10), ("BR201", 15), ("BR201", 18)}


def test_cross_file_through_check_paths(tmp_path):
    root = _project(tmp_path)
    report = check_paths([str(root / "shop" / "views.py")], Config(select=SELECT), jobs=1, use_cache=False)
    got = {(f.code, f.line) for f in report.findings}
    assert got == EXPECTED_CROSS, report.findings
    assert sum(1 for f in report.findings if f.line == 15) == 2


def test_cross_file_through_check_source(tmp_path):
    root = _project(tmp_path)
    source = (root / "shop" / "views.py").read_text()
    findings = backend_rules.check_source(
        source, str(root / "shop" / "views.py"), Config(select=SELECT),
        project_loader=lambda: build_index(str(root), use_cache=False),
    )
    assert {(f.code, f.line) for f in findings} == EXPECTED_CROSS
    assert any('select_related("buyer")' in f.message for f in findings)
    assert any("purchases" in f.message for f in findings)


def test_cross_file_index_cached_on_disk(tmp_path):
    root = _project(tmp_path)
    first = build_index(str(root))
    second = build_index(str(root))
    assert first.fingerprint == second.fingerprint
    assert "shop.models" in second.facts("orm")


def test_without_index_the_model_is_unknown_but_heuristics_remain(tmp_path):
    root = _project(tmp_path)
    source = (root / "shop" / "views.py").read_text()
    findings = backend_rules.check_source(source, "views.py", Config(select=SELECT), project_loader=lambda: None)
    got = {(f.code, f.line) for f in findings}
    assert ("BR202", 8) in got and ("BR202", 10) in got


# ---------------------------------------------------------------------------------------------
# DRF SerializerMethodField, FastAPI + AsyncSession
# ---------------------------------------------------------------------------------------------

def test_serializer_method_field_queries_per_object():
    code = """
    from rest_framework import serializers

    class PostSerializer(serializers.ModelSerializer):
        n = serializers.SerializerMethodField()
        latest = serializers.SerializerMethodField()

        def get_n(self, obj):
            return obj.comments.count()

        def get_latest(self, post):
            return post.comments.order_by("-id").first()

        def get_title(self, obj):
            return obj.title.upper()

    class NotASerializer:
        def get_n(self, obj):
            return obj.comments.count()
    """
    assert found(code) == [("BR202", 8), ("BR202", 11)]
    assert 'annotate(Count("comments"))' in messages(code)[0]


def test_fastapi_async_session():
    code = """
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    async def list_orders(db: AsyncSession):
        result = await db.execute(select(Order))
        orders = result.scalars().all()
        return [{"id": o.id, "customer": o.customer.name} for o in orders]

    async def users(ids, db: AsyncSession):
        out = []
        for uid in ids:
            res = await db.execute(select(User).where(User.id == uid))
            out.append(res.scalar_one())
        return out
    """
    assert found(code) == [("BR202", 7), ("BR201", 12)]


@pytest.mark.parametrize("code", [
    # a retry loop drawing random keys is not a walk over data
    "import random\ndef save(self):\n    while not self.pk_value:\n        k = random.randint(1, 9)\n        if not Book.objects.filter(pk=k).exists():\n            self.pk_value = k\n",
    # groups executed with many parameter sets at once
    "from itertools import groupby\ndef f(conn, records):\n    stmt = 'UPDATE t SET a = %s'\n    for key, group in groupby(records):\n        conn.execute(stmt, list(group))\n",
    # a serializer's helper named get_* that is not a SerializerMethodField
    "from rest_framework import serializers\nclass S(serializers.Serializer):\n    def get_constraints(self, model):\n        return model.things.filter(x=1)\n",
])
def test_corpus_false_positives_stay_fixed(code):
    assert found(code) == []


def test_tests_are_skipped_unless_queries_in_tests_is_set():
    import textwrap

    from backend_rules import check_source
    from backend_rules.engine.config import Config

    code = textwrap.dedent("""
        def test_titles():
            for post in Post.objects.all():
                Comment.objects.filter(post=post).count()
    """)

    def found(**options):
        config = Config(select=("BR2",), options=tuple(options.items()))
        return [f.code for f in check_source(code, "tests/test_blog.py", config, project_loader=lambda: None)]

    assert found() == []
    assert found(**{"queries-in-tests": True}) == ["BR201"]
