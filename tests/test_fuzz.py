"""Fuzzing: whatever the input, every rule runs to the end (no BR000, no traceback, no hang).

Two sources of programs: hypothesmith (valid Python generated from the grammar) and mutations of
real anti-patterns (the example apps and every rule's INVALID/VALID examples), cut, joined and
nested at random so that rules meet their own shapes in odd surroundings.

The committed run is small. The long run, before a release:

    BACKEND_RULES_FUZZ=10000 pytest tests/test_fuzz.py -p no:cacheprovider

Each failure is a BR000 (a rule crashed) or an exception out of the engine.
"""

from __future__ import annotations

import os
import random
import textwrap
from pathlib import Path

import pytest

from backend_rules.engine.checker import check_source
from backend_rules.engine.config import Config
from backend_rules.engine.registry import all_rules

CASES = int(os.environ.get("BACKEND_RULES_FUZZ", "40"))
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EVERYTHING = Config(select=("BR",), min_confidence="LOW", options=(("queries-in-tests", True), ("secrets-in-tests", True)))


def _assert_clean(source: str, path: str = "fuzz.py") -> None:
    findings = check_source(source, path, EVERYTHING, project_loader=lambda: None)
    crashes = [f.message for f in findings if f.code == "BR000"]
    assert not crashes, f"{crashes[0]}\n--- source ---\n{source[:2000]}"


def _snippets() -> list[str]:
    pieces = [path.read_text(encoding="utf-8") for path in sorted(EXAMPLES.rglob("*.py"))]
    for rule in all_rules().values():
        for example in [*rule.VALID, *rule.INVALID]:
            code = getattr(example, "code", example)
            pieces.append(textwrap.dedent(code).removeprefix("\n"))
    return pieces


def _statements(source: str) -> list[str]:
    """Top-level chunks of a file (a def/class with its body, or a simple statement)."""
    chunks: list[list[str]] = []
    for line in source.splitlines():
        if line and not line[0].isspace() and not line.startswith((")", "]", "}")):
            chunks.append([line])
        elif chunks:
            chunks[-1].append(line)
    return ["\n".join(chunk) for chunk in chunks]


WRAPPERS = [
    "{body}",
    "def wrapper(request, cur, session, items):\n{indented}",
    "async def wrapper(request, cur, session, items):\n{indented}",
    "class Wrapper:\n{indented}",
    "for item in items:\n{indented}",
    "while items:\n{indented}",
    "if request:\n{indented}\nelse:\n{indented}",
    "try:\n{indented}\nexcept Exception as exc:\n{indented}",
    "with session.begin():\n{indented}",
    "def outer():\n    def inner():\n{indented2}\n    return inner",
]


def _mutant(rng: random.Random, chunks: list[str]) -> str:
    body = "\n".join(rng.sample(chunks, k=min(len(chunks), rng.randint(1, 4))))
    wrapper = rng.choice(WRAPPERS)
    return wrapper.format(
        body=body, indented=textwrap.indent(body, "    ") or "    pass",
        indented2=textwrap.indent(body, "        ") or "        pass",
    ) + "\n"


def test_mutated_anti_patterns_never_crash_a_rule():
    rng = random.Random(20261206)
    chunks = [chunk for piece in _snippets() for chunk in _statements(piece) if chunk.strip()]
    for _ in range(CASES * 5):
        _assert_clean(_mutant(rng, chunks), rng.choice(["app/views.py", "tests/test_x.py", "settings.py", "tasks.py"]))


def test_truncated_and_spliced_files_never_crash_a_rule():
    rng = random.Random(7)
    pieces = _snippets()
    for _ in range(CASES * 5):
        text = rng.choice(pieces)
        cut = rng.randint(0, len(text))
        other = rng.choice(pieces)
        _assert_clean(text[:cut] + other[rng.randint(0, len(other)):])


def test_generated_programs_never_crash_a_rule():
    hypothesis = pytest.importorskip("hypothesis")
    hypothesmith = pytest.importorskip("hypothesmith")

    @hypothesis.settings(
        max_examples=CASES, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(hypothesmith.from_node())
    def check(source: str) -> None:
        _assert_clean(source)

    check()
