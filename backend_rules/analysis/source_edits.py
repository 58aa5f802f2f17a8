"""Several text edits inside one node, carried by a single fix.

A rule's ``Fix`` replaces one node by another. A rewrite that touches two places (the statement
that builds a value and the call that uses it) replaces their smallest common ancestor by its own
source text with the edits applied, written out verbatim by :class:`SourceText`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import libcst as cst

from backend_rules.analysis.positions import LINE_BREAK


@dataclass(frozen=True)
class SourceText(cst.CSTNode):
    """A stand-in node that renders as exactly ``text`` (already indented for its place)."""

    text: str = ""

    def _visit_and_replace_children(self, visitor: Any) -> "SourceText":
        return self

    def _codegen_impl(self, state: Any) -> None:
        state.add_token(self.text)


def _offsets(source: str) -> list[int]:
    starts = [0]
    starts.extend(match.end() for match in LINE_BREAK.finditer(source))
    return starts


def span(context: Any, node: cst.CSTNode) -> tuple[int, int]:
    """Start and end offsets of ``node`` in the file's source (end exclusive)."""
    starts = context.__dict__.get("_edit_line_starts")
    if starts is None:
        starts = context._edit_line_starts = _offsets(context.source)
    where = context.position(node)
    return starts[where.start.line - 1] + where.start.column, starts[where.end.line - 1] + where.end.column


def source_of(context: Any, node: cst.CSTNode) -> str:
    start, end = span(context, node)
    return context.source[start:end]


def edited(context: Any, holder: cst.CSTNode, edits: Sequence[tuple[cst.CSTNode, str]]) -> SourceText | None:
    """``holder``'s source with each edited node's text replaced; None when edits overlap or fall outside."""
    start, end = span(context, holder)
    text = context.source[start:end]
    placed = sorted(((*span(context, node), new) for node, new in edits), reverse=True)
    previous_start = end
    for node_start, node_end, new in placed:
        if node_start < start or node_end > previous_start:
            return None
        text = text[: node_start - start] + new + text[node_end - start:]
        previous_start = node_start
    return SourceText(text)


def common_holder(stack_a: Sequence[cst.CSTNode], stack_b: Sequence[cst.CSTNode]) -> cst.CSTNode | None:
    """The innermost node on both ancestor chains (outermost first)."""
    holder = None
    for first, second in zip(stack_a, stack_b):
        if first is not second:
            break
        holder = first
    return holder
