"""Never silent, never stuck: modern syntax, deep nesting, odd files and failing rules.

Each case here once lost findings or hung: valid 3.12-3.14 syntax reported as a syntax error,
long elif chains overflowing the recursion limit, a FIFO named ``*.py``, a form feed shifting
``# noqa`` to another line, a rule crash switching the rule off for the whole file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import libcst as cst
import pytest

from backend_rules.context import FileContext
from backend_rules.engine.checker import _run_rules, check_source
from backend_rules.engine.config import Config
from backend_rules.engine.runner import check_paths
from backend_rules.rule import Rule

from conftest import codes, run

INJECTION = 'def q(cur, name):\n    cur.execute(f"SELECT * FROM t WHERE name = \'{name}\'")\n'


@pytest.mark.parametrize(
    "modern",
    [
        "def first[T](items: list[T]) -> T:\n    return items[0]\n",  # PEP 695 (3.12)
        "class Box[T]:\n    pass\n",
        "type Pair = tuple[int, int]\n",
        "label = f\"{'-'.join(['a', 'b'])}\"\nnested = f\"{f\"{1}\"}\"\n",  # PEP 701 (3.12)
        "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n",  # PEP 758 (3.14)
    ],
)
def test_newer_syntax_than_the_interpreter_is_still_analysed(modern):
    found = codes(modern + INJECTION)
    assert found == ["BR101"]


def test_a_file_no_grammar_reads_is_br001_naming_the_versions_tried():
    (finding,) = run("def broken(:\n    pass\n")
    assert finding.code == "BR001" and finding.line == 1
    assert "3.14" in finding.message and f"{sys.version_info[0]}.{sys.version_info[1]}" in finding.message


def test_python2_print_is_a_syntax_error_even_without_triggered_rules():
    assert codes('print "hello"\n') == ["BR001"]


def _deep_if(branches: int) -> str:
    lines = ["def route(cur, kind, name):", "    if kind == 0:", "        pass"]
    for number in range(1, branches):
        lines += [f"    elif kind == {number}:", "        pass"]
    return "\n".join(lines) + "\n" + INJECTION


@pytest.mark.parametrize(
    "source",
    [
        _deep_if(400),
        "ok = " + " and ".join(f"x{i}" for i in range(400)) + "\n" + INJECTION,
        'sql = "SELECT" ' + " ".join(f'"part{i}"' for i in range(400)) + "\n" + INJECTION,
        "value = obj" + ".call()" * 600 + "\n" + INJECTION,
        "value = obj" + "[0]" * 600 + "\n" + INJECTION,
        'def q2(cur, name):\n    cur.execute("SELECT " + ' + " + ".join(["name"] * 400) + ")\n" + INJECTION,
    ],
    ids=["elif-chain", "and-operands", "string-parts", "call-chain", "subscript-chain", "long-concat"],
)
def test_long_but_valid_code_keeps_every_finding(source):
    found = codes(source)
    assert "BR000" not in found and "BR001" not in found
    assert "BR101" in found


def test_deep_code_through_stdin_prints_no_traceback():
    source = "x = " + "(" * 150 + "1" + ")" * 150 + "\n" + "value = obj" + ".call()" * 2000 + "\n" + INJECTION
    result = subprocess.run(
        [sys.executable, "-m", "backend_rules", "check", "-", "--stdin-filename", "deep.py"],
        input=source.encode(), capture_output=True, timeout=120,
    )
    assert b"Traceback" not in result.stderr and b"Traceback" not in result.stdout
    assert b"BR101" in result.stdout


class _Crashy(Rule):
    """Fails on the function named ``boom``; reports every other function."""

    CODE = "BR999"
    NAME = "crashy"
    MESSAGE = "function"

    def visit_FunctionDef(self, node):
        if node.name.value == "boom":
            raise RuntimeError("pop from empty list")
        self.report(node)


def test_a_failing_rule_reports_br000_and_keeps_checking_the_rest_of_the_file():
    source = "def before():\n    pass\n\ndef boom():\n    def inner():\n        pass\n\ndef after():\n    pass\n"
    context = FileContext("x.py", source, cst.parse_module(source), {}, None, None)
    findings = _run_rules([_Crashy], context)
    by_code = sorted((f.code, f.line) for f in findings)
    assert ("BR999", 1) in by_code and ("BR999", 8) in by_code
    (internal,) = [f for f in findings if f.code == "BR000"]
    assert "BR999" in internal.message and "RuntimeError" in internal.message


def test_tool_diagnostics_survive_select_ignore_and_noqa():
    config = Config(select=("BR201",), ignore=("BR0",))
    (finding,) = check_source("def broken(:  # noqa\n", "x.py", config)
    assert finding.code == "BR001"
    (finding,) = check_source(b"\x00\x01", "x.py", Config(select=()))
    assert finding.code == "BR002"


def test_a_form_feed_does_not_shift_noqa_or_lines():
    source = "x = 1\n\x0c\ny = 2  # a\u2028b\x1c\n" + INJECTION.replace("\")\n", "\")  # noqa: BR101\n")
    assert codes(source) == []
    (finding,) = run("\x0c\n" + INJECTION)
    assert finding.line == 3


def test_a_fifo_named_py_is_skipped_with_a_diagnostic(tmp_path):
    (tmp_path / "good.py").write_text(INJECTION)
    os.mkfifo(tmp_path / "pipe.py")
    excluded = tmp_path / "build"
    excluded.mkdir()
    os.mkfifo(excluded / "other.py")
    report = check_paths([str(tmp_path)], Config(root=str(tmp_path)), jobs=1, use_cache=False)
    assert [f.code for f in report.findings] == ["BR101"]
    assert [(os.path.basename(e.path), "not a regular file" in e.message) for e in report.errors] == [
        ("pipe.py", True)
    ]


def test_a_symlink_to_dev_zero_is_not_read_forever(tmp_path):
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    report = check_paths([str(tmp_path / "zero.py")], Config(root=str(tmp_path)), jobs=1, use_cache=False)
    assert len(report.errors) == 1 and "not a regular file" in report.errors[0].message


def test_a_file_over_the_size_limit_is_a_diagnostic(tmp_path, monkeypatch):
    from backend_rules.engine import discovery

    monkeypatch.setattr(discovery, "MAX_FILE_BYTES", 100)
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    report = check_paths([str(tmp_path)], Config(root=str(tmp_path)), jobs=1, use_cache=False)
    assert len(report.errors) == 1 and "larger than" in report.errors[0].message


def test_an_unreadable_folder_is_reported_not_skipped(tmp_path, monkeypatch):
    (tmp_path / "ok.py").write_text("x = 1\n")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.py").write_text(INJECTION)
    real_scandir = os.scandir

    def scandir(path="."):
        if os.fspath(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = check_paths([str(tmp_path)], Config(root=str(tmp_path)), jobs=1, use_cache=False)
    assert [(e.path, e.message) for e in report.errors] == [(str(locked), "cannot read folder: Permission denied")]


def test_same_place_same_code_is_reported_once():
    source = textwrap.dedent(
        """
        def q(cur, a):
            cur.execute("SELECT %s" % a); cur.execute("SELECT %s" % a)
        """
    ).lstrip()
    found = run(source)
    assert len({(f.code, f.line, f.column) for f in found}) == len(found)


@pytest.mark.parametrize(
    "path,kind",
    [
        ("proj/management/commands/sample_data.py", "script"),
        ("server/app/alembic/versions/0001_init.py", "migration"),
        ("svc/migrations/versions/abc.py", "migration"),
        ("src/pkg/tests/test_api.py", "test"),
        ("readthedocs/settings/test.py", "test"),
        ("app/views.py", "request"),
        ("app/tasks.py", "task"),
        ("app/models.py", "other"),
    ],
)
def test_code_kinds_match_at_any_depth(path, kind):
    from backend_rules.analysis.code_kinds import code_kind

    assert code_kind({"relative_path": path}) == kind


def test_newer_syntax_that_also_needs_the_deep_pass_does_not_hang():
    source = "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n" + _deep_if(400)
    assert "BR101" in codes(source)


def test_an_elif_chain_the_stdlib_parser_runs_out_of_memory_on_is_parsed_on_a_big_stack(tmp_path):
    """CPython 3.11 raises MemoryError (not SyntaxError) on ~10,000 ``elif`` branches; libcst then ran
    on the main thread's C stack and the process died with SIGSEGV."""
    branches = "".join(f"    elif x == {i}:\n        return {i}\n" for i in range(1, 10_000))
    path = tmp_path / "dispatch.py"
    path.write_text("def f(x):\n    if x == 0:\n        return 0\n" + branches)
    completed = subprocess.run([sys.executable, "-m", "backend_rules", "check", str(path), "--no-cache"],
                               capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert "1 file checked" in completed.stdout
    assert "Traceback" not in completed.stderr


def test_a_statement_of_many_operands_costs_linear_work(monkeypatch):
    """Every level of ``'a' + 'a' + ... + x`` asks whether its operands are safe, and every node asked
    for its statement's order by walking its ancestors: quadratic (minutes on 10,000 operands)."""
    from backend_rules.analysis.dataflow import ScopeFacts
    from backend_rules.analysis.string_building import StringAnalyzer

    calls = {"safe": 0, "order_steps": 0}
    is_safe, order_of = StringAnalyzer._is_safe, ScopeFacts.order_of

    def counting_is_safe(self, *args):
        calls["safe"] += 1
        return is_safe(self, *args)

    def counting_order_of(self, stack):
        calls["order_steps"] += len(stack)
        return order_of(self, stack)

    monkeypatch.setattr(StringAnalyzer, "_is_safe", counting_is_safe)
    monkeypatch.setattr(ScopeFacts, "order_of", counting_order_of)
    operands = 300
    source = "def q(cur, x):\n    cur.execute('SELECT ' + " + " + ".join("'a'" for _ in range(operands)) + " + x)\n"
    assert codes(source, "q.py") == ["BR101"]
    assert calls["safe"] < 20 * operands
    assert calls["order_steps"] < 20 * operands
