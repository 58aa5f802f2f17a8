"""The command line: exit codes, formats, config, stdin, excludes, caching, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend_rules.cli import main

BAD = 'def find(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n'
GOOD = 'def find(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = %s", (name,))\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    pkg = tmp_path / "app"
    pkg.mkdir()
    (pkg / "bad.py").write_text(BAD)
    (pkg / "good.py").write_text(GOOD)
    return tmp_path


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "backend_rules", *args], cwd=cwd, input=stdin, capture_output=True, check=False
    )


def test_exit_codes_and_text_output(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check", "app/good.py"]) == 0
    assert "All checks passed" in capsys.readouterr().out
    assert main(["check", "app"]) == 1
    out = capsys.readouterr().out
    assert "app/bad.py:2:5: BR101" in out and "Found 1 problem in 2 files." in out
    assert main(["check", "app", "--exit-zero"]) == 0


def test_default_path_is_current_directory(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check"]) == 1
    assert "app/bad.py" in capsys.readouterr().out


def test_json_output_shape_and_relative_paths(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    main(["check", "--format", "json", "app"])
    payload = json.loads(capsys.readouterr().out)
    assert set(payload) == {"version", "findings", "errors"}
    (finding,) = payload["findings"]
    assert finding["path"] == "app/bad.py"
    assert (finding["line"], finding["column"], finding["code"]) == (2, 5, "BR101")
    assert set(finding) == {"path", "line", "column", "end_line", "end_column", "code", "name",
                            "message", "severity", "confidence"}


def test_output_file(project, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check", "app", "--format", "json", "--output", "report.json"]) == 1
    assert json.loads((project / "report.json").read_text())["findings"]


def test_select_and_ignore(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check", "app", "--ignore", "BR101"]) == 0
    assert main(["check", "app", "--select", "BR102"]) == 0
    assert main(["check", "app", "--select", "BR1"]) == 1
    capsys.readouterr()
    assert main(["check", "app", "--select", "XX9"]) == 2
    assert "unknown rule code" in capsys.readouterr().err


def test_config_from_pyproject(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nignore = ["BR101"]\n')
    assert main(["check", "app"]) == 0
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nper-file-ignores = {"app/bad.py" = ["BR1"]}\n')
    assert main(["check", "app"]) == 0
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nextend-exclude = ["app/bad.py"]\n')
    assert main(["check", "."]) == 0


@pytest.mark.parametrize(
    "content,message",
    [
        ("[tool.backend-rules\n", "invalid TOML"),
        ('[tool.backend-rules]\nselectt = ["BR"]\n', "unknown key 'selectt'"),
        ('[tool.backend-rules]\nselect = "BR"\n', "must be a list of strings"),
        ('[tool.backend-rules]\nignore = ["BR999"]\n', "unknown rule code"),
        ('[tool.backend-rules]\nper-file-ignores = ["x"]\n', "must be a table"),
    ],
)
def test_bad_config_is_one_line_and_exit_2(project, content, message):
    (project / "pyproject.toml").write_text(content)
    result = run_cli("check", "app", cwd=project)
    assert result.returncode == 2
    err = result.stderr.decode()
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_missing_path_and_bad_arguments(project):
    result = run_cli("check", "nope.py", cwd=project)
    assert result.returncode == 2 and b"no such file" in result.stderr
    assert run_cli("check", "--format", "xml", cwd=project).returncode == 2
    assert run_cli("frobnicate", cwd=project).returncode == 2
    assert run_cli("check", "--jobs", "0", "app", cwd=project).returncode == 2


def test_explicit_config_file(project, tmp_path):
    other = tmp_path / "other.toml"
    other.write_text('[tool.backend-rules]\nignore = ["BR1"]\n')
    assert run_cli("check", "--config", str(other), "app", cwd=project).returncode == 0
    assert run_cli("check", "--config", "missing.toml", "app", cwd=project).returncode == 2


def test_stdin_with_filename(project):
    result = run_cli("check", "-", "--stdin-filename", "app/x.py", cwd=project, stdin=BAD.encode())
    assert result.returncode == 1
    assert b"app/x.py:2:5: BR101" in result.stdout
    result = run_cli("check", "-", cwd=project, stdin=GOOD.encode())
    assert result.returncode == 0
    assert run_cli("check", "-", "app", cwd=project, stdin=b"").returncode == 2


def test_skips_virtualenvs_git_and_node_modules(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    for folder in (".git", "node_modules", "build", "env-custom"):
        (project / folder).mkdir()
        (project / folder / "bad.py").write_text(BAD)
    (project / "env-custom" / "pyvenv.cfg").write_text("home = /usr\n")
    main(["check", "--format", "json", "."])
    paths = {f["path"] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert paths == {"app/bad.py"}


def test_force_exclude_applies_to_named_files(project, monkeypatch):
    monkeypatch.chdir(project)
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nextend-exclude = ["app/bad.py"]\n')
    assert main(["check", "app/bad.py"]) == 1  # named explicitly: checked, like ruff
    assert main(["check", "--force-exclude", "app/bad.py"]) == 0


def test_never_crashes_on_bad_files(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    weird = project / "weird"
    weird.mkdir()
    (weird / "syntax.py").write_text("def broken(:\n    pass\n")
    (weird / "binary.py").write_bytes(b"\x00\x01\x02binary")
    (weird / "latin.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9'\n")
    (weird / "badutf8.py").write_bytes(b"x = '\xff\xfe'\n")
    (weird / "deep.py").write_text("x = " + "(" * 300 + "1" + ")" * 300 + "\n")
    (weird / "deep2.py").write_text("def f(cur, x):\n    cur.execute('SELECT ' + " + "(" * 120 + "x" + ")" * 120 + ")\n")
    (weird / "empty.py").write_text("")
    (weird / "bom.py").write_bytes(b"\xef\xbb\xbf" + BAD.encode())
    assert main(["check", "--format", "json", "weird"]) == 1
    payload = json.loads(capsys.readouterr().out)
    by_file = {}
    for f in payload["findings"]:
        by_file.setdefault(os.path.basename(f["path"]), []).append(f["code"])
    assert by_file["syntax.py"] == ["BR001"]
    assert by_file["binary.py"] == ["BR002"]
    assert by_file["badutf8.py"] == ["BR002"]
    assert "latin.py" not in by_file and "empty.py" not in by_file
    assert by_file["bom.py"] == ["BR101"]
    assert by_file["deep.py"] == ["BR001"] or "deep.py" not in by_file
    assert "BR000" not in sum(by_file.values(), [])


def test_unreadable_file_is_an_error_not_a_crash(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    (project / "app" / "dangling.py").symlink_to(project / "missing-target.py")
    assert main(["check", "app"]) == 1
    out = capsys.readouterr().out
    assert "dangling.py: error: cannot read file" in out and "could not be checked" in out


def test_cache_reuses_results_and_notices_changes(project, monkeypatch):
    from backend_rules.engine.config import Config
    from backend_rules.engine.runner import check_paths

    monkeypatch.chdir(project)
    first = check_paths(["app"], Config(root=str(project)), jobs=1)
    again = check_paths(["app"], Config(root=str(project)), jobs=1)
    assert again.cached == 2 and again.findings == first.findings
    (project / "app" / "good.py").write_text(BAD)
    changed = check_paths(["app"], Config(root=str(project)), jobs=1)
    assert changed.cached == 1 and len(changed.findings) == 2
    assert (project / ".backend_rules_cache" / ".gitignore").exists()


def test_parallel_run_is_ordered_like_serial(project, monkeypatch):
    from backend_rules.engine.config import Config
    from backend_rules.engine.runner import check_paths

    monkeypatch.chdir(project)
    for number in range(20):
        (project / "app" / f"m{number:02}.py").write_text(BAD if number % 2 else GOOD)
    serial = check_paths(["app"], Config(root=str(project)), jobs=1, use_cache=False)
    parallel = check_paths(["app"], Config(root=str(project)), jobs=2, use_cache=False)
    assert serial.findings == parallel.findings and len(serial.findings) == 11


def test_rules_and_explain(capsys):
    assert main(["rules"]) == 0
    assert "BR101  sql-built-from-strings" in capsys.readouterr().out
    assert main(["rules", "--format", "json"]) == 0
    assert any(r["code"] == "BR101" for r in json.loads(capsys.readouterr().out))
    assert main(["explain", "BR101"]) == 0
    out = capsys.readouterr().out
    assert "## Why is this bad?" in out and "cwe: CWE-89" in out
    assert main(["explain", "sql-built-from-strings"]) == 0
    capsys.readouterr()
    assert main(["explain", "BR999"]) == 2


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and b"backend-rules" in result.stdout
