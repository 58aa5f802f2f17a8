"""Calls that end or open a database transaction: commits, flushes, Django saves, atomic blocks.

BR204 asks here what a call does to the transaction; the loop questions live in per_item_loops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_class
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.orm.query_calls import classify, is_specific
from backend_rules.analysis.orm.vocabulary import SESSION_RE
from backend_rules.analysis.walk import walk

CONNECTION_RE = re.compile(
    r"^_*(conn|connection|con|cnx|dbconn|db_conn|db_connection|database|db)$|_conn$|connection$", re.IGNORECASE)
# Receivers of .commit() that are not a database: git, Kafka consumers, search indexes.
NOT_DATABASE = re.compile(r"repo|git|consumer|producer|index|writer|kafka|offset|self$|cls$", re.IGNORECASE)
# Words in a receiver's name (or what it was made from) that say .save() is not a Django model's.
NOT_MODEL_WORDS = frozenset({
    "form", "forms", "formset", "formsets", "serializer", "serializers", "session", "file", "files", "image",
    "images", "img", "photo", "thumb", "thumbnail", "storage", "workbook", "wb", "sheet", "pdf", "fig",
    "figure", "plot", "cache", "zip", "zipfile", "archive", "config", "settings", "response", "buffer",
    "stream", "writer", "exporter", "self", "cls", "super", "s", "canvas", "document_file",
})


def _not_model(name: str) -> bool:
    words = re.split(r"_+|(?<=[a-z0-9])(?=[A-Z])", name)
    return any(word.lower() in NOT_MODEL_WORDS for word in words if word)


DJANGO_SAVE_KEYWORDS = {"update_fields", "force_insert", "force_update", "using"}
TRANSACTION_FUNCS = {"django.db.transaction.atomic", "transaction.atomic"}
BEGIN_RECEIVER = re.compile(r"session$|^_*(engine|conn|connection|db|sess|s)$", re.IGNORECASE)


@dataclass(frozen=True)
class TransactionCall:
    kind: str  # "commit" | "flush" | "save" | "transaction" | "helper"
    text: str  # the call as shown in the message
    detail: str = ""  # for helpers: the commit they run


def _receiver(node: cst.Call) -> tuple[str, str] | None:
    """(receiver dotted name, method) of ``receiver.method(...)``; calls in the receiver are kept by name."""
    func = node.func
    if not isinstance(func, cst.Attribute):
        return None
    value = func.value
    name = dotted_name(value)
    if name is None and isinstance(value, cst.Call):
        inner = dotted_name(value.func)
        name = f"{inner}()" if inner else None
    return (name, func.attr.value) if name else None


def _uses_django(context: Any) -> bool:
    """Django, or another ORM whose ``obj.save()`` commits on its own (peewee, Tortoise)."""
    return any(full.startswith(("django", "models", "peewee", "tortoise")) or ".models" in full
               for full in context.imports.names.values())


def is_transaction_block(node: cst.Call, context: Any) -> bool:
    """``transaction.atomic()`` / ``session.begin()`` / ``engine.begin()`` / peewee ``db.atomic()``."""
    qualified = context.imports.qualify(node.func) or ""
    if qualified in TRANSACTION_FUNCS or qualified.endswith("transaction.atomic"):
        return True
    if qualified == "atomic" and "atomic" in context.imports.names:
        return context.imports.names["atomic"].startswith("django")
    found = _receiver(node)
    if found is None:
        return False
    receiver, method = found
    last = receiver.split(".")[-1].rstrip("()")
    if method == "begin":
        return bool(BEGIN_RECEIVER.search(last) or SESSION_RE.search(last))
    return method == "atomic" and last in {"db", "database"}


def transaction_call(node: cst.Call, stack: list[cst.CSTNode], context: Any) -> TransactionCall | None:
    """What ``node`` does to the transaction, or None when it is not a transaction call."""
    if is_transaction_block(node, context):
        return TransactionCall("transaction", _text(node))
    found = _receiver(node)
    if found is None:
        return None
    receiver, method = found
    last = receiver.split(".")[-1].rstrip("()")
    if method == "commit" and not node.args:
        if NOT_DATABASE.search(last) and last != "transaction":
            return None
        qualified = context.imports.qualify(node.func.value) or receiver  # type: ignore[attr-defined]
        if last == "transaction" and (qualified.startswith("django") or qualified == "transaction"):
            return TransactionCall("commit", _text(node))
        if SESSION_RE.search(last) or CONNECTION_RE.search(last):
            return TransactionCall("commit", _text(node))
        return None
    if method == "flush" and not node.args and SESSION_RE.search(last) and last != "s":
        return TransactionCall("flush", _text(node))
    if method == "save" and _looks_like_model_save(node, receiver) and _uses_django(context):
        if stack and _came_from_form(receiver, stack, context):
            return None
        return TransactionCall("save", _text(node))
    return None


def _looks_like_model_save(node: cst.Call, receiver: str) -> bool:
    if any(arg.keyword is None or arg.keyword.value not in DJANGO_SAVE_KEYWORDS for arg in node.args):
        return False
    if receiver.endswith("()") or not isinstance(node.func, cst.Attribute):
        return False
    return not any(_not_model(part) for part in receiver.split(".")[-2:])


def _came_from_form(receiver: str, stack: list[cst.CSTNode], context: Any) -> bool:
    """``for form in formset:`` / ``f = PostForm(data)`` / ``if f.is_valid():``: a form, not a model."""
    root = receiver.split(".")[0]
    scope = next((n for n in reversed(stack) if isinstance(n, (cst.FunctionDef, cst.Lambda))), stack[0] if stack else None)
    if scope is None:
        return False
    for binding in context.scope_facts(scope).bindings.get(root, ()):
        value = binding.value
        if isinstance(value, cst.Call):
            value = value.func
        name = dotted_name(value) if value is not None else None
        if name and _not_model(name.split(".")[-1]):
            return True
    found = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal found
        if isinstance(node, cst.Attribute) and node.attr.value in {"is_valid", "cleaned_data", "validated_data"}:
            if dotted_name(node.value) == root:
                found = True
        return not found

    walk(scope, enter)
    return found


def _text(node: cst.Call) -> str:
    name = dotted_name(node.func)
    if name is None:
        found = _receiver(node)
        name = f"{found[0]}.{found[1]}" if found else "call"
    return f"{name}()"


def _decorated_atomic(function: cst.FunctionDef, context: Any) -> bool:
    for decorator in function.decorators:
        target = decorator.decorator
        if isinstance(target, cst.Call):
            target = target.func
        name = (dotted_name(target) or "").split(".")[-1]
        if TRANSACTION_WORDS.search(name) or name == "transactional":
            return True
    return False


TRANSACTION_WORDS = re.compile(r"atomic|transaction", re.IGNORECASE)


def _opens_transaction(node: cst.Call, context: Any) -> bool:
    """A known transaction block, or a project's own wrapper named for one (``traced_atomic_transaction()``)."""
    if is_transaction_block(node, context):
        return True
    name = dotted_name(node.func) or ""
    return bool(TRANSACTION_WORDS.search(name.split(".")[-1]))


