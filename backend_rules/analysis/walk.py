"""A read-only traversal of libcst trees, several times cheaper than ``node.visit``.

libcst's visitor protocol rebuilds every node it passes (``_visit_and_replace_children``), which
made traversal cost far more than parsing. Rules only read the tree, so the engine walks the
dataclass fields itself and skips the purely syntactic ones (whitespace, parentheses, commas).
Children come in field order, which follows source order for statements and expressions.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

import libcst as cst

# Fields that only hold tokens and whitespace: nothing a rule looks for lives below them.
SYNTAX_FIELDS = frozenset({
    "lpar", "rpar", "comma", "semicolon", "colon", "dot", "equal", "lbracket", "rbracket", "lbrace",
    "rbrace", "header", "footer", "leading_lines", "lines_after_decorators", "trailing_whitespace",
    "newline", "star_tok", "arrow", "walrus", "whitespace_before_colon",
})
_FIELDS: dict[type, tuple[str, ...]] = {}


def _child_fields(cls: type) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(
            f.name for f in dataclasses.fields(cls)
            if f.name not in SYNTAX_FIELDS and not f.name.startswith("whitespace")
        )
    return names


def iter_children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            yield value
        elif isinstance(value, (list, tuple)):
            for item in value:
                if isinstance(item, cst.CSTNode):
                    yield item


def walk(root: cst.CSTNode, enter: Callable[[cst.CSTNode], bool | None],
         leave: Callable[[cst.CSTNode], None] | None = None) -> None:
    """Depth-first, iterative (no recursion limit). ``enter`` returning False skips the subtree;
    ``leave`` is called only for nodes whose subtree was entered."""
    pending: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    while pending:
        node, leaving = pending.pop()
        if leaving:
            if leave is not None:
                leave(node)
            continue
        if enter(node) is False:
            continue
        pending.append((node, True))
        children = list(iter_children(node))
        pending.extend((child, False) for child in reversed(children))


class Visitor:
    """``visit_<NodeType>`` / ``leave_<NodeType>`` methods, like libcst's, over :func:`walk`.

    ``visit_X`` returning False skips the node's children (and its ``leave_X``).
    """

    def on_visit(self, node: cst.CSTNode) -> bool:
        method = getattr(self, "visit_" + type(node).__name__, None)
        return method(node) is not False if method is not None else True

    def on_leave(self, node: cst.CSTNode) -> None:
        method = getattr(self, "leave_" + type(node).__name__, None)
        if method is not None:
            method(node)

    def walk(self, node: cst.CSTNode) -> None:
        walk(node, self.on_visit, self.on_leave)


NESTED_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)


def find(
    root: cst.CSTNode,
    predicate: Callable[[cst.CSTNode], bool],
    skip: tuple[type, ...] = NESTED_SCOPES,
) -> cst.CSTNode | None:
    """The first node under ``root`` (itself included) that satisfies ``predicate``, without
    looking inside nested nodes of the ``skip`` types (by default: functions, lambdas, classes)."""
    found: list[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if found or (node is not root and isinstance(node, skip)):
            return False
        if predicate(node):
            found.append(node)
            return False
        return True

    walk(root, enter)
    return found[0] if found else None
