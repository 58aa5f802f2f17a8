"""The base of the secrets rules: each reports the findings :class:`SecretAnalysis` gives its code."""

from __future__ import annotations

import ast

import libcst as cst

from backend_rules.rule import Rule
from backend_rules.analysis.code_kinds import DEFAULT_TEST_PATHS
from backend_rules.rules.secrets.secret_analysis import QUIET_IN_TESTS, SecretAnalysis, quiet_in_tests
from backend_rules.rules.secrets.secret_prefilter import possible_codes


class SecretRule(Rule):
    CATEGORY = "security"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
    CWE = 798
    OPTIONS = {"test-paths": DEFAULT_TEST_PATHS, "secrets-in-tests": False}

    @classmethod
    def applies_to(cls, options: dict) -> bool:
        return cls.CODE not in QUIET_IN_TESTS or not quiet_in_tests(options)

    def _visit(self, node: cst.CSTNode) -> None:
        for code, where, fields in SecretAnalysis.of(self.context).at(node):
            if code == self.CODE:
                fields = dict(fields)
                self.report(where, confidence=fields.pop("confidence", None), **fields)

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return cls.CODE in possible_codes(tree)

    visit_Assign = visit_AnnAssign = visit_Call = visit_Dict = _visit
    visit_FunctionDef = visit_Lambda = visit_Comparison = _visit
    visit_SimpleString = visit_ConcatenatedString = visit_FormattedString = _visit
