"""What the tool reads back from disk can neither run code nor change a result."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backend_rules.engine import cache_store
from backend_rules.engine.config import Config
from backend_rules.engine.runner import check_paths

PACKAGE = Path(__file__).resolve().parent.parent / "backend_rules"
BAD = 'def f(cur, email):\n    cur.execute(f"SELECT * FROM users WHERE email = \'{email}\'")\n'


@pytest.fixture
def project(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "db.py").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _check(project) -> list[str]:
    return [f.code for f in check_paths(["app"], Config(root=str(project)), jobs=1).findings]


def test_no_pickle_marshal_or_shelve_in_the_package():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("import pickle", "import marshal", "import shelve", "pickle.load", "eval("):
            assert banned not in text, f"{path}: {banned}"


def test_a_forged_results_cache_cannot_hide_a_finding(project):
    assert _check(project) == ["BR101"]
    (results,) = (project / ".backend_rules_cache").glob("results*.json")
    mac, _, payload = results.read_bytes().partition(b"\n")
    entries = json.loads(payload)
    for entry in entries.values():
        entry["findings"] = []  # "all checks passed"
    results.write_bytes(mac + b"\n" + json.dumps(entries).encode())
    assert _check(project) == ["BR101"]


def test_a_cache_written_by_another_user_is_not_used(project, tmp_path_factory, monkeypatch):
    assert _check(project) == ["BR101"]
    # another machine: another key; its valid cache claims the file is clean
    other = tmp_path_factory.mktemp("other-user")
    monkeypatch.setenv("XDG_CACHE_HOME", str(other))
    cache_store._key_at.cache_clear()
    (results,) = (project / ".backend_rules_cache").glob("results*.json")
    cache_store.write(results, "results", {})
    forged = results.read_bytes()
    monkeypatch.undo()
    cache_store._key_at.cache_clear()
    monkeypatch.chdir(project)
    results.write_bytes(forged)
    assert _check(project) == ["BR101"]


def test_a_committed_pickle_cache_is_never_loaded(project):
    marker = project / "pwned"
    folder = project / ".backend_rules_cache"
    folder.mkdir()
    payload = (
        b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
    )  # a pickle that runs a shell command when loaded
    for name in ("results-0.1.0.pickle", "results.json", "index-0.json"):
        (folder / name).write_bytes(payload)
    assert _check(project) == ["BR101"]
    assert not marker.exists()


@pytest.mark.parametrize("garbage", [b"", b"\n", b"x" * 64 + b"\n{", b"\xff\xfe\n[]", b"0" * 64 + b"\n[1,2]"])
def test_truncated_or_garbage_caches_are_rebuilt(project, garbage):
    assert _check(project) == ["BR101"]
    (results,) = (project / ".backend_rules_cache").glob("results*.json")
    results.write_bytes(garbage)
    assert _check(project) == ["BR101"]


def test_an_authentic_cache_of_the_wrong_shape_is_discarded(project):
    assert _check(project) == ["BR101"]
    (results,) = (project / ".backend_rules_cache").glob("results*.json")
    for shape in ([1, 2], {"k": 1}, {"k": {"findings": [{"path": 1}], "index": None, "used": 0}}, "text"):
        cache_store.write(results, "results", shape)
        assert _check(project) == ["BR101"]
    # an entry under the right key with a broken finding row
    data = cache_store.read(results, "results") or {}
    for entry in data.values():
        entry["findings"] = [{"line": "x"}]
    cache_store.write(results, "results", data)
    assert _check(project) == ["BR101"]


def test_a_committed_symlink_cache_folder_is_never_written_through(project, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (project / ".backend_rules_cache").symlink_to(outside, target_is_directory=True)
    assert _check(project) == ["BR101"]
    assert list(outside.iterdir()) == []


def test_a_symlinked_gitignore_is_never_written_through(project, tmp_path_factory):
    target = tmp_path_factory.mktemp("outside") / "victim"
    folder = project / ".backend_rules_cache"
    folder.mkdir()
    (folder / ".gitignore").symlink_to(target)
    (folder / "results.json").symlink_to(target)
    assert _check(project) == ["BR101"]
    assert not target.exists()
    assert _check(project) == ["BR101"]


def test_the_cache_key_lives_outside_the_project(project):
    _check(project)
    key_file = cache_store.user_cache_home() / "key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert project not in key_file.parents


def test_old_entries_are_evicted(project, monkeypatch):
    assert _check(project) == ["BR101"]
    (results,) = (project / ".backend_rules_cache").glob("results*.json")
    data = cache_store.read(results, "results")
    stale = {f"stale{i}": {"findings": [], "index": None, "used": 0} for i in range(50)}
    cache_store.write(results, "results", {**data, **stale})
    (project / "app" / "other.py").write_text("x = 1\n")
    _check(project)
    kept = cache_store.read(results, "results")
    assert set(data) <= set(kept) and not any(key.startswith("stale") for key in kept)


def test_analysed_code_is_never_imported_or_run(tmp_path):
    marker = tmp_path / "imported"
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "evil.py").write_text(
        f"open({str(marker)!r}, 'w').write('ran')\nimport asyncio\nasync def f():\n    asyncio.sleep(1)\n"
    )
    (tmp_path / "conftest.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    (tmp_path / "__init__.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    result = subprocess.run(
        [sys.executable, "-m", "backend_rules", "check", str(tmp_path)], capture_output=True, cwd=tmp_path,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 1, result.stderr
    assert b"BR302" in result.stdout
    assert not marker.exists()


def test_a_cache_written_by_other_code_of_the_same_version_is_not_read(tmp_path, monkeypatch):
    """An editable install being worked on keeps its version number: facts or results written by
    yesterday's rules must not be read back as today's."""
    folder = cache_store.cache_folder(str(tmp_path))
    assert folder is not None
    entry = folder / "entry.json"
    cache_store.write(entry, "index", {"facts": 1})
    assert cache_store.read(entry, "index") == {"facts": 1}
    monkeypatch.setattr(cache_store, "code_stamp", lambda: "another build")
    assert cache_store.read(entry, "index") is None
