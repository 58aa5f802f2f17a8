"""What a hole in a SQL template stands for: a value, an identifier, or a piece of structure.

The advice depends on it: a value becomes a query parameter, but a table or column name cannot
be one (it needs an allow-list or quoting as an identifier), and a clause list (``WHERE {conds}``)
is structure whose own values are checked where the clauses were built. The slot is read from the
template text right before the hole: the quote it sits in, or the nearest keyword or operator.
"""

from __future__ import annotations

import re

VALUE, IDENTIFIER, STRUCTURE, UNKNOWN = "value", "identifier", "structure", "unknown"

TOKEN = re.compile(r"\{\}|%\(\w+\)s|%s|\?|:\w+|\$\d+|<>|!=|<=|>=|\|\||[=<>+\-*/%(),.\"`\[\]]|[A-Za-z_][\w$]*|\S")
VALUE_WORDS = {
    "like", "ilike", "in", "values", "limit", "offset", "interval", "between", "then", "else", "when",
    "is", "default", "escape", "similar", "regexp", "rlike", "against", "fetch", "top",
}
IDENTIFIER_WORDS = {
    "from", "into", "table", "tables", "join", "update", "extension", "use", "schema", "database",
    "sequence", "index", "view", "role", "user", "to", "truncate", "exists", "by", "select", "distinct",
    "column", "returning", "as", "owner", "type", "function", "trigger", "collation", "tablespace",
    "cursor", "describe", "analyze", "vacuum", "copy", "channel", "listen", "notify", "savepoint",
}
STRUCTURE_WORDS = {"where", "and", "or", "not", "having", "on", "set", "with", "case", "union", "all"}
OPERATORS = {"=", "<>", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%", "||"}
# What follows a column compared or assigned: ``{} = 1``, ``{} LIKE %s``, ``{} IS NULL``.
COMPARED = re.compile(r"(?i)\s*(?:=|<>|!=|<=|>=|<|>|(?:not\s+)?(?:like|ilike|in|between)\b|is\b)")
HOLE = re.compile(r"\{[^{}]*\}|%\(\w+\)[sdr]|%[sdr]|\$\{?\w+\}?")
PLACEHOLDER = re.compile(r"%s|%\(\w+\)s|(?<![\w:]):[A-Za-z_]\w*|\?|\$\d+")


def slot_of(before: str, after: str = "") -> str:
    """The slot of a hole given the template text before (and after) it."""
    if not before.strip() and not after.strip():
        return UNKNOWN
    before = HOLE.sub("{}", before)
    if _open(before, "'"):
        return VALUE
    if _open(before, '"') or _open(before, "`"):
        return IDENTIFIER
    if after.lstrip().startswith("."):
        return IDENTIFIER  # {schema}.table
    tokens = [t.lower() for t in TOKEN.findall(before)]
    if not tokens:
        return UNKNOWN
    last = tokens[-1]
    if last in {".", "[", '"', "`"}:
        return IDENTIFIER
    if last in OPERATORS:
        return VALUE
    if last in VALUE_WORDS:
        return VALUE
    if last in IDENTIFIER_WORDS:
        return IDENTIFIER
    if last in STRUCTURE_WORDS:
        return IDENTIFIER if COMPARED.match(after) else STRUCTURE  # WHERE {col} = ..., SET {col} = ...
    if last in {",", "("}:
        return _list_slot(tokens)
    return STRUCTURE  # right after a complete operand: a clause, a join, a direction


def _list_slot(tokens: list[str]) -> str:
    """A hole inside a list: ``VALUES (a, {})`` and ``IN (...)`` hold values, ``SELECT a, {}`` and
    ``INSERT INTO t (a, {})`` hold names, ``coalesce(a, {})`` holds values."""
    depth = 0
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        if token == ")":
            depth += 1
        elif token == "(":
            if depth == 0:
                previous = tokens[index - 1] if index > 0 else ""
                earlier = tokens[index - 2] if index > 1 else ""
                if previous in {"values", "in"}:
                    return VALUE
                if earlier in {"into", "table"} or previous in {"into", "table"}:
                    return IDENTIFIER
                if re.match(r"[a-z_]\w*$", previous) and previous not in STRUCTURE_WORDS | IDENTIFIER_WORDS:
                    return VALUE  # a function call's arguments
                return STRUCTURE
            depth -= 1
        elif depth == 0 and token in IDENTIFIER_WORDS:
            return IDENTIFIER
        elif depth == 0 and (token in VALUE_WORDS or token in OPERATORS):
            return VALUE
        elif depth == 0 and token in STRUCTURE_WORDS:
            return STRUCTURE
    return UNKNOWN


def has_placeholders(text: str) -> bool:
    """The template already passes some values as parameters (``%s``, ``?``, ``:name``...)."""
    return PLACEHOLDER.search(_without_quoted(text)) is not None


def _open(text: str, quote: str) -> bool:
    """An odd number of ``quote`` outside the other quote kinds: the hole sits inside one."""
    count, inside = 0, None
    for char in text:
        if inside is None and char in "'\"`":
            inside = char
            if char == quote:
                count += 1
        elif char == inside:
            inside = None
            if char == quote:
                count += 1
    return count % 2 == 1


def _without_quoted(text: str) -> str:
    return re.sub(r"'[^']*'", "''", text)
