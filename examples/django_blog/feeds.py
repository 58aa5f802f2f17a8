"""Blog feeds: N+1 queries hidden behind helpers, related managers and query helpers, each beside its fix.

The two site-wide feeds return every published post unpaginated (BR203) in both versions.
"""

from django.http import JsonResponse

from .models import Author, Comment, Post


def byline(post):
    return f"{post.title} by {post.author.display_name}"


# --- a helper that reads a relation of each post ------------------------------------------

def feed_slow(request):
    return JsonResponse({"items": [byline(p) for p in Post.objects.filter(published=True)]})  # expect: BR202, BR203


def feed(request):
    posts = Post.objects.filter(published=True).select_related("author")  # expect: BR203
    return JsonResponse({"items": [byline(p) for p in posts]})


# --- the posts of one author, and their comments -----------------------------------------

def author_page_slow(request, author_id):
    author = Author.objects.get(pk=author_id)
    return JsonResponse({
        post.title: [c.text for c in post.comments.all()]  # expect: BR202
        for post in author.posts.all()
    })


def author_page(request, author_id):
    author = Author.objects.get(pk=author_id)
    return JsonResponse({
        post.title: [c.text for c in post.comments.all()]
        for post in author.posts.prefetch_related("comments")
    })


# --- one query per id, also with an __in lookup -------------------------------------------

def moderation_slow(request, post_ids, names):
    counts = {}
    for name in names:
        counts[name] = Comment.objects.filter(post_id__in=post_ids, author_name=name).count()  # expect: BR201
    return JsonResponse(counts)


def moderation(request, post_ids, names):
    rows = Comment.objects.filter(post_id__in=post_ids, author_name__in=names).values("author_name")
    counts = {name: 0 for name in names}
    for row in rows:
        counts[row["author_name"]] += 1
    return JsonResponse(counts)
