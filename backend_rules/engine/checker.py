"""Check one file: decode, pick the rules that can fire, parse once, run them in one traversal.

Speed comes from not doing work: a rule declares a TRIGGER regex, and a file none of whose
selected rules is triggered is only syntax-checked with the (much faster) stdlib parser. Triggers
are read from the rule manifest, so a rule's module (and libcst) is imported only once a file
triggers it; its gate then reads the stdlib tree. Files that are parsed get one libcst traversal
for all their rules; positions are computed only for files that report something.
"""

from __future__ import annotations

import ast
import io
import re
import reprlib
import sys
import time
import tokenize
import traceback
from collections import defaultdict
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from backend_rules.engine.findings import Finding
from backend_rules.engine.manifest import RuleEntry, rule_entries
from backend_rules.engine.registry import TOOL_RULES
from backend_rules.analysis.deep_stack import MAX_BRACKET_DEPTH, bracket_depth, run_on_big_stack

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from backend_rules.context import FileContext
    from backend_rules.engine.config import Config
    from backend_rules.analysis.project_facts import ProjectIndex
    from backend_rules.rule import Rule

NOQA_RE = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)
NOQA_CODE_RE = re.compile(r"[A-Z]+[0-9]+", re.IGNORECASE)
SYNTAX_VERSIONS = f"3.0-3.14 (libcst) or {sys.version_info[0]}.{sys.version_info[1]} (this interpreter)"


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
    """Findings plus whether the project index was consulted (which decides cache validity).

    Long but valid code (hundreds of ``elif`` branches, operands or chained calls) can exceed
    Python's recursion limit in the parsers or in a rule; such a file is checked again on a thread
    with a large stack and a high limit, so it still gets every finding.
    """
    try:
        return _check(source, path, config, project_loader, apply_noqa)
    except _TooDeep:
        return run_on_big_stack(lambda: _check(source, path, config, project_loader, apply_noqa, deep=True))


class StageClock:
    """Seconds spent per stage of checking a file (``bench/bench.py --stages`` prints the split).

    Nested stages pause the outer one, so the project index built from inside a gate counts as
    "index", not as "gates". Off unless :data:`CLOCK` is set: each stage then costs two clock reads.
    """

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}
        self._stack: list[str] = []
        self._mark = time.perf_counter()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._switch()
        self._stack.append(name)
        try:
            yield
        finally:
            self._switch()
            self._stack.pop()

    def _switch(self) -> None:
        now = time.perf_counter()
        if self._stack:
            self.totals[self._stack[-1]] = self.totals.get(self._stack[-1], 0.0) + now - self._mark
        self._mark = now


