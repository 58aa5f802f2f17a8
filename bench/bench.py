#!/usr/bin/env python3
"""Time backend-rules against bandit (and ruff, semgrep) on the shared corpus, in the same run.

    python bench/bench.py                    # large + medium + one file, cold and warm
    python bench/bench.py --corpus medium --with-semgrep

The corpus comes from ../shared/bench/corpus.sh (default $CORPUS or /tmp/bench-corpus). The
machine is shared and noisy, so every figure is reported as a ratio to bandit measured in the same
run; CPU is user+sys of the tool and all its worker processes. It also reports what a reviewer
needs beside speed: findings per kloc by code, parse diagnostics, and internal errors (must be 0).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done


def corpus_paths(root: Path, which: str) -> list[str]:
    if which == "large":
        return sorted(str(p) for p in (root / "src").iterdir() if p.is_dir())
    if which == "medium":
        return [line.strip() for line in (root / "medium.list").read_text().splitlines() if line.strip()]
    return sorted(str(p) for p in (root / "one").glob("*.py"))


def count_lines(paths: list[str]) -> int:
    total = 0
    for path in paths:
        files = [Path(path)] if path.endswith(".py") else Path(path).rglob("*.py")
        for file in files:
            try:
                total += file.read_bytes().count(b"\n")
            except OSError:
                pass
    return total


def tool(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus-dir", default=os.environ.get("CORPUS", "/tmp/bench-corpus"))
    parser.add_argument("--corpus", choices=("large", "medium", "one", "all"), default="all")
    parser.add_argument("--with-semgrep", action="store_true", help="also time semgrep with the bundled pack")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument(
        "--stages", action="store_true",
        help="also check the medium corpus in this process, serially, and print where the time goes",
    )
    parser.add_argument("--compare", action="store_true", help="also time semgrep (alias of --with-semgrep)")
    args = parser.parse_args()
    args.with_semgrep = args.with_semgrep or args.compare

    root = Path(args.corpus_dir)
    if not (root / "src").is_dir():
        sys.exit(f"no corpus at {root}: run ../shared/bench/corpus.sh first")
    backend_rules = tool("backend-rules")
    bandit = tool("bandit")
    if backend_rules is None or bandit is None:
        sys.exit("needs backend-rules and bandit on PATH (pip install -e '.[bench]')")
    ruff = tool("ruff")
    semgrep = tool("semgrep") if args.with_semgrep else None

    figures: dict[str, dict] = {}
    for which in (["large", "medium", "one"] if args.corpus == "all" else [args.corpus]):
        paths = corpus_paths(root, which)
        kloc = count_lines(paths) / 1000
        cache = tempfile.mkdtemp(prefix="br-bench-cache-")
        env = {**os.environ, "BACKEND_RULES_CACHE_DIR": cache}
        row: dict[str, object] = {"kloc": round(kloc, 1)}
        base = [backend_rules, "check", "--exit-zero", "--format", "json"]
        cpu, wall, cold = measure(base + paths, env)
        row["backend-rules cold"] = (cpu, wall)
        cpu, wall, _ = measure(base + paths, env)
        row["backend-rules warm"] = (cpu, wall)
        cpu, wall, _ = measure([bandit, "-q", "-r", *paths, "-f", "json", "-o", os.devnull])
        row["bandit"] = (cpu, wall)
        if ruff:
            cpu, wall, _ = measure([ruff, "check", "--no-cache", "--exit-zero", "-q", "--select",
                                    "S,ASYNC,RUF006", *paths])
            row["ruff (S, ASYNC, RUF006)"] = (cpu, wall)
        if semgrep:
            cpu, wall, _ = measure([backend_rules, "semgrep", "--format", "json", *paths])
            row["semgrep pack"] = (cpu, wall)
        shutil.rmtree(cache, ignore_errors=True)

        payload = json.loads(cold.stdout)
        codes = Counter(f["code"] for f in payload["findings"])
        row["findings"] = dict(sorted(codes.items()))
        row["findings per kloc"] = round(sum(codes.values()) / kloc, 3) if kloc else 0
        row["internal errors (BR000 + errors)"] = codes.get("BR000", 0) + len(payload["errors"])
        row["stderr"] = cold.stderr.strip()[-500:]
        figures[which] = row

        bandit_cpu, bandit_wall = row["bandit"]  # type: ignore[misc]
        print(f"\n== {which}: {len(paths)} paths, {kloc:,.0f} kloc")
        print(f"{'tool':<28}{'CPU s':>9}{'wall s':>9}{'CPU/bandit':>12}{'wall/bandit':>12}")
        for key, value in row.items():
            if isinstance(value, tuple):
                cpu, wall = value
                print(f"{key:<28}{cpu:>9.2f}{wall:>9.2f}{cpu / bandit_cpu:>12.3f}{wall / bandit_wall:>12.3f}")
        print(f"findings: {row['findings']}  ({row['findings per kloc']} per kloc)")
        print(f"internal errors: {row['internal errors (BR000 + errors)']}")
        if row["stderr"]:
            print(f"stderr: {row['stderr']}")
    if args.stages:
        figures["stages"] = stage_split(corpus_paths(root, "medium"))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2, default=list))
    return 0


def stage_split(paths: list[str]) -> dict[str, float]:
    """Seconds per stage (decode, triggers, stdlib parse, gates, index, libcst parse, rules,
    positions, output) for one serial, uncached, in-process run: the next regression explained."""
    from backend_rules.engine import checker
    from backend_rules.engine.config import Config
    from backend_rules.engine.runner import check_paths
    from backend_rules.output import render

    checker.CLOCK = clock = checker.StageClock()
    start = time.perf_counter()
    report = check_paths(paths, Config(), jobs=1, use_cache=False)
    with clock.stage("output"):
        render(report, "sarif")
    total = time.perf_counter() - start
    checker.CLOCK = None
    split = dict(sorted(clock.totals.items(), key=lambda item: -item[1]))
    split["other (discovery, reading, config)"] = max(total - sum(clock.totals.values()), 0.0)
    print(f"\n== stages (medium corpus, one process, no cache): {total:.1f} s")
    for name, seconds in split.items():
        print(f"{name:<38}{seconds:>8.2f} s{100 * seconds / total:>7.1f} %")
    return split


if __name__ == "__main__":
    sys.exit(main())
