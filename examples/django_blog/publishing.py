"""Publishing tools and a read API. Each anti-pattern (marked ``expect``) sits beside its fixed twin."""

from django.db import transaction
from django.http import JsonResponse
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from .models import Post


class PostSerializer(serializers.ModelSerializer):
    class Meta:
        model = Post
        fields = ["id", "title", "published"]


# --- a list endpoint without pagination ------------------------------------------------------

class PostFeedUnpaged(generics.ListAPIView):  # expect: BR203
    queryset = Post.objects.filter(published=True).order_by("-id")
    serializer_class = PostSerializer
    pagination_class = None


class PostFeed(generics.ListAPIView):
    queryset = Post.objects.filter(published=True).order_by("-id")
    serializer_class = PostSerializer
    pagination_class = PageNumberPagination


# --- a page size the client chooses --------------------------------------------------------

class OpenPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"  # expect: BR203


class CappedPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


# --- titles of the latest posts ----------------------------------------------------------

def titles_unbounded(request):
    titles = list(Post.objects.filter(published=True).values_list("title", flat=True))  # expect: BR203
    return JsonResponse({"titles": titles})


def titles(request):
    titles = list(Post.objects.filter(published=True).order_by("-id").values_list("title", flat=True)[:50])
    return JsonResponse({"titles": titles})


# --- publishing drafts: one transaction per post -------------------------------------------

def publish_all_slow(request):
    for post in Post.objects.filter(published=False):
        post.published = True
        post.save(update_fields=["published"])  # expect: BR204


def publish_all(request):
    drafts = list(Post.objects.filter(published=False))
    with transaction.atomic():
        for post in drafts:
            post.published = True
        Post.objects.bulk_update(drafts, ["published"])
