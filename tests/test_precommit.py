"""The pre-commit hook, installed by pre-commit itself from this repository into a scratch repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BAD = 'def find(cur, name):\n    cur.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n'

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_precommit_try_repo_runs_the_hook(tmp_path: Path):
    pytest.importorskip("pre_commit")
    if not (REPO / ".git").exists():
        pytest.skip("pre-commit try-repo needs this repository's git checkout")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _git(scratch, "init", "-q")
    (scratch / "app.py").write_text(BAD)
    (scratch / "ok.py").write_text("x = 1\n")
    _git(scratch, "add", ".")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    command = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "backend-rules", "--all-files"]
    failing = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True, check=False)
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "app.py:2:5: BR101" in failing.stdout
    (scratch / "app.py").write_text("x = 2\n")
    _git(scratch, "add", ".")
    passing = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True, check=False)
    assert passing.returncode == 0, passing.stdout + passing.stderr
