"""The flake8 door: same engine, flake8 handles noqa and selection, and never aborts the run."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from backend_rules.flake8_plugin import Flake8Plugin

BAD = 'def find(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n'


def _run(source: str, filename: str = "app.py"):
    lines = source.splitlines(keepends=True)
    return list(Flake8Plugin(ast.parse(source), lines, filename).run())


def test_plugin_reports_zero_based_columns_with_code_prefix():
    ((line, column, text, kind),) = _run(BAD)
    assert (line, column) == (2, 4) and text.startswith("BR101 SQL built") and kind is Flake8Plugin


def test_plugin_leaves_noqa_to_flake8():
    assert len(_run(BAD.rstrip("\n") + "  # noqa: BR101\n")) == 1


def test_flake8_run_survives_files_libcst_cannot_parse(tmp_path: Path):
    (tmp_path / "bad.py").write_text(BAD)
    (tmp_path / "broken.py").write_text("def f(:\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "BR,E999", str(tmp_path)],
        capture_output=True, text=True, check=False,
    )
    assert "bad.py:2:5: BR101" in result.stdout
    assert "broken.py:1" in result.stdout and "Traceback" not in result.stderr


def test_flake8_noqa_and_extend_ignore(tmp_path: Path):
    (tmp_path / "bad.py").write_text(BAD.rstrip("\n") + "  # noqa: BR101\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "BR", str(tmp_path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and result.stdout == ""


def test_broken_configuration_is_reported_and_flake8_keeps_running(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.backend-rules]\nselect = 3\n")
    (tmp_path / "bad.py").write_text(BAD)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "BR", str(tmp_path / "bad.py")],
        capture_output=True, text=True, check=False, cwd=tmp_path,
    )
    assert "BR000 invalid [tool.backend-rules] configuration" in result.stdout
    assert "BR101" in result.stdout and "Traceback" not in result.stderr


def test_unselected_plugin_never_imports_the_engine(tmp_path: Path):
    """``flake8 --select E`` must not pay for libcst and the rules (work, not time, is asserted)."""
    (tmp_path / "ok.py").write_text("x = 1\n")
    probe = (
        "import sys\n"
        "from flake8.main.cli import main\n"
        "try:\n"
        "    main(['--select', 'E', sys.argv[1]])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LIBCST' if 'libcst' in sys.modules else 'NO-LIBCST')\n"
        "print('ENGINE' if 'backend_rules.engine.checker' in sys.modules else 'NO-ENGINE')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "ok.py")], capture_output=True, text=True)
    assert "NO-ENGINE" in done.stdout and "NO-LIBCST" in done.stdout, done.stdout + done.stderr
    selected = subprocess.run(
        [sys.executable, "-c", probe.replace("'E'", "'BR'"), str(tmp_path / "ok.py")], capture_output=True, text=True
    )
    assert "ENGINE" in selected.stdout.split() and "NO-ENGINE" not in selected.stdout
