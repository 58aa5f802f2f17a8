"""Text for people, JSON for scripts, SARIF for code scanning, workflow commands for GitHub."""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from pathlib import Path
from typing import Callable

from backend_rules.version import __version__
from backend_rules.engine.registry import all_rules
from backend_rules.engine.runner import Report

LEVELS = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
INFO_URI = "https://pypi.org/project/backend-rules/"


def _physical_lines(text: str) -> list[str]:
    from backend_rules.analysis.positions import physical_lines  # imports libcst: only when needed

    return physical_lines(text)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


def display(value: str) -> str:
    """A path or message on one line: control characters (a newline in a file name) escaped."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)


def summary_line(report: Report) -> str:
    checked = report.files - len({e.path for e in report.errors})
    checked_text = f"({_plural(max(checked, 0), 'file')} checked)"
    if report.findings:
        files = len({f.path for f in report.findings})
        line = f"Found {_plural(len(report.findings), 'problem')} in {_plural(files, 'file')} {checked_text}."
    elif report.errors:
        line = f"No problems found {checked_text}."
    else:
        line = f"All checks passed {checked_text}."
    if report.errors:
        line += f" {_plural(len(report.errors), 'file')} could not be checked."
    return line


def render_text(report: Report, show_source: bool = False) -> str:
    lines = []
    sources: dict[str, list[str]] = {}
    for f in report.findings:
        lines.append(f"{display(f.path)}:{f.line}:{f.column}: {f.code} {display(f.message)} [{f.name}]")
        if show_source:
            lines.extend(_source_excerpt(f, sources))
    lines += [f"{display(e.path)}: error: {display(e.message)}" for e in report.errors]
    return "\n".join(lines + [summary_line(report)]) + "\n"


def _source_excerpt(finding, sources: dict[str, list[str]]) -> list[str]:
    """The offending line with a caret under the finding's column (ruff's --show-source)."""
    if finding.path not in sources:
        try:
            with open(finding.path, encoding="utf-8", errors="replace", newline="") as handle:
                sources[finding.path] = _physical_lines(handle.read())
        except OSError:
            sources[finding.path] = []
    lines = sources[finding.path]
    if not 0 < finding.line <= len(lines):
        return []
    text = display(lines[finding.line - 1].expandtabs(1))
    width = max((finding.end_column - finding.column) if finding.end_line == finding.line else 1, 1)
    return [f"  {finding.line:>5} | {text}", f"        | {' ' * (finding.column - 1)}{'^' * min(width, max(len(text) - finding.column + 1, 1))}"]


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


SECURITY_SEVERITY = {"HIGH": "8.0", "MEDIUM": "5.5", "LOW": "3.0"}  # GitHub's high / medium / low bands
PRECISION = {"HIGH": "high", "MEDIUM": "medium", "LOW": "low"}


def sarif_rule(
    code: str, name: str, summary: str, doc: str, severity: str, confidence: str, category: str, cwe: int | None
) -> dict:
    """A SARIF reportingDescriptor; shared by the libcst rules and the semgrep pack's rules."""
    properties: dict = {
        "tags": [category, name] + ([f"external/cwe/cwe-{cwe}"] if cwe else []),
        "precision": PRECISION.get(confidence, "medium"),
    }
    if category == "security":
        properties["security-severity"] = SECURITY_SEVERITY.get(severity, "5.5")
    return {
        "id": code,
        "name": name,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": doc.split("\n\n", 1)[-1].strip() or summary},
        "help": {"text": doc, "markdown": doc},
        "helpUri": f"{INFO_URI}#{code.lower()}",
        "defaultConfiguration": {"level": LEVELS.get(severity, "warning")},
        "properties": properties,
    }


def _engine_rule(rule: type) -> dict:
    return sarif_rule(
        rule.CODE, rule.NAME, rule.summary(), rule.documentation(), rule.SEVERITY, rule.CONFIDENCE,
        rule.CATEGORY, rule.CWE,
    )


def _pack_rules() -> dict[str, dict]:
    """Rules only the semgrep pack has (its findings may carry codes the engine lacks)."""
    try:
        from backend_rules.semgrep_runner import pack_rules
    except ImportError:  # pragma: no cover - older pack runner
        return {}
    try:
        rules = pack_rules()
    except Exception:  # pragma: no cover - a pack we cannot read still gets a generic descriptor
        return {}
    return {
        code: sarif_rule(
            code, info.get("name", code.lower()), info.get("summary", code), info.get("docs", ""),
            info.get("severity", "MEDIUM"), info.get("confidence", "MEDIUM"), info.get("category", "security"),
            info.get("cwe"),
        )
        for code, info in rules.items()
    }


