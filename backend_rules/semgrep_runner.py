"""``backend-rules semgrep``: run the bundled semgrep pack and report in our formats (BR codes).

semgrep is an optional dependency (``pip install 'backend-rules[semgrep]'``); the libcst checker
never needs it. Rule ids carry the folder they were loaded from, so findings are mapped back to
BR codes through each rule's ``metadata.br-code``. :func:`pack_rules` reads the pack's YAML for
what SARIF and ``explain`` say about codes only the pack has.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from functools import lru_cache
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


def find_semgrep() -> str | None:
    """semgrep installed beside the running interpreter (the same venv) first, then PATH.

    ``pip install 'backend-rules[semgrep]'`` puts both in one ``bin/``, which need not be on PATH
    (a venv used without activating it, pipx, pre-commit).
    """
    beside = Path(sys.executable).parent / ("semgrep.exe" if os.name == "nt" else "semgrep")
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("semgrep")


def semgrep_command(paths: list[str]) -> list[str]:
    binary = find_semgrep()
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
            name=str(metadata.get("br-name") or rule_id), severity=SEVERITY.get(extra.get("severity", ""), "MEDIUM"),
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
    report = parse_semgrep_json(payload)
    report.paths = list(paths)  # SARIF finds the repository root from them
    return report


# --------------------------------------------------------------------------- the pack's own docs

CONFIDENCE_ORDER = ("LOW", "MEDIUM", "HIGH")


def _load_yaml(path: Path) -> dict:
    """ruamel.yaml comes with semgrep; imported here so that the checker never needs it."""
    try:
        from ruamel.yaml import YAML
    except ImportError:
        raise ConfigError(
            "reading the semgrep pack needs semgrep's YAML library; run: pip install 'backend-rules[semgrep]'"
        ) from None
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}


def _as_list(value) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _rule_docs(rule: dict) -> str:
    """One pack rule as text: its message (what, why, fix), languages, confidence and notes."""
    metadata = rule.get("metadata", {})
    lines = [
        f"{rule['id']} ({', '.join(_as_list(rule.get('languages')))}; "
        f"confidence {str(metadata.get('confidence', 'MEDIUM')).upper()})",
        "  " + " ".join(str(rule.get("message", "")).split()),
    ]
    if metadata.get("notes"):
        lines.append("  Note: " + " ".join(str(metadata["notes"]).split()))
    return "\n".join(lines)


def _code_docs(summary: str, rules: list[dict]) -> str:
    """What ``explain`` prints: the summary, each rule of the code, then CWE, OWASP and references."""
    sections = [summary, "Semgrep rules:\n" + "\n".join(_rule_docs(rule) for rule in rules)]
    for title, key in (("CWE", "cwe"), ("OWASP", "owasp"), ("References", "references")):
        values = sorted({v for rule in rules for v in _as_list(rule.get("metadata", {}).get(key))})
        if values:
            sections.append(f"{title}:\n" + "\n".join(f"  {v}" for v in values))
    return "\n\n".join(sections)


def _highest(values: list[str], order: tuple[str, ...]) -> str:
    known = [v for v in values if v in order]
    return max(known, key=order.index) if known else "MEDIUM"


@lru_cache(maxsize=1)
def pack_rules() -> dict[str, dict]:
    """Per BR code, what the pack says about it (for a SARIF driver and ``explain``).

    Keys: ``code``, ``name`` (kebab-case, the engine's name where the engine has the code),
    ``summary`` (one line), ``docs`` (every rule's message and notes, CWE, OWASP, references),
    ``severity`` and ``confidence`` (HIGH/MEDIUM/LOW, the highest of the code's rules),
    ``category``, ``cwe`` (the first CWE number or None), ``owasp``, ``references``,
    ``languages`` and ``rule_ids``.
    """
    by_code: dict[str, list[dict]] = {}
    for path in sorted(rules_dir().glob("*/**/*.yaml")):
        for rule in _load_yaml(path).get("rules", []):
            code = rule.get("metadata", {}).get("br-code")
            if code:
                by_code.setdefault(str(code), []).append(rule)
    packed = {}
    for code, rules in sorted(by_code.items()):
        first = rules[0].get("metadata", {})
        summary = str(first.get("br-summary") or " ".join(str(rules[0].get("message", "")).split()))
        cwes = [c for rule in rules for c in _as_list(rule.get("metadata", {}).get("cwe"))]
        cwe_number = next((int(m.group(1)) for c in cwes if (m := re.match(r"CWE-(\d+)", c))), None)
        packed[code] = {
            "code": code,
            "name": str(first.get("br-name") or code.lower()),
            "summary": summary,
            "docs": _code_docs(summary, rules),
            "severity": _highest([SEVERITY.get(str(r.get("severity")), "MEDIUM") for r in rules], CONFIDENCE_ORDER),
            "confidence": _highest(
                [str(r.get("metadata", {}).get("confidence", "MEDIUM")).upper() for r in rules], CONFIDENCE_ORDER
            ),
            "category": str(first.get("category", "security")),
            "cwe": cwe_number,
            "owasp": sorted({o for r in rules for o in _as_list(r.get("metadata", {}).get("owasp"))}),
            "references": sorted({u for r in rules for u in _as_list(r.get("metadata", {}).get("references"))}),
            "languages": sorted({lang for r in rules for lang in _as_list(r.get("languages"))}),
            "rule_ids": [str(r["id"]) for r in rules],
        }
    return packed
