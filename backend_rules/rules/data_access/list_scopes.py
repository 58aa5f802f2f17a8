"""What a list is scoped to: the current user, a parent object, a filter, or nothing.

A list of the current user's own rows or of one parent's children is usually small; a list
filtered by a status or a search term, or not at all, grows with the table.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import libcst as cst

from backend_rules.analysis.imports import dotted_name

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.rules.data_access.list_queries import ListQuery


LOOKUP_MODEL = re.compile(
    r"(Type|Kind|Status|Categor(y|ies)|Choice|Option|Setting|Config|Preference|Role|Permission|Group|Countr(y|ies)|"
    r"Currenc(y|ies)|Language|Locale|Timezone|Region|State|Province|Unit|Plan|Tier|Level|Feature|Flag|Label|"
    r"Genre|Brand|Department|Priorit(y|ies)|Severit(y|ies)|Format|Platform|Gender|Industry|Tag)s?$")

def is_lookup_model(model: str | None) -> bool:
    """Models that hold a small fixed table: types, statuses, categories, countries, settings."""
    return bool(model and LOOKUP_MODEL.search(model))

def scope_of(query: ListQuery, parents: set[str]) -> str:
    """``owner`` (filtered by the current user), ``parent`` (by a path parameter or a parent
    object fetched before), ``filtered`` (by something else: a status, a search term) or ``none``."""
    if not query.filters:
        return "none"
    verdict = "filtered"
    for key, value in query.filters:
        if key in {"<sql>", "<scoped>"}:
            return "parent"  # raw SQL with a WHERE clause: cannot tell, assume scoped
        texts = _value_texts(value)
        if any(OWNER_VALUE.search(t) for t in texts):
            return "owner"
        roots = {t.split(".")[0] for t in texts}
        if roots & parents:
            if key and OWNER_KEY.search(key):
                return "owner"
            verdict = "parent"
        elif _foreign_key_match(key, value):
            verdict = "parent"
    return verdict

def _foreign_key_match(key: str | None, value: cst.BaseExpression) -> bool:
    """``project_id=pid`` / ``post=post`` / ``Task.project_id == pid``: one parent's children."""
    if key is not None:
        field = key.split("__")
        lookup_free = len(field) == 1 or field[-1] in {"id", "pk"}
        return lookup_free and not _literal(value) and (field[0].endswith(("_id", "_pk")) or len(field) > 1)
    if isinstance(value, cst.Comparison) and len(value.comparisons) == 1 and isinstance(value.comparisons[0].operator, cst.Equal):
        left = value.left
        column = left.attr.value if isinstance(left, cst.Attribute) else ""
        return column.endswith(("_id", "_pk")) and not _literal(value.comparisons[0].comparator)
    return False

def _literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.ConcatenatedString)) or (
        isinstance(node, cst.Name) and node.value in {"True", "False", "None"})

OWNER_VALUE = re.compile(
    r"^((self\.)?request\.(user|auth|project|organization|org|team|tenant|account|workspace|site|state\.user)"
    r"|current_user|g\.user|g\.current_user|info\.context\.user|flask_login\.current_user|user)(\.|$)")

OWNER_KEY = re.compile(r"^(user|owner|author|created_by|account|member)(_id|__id|__pk|_pk)?$")

def _value_texts(value: cst.BaseExpression) -> list[str]:
    """Dotted names a filter value reads (``request.user``, ``post.id``, ``project_id``)."""
    texts: list[str] = []

    def visit(node: cst.CSTNode) -> None:
        name = dotted_name(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
        if name is not None:
            texts.append(name)
            return
        for child in node.children:
            visit(child)

    if isinstance(value, cst.Comparison):
        for target in value.comparisons:
            visit(target.comparator)
    elif isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value in {"in_", "contains", "any", "has"}:
        for arg in value.args:
            visit(arg.value)
    else:
        visit(value)
    return texts


# Tables that grow with use: what users write (posts, comments, orders, uploads) and what the
# system records about them (events, logs, notifications, runs). Forums, plugins, product
# classes, shipping methods, pages, modules and challenges are curated by administrators.
GROWING_WORD = re.compile(
    r"(event|log|entry|entries|message|comment|order|post|topic|thread|reply|replies|notification|activity|"
    r"activities|audit|history|histories|submission|upload|attachment|transaction|payment|invoice|ticket|review|"
    r"answer|question|registration|visit|report|alert|job|run|build|document|article|issue|incident|vote|like|"
    r"follow|subscription|receipt|booking|reservation|sale|click|hit|metric|measurement|ping|delivery|email|mail|"
    r"download|revision|change|signal|case|recipe|photo|image|video|note|record|user|account|customer|member|"
    r"profile|author|team|contact|lead|deal|task|todo|session|token|request|response|result|score|solve|feedback)s?",
    re.IGNORECASE)
OWNER_RELATION = re.compile(r"^(user|owner|author|creator|created_by|sender|poster|uploader|uploaded_by|submitter|"
                            r"account|customer|member|reporter|assignee|actor|person|speaker)$")
OWNER_MODEL = re.compile(r"^(User|AbstractUser|Account|Customer|Member|Person|Profile)$")
TIME_FIELD = re.compile(r"^(created|created_at|created_on|creation_date|date_created|datetime_created|timestamp|"
                        r"posted|posted_at|sent_at|submitted_at|inserted_at|occurred_at|logged_at|date_joined)$")


def grows_with_use(model: str | None, graph: Any) -> bool:
    """Evidence that ``model``'s table grows with use: a name like events/logs/comments/orders, a
    foreign key to a user/owner/author, or a creation timestamp. Without it (an unknown model, a
    table the project does not declare, a lookup table) a whole-table list is a small one."""
    if not model:
        return False
    name = model.split(".")[-1]
    if is_lookup_model(name):
        return False
    words = [w for w in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", name) if w]
    if len(words) > 1 and words[-1] in {"Model", "Table", "Orm", "DB", "Db"}:
        words = words[:-1]  # ``BookModel``, ``OrderTable``
    last_word = words[-1] if words else name
    if GROWING_WORD.fullmatch(last_word):
        return True
    for info in (graph.by_name.get(name, []) if graph is not None else []):
        if any(TIME_FIELD.match(field) for field in info.fields):
            return True
        for relation in info.relations.values():
            # ``author = ForeignKey(User)`` / ``created_by``: rows users make (not ``last_post_user``, a
            # forum's cached last poster, nor ``moderators``)
            if relation.kind in {"fk", "o2o", "rel", "one"} and (
                    OWNER_RELATION.match(relation.name) or relation.name.endswith("_by")
                    and OWNER_MODEL.match((relation.target or "").split(".")[-1] or "User")):
                return True
    return False
