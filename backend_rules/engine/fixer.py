"""Apply the rewrites rules offer (``--fix``, ``--unsafe-fixes``, ``--diff``).

Fixes arrive as text edits on findings, so they survive the results cache and worker processes.
Edits are applied from the end of the file backwards; an edit overlapping one already taken is
left for the next run (as ruff does). A fixed file must still parse, or nothing is written.
"""

from __future__ import annotations

import difflib
from typing import Iterable

import libcst as cst

from backend_rules.analysis.positions import LINE_BREAK
from backend_rules.engine.findings import Finding


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for match in LINE_BREAK.finditer(text):
        starts.append(match.end())
    return starts


def applicable(finding: Finding, unsafe: bool) -> bool:
    return finding.fix is not None and (finding.fix[0] == "safe" or unsafe)


def apply_fixes(text: str, findings: Iterable[Finding], unsafe: bool = False) -> tuple[str, list[Finding]]:
    """The text with every applicable, non-overlapping fix applied, and the findings fixed."""
    starts = _line_starts(text)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1 if 0 < line <= len(starts) else len(text)

    planned: list[tuple[int, int, str, Finding]] = []
    for finding in findings:
        if not applicable(finding, unsafe):
            continue
        for start_line, start_col, end_line, end_col, new in finding.fix[2]:
            planned.append((offset(start_line, start_col), offset(end_line, end_col), new, finding))
    # Choose whole fixes (all of a finding's edits or none), earliest in the file first.
    by_finding: dict[int, list[tuple[int, int, str]]] = {}
    owners: dict[int, Finding] = {}
    for start, end, new, finding in planned:
        by_finding.setdefault(id(finding), []).append((start, end, new))
        owners[id(finding)] = finding
    chosen: set[tuple[int, int, str]] = set()
    applied: list[Finding] = []
    for key in sorted(by_finding, key=lambda k: min(e[0] for e in by_finding[k])):
        edits = [edit for edit in by_finding[key] if edit not in chosen]  # a shared prepend counts once
        if all(not _overlaps(edit, taken) for edit in edits for taken in chosen):
            chosen.update(edits)
            applied.append(owners[key])
    out = text
    for start, end, new in sorted(chosen, key=lambda edit: (edit[0], edit[1]), reverse=True):
        out = out[:start] + new + out[end:]
    if out != text:
        try:
            cst.parse_module(out)
        except Exception:  # never write a file that no longer parses
            return text, []
    return out, applied


def _overlaps(first: tuple[int, int, str], second: tuple[int, int, str]) -> bool:
    """Two edits touch the same text (insertions at one point conflict too)."""
    (a_start, a_end, _), (b_start, b_end, _) = first, second
    if a_start == a_end == b_start == b_end:
        return True
    return a_start < b_end and b_start < a_end or a_start == b_start


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), fromfile=f"a/{path}", tofile=f"b/{path}"
        )
    )
