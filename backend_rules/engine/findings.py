"""What a check produces: findings (problems in the code) and file errors (problems reading it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, order=True)
class Finding:
    """One reported problem. Lines and columns are 1-based everywhere outside the engine."""

    path: str
    line: int
    column: int
    code: str
    message: str
    name: str = ""
    severity: str = "MEDIUM"
    confidence: str = "MEDIUM"
    end_line: int = 0
    end_column: int = 0
    # A rewrite that removes the finding, as text edits: (safety, description, edits) where each
    # edit is (start_line, start_column, end_line, end_column, new_text), 1-based, end exclusive.
    fix: tuple | None = field(default=None, compare=False)

    def to_dict(self) -> dict:
        data = asdict(self)
        out = {key: data[key] for key in FINDING_KEYS}
        out["fix"] = fix_to_dict(self.fix)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(**{key: data[key] for key in FINDING_KEYS}, fix=fix_from_dict(data.get("fix")))

    def with_path(self, path: str) -> "Finding":
        return Finding(**{**asdict(self), "path": path})


def fix_to_dict(fix: tuple | None) -> dict | None:
    if fix is None:
        return None
    safety, description, edits = fix
    return {
        "applicability": safety, "message": description,
        "edits": [{"start": [a, b], "end": [c, d], "content": text} for a, b, c, d, text in edits],
    }


def fix_from_dict(data: dict | None) -> tuple | None:
    if not data:
        return None
    edits = tuple(
        (int(e["start"][0]), int(e["start"][1]), int(e["end"][0]), int(e["end"][1]), str(e["content"]))
        for e in data["edits"]
    )
    return (str(data["applicability"]), str(data["message"]), edits)


FINDING_KEYS = (
    "path", "line", "column", "end_line", "end_column",
    "code", "name", "message", "severity", "confidence",
)


@dataclass(frozen=True, order=True)
class FileError:
    """A file the tool could not check (unreadable, internal error). The run goes on."""

    path: str
    message: str

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message}
