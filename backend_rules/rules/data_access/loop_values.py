"""What in a loop body takes its value from the item: names derived from the loop target, lookups
narrowed per item, statements whose table (not whose row) comes from the loop.

A query per item is one whose arguments change with the item; one statement per table, or a bulk
lookup per chunk, is not.
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.orm.chains import chain_of
from backend_rules.analysis.orm.query_calls import Query
from backend_rules.analysis.orm.sql_statements import sql_text_of
from backend_rules.rules.data_access.per_item_loops import loop_targets

DML_READ_WRITE = re.compile(r"^\s*\(?\s*(select|insert|update|delete|with|replace|upsert|merge)\b", re.IGNORECASE)
DDL = re.compile(r"^\s*(create|drop|alter|truncate|grant|revoke|vacuum|analy[sz]e|set|pragma|lock|comment|refresh|reindex|cluster|begin|commit|rollback|savepoint|release|listen|notify|show|use)\b", re.IGNORECASE)


def names_in(node: cst.CSTNode) -> set[str]:
    names: set[str] = set()

    class Collector(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            names.add(name.value)

    node.visit(Collector())
    return names


TABLE_SLOT = re.compile(r"\b(from|into|update|table|join|truncate|exists)\s+[\"`\[]?(\w+\.)?$", re.IGNORECASE)


def table_varies(sql: cst.BaseExpression, names: set[str]) -> bool:
    """A statement whose table name is interpolated from the loop (``f"DELETE FROM {table}"``)."""
    if isinstance(sql, cst.Call) and isinstance(sql.func, cst.Name) and sql.func.value == "text" and sql.args:
        sql = sql.args[0].value
    pieces: list[tuple[str, cst.CSTNode | None]] = []  # literal text, or an interpolated expression
    if isinstance(sql, cst.FormattedString):
        for part in sql.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces.append((part.value, None))
            elif isinstance(part, cst.FormattedStringExpression):
                pieces.append(("", part.expression))
    elif isinstance(sql, cst.BinaryOperation) and isinstance(sql.operator, cst.Add):
        stack: list[cst.BaseExpression] = [sql]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
                stack += [node.right, node.left]
            elif isinstance(node, cst.SimpleString):
                pieces.append((str(node.evaluated_value), None))
            else:
                pieces.append(("", node))
    elif isinstance(sql, cst.Call) and isinstance(sql.func, cst.Attribute) and sql.func.attr.value == "format" \
            and isinstance(sql.func.value, cst.SimpleString):
        text = str(sql.func.value.evaluated_value)
        head = text.split("{", 1)[0]
        used = set().union(*(names_in(a.value) for a in sql.args)) if sql.args else set()
        return bool(TABLE_SLOT.search(head) and used & names)
    text = ""
    for literal, expr in pieces:
        if expr is None:
            text += literal
            continue
        if TABLE_SLOT.search(text) and names_in(expr) & names:
            return True
        text += "x"
    return False


def literal_head(sql: cst.BaseExpression) -> str | None:
    """The literal text a built statement starts with: ``"UPDATE t ..." % x``, ``"SELECT " + y``."""
    for _ in range(8):
        if isinstance(sql, cst.BinaryOperation):
            sql = sql.left
        elif isinstance(sql, cst.ConcatenatedString):
            sql = sql.left
        else:
            break
    return sql_text_of(sql)


def narrowed_per_item(query: Query, loop: cst.CSTNode) -> bool:
    """A lookup other than ``__in``/``__range`` takes its value from the loop item:
    ``filter(question__in=questions, creator=user)`` is still one query per user."""
    targets = set(loop_targets(loop))
    varying = targets | derived_names(loop, targets)
    for key, value in query.lookup_values:
        if key.endswith(("__in", "__range")) or isinstance(value, cst.Call) and chain_of(value)[-1:] and chain_of(value)[-1].name == "in_":
            continue
        if names_in(value) & varying:
            return True
    return False


def derived_names(loop: cst.CSTNode, targets: set[str]) -> set[str]:
    """Names the loop body assigns from its targets: ``table = model._meta.db_table``."""
    derived: set[str] = set()
    body = getattr(loop, "body", None)
    if not isinstance(body, cst.IndentedBlock):
        return derived
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and names_in(small.value) & (targets | derived):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name):
                            derived.add(target.target.value)
    return derived