def transaction_block(stack: list[cst.CSTNode], context: Any) -> bool:
    """Some node of ``stack`` is a ``with`` over a transaction block."""
    for node in stack:
        if isinstance(node, cst.With):
            for item in node.items:
                if isinstance(item.item, cst.Call) and _opens_transaction(item.item, context):
                    return True
    return False


def enclosing_transaction(stack: list[cst.CSTNode], context: Any) -> bool:
    """The node runs inside a transaction opened in its function: a ``with`` block or a decorator."""
    start = 0
    for index in range(len(stack) - 1, -1, -1):
        if isinstance(stack[index], cst.FunctionDef):
            if _decorated_atomic(stack[index], context):  # type: ignore[arg-type]
                return True
            start = index
            break
    return transaction_block(stack[start:], context)


def _commit_in(function: cst.FunctionDef, context: Any) -> str | None:
    """The commit a helper runs unconditionally-ish (outside loops of its own), unless it also queries."""
    commit: list[str] = []
    queries = False

    def enter(node: cst.CSTNode) -> bool:
        nonlocal queries
        if node is not function and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, (cst.For, cst.While)):
            return False  # its own loops are checked where they are
        if isinstance(node, cst.Call):
            found = transaction_call(node, [], context)
            if found is not None and found.kind == "commit":
                commit.append(found.text)
            query = classify(chain_of(node))
            if query is not None and query.evaluated and is_specific(query):
                queries = True
        return True

    walk(function.body, enter)
    if queries:
        return None  # BR201 reports the call as a query per item
    return commit[0] if commit else None


def helper_commit(node: cst.Call, stack: list[cst.CSTNode], context: Any) -> TransactionCall | None:
    """A call of a function of this module (or a method of this class) that commits."""
    func = node.func
    target: cst.FunctionDef | None = None
    if isinstance(func, cst.Name):
        target = context.scope_facts(context.module).functions.get(func.value)
    elif isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in {"self", "cls"}:
        klass = enclosing_class(stack)
        if klass is not None:
            target = context.scope_facts(klass).functions.get(func.attr.value)
    if target is None or any(n is target for n in stack):
        return None
    verdicts = context.__dict__.setdefault("_helper_commits", {})
    if id(target) not in verdicts:
        verdicts[id(target)] = (target, _commit_in(target, context))
    commit = verdicts[id(target)][1]
    if commit is None:
        return None
    return TransactionCall("helper", dotted_name(func) or "helper", commit)


def callers_hold_transaction(stack: list[cst.CSTNode], context: Any) -> bool:
    """Every call of the function holding the node, in this module or class, runs in a transaction.

    ``def _update_objects(self, ...)`` saving per item, called only from ``with transaction.atomic():``
    in ``post()``: the saves commit together. False when no caller is seen.
    """
    function = next((n for n in reversed(stack) if isinstance(n, cst.FunctionDef)), None)
    if function is None:
        return False
    cache = context.__dict__.setdefault("_callers_in_transaction", {})
    if id(function) in cache:
        return cache[id(function)][1]
    klass = enclosing_class(stack)
    owner: cst.CSTNode = klass if klass is not None and function in _methods(klass) else context.module
    name = function.name.value
    verdicts: list[bool] = []
    held: list[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef) and _decorated_atomic(node, context):
            held.append(node)
        if isinstance(node, cst.With) and any(
            isinstance(item.item, cst.Call) and _opens_transaction(item.item, context) for item in node.items
        ):
            held.append(node)
        if isinstance(node, cst.Call):
            func = node.func
            called = (isinstance(func, cst.Name) and func.value == name and owner is context.module) or (
                isinstance(func, cst.Attribute) and func.attr.value == name
                and isinstance(func.value, cst.Name) and func.value.value in {"self", "cls"} and owner is klass)
            if called:
                verdicts.append(bool(held))
        return True

    def leave(node: cst.CSTNode) -> None:
        if held and held[-1] is node:
            held.pop()

    walk(owner, enter, leave)
    verdict = bool(verdicts) and all(verdicts)
    cache[id(function)] = (function, verdict)
    return verdict


def _methods(klass: cst.ClassDef) -> list[cst.CSTNode]:
    body = klass.body.body if isinstance(klass.body, cst.IndentedBlock) else []
    return [statement for statement in body if isinstance(statement, cst.FunctionDef)]
