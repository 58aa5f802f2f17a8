"""BR202 lazy-relation-in-loop: a loop over a query reads a relation of each item it did not load.

The relation (or a deferred column) is then loaded by one query per item, because the query
does not load it eagerly.
"""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.orm.prefetch_guards import prefetch_guarded
from backend_rules.rule import Invalid
from backend_rules.rules.data_access.eager_load_fix import eager_load_fix
from backend_rules.rules.data_access.loop_rule import LoopRule
from backend_rules.rules.data_access.per_item_loops import COMP_NODES
from backend_rules.rules.data_access.response_schemas import analyse_dump, analyse_route
from backend_rules.rules.data_access.serializer_methods import analyse_serializer_method
from backend_rules.rules.data_access.view_serializers import (
    analyse_serializer_call,
    analyse_view,
)


# What the message of a relation guessed from its name says when the rows may not be model rows at all
# (relation_access._judge_relation): the looped objects come from a helper, an object, or an unknown query.
GUESSED = "rows not known to be model rows"


class LazyRelationInLoop(LoopRule):
    """A loop over a queryset touches a relation that is loaded lazily, one query per item.

    ## What it does
    Finds loops (and comprehensions) over a Django queryset or a SQLAlchemy query/result whose body
    touches a relation of each item — `post.author.name`, `post.comments.all()`,
    `post.tags.count()`, a reverse `comment_set` manager, `await post.awaitable_attrs.tags` —
    when the query does not load it eagerly (`select_related`, `prefetch_related`, `Prefetch`,
    `joinedload`, `selectinload`, `subqueryload`, `contains_eager`, `raiseload`, a relationship
    declared with an eager `lazy=` strategy, or a custom QuerySet/Manager method or repository
    helper of the project that adds them). Also loops over a related manager or a relationship
    collection (`for line in order.lines.all()`, `for p in user.projects`), over rows a project
    helper returns, items handed to a project function or serializer that reads their relations
    (`describe(order)` reading `order.customer.name`), columns deferred by
    `only()`/`defer()`/`load_only()` that the loop reads, and DRF `SerializerMethodField`s that
    query per object of a serializer used for lists. Serialisers are loops too: a DRF list view or
    `PostSerializer(posts, many=True)`, a FastAPI/django-ninja route returning rows through a list
    response schema (`response_model=list[PostOut]` with `author: AuthorOut`), a marshmallow
    `PostSchema(many=True).dump(posts)` with `fields.Nested`, read the relations their nested fields
    name from every row. SQLAlchemy 2.0 statements (`session.scalars(select(...))`, rows of an entity
    and values `for user, n in session.execute(select(User, func.count()))`) and SQLModel
    (`session.exec`) included. Relations come from the project's models (every file, not only the
    checked one); for models it cannot find it falls back to conservative name heuristics and says so.

    ## Why is this bad?
    Each lazy relation access is one more query per item: 1 query for the list, N for the
    relation. The code looks innocent (an attribute read) and is fast on small data.

    ## Example
    ```python
    for post in Post.objects.filter(published=True):
        print(post.title, post.author.name)
    ```

    ## Use instead
    ```python
    for post in Post.objects.filter(published=True).select_related("author"):
        print(post.title, post.author.name)
    ```
    Collections: `prefetch_related("comments")` (Django) or `.options(selectinload(Post.comments))`
    (SQLAlchemy, one loader per hop: `joinedload(Sub.org).selectinload(Org.users)`); counts:
    `annotate(Count("comments"))`; the id of a foreign key: `post.author_id`, which needs no query.

    ## Confidence
    HIGH in request-serving code (views, viewsets, serializers, GraphQL resolvers, API handlers,
    template tags, admin callables), MEDIUM in background tasks and code that cannot be placed, LOW
    in management commands and scripts (hidden by default).

    ## Not reported
    Eager-loaded relations, `values()`/`values_list()`/column selections, plain fields and
    `annotate()`d values (`post.title`, `post.author_id`, `post.n_comments`), methods
    (`ct.model_class()`), loops over in-memory data, objects a Django queryset already yielded
    with that relation loaded, SQLAlchemy many-to-ones to the parent the rows are narrowed to (or
    to what belongs to it: the identity map serves them), statements whose loader options cannot
    be read, serializers used only for single objects, and `.filter()` on relations of items whose
    loop is not over a query (BR201 covers explicit queries). Eager loads survive a model method
    that returns its relation's rows (`basket.all_lines()` returning
    `self.lines.select_related("product")`) and a project helper that hands back the query it was
    given with `annotate()`/`filter()` added; the objects `bulk_create()` returns hold the
    relations their constructors were given. Code that runs only when the relation was prefetched
    (`if "teams" in getattr(self, "_prefetched_objects_cache", {})`) is LOW.

    ## Fix safety
    An unsafe fix (`--fix --unsafe-fixes`) adds the load to the loop's query when it is written in
    the loop or bound once to the looped name in the same function: `select_related("rel")` /
    `prefetch_related("rel")` on a Django queryset, `.options(selectinload(Model.rel))` on a
    SQLAlchemy `select()` or before a legacy query's `.all()`. Unsafe: the query changes shape (a
    join, or one more query up front). No fix for relations guessed from names, loaders the
    module does not import, or queries made elsewhere (parameters, helpers, `get_queryset()`).
    """

    CODE = "BR202"
    FIX = "unsafe"
    NAME = "lazy-relation-in-loop"
    MESSAGE = "`{access}` is loaded lazily once per item in this loop; {remedy}"
    CONFIDENCE = "MEDIUM"

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if self.skip:
            return
        if node.decorators:
            for where, message in analyse_route(self, node):
                self.report(where, message)
        if not node.name.value.startswith("get_"):
            return
        for code, where, message in analyse_serializer_method(self, node):
            if code == self.CODE:
                self.report(where, message)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if self.skip:
            return
        for where, message in analyse_view(self, node):
            self.report(where, message)

    def visit_Call(self, node: cst.Call) -> None:
        if self.skip or not node.args:
            return
        message = analyse_serializer_call(self, node) if len(node.args) >= 2 else None
        message = message or analyse_dump(self, node)
        if message:
            self.report(node, message)

    def visit_For(self, node: cst.For) -> None:
        self.depth += 1
        self._loop_report(node)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        parent = self.context.stack[-1] if self.context.stack else None
        if isinstance(parent, COMP_NODES) and parent.for_in is node:
            self._loop_report(parent)

    def _loop_report(self, loop: cst.CSTNode) -> None:
        self._loop = loop  # findings of this loop offer to eager-load on its query (eager_load_fix)
        self.report_loop(loop)
        self._loop = None

    def report(self, node, message=None, **fields) -> None:
        loop = self.__dict__.get("_loop")
        fix = eager_load_fix(self.context, loop, message) if loop is not None and message else None
        if prefetch_guarded(self.context.stack):
            fields["confidence"] = "LOW"  # runs only when the caller prefetched the relation
        if message and GUESSED in message:
            fields["confidence"] = "LOW"  # a relation guessed from a name on objects that may be no model's rows
        super().report(node, message, fix=fields.pop("fix", None) or fix, **fields)

    VALID = [
        """
        def titles():
            return [p.title for p in Post.objects.filter(published=True)]
        """,
        # near miss: the relation is eager-loaded
        """
        def feed():
            for post in Post.objects.select_related("author").prefetch_related("tags"):
                print(post.author.name, [t.name for t in post.tags.all()])
        """,
        # aliased SQLAlchemy loader
        """
        from sqlalchemy.orm import selectinload as eager

        def orders(session):
            for order in session.scalars(select(Order).options(eager(Order.lines))):
                total = sum(line.price for line in order.lines)
        """,
        # the id of the foreign key needs no query; values() rows are dicts
        """
        def ids():
            for post in Post.objects.all():
                print(post.author_id)
            for row in Post.objects.values("author__name"):
                print(row["author__name"])
        """,
        # a loop over in-memory data
        """
        def render(rows):
            for row in [{"author": {"name": "a"}}]:
                print(row.author.name)
        """,
        # annotations are loaded with the rows; a method is not a relation
        """
        from django.db.models import Count as C

        def flapping():
            for check in Check.objects.only("name").annotate(num_flips=C("flip")):
                print(check.num_flips, check.get_status())
        """,
        # objects built in memory: bulk_create() hands them back with the team they were given
        """
        def invite(team, emails):
            for inv in Invite.objects.bulk_create(Invite(team=team, email=e) for e in emails):
                print(inv.team.name)
        """,
    ]
    INVALID = [
        Invalid(
            """
            def feed():
                for post in Post.objects.filter(published=True):
                    print(post.title, post.author.name)
            """,
            line=3, column=27, message='select_related("author")',
        ),
        # the queryset comes from a variable; reverse manager count
        Invalid(
            """
            from django.db import models as m

            class Post(m.Model):
                title = m.CharField(max_length=100)

            class Comment(m.Model):
                post = m.ForeignKey(Post, on_delete=m.CASCADE, related_name="comments")

            def stats():
                posts = Post.objects.order_by("-id")
                return {p.id: p.comments.count() for p in posts}
            """,
            line=11, message='annotate(Count("comments"))',
            expected="""
            from django.db import models as m

            class Post(m.Model):
                title = m.CharField(max_length=100)

            class Comment(m.Model):
                post = m.ForeignKey(Post, on_delete=m.CASCADE, related_name="comments")

            def stats():
                posts = Post.objects.order_by("-id").prefetch_related("comments")
                return {p.id: p.comments.count() for p in posts}
            """,
        ),
        # the guide's Example 5 (Flask-SQLAlchemy)
        Invalid(
            """
            def get_posts_with_authors():
                posts = Post.query.all()
                result = []
                for post in posts:
                    result.append({"title": post.title, "author_name": post.author.name})
                return result
            """,
            line=5, message="joinedload(Post.author)",
        ),
        Invalid(
            """
            from sqlalchemy import select
            from sqlalchemy.orm import Mapped, relationship

            class Order(Base):
                __tablename__ = "orders"
                lines: Mapped[list["Line"]] = relationship(back_populates="order")

            def totals(session):
                for order in session.scalars(select(Order)):
                    yield sum(line.price for line in order.lines)
            """,
            line=10, message="selectinload(Order.lines)",
        ),
        # a related manager's rows, and a helper that reads a relation of each item
        Invalid(
            """
            from django.db import models

            class Order(models.Model):
                number = models.CharField(max_length=10)

            class OrderLine(models.Model):
                order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
                variant = models.ForeignKey("Variant", on_delete=models.CASCADE)

            def label(line):
                return line.variant.sku

            def skus(order):
                return [label(line) for line in order.lines.all()]
            """,
            line=14, column=13, message="through `label()`",
        ),
    ]
