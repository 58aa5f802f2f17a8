"""BR202's fix: the loop's query loads the relation eagerly.

``for post in Post.objects.filter(...)`` reading ``post.author`` becomes
``Post.objects.filter(...).select_related("author")`` (``prefetch_related`` for collections);
a SQLAlchemy ``select(Order)`` or ``Post.query...all()`` gets ``.options(selectinload(Order.lines))``
before it runs. The query must be written in the loop itself or bound once, in the same function,
to the name the loop iterates. Unsafe: the query's shape changes (a join, or one more query up
front), and the loaded rows may be many. No fix for relations guessed from names (the model is
not in the project), for loaders the module does not import already, nor for queries built
elsewhere (a parameter, a helper, ``self.get_queryset()``).
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.source_edits import SourceText, source_of
from backend_rules.rule import Fix
from backend_rules.rules.data_access.per_item_loops import iter_of
from backend_rules.rules.data_access.query_resolution import strip_wrappers

DJANGO_REMEDY = re.compile(r'(?:add |or )(select_related|prefetch_related)\("([\w]+)"\)')
SQLALCHEMY_REMEDY = re.compile(r"add \.options\(((?:\w+\(\w+\.\w+\)\.?)+)\) to the query")
LOADER = re.compile(r"(\w+)\((\w+)\.(\w+)\)")
# Django queryset methods after which another queryset method may follow.
QUERYSET_METHODS = {
    "all", "filter", "exclude", "order_by", "distinct", "select_related", "prefetch_related", "annotate",
    "only", "defer", "using", "reverse", "alias", "filter_by", "none",
}
# Methods that run a SQLAlchemy query: .options() goes on their receiver.
SQLALCHEMY_TERMINALS = {"all", "scalars", "unique", "yield_per", "limit", "offset", "order_by", "filter", "filter_by"}


def eager_load_fix(context, loop: cst.CSTNode, message: str) -> Fix | None:
    """The fix named by the finding's ``message`` (its remedy), applied to the loop's query."""
    if "looks like a relation" in message or "is not in the project" in message:
        return None  # a guess from names: select_related() on a non-relation fails at run time
    iterable = iter_of(loop)
    if iterable is None:
        return None
    expr, _ = strip_wrappers(iterable)
    query = _defining_expression(context, loop, expr)
    if query is None:
        return None
    django = DJANGO_REMEDY.search(message)
    if django:
        return _django_fix(context, query, django.group(1), django.group(2))
    sqlalchemy = SQLALCHEMY_REMEDY.search(message)
    if sqlalchemy:
        return _sqlalchemy_fix(context, query, sqlalchemy.group(1))
    return None


def _defining_expression(context, loop: cst.CSTNode, expr: cst.BaseExpression) -> cst.BaseExpression | None:
    """The query expression itself, or the value of the only assignment of the name in the function."""
    if not isinstance(expr, cst.Name):
        return expr
    stack = context.stack
    scope = enclosing_scope(stack)
    if not isinstance(scope, cst.FunctionDef):
        return None
    bindings = context.scope_facts(scope).bindings.get(expr.value, [])
    if len(bindings) != 1 or bindings[0].kind != "=" or bindings[0].value is None:
        return None
    return bindings[0].value


def _django_fix(context, query: cst.BaseExpression, method: str, lookup: str) -> Fix | None:
    chain_end = query
    if isinstance(chain_end, cst.Call) and isinstance(chain_end.func, cst.Attribute):
        if chain_end.func.attr.value not in QUERYSET_METHODS:
            return None
    elif not (isinstance(chain_end, cst.Attribute) and chain_end.attr.value == "objects"):
        return None
    if not _rooted_in_manager(query):
        return None
    text = f'{source_of(context, query)}.{method}("{lookup}")'
    return Fix(query, SourceText(text), f'add {method}("{lookup}") to the queryset', safe=False)


def _rooted_in_manager(node: cst.BaseExpression) -> bool:
    """``Model.objects...`` or ``Model._default_manager...`` at the start of the chain."""
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value in {"objects", "_default_manager", "_base_manager"} and isinstance(node.value, cst.Name):
                return True
            node = node.value
        else:
            return False


def _sqlalchemy_fix(context, query: cst.BaseExpression, options: str) -> Fix | None:
    loaders = LOADER.findall(options)
    local_options = options
    for loader, model, _ in loaders:
        alias = _local_name(context, f"sqlalchemy.orm.{loader}")
        if alias is None or not _names_model(query, model):
            return None  # adding an import is not this fix's business; the model must be in sight
        local_options = re.sub(rf"\b{loader}\(", f"{alias}(", local_options, count=0)
    target = _select_call(context, query) or _before_terminal(query)
    if target is None:
        return None
    text = f"{source_of(context, target)}.options({local_options})"
    return Fix(target, SourceText(text), f"add .options({local_options}) to the query", safe=False)


def _local_name(context, qualified: str) -> str | None:
    for local, full in context.imports.names.items():
        if full == qualified:
            return local
    for local, full in context.imports.names.items():
        if qualified.startswith(full + "."):
            return local + qualified[len(full):]
    return None


def _names_model(query: cst.BaseExpression, model: str) -> bool:
    found = False

    class Finder(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal found
            found = found or node.value == model

    query.visit(Finder())
    return found


def _select_call(context, query: cst.BaseExpression) -> cst.Call | None:
    """A ``select(Model)`` (possibly with ``.where()``... after it) inside the query."""
    found: list[cst.BaseExpression] = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> bool:
            if found:
                return False
            if (context.imports.qualify(node.func) or "") in {"sqlalchemy.select", "sqlalchemy.future.select",
                                                                "sqlmodel.select", "sqlalchemy.sql.select"}:
                found.append(node)
                return False
            return True

    query.visit(Finder())
    return found[0] if found and isinstance(found[0], cst.Call) else None


def _before_terminal(query: cst.BaseExpression) -> cst.BaseExpression | None:
    """``Post.query.filter(...).all()`` -> the receiver of ``.all()`` (a legacy Query)."""
    if isinstance(query, cst.Call) and isinstance(query.func, cst.Attribute) and query.func.attr.value == "all":
        receiver = query.func.value
        text = cst.Module([]).code_for_node(receiver)
        if ".query" in text or text.startswith(("session.query(", "db.session.query(")):
            return receiver
    return None
