"""``backend-rules semgrep``: mapping semgrep's JSON to BR findings, and a clean error without it."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pytest

from backend_rules import semgrep_runner
from backend_rules.cli import main
from backend_rules.engine.registry import all_rules
from backend_rules.semgrep_runner import find_semgrep, pack_rules, parse_semgrep_json, rules_dir

PAYLOAD = {
    "results": [{
        "check_id": "semgrep-rules.python.sql-injection.br101-python-sql-string-dbapi",
        "path": "app/db.py",
        "start": {"line": 3, "col": 5}, "end": {"line": 3, "col": 40},
        "extra": {"message": "SQL built\n  from strings", "severity": "ERROR",
                  "metadata": {"br-code": "BR101", "confidence": "high"}},
    }],
    "errors": [{"type": "Syntax error", "message": "bad file", "path": "broken.py"}],
    "paths": {"scanned": ["app/db.py", "broken.py"]},
}


def test_semgrep_json_maps_to_br_codes():
    report = parse_semgrep_json(PAYLOAD)
    (finding,) = report.findings
    assert (finding.code, finding.name, finding.line, finding.column) == (
        "BR101", "br101-python-sql-string-dbapi", 3, 5)
    assert finding.severity == "HIGH" and finding.confidence == "HIGH"
    assert finding.message == "SQL built from strings"
    assert report.errors[0].path == "broken.py" and report.files == 2


def test_pack_is_found_from_the_package():
    assert rules_dir().is_dir()


def test_missing_semgrep_is_a_clean_usage_error(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert main(["semgrep", str(tmp_path)]) == 2
    assert "semgrep is not installed" in capsys.readouterr().err


def test_semgrep_beside_the_interpreter_comes_before_path(monkeypatch, tmp_path):
    beside = tmp_path / ("semgrep.exe" if os.name == "nt" else "semgrep")
    beside.write_text("#!/bin/sh\n", encoding="utf-8")
    beside.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(shutil, "which", lambda name: "/elsewhere/semgrep")
    assert find_semgrep() == str(beside)
    beside.unlink()
    assert find_semgrep() == "/elsewhere/semgrep"


def test_pack_rules_document_every_code_of_the_pack():
    pytest.importorskip("ruamel.yaml")
    rules = pack_rules()
    assert {"BR101", "BR102", "BR201", "BR305", "BR501", "BR701"} <= set(rules)
    for code, info in rules.items():
        assert info["code"] == code
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", info["name"]), code
        assert info["summary"] and "\n" not in info["summary"], code
        assert info["summary"] in info["docs"] and all(rule_id in info["docs"] for rule_id in info["rule_ids"])
        assert info["severity"] in ("LOW", "MEDIUM", "HIGH") and info["confidence"] in ("LOW", "MEDIUM", "HIGH")
        assert info["languages"] and info["category"] in ("security", "performance", "correctness")
        assert info["cwe"] is None or isinstance(info["cwe"], int)
    assert "typescript" in rules["BR305"]["languages"] and "CWE-755" in rules["BR305"]["docs"]


def test_pack_names_agree_with_the_engine():
    pytest.importorskip("ruamel.yaml")
    engine = all_rules()
    for code, info in pack_rules().items():
        if code in engine:
            assert info["name"] == engine[code].NAME, code


def test_pack_rules_need_the_yaml_reader_semgrep_brings(monkeypatch):
    monkeypatch.setitem(sys.modules, "ruamel.yaml", None)
    semgrep_runner.pack_rules.cache_clear()
    try:
        with pytest.raises(semgrep_runner.ConfigError, match="semgrep"):
            semgrep_runner.pack_rules()
    finally:
        semgrep_runner.pack_rules.cache_clear()


@pytest.mark.skipif(find_semgrep() is None, reason="semgrep not installed")
def test_semgrep_pack_end_to_end(tmp_path, capsys):
    target = tmp_path / "db.py"
    target.write_text('def f(cursor, name):\n    cursor.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n')
    assert main(["semgrep", "--format", "json", str(tmp_path)]) == 1
    assert '"code": "BR101"' in capsys.readouterr().out
