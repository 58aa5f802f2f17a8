"""Newer syntax, rewritten for the running interpreter's parser (for facts and gates only).

Cross-file facts and rule gates read the stdlib AST, but ``ast.parse`` only knows the running
Python's grammar: a valid 3.12-3.14 file (PEP 695 generics and ``type`` aliases, PEP 701
f-strings, PEP 750 t-strings, PEP 758 ``except A, B:``) would contribute nothing. libcst reads
them all, so such a file is parsed with libcst and rewritten into the nearest older spelling:

- type parameters are dropped (``def f[T](x: T)`` -> ``def f(x: T)``), ``type X = Y`` -> ``X = Y``;
- ``except A, B:`` / ``except* A, B:`` -> ``except (A, B):``;
- an f-string (or t-string) the running tokenizer cannot read -> ``'{}'.format(expr, ...)``, which
  keeps the names used in its replacement fields (a plain string when that rewrite fails);
- under Python 3.10, ``except*`` -> ``except``.

Every statement stays on its line (newlines inside dropped brackets are kept elsewhere in the
same brackets), so the stdlib tree of the result lines up with the libcst tree of the original.
The rewrite is not meant to run, only to be read.
"""

from __future__ import annotations

import ast
import sys
from typing import Any, Sequence, Union

import libcst as cst

from backend_rules.analysis.deep_stack import MAX_BRACKET_DEPTH, bracket_depth, run_on_big_stack
from backend_rules.analysis.walk import walk

_EMPTY = cst.Module(body=[])

FString = Union[cst.FormattedString, cst.TemplatedString]
FStringText = (cst.FormattedStringText, cst.TemplatedStringText)


def parse_modern(text: str) -> ast.Module | None:
    """The stdlib AST of ``text``, via :func:`downgrade` when the running parser refuses it."""
    try:
        return ast.parse(text)
    except SyntaxError:
        pass
    except (ValueError, RecursionError, MemoryError):
        return None
    older = downgrade(text)
    if older is None:
        return None
    try:
        return ast.parse(older)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def downgrade(text: str) -> str | None:
    """``text`` in syntax the running Python parses; None when libcst cannot read it either.

    Never raises. Lines are kept: statement ``n`` of the result starts on the line it started on.
    """
    if bracket_depth(text) > MAX_BRACKET_DEPTH:
        return None
    try:
        return run_on_big_stack(lambda: _rewrite(text))
    except Exception:  # RecursionError, MemoryError, a libcst failure: no rewrite, no facts
        return None


def downgrade_module(module: cst.Module) -> str | None:
    """:func:`downgrade` for text already parsed by libcst (saves parsing it twice)."""
    try:
        return run_on_big_stack(lambda: _rewrite_module(module))
    except Exception:
        return None


def _rewrite(text: str) -> str | None:
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None
    return _rewrite_module(module)


def _rewrite_module(module: cst.Module) -> str:
    targets, paths = _find_targets(module)
    if not targets:
        return module.code  # nothing newer than this Python in it: the rewrite cannot help
    return module.visit(_Downgrade(targets, paths)).code


def _find_targets(module: cst.Module) -> tuple[set[int], set[int]]:
    """Ids of the nodes to rewrite, and of every node on the way to one (the rest is not rebuilt:
    libcst's transformer rebuilds whatever it enters, which costs more than parsing)."""
    targets: set[int] = set()
    paths: set[int] = set()
    stack: list[cst.CSTNode] = []

    def enter(node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FormattedString, cst.TemplatedString)) and _readable(node):
            return False  # and so is every f-string inside it
        if _is_target(node):
            targets.add(id(node))
            paths.update(id(ancestor) for ancestor in stack)
            paths.add(id(node))
        stack.append(node)
        return True

    walk(module, enter, lambda node: stack.pop())
    return targets, paths


def _is_target(node: cst.CSTNode) -> bool:
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.type_parameters is not None
    if isinstance(node, (cst.ExceptHandler, cst.ExceptStarHandler)):
        return _parenthesised(node.type) is not node.type or (
            isinstance(node, cst.ExceptStarHandler) and sys.version_info < (3, 11)
        )
    if isinstance(node, cst.TryStar):
        return sys.version_info < (3, 11)
    return isinstance(node, (cst.TypeAlias, cst.FormattedString, cst.TemplatedString))


