"""Chains: ``a.b(x).c[0]`` read as segments [a, b(x), c, [0]], from libcst and ast nodes alike.

Every ORM question starts from a chain, so the rules (libcst) and the project index (stdlib
``ast``) share one reading of expressions.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

import libcst as cst


@dataclass
class Seg:
    """One step of a chain: a name, an attribute, a call of it, or an index."""

    name: str
    call: bool = False
    args: list[tuple[str | None, Any]] = field(default_factory=list)
    index: bool = False  # ``x[0]`` (not a slice)
    node: Any = None


def _cst_args(call: cst.Call) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for arg in call.args:
        if arg.star:
            out.append(("*" + arg.star, arg.value))
        else:
            out.append((arg.keyword.value if arg.keyword else None, arg.value))
    return out


def _ast_args(call: ast.Call) -> list[tuple[str | None, Any]]:
    out: list[tuple[str | None, Any]] = []
    for a in call.args:
        out.append(("**" if False else ("*" if isinstance(a, ast.Starred) else None), a))
    for kw in call.keywords:
        out.append((kw.arg if kw.arg is not None else "**", kw.value))
    return out


def chain_of(node: Any) -> list[Seg]:
    """Segments of ``a.b(x).c[0]`` outermost-last: [a, b(x), c, [0]]; ``await`` is see-through."""
    return _cst_chain(node) if isinstance(node, cst.CSTNode) else ast_chain(node)


def _cst_chain(node: cst.CSTNode) -> list[Seg]:
    segs: list[Seg] = []
    for _ in range(64):
        if isinstance(node, cst.Await):
            node = node.expression
        elif isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Attribute):
                segs.append(Seg(func.attr.value, True, _cst_args(node), node=node))
                node = func.value
            elif isinstance(func, cst.Name):
                segs.append(Seg(func.value, True, _cst_args(node), node=node))
                break
            else:
                segs.append(Seg("?", True, _cst_args(node), node=node))
                break
        elif isinstance(node, cst.Attribute):
            segs.append(Seg(node.attr.value, node=node))
            node = node.value
        elif isinstance(node, cst.Subscript):
            is_index = len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)
            segs.append(Seg("[]", index=is_index, node=node))
            node = node.value
        elif isinstance(node, cst.Name):
            segs.append(Seg(node.value, node=node))
            break
        else:
            segs.append(Seg("?", node=node))
            break
    segs.reverse()
    return segs


def ast_chain(node: ast.AST) -> list[Seg]:
    segs: list[Seg] = []
    for _ in range(64):
        if isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                segs.append(Seg(func.attr, True, _ast_args(node), node=node))
                node = func.value
            elif isinstance(func, ast.Name):
                segs.append(Seg(func.id, True, _ast_args(node), node=node))
                break
            else:
                segs.append(Seg("?", True, _ast_args(node), node=node))
                break
        elif isinstance(node, ast.Attribute):
            segs.append(Seg(node.attr, node=node))
            node = node.value
        elif isinstance(node, ast.Subscript):
            segs.append(Seg("[]", index=not isinstance(node.slice, ast.Slice), node=node))
            node = node.value
        elif isinstance(node, ast.Name):
            segs.append(Seg(node.id, node=node))
            break
        else:
            segs.append(Seg("?", node=node))
            break
    segs.reverse()
    return segs


def literal_str(node: Any) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            value = node.evaluated_value
        except Exception:  # pragma: no cover - defensive
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def name_of(node: Any) -> str | None:
    """Dotted name of a Name/Attribute chain (libcst or ast), else None."""
    parts: list[str] = []
    while True:
        if isinstance(node, cst.Attribute):
            parts.append(node.attr.value)
            node = node.value
        elif isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, cst.Name):
            parts.append(node.value)
            break
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        else:
            return None
    return ".".join(reversed(parts))


def looks_like_model(name: str | None) -> bool:
    return bool(name) and name[0].isupper() and not name.isupper()


def render(segs: list[Seg]) -> str:
    """``Comment.objects.filter(...).count()``: the chain with arguments elided."""
    out = ""
    for seg in segs:
        if seg.name == "[]":
            out += "[...]"
            continue
        out += ("." if out else "") + seg.name
        if seg.call:
            out += "(...)" if seg.args else "()"
    return out
