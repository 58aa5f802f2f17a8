"""The base class of both data-access rules: loop depth, the files they skip, the gate, loop reports."""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from backend_rules.analysis.code_kinds import (
    DEFAULT_TEST_PATHS,
    is_migration,
    is_test_code,
)
from backend_rules.rule import Rule
from backend_rules.rules.data_access.file_gate import may_fire_data_access
from backend_rules.rules.data_access.finding_confidence import (
    alembic_revision,
    confidence_at,
)
from backend_rules.rules.data_access.relation_access import analyse_loop

# A loop (or a DRF serializer, a route returning a list through a response schema): the N+1 may hide
# behind a helper, a related manager or a relationship collection with no ORM word in sight, so the
# stdlib-AST gate (``may_fire``) does the real filtering.
TRIGGER_RE = r"\b(?:for|while)\b|Serializer|many\s*=\s*True|\bresponse(?:_model)?\s*=|->\s*(?:typing\.)?(?:list|List|Sequence)\["


def _skip_path(options: dict) -> bool:
    """Tests and migrations run queries per item on purpose, unless ``queries-in-tests``."""
    if options.get("queries-in-tests", False):
        return False
    return is_test_code(options) or is_migration(options)


def _skip_file(context: Any) -> bool:
    return _skip_path(context.options)


class LoopRule(Rule):
    """Shared by BR201 and BR202: loop depth, skipped files, the gate; each reports its own code."""

    CATEGORY = "performance"
    SEVERITY = "MEDIUM"
    TRIGGER = TRIGGER_RE
    USES_PROJECT_INDEX = True
    OPTIONS = {"queries-in-tests": False, "test-paths": DEFAULT_TEST_PATHS}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return not _skip_path(options)

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        self.depth = 0
        self.skip = _skip_file(context) or alembic_revision(context)

    def report(self, node: cst.CSTNode, message: str | None = None, *, confidence: str | None = None, **fields: Any) -> None:
        """Every N+1 finding gets the confidence of where its code runs (a view, a task, a command)."""
        super().report(node, message, confidence=confidence or confidence_at(self.context, self.context.stack), **fields)

    @classmethod
    def may_fire_in_project(cls, tree: ast.Module, project: Any) -> bool:
        return may_fire_data_access(tree, project)

    def _enter(self, node: cst.CSTNode) -> None:
        self.depth += 1

    def _leave(self, node: cst.CSTNode) -> None:
        self.depth -= 1

    visit_While = _enter
    leave_While = _leave
    visit_ListComp = _enter
    leave_ListComp = _leave
    visit_SetComp = _enter
    leave_SetComp = _leave
    visit_DictComp = _enter
    leave_DictComp = _leave
    visit_GeneratorExp = _enter
    leave_GeneratorExp = _leave

    def leave_For(self, node: cst.For) -> None:
        self.depth -= 1

    def report_loop(self, loop: cst.CSTNode) -> None:
        if self.skip:
            return
        for code, node, message in analyse_loop(self, loop, list(self.context.stack)):
            if code == self.CODE:
                self.report(node, message)
