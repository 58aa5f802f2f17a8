"""The guide's Python samples: every anti-pattern flagged, every best practice clean.

Example 8's "best practice" is itself buggy (a Redis key built from the per-process ``hash()``),
so there the tool must speak up. Example 2 is design guidance, not a lint: nothing fires.
"""

from __future__ import annotations

import re

import pytest

from backend_rules import check_source
from backend_rules.engine.config import Config
from tests.conftest import SEED_GUIDE

pytestmark = pytest.mark.skipif(not SEED_GUIDE.exists(), reason="the seed guide is not beside the repo")


def python_samples() -> dict[str, str]:
    text = SEED_GUIDE.read_text(encoding="utf-8")
    samples = {}
    for match in re.finditer(r"#### (Example \d+)[^\n]*\n+```python\n(.*?)```", text, re.S):
        samples[match.group(1)] = match.group(2)
    return samples


def _segments(code: str) -> list[tuple[str, int, int]]:
    """(label, first line, last line) for each '# ❌' / '# ✅' section of a sample."""
    marks = [(i + 1, line) for i, line in enumerate(code.splitlines()) if re.match(r"\s*# (❌|✅)", line)]
    ends = [start - 1 for start, _ in marks[1:]] + [len(code.splitlines())]
    return [("bad" if "❌" in label else "good", start, end) for (start, label), end in zip(marks, ends)]


def _findings(code: str):
    return check_source(code, "guide_sample.py", Config(), project_loader=lambda: None)


def test_the_guide_has_the_python_samples_we_expect():
    assert {"Example 2", "Example 5", "Example 8"} <= set(python_samples())


def test_example5_n_plus_one_flagged_and_both_fixes_clean():
    code = python_samples()["Example 5"]
    findings = _findings(code)
    segments = _segments(code)
    (bad,) = [s for s in segments if s[0] == "bad"]
    assert findings, "the N+1 anti-pattern must be flagged"
    assert all(f.code.startswith("BR2") for f in findings)
    assert all(bad[1] <= f.line <= bad[2] for f in findings), "best practices must stay clean"
    assert any("author" in f.message for f in findings)


def test_example8_buggy_best_practice_flags_hash_cache_key():
    code = python_samples()["Example 8"]
    findings = _findings(code)
    assert [f.code for f in findings] == ["BR801"]
    assert "hash(" in code.splitlines()[findings[0].line - 1]


def test_example2_design_guidance_is_not_a_lint():
    assert _findings(python_samples()["Example 2"]) == []
