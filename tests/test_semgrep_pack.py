"""The semgrep pack itself: every rule documented and tested, and no message that semgrep garbles.

semgrep expands ``$NAME`` and ``$1`` in a rule's message from the match (``$1`` is the first
capture group of the last regex: "WHERE id = $1" printed as "WHERE id = packag"), so a message
may only use metavariables that every branch of its rule binds. The last test runs the pack over
its own test files and looks at what semgrep actually printed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend_rules.semgrep_runner import find_semgrep, run_semgrep_pack

PACK = Path(__file__).resolve().parent.parent / "semgrep-rules"
LANGUAGES = ("python", "typescript", "java", "go")
REQUIRED_METADATA = ("br-code", "br-name", "br-summary", "category", "cwe", "owasp", "confidence", "references")
STRAY = re.compile(r"\$[A-Za-z0-9_]")


def _rules() -> list[tuple[Path, dict]]:
    yaml = pytest.importorskip("ruamel.yaml")
    loader = yaml.YAML(typ="safe", pure=True)
    return [
        (path, rule)
        for language in LANGUAGES
        for path in sorted((PACK / language).rglob("*.yaml"))
        for rule in loader.load(path.read_text(encoding="utf-8"))["rules"]
    ]


def test_every_rule_is_documented_and_has_its_test_file():
    rules = _rules()
    assert len(rules) >= 40
    for path, rule in rules:
        metadata = rule["metadata"]
        missing = [key for key in REQUIRED_METADATA if not metadata.get(key)]
        assert not missing, f"{rule['id']}: no {missing}"
        assert re.fullmatch(r"BR\d{3}", metadata["br-code"]), rule["id"]
        assert rule["id"].startswith(metadata["br-code"].lower() + "-"), rule["id"]
        assert metadata["confidence"] in ("LOW", "MEDIUM", "HIGH"), rule["id"]
        tests = [p for p in path.parent.glob(path.stem + ".*") if p.suffix != ".yaml"]
        assert tests, f"{rule['id']}: no same-named test file"
        assert any("ruleid: " + rule["id"] in p.read_text(encoding="utf-8") for p in tests), rule["id"]


def test_rules_of_one_code_share_its_name_and_summary():
    seen: dict[str, tuple[str, str]] = {}
    for _, rule in _rules():
        metadata = rule["metadata"]
        key = (metadata["br-name"], metadata["br-summary"])
        assert seen.setdefault(metadata["br-code"], key) == key, rule["id"]


def test_messages_hold_no_capture_group_or_unbindable_metavariable():
    for _, rule in _rules():
        message = rule["message"]
        assert not re.search(r"\$\d", message), rule["id"]  # a capture group of the last regex
        assert not re.search(r"\$[a-z]", message), rule["id"]  # never a metavariable: printed raw


@pytest.mark.skipif(find_semgrep() is None, reason="semgrep not installed")
def test_reported_messages_hold_no_stray_metavariable():
    targets = [
        str(path) for language in LANGUAGES for path in sorted((PACK / language).rglob("*"))
        if path.is_file() and path.suffix != ".yaml"
    ]
    report = run_semgrep_pack(targets)
    assert not [e for e in report.errors if "Rule parse error" in e.message or "invalid" in e.message.lower()]
    assert len({f.code for f in report.findings}) >= 15
    stray = [(f.name, f.message) for f in report.findings if STRAY.search(f.message)]
    assert not stray, stray[:3]
