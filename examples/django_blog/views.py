"""Blog views: each N+1 anti-pattern is followed by its fixed twin.

The views return every published post without pagination, so each also shows BR203
(unbounded-query); ``publishing.py`` has the paginated versions.
"""

from django.db.models import Count, Prefetch
from django.http import JsonResponse

from .models import Author, Comment, Post, Tag


# --- author of each post -------------------------------------------------------------------

def post_list_slow(request):
    posts = Post.objects.filter(published=True)  # expect: BR203
    return JsonResponse({"posts": [
        {"title": p.title, "author": p.author.display_name}  # expect: BR202
        for p in posts
    ]})


def post_list(request):
    posts = Post.objects.filter(published=True).select_related("author")  # expect: BR203
    return JsonResponse({"posts": [
        {"title": p.title, "author": p.author.display_name}
        for p in posts
    ]})


# --- tags and comment counts ---------------------------------------------------------------

def post_cards_slow(request):
    cards = []
    for post in Post.objects.order_by("-id")[:20]:
        cards.append({
            "title": post.title,
            "tags": [t.name for t in post.tags.all()],  # expect: BR202
            "comments": post.comments.count(),  # expect: BR202
        })
    return JsonResponse({"cards": cards})


def post_cards(request):
    cards = []
    posts = Post.objects.order_by("-id").prefetch_related("tags").annotate(n_comments=Count("comments"))
    for post in posts[:20]:
        cards.append({
            "title": post.title,
            "tags": [t.name for t in post.tags.all()],
            "comments": post.n_comments,
        })
    return JsonResponse({"cards": cards})


# --- approved comments per post ------------------------------------------------------------

def moderation_slow(request):
    posts = Post.objects.prefetch_related("comments")  # expect: BR203
    return JsonResponse({
        p.title: [c.text for c in p.comments.filter(approved=True)]  # expect: BR202
        for p in posts
    })


def moderation(request):
    approved = Prefetch("comments", queryset=Comment.objects.filter(approved=True), to_attr="approved")
    posts = Post.objects.prefetch_related(approved)  # expect: BR203
    return JsonResponse({p.title: [c.text for c in p.approved] for p in posts})


# --- a property that queries, read per post --------------------------------------------------

def leaderboard_slow(request):
    return JsonResponse({p.title: p.approved_comment_count for p in Post.objects.all()})  # expect: BR201, BR203


def leaderboard(request):
    posts = Post.objects.annotate(n=Count("comments", filter=models_q_approved()))  # expect: BR203
    return JsonResponse({p.title: p.n for p in posts})


def models_q_approved():
    from django.db.models import Q

    return Q(comments__approved=True)


# --- one query per id ----------------------------------------------------------------------

def tag_names_slow(request):
    ids = [int(i) for i in request.GET.getlist("tag")]
    names = []
    for tag_id in ids:
        names.append(Tag.objects.get(pk=tag_id).name)  # expect: BR201
    return JsonResponse({"tags": names})


def tag_names(request):
    ids = [int(i) for i in request.GET.getlist("tag")]
    tags = Tag.objects.in_bulk(ids)
    return JsonResponse({"tags": [tags[i].name for i in ids if i in tags]})


# --- per-item writes -----------------------------------------------------------------------

def import_comments_slow(request, post_id):
    for row in request.POST.getlist("comment"):
        Comment.objects.create(post_id=post_id, author_name="import", text=row)  # expect: BR201
    return JsonResponse({"ok": True})


def import_comments(request, post_id):
    rows = request.POST.getlist("comment")
    Comment.objects.bulk_create([Comment(post_id=post_id, author_name="import", text=r) for r in rows])
    return JsonResponse({"ok": True})


# --- only() defers the body ----------------------------------------------------------------

def excerpts_slow(request):
    return JsonResponse({p.title: p.body[:80] for p in Post.objects.only("id", "title")})  # expect: BR202, BR203


def excerpts(request):
    return JsonResponse({p.title: p.body[:80] for p in Post.objects.only("id", "title", "body")})  # expect: BR203


def author_ids(request):
    # the foreign key's id is a column of the post: no query
    return JsonResponse({p.id: p.author_id for p in Post.objects.all()})  # expect: BR203


def authors_page(request):
    return JsonResponse({a.display_name: a.user.email for a in Author.objects.select_related("user")})  # expect: BR203
