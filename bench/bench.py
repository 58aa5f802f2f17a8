#!/usr/bin/env python3
"""Time backend-rules against bandit (and ruff, semgrep) on the shared corpus, in the same run.

    python bench/bench.py                    # large + medium + one file, cold and warm
    python bench/bench.py --corpus medium --with-semgrep

The corpus comes from ../shared/bench/corpus.sh (default $CORPUS or /tmp/bench-corpus). The
machine is shared and noisy, so every figure is reported as a ratio to bandit measured in the same
run; CPU is user+sys of the tool and all its worker processes. It also reports what a reviewer
needs beside speed: findings per kloc by code, parse diagnostics, and internal errors (must be 0),
the peak memory of any one process (the largest worker), and the cache's size on disk.

Every tool runs as installed tools do, with compiled bytecode: the .pyc files go to a scratch
folder (PYTHONPYCACHEPREFIX), written by one warm-up run per tool, so that an environment with
PYTHONDONTWRITEBYTECODE set does not charge each run for compiling every module.
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


ENV: dict[str, str] = {}  # the environment every tool runs in (see the module docstring)
PEAK_RSS_MIB: list[float] = []  # peak RSS of the largest process of the last measure() (MiB)
WITHOUT_PLUGIN = """
import sys
from flake8.plugins import finder
found = finder._find_importlib_plugins
finder._find_importlib_plugins = lambda: (p for p in found() if not p.entry_point.value.startswith("backend_rules"))
from flake8.main.cli import main
main()
"""


def measure(command: list[str], env: dict | None = None) -> tuple[float, float, subprocess.CompletedProcess]:
    """CPU (user+sys of the command and every process it waited for) and wall seconds. The
    peak RSS is read in a child of ours that runs the command, so only its processes count."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "wall = time.perf_counter() - start\n"
        "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "sys.stderr.write(done.stderr)\n"
        "sys.stdout.write(json.dumps([use.ru_utime + use.ru_stime, wall, use.ru_maxrss, done.returncode]) + '\\n' + done.stdout)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *command], capture_output=True, text=True,
                          env={**ENV, **(env or {})}, check=False)
    head, _, stdout = done.stdout.partition("\n")
    cpu, wall, maxrss_kib, returncode = json.loads(head)
    PEAK_RSS_MIB[:] = [maxrss_kib / 1024]
    return cpu, wall, subprocess.CompletedProcess(command, returncode, stdout, done.stderr)


def folder_bytes(folder: str) -> int:
    return sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())


def corpus_bytes(paths: list[str]) -> int:
    total = 0
    for path in paths:
        total += Path(path).stat().st_size if path.endswith(".py") else folder_bytes(path)
    return total


def median_wall(command: list[str], env: dict | None = None, runs: int = 5) -> float:
    walls = sorted(measure(command, env)[1] for _ in range(runs))
    return walls[len(walls) // 2]


def median_cpu(command: list[str], env: dict | None = None, runs: int = 9) -> float:
    """Less noisy than wall time on a shared machine, for differences of a few milliseconds."""
    cpus = sorted(measure(command, env)[0] for _ in range(runs))
    return cpus[len(cpus) // 2]


def flake8_rows(file: str, backend_rules: str) -> dict[str, float]:
    """The flake8 front door on one file: what the plugin adds to ``--select E`` (must be near
    nothing), and ``--select BR`` against the CLI on the same file (cold: fresh cache folders)."""
    python = sys.executable
    rows: dict[str, float] = {}
    hidden = [python, "-c", WITHOUT_PLUGIN, "--select", "E", file]
    installed = [python, "-c", WITHOUT_PLUGIN.replace("finder._find_importlib_plugins = ", "_ = "), "--select", "E", file]
    rows["flake8 --select E, plugin hidden (CPU s)"] = median_cpu(hidden)
    rows["flake8 --select E, plugin installed (CPU s)"] = median_cpu(installed)
    rows["plugin cost on --select E (CPU ms)"] = 1000 * (
        rows["flake8 --select E, plugin installed (CPU s)"] - rows["flake8 --select E, plugin hidden (CPU s)"]
    )
    walls = {"flake8": [], "cli": []}
    for _ in range(5):
        for name, command in (("flake8", [python, "-m", "flake8", "--select", "BR", file]),
                              ("cli", [backend_rules, "check", "--exit-zero", "--format", "json", file])):
            cache = tempfile.mkdtemp(prefix="br-bench-cache-")
            walls[name].append(measure(command, {"BACKEND_RULES_CACHE_DIR": cache})[1])
            shutil.rmtree(cache, ignore_errors=True)
    rows["flake8 --select BR (s)"] = sorted(walls["flake8"])[2]
    rows["backend-rules check, same file (s)"] = sorted(walls["cli"])[2]
    rows["flake8 BR / CLI"] = rows["flake8 --select BR (s)"] / rows["backend-rules check, same file (s)"]
    return rows


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

    pycache = tempfile.mkdtemp(prefix="br-bench-pyc-")
    ENV.update({key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"})
    ENV["PYTHONPYCACHEPREFIX"] = pycache
    for warm_up in ([backend_rules, "rules"], [bandit, "--version"], [sys.executable, "-m", "flake8", "--version"]):
        measure(warm_up)
    measure([sys.executable, "-c", "from backend_rules.engine.registry import all_rules; all_rules(); import libcst"])

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
        row["peak RSS of one process, cold (MiB)"] = round(PEAK_RSS_MIB[0], 1)
        row["cache + index on disk / corpus size"] = round(folder_bytes(cache) / max(corpus_bytes(paths), 1), 4)
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
        print(f"peak RSS of one process (cold): {row['peak RSS of one process, cold (MiB)']} MiB;"
              f" cache + index on disk: {100 * row['cache + index on disk / corpus size']:.2f} % of the corpus")
        if row["stderr"]:
            print(f"stderr: {row['stderr']}")
    if args.corpus in ("one", "all"):
        one_file = corpus_paths(root, "one")[0]
        figures["flake8"] = flake8_rows(one_file, backend_rules)
        print("\n== flake8 on one file (medians: CPU of 9 runs for --select E, wall of 5 for BR)")
        for key, value in figures["flake8"].items():
            print(f"{key:<44}{value:>10.3f}")
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
