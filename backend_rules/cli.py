"""``backend-rules``: check, rules, explain (and semgrep). Exit 0 clean, 1 findings, 2 bad usage."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Sequence

from backend_rules.version import __version__
from backend_rules.engine.config import ConfigError, discover_config
from backend_rules.output import FORMATS, render
from backend_rules.engine.registry import all_rules

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
DEFAULT_BASELINE = ".backend-rules-baseline.json"
SEVERITY_ORDER = ("LOW", "MEDIUM", "HIGH")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line on stderr, exit 2 (no usage dump)
        self.exit(EXIT_USAGE, f"backend-rules: error: {message} (see 'backend-rules {self._command()} --help')\n")

    def _command(self) -> str:
        return self.prog.split(" ", 1)[1] if " " in self.prog else ""


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number, not {value!r}") from None
    if jobs < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return min(jobs, os.cpu_count() or 1)


def _flatten(groups: list[list[str]] | None) -> list[str] | None:
    """Repeated ``--select``/``--ignore`` accumulate, as in ruff."""
    return [code for group in groups for code in group] if groups else None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backend-rules", description=__doc__)
    parser.add_argument("--version", action="version", version=f"backend-rules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="check Python files and folders (default: .)")
    check.add_argument("paths", nargs="*", default=["."], help="files or folders; '-' reads stdin")
    _add_output_options(check)
    check.add_argument(
        "--select", type=_codes, action="append", help="codes or prefixes to run (replaces config; repeatable)"
    )
    check.add_argument(
        "--ignore", type=_codes, action="append", help="codes or prefixes to skip (added to config; repeatable)"
    )
    check.add_argument(
        "--min-confidence", type=str.upper, choices=("LOW", "MEDIUM", "HIGH"),
        help="show findings at least this sure (default: config's min-confidence, else MEDIUM)",
    )
    check.add_argument("--stdin-filename", help="path to report (and configure) for stdin input ('-')")
    check.add_argument("--config", help="pyproject.toml to read instead of searching upwards")
    check.add_argument("--jobs", "-j", type=_jobs, help="worker processes (default and maximum: CPU count)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument(
        "--force-exclude", action="store_true",
        help="apply excludes to paths named on the command line too (for pre-commit)",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--fix", action="store_true", help="apply safe fixes, then report what remains")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix/--diff: unsafe fixes too")
    check.add_argument("--diff", action="store_true", help="print the fixes as a diff; write nothing")
    check.add_argument("--baseline", help="report only findings not in this baseline file (see 'baseline')")
    check.add_argument("--baseline-prune", action="store_true", help="drop fixed findings from the baseline")
    _add_report_options(check)

    baseline = sub.add_parser("baseline", help="write the current findings to a baseline file")
    baseline.add_argument("paths", nargs="*", default=["."], help="files or folders")
    baseline.add_argument("--output", "-o", default=DEFAULT_BASELINE, help=f"default: {DEFAULT_BASELINE}")
    for flag in ("--select", "--ignore"):
        baseline.add_argument(flag, type=_codes, action="append")
    baseline.add_argument("--min-confidence", type=str.upper, choices=("LOW", "MEDIUM", "HIGH"))
    baseline.add_argument("--config")
    baseline.add_argument("--jobs", "-j", type=_jobs)
    baseline.add_argument("--no-cache", action="store_true")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", help="a rule code such as BR101, or its name")

    semgrep = sub.add_parser("semgrep", help="run the bundled semgrep rule pack (needs semgrep)")
    semgrep.add_argument("paths", nargs="*", default=["."])
    _add_output_options(semgrep)
    return parser


def _add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--statistics", action="store_true", help="print the number of findings per code")
    parser.add_argument(
        "--min-severity", type=str.upper, choices=("LOW", "MEDIUM", "HIGH"), help="show findings at least this severe"
    )
    parser.add_argument("--show-source", action="store_true", help="show the offending line under each finding")


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")


def _check_output(output: str | None) -> None:
    """Refuse an ``--output`` that cannot be written before spending time on the analysis."""
    if not output:
        return
    if os.path.isdir(output):
        raise ConfigError(f"--output: {output} is a folder, not a file")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise ConfigError(f"--output: no such folder: {os.path.dirname(output) or folder}")
    if not os.access(folder, os.W_OK) or (os.path.exists(output) and not os.access(output, os.W_OK)):
        raise ConfigError(f"--output: cannot write {output}")


def _write(text: str, output: str | None) -> None:
    if output:
        try:
            with open(output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise ConfigError(f"--output: cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)


def _config(args: argparse.Namespace):
    """The configuration for this run: --config or the nearest pyproject.toml, then the flags."""
    from pathlib import Path

    from backend_rules.engine.config import load_config

    if args.config:
        if not os.path.isfile(args.config):
            raise ConfigError(f"--config: no such file: {args.config}")
        config = load_config(Path(args.config))
    else:
        stdin_name = getattr(args, "stdin_filename", None)
        anchor = [stdin_name] if "-" in args.paths and stdin_name else args.paths
        config = discover_config(anchor)
    return config.with_overrides(_flatten(args.select), _flatten(args.ignore), args.min_confidence)


def _baseline_root(config, paths: list[str]) -> str:
    """Baseline paths are relative to the configured project, else to the first path's project."""
    from backend_rules.engine.project_index import find_project_root

    if config.source:
        return os.path.dirname(os.path.abspath(config.source))
    first = paths[0] if paths and paths[0] != "-" else "."
    return find_project_root(os.path.join(first, "x") if os.path.isdir(first) else first)


