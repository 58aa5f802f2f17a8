"""``backend-rules semgrep``: run the bundled semgrep pack and report in our formats (BR codes).

semgrep is an optional dependency (``pip install 'backend-rules[semgrep]'``); the libcst checker
never needs it. Rule ids carry the folder they were loaded from, so findings are mapped back to
BR codes through each rule's ``metadata.br-code``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from backend_rules.engine.config import ConfigError
from backend_rules.engine.findings import FileError, Finding
from backend_rules.engine.runner import Report

SEVERITY = {"ERROR": "HIGH", "WARNING": "MEDIUM", "INFO": "LOW"}


def rules_dir() -> Path:
    """The pack inside the installed package, or the repository's copy in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "semgrep_rules", here.parent / "semgrep-rules"):
        if candidate.is_dir():
            return candidate
    raise ConfigError("the semgrep rule pack is missing from this installation")


def semgrep_command(paths: list[str]) -> list[str]:
    binary = shutil.which("semgrep")
    if binary is None:
        raise ConfigError("semgrep is not installed; run: pip install 'backend-rules[semgrep]'")
    return [
        binary, "scan", "--config", str(rules_dir()), "--json", "--metrics=off",
        "--disable-version-check", "--quiet", *paths,
    ]


def parse_semgrep_json(payload: dict) -> Report:
    report = Report()
    for result in payload.get("results", []):
        extra = result.get("extra", {})
        metadata = extra.get("metadata", {})
        rule_id = str(result.get("check_id", "")).rsplit(".", 1)[-1]
        report.findings.append(Finding(
            path=result["path"], line=result["start"]["line"], column=result["start"]["col"],
            code=metadata.get("br-code", "BR000"), message=" ".join(str(extra.get("message", "")).split()),
            name=rule_id, severity=SEVERITY.get(extra.get("severity", ""), "MEDIUM"),
            confidence=str(metadata.get("confidence", "MEDIUM")).upper(),
            end_line=result["end"]["line"], end_column=result["end"]["col"],
        ))
    for error in payload.get("errors", []):
        path = error.get("path") or (error.get("spans") or [{}])[0].get("file", "<semgrep>")
        report.errors.append(FileError(path, f"semgrep: {error.get('message', error.get('type', 'error'))}".strip()))
    report.files = len(payload.get("paths", {}).get("scanned", []))
    report.findings.sort()
    return report


def run_semgrep_pack(paths: list[str]) -> Report:
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise ConfigError(f"no such file or directory: {missing[0]}")
    completed = subprocess.run(semgrep_command(paths), capture_output=True, text=True, check=False)
    try:
        payload = json.loads(completed.stdout)
    except ValueError:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise ConfigError(f"semgrep failed: {detail[-1] if detail else 'no output'}") from None
    return parse_semgrep_json(payload)
