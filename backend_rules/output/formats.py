"""Text for people, JSON for scripts, SARIF for code scanning, workflow commands for GitHub."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Callable

from backend_rules.version import __version__
from backend_rules.engine.registry import all_rules
from backend_rules.engine.runner import Report

LEVELS = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
INFO_URI = "https://pypi.org/project/backend-rules/"


def render_text(report: Report) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.code} {f.message} [{f.name}]" for f in report.findings
    ]
    lines += [f"{e.path}: error: {e.message}" for e in report.errors]
    count = len(report.findings)
    summary = f"Found {count} problem{'s' if count != 1 else ''} in {report.files} file{'s' if report.files != 1 else ''}."
    if not count:
        summary = f"All checks passed ({report.files} file{'s' if report.files != 1 else ''})."
    if report.errors:
        summary += f" {len(report.errors)} file{'s' if len(report.errors) != 1 else ''} could not be checked."
    return "\n".join(lines + [summary]) + "\n"


def render_json(report: Report) -> str:
    payload = {
        "version": __version__,
        "findings": [f.to_dict() for f in report.findings],
        "errors": [e.to_dict() for e in report.errors],
    }
    return json.dumps(payload, indent=2) + "\n"


def _escape_github(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def render_github(report: Report) -> str:
    out = []
    for f in report.findings:
        level = "error" if f.severity == "HIGH" else "warning"
        props = (
            f"file={_escape_github(f.path, True)},line={f.line},col={f.column},"
            f"endLine={f.end_line},endColumn={f.end_column},title={_escape_github(f'{f.code} {f.name}', True)}"
        )
        out.append(f"::{level} {props}::{_escape_github(f'{f.code} {f.message}')}")
    for e in report.errors:
        out.append(f"::error file={_escape_github(e.path, True)}::{_escape_github(e.message)}")
    return "\n".join(out) + ("\n" if out else "")


def _sarif_rule(rule: type) -> dict:
    doc = rule.documentation()
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": doc.split("\n\n", 1)[-1].strip() or rule.summary()},
        "help": {"text": doc, "markdown": doc},
        "helpUri": f"{INFO_URI}#{rule.CODE.lower()}",
        "defaultConfiguration": {"level": LEVELS[rule.SEVERITY]},
        "properties": {
            "tags": [rule.CATEGORY, rule.NAME]
            + ([f"external/cwe/cwe-{rule.CWE}"] if rule.CWE else []),
            "precision": {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}[rule.CONFIDENCE],
        },
    }


def _uri(path: str) -> str:
    rel = os.path.relpath(path) if os.path.isabs(path) else path
    return rel.replace(os.sep, "/").removeprefix("./")


def _line_hash(path: str, line: int, code: str) -> str:
    """Fingerprint of the finding's line text (not its number), so moving code keeps identity."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read().splitlines()[line - 1].strip()
    except (OSError, IndexError):
        text = ""
    return hashlib.sha256(f"{code}|{text}".encode()).hexdigest()[:16] + ":1"


def render_sarif(report: Report) -> str:
    rules = all_rules()
    ordered = list(rules)
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": ordered.index(f.code),
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path), "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": f.line, "startColumn": f.column,
                        "endLine": max(f.end_line, f.line), "endColumn": max(f.end_column, 1),
                    },
                }
            }],
            "partialFingerprints": {"primaryLocationLineHash": _line_hash(f.path, f.line, f.code)},
        }
        for f in report.findings
    ]
    notifications = [
        {"level": "error", "message": {"text": e.message},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.path)}}}]}
        for e in report.errors
    ]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "backend-rules", "version": __version__, "informationUri": INFO_URI,
                "rules": [_sarif_rule(rule) for rule in rules.values()],
            }},
            "results": results,
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        }],
    }
    return json.dumps(sarif, indent=2) + "\n"


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "github": render_github,
}


def render(report: Report, fmt: str) -> str:
    return FORMATS[fmt](report)