class _Downgrade(cst.CSTTransformer):
    def __init__(self, targets: set[int], paths: set[int]) -> None:
        super().__init__()
        self.targets = targets
        self.paths = paths

    def on_visit(self, node: cst.CSTNode) -> bool:
        # a concatenation's parts are rewritten in its leave_: libcst refuses a call as a part
        return id(node) in self.paths and not isinstance(node, cst.ConcatenatedString)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if updated.type_parameters is None:
            return updated
        lines = _newlines(updated.type_parameters)
        return updated.with_changes(
            type_parameters=None,
            whitespace_after_type_parameters=cst.SimpleWhitespace(""),
            whitespace_before_params=_with_lines(updated.whitespace_before_params, lines),
        )

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if updated.type_parameters is None:
            return updated
        lines = _newlines(updated.type_parameters)
        updated = updated.with_changes(
            type_parameters=None, whitespace_after_type_parameters=cst.SimpleWhitespace("")
        )
        if not lines:
            return updated
        lpar = updated.lpar if isinstance(updated.lpar, cst.LeftParen) else cst.LeftParen()
        return updated.with_changes(
            lpar=lpar.with_changes(whitespace_after=_with_lines(lpar.whitespace_after, lines)),
            rpar=updated.rpar if isinstance(updated.rpar, cst.RightParen) else cst.RightParen(),
        )

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        value = updated.value
        lines = _newlines(updated.type_parameters) if updated.type_parameters else 0
        if lines:
            value = value.with_changes(
                lpar=[cst.LeftParen(whitespace_after=_with_lines(cst.SimpleWhitespace(""), lines)), *value.lpar],
                rpar=[*value.rpar, cst.RightParen()],
            )
        return cst.Assign(
            targets=[cst.AssignTarget(updated.name, whitespace_after_equal=updated.whitespace_after_equals)],
            value=value,
            semicolon=updated.semicolon,
        )

    def leave_ExceptHandler(self, original: cst.ExceptHandler, updated: cst.ExceptHandler) -> cst.ExceptHandler:
        return updated.with_changes(type=_parenthesised(updated.type))

    def leave_ExceptStarHandler(self, original: cst.ExceptStarHandler, updated: cst.ExceptStarHandler) -> Any:
        updated = updated.with_changes(type=_parenthesised(updated.type))
        if sys.version_info >= (3, 11):
            return updated
        return cst.ExceptHandler(
            body=updated.body, type=updated.type, name=updated.name, leading_lines=updated.leading_lines,
            whitespace_after_except=updated.whitespace_after_star, whitespace_before_colon=updated.whitespace_before_colon,
        )

    def leave_TryStar(self, original: cst.TryStar, updated: cst.TryStar) -> Any:
        if sys.version_info >= (3, 11):
            return updated
        return cst.Try(
            body=updated.body, handlers=updated.handlers, orelse=updated.orelse,
            finalbody=updated.finalbody, leading_lines=updated.leading_lines,
            whitespace_before_colon=updated.whitespace_before_colon,
        )

    def leave_FormattedString(self, original: cst.FormattedString, updated: cst.FormattedString) -> cst.BaseExpression:
        return _as_format_call(updated) if id(original) in self.targets else updated

    def leave_TemplatedString(self, original: cst.TemplatedString, updated: cst.TemplatedString) -> cst.BaseExpression:
        return _as_format_call(updated) if id(original) in self.targets else updated

    def leave_ConcatenatedString(
        self, original: cst.ConcatenatedString, updated: cst.ConcatenatedString
    ) -> cst.BaseExpression:
        """``'a' f'{x}'`` whose f-string became a call cannot stay an implicit concatenation."""
        left, right = original.left.visit(self), original.right.visit(self)
        if isinstance(left, cst.BaseString) and isinstance(right, cst.BaseString):
            return updated.with_changes(left=left, right=right)
        return cst.BinaryOperation(
            left=left, operator=cst.Add(whitespace_before=updated.whitespace_between), right=right,
            lpar=[cst.LeftParen(), *updated.lpar], rpar=[*updated.rpar, cst.RightParen()],
        )


def _parenthesised(kind: cst.BaseExpression | None) -> cst.BaseExpression | None:
    if isinstance(kind, cst.Tuple) and not kind.lpar:
        return kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return kind


def _readable(node: FString) -> bool:
    """Whether the running tokenizer reads this f-string as it is (most f-strings)."""
    try:
        ast.parse(f"(\n{_code(node)}\n)", mode="eval")
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def _as_format_call(node: FString) -> cst.BaseExpression:
    """``f'a{x!r:>{w}}'`` -> ``'a{!r:>{}}'.format((x), (w))``; a blank string of as many lines if that fails."""
    quote = node.end
    prefix = "".join(char for char in node.start[: -len(quote)] if char not in "fFtT")
    template: list[str] = []
    args: list[str] = []

    def add(parts: Sequence[Any]) -> None:
        for part in parts:
            if isinstance(part, FStringText):
                template.append(part.value)
                continue
            expression = _code(part.whitespace_before_expression) + _code(part.expression)
            args.append(f"({expression}{_code(part.whitespace_after_expression)})")
            conversion = part.conversion or ("r" if part.equal and part.format_spec is None else None)
            template.append("{" + (f"!{conversion}" if conversion else ""))
            if part.format_spec is not None:
                template.append(":")
                add(part.format_spec)
            template.append("}")

    add(node.parts)
    source = prefix + quote + "".join(template) + quote
    if args:
        source += ".format(" + ", ".join(args) + ")"
    expected = _code(node.with_changes(lpar=[], rpar=[])).count("\n")
    try:
        replacement = cst.parse_expression(source)
        if source.count("\n") == expected:
            return replacement.with_changes(lpar=node.lpar, rpar=node.rpar)
    except (cst.ParserSyntaxError, ValueError):
        pass
    return cst.SimpleString('"""' + "\n" * expected + '"""', lpar=node.lpar, rpar=node.rpar)


def _code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _newlines(node: cst.CSTNode) -> int:
    return _code(node).count("\n")


def _with_lines(whitespace: cst.BaseParenthesizableWhitespace, lines: int) -> cst.BaseParenthesizableWhitespace:
    """Whitespace inside brackets that also holds ``lines`` more line breaks (to keep later lines put)."""
    if lines <= 0:
        return whitespace
    if isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace.with_changes(empty_lines=[*whitespace.empty_lines, *[cst.EmptyLine(indent=False)] * lines])
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[cst.EmptyLine(indent=False)] * (lines - 1),
        indent=False,
        last_line=whitespace,
    )
