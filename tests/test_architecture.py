"""The layout keeps its promises: imports flow one way, no cycles, small modules, one rule each.

Layers, from the top: front doors (cli, flake8 plugin, semgrep runner, output formats, the public
package) -> engine -> rules (with the rule API: rule.py, context.py) -> analysis. A module may
import its own layer or a lower one, never a higher one; ``version`` is a leaf anyone may read.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backend_rules"
DATA_MODULES = {"backend_rules.rules.secrets.secret_words"}  # word lists and token formats
MAX_LINES = 600
LAYERS = {"analysis": 0, "rules": 1, "engine": 2, "front": 3}


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def layer_of(module: str) -> int | None:
    parts = module.split(".")
    if module in ("backend_rules.version",):
        return None  # a leaf with no imports: readable from everywhere
    if len(parts) > 1 and parts[1] == "analysis":
        return LAYERS["analysis"]
    if len(parts) > 1 and (parts[1] == "rules" or module in ("backend_rules.rule", "backend_rules.context")):
        return LAYERS["rules"]
    if len(parts) > 1 and parts[1] == "engine":
        return LAYERS["engine"]
    return LAYERS["front"]


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every backend_rules module imported anywhere in the file (TYPE_CHECKING and local ones too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name.startswith("backend_rules"):
                found.add(name)
    return found


GRAPH = {name: imports_of(path, set(module_names())) for name, path in module_names().items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_flow_one_way(module):
    here = layer_of(module)
    for target in GRAPH[module]:
        there = layer_of(target)
        if here is None or there is None or target == "backend_rules":
            assert there is None or target != module
            continue
        assert there <= here, f"{module} (layer {here}) imports {target} (layer {there})"


def test_the_import_graph_has_no_cycle():
    graph = {name: {t for t in targets if t != name} for name, targets in GRAPH.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycle = trail[trail.index(target):] + [target] if target in trail else [node, target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, trail + [target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])


@pytest.mark.parametrize("module", sorted(module_names()))
def test_modules_stay_small(module):
    lines = len(module_names()[module].read_text(encoding="utf-8").splitlines())
    assert module in DATA_MODULES or lines <= MAX_LINES, f"{module} has {lines} lines (limit {MAX_LINES})"


def test_one_rule_class_per_module():
    from backend_rules.engine.registry import all_rules

    per_module: dict[str, list[str]] = {}
    for code, rule in all_rules().items():
        per_module.setdefault(rule.__module__, []).append(code)
    crowded = {module: codes for module, codes in per_module.items() if len(codes) > 1}
    assert not crowded
    for module in per_module:
        assert module.count(".") >= 3, f"{module}: rules live in rules/<family>/<rule>.py"
