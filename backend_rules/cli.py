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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse exits 2 too; keep its one-line form
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"backend-rules: error: {message}\n")


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="backend-rules", description=__doc__)
    parser.add_argument("--version", action="version", version=f"backend-rules {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    check = sub.add_parser("check", help="check Python files and folders (default: .)")
    check.add_argument("paths", nargs="*", default=["."], help="files or folders; '-' reads stdin")
    _add_output_options(check)
    check.add_argument("--select", type=_codes, help="codes or prefixes to run (replaces config)")
    check.add_argument("--ignore", type=_codes, help="codes or prefixes to skip (added to config)")
    check.add_argument("--stdin-filename", help="path to report (and configure) for stdin input")
    check.add_argument("--config", help="pyproject.toml to read instead of searching upwards")
    check.add_argument("--jobs", "-j", type=int, help="worker processes (default: CPU count)")
    check.add_argument("--no-cache", action="store_true", help="do not read or write the cache")
    check.add_argument(
        "--force-exclude", action="store_true",
        help="apply excludes to paths named on the command line too (for pre-commit)",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")

    rules = sub.add_parser("rules", help="list every rule")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    explain = sub.add_parser("explain", help="show a rule's documentation")
    explain.add_argument("code", help="a rule code such as BR101, or its name")

    semgrep = sub.add_parser("semgrep", help="run the bundled semgrep rule pack (needs semgrep)")
    semgrep.add_argument("paths", nargs="*", default=["."])
    _add_output_options(semgrep)
    return parser


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=sorted(FORMATS), default="text", help="output format")
    parser.add_argument("--output", "-o", help="write the report to this file instead of stdout")


def _write(text: str, output: str | None) -> None:
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)


def run_check(args: argparse.Namespace) -> int:
    from pathlib import Path

    from backend_rules.engine.config import load_config
    from backend_rules.engine.checker import check_source_detailed
    from backend_rules.engine.project_index import index_for
    from backend_rules.engine.runner import Report, check_paths

    if args.config:
        if not os.path.isfile(args.config):
            raise ConfigError(f"--config: no such file: {args.config}")
        config = load_config(Path(args.config))
    else:
        anchor = [args.stdin_filename] if "-" in args.paths and args.stdin_filename else args.paths
        config = discover_config(anchor)
    config = config.with_overrides(args.select, args.ignore)

    if args.jobs is not None and args.jobs < 1:
        raise ConfigError("--jobs must be at least 1")
    missing = [p for p in args.paths if p != "-" and not os.path.exists(p)]
    if missing:
        raise ConfigError(f"no such file or directory: {missing[0]}")

    if args.paths == ["-"]:
        path = args.stdin_filename or "<stdin>"
        content = sys.stdin.buffer.read()
        findings, _ = check_source_detailed(
            content, path, config, project_loader=lambda: index_for(path, not args.no_cache)
        )
        report = Report(findings=findings, files=1)
    elif "-" in args.paths:
        raise ConfigError("'-' (stdin) cannot be combined with other paths")
    else:
        report = check_paths(
            args.paths, config, jobs=args.jobs, use_cache=not args.no_cache,
            force_exclude=args.force_exclude,
        )
    _write(render(report, args.format), args.output)
    if args.exit_zero:
        return EXIT_CLEAN
    return EXIT_FINDINGS if report.findings or report.errors else EXIT_CLEAN


def run_rules(args: argparse.Namespace) -> int:
    rules = all_rules()
    if args.format == "json":
        import json

        rows = [
            {"code": r.CODE, "name": r.NAME, "category": r.CATEGORY, "severity": r.SEVERITY,
             "confidence": r.CONFIDENCE, "cwe": r.CWE, "summary": r.summary()}
            for r in rules.values()
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_CLEAN
    if args.format == "markdown":
        sys.stdout.write(markdown_rule_table())
        return EXIT_CLEAN
    for rule in rules.values():
        sys.stdout.write(f"{rule.CODE}  {rule.NAME:<34} {rule.SEVERITY:<6}  {rule.summary()}\n")
    return EXIT_CLEAN


def markdown_rule_table() -> str:
    """The README's rule table, generated so that it cannot drift from the code."""
    rows = ["| code | name | what it finds | severity | confidence |", "|---|---|---|---|---|"]
    for rule in all_rules().values():
        rows.append(f"| {rule.CODE} | `{rule.NAME}` | {rule.summary()} | {rule.SEVERITY} | {rule.CONFIDENCE} |")
    return "\n".join(rows) + "\n"


def run_explain(args: argparse.Namespace) -> int:
    rules = all_rules()
    wanted = args.code.upper()
    rule = rules.get(wanted) or next((r for r in rules.values() if r.NAME == args.code), None)
    if rule is None:
        raise ConfigError(f"unknown rule {args.code!r}; 'backend-rules rules' lists them")
    cwe = f"CWE-{rule.CWE}" if rule.CWE else "-"
    sys.stdout.write(
        f"{rule.CODE} {rule.NAME}\n"
        f"category: {rule.CATEGORY}  severity: {rule.SEVERITY}  confidence: {rule.CONFIDENCE}  cwe: {cwe}\n\n"
        f"{rule.documentation()}\n"
    )
    return EXIT_CLEAN


def run_semgrep(args: argparse.Namespace) -> int:
    from backend_rules.semgrep_runner import run_semgrep_pack

    report = run_semgrep_pack(args.paths)
    _write(render(report, args.format), args.output)
    return EXIT_FINDINGS if report.findings or report.errors else EXIT_CLEAN


COMMANDS = {"check": run_check, "rules": run_rules, "explain": run_explain, "semgrep": run_semgrep}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except ConfigError as exc:
        sys.stderr.write(f"backend-rules: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:  # pragma: no cover - e.g. piped into head
        return EXIT_CLEAN
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