CLOCK: StageClock | None = None


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time a stage into :data:`CLOCK` when it is set (benchmarks); free otherwise."""
    if CLOCK is None:
        yield
    else:
        with CLOCK.stage(name):
            yield


class _TooDeep(Exception):
    """Raised on a RecursionError in the normal pass: redo the file with a deeper stack."""


def _check(
    source: str | bytes,
    path: str,
    config: "Config | None",
    project_loader: Callable[[], "ProjectIndex | None"] | None,
    apply_noqa: bool,
    deep: bool = False,
) -> tuple[list[Finding], bool]:
    from backend_rules.engine.config import Config

    config = config or Config()
    selected = config.entries_for(path)
    try:
        with stage("decode"):
            text = decode_source(source)
    except SourceProblem as exc:
        return _tool_finding("BR002", path, 1, 1, str(exc)), False

    options = config.options_for(path)
    with stage("triggers"):
        triggered_entries = [entry for entry in selected if _triggered(entry, text)]
    if triggered_entries:
        with stage("imports"):
            triggered = [rule for rule in _load(triggered_entries) if rule.applies_to(options)]
    else:
        triggered = []
    with stage("stdlib parse"):
        tree, syntax_error = _stdlib_parse(text, path, deep)
    if tree is None and not triggered:
        # Nothing to run: only say whether the file is Python at all (in any version libcst reads).
        module, syntax_findings = _libcst_parse(text, path, syntax_error, deep, stdlib_failed=True)
        return syntax_findings, False
    loaded: dict[str, "ProjectIndex | None"] = {}

    def project() -> "ProjectIndex | None":
        """The project index, built once, and remembered as used (cached results depend on it)."""
        if "index" not in loaded:
            try:
                with stage("index"):
                    loaded["index"] = project_loader() if project_loader else None
            except Exception:  # an unreadable project must not stop this file's check
                loaded["index"] = None
        return loaded["index"]

    module = None
    if tree is None:  # newer syntax than this Python's: libcst reads it, the gates read it rewritten
        with stage("libcst parse"):
            module, syntax_findings = _libcst_parse(text, path, syntax_error, deep, stdlib_failed=True)
        if module is None:
            return syntax_findings, False
    gate_tree = tree if tree is not None else _older_syntax_tree(module)
    if gate_tree is not None:
        with stage("gates"):
            triggered = [rule for rule in triggered if _may_fire(rule, gate_tree, project)]
        if not triggered:
            return [], "index" in loaded

    if module is None:
        with stage("libcst parse"):
            module, syntax_findings = _libcst_parse(text, path, syntax_error, deep)
        if module is None:
            return syntax_findings, False

    from backend_rules.context import FileContext

    context = FileContext(path, text, module, options, project, tree)
    with stage("rules"):
        findings = _run_rules(triggered, context, deep)
    if apply_noqa and findings:
        from backend_rules.analysis.positions import physical_lines

        findings = _without_suppressed(findings, physical_lines(text))
    findings = [f for f in findings if f.code in TOOL_RULES or config.is_confident(f.confidence)]
    return _unique(findings), "index" in loaded


def _triggered(entry: RuleEntry, text: str) -> bool:
    if entry.code in TOOL_RULES:
        return False
    trigger = entry.trigger_re()
    return trigger is None or trigger.search(text) is not None


def _load(entries: list[RuleEntry]) -> list[type["Rule"]]:
    """The rule classes (imported now, once per process)."""
    return [entry.load() for entry in entries]


def _older_syntax_tree(module: "cst.Module") -> ast.Module | None:
    """The stdlib tree of the file rewritten for this Python (gates only); None if that fails."""
    from backend_rules.analysis.modern_syntax import downgrade_module

    with stage("stdlib parse"):
        older = downgrade_module(module)
        try:
            return ast.parse(older) if older is not None else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per (code, line, column): two rule paths reaching the same place say it once."""
    kept: dict[tuple[str, int, int], Finding] = {}
    for finding in sorted(findings):
        kept.setdefault((finding.code, finding.line, finding.column), finding)
    return sorted(kept.values())


def _may_fire(rule: type["Rule"], tree: ast.Module, project: Callable[[], Any]) -> bool:
    """A rule's gate; a gate that fails lets the rule run (its own errors are reported as BR000)."""
    try:
        return rule.may_fire_in_project(tree, project)
    except Exception:
        return True


def _stdlib_parse(text: str, path: str, deep: bool) -> tuple[ast.Module | None, SyntaxError | None]:
    """The stdlib parser is the fast path (and the AST every rule gate reads), but it only knows
    the running Python's grammar: a failure here is confirmed or overruled by libcst."""
    try:
        return ast.parse(text, filename=path), None
    except SyntaxError as exc:
        return None, exc
    except RecursionError:
        if not deep:
            raise _TooDeep from None
        return None, None
    except (MemoryError, ValueError):
        return None, None


def _libcst_parse(
    text: str, path: str, stdlib_error: SyntaxError | None, deep: bool, stdlib_failed: bool = False
) -> tuple["cst.Module | None", list[Finding]]:
    """libcst reads the newest grammar it supports, whatever Python runs the tool.

    Its native parser recurses on the C stack: text the stdlib refused (a syntax error, or a
    MemoryError/RecursionError on very long code) is only handed to it when its bracket nesting is
    within what any Python accepts, and then on a large stack.
    """
    with stage("imports"):
        import libcst as cst
    try:
        if stdlib_error is None and not stdlib_failed:
            return cst.parse_module(text), []
        if bracket_depth(text) > MAX_BRACKET_DEPTH:
            raise ValueError("too many nested parentheses")
        return (cst.parse_module(text) if deep else run_on_big_stack(lambda: cst.parse_module(text))), []
    except cst.ParserSyntaxError as exc:
        line, column, reason = exc.raw_line, exc.raw_column + 1, exc.message
    except RecursionError:
        if not deep:
            raise _TooDeep from None
        line, column, reason = 1, 1, "nested too deeply to parse"
    except (MemoryError, ValueError, TypeError) as exc:
        line, column, reason = 1, 1, str(exc)
    if stdlib_error is not None:
        line, column = stdlib_error.lineno or line, stdlib_error.offset or column
        reason = stdlib_error.msg
    message = f"cannot parse file as Python {SYNTAX_VERSIONS}: {reason}"
    return None, _tool_finding("BR001", path, line, column, message)


