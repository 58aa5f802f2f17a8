"""flake8 front door: the same engine on the lines flake8 already read and decoded.

flake8 applies ``# noqa`` and ``--select``/``--extend-ignore`` itself (by prefix: a user's
``extend-ignore = B`` also silences ``BR``), so the plugin reports everything the project's
``[tool.backend-rules]`` selects and lets flake8 filter. Cross-file facts come from the project
index cached on disk, so ``flake8 -j`` workers reach the same answer as the CLI.
"""

from __future__ import annotations

import ast
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from backend_rules.version import __version__


@lru_cache(maxsize=64)
def _config_for_folder(folder: str) -> tuple[Any, str | None]:
    """The folder's configuration, or the defaults plus what is wrong with it."""
    from backend_rules.engine.config import Config, ConfigError, find_pyproject, load_config

    try:
        return load_config(find_pyproject(Path(folder))), None
    except ConfigError as exc:
        return Config(), str(exc)


class Flake8Plugin:
    name = "backend-rules"
    version = __version__
    # Whether flake8's own selection lets any BR code through; when it does not (``--select E``),
    # run() returns at once, so the plugin costs nothing: not even importing libcst and the rules.
    selected = True

    @classmethod
    def parse_options(cls, options: Any) -> None:
        try:
            from flake8.style_guide import Decision, DecisionEngine

            engine = DecisionEngine(options)
            cls.selected = any(engine.decision_for(f"BR{number:03d}") is Decision.Selected for number in range(1000))
        except Exception:  # another flake8 version: keep running, flake8 still filters the output
            cls.selected = True

    def __init__(self, tree: ast.AST, lines: list[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if not self.selected:
            return
        from backend_rules.engine.checker import check_source
        from backend_rules.engine.project_index import index_for

        path = self.filename
        folder = os.path.dirname(os.path.abspath(path)) if path not in {"-", "stdin"} else os.getcwd()
        config, problem = _config_for_folder(folder)
        if problem is not None:  # flake8 keeps running; the user learns why the defaults apply
            yield 1, 0, f"BR000 invalid [tool.backend-rules] configuration, defaults used: {problem}", type(self)
        try:
            findings = check_source(
                "".join(self.lines), path, config,
                project_loader=lambda: index_for(path), apply_noqa=False,
            )
        except Exception as exc:  # never abort the user's whole flake8 run
            yield 1, 0, f"BR000 internal error: {type(exc).__name__}: {exc}; please report it", type(self)
            return
        if config.baseline:
            findings = _without_baseline(config, findings)
        for finding in findings:
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)


def _without_baseline(config: Any, findings: list) -> list:
    """The project's ``baseline`` applies here too; an unreadable one is a BR000 line."""
    from backend_rules.engine.baseline import Baseline, BaselineError
    from backend_rules.engine.findings import Finding

    try:
        known = _baseline(config.baseline, os.path.dirname(os.path.abspath(config.source)))
    except BaselineError as exc:
        return [Finding(path="", line=1, column=1, code="BR000", message=f"baseline ignored: {exc}")] + findings
    return known.filter(findings)[0]


@lru_cache(maxsize=8)
def _baseline(path: str, root: str) -> Any:
    from backend_rules.engine.baseline import Baseline

    return Baseline.load(path, root)
