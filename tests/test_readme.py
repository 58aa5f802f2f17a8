"""The README tells the truth: its rule table and its test command match the code and CI."""

from __future__ import annotations

import re
from pathlib import Path

from backend_rules.cli import markdown_rule_table

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_rule_table_is_generated_from_the_registry():
    block = re.search(r"<!-- rules-table:[^\n]*-->\n(.*?)<!-- /rules-table -->", README, re.S)
    assert block, "README lost its rule table markers"
    assert block.group(1) == markdown_rule_table(), "run: backend-rules rules --format markdown"


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    test_command = commands[1].split("&& ", 2)[-1]  # after creating and activating the venv
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci


def test_every_rule_is_documented_by_explain():
    for code in re.findall(r"^\| (BR\d{3}) \|", README, re.M):
        assert code in markdown_rule_table()


def test_the_tool_is_clean_on_its_own_source():
    """Like flake8-bugbear's self-check: our own code passes our own rules (with our config)."""
    from backend_rules.engine.config import discover_config
    from backend_rules.engine.runner import check_paths

    config = discover_config([str(REPO / "backend_rules")])
    report = check_paths([str(REPO / "backend_rules"), str(REPO / "bench")], config, jobs=1, use_cache=False)
    assert report.findings == [] and report.errors == []