def _tool_finding(code: str, path: str, line: int, column: int, message: str) -> list[Finding]:
    """The tool's own diagnostics (BR0xx) are never filtered by select, ignore or noqa."""
    rule = rule_entries()[code]
    return [
        Finding(
            path=path, line=max(line, 1), column=max(column, 1), code=code, message=message,
            name=rule.name, severity=rule.severity, confidence=rule.confidence,
            end_line=max(line, 1), end_column=max(column, 1),
        )
    ]


class _Dispatcher:
    """One traversal for many rules: calls each rule's visit_/leave_ methods for a node type.

    A rule that fails is reported (BR000) and sits out the rest of the module-level statement
    where it failed; it resumes with the next one, so one odd construct never hides what the rule
    finds elsewhere in the file.
    """

    def __init__(self, rules: Iterable["Rule"], context: "FileContext", deep: bool) -> None:
        import libcst as cst

        self.import_nodes = (cst.Import, cst.ImportFrom)
        self.context = context
        self.deep = deep
        self.failures: dict[str, tuple["Rule", BaseException]] = {}
        self.suspended: set[int] = set()
        self.visits: dict[str, list[tuple["Rule", Callable[[Any], Any]]]] = defaultdict(list)
        self.leaves: dict[str, list[tuple["Rule", Callable[[Any], Any]]]] = defaultdict(list)
        for rule in rules:
            for attr in dir(type(rule)):
                if attr.startswith("visit_"):
                    self.visits[attr[6:]].append((rule, getattr(rule, attr)))
                elif attr.startswith("leave_"):
                    self.leaves[attr[6:]].append((rule, getattr(rule, attr)))

    def _call(self, table: dict, node: "cst.CSTNode") -> None:
        handlers = table.get(type(node).__name__)
        if not handlers:
            return
        for rule, handler in handlers:
            if id(rule) in self.suspended:
                continue
            try:
                handler(node)
            except RecursionError:
                if not self.deep:
                    raise _TooDeep from None
                self._fail(rule, RecursionError("nested too deeply"))
            except Exception as exc:  # a bug in one rule must not hide the others' findings
                self._fail(rule, exc)

    def _fail(self, rule: "Rule", exc: BaseException) -> None:
        self.failures.setdefault(rule.CODE, (rule, exc))
        self.suspended.add(id(rule))

    def on_visit(self, node: "cst.CSTNode") -> bool:
        if isinstance(node, self.import_nodes):
            self.context.imports.add(node)
        self._call(self.visits, node)
        self.context.stack.append(node)
        return True

    def on_leave(self, node: "cst.CSTNode") -> None:
        self.context.stack.pop()
        self._call(self.leaves, node)
        if len(self.context.stack) == 1:  # back at module level: failed rules resume
            self.suspended.clear()


def _run_rules(rule_classes: list[type["Rule"]], context: "FileContext", deep: bool = False) -> list[Finding]:
    from backend_rules.analysis.walk import walk

    rules = [cls(context) for cls in rule_classes]
    dispatcher = _Dispatcher(rules, context, deep)
    findings: list[Finding] = []
    walk(context.module, dispatcher.on_visit, dispatcher.on_leave)
    for code, (rule, exc) in sorted(dispatcher.failures.items()):
        line = _failure_line(exc)
        findings += _tool_finding(
            "BR000", context.path, 1, 1,
            f"internal error in {code}: {type(exc).__name__}: {_bounded(exc)}{line}; "
            "its other findings in this file are still reported; please report it",
        )
    with stage("positions"):
        return findings + _located(context, deep)


def _located(context: "FileContext", deep: bool) -> list[Finding]:
    """The rules' reports as findings with positions (computed only for files that report)."""
    findings: list[Finding] = []
    for rule, node, message, confidence, fix in context.reports:
        try:
            where = context.position(node)
        except RecursionError:
            if not deep:
                raise _TooDeep from None
            continue
        findings.append(
            Finding(
                path=context.path, line=where.start.line, column=where.start.column + 1,
                code=rule.CODE, message=message, name=rule.NAME, severity=rule.SEVERITY,
                confidence=confidence,
                end_line=where.end.line, end_column=where.end.column + 1,
                fix=_fix_edits(context, fix) if fix is not None else None,
            )
        )
    return findings


