"""Which files a run looks at: Python files under the given paths, minus what is excluded."""

from __future__ import annotations

import os
from typing import Iterator

from backend_rules.engine.config import Config


def _is_virtualenv(folder: str) -> bool:
    return os.path.isfile(os.path.join(folder, "pyvenv.cfg"))


def walk_python_files(root: str, config: Config) -> Iterator[str]:
    """Every ``*.py`` below ``root`` in a stable order, skipping excluded folders and virtualenvs."""
    for folder, dirs, files in os.walk(root):
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


def iter_python_files(paths: list[str], config: Config, force_exclude: bool = False) -> Iterator[str]:
    """Files named on the command line are always checked (unless ``force_exclude``), like ruff."""
    seen: set[str] = set()
    for path in paths:
        if os.path.isdir(path):
            if force_exclude and config.is_excluded(path, is_dir=True):
                continue
            candidates: Iterator[str] = walk_python_files(path, config)
        else:
            if force_exclude and config.is_excluded(path):
                continue
            candidates = iter([path])
        for candidate in candidates:
            key = os.path.abspath(candidate)
            if key not in seen:
                seen.add(key)
                yield candidate
