"""Check one file: decode, pick the rules that can fire, parse once, run them in one traversal.

Speed comes from not doing work: a rule declares a TRIGGER regex, and a file none of whose
selected rules is triggered is only syntax-checked with the (much faster) stdlib parser. Files that
are parsed get one libcst traversal for all their rules; positions are computed only for files
that report something.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Callable, Iterable

import libcst as cst

from backend_rules.context import FileContext
from backend_rules.engine.findings import Finding
from backend_rules.engine.registry import TOOL_RULES, all_rules
from backend_rules.analysis.walk import walk

if TYPE_CHECKING:  # pragma: no cover
    from backend_rules.engine.config import Config
    from backend_rules.analysis.project_facts import ProjectIndex
    from backend_rules.rule import Rule

NOQA_RE = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
NOQA_CODE_RE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)


class SourceProblem(Exception):
    """The bytes given cannot be read as Python source."""


def decode_source(source: str | bytes) -> str:
    """Text of a file, honouring a BOM or PEP 263 coding cookie; refuses binary data."""
    if isinstance(source, str):
        text = source
    else:
        if b"\x00" in source:
            raise SourceProblem("binary file (contains NUL bytes); not Python source")
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
            text = source.decode(encoding)
        except (SyntaxError, LookupError, UnicodeDecodeError) as exc:
            raise SourceProblem(f"cannot decode file: {exc}") from None
    if "\x00" in text:
        raise SourceProblem("binary file (contains NUL bytes); not Python source")
    return text.lstrip("\ufeff")


def check_source(
    source: str | bytes,
    path: str = "<stdin>",
    config: "Config | None" = None,
    *,
    project_loader: Callable[[], "ProjectIndex | None"] | None = None,
    apply_noqa: bool = True,
) -> list[Finding]:
    """All findings for one file's source, sorted by position. Never raises on bad input."""
    return check_source_detailed(
        source, path, config, project_loader=project_loader, apply_noqa=apply_noqa
    )[0]


def check_source_detailed(
    source: str | bytes,
    path: str = "<stdin>",
    config: "Config | None" = None,
    *,
    project_loader: Callable[[], "ProjectIndex | None"] | None = None,
    apply_noqa: bool = True,
) -> tuple[list[Finding], bool]:
    """Findings plus whether the project index was consulted (which decides cache validity)."""
    from backend_rules.engine.config import Config

    config = config or Config()
    selected = config.rules_for(path)
    selected_codes = {rule.CODE for rule in selected}
    try:
        text = decode_source(source)
    except SourceProblem as exc:
        return _tool_finding("BR002", path, 1, 1, str(exc), selected_codes), False

    options = config.options_for(path)
    triggered = [
        rule for rule in selected
        if rule.CODE not in TOOL_RULES and rule.applies_to(options)
        and (rule.trigger() is None or rule.trigger().search(text))
    ]
    tree, syntax_findings = _stdlib_parse(text, path, selected_codes)
    if tree is None:
        return syntax_findings, False
    loaded: dict[str, "ProjectIndex | None"] = {}

    def project() -> "ProjectIndex | None":
        """The project index, built once, and remembered as used (cached results depend on it)."""
        if "index" not in loaded:
            try:
                loaded["index"] = project_loader() if project_loader else None
            except Exception:  # an unreadable project must not stop this file's check
                loaded["index"] = None
        return loaded["index"]

    triggered = [rule for rule in triggered if _may_fire(rule, tree, project)]
    if not triggered:
        return [], "index" in loaded

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        message = f"cannot parse file: {exc.message}"
        return _tool_finding("BR001", path, exc.raw_line, exc.raw_column + 1, message, selected_codes), False
    except (RecursionError, MemoryError, ValueError, TypeError) as exc:
        return _tool_finding("BR001", path, 1, 1, f"cannot parse file: {exc!r}", selected_codes), False

    context = FileContext(path, text, module, options, project, tree)
    findings = _run_rules(triggered, context, selected_codes)
    if apply_noqa:
        findings = _without_suppressed(findings, text.splitlines())
    return sorted(set(findings)), "index" in loaded


def _may_fire(rule: type["Rule"], tree: ast.Module, project: Callable[[], Any]) -> bool:
    """A rule's gate; a gate that fails lets the rule run (its own errors are reported as BR000)."""
    try:
        return rule.may_fire_in_project(tree, project)
    except Exception:
        return True


