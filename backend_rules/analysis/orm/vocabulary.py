"""Method and variable names that tell which ORM a call belongs to and whether it runs SQL.

Django managers and querysets, SQLAlchemy sessions, queries and loader options, DB-API cursors.
"""

from __future__ import annotations

import re

MANAGER_NAMES = {"objects", "_default_manager", "_base_manager"}
# Django queryset methods that run SQL when called.
DJANGO_EVALUATING = {
    "get", "first", "last", "count", "exists", "create", "update", "delete", "aggregate",
    "get_or_create", "update_or_create", "earliest", "latest", "contains", "explain",
    "aget", "afirst", "alast", "acount", "aexists", "acreate", "aupdate", "adelete", "aaggregate",
    "aget_or_create", "aupdate_or_create", "aearliest", "alatest", "acontains",
}
DJANGO_BULK = {"bulk_create", "bulk_update", "in_bulk", "abulk_create", "abulk_update", "ain_bulk"}
# Queryset methods that return another (lazy) queryset.
DJANGO_LAZY = {
    "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "annotate",
    "alias", "values", "values_list", "only", "defer", "distinct", "using", "reverse", "none",
    "select_for_update", "extra", "union", "intersection", "difference", "dates", "datetimes",
    "iterator", "complex_filter", "filter_by",
}
# Related-manager methods served from a prefetch_related() cache.
CACHED_BY_PREFETCH = {"all", "count", "exists", "first", "last"}
# Related-manager methods that always run a new query, prefetched or not.
ALWAYS_QUERY = {
    "filter", "exclude", "get", "create", "aggregate", "annotate", "order_by", "values",
    "values_list", "latest", "earliest", "update", "delete", "get_or_create", "update_or_create",
    "distinct", "only", "defer", "select_related",
}
SQLA_SESSION_EVALUATING = {"get", "execute", "scalars", "scalar", "get_one", "stream", "stream_scalars",
                           "exec"}  # SQLModel's session.exec(select(...))
SQLA_QUERY_TERMINAL = {
    "first", "one", "one_or_none", "all", "scalar", "count", "get", "delete", "update",
    "first_or_404", "get_or_404", "one_or_404", "paginate", "exists", "scalar_one",
}
RESULT_METHODS = {"scalars", "all", "unique", "fetchall", "partitions", "yield_per", "mappings", "tuples", "columns"}
FLASK_DB_EVALUATING = {"get_or_404", "first_or_404", "one_or_404"}
SQLA_LOADERS = {"joinedload", "selectinload", "subqueryload", "contains_eager", "raiseload",
                "immediateload", "noload"}
# lazy= strategies that run no query per object on access (lazy=False means joined; lazy=True is "select")
SQLA_EAGER_LAZY = {"joined", "selectin", "subquery", "immediate", "raise", "raise_on_sql",
                   "noload", "select_in", "False"}
DBAPI_METHODS = {"execute", "fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val",
                 "execute_fetchall"}
SESSION_RE = re.compile(r"^_*(session|sess|db_?session|dbsession|async_?session|asession|db|s)$|session$",
                        re.IGNORECASE)
CURSOR_RE = re.compile(
    r"^_*(cur|curs|cursor|conn|connection|con|cnx|tx|txn|database|db|dbconn|db_conn|pool)$"
    r"|cursor$|_conn$|_cur$|connection$", re.IGNORECASE)
QUERYSET_NAME_RE = re.compile(r"^_*(qs|queryset|.+_qs|.+_queryset)$")
