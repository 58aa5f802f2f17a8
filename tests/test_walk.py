"""The read-only traversal: every child visited in order, nested scopes skipped on request."""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.walk import find, iter_children, walk


def test_walk_visits_in_source_order_and_leaves_after_children():
    module = cst.parse_module("a = f(b)\nc = 1\n")
    events: list[str] = []
    walk(
        module,
        lambda n: events.append(f"+{n.value}") if isinstance(n, cst.Name) else None,
        lambda n: events.append(f"-{n.value}") if isinstance(n, cst.Name) else None,
    )
    assert events == ["+a", "-a", "+f", "-f", "+b", "-b", "+c", "-c"]


def test_children_skip_pure_syntax():
    call = cst.parse_expression("f( x , y )")
    assert [type(c).__name__ for c in iter_children(call)] == ["Name", "Arg", "Arg"]


def test_find_stops_at_nested_scopes_unless_told_otherwise():
    module = cst.parse_module("def f():\n    def g():\n        raise X\n    return 1\n")
    outer = module.body[0]
    is_raise = lambda n: isinstance(n, cst.Raise)  # noqa: E731
    assert find(outer.body, is_raise) is None
    assert isinstance(find(outer.body, is_raise, skip=()), cst.Raise)
    assert find(outer, lambda n: n is outer) is outer
