"""The project index: facts across files, cached on disk by content, same answer in every process."""

from __future__ import annotations

import json
import os

from backend_rules.engine.project_index import build_index, find_project_root, module_name


def _project(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    pkg = tmp_path / "src" / "shop"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "jobs.py").write_text("async def send_email(user):\n    pass\n")
    return pkg


def test_module_names_drop_src_and_init(tmp_path):
    pkg = _project(tmp_path)
    assert module_name(str(tmp_path), str(pkg / "jobs.py")) == "shop.jobs"
    assert module_name(str(tmp_path), str(pkg / "__init__.py")) == "shop"
    assert find_project_root(str(pkg / "jobs.py")) == str(tmp_path)


def test_an_authentic_index_of_the_wrong_shape_is_rebuilt(tmp_path):
    from backend_rules.engine import cache_store

    _project(tmp_path)
    build_index(str(tmp_path))
    (cache,) = (tmp_path / ".backend_rules_cache").glob("index-*.json")
    for shape in ([1], {"src/shop/jobs.py": "x"}, {"src/shop/jobs.py": ["digest", []]}):
        cache_store.write(cache, "index", shape)
        assert "send_email" in json.dumps(build_index(str(tmp_path)).facts("async_defs"))


def test_index_facts_follow_content_even_when_size_and_mtime_match(tmp_path):
    pkg = _project(tmp_path)
    build_index(str(tmp_path))
    stat = (pkg / "jobs.py").stat()
    (pkg / "jobs.py").write_text("async def send_mails(user):\n    pass\n")  # same size
    os.utime(pkg / "jobs.py", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert "send_mails" in json.dumps(build_index(str(tmp_path)).facts("async_defs"))


def test_index_is_cached_by_content_and_survives_touching(tmp_path):
    pkg = _project(tmp_path)
    first = build_index(str(tmp_path))
    assert "send_email" in json.dumps(first.facts("async_defs"))
    cache_files = list((tmp_path / ".backend_rules_cache").glob("index-*.json"))
    assert len(cache_files) == 1
    # touched but unchanged: same facts, same fingerprint
    os.utime(pkg / "jobs.py", ns=(1, 1))
    assert build_index(str(tmp_path)).fingerprint == first.fingerprint
    # changed content: new facts
    (pkg / "jobs.py").write_text("def send_email(user):\n    pass\n")
    assert build_index(str(tmp_path)).fingerprint != first.fingerprint


def test_index_without_cache_matches_cached(tmp_path):
    _project(tmp_path)
    assert build_index(str(tmp_path), use_cache=False).modules == build_index(str(tmp_path)).modules


def test_a_cache_in_an_old_layout_is_rebuilt_not_fatal(tmp_path):
    _project(tmp_path)
    build_index(str(tmp_path))
    (cache,) = (tmp_path / ".backend_rules_cache").glob("index-*.json")
    # the previous, unauthenticated layout: plain JSON of [stamp, digest, facts]
    cache.write_text(json.dumps({"src/shop/jobs.py": [[1, 2], "0" * 40, {}]}))
    assert "send_email" in json.dumps(build_index(str(tmp_path)).facts("async_defs"))
    cache.write_text("{not json")
    assert build_index(str(tmp_path)).modules


def test_a_failing_project_index_does_not_stop_the_check():
    from backend_rules import check_source

    def broken():
        raise OSError("disk on fire")

    code = "import asyncio\nasync def f():\n    asyncio.sleep(1)\n"
    assert [f.code for f in check_source(code, project_loader=broken)] == ["BR302"]


def test_a_setup_module_inside_a_package_is_not_a_project_root(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    handlers = tmp_path / "app" / "handlers"
    handlers.mkdir(parents=True)
    (handlers / "__init__.py").write_text("")
    (handlers / "setup.py").write_text("def setup_view():\n    pass\n")
    assert find_project_root(str(handlers / "views.py")) == str(tmp_path)