def run_baseline(args: argparse.Namespace) -> int:
    from backend_rules.engine import baseline
    from backend_rules.engine.runner import check_paths

    config = _config(args)
    missing = [p for p in args.paths if not os.path.lexists(p)]
    if missing:
        raise ConfigError(f"no such file or directory: {missing[0]}")
    _check_output(args.output)
    report = check_paths(args.paths, config, jobs=args.jobs, use_cache=not args.no_cache)
    try:
        count = baseline.write(args.output, report.findings, _baseline_root(config, args.paths))
    except baseline.BaselineError as exc:
        raise ConfigError(str(exc)) from None
    sys.stderr.write(f"backend-rules: wrote {count} finding{'s' if count != 1 else ''} to {args.output}\n")
    return EXIT_CLEAN


def _apply_baseline(args: argparse.Namespace, config, report) -> None:
    path = args.baseline or config.baseline
    if not path:
        if args.baseline_prune:
            raise ConfigError("--baseline-prune needs --baseline FILE (or 'baseline' in the config)")
        return
    from backend_rules.engine import baseline  # imports libcst (positions): only when used
    try:
        known = baseline.Baseline.load(path, _baseline_root(config, args.paths))
    except baseline.BaselineError as exc:
        raise ConfigError(str(exc)) from None
    everything = report.findings
    report.findings, stale = known.filter(everything)
    if args.baseline_prune:
        removed = known.prune(everything)
        sys.stderr.write(f"backend-rules: removed {removed} fixed finding{'s' if removed != 1 else ''} from {path}\n")
    elif stale:
        sys.stderr.write(
            f"backend-rules: {stale} finding{'s' if stale != 1 else ''} in the baseline no longer occur "
            f"(fixed?); --baseline-prune drops them\n"
        )


def _apply_fixes(report, args: argparse.Namespace) -> int:
    """Fix (or, with --diff, show the fixes for) each file; returns how many findings were fixed."""
    from backend_rules.engine.fixer import apply_fixes, unified_diff

    by_path: dict[str, list] = {}
    for finding in report.findings:
        if finding.fix is not None:
            by_path.setdefault(finding.path, []).append(finding)
    fixed = 0
    for path, findings in sorted(by_path.items()):
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                before = handle.read()
        except (OSError, UnicodeDecodeError):
            continue
        after, applied = apply_fixes(before, findings, args.unsafe_fixes)
        if not applied:
            continue
        fixed += len(applied)
        if args.diff:
            sys.stdout.write(unified_diff(path, before, after))
        else:
            with open(path, "w", encoding="utf-8", newline="") as handle:
                handle.write(after)
    unfixable = sum(1 for f in report.findings if f.fix is not None and f.fix[0] == "unsafe" and not args.unsafe_fixes)
    verb = "Would fix" if args.diff else "Fixed"
    note = f" ({unfixable} more with --unsafe-fixes)" if unfixable else ""
    sys.stderr.write(f"backend-rules: {verb} {fixed} problem{'s' if fixed != 1 else ''}{note}.\n")
    return fixed


def _statistics(report) -> str:
    counts: dict[tuple[str, str], int] = {}
    for f in report.findings:
        counts[(f.code, f.name)] = counts.get((f.code, f.name), 0) + 1
    return "".join(f"{count:6d}  {code}  {name}\n" for (code, name), count in sorted(counts.items()))


