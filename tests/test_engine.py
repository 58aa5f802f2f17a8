"""The engine's promises: decode anything, never raise, isolate a failing rule, registry rules."""

from __future__ import annotations

import re

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.checker import SourceProblem, decode_source, noqa_codes
from backend_rules.engine.registry import RegistryError, all_rules, validate
from backend_rules.rule import Rule
from backend_rules.rules.sql.sql_built_from_strings import SqlStringToCursor

BAD = 'def find(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n'


def test_decode_honours_coding_cookie_and_bom():
    assert decode_source(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n").endswith("x = 'é'\n")
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"
    with pytest.raises(SourceProblem):
        decode_source(b"# coding: no-such-codec\nx = 1\n")
    with pytest.raises(SourceProblem):
        decode_source("x = '\x00'")


def test_check_source_accepts_bytes_and_text():
    assert [f.code for f in check_source(BAD.encode())] == ["BR101"]
    assert [f.code for f in check_source(BAD)] == ["BR101"]
    assert check_source(BAD)[0].path == "<stdin>"


def test_tool_findings_are_never_filtered_by_selection():
    assert [f.code for f in check_source("def f(:\n", config=Config(select=("BR1",)))] == ["BR001"]
    assert [f.code for f in check_source("def f(:\n")] == ["BR001"]


def test_a_failing_rule_reports_br000_and_others_still_report(monkeypatch):
    def boom(self, node):
        raise RuntimeError("kaput")

    monkeypatch.setattr(SqlStringToCursor, "visit_Call", boom)
    findings = check_source(BAD + "from sqlalchemy import text\ndef g(c, n):\n    c.execute(text('SELECT ' + n))\n")
    codes = [f.code for f in findings]
    assert "BR000" in codes and "BR102" in codes
    (internal,) = [f for f in findings if f.code == "BR000"]
    assert "internal error in BR101: RuntimeError: kaput" in internal.message


def test_deep_nesting_is_a_diagnostic_not_a_crash():
    deep = "def f(cur, x):\n    cur.execute('SELECT ' + " + "(" * 2000 + "x" + ")" * 2000 + ")\n"
    findings = check_source(deep)
    assert [f.code for f in findings] in (["BR001"], ["BR101"])


def test_noqa_parsing():
    assert noqa_codes("x = 1") is None
    assert noqa_codes("x = 1  # noqa") == set()
    assert noqa_codes("x = 1  # NOQA:BR101,BR2") == {"BR101", "BR2"}
    assert noqa_codes("x = 1  # noqa: BR101 BR102") == {"BR101", "BR102"}


def test_syntax_errors_are_not_suppressed_by_noqa():
    assert [f.code for f in check_source("1syntax_error  # noqa\n")] == ["BR001"]


def _rule(**attrs) -> type[Rule]:
    base = {"CODE": "BR101", "NAME": "sql-built-from-strings", "MESSAGE": "m", "__doc__": "doc",
            "__module__": SqlStringToCursor.__module__}
    return type("Fake", (Rule,), {**base, **attrs})


@pytest.mark.parametrize(
    "attrs,message",
    [
        ({"CODE": "X101"}, "is not BR + 3 digits"),
        ({"NAME": "Not Kebab"}, "kebab-case"),
        ({"CODE": "BR301"}, "the home of BR1xx"),
        ({"SEVERITY": "SEVERE"}, "severity/confidence"),
        ({"CATEGORY": "style"}, "category must be one of"),
        ({"MESSAGE": ""}, "documents itself"),
    ],
)
def test_registry_refuses_inconsistent_rules(attrs, message):
    with pytest.raises(RegistryError, match=re.escape(message)):
        validate([_rule(**attrs)])


def test_registry_refuses_duplicate_codes():
    with pytest.raises(RegistryError, match="duplicate code"):
        validate([_rule(), _rule(NAME="other-name")])


def test_catalogue_is_valid_and_codes_are_stable():
    rules = all_rules()
    assert {"BR000", "BR001", "BR002", "BR101", "BR102", "BR103"} <= set(rules)
    assert rules["BR101"].NAME == "sql-built-from-strings"


def test_a_failing_gate_lets_the_rule_run(monkeypatch):
    def broken_gate(cls, tree, project):
        raise RuntimeError("gate bug")

    monkeypatch.setattr(SqlStringToCursor, "may_fire_in_project", classmethod(broken_gate))
    assert [f.code for f in check_source(BAD)] == ["BR101"]


def test_flake8_plugin_reports_instead_of_raising(monkeypatch):
    import ast as std_ast

    import backend_rules.engine.checker as engine
    from backend_rules.flake8_plugin import Flake8Plugin

    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "check_source", explode)
    ((line, col, text, _),) = list(Flake8Plugin(std_ast.parse(BAD), BAD.splitlines(True), "x.py").run())
    assert (line, col) == (1, 0) and text.startswith("BR000 internal error: RuntimeError: boom")
