"""``backend-rules semgrep``: mapping semgrep's JSON to BR findings, and a clean error without it."""

from __future__ import annotations

import shutil

import pytest

from backend_rules.cli import main
from backend_rules.semgrep_runner import parse_semgrep_json, rules_dir

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
    assert main(["semgrep", str(tmp_path)]) == 2
    assert "semgrep is not installed" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("semgrep") is None, reason="semgrep not installed")
def test_semgrep_pack_end_to_end(tmp_path, capsys):
    target = tmp_path / "db.py"
    target.write_text('def f(cursor, name):\n    cursor.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n')
    assert main(["semgrep", "--format", "json", str(tmp_path)]) == 1
    assert '"code": "BR101"' in capsys.readouterr().out