def run_check(args: argparse.Namespace) -> int:
    from backend_rules.engine.checker import check_source_detailed
    from backend_rules.engine.project_index import index_for
    from backend_rules.engine.runner import Report, check_paths

    _check_output(args.output)
    if args.stdin_filename and "-" not in args.paths:
        raise ConfigError("--stdin-filename needs '-' among the paths (stdin is what it names)")
    config = _config(args)

    missing = [p for p in args.paths if p != "-" and not os.path.lexists(p)]
    if missing:
        raise ConfigError(f"no such file or directory: {missing[0]}")

    if args.paths == ["-"]:
        path = args.stdin_filename or "<stdin>"
        if args.force_exclude and args.stdin_filename and config.is_excluded(path):
            report = Report(files=0, paths=[path])
        else:
            content = sys.stdin.buffer.read()
            findings, _ = check_source_detailed(
                content, path, config, project_loader=lambda: index_for(path, not args.no_cache)
            )
            report = Report(findings=findings, files=1, paths=[path])
    elif "-" in args.paths:
        raise ConfigError("'-' (stdin) cannot be combined with other paths")
    else:
        report = check_paths(
            args.paths, config, jobs=args.jobs, use_cache=not args.no_cache,
            force_exclude=args.force_exclude,
        )
        if not report.files and not report.errors:
            sys.stderr.write("backend-rules: warning: no Python files found\n")
    if args.min_severity:
        floor = SEVERITY_ORDER.index(args.min_severity)
        report.findings = [f for f in report.findings if f.code.startswith("BR0") or SEVERITY_ORDER.index(f.severity) >= floor]
    _apply_baseline(args, config, report)
    if args.fix or args.diff:
        if "-" in args.paths:
            raise ConfigError("--fix and --diff work on files, not on stdin")
        if _apply_fixes(report, args):
            if args.diff:
                return EXIT_FINDINGS if not args.exit_zero else EXIT_CLEAN
            return run_check(argparse.Namespace(**{**vars(args), "fix": False, "diff": False}))
    text = render(report, args.format, show_source=args.show_source)
    if args.statistics and args.format == "text":
        text += _statistics(report)
    _write(text, args.output)
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if report.findings or report.errors else EXIT_CLEAN


def run_rules(args: argparse.Namespace) -> int:
    rules = all_rules()
    if args.format == "json":
        import json

        rows = [
            {"code": r.CODE, "name": r.NAME, "category": r.CATEGORY, "severity": r.SEVERITY,
             "confidence": r.CONFIDENCE, "cwe": r.CWE, "fix": r.FIX or None, "summary": r.summary()}
            for r in rules.values()
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_CLEAN
    if args.format == "markdown":
        sys.stdout.write(markdown_rule_table())
        return EXIT_CLEAN
    for rule in rules.values():
        fix = f"fix: {rule.FIX}" if rule.FIX else ""
        sys.stdout.write(f"{rule.CODE}  {rule.NAME:<34} {rule.SEVERITY:<6}  {fix:<20}  {rule.summary()}\n")
    return EXIT_CLEAN


def markdown_rule_table() -> str:
    """The README's rule table, generated so that it cannot drift from the code."""
    rows = ["| code | name | what it finds | severity | confidence | fix |", "|---|---|---|---|---|---|"]
    for rule in all_rules().values():
        rows.append(
            f"| {rule.CODE} | `{rule.NAME}` | {rule.summary()} | {rule.SEVERITY} | {rule.CONFIDENCE} | {rule.FIX or '-'} |"
        )
    return "\n".join(rows) + "\n"


def run_explain(args: argparse.Namespace) -> int:
    rules = all_rules()
    wanted = args.code.upper()
    rule = rules.get(wanted) or next((r for r in rules.values() if r.NAME == args.code), None)
    if rule is None:
        return _explain_pack_rule(args.code)
    cwe = f"CWE-{rule.CWE}" if rule.CWE else "-"
    sys.stdout.write(
        f"{rule.CODE} {rule.NAME}\n"
        f"category: {rule.CATEGORY}  severity: {rule.SEVERITY}  confidence: {rule.CONFIDENCE}  cwe: {cwe}"
        f"  fix: {rule.FIX or 'none'}\n\n"
        f"{rule.documentation()}\n"
    )
    return EXIT_CLEAN


def _explain_pack_rule(wanted: str) -> int:
    """Codes only the semgrep pack has (e.g. a TypeScript-only rule) are documented by the pack."""
    from backend_rules.semgrep_runner import pack_rules

    try:
        rules = pack_rules()
    except ConfigError as exc:  # e.g. semgrep (and its YAML reader) not installed
        raise ConfigError(f"unknown rule {wanted!r} in the libcst engine; the semgrep pack is unreadable: {exc}") from None
    info = rules.get(wanted.upper()) or next((r for r in rules.values() if r.get("name") == wanted), None)
    if info is None:
        raise ConfigError(f"unknown rule {wanted!r}; 'backend-rules rules' lists them")
    cwe = f"CWE-{info['cwe']}" if info.get("cwe") else "-"
    sys.stdout.write(
        f"{info['code']} {info.get('name', '')} (semgrep pack: {', '.join(info.get('languages', []))})\n"
        f"severity: {info.get('severity', '-')}  confidence: {info.get('confidence', '-')}  cwe: {cwe}\n\n"
        f"{info.get('docs', info.get('summary', ''))}\n"
    )
    return EXIT_CLEAN


def run_semgrep(args: argparse.Namespace) -> int:
    from backend_rules.semgrep_runner import run_semgrep_pack

    _check_output(args.output)
    report = run_semgrep_pack(args.paths)
    _write(render(report, args.format), args.output)
    return EXIT_FINDINGS if report.findings or report.errors else EXIT_CLEAN


COMMANDS = {
    "check": run_check, "baseline": run_baseline, "rules": run_rules, "explain": run_explain, "semgrep": run_semgrep,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        sys.stderr.write(f"backend-rules: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return EXIT_CLEAN
    except KeyboardInterrupt:
        sys.stderr.write("backend-rules: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
