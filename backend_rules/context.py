"""Everything a rule may ask about the file being checked, computed at most once per file."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst
from libcst.metadata import CodeRange

from backend_rules.analysis.dataflow import ScopeFacts, collect_scope
from backend_rules.analysis.imports import ImportMap
from backend_rules.analysis.positions import PositionIndex

if TYPE_CHECKING:  # pragma: no cover
    import ast

    from backend_rules.analysis.project_facts import ProjectIndex


class FileContext:
    """Per-file state shared by all rules during the single traversal."""

    def __init__(
        self,
        path: str,
        source: str,
        module: cst.Module,
        options: dict[str, Any],
        project_loader: Callable[[], "ProjectIndex | None"] | None = None,
        tree: "ast.Module | None" = None,
    ) -> None:
        self.path = path
        self.source = source
        self.module = module
        self.options = options
        self.imports = ImportMap()
        # Ancestors of the node being visited, outermost first (maintained by the engine).
        self.stack: list[cst.CSTNode] = []
        # (rule, node, message, confidence, fix); the rule is a backend_rules.rule.Rule (not imported: rule.py imports us)
        self.reports: list[tuple[Any, cst.CSTNode, str, str, Any]] = []
        self._project_loader = project_loader
        self._scopes: dict[int, ScopeFacts] = {}
        self.tree = tree  # the stdlib AST of the same source

    def scope_facts(self, node: cst.CSTNode) -> ScopeFacts:
        """Bindings of one function/class/module scope, collected once per file."""
        facts = self._scopes.get(id(node))
        if facts is None:
            facts = self._scopes[id(node)] = collect_scope(node)
        return facts

    @cached_property
    def project(self) -> "ProjectIndex | None":
        """Cross-file facts about the project this file belongs to (built on first use)."""
        return self._project_loader() if self._project_loader else None

    @cached_property
    def _positions(self) -> PositionIndex:
        # Positions need a code-generation pass: only files that report pay, per statement.
        return PositionIndex(self.module, self.tree, self.source)

    def position(self, node: cst.CSTNode) -> CodeRange:
        return self._positions.position(node)

    def block_indent(self, node: cst.CSTNode) -> str:
        return self._positions.block_indent(node)

    def line_of(self, node: cst.CSTNode) -> int:
        return self.position(node).start.line

    def add_finding(self, rule: Any, node: cst.CSTNode, message: str, confidence: str, fix: Any = None) -> None:
        self.reports.append((rule, node, message, confidence, fix))
