"""The Rule base class: who a rule is (class variables), why it exists (docstring), proof (examples).

A rule is a libcst visitor fragment: it defines ``visit_<Node>`` / ``leave_<Node>`` methods and
calls :meth:`Rule.report`. The engine runs every selected rule of a file in a single traversal.
"""

from __future__ import annotations

import re
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # pragma: no cover - imported for type checkers only
    import ast

    from typing import Callable

    import libcst as cst

    from backend_rules.context import FileContext
    from backend_rules.analysis.project_facts import ProjectIndex

SEVERITIES = ("LOW", "MEDIUM", "HIGH")
CATEGORIES = ("security", "performance", "correctness", "tool")
CONFIDENCES = ("LOW", "MEDIUM", "HIGH")


@dataclass(frozen=True)
class Invalid:
    """An example that must produce exactly one finding of the rule at ``line`` (1-based).

    ``column`` (1-based) is checked when given; ``message`` must occur in the finding's message.
    ``path`` lets an example pretend to live somewhere (e.g. a test directory or settings module).
    """

    code: str
    line: int
    column: int | None = None
    message: str | None = None
    path: str = "example.py"
    expected: str | None = None  # the whole snippet after ``--fix --unsafe-fixes``, when the rule fixes it


@dataclass(frozen=True)
class Fix:
    """A rewrite that removes a finding: replace ``node`` (any node of the file) by ``replacement``.

    ``safe`` fixes keep behaviour and are applied by ``--fix``; unsafe ones (behaviour may change,
    or a human must finish them) only with ``--unsafe-fixes``. ``prepend`` are module-level
    statements added after the imports (e.g. a set that keeps task references).
    """

    node: Any
    replacement: Any
    description: str
    safe: bool = True
    prepend: tuple[str, ...] = ()


@dataclass(frozen=True)
class Valid:
    """An example that must produce no finding of the rule; ``path`` as for :class:`Invalid`."""

    code: str
    path: str = "example.py"


class Rule:
    """Base class of every check. Subclasses set the class variables below and visitor methods."""

    CODE: ClassVar[str] = ""
    NAME: ClassVar[str] = ""  # kebab-case, reads after "allow": allow sql-built-from-strings
    MESSAGE: ClassVar[str] = ""  # one sentence, may hold {placeholders} filled by report()
    CATEGORY: ClassVar[str] = "correctness"  # one of CATEGORIES
    SEVERITY: ClassVar[str] = "MEDIUM"
    CONFIDENCE: ClassVar[str] = "MEDIUM"
    CWE: ClassVar[int | None] = None
    # A file is parsed for this rule only when this regex matches its text. It must match every
    # file that can hold a finding: it is a cheap filter, not the check.
    TRIGGER: ClassVar[str | None] = None
    # Whether the rule needs the project index (cross-file facts); the engine builds it lazily.
    USES_PROJECT_INDEX: ClassVar[bool] = False
    # Whether the rule offers fixes: "" (never), "safe" (--fix), "unsafe" (--unsafe-fixes), or
    # "safe or unsafe" when it depends on the finding. Shown by `rules` and `explain`.
    FIX: ClassVar[str] = ""
    # Rule-specific options settable in [tool.backend-rules]; name -> default value.
    OPTIONS: ClassVar[dict[str, Any]] = {}
    VALID: ClassVar[list[str | Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    _trigger_re: ClassVar[re.Pattern[str] | None] = None

    def __init__(self, context: "FileContext") -> None:
        self.context = context

    @classmethod
    def trigger(cls) -> re.Pattern[str] | None:
        if cls.TRIGGER is not None and cls.__dict__.get("_trigger_re") is None:
            cls._trigger_re = re.compile(cls.TRIGGER)
        return cls._trigger_re if cls.TRIGGER is not None else None

    @classmethod
    def applies_to(cls, options: dict[str, Any]) -> bool:
        """Whether the rule checks this file at all, from its path (``options["relative_path"]``)
        and the options: a rule that is quiet in tests says so here, before any parsing."""
        return True

    @classmethod
    def may_fire(cls, tree: "ast.Module") -> bool:
        """Second, finer filter on the stdlib AST (already parsed for the syntax check).

        libcst parsing costs about ten times the stdlib parser, so a rule that can tell from the
        AST that a file holds no candidate spares the file the libcst parse. Must never return
        False for a file where the rule would report something. A rule that needs cross-file
        facts to decide overrides :meth:`may_fire_in_project` instead.
        """
        return True

    @classmethod
    def may_fire_in_project(cls, tree: "ast.Module", project: "Callable[[], ProjectIndex | None]") -> bool:
        """:meth:`may_fire` with access to the project index (``project()`` builds it lazily)."""
        return cls.may_fire(tree)

    @classmethod
    def family(cls) -> str:
        return cls.CODE[:3]

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.documentation().splitlines()[0] if cls.__doc__ else cls.NAME

    def report(
        self, node: "cst.CSTNode", message: str | None = None, *, confidence: str | None = None,
        fix: Fix | None = None, **fields: Any,
    ) -> None:
        """Report a finding at ``node``; ``message`` defaults to MESSAGE formatted with ``fields``.

        ``confidence`` (LOW, MEDIUM, HIGH) says how sure this finding is, where the rule can tell
        (a value traced to request data, an N+1 in a view versus a management command); it
        defaults to the rule's ``CONFIDENCE``. ``fix`` offers a rewrite (see :class:`Fix`).
        """
        text = message if message is not None else self.MESSAGE.format(**fields)
        if confidence is not None and confidence not in CONFIDENCES:
            raise ValueError(f"confidence must be one of {', '.join(CONFIDENCES)}, not {confidence!r}")
        self.context.add_finding(self, node, text, confidence or self.CONFIDENCE, fix)
