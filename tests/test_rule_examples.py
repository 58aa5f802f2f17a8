"""Every rule's VALID / INVALID examples run as tests (Fixit's examples-as-tests idea)."""

from __future__ import annotations

import textwrap

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.registry import TOOL_RULES, all_rules
from backend_rules.rule import Invalid, Valid

RULES = [rule for code, rule in all_rules().items() if code not in TOOL_RULES]


def _check(rule, code: str, path: str, min_confidence: str = "MEDIUM"):
    """VALID examples must stay clean at the default confidence; INVALID ones may be LOW findings."""
    config = Config(select=(rule.CODE,), min_confidence=min_confidence)
    return check_source(textwrap.dedent(code).removeprefix("\n"), path, config, project_loader=lambda: None)


def _cases(kind: str):
    for rule in RULES:
        for number, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.CODE}-{kind.lower()}-{number}")


@pytest.mark.parametrize("rule,example", list(_cases("VALID")))
def test_valid_examples_are_clean(rule, example):
    example = example if isinstance(example, Valid) else Valid(example)
    assert _check(rule, example.code, example.path) == []


@pytest.mark.parametrize("rule,example", list(_cases("INVALID")))
def test_invalid_examples_fire(rule, example: Invalid):
    findings = _check(rule, example.code, example.path, min_confidence="LOW")
    assert [(f.code, f.line) for f in findings] == [(rule.CODE, example.line)], findings
    if example.column is not None:
        assert findings[0].column == example.column
    if example.message is not None:
        assert example.message in findings[0].message


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.CODE)
def test_every_rule_proves_itself(rule):
    """At least three examples each way, and documentation in ruff's sections."""
    assert len(rule.VALID) >= 3 and len(rule.INVALID) >= 3, rule.CODE
    doc = rule.documentation()
    for section in ("## What it does", "## Why is this bad?", "## Example"):
        assert section in doc, f"{rule.CODE} lacks {section}"
    assert rule.TRIGGER is not None, f"{rule.CODE} needs a TRIGGER so untouched files are skipped"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.CODE)
def test_trigger_matches_every_invalid_example(rule):
    """The cheap file filter must never hide a true positive."""
    for example in rule.INVALID:
        assert rule.trigger().search(textwrap.dedent(example.code)), (rule.CODE, example.code)


def _fix_cases():
    for rule in RULES:
        for number, example in enumerate(rule.INVALID):
            if example.expected is not None:
                yield pytest.param(rule, example, id=f"{rule.CODE}-fix-{number}")


@pytest.mark.parametrize("rule,example", list(_fix_cases()))
def test_fixes_produce_the_expected_source_and_remove_the_finding(rule, example: Invalid):
    from backend_rules.engine.fixer import apply_fixes

    source = textwrap.dedent(example.code).removeprefix("\n")
    findings = _check(rule, source, example.path, min_confidence="LOW")
    fixed, applied = apply_fixes(source, findings, unsafe=True)
    assert applied, f"{rule.CODE}: no fix applied"
    assert fixed == textwrap.dedent(example.expected).removeprefix("\n")
    compile(fixed, example.path, "exec")
    assert _check(rule, fixed, example.path, min_confidence="LOW") == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.CODE)
def test_fixable_rules_say_so_and_prove_it(rule):
    """A rule that declares fixes pins at least one fixed source; one that pins any declares FIX."""
    pinned = [example for example in rule.INVALID if example.expected is not None]
    assert rule.FIX in ("", "safe", "unsafe", "safe or unsafe"), rule.CODE
    assert bool(rule.FIX) == bool(pinned), f"{rule.CODE}: FIX={rule.FIX!r} but {len(pinned)} pinned fixes"
