"""Line and column of a libcst node, paying only for the top-level statement that holds it.

libcst's PositionProvider renders the whole module with position tracking, which costs more than
parsing it. A finding needs the position of one node: the stdlib AST (parsed anyway) already knows
where every top-level statement starts, so only that statement is rendered, as a module of its
own, and its positions are shifted by its first line.
"""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from backend_rules.walk import walk


def _statement_starts(module: cst.Module, tree: ast.Module) -> list[int] | None:
    """First line of each top-level libcst statement (decorators included), or None if the two
    parsers disagree about the statements (then the whole module is rendered instead)."""
    starts: list[int] = []
    pending = list(tree.body)
    for statement in module.body:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if len(pending) < count:
            return None
        first, pending = pending[0], pending[count:]
        lines = [first.lineno] + [d.lineno for d in getattr(first, "decorator_list", [])]
        starts.append(min(lines))
    return starts if not pending else None


class PositionIndex:
    def __init__(self, module: cst.Module, tree: ast.Module | None) -> None:
        self.module = module
        self.starts = _statement_starts(module, tree) if tree is not None else None
        self._owner: dict[int, int] = {}
        self._positions: dict[int, Any] = {}
        self._renamed: dict[int, dict[int, cst.CSTNode]] = {}
        self._whole: Any = None

    def _owner_of(self, node: cst.CSTNode, hint: cst.CSTNode | None) -> int | None:
        if id(node) in self._owner:
            return self._owner[id(node)]
        order = list(range(len(self.module.body)))
        if hint is not None:
            order.sort(key=lambda i: self.module.body[i] is not hint)
        for index in order:
            statement = self.module.body[index]
            found = False

            def enter(current: cst.CSTNode, index: int = index) -> bool:
                nonlocal found
                self._owner[id(current)] = index
                if current is node:
                    found = True
                return not found

            walk(statement, enter)
            if found:
                return index
        return None

    def _statement_positions(self, index: int) -> tuple[Any, dict[int, cst.CSTNode]]:
        if index not in self._positions:
            statement = self.module.body[index]
            bare = statement.with_changes(leading_lines=())
            sub = self.module.with_changes(body=[bare], header=(), footer=())
            self._positions[index] = MetadataWrapper(sub, unsafe_skip_copy=True).resolve(PositionProvider)
            self._renamed[index] = {id(statement): bare}
        return self._positions[index], self._renamed[index]

    def position(self, node: cst.CSTNode, hint: cst.CSTNode | None = None) -> CodeRange:
        if self.starts is not None:
            index = self._owner_of(node, hint)
            if index is not None:
                positions, renamed = self._statement_positions(index)
                where = positions[renamed.get(id(node), node)]
                shift = self.starts[index] - 1
                return CodeRange(
                    CodePosition(where.start.line + shift, where.start.column),
                    CodePosition(where.end.line + shift, where.end.column),
                )
        if self._whole is None:
            self._whole = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self._whole[node]
