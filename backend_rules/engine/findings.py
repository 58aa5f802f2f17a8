"""What a check produces: findings (problems in the code) and file errors (problems reading it)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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

    def to_dict(self) -> dict:
        data = asdict(self)
        return {key: data[key] for key in FINDING_KEYS}

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        return cls(**{key: data[key] for key in FINDING_KEYS})

    def with_path(self, path: str) -> "Finding":
        return Finding(**{**asdict(self), "path": path})


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
