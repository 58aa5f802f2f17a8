"""BR203 unbounded-query: list endpoints returning every row, client-chosen sizes without a cap,
DRF/Django list views and pagination classes without limits."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config


def found(code: str, path: str = "app/views.py", project=None) -> list[tuple[int, str]]:
    """(line, confidence) of every BR203 finding, LOW included."""
    config = Config(select=("BR203",), min_confidence="LOW")
    source = textwrap.dedent(code).removeprefix("\n")
    return [(f.line, f.confidence) for f in check_source(source, path, config, project_loader=lambda: project)]


def shown(code: str, path: str = "app/views.py", project=None) -> list[int]:
    """Lines reported at the default confidence (MEDIUM and up)."""
    return [line for line, confidence in found(code, path, project) if confidence != "LOW"]


def marked(code: str) -> list[int]:
    code = textwrap.dedent(code).removeprefix("\n")
    return [i for i, text in enumerate(code.splitlines(), 1) if text.rstrip().endswith("# here")]


class Settings:
    """A project index with one Django settings module."""

    root = "/nowhere"
    modules: dict = {}

    def __init__(self, facts):
        self._facts = facts

    def facts(self, name):
        return {"proj.settings": self._facts} if name == "django_settings" else {}


NO_PAGINATION = Settings({"installed_apps": True, "rest_framework": True})
DEFAULT_PAGINATION = Settings({"installed_apps": True, "rest_framework": True, "pagination": "x.Pagination"})


POSITIVES = {
    "flask-jsonify-comprehension": """
        from flask import Blueprint, jsonify

        bp = Blueprint("api", __name__)

        @bp.route("/products")
        def products():
            return jsonify([p.to_dict() for p in Order.query.all()])  # here
        """,
    "flask-append-loop": """
        from flask import jsonify

        @app.get("/api/customers")
        def customers():
            rows = Customer.query.order_by(Customer.name).all()  # here
            out = []
            for row in rows:
                out.append(row.to_dict())
            return jsonify(out)
        """,
    "flask-sqlalchemy-2-select": """
        from flask import jsonify
        from sqlalchemy import select

        @app.route("/api/invoices", methods=["GET"])
        def invoices():
            stmt = select(Invoice).order_by(Invoice.created_at.desc())
            items = db.session.scalars(stmt).all()  # here
            return jsonify([i.serialize() for i in items])
        """,
    "flask-restful-resource": """
        from flask_restful import Resource

        class TodoList(Resource):
            def get(self):
                return [t.as_dict() for t in Todo.query.filter_by(done=False).all()]  # here
        """,
    "fastapi-sync-session-query": """
        from fastapi import APIRouter, Depends
        from sqlalchemy.orm import Session

        router = APIRouter()

        @router.get("/users", response_model=list[UserOut])
        def read_users(db: Session = Depends(get_db)):
            return db.query(User).all()  # here
        """,
    "fastapi-async-statement-in-variable": """
        from fastapi import APIRouter, Depends
        from sqlalchemy import select

        router = APIRouter()

        @router.get("/posts")
        async def list_posts(session=Depends(get_session)):
            stmt = select(Post).where(Post.published.is_(True))
            result = await session.execute(stmt)
            return result.scalars().all()  # here
        """,
    "django-fbv-render": """
        from django.shortcuts import render

        def order_list(request):
            orders = Order.objects.select_related("customer").order_by("-created")  # here
            return render(request, "orders/list.html", {"orders": orders})
        """,
    "django-jsonresponse-values": """
        from django.http import JsonResponse

        def api_articles(request):
            data = list(Article.objects.filter(status="published").values("id", "title"))  # here
            return JsonResponse(data, safe=False)
        """,
    "django-search-results": """
        from django.http import JsonResponse

        def search(request):
            q = request.GET.get("q", "")
            hits = Post.objects.filter(title__icontains=q)  # here
            return JsonResponse({"results": [b.title for b in hits]})
        """,
    "drf-apiview-many": """
        from rest_framework.views import APIView
        from rest_framework.response import Response

        class TransactionList(APIView):
            def get(self, request):
                transactions = Transaction.objects.all()  # here
                serializer = TransactionSerializer(transactions, many=True)
                return Response(serializer.data)
        """,
    "drf-api-view-decorator": """
        from rest_framework.decorators import api_view
        from rest_framework.response import Response

        @api_view(["GET"])
        def events(request):
            return Response(EventSerializer(Event.objects.all(), many=True).data)  # here
        """,
    "drf-action-detail-false": """
        from rest_framework import viewsets
        from rest_framework.decorators import action
        from rest_framework.response import Response

        class TicketViewSet(viewsets.ModelViewSet):
            queryset = Ticket.objects.all()
            serializer_class = TicketSerializer

            @action(detail=False)
            def open(self, request):
                tickets = self.get_queryset().filter(state="open")  # here
                return Response(self.get_serializer(tickets, many=True).data)
        """,
    "aiohttp-handler": """
        from aiohttp import web

        async def list_devices(request):
            async with request.app["db"].acquire() as conn:
                rows = await conn.fetch("SELECT * FROM messages ORDER BY id")  # here
            return web.json_response([dict(r) for r in rows])
        """,
    "dbapi-fetchall": """
        from flask import jsonify

        @app.get("/api/logs")
        def logs():
            cur = get_db().cursor()
            cur.execute("SELECT id, message, created FROM logs ORDER BY created DESC")
            return jsonify(cur.fetchall())  # here
        """,
    "graphene-list-field": """
        import graphene

        class Query(graphene.ObjectType):
            all_orders = graphene.List(OrderType)

            def resolve_all_orders(root, info):
                return Order.objects.all()  # here
        """,
    "strawberry-field": """
        import strawberry

        @strawberry.type
        class Query:
            @strawberry.field
            def books(self) -> list[Book]:
                return list(ReviewModel.objects.all())  # here
        """,
}


@pytest.mark.parametrize("name", sorted(POSITIVES))
def test_reports_list_endpoints_returning_every_row(name):
    assert shown(POSITIVES[name]) == marked(POSITIVES[name])


CLIENT_LIMITS = {
    "flask-args-int": """
        from flask import request

        @bp.get("/events")
        def events():
            limit = int(request.args.get("limit", 50))  # here
            return {"items": [e.to_dict() for e in Event.query.limit(limit).all()]}
        """,
    "flask-args-type-int-paginate": """
        from flask import request

        @bp.get("/users")
        def users():
            page = request.args.get("page", 1, type=int)
            per_page = request.args.get("per_page", 20, type=int)  # here
            result = User.query.paginate(page=page, per_page=per_page)
            return {"items": [u.to_dict() for u in result.items]}
        """,
    "django-slice": """
        from django.http import JsonResponse

        def latest(request):
            n = int(request.GET.get("n", 10))  # here
            return JsonResponse({"items": list(Post.objects.order_by("-id").values()[:n])})
        """,
    "drf-query-params-offset-slice": """
        from rest_framework.views import APIView
        from rest_framework.response import Response

        class Feed(APIView):
            def get(self, request):
                offset = int(request.query_params.get("offset", 0))
                limit = int(request.query_params.get("limit", 20))  # here
                items = Item.objects.order_by("-id")[offset:offset + limit]
                return Response(ItemSerializer(items, many=True).data)
        """,
    "django-paginator-page-size": """
        from django.core.paginator import Paginator
        from django.shortcuts import render

        def articles(request):
            size = request.GET.get("page_size", 25)  # here
            paginator = Paginator(Article.objects.all(), size)
            return render(request, "a.html", {"page": paginator.get_page(request.GET.get("page"))})
        """,
    "fastapi-int-param": """
        from fastapi import APIRouter

        router = APIRouter()

        @router.get("/items")
        def read_items(skip: int = 0, limit: int = 100, db=Depends(get_db)):  # here
            return db.query(Item).offset(skip).limit(limit).all()
        """,
    "fastapi-param-to-crud-helper": """
        from fastapi import APIRouter, Query

        router = APIRouter()

        @router.get("/items")
        def read_items(skip: int = 0, limit: int = Query(100), db=Depends(get_db)):  # here
            return crud.get_items(db, skip=skip, limit=limit)
        """,
    "aiohttp-query": """
        async def history(request):
            limit = int(request.query.get("limit", "100"))  # here
            rows = await request.app["pool"].fetch("SELECT * FROM h ORDER BY ts DESC LIMIT $1", limit)
            return web.json_response([dict(r) for r in rows], limit=limit)
        """,
}


@pytest.mark.parametrize("name", sorted(CLIENT_LIMITS))
def test_reports_client_chosen_sizes_without_a_cap(name):
    assert shown(CLIENT_LIMITS[name]) == marked(CLIENT_LIMITS[name])


NEGATIVES = {
    "paginated-flask": """
        from flask import request, jsonify

        @bp.get("/users")
        def users():
            per_page = min(request.args.get("per_page", 20, type=int), 100)
            page = User.query.order_by(User.id).paginate(per_page=per_page)
            return jsonify([u.to_dict() for u in page.items])
        """,
    "paginated-max-per-page": """
        from flask import request

        @bp.get("/users")
        def users():
            per_page = request.args.get("per_page", 20, type=int)
            page = User.query.paginate(per_page=per_page, max_per_page=100)
            return {"items": [u.to_dict() for u in page.items]}
        """,
    "validated-limit": """
        from flask import abort, request

        @bp.get("/events")
        def events():
            limit = int(request.args.get("limit", 50))
            if limit < 1 or limit > 500:
                abort(400)
            return {"items": [e.to_dict() for e in Event.query.limit(limit).all()]}
        """,
    "clamped-after-read": """
        from flask import request

        @bp.get("/events")
        def events():
            limit = int(request.args.get("limit", 50))
            limit = max(1, min(limit, 200))
            return {"items": [e.to_dict() for e in Event.query.limit(limit).all()]}
        """,
    "fastapi-query-le": """
        from typing import Annotated
        from fastapi import APIRouter, Query

        router = APIRouter()

        @router.get("/items")
        def read_items(limit: int = Query(50, le=200), db=Depends(get_db)):
            return db.query(Item).limit(limit).all()

        @router.get("/things")
        def things(limit: Annotated[int, Query(ge=1, le=100)] = 20, db=Depends(get_db)):
            return db.query(Thing).limit(limit).all()
        """,
    "single-object-and-relations": """
        from django.shortcuts import get_object_or_404, render

        def order_detail(request, pk):
            order = get_object_or_404(Order, pk=pk)
            return render(request, "o.html", {"order": order, "lines": order.lines.all(), "url": order.get_absolute_url()})
        """,
    "counts-and-aggregates": """
        from flask import jsonify

        @app.get("/stats")
        def stats():
            return jsonify({"users": User.query.count(), "orders": len(Order.query.all()),
                            "open": Order.query.filter_by(open=True).count()})
        """,
    "sliced-queryset": """
        from django.shortcuts import render

        def home(request):
            return render(request, "home.html", {"latest": Post.objects.order_by("-created")[:10]})
        """,
    "limited-select": """
        from fastapi import APIRouter

        router = APIRouter()

        @router.get("/latest")
        async def latest(session=Depends(get_session)):
            result = await session.execute(select(Post).order_by(Post.id.desc()).limit(20))
            return result.scalars().all()
        """,
    "django-paginator": """
        from django.core.paginator import Paginator
        from django.shortcuts import render

        def articles(request):
            paginator = Paginator(Article.objects.all(), 25)
            page = paginator.get_page(request.GET.get("page"))
            return render(request, "a.html", {"page": page})
        """,
    "drf-fallback-branch": """
        from rest_framework import viewsets
        from rest_framework.response import Response

        class ItemViewSet(viewsets.GenericViewSet):
            def list(self, request):
                queryset = self.filter_queryset(self.get_queryset())
                page = self.paginate_queryset(queryset)
                if page is not None:
                    return self.get_paginated_response(self.get_serializer(page, many=True).data)
                return Response(self.get_serializer(queryset, many=True).data)
        """,
    "post-route": """
        @app.post("/import")
        def do_import():
            return jsonify([u.to_dict() for u in User.query.all()])

        @app.route("/sync", methods=["POST"])
        def sync():
            return jsonify([u.to_dict() for u in User.query.all()])
        """,
    "not-an-endpoint": """
        def all_active_users():
            return User.query.filter_by(active=True).all()

        def get_visible_pages(request):
            return Page.objects.filter(live=True)
        """,
    "csv-export-writes-rows": """
        import csv
        from django.http import HttpResponse

        def export_orders(request):
            response = HttpResponse(content_type="text/csv")
            writer = csv.writer(response)
            for order in Order.objects.all():
                writer.writerow([order.id, order.total])
            return response
        """,
    "raw-sql-with-limit": """
        from flask import jsonify

        @app.get("/api/logs")
        def logs():
            cur = get_db().cursor()
            cur.execute("SELECT id, message FROM logs ORDER BY id DESC LIMIT 100")
            return jsonify(cur.fetchall())
        """,
    "graphene-connection-field": """
        import graphene
        from graphene_django.filter import DjangoFilterConnectionField

        class Query(graphene.ObjectType):
            all_orders = DjangoFilterConnectionField(OrderNode)
            order = graphene.Field(OrderType, id=graphene.ID())

            def resolve_all_orders(root, info, **kwargs):
                return Order.objects.all()

            def resolve_order(root, info, id):
                return Order.objects.filter(pk=id)
        """,
    "graphql-helper-module-function": """
        def resolve_products(info, channel_slug):
            return Product.objects.using("replica").all()
        """,
    "empty-queryset": """
        from django.http import JsonResponse

        def nothing(request):
            return JsonResponse(list(Item.objects.none().values()), safe=False)
        """,
    "route-param-size-unused-as-size": """
        @router.get("/avatar")
        def avatar(size: int = 64):
            return render_avatar(size=size)
        """,
    "project-paginate-helper": """
        from flask import request

        @bp.get("/queries")
        def queries():
            page = request.args.get("page", 1, type=int)
            page_size = request.args.get("page_size", 25, type=int)
            return paginate(Query.query.filter_by(archived=False), page, page_size, serialize_query)
        """,
    "in-tests": """
        @app.get("/users")
        def users():
            return jsonify([u.to_dict() for u in User.query.all()])
        """,
}


@pytest.mark.parametrize("name", sorted(NEGATIVES))
def test_bounded_single_and_non_endpoint_code_is_quiet(name):
    path = "tests/test_views.py" if name == "in-tests" else "app/views.py"
    assert found(NEGATIVES[name], path) == []


LOW_ONLY = {
    "lookup-table": """
        from django.http import JsonResponse

        def country_list(request):
            return JsonResponse(list(Country.objects.values("code", "name")), safe=False)
        """,
    "owned-by-current-user": """
        from flask_login import current_user

        @app.get("/my/addresses")
        def my_addresses():
            return jsonify([a.to_dict() for a in Address.query.filter_by(user_id=current_user.id).all()])
        """,
    "django-request-user": """
        from django.shortcuts import render

        def my_orders(request):
            return render(request, "o.html", {"orders": Order.objects.filter(customer=request.user)})
        """,
    "parent-from-path": """
        @app.get("/projects/<int:project_id>/tasks")
        def tasks(project_id):
            return jsonify([t.to_dict() for t in Task.query.filter_by(project_id=project_id).all()])
        """,
    "parent-object-fetched-first": """
        from django.shortcuts import get_object_or_404, render

        def post_comments(request, slug):
            post = get_object_or_404(Post, slug=slug)
            comments = Comment.objects.filter(post=post, approved=True)
            return render(request, "c.html", {"comments": comments})
        """,
    "distinct-values": """
        from django.http import JsonResponse

        def cities(request):
            return JsonResponse(list(Store.objects.values_list("city", flat=True).distinct()), safe=False)
        """,
    "grouped-rows": """
        from django.http import JsonResponse

        def per_status(request):
            return JsonResponse(list(Order.objects.values("status").annotate(n=Count("id"))), safe=False)
        """,
    "export-endpoint": """
        from django.http import JsonResponse

        def export_products_json(request):
            return JsonResponse(list(Product.objects.values()), safe=False)
        """,
}


@pytest.mark.parametrize("name", sorted(LOW_ONLY))
def test_small_lists_are_low_confidence(name):
    results = found(LOW_ONLY[name])
    assert results and all(confidence == "LOW" for _, confidence in results), results


def test_confidence_levels():
    assert found(POSITIVES["flask-jsonify-comprehension"]) == [(7, "HIGH")]
    assert found(POSITIVES["django-search-results"]) == [(5, "MEDIUM")]
    assert found(CLIENT_LIMITS["flask-args-int"]) == [(5, "HIGH")]
    assert found(CLIENT_LIMITS["fastapi-int-param"]) == [(6, "MEDIUM")]


def test_a_project_helper_between_query_and_response_lowers_confidence():
    code = """
        @app.get("/api/orders")
        def orders():
            return jsonify(build_payload(Order.query.all()))
        """
    assert found(code) == [(3, "LOW")]


DRF_VIEW = """
    from rest_framework import generics

    class OrderList(generics.ListAPIView):
        queryset = Order.objects.all()
        serializer_class = OrderSerializer
    """


def test_drf_list_view_depends_on_default_pagination():
    assert found(DRF_VIEW, project=NO_PAGINATION) == [(3, "MEDIUM")]
    assert found(DRF_VIEW, project=DEFAULT_PAGINATION) == []
    assert found(DRF_VIEW, project=None) == [(3, "LOW")]  # settings unseen


def test_drf_explicitly_unpaginated_view():
    code = DRF_VIEW + "    pagination_class = None\n"
    assert found(code, project=DEFAULT_PAGINATION) == [(3, "HIGH")]
    lookup = code.replace("Order", "OrderStatus")
    assert found(lookup, project=DEFAULT_PAGINATION) == [(3, "LOW")]


def test_drf_view_scoped_to_the_user_is_low():
    code = """
        from rest_framework import viewsets

        class NoteViewSet(viewsets.ModelViewSet):
            serializer_class = NoteSerializer
            pagination_class = None

            def get_queryset(self):
                return Note.objects.filter(owner=self.request.user)
        """
    assert found(code) == [(3, "LOW")]


def test_drf_view_with_own_list_is_analysed_as_a_function():
    code = """
        from rest_framework import viewsets
        from rest_framework.response import Response

        class TagViewSet(viewsets.ReadOnlyModelViewSet):
            queryset = Article.objects.all()

            def list(self, request):
                return Response(ArticleSerializer(self.queryset, many=True).data)
        """
    assert shown(code, project=NO_PAGINATION) == [8]


def test_a_non_drf_model_view_set_is_not_a_drf_view():
    code = """
        from wagtail.admin.viewsets.model import ModelViewSet

        class SiteViewSet(ModelViewSet):
            model = Site
        """
    assert found(code, project=NO_PAGINATION) == []


PAGINATION_CLASSES = """
    from rest_framework.pagination import LimitOffsetPagination, PageNumberPagination

    class Flexible(PageNumberPagination):
        page_size = 50
        page_size_query_param = "size"

    class Capped(PageNumberPagination):
        page_size = 50
        page_size_query_param = "size"
        max_page_size = 200

    class Open(LimitOffsetPagination):
        default_limit = 50

    class Closed(LimitOffsetPagination):
        max_limit = 500

    class Fixed(PageNumberPagination):
        page_size = 50
    """


def test_pagination_classes_that_let_the_client_choose():
    assert found(PAGINATION_CLASSES) == [(5, "HIGH"), (12, "MEDIUM")]


def test_django_list_view_without_paginate_by():
    code = """
        from django.views.generic import ListView

        class OrderListView(ListView):
            model = Order

        class PagedOrders(ListView):
            model = Order
            paginate_by = 30

        class CategoryList(ListView):
            model = Category

        class ProductClassListView(ListView):
            model = ProductClass
        """
    assert found(code) == [(3, "MEDIUM"), (10, "LOW"), (13, "LOW")]


MORE_POSITIVES = {
    "context-dict-filled-later": """
        from django.shortcuts import render

        def dashboard(request):
            context = {"title": "Orders"}
            context["orders"] = Order.objects.order_by("-created")  # here
            return render(request, "dashboard.html", context)
        """,
    "get-context-data": """
        from django.views.generic import TemplateView

        class Dashboard(TemplateView):
            template_name = "d.html"

            def get_context_data(self, **kwargs):
                context = super().get_context_data(**kwargs)
                context["invoices"] = Invoice.objects.all()  # here
                return context
        """,
    "same-module-helper": """
        from flask import jsonify

        def all_products():
            return Order.query.order_by(Order.name).all()  # here

        @app.get("/products")
        def products():
            return jsonify([p.to_dict() for p in all_products()])
        """,
    "marshmallow-many-schema": """
        from flask import jsonify

        users_schema = UserSchema(many=True)

        @app.get("/users")
        def users():
            all_users = User.query.all()  # here
            return jsonify(users_schema.dump(all_users))
        """,
}


@pytest.mark.parametrize("name", sorted(MORE_POSITIVES))
def test_more_ways_of_returning_every_row(name):
    assert shown(MORE_POSITIVES[name]) == marked(MORE_POSITIVES[name])


def test_the_views_own_queryset_decides_the_scope():
    scoped = """
        from rest_framework import viewsets
        from rest_framework.decorators import action
        from rest_framework.response import Response

        class NoteViewSet(viewsets.ModelViewSet):
            def get_queryset(self):
                return Note.objects.filter(owner=self.request.user)

            @action(detail=False)
            def pinned(self, request):
                return Response(NoteSerializer(self.get_queryset().filter(pinned=True), many=True).data)
        """
    assert found(scoped) == [(5, "LOW"), (11, "LOW")]  # the class itself: settings unseen
    inherited = """
        from django.views.generic import TemplateView

        class BuildList(ProjectBuildsMixin, TemplateView):
            def get_context_data(self, **kwargs):
                context = super().get_context_data(**kwargs)
                context["active"] = self.get_queryset().exclude(state="finished")
                return context
        """
    assert found(inherited) == [(6, "LOW")]  # the queryset lives in a base class this file does not show


def test_exports_reached_through_a_helper_are_low():
    code = """
        from django.views.generic import View

        class ObjectList(View):
            queryset = Device.objects.all()

            def export_template(self, template):
                return template.render_to_response(queryset=self.queryset)

            def get(self, request):
                return self.export_template(request.GET["template"])
        """
    assert found(code) == [(7, "LOW")]


OTHER_STORES = {
    "sqlmodel-exec": """
        from fastapi import APIRouter
        from sqlmodel import Session, select

        router = APIRouter()

        @router.get("/heroes")
        def read_heroes(session: Session = Depends(get_session)):
            return session.exec(select(HeroComment)).all()  # here
        """,
    "pymongo-find": """
        from flask import jsonify

        @app.get("/api/products")
        def products():
            docs = list(mongo.db.orders.find({}, {"_id": 0}))  # here
            return jsonify(docs)
        """,
    "motor-to-list-none": """
        from fastapi import APIRouter

        router = APIRouter()

        @router.get("/events")
        async def events(request: Request):
            return await request.app.state.db.events.find().to_list(None)  # here
        """,
    "peewee-select": """
        import peewee
        from flask import jsonify

        @app.route("/notes")
        def notes():
            return jsonify([n.to_dict() for n in Note.select().order_by(Note.created)])  # here
        """,
    "tortoise-all": """
        from tortoise.models import Model

        @router.get("/tournaments")
        async def tournaments():
            return await TournamentResult.all()  # here
        """,
}


@pytest.mark.parametrize("name", sorted(OTHER_STORES))
def test_other_stores_returning_everything(name):
    assert shown(OTHER_STORES[name]) == marked(OTHER_STORES[name])


def test_bounded_or_scoped_documents_are_quiet():
    code = """
        from flask import jsonify

        @app.get("/api/products")
        def products():
            first = list(mongo.db.products.find().limit(50))
            mine = list(mongo.db.orders.find({"user_id": current_user.id}))
            page = await db.events.find().to_list(100)
            where = "a,b".find(",")
            return jsonify({"first": first, "mine": mine, "page": page, "where": where})
        """
    assert shown(code) == []


def test_a_base_whose_get_queryset_returns_a_relation_is_scoped():
    code = """
        from django.views.generic import FormView

        class ProjectUsersMixin:
            def get_queryset(self):
                project = self.get_project()
                return project.users.all()

        class ProjectUsersList(ProjectUsersMixin, FormView):
            def get_context_data(self, **kwargs):
                context = super().get_context_data(**kwargs)
                context["users"] = self.get_queryset()
                return context
        """
    assert found(code) == [(11, "LOW")]


# --- tables that grow with use (fresh projects: flaskbb, django-oscar) --------------------------

GROWTH_MODELS = """
from django.db import models
from django.conf import settings