def _stdlib_parse(text: str, path: str, selected_codes: set[str]) -> tuple[ast.Module | None, list[Finding]]:
    """Every file gets the stdlib parser: a syntax check for all, and the AST for rule gates."""
    try:
        return ast.parse(text, filename=path), []
    except SyntaxError as exc:
        return None, _tool_finding(
            "BR001", path, exc.lineno or 1, exc.offset or 1, f"cannot parse file: {exc.msg}", selected_codes
        )
    except (RecursionError, MemoryError, ValueError) as exc:
        return None, _tool_finding("BR001", path, 1, 1, f"cannot parse file: {exc!r}", selected_codes)


def _tool_finding(code: str, path: str, line: int, column: int, message: str, selected: set[str]) -> list[Finding]:
    if code not in selected:
        return []
    rule = all_rules()[code]
    return [
        Finding(
            path=path, line=max(line, 1), column=max(column, 1), code=code, message=message,
            name=rule.NAME, severity=rule.SEVERITY, confidence=rule.CONFIDENCE,
            end_line=max(line, 1), end_column=max(column, 1),
        )
    ]


class _Dispatcher:
    """One traversal for many rules: calls each rule's visit_/leave_ methods for a node type."""

    def __init__(self, rules: Iterable["Rule"], context: FileContext) -> None:
        self.context = context
        self.failures: list[tuple["Rule", BaseException]] = []
        self.visits: dict[str, list[tuple["Rule", Callable[[Any], Any]]]] = defaultdict(list)
        self.leaves: dict[str, list[tuple["Rule", Callable[[Any], Any]]]] = defaultdict(list)
        for rule in rules:
            for attr in dir(type(rule)):
                if attr.startswith("visit_"):
                    self.visits[attr[6:]].append((rule, getattr(rule, attr)))
                elif attr.startswith("leave_"):
                    self.leaves[attr[6:]].append((rule, getattr(rule, attr)))

    def _call(self, table: dict, node: cst.CSTNode) -> None:
        handlers = table.get(type(node).__name__)
        if not handlers:
            return
        for rule, handler in list(handlers):
            try:
                handler(node)
            except Exception as exc:  # a bug in one rule must not hide the others' findings
                self.failures.append((rule, exc))
                self._disable(rule)

    def _disable(self, rule: "Rule") -> None:
        for table in (self.visits, self.leaves):
            for key, handlers in table.items():
                table[key] = [(r, h) for r, h in handlers if r is not rule]

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.Import, cst.ImportFrom)):
            self.context.imports.add(node)
        self._call(self.visits, node)
        self.context.stack.append(node)
        return True

    def on_leave(self, node: cst.CSTNode) -> None:
        self.context.stack.pop()
        self._call(self.leaves, node)


def _run_rules(rule_classes: list[type["Rule"]], context: FileContext, selected: set[str]) -> list[Finding]:
    rules = [cls(context) for cls in rule_classes]
    dispatcher = _Dispatcher(rules, context)
    findings: list[Finding] = []
    try:
        walk(context.module, dispatcher.on_visit, dispatcher.on_leave)
    except RecursionError:
        findings += _tool_finding(
            "BR001", context.path, 1, 1, "file is nested too deeply to analyse", selected
        )
    for rule, exc in dispatcher.failures:
        findings += _tool_finding(
            "BR000", context.path, 1, 1,
            f"internal error in {rule.CODE}: {type(exc).__name__}: {exc}; please report it", selected,
        )
    for rule, node, message in context.reports:
        try:
            where = context.position(node)
        except Exception:  # pragma: no cover - every visited node has a position
            continue
        findings.append(
            Finding(
                path=context.path, line=where.start.line, column=where.start.column + 1,
                code=rule.CODE, message=message, name=rule.NAME, severity=rule.SEVERITY,
                confidence=rule.CONFIDENCE, end_line=where.end.line, end_column=where.end.column + 1,
            )
        )
    return findings


def noqa_codes(line: str) -> set[str] | None:
    """None when the line has no noqa comment, an empty set for a bare ``# noqa``, else the codes."""
    match = NOQA_RE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    return {code.upper() for code in NOQA_CODE_RE.findall(codes)} if codes else set()


def _without_suppressed(findings: list[Finding], lines: list[str]) -> list[Finding]:
    """flake8's semantics: bare ``# noqa`` silences the line, ``# noqa: X1,Y`` silences by prefix."""
    kept = []
    for finding in findings:
        line = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        codes = noqa_codes(line) if "noqa" in line.lower() else None
        if finding.code in TOOL_RULES or codes is None:
            kept.append(finding)
        elif codes and not any(finding.code.startswith(code) for code in codes):
            kept.append(finding)
    return kept
