"""The example apps: exactly the lines marked ``# expect: BRxxx`` fire, through every front door."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from backend_rules.engine.config import Config
from backend_rules.engine.runner import check_paths

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>BR\d{3}(?:\s*,\s*BR\d{3})*)")


def expected_findings() -> set[tuple[str, int, str]]:
    expected = set()
    for path in sorted(EXAMPLES.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = EXPECT.search(line)
            if match:
                for code in re.split(r"\s*,\s*", match.group("codes")):
                    expected.add((str(path.relative_to(EXAMPLES)), number, code))
    return expected


def test_examples_fire_exactly_where_marked():
    report = check_paths([str(EXAMPLES)], Config(), jobs=1, use_cache=False)
    found = {(str(Path(f.path).relative_to(EXAMPLES)), f.line, f.code) for f in report.findings}
    expected = expected_findings()
    assert expected, "the examples mark their anti-patterns with '# expect: BRxxx'"
    assert sorted(found - expected) == [], "fired on lines not marked"
    assert sorted(expected - found) == [], "marked lines that did not fire"
    assert report.errors == []


def _cli_findings() -> set[tuple[str, int, str]]:
    result = subprocess.run(
        [sys.executable, "-m", "backend_rules", "check", "--no-cache", "--format", "json", str(EXAMPLES)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    import json

    payload = json.loads(result.stdout)
    return {(str(Path(f["path"]).resolve().relative_to(EXAMPLES)), f["line"], f["code"]) for f in payload["findings"]}


def test_flake8_agrees_with_cli_on_examples():
    pytest.importorskip("flake8")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "BR", "--format", "%(path)s:%(row)d:%(code)s", str(EXAMPLES)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1, result.stderr
    flake8 = set()
    for line in result.stdout.splitlines():
        path, row, code = line.rsplit(":", 2)
        flake8.add((str(Path(path).resolve().relative_to(EXAMPLES)), int(row), code))
    assert flake8 == _cli_findings()
