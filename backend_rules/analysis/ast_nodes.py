"""The stdlib AST's nodes grouped by type, computed in one pass and shared by every rule's gate.

Each gate (``Rule.may_fire``) used to walk the whole tree for the few node types it cares about;
with several rules per file that was the largest cost after parsing.
"""

from __future__ import annotations

import ast
from collections import defaultdict

_cache: tuple[ast.AST, dict[type, list[ast.AST]]] | None = None


def _index(tree: ast.AST) -> dict[type, list[ast.AST]]:
    global _cache
    if _cache is None or _cache[0] is not tree:
        grouped: dict[type, list[ast.AST]] = defaultdict(list)
        for node in ast.walk(tree):
            grouped[type(node)].append(node)
        _cache = (tree, grouped)
    return _cache[1]


def nodes(tree: ast.AST, *types: type) -> list:
    """Every node of the given types in ``tree`` (breadth-first order within a type)."""
    index = _index(tree)
    if len(types) == 1:
        return index.get(types[0], [])
    return [node for kind in types for node in index.get(kind, ())]