class Forum(models.Model):
    title = models.CharField(max_length=80)
    position = models.IntegerField()
    last_post_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)

class ShippingMethod(models.Model):
    name = models.CharField(max_length=80)

class Thing(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

class Sample(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
"""


def test_curated_tables_are_low_and_tables_that_grow_stay_shown():
    code = GROWTH_MODELS + textwrap.dedent("""
        from django.http import JsonResponse

        def forums(request):
            return JsonResponse(list(Forum.objects.values()), safe=False)

        def methods(request):
            return JsonResponse(list(ShippingMethod.objects.values()), safe=False)

        def plugins(request):
            return JsonResponse(list(PluginRegistry.objects.values()), safe=False)

        def things(request):
            return JsonResponse(list(Thing.objects.values()), safe=False)

        def samples(request):
            return JsonResponse(list(Sample.objects.values()), safe=False)

        def events(request):
            return JsonResponse(list(AuditEvent.objects.values()), safe=False)
    """)
    offset = GROWTH_MODELS.count("\n")
    got = [(line - offset, level) for line, level in found(code)]
    assert got == [(4, "LOW"), (7, "LOW"), (10, "LOW"), (13, "HIGH"), (16, "HIGH"), (19, "HIGH")]


def test_views_only_administrators_reach_are_low():
    code = """
        from django.http import JsonResponse
        from django.contrib.admin.views.decorators import staff_member_required

        @staff_member_required
        def all_comments(request):
            return JsonResponse(list(Comment.objects.values()), safe=False)

        def public_comments(request):
            return JsonResponse(list(Comment.objects.values()), safe=False)
        """
    assert found(code) == [(6, "LOW"), (9, "HIGH")]
    assert found(code, "app/admin/views.py") == [(6, "LOW"), (9, "LOW")]


def test_limit_offset_paginator_of_lists_in_memory_is_low():
    code = """
        from rest_framework.pagination import LimitOffsetPagination

        class ListPagination(LimitOffsetPagination):
            def paginate_list(self, data, request):
                return data[:self.get_limit(request)]

        class OpenPagination(LimitOffsetPagination):
            default_limit = 50
        """
    assert found(code) == [(3, "LOW"), (7, "MEDIUM")]


def test_a_lookup_by_a_list_of_keys_is_bounded_by_the_keys():
    """bookwyrm: the authors a form named (filter(id__in=author_ids)) are as many as the keys given."""
    code = """
        from django.db import models
        from django.template.response import TemplateResponse


        class Comment(models.Model):
            author = models.ForeignKey("auth.User", on_delete=models.CASCADE)
            created_at = models.DateTimeField()


        def chosen(request):
            ids = request.POST.getlist("ids")
            data = {"comments": Comment.objects.filter({lookup}=ids).all()}
            return TemplateResponse(request, "edit.html", data)
        """
    assert [c for _, c in found(code.replace("{lookup}", "id__in"))] == ["LOW"]
    assert [c for _, c in found(code.replace("{lookup}", "author__pk__in"))] == ["LOW"]
    assert shown(code.replace("{lookup}", "created_at__year__in")) != []
