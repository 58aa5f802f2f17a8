"""Line and column of a libcst node, paying only for the smallest definition that holds it.

libcst's PositionProvider renders the whole module with position tracking, which costs more than
parsing it. A finding needs the position of one node: the stdlib AST (parsed anyway) knows where
every statement starts, so only the innermost function or class (or top-level statement) that
holds the node is rendered, as a module of its own, and its positions are shifted back.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider

from backend_rules.analysis.walk import walk

DEFINITIONS = (cst.FunctionDef, cst.ClassDef)
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def physical_lines(text: str) -> list[str]:
    """Lines as Python's tokenizer (and libcst, and flake8) count them.

    ``str.splitlines`` also breaks at form feeds, U+2028 and other separators, which would shift
    every later line number (``# noqa``, columns, SARIF fingerprints) against the parser's.
    """
    lines = LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()
    return lines

def _pair(statements: list[cst.BaseStatement], nodes: list[ast.stmt]) -> dict[int, ast.stmt] | None:
    """libcst statement id -> the first stdlib statement it holds (``a; b`` is one libcst line)."""
    pairs: dict[int, ast.stmt] = {}
    pending = list(nodes)
    for statement in statements:
        count = len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
        if len(pending) < count:
            return None
        pairs[id(statement)] = pending[0]
        pending = pending[count:]
    return pairs if not pending else None


def _start(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", [])
    if decorators:
        first = min(decorators, key=lambda d: (d.lineno, d.col_offset))
        return first.lineno, max(first.col_offset - 1, 0)  # the "@" before the expression
    return node.lineno, node.col_offset


class PositionIndex:
    def __init__(self, module: cst.Module, tree: ast.Module | None, source: str = "") -> None:
        self.module = module
        self.tree = tree
        self.lines = physical_lines(source)
        self._parents: dict[int, cst.CSTNode] | None = None
        self._rendered: dict[int, tuple[Any, dict[int, cst.CSTNode], list[str]]] = {}
        self._whole: Any = None

    def _ancestors(self, node: cst.CSTNode) -> list[cst.CSTNode]:
        if self._parents is None:
            parents: dict[int, cst.CSTNode] = {}
            stack: list[cst.CSTNode] = []

            def enter(current: cst.CSTNode) -> bool:
                if stack:
                    parents[id(current)] = stack[-1]
                stack.append(current)
                return True

            walk(self.module, enter, lambda _: stack.pop())
            self._parents = parents
        chain = []
        current = self._parents.get(id(node))
        while current is not None:
            chain.append(current)
            current = self._parents.get(id(current))
        return list(reversed(chain))

    def _owner(self, node: cst.CSTNode) -> tuple[cst.BaseStatement, int, int] | None:
        """The innermost statement holding ``node`` whose start the stdlib AST knows."""
        if self.tree is None:
            return None
        chain = self._ancestors(node) + [node]
        statements: list[cst.BaseStatement] = list(self.module.body)
        nodes: list[ast.stmt] = list(self.tree.body)
        owner = None
        for ancestor in chain[1:]:
            pairs = _pair(statements, nodes)
            if pairs is None or id(ancestor) not in pairs:
                break
            counterpart = pairs[id(ancestor)]
            owner = (ancestor, *_start(counterpart))
            if not isinstance(ancestor, DEFINITIONS) or not isinstance(ancestor.body, cst.IndentedBlock):
                break
            statements, nodes = list(ancestor.body.body), list(getattr(counterpart, "body", []))
        return owner  # type: ignore[return-value]

    def _render(self, statement: cst.BaseStatement) -> tuple[Any, dict[int, cst.CSTNode], list[str]]:
        if id(statement) not in self._rendered:
            bare = statement.with_changes(leading_lines=())
            sub = self.module.with_changes(body=[bare], header=(), footer=())
            positions = MetadataWrapper(sub, unsafe_skip_copy=True).resolve(PositionProvider)
            self._rendered[id(statement)] = (positions, {id(statement): bare}, physical_lines(sub.code))
        return self._rendered[id(statement)]

    def _shift(self, position: CodePosition, line0: int, rendered: list[str]) -> CodePosition:
        line = position.line + line0 - 1
        source = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        mine = rendered[position.line - 1] if 0 < position.line <= len(rendered) else ""
        indent = (len(source) - len(source.lstrip())) - (len(mine) - len(mine.lstrip()))
        return CodePosition(line, position.column + max(indent, 0))

    def block_indent(self, node: cst.CSTNode) -> str:
        """The indentation of the block holding ``node``: the leading whitespace of the line where
        its innermost enclosing statement starts (what continuation lines are indented from)."""
        chain = self._ancestors(node) + [node]
        statement = next((n for n in reversed(chain) if isinstance(n, cst.BaseStatement)), None)
        if statement is None:
            return ""
        line = self.position(statement).start.line
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return text[: len(text) - len(text.lstrip(" \t"))]

    def position(self, node: cst.CSTNode) -> CodeRange:
        owner = self._owner(node)
        if owner is not None:
            statement, line0, _column = owner
            positions, renamed, rendered = self._render(statement)
            where = positions[renamed.get(id(node), node)]
            return CodeRange(self._shift(where.start, line0, rendered), self._shift(where.end, line0, rendered))
        if self._whole is None:
            self._whole = MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        return self._whole[node]
