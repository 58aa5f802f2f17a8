"""Running libcst (and deep walks) on code nested deeper than Python's default limits allow.

libcst's native parser recurses on the C stack and its Python side on the interpreter's; long but
valid code (hundreds of ``elif`` branches, operands or chained calls) overflows both on the main
thread. Such work runs on a thread with a large stack and a high recursion limit instead. Text
nested deeper than CPython's tokenizer accepts is not Python in any version and is refused first.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, Callable

MAX_BRACKET_DEPTH = 200  # CPython's tokenizer limit, in every version
BIG_STACK_BYTES = 512 * 1024 * 1024
BIG_RECURSION_LIMIT = 100_000
_stack_lock = threading.Lock()  # stack size and recursion limit are process-wide settings
_on_big_stack = threading.local()  # set on the big-stack thread: nested calls just run


def bracket_depth(text: str) -> int:
    """Deepest bracket nesting, counting brackets inside strings too (an over-estimate is safe)."""
    depth = deepest = 0
    for char in text:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return deepest


def run_on_big_stack(run: Callable[[], Any]) -> Any:
    """``run()`` on a thread with a large C stack and recursion limit; its result or its exception."""
    if getattr(_on_big_stack, "active", False):
        return run()  # already there (and holding the lock): waiting for it would deadlock
    outcome: dict[str, Any] = {}

    def target() -> None:
        _on_big_stack.active = True
        try:
            outcome["value"] = run()
        except BaseException as exc:  # re-raised in the caller
            outcome["error"] = exc

    with _stack_lock:
        previous_limit, previous_stack = sys.getrecursionlimit(), threading.stack_size()
        try:
            threading.stack_size(BIG_STACK_BYTES)
            sys.setrecursionlimit(max(previous_limit, BIG_RECURSION_LIMIT))
            worker = threading.Thread(target=target, name="backend-rules-deep")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(previous_stack)
            sys.setrecursionlimit(previous_limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
