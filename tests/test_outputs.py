"""SARIF for code scanning, GitHub annotations, JSON and text: same findings, right shapes."""

from __future__ import annotations

import json

from backend_rules.engine.findings import FileError, Finding
from backend_rules.output import render
from backend_rules.engine.registry import all_rules
from backend_rules.engine.runner import Report


def _report(tmp_path, content: str = "x = 1\ncur.execute('SELECT ' + name)\n") -> Report:
    source = tmp_path / "app.py"
    source.write_text(content)
    finding = Finding(
        path=str(source), line=2, column=1, code="BR101", message="SQL built with % of `x`, 100%: bad",
        name="sql-built-from-strings", severity="HIGH", confidence="HIGH", end_line=2, end_column=30,
    )
    return Report(findings=[finding], errors=[FileError("gone.py", "cannot read file: missing")], files=2)


def test_sarif_has_what_code_scanning_reads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sarif = json.loads(render(_report(tmp_path), "sarif"))
    assert sarif["version"] == "2.1.0" and "sarif-2.1.0" in sarif["$schema"]
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "backend-rules" and driver["version"]
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == list(all_rules())
    for rule in driver["rules"]:
        assert rule["name"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        assert isinstance(rule["properties"]["tags"], list)
    (result,) = run["results"]
    assert result["ruleId"] == "BR101" and driver["rules"][result["ruleIndex"]]["id"] == "BR101"
    assert result["level"] == "error" and result["message"]["text"].startswith("SQL built")
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app.py"  # relative, forward slashes
    assert location["region"] == {"startLine": 2, "startColumn": 1, "endLine": 2, "endColumn": 30}
    assert result["partialFingerprints"]["primaryLocationLineHash"]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "cannot read file: missing"


def test_sarif_fingerprint_survives_line_moves(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    first = json.loads(render(_report(tmp_path), "sarif"))["runs"][0]["results"][0]
    moved = _report(tmp_path, "\n\nx = 1\ncur.execute('SELECT ' + name)\n")
    moved.findings[0] = Finding(**{**moved.findings[0].to_dict(), "line": 4, "end_line": 4})
    second = json.loads(render(moved, "sarif"))["runs"][0]["results"][0]
    assert first["partialFingerprints"] == second["partialFingerprints"]


def test_github_annotations_escape_properly(tmp_path):
    text = render(_report(tmp_path), "github")
    first, second = text.splitlines()
    assert first.startswith("::error file=") and ",line=2,col=1," in first
    assert "title=BR101 sql-built-from-strings" in first
    assert "100%25: bad" in first  # '%' escaped in the message
    assert second.startswith("::error file=gone.py::cannot read file")


def test_json_and_text(tmp_path):
    report = _report(tmp_path)
    payload = json.loads(render(report, "json"))
    assert payload["findings"][0]["code"] == "BR101" and payload["errors"][0]["path"] == "gone.py"
    text = render(report, "text")
    assert ":2:1: BR101 SQL built" in text and "gone.py: error:" in text
    assert "1 file could not be checked" in text
    assert render(Report(files=1), "text") == "All checks passed (1 file).\n"
    assert render(Report(), "github") == ""