def _fix_edits(context: "FileContext", fix: Any) -> tuple | None:
    """A rule's :class:`~backend_rules.rule.Fix` as text edits (1-based, end exclusive)."""
    try:
        where = context.position(fix.node)
        new_text = _code_in_place(context, fix.node, fix.replacement)
        edits = [(where.start.line, where.start.column + 1, where.end.line, where.end.column + 1, new_text)]
        if fix.prepend:
            line = _after_imports(context.module, context)
            edits.append((line, 1, line, 1, "".join(stmt.rstrip("\n") + "\n" for stmt in fix.prepend)))
    except Exception:  # a fix that cannot be placed is no fix; the finding stays
        return None
    return ("safe" if fix.safe else "unsafe", fix.description, tuple(edits))


def _code_in_place(context: "FileContext", old: "cst.CSTNode", new: "cst.CSTNode") -> str:
    """``new`` as source text at the place of ``old``: continuation lines get the indentation of
    the block there (``code_for_node`` alone renders as if at module level)."""
    from libcst._nodes.internal import CodegenState  # the renderer code_for_node itself uses

    module = context.module
    indent = context.block_indent(old)
    state = CodegenState(
        default_indent=module.default_indent, default_newline=module.default_newline,
        indent_tokens=[indent] if indent else [],
    )
    new._codegen(state)
    return "".join(state.tokens)


def _after_imports(module: "cst.Module", context: "FileContext") -> int:
    """The line after the module docstring and the last top-level import."""
    import libcst as cst

    line = 1
    for index, statement in enumerate(module.body):
        is_import = isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        )
        is_docstring = index == 0 and isinstance(statement, cst.SimpleStatementLine) and isinstance(
            statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.SimpleString)
        if is_import or is_docstring:
            line = context.position(statement).end.line + 1
        elif line > 1 or not is_docstring:
            if not is_import:
                break
    return line


def _bounded(exc: BaseException) -> str:
    """The exception's text, short and safe: its arguments may be huge (or deep) syntax trees."""
    try:
        if len(exc.args) == 1 and isinstance(exc.args[0], str):
            return exc.args[0][:200]
        return reprlib.repr(exc.args[0] if len(exc.args) == 1 else exc.args)[:200]
    except Exception:  # pragma: no cover - a repr that fails
        return "(unprintable)"


def _failure_line(exc: BaseException) -> str:
    """Where in backend-rules the failure happened, for the bug report (no traceback printed)."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    ours = [frame for frame in frames if "backend_rules" in frame.filename]
    if not ours:
        return ""
    frame = ours[-1]
    return f" (at {frame.filename.rsplit('backend_rules', 1)[-1].lstrip('/')}:{frame.lineno})"


def noqa_codes(line: str) -> set[str] | None:
    """None when the line has no noqa comment, an empty set for a bare ``# noqa``, else the codes."""
    match = NOQA_RE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    return {code.upper() for code in NOQA_CODE_RE.findall(codes)} if codes else set()


def _without_suppressed(findings: list[Finding], lines: list[str]) -> list[Finding]:
    """flake8's semantics: bare ``# noqa`` silences the line, ``# noqa: X1,Y`` silences by prefix.

    As in flake8, a string spanning several lines is one unit with the line that closes it: a
    ``# noqa`` there covers a finding reported on its first line.
    """
    if not any("noqa" in line.lower() for line in lines):
        return findings
    statement_text = _statement_text(lines)
    kept = []
    for finding in findings:
        text = statement_text.get(finding.line)
        if text is None:
            text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        codes = noqa_codes(text) if "noqa" in text.lower() else None
        if finding.code in TOOL_RULES or codes is None:
            kept.append(finding)
        elif codes and not any(finding.code.startswith(code) for code in codes):
            kept.append(finding)
    return kept


def _statement_text(lines: list[str]) -> dict[int, str]:
    """Line number -> the text searched for ``noqa``, exactly as flake8 maps it: the lines of each
    run of tokens up to a newline token, so a multi-line string is one unit with the line that
    closes it (brackets are not joined: flake8 breaks at their inner newlines too)."""
    mapping: dict[int, str] = {}
    first, last = len(lines) + 2, -1
    try:
        source = iter(line + "\n" for line in lines)
        for token in tokenize.generate_tokens(lambda: next(source, "")):
            if token.type in (tokenize.ENDMARKER, tokenize.DEDENT):
                continue
            first, last = min(first, token.start[0]), max(last, token.end[0])
            if token.type in (tokenize.NL, tokenize.NEWLINE):
                joined = "\n".join(lines[first - 1:last])
                for number in range(first, last + 1):
                    mapping[number] = joined
                first, last = len(lines) + 2, -1
    except (tokenize.TokenError, SyntaxError):
        return {}  # syntax newer than this Python's tokenizer: line by line (flake8 does the same)
    return mapping
