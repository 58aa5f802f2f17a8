"""Which files a run looks at, and how they are read: regular ``*.py`` files only, never waited on.

A FIFO, socket or device named ``*.py`` would block or never end; a symlink to ``/dev/zero`` would
be read forever. So only regular files are opened (non-blocking, re-checked after opening), at most
``MAX_FILE_BYTES`` are read, and everything that cannot be read becomes a diagnostic, never a
silent skip.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Iterator

from backend_rules.engine.config import Config

MAX_FILE_BYTES = 10 * 1024 * 1024  # larger "source" is generated data, not code to review


class UnreadableFile(Exception):
    """A path that cannot be checked (not a regular file, unreadable, too large)."""


@dataclass(frozen=True)
class Skipped:
    """A path the walk could not enter or read; reported as a file error, never dropped."""

    path: str
    reason: str


def _is_virtualenv(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


def _os_reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def read_python_file(path: str) -> bytes:
    """The bytes of a regular file, at most ``MAX_FILE_BYTES``; raises :class:`UnreadableFile`."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {_os_reason(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile("not a regular file (a FIFO, socket, device or folder); skipped")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UnreadableFile(f"cannot read file: {_os_reason(exc)}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the stat
            raise UnreadableFile("not a regular file (a FIFO, socket, device or folder); skipped")
        try:
            content = handle.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UnreadableFile(f"cannot read file: {_os_reason(exc)}") from None
    if len(content) > MAX_FILE_BYTES:
        raise UnreadableFile(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not checked")
    return content


def walk_python_files(root: str, config: Config, skipped: list[Skipped] | None = None) -> Iterator[str]:
    """Every ``*.py`` below ``root`` in a stable order, skipping excluded folders and virtualenvs.

    Folders that cannot be listed are appended to ``skipped`` (when given) instead of vanishing.
    """

    def on_error(exc: OSError) -> None:
        if skipped is not None and exc.filename:
            skipped.append(Skipped(os.path.normpath(exc.filename), f"cannot read folder: {_os_reason(exc)}"))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        dirs[:] = sorted(
            d for d in dirs
            if not config.is_excluded(os.path.join(folder, d), is_dir=True)
            and not _is_virtualenv(os.path.join(folder, d))
        )
        for name in sorted(files):
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                if not config.is_excluded(path):
                    yield os.path.normpath(path) if folder != root or root != "." else path


def iter_python_files(
    paths: list[str], config: Config, force_exclude: bool = False, skipped: list[Skipped] | None = None
) -> Iterator[str]:
    """Files named on the command line are always checked (unless ``force_exclude``), like ruff.

    A named path that does not exist or cannot be entered goes to ``skipped``.
    """
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            if force_exclude and config.is_excluded(path, is_dir=True):
                continue
            if not os.access(path, os.R_OK | os.X_OK):
                if skipped is not None:
                    skipped.append(Skipped(path, "cannot read folder: Permission denied"))
                continue
            candidates: Iterator[str] = walk_python_files(path, config, skipped)
        else:
            if force_exclude and config.is_excluded(path):
                continue
            candidates = iter([path])
        for candidate in candidates:
            key = os.path.abspath(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate
