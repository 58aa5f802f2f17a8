"""A baseline: the findings a team has accepted for now, so CI fails only on new ones.

A finding is identified without its line number: its code, its file (relative to the project
root), a hash of its statement's text (whitespace-normalised) and an occurrence index among
identical (code, file, text) triples. Edits above a finding therefore do not resurrect it, and a
file that git reports as renamed since the baseline was written keeps its entries. The file is
sorted JSON, stable across runs and readable in review; it holds hashes, never source text, so no
secret value ends up in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from typing import Iterable

from backend_rules.analysis.positions import physical_lines
from backend_rules.engine.findings import Finding

FORMAT = 1


class BaselineError(Exception):
    """The baseline file is missing or not one of ours (reported in one line, exit 2)."""


@dataclass(frozen=True, order=True)
class Entry:
    path: str
    code: str
    fingerprint: str
    occurrence: int

    def to_dict(self) -> dict:
        return {"path": self.path, "code": self.code, "fingerprint": self.fingerprint, "occurrence": self.occurrence}


def _relative(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), root)
    return (path if rel.startswith("..") else rel).replace(os.sep, "/")


def entries_for(findings: Iterable[Finding], root: str) -> list[tuple[Finding, Entry]]:
    """Each finding with its line-number-free identity, in file and line order."""
    lines_of: dict[str, list[str]] = {}
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for finding in sorted(findings):
        if finding.path not in lines_of:
            try:
                with open(finding.path, encoding="utf-8", errors="replace", newline="") as handle:
                    lines_of[finding.path] = physical_lines(handle.read())
            except OSError:
                lines_of[finding.path] = []
        lines = lines_of[finding.path]
        text = " ".join(lines[finding.line - 1].split()) if 0 < finding.line <= len(lines) else ""
        path = _relative(finding.path, root)
        digest = hashlib.sha256(f"{finding.code}|{text}".encode()).hexdigest()[:20]
        key = (path, finding.code, digest)
        seen[key] = seen.get(key, 0) + 1
        out.append((finding, Entry(path, finding.code, digest, seen[key])))
    return out


def _git_head(root: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _git_renames(root: str, commit: str) -> dict[str, str]:
    """old path -> new path for files git sees as renamed since ``commit`` (working tree included)."""
    try:
        done = subprocess.run(
            ["git", "-C", root, "diff", "--name-status", "-M", commit, "--"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    renames = {}
    for line in done.stdout.splitlines() if done.returncode == 0 else []:
        parts = line.split("\t")
        if len(parts) == 3 and parts[0].startswith("R"):
            renames[parts[1]] = parts[2]
    return renames


def write(path: str, findings: Iterable[Finding], root: str) -> int:
    """Write the baseline of ``findings``; returns how many entries it holds."""
    entries = sorted(entry for _, entry in entries_for(findings, root))
    payload = {
        "tool": "backend-rules",
        "format": FORMAT,
        "commit": _git_head(root),
        "findings": [entry.to_dict() for entry in entries],
    }
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return len(entries)


@dataclass
class Baseline:
    path: str
    root: str
    commit: str | None
    entries: set[Entry]

    @classmethod
    def load(cls, path: str, root: str) -> "Baseline":
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            raise BaselineError(f"baseline {path} does not exist; write one with 'backend-rules baseline'") from None
        except (OSError, ValueError) as exc:
            raise BaselineError(f"baseline {path} is not readable JSON: {exc}") from None
        try:
            if data.get("tool") != "backend-rules" or data.get("format") != FORMAT:
                raise ValueError("not a backend-rules baseline of this format")
            entries = {
                Entry(str(item["path"]), str(item["code"]), str(item["fingerprint"]), int(item["occurrence"]))
                for item in data["findings"]
            }
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise BaselineError(f"baseline {path} is malformed: {exc}") from None
        commit = data.get("commit") if isinstance(data.get("commit"), str) else None
        return cls(path, root, commit, entries)

    def _renamed(self) -> set[Entry]:
        if not self.commit:
            return set(self.entries)
        renames = _git_renames(self.root, self.commit)
        return {Entry(renames.get(e.path, e.path), e.code, e.fingerprint, e.occurrence) for e in self.entries}

    def filter(self, findings: list[Finding]) -> tuple[list[Finding], int]:
        """The findings not in the baseline, and how many baseline entries matched nothing (fixed)."""
        known = self._renamed()
        new, matched = [], set()
        for finding, entry in entries_for(findings, self.root):
            if entry in known:
                matched.add(entry)
            else:
                new.append(finding)
        return sorted(new), len(known - matched)

    def prune(self, findings: list[Finding]) -> int:
        """Rewrite the baseline without entries that no longer match a finding; returns how many went."""
        current = {entry for _, entry in entries_for(findings, self.root)}
        kept = self._renamed() & current
        removed = len(self.entries) - len(kept)
        payload = {
            "tool": "backend-rules", "format": FORMAT, "commit": _git_head(self.root) or self.commit,
            "findings": [entry.to_dict() for entry in sorted(kept)],
        }
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        return removed
