"""Baselines: CI fails only on new findings; edits above old ones do not bring them back."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from backend_rules.cli import main

BAD = 'def find(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n'
SECRET = 'STRIPE_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123"\n'


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    app = tmp_path / "app"
    app.mkdir()
    (app / "db.py").write_text(BAD + "\n" + BAD.replace("find", "find_again"))
    (app / "keys.py").write_text(SECRET)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _json_findings(capsys) -> list[dict]:
    return json.loads(capsys.readouterr().out)["findings"]


def test_a_baseline_silences_known_findings_and_reports_new_ones(project, capsys):
    assert main(["baseline", "app", "--no-cache"]) == 0
    capsys.readouterr()
    assert main(["check", "app", "--no-cache", "--baseline", ".backend-rules-baseline.json"]) == 0
    assert "All checks passed" in capsys.readouterr().out
    # 20 random edits above the findings, then one new injection
    db = project / "app" / "db.py"
    rng = random.Random(1)
    lines = db.read_text().splitlines()
    for number in range(20):
        lines.insert(rng.randint(0, 1), f"import os as os{number}  # edit {number}")
    lines.append("def fresh(cur, uid):\n    cur.execute(f\"DELETE FROM t WHERE id = {uid}\")")
    db.write_text("\n".join(lines) + "\n")
    assert main(["check", "app", "--no-cache", "--format", "json", "--baseline", ".backend-rules-baseline.json"]) == 1
    (new,) = _json_findings(capsys)
    assert new["code"] == "BR101" and "fresh" not in new["message"] and new["line"] == len(lines) + 1


def test_the_baseline_file_is_stable_sorted_and_holds_no_secret(project, capsys):
    assert main(["baseline", "app", "--no-cache", "--output", "b1.json"]) == 0
    assert main(["baseline", "app", "--no-cache", "--output", "b2.json"]) == 0
    first, second = (project / "b1.json").read_text(), (project / "b2.json").read_text()
    assert first == second
    data = json.loads(first)
    assert [e["path"] for e in data["findings"]] == sorted(e["path"] for e in data["findings"])
    assert "sk_live" not in first and "SELECT" not in first
    assert {e["code"] for e in data["findings"]} == {"BR101", "BR402"}


def test_identical_findings_are_counted_not_merged(project, capsys):
    (project / "app" / "db.py").write_text(BAD)
    assert main(["baseline", "app", "--no-cache"]) == 0
    (project / "app" / "db.py").write_text(BAD + BAD.replace("def find", "def find2"))
    capsys.readouterr()
    assert main(["check", "app", "--no-cache", "--format", "json", "--baseline", ".backend-rules-baseline.json"]) == 1
    assert len(_json_findings(capsys)) == 1


def test_stale_entries_are_counted_and_pruned(project, capsys):
    assert main(["baseline", "app", "--no-cache"]) == 0
    (project / "app" / "keys.py").write_text("STRIPE_KEY = None\n")
    capsys.readouterr()
    assert main(["check", "app", "--no-cache", "--baseline", ".backend-rules-baseline.json"]) == 0
    assert "1 finding in the baseline no longer occur" in capsys.readouterr().err
    assert main(["check", "app", "--no-cache", "--baseline", ".backend-rules-baseline.json", "--baseline-prune"]) == 0
    assert "removed 1 fixed finding" in capsys.readouterr().err
    assert len(json.loads((project / ".backend-rules-baseline.json").read_text())["findings"]) == 2


def test_a_renamed_file_keeps_its_baseline(project, capsys):
    def git(*args):
        subprocess.run(["git", *args], cwd=project, check=True, capture_output=True,
                       env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                            "GIT_COMMITTER_EMAIL": "t@t", "HOME": str(project), "PATH": "/usr/bin:/bin"})

    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "start")
    assert main(["baseline", "app", "--no-cache"]) == 0
    git("mv", "app/db.py", "app/queries.py")
    capsys.readouterr()
    assert main(["check", "app", "--no-cache", "--baseline", ".backend-rules-baseline.json"]) == 0


@pytest.mark.parametrize("content", [None, "{not json", '{"tool": "other"}', '{"tool": "backend-rules", "format": 1, "findings": [{"x": 1}]}'])
def test_a_missing_or_broken_baseline_is_one_line_exit_2(project, capsys, content):
    if content is not None:
        (project / "b.json").write_text(content)
    assert main(["check", "app", "--no-cache", "--baseline", "b.json"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_config_baseline_works_in_flake8_too(project):
    assert main(["baseline", "app", "--no-cache"]) == 0
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nbaseline = ".backend-rules-baseline.json"\n')
    cli = subprocess.run([sys.executable, "-m", "backend_rules", "check", "app", "--no-cache"], cwd=project, capture_output=True)
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "BR", "app"], cwd=project, capture_output=True)
    assert cli.returncode == 0 and flake8.returncode == 0, (cli.stdout, flake8.stdout)
    with open(project / "app" / "db.py", "a") as handle:
        handle.write("def fresh(cur, uid):\n    cur.execute(f'DELETE FROM t WHERE id = {uid}')\n")
    flake8 = subprocess.run([sys.executable, "-m", "flake8", "--select", "BR", "app"], cwd=project, capture_output=True, text=True)
    assert flake8.stdout.count("BR101") == 1


def test_statistics_min_severity_and_show_source(project, capsys):
    assert main(["check", "app", "--no-cache", "--statistics"]) == 1
    out = capsys.readouterr().out
    assert "     2  BR101  sql-built-from-strings" in out and "     1  BR402" in out
    assert main(["check", "app", "--no-cache", "--show-source", "--select", "BR101"]) == 1
    out = capsys.readouterr().out
    assert "|     cur.execute(" in out and "^" in out
    assert main(["check", "app", "--no-cache", "--min-severity", "HIGH", "--format", "json"]) == 1
    assert all(f["severity"] == "HIGH" for f in _json_findings(capsys))
