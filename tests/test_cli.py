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
    assert "app/bad.py:2:5: BR101" in out and "Found 1 problem in 1 file (2 files checked)." in out
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
                            "message", "severity", "confidence", "fix"}


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
    listing = capsys.readouterr().out
    assert "BR101  sql-built-from-strings" in listing
    assert "fix: safe" in next(line for line in listing.splitlines() if line.startswith("BR801"))
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


# --- front doors that do what they say -------------------------------------------------------

def test_output_into_a_missing_folder_or_onto_a_folder_is_a_usage_error_before_analysis(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check", "app", "--output", "nowhere/report.json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err
    assert main(["check", "app", "--output", "app"]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert not (project / ".backend_rules_cache").exists()  # nothing was analysed


def test_repeated_select_and_ignore_accumulate(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    (project / "app" / "secret.py").write_text('API_KEY = "sk_live_51HqLyjWDarjtT1zdp7dcXYZabc123"\n')
    assert main(["check", "app", "--no-cache", "--format", "json", "--select", "BR1", "--select", "BR4"]) == 1
    found = {f["code"][:3] for f in json.loads(capsys.readouterr().out)["findings"]}
    assert found == {"BR1", "BR4"}
    assert main(["check", "app", "--no-cache", "--format", "json", "--ignore", "BR1", "--ignore", "BR4"]) == 0
    assert json.loads(capsys.readouterr().out)["findings"] == []


def test_stdin_filename_without_dash_is_a_usage_error(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert main(["check", "--stdin-filename", "app/x.py"]) == 2
    assert "needs '-'" in capsys.readouterr().err


def test_force_exclude_applies_to_the_stdin_filename(project):
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nextend-exclude = ["generated/"]\n')
    args = ("check", "-", "--stdin-filename", "generated/q.py", "--no-cache")
    assert run_cli(*args, cwd=project, stdin=BAD.encode()).returncode == 1
    assert run_cli(*args, "--force-exclude", cwd=project, stdin=BAD.encode()).returncode == 0


@pytest.mark.parametrize("bad", [["--format", "xml"], ["--jobs", "abc"], ["--jobs", "0"], ["--select", "BR9x"]])
def test_usage_errors_are_one_line_on_stderr(project, bad):
    result = run_cli("check", "app", *bad, cwd=project)
    assert result.returncode == 2
    assert result.stderr.decode().count("\n") == 1 and b"Traceback" not in result.stderr


def test_no_python_files_found_warns_and_exits_zero(tmp_path):
    (tmp_path / "notes.txt").write_text("hi\n")
    result = run_cli("check", str(tmp_path), "--no-cache", cwd=tmp_path)
    assert result.returncode == 0 and b"no Python files found" in result.stderr


def test_jobs_are_bounded_by_the_cpu_count():
    from backend_rules.cli import _jobs

    assert _jobs("100000") == (os.cpu_count() or 1)


@pytest.mark.parametrize(
    "source",
    [
        "def find(cur, name):\n    cur.execute(\n        \"SELECT * FROM t WHERE n = '\" + name + \"'\"\n    )  # noqa: BR101\n",
        "def find(cur, name):\n    cur.execute(f\"\"\"\n        SELECT * FROM t WHERE n = '{name}'\n    \"\"\")  # noqa: BR101\n",
        "def find(cur, name):\n    cur.execute(f\"\"\"\n        SELECT * FROM t WHERE n = '{name}'\n    \"\"\")\n",
    ],
    ids=["noqa-after-bracket", "noqa-after-string", "no-noqa"],
)
def test_noqa_on_multiline_statements_and_strings_matches_flake8(tmp_path, source):
    (tmp_path / "multi.py").write_text(source)
    cli = run_cli("check", str(tmp_path / "multi.py"), "--no-cache", "--format", "json", cwd=tmp_path)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "BR", str(tmp_path / "multi.py")], capture_output=True, text=True
    )
    cli_lines = sorted(f["line"] for f in json.loads(cli.stdout)["findings"])
    flake8_lines = sorted(int(line.split(":")[1]) for line in flake8.stdout.splitlines())
    assert cli_lines == flake8_lines


def test_min_confidence_filters_and_is_configurable(project, capsys, monkeypatch):
    monkeypatch.chdir(project)
    # BAD builds SQL from a plain function parameter: origin unknown, so MEDIUM confidence
    assert main(["check", "app", "--no-cache", "--min-confidence", "high"]) == 0
    assert main(["check", "app", "--no-cache", "--min-confidence", "low"]) == 1
    capsys.readouterr()
    (project / "pyproject.toml").write_text('[tool.backend-rules]\nmin-confidence = "sometimes"\n')
    assert main(["check", "app", "--no-cache"]) == 2
    assert "confidence must be one of" in capsys.readouterr().err


@pytest.mark.parametrize(
    "toml",
    ['tool = "x"\n', '[tool.backend-rules]\nexclude = ["!"]\n', '[tool.backend-rules]\nper-file-ignores = { "\\\\" = ["BR1"] }\n'],
)
def test_wrong_config_shapes_are_one_line_and_exit_2(project, toml):
    (project / "pyproject.toml").write_text(toml)
    result = run_cli("check", "app", cwd=project)
    assert result.returncode == 2 and result.stderr.decode().count("\n") == 1, result.stderr
    assert b"Traceback" not in result.stderr


def test_select_nothing_still_reports_broken_files(project, monkeypatch, capsys):
    monkeypatch.chdir(project)
    (project / "app" / "broken.py").write_text("def f(:\n")
    (project / "pyproject.toml").write_text("[tool.backend-rules]\nselect = []\n")
    assert main(["check", "app", "--no-cache"]) == 1
    assert "BR001" in capsys.readouterr().out


def test_second_interrupt_leaves_no_worker_behind(project):
    import signal
    import time

    for number in range(200):
        (project / "app" / f"m{number:03}.py").write_text(BAD * 30)
    process = subprocess.Popen(
        [sys.executable, "-m", "backend_rules", "check", "app", "--no-cache", "--jobs", "2"],
        cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    time.sleep(1.5)
    os.killpg(process.pid, signal.SIGINT)
    time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover - the failure this test exists for
        os.killpg(process.pid, signal.SIGKILL)
        raise
    assert b"Traceback" not in err
    time.sleep(0.3)
    try:
        os.killpg(process.pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive, "worker processes outlived the interrupted run"
