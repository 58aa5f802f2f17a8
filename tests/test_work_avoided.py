"""Speed is asserted as work not done (never as time): what is not imported, parsed or indexed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backend_rules.engine import manifest, project_index
from backend_rules.engine.config import Config
from backend_rules.engine.registry import all_rules
from backend_rules.engine.runner import check_paths


def _probe(code: str) -> str:
    """Run ``code`` in a fresh interpreter and return what it prints. The rule manifest is made
    current first (other sessions may be editing rules, which makes the shipped copy stale) and
    ``NEW`` names what the code imported beyond that."""
    prelude = (
        "import sys\n"
        "from backend_rules.engine.manifest import manifest\n"
        "manifest()\n"
        "for name in [m for m in sys.modules if m == 'libcst' or m.startswith(('libcst.', 'backend_rules.rules'))]:\n"
        "    del sys.modules[name]\n"
    )
    done = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_file_without_triggers_is_never_parsed_by_libcst():
    out = _probe(
        "import sys\n"
        "from backend_rules.engine.checker import check_source\n"
        "print(check_source('x = 1\\n', 'a.py'))\n"
        "print('libcst' in sys.modules, any(m.startswith('backend_rules.rules.') for m in sys.modules))\n"
    )
    assert out.split("\n")[:2] == ["[]", "False False"]


def test_a_rule_module_is_imported_only_when_a_file_triggers_it():
    out = _probe(
        "import sys\n"
        "from backend_rules.engine.checker import check_source\n"
        "from backend_rules.engine.config import Config\n"
        "check_source('password = \"hunter22hunter\"\\n', 'a.py', Config(select=('BR',)), project_loader=lambda: None)\n"
        "print(sorted({m.split('.')[2] for m in sys.modules if m.startswith('backend_rules.rules.')}))\n"
    )
    families = json.loads(out.strip().replace("'", '"'))
    assert "secrets" in families and "data_access" not in families and "sql" not in families


def test_importing_the_flake8_plugin_imports_neither_libcst_nor_rules():
    out = _probe(
        "import sys\n"
        "import backend_rules.flake8_plugin\n"
        "print('libcst' in sys.modules, any(m.startswith('backend_rules.rules') for m in sys.modules))\n"
    )
    assert out.strip() == "False False"


def test_the_cli_reaches_its_first_file_without_libcst():
    out = _probe(
        "import sys\n"
        "import backend_rules.cli\n"
        "print('libcst' in sys.modules)\n"
    )
    assert out.strip() == "False"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "models.py").write_text(
        "from django.db import models\n\nclass Shop(models.Model):\n    name = models.CharField()\n"
    )
    (tmp_path / "jobs.py").write_text("async def fetch():\n    return 1\n\ndef run():\n    fetch()\n")
    (tmp_path / "settings.py").write_text('SECRET_KEY = "abcdefghijklmnopqrstuvwxyz012345"\n')
    return tmp_path


def test_select_br4_never_builds_the_project_index(tmp_path, monkeypatch):
    root = _project(tmp_path)
    built = []
    monkeypatch.setattr(project_index, "build_index", lambda *a, **k: built.append(a) or pytest.fail("built"))
    monkeypatch.setattr(project_index, "_INDEXES", {})
    report = check_paths([str(root)], Config(select=("BR4",), root=str(root)), jobs=1, use_cache=False)
    assert {f.code[:3] for f in report.findings} == {"BR4"} and built == []
    assert Config(select=("BR4",)).facts_needed == frozenset()


def test_the_index_holds_only_the_facts_the_selected_rules_read(tmp_path, monkeypatch):
    root = _project(tmp_path)
    monkeypatch.setattr(project_index, "_INDEXES", {})
    config = Config(select=("BR302",), root=str(root))
    assert config.facts_needed == {"async_defs"}
    report = check_paths([str(root)], config, jobs=1, use_cache=False)
    assert [f.code for f in report.findings] == ["BR302"]
    index = project_index._INDEXES[str(root)]
    assert index.collected == {"async_defs"}
    assert all(set(facts) == {"async_defs"} for facts in index.modules.values())


def test_facts_a_rule_reads_unforeseen_are_collected_on_demand(tmp_path):
    root = _project(tmp_path)
    index = project_index.build_index(str(root), use_cache=False, facts=frozenset({"async_defs"}))
    assert "models" not in json.dumps(index.facts("async_defs"))
    orm = index.facts("orm")  # not asked for when built: added now, for every file
    assert index.collected == {"async_defs", "orm"} and "models" in orm


def test_the_index_cache_keeps_what_each_file_was_read_for(tmp_path):
    root = _project(tmp_path)
    first = project_index.build_index(str(root), facts=frozenset({"async_defs"}))
    calls = []
    original = project_index.collect_facts
    try:
        project_index.collect_facts = lambda *a, **k: calls.append(a[2]) or original(*a, **k)
        again = project_index.build_index(str(root), facts=frozenset({"async_defs"}))
        assert calls == [] and again.modules == first.modules
        project_index.build_index(str(root), facts=frozenset({"async_defs", "orm"}))
        assert calls and all(names == {"orm"} for names in calls)
    finally:
        project_index.collect_facts = original


def test_the_manifest_says_what_the_rules_say():
    built = manifest.build_manifest()
    rules = all_rules()
    assert list(built["rules"]) == list(rules)
    for code, rule in rules.items():
        row = built["rules"][code]
        assert (row["trigger"], row["name"], row["module"], row["uses_project_index"]) == (
            rule.TRIGGER, rule.NAME, rule.__module__, rule.USES_PROJECT_INDEX
        )
        assert manifest.rule_entries()[code].load() is rule
    assert json.loads(json.dumps(built)) == built  # options survive the JSON round trip
    # every rule flagged as using the index reads some facts the manifest knows of
    assert all(built["rules"][code]["facts"] for code, rule in rules.items() if rule.USES_PROJECT_INDEX)


def test_a_stale_shipped_manifest_is_never_used(monkeypatch, tmp_path):
    stale = {"format": manifest.MANIFEST_FORMAT, "sources": "old", "rules": {}, "collectors": {}}
    shipped = tmp_path / "rule_manifest.json"
    shipped.write_text(json.dumps(stale))
    monkeypatch.setattr(manifest, "SHIPPED", shipped)
    manifest.manifest.cache_clear()
    try:
        assert set(manifest.manifest()["rules"]) == set(all_rules())
    finally:
        manifest.manifest.cache_clear()


def test_facts_collected_later_keep_those_collected_before(tmp_path):
    root = _project(tmp_path)
    index = project_index.build_index(str(root), use_cache=False, facts=frozenset())
    assert "models" in index.facts("orm")
    assert index.facts("async_defs") and "models" in index.facts("orm")


def _many(tmp_path: Path) -> Path:
    root = _project(tmp_path)
    for number in range(12):  # enough files for worker processes
        (root / f"task{number}.py").write_text(f"from jobs import fetch\n\nasync def go{number}():\n    fetch()\n")
    return root


def test_workers_get_the_facts_collected_once_before_forking(tmp_path, monkeypatch):
    root = _many(tmp_path)
    config = Config(select=("BR302", "BR401"), root=str(root))
    monkeypatch.setattr(project_index, "_INDEXES", {})
    serial = check_paths([str(root)], config, jobs=1, use_cache=False)
    monkeypatch.setattr(project_index, "_INDEXES", {})
    parallel = check_paths([str(root)], config, jobs=2, use_cache=False)
    assert parallel.findings == serial.findings
    assert sum(f.code == "BR302" for f in serial.findings) == 13
    assert project_index._INDEXES[str(root)].collected == {"async_defs"}  # collected here, for the workers


def test_a_warm_run_reuses_results_that_read_project_facts(tmp_path, monkeypatch):
    root = _many(tmp_path)
    config = Config(select=("BR302",), root=str(root))
    monkeypatch.setattr(project_index, "_INDEXES", {})
    cold = check_paths([str(root)], config, jobs=1)
    monkeypatch.setattr(project_index, "_INDEXES", {})
    warm = check_paths([str(root)], config, jobs=1)
    assert warm.cached == warm.files and warm.findings == cold.findings
    (root / "jobs.py").write_text("def fetch():\n    return 1\n")  # no longer a coroutine
    monkeypatch.setattr(project_index, "_INDEXES", {})
    edited = check_paths([str(root)], config, jobs=1)
    assert not any(f.code == "BR302" for f in edited.findings)


def test_a_warm_run_imports_neither_libcst_nor_rules(tmp_path):
    root = _many(tmp_path)
    run = (
        "from backend_rules.engine.config import Config\n"
        "from backend_rules.engine.runner import check_paths\n"
        f"report = check_paths([{str(root)!r}], Config(root={str(root)!r}), jobs=1)\n"
        "print(report.cached, report.files, len(report.findings))\n"
        "print('libcst' in sys.modules, any(m.startswith('backend_rules.rules.') for m in sys.modules))\n"
    )
    cold = _probe(run).split("\n")
    warm = _probe(run).split("\n")
    assert cold[0].split()[0] == "0" and warm[0].split()[1:] == cold[0].split()[1:]
    assert warm[0].split()[0] == warm[0].split()[1]  # every file from the cache
    assert warm[1] == "False False"
