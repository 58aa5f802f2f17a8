"""BR202's fix: the loop's query eager-loads the relation the loop reads (unsafe)."""

from __future__ import annotations

import textwrap

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.fixer import apply_fixes

DJANGO_MODELS = """
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100)


class Post(models.Model):
    title = models.CharField(max_length=100)
    published = models.BooleanField()
    author = models.ForeignKey(Author, on_delete=models.CASCADE)


class Tag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=20)
"""


def _findings(source: str):
    return check_source(source, "app/views.py", Config(select=("BR202",), min_confidence="LOW"),
                        project_loader=lambda: None)


def _fixed(source: str, rounds: int = 1):
    fixed = textwrap.dedent(source).removeprefix("\n")
    for _ in range(rounds):
        findings = _findings(fixed)
        assert findings
        fixed, applied = apply_fixes(fixed, findings, unsafe=True)
        assert applied and all(f.fix[0] == "unsafe" for f in applied)
        compile(fixed, "x.py", "exec")
    return fixed


def test_inline_queryset_gets_select_related():
    fixed = _fixed(DJANGO_MODELS + """

def feed():
    for post in Post.objects.filter(published=True):
        print(post.title, post.author.name)
""")
    assert 'for post in Post.objects.filter(published=True).select_related("author"):' in fixed
    assert _findings(fixed) == []


def test_queryset_bound_in_the_function_gets_both_loads_over_two_runs():
    fixed = _fixed(DJANGO_MODELS + """

def feed():
    posts = Post.objects.filter(published=True).order_by("-id")
    for post in posts:
        print(post.author.name, [t.name for t in post.tags.all()])
""", rounds=2)
    assert 'posts = Post.objects.filter(published=True).order_by("-id").select_related("author").prefetch_related("tags")' in fixed \
        or 'posts = Post.objects.filter(published=True).order_by("-id").prefetch_related("tags").select_related("author")' in fixed
    assert _findings(fixed) == []


def test_sqlalchemy_select_gets_options_with_the_imported_loader():
    fixed = _fixed("""
from sqlalchemy import select
from sqlalchemy.orm import Mapped, relationship, selectinload as eager


class Order(Base):
    __tablename__ = "orders"
    lines: Mapped[list["Line"]] = relationship(back_populates="order")


def totals(session):
    for order in session.scalars(select(Order).where(Order.open)):
        yield sum(line.price for line in order.lines)
""")
    assert "session.scalars(select(Order).options(eager(Order.lines)).where(Order.open))" in fixed
    assert _findings(fixed) == []


def test_no_fix_when_the_loader_is_not_imported_the_relation_is_guessed_or_the_query_comes_from_elsewhere():
    source = textwrap.dedent(DJANGO_MODELS + """

def by_param(posts):
    for post in posts:
        print(post.author.name)

def guessed():
    for item in Item.objects.all():
        print(item.owner.name)

def rebound(flag):
    posts = Post.objects.all()
    if flag:
        posts = posts.filter(published=True)
    for post in posts:
        print(post.author.name)
""" + """
from sqlalchemy import select
from sqlalchemy.orm import Mapped, relationship


class Order(Base):
    __tablename__ = "orders"
    lines: Mapped[list["Line"]] = relationship(back_populates="order")


def totals(session):
    for order in session.scalars(select(Order)):
        yield sum(line.price for line in order.lines)
""").removeprefix("\n")
    findings = _findings(source)
    assert len(findings) >= 3 and all(f.fix is None for f in findings), findings
