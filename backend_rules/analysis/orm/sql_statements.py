"""The SQL an argument holds: literal text, or a statement builder (``select()``, ``text()``, ``table.update()``)."""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from backend_rules.analysis.orm.chains import chain_of, literal_str, name_of


def sql_text_of(node: Any) -> str | None:
    """Literal SQL of an argument: a string, the literal head of an f-string, ``text("...")``."""
    text = literal_str(node)
    if text is not None:
        return text
    if isinstance(node, cst.FormattedString):
        head = node.parts[0] if node.parts else None
        return head.value if isinstance(head, cst.FormattedStringText) else None
    if isinstance(node, ast.JoinedStr):
        head = node.values[0] if node.values else None
        return head.value if isinstance(head, ast.Constant) and isinstance(head.value, str) else None
    if isinstance(node, (cst.Call, ast.Call)):
        segs = chain_of(node)
        if segs and segs[0].call and segs[0].name == "text" and segs[0].args:
            inner = segs[0].args[0][1]
            return None if isinstance(inner, (cst.Call, ast.Call)) else sql_text_of(inner)
    return None


STATEMENT_HEADS = {"select", "insert", "update", "delete", "text", "Select", "future_select"}


def is_statement_expr(node: Any) -> bool:
    """``select(User)...``, ``insert(T).values(...)``, ``table.update()``, ``text("...")``."""
    segs = chain_of(node)
    if not segs:
        return False
    if segs[0].call and segs[0].name in STATEMENT_HEADS:
        return True
    return any(s.call and s.name in {"insert", "update", "delete", "select"} for s in segs[1:3])


def statement_subject(node: Any) -> str | None:
    """The table/model a statement is about: ``table`` of ``table.delete()``, ``X`` of ``insert(X)``."""
    segs = chain_of(node)
    if not segs:
        return None
    if segs[0].call and segs[0].name in STATEMENT_HEADS - {"text"} and segs[0].args:
        return (name_of(segs[0].args[0][1]) or "").split(".")[0] or None
    if len(segs) > 1 and segs[1].call and segs[1].name in {"insert", "update", "delete", "select"}:
        return segs[0].name
    return None


DML_RE = re.compile(r"^\s*(select|insert|update|delete|with|replace|upsert)\b", re.IGNORECASE)
SQL_WRITE = re.compile(r"^\s*(insert|update|delete|replace|upsert|merge)\b", re.IGNORECASE)
SQL_READ = re.compile(r"^\s*(select|with)\b", re.IGNORECASE)