def source_root(paths: list[str]) -> str:
    """The repository root (nearest folder with ``.git``) above the first path, else the current folder."""
    start = os.path.abspath(paths[0]) if paths else os.getcwd()
    folder = start if os.path.isdir(start) else os.path.dirname(start)
    for candidate in [folder, *_parents(folder)]:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
    return os.getcwd()


def _parents(folder: str) -> list[str]:
    parents = []
    while True:
        parent = os.path.dirname(folder)
        if parent == folder:
            return parents
        parents.append(parent)
        folder = parent


def _uri(path: str, root: str) -> str:
    """``path`` relative to ``root``, percent-encoded (spaces, ``#``, non-ASCII) as SARIF wants."""
    absolute = os.path.abspath(path)
    rel = os.path.relpath(absolute, root) if not os.path.relpath(absolute, root).startswith("..") else absolute
    return urllib.parse.quote(rel.replace(os.sep, "/"), safe="/")


def _fingerprints(findings: list) -> list[str]:
    """GitHub's scheme: a hash of the line's text (whitespace-normalised), then ``:n`` counting
    identical lines in the same file, so two identical offending lines stay two alerts."""
    lines_of: dict[str, list[str]] = {}
    seen: dict[tuple[str, str], int] = {}
    out = []
    for f in findings:
        if f.path not in lines_of:
            try:
                with open(f.path, encoding="utf-8", errors="replace", newline="") as handle:
                    lines_of[f.path] = _physical_lines(handle.read())
            except OSError:
                lines_of[f.path] = []
        lines = lines_of[f.path]
        text = " ".join(lines[f.line - 1].split()) if 0 < f.line <= len(lines) else ""
        digest = hashlib.sha256(f"{f.code}|{text}".encode()).hexdigest()[:16]
        seen[(f.path, digest)] = seen.get((f.path, digest), 0) + 1
        out.append(f"{digest}:{seen[(f.path, digest)]}")
    return out


def _sarif_fix(finding, root: str) -> dict:
    safety, description, edits = finding.fix
    return {
        "description": {"text": f"{description} ({safety} fix)"},
        "artifactChanges": [{
            "artifactLocation": {"uri": _uri(finding.path, root), "uriBaseId": "%SRCROOT%"},
            "replacements": [
                {
                    "deletedRegion": {"startLine": a, "startColumn": b, "endLine": c, "endColumn": d},
                    "insertedContent": {"text": text},
                }
                for a, b, c, d, text in edits
            ],
        }],
    }


def render_sarif(report: Report) -> str:
    descriptors = {code: _engine_rule(rule) for code, rule in all_rules().items()}
    if any(f.code not in descriptors for f in report.findings):
        for code, descriptor in _pack_rules().items():
            descriptors.setdefault(code, descriptor)
    for f in report.findings:  # a code nobody describes still gets a minimal descriptor
        descriptors.setdefault(f.code, sarif_rule(f.code, f.name or f.code.lower(), f.message, f.message,
                                                  f.severity, f.confidence, "security", None))
    ordered = sorted(descriptors)
    root = source_root(report.paths)
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": ordered.index(f.code),
            "level": LEVELS.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path, root), "uriBaseId": "%SRCROOT%"},
                    "region": {
                        "startLine": f.line, "startColumn": f.column,
                        "endLine": max(f.end_line, f.line), "endColumn": max(f.end_column, 1),
                    },
                }
            }],
            "partialFingerprints": {"primaryLocationLineHash": fingerprint},
            "rank": {"HIGH": 90.0, "MEDIUM": 60.0, "LOW": 30.0}.get(f.confidence, 60.0),
            "properties": {"confidence": f.confidence, "severity": f.severity},
            **({"fixes": [_sarif_fix(f, root)]} if f.fix is not None else {}),
        }
        for f, fingerprint in zip(report.findings, _fingerprints(report.findings))
    ]
    notifications = [
        {"level": "error", "message": {"text": e.message},
         "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.path, root), "uriBaseId": "%SRCROOT%"}}}]}
        for e in report.errors
    ]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "backend-rules", "version": __version__, "informationUri": INFO_URI,
                "rules": [descriptors[code] for code in ordered],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(root).as_uri() + "/"}},
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


def render(report: Report, fmt: str, show_source: bool = False) -> str:
    if fmt == "text":
        return render_text(report, show_source)
    return FORMATS[fmt](report)
