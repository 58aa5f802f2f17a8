"""Per-definition positions must equal libcst's whole-module PositionProvider, node for node."""

from __future__ import annotations

import ast
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from backend_rules.analysis.positions import PositionIndex
from backend_rules.analysis.walk import walk

REPO = Path(__file__).resolve().parent.parent
SOURCES = sorted((REPO / "backend_rules").rglob("*.py"))[:12] + sorted((REPO / "examples").rglob("*.py"))

TRICKY = '''\
import os  # a comment
x = 1; y = (2 +
     3)


@decorator(
    arg=1,
)
class Outer:
    """Doc."""

    def method(self, value):
        query = (
            "SELECT 1"
            f" {value}"
        )
        return call(query,
                    value)

    @property
    def other(self): return [v for v in range(3)]
'''


def _compare(source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    index = PositionIndex(module, ast.parse(source), source)
    nodes: list[cst.CSTNode] = []
    walk(module, lambda n: nodes.append(n) or True)
    for node in nodes:
        if isinstance(node, (cst.Call, cst.Name, cst.SimpleString, cst.FormattedString, cst.Assign, cst.Return)):
            assert index.position(node) == expected[node], cst.Module(body=[]).code_for_node(node)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_positions_match_libcst_on_real_files(path):
    _compare(path.read_text(encoding="utf-8"))


def test_positions_match_on_tricky_layout():
    _compare(TRICKY)


def test_positions_fall_back_without_stdlib_tree():
    module = cst.parse_module("a = f(1)\n")
    index = PositionIndex(module, None, "a = f(1)\n")
    call = module.body[0].body[0].value
    assert index.position(call).start.line == 1 and index.position(call).start.column == 4
