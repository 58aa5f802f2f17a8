"""What the SQL rules share: the sinks that execute SQL, and the base that checks what reaches them.

The rules report at the sink (where the fix goes) and name where the string was built. They
follow the string a few statements back, through ``+=`` and ``append``, and into helpers of the
same module; see :mod:`backend_rules.analysis.string_building` for what counts as safe.
"""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.string_building import StringAnalyzer, StringBuild, code_of
from backend_rules.rule import Rule

SQL_LOOKING = re.compile(
    r"(?is)^\s*\(?\s*(select|insert|update|delete|with|create|drop|alter|truncate|replace|merge|"
    r"grant|revoke|pragma|exec|call|show|describe|explain|vacuum|analyze|copy|lock|upsert)\b"
    r"|\bselect\b.+\bfrom\b|\binsert\s+into\b|\bupdate\b.+\bset\b|\bdelete\s+from\b"
    r"|\bwhere\b.+(=|<|>|\blike\b|\bin\b)|\border\s+by\b|\bvalues\s*\("
)
# Methods that run SQL on DB-API cursors/connections and async drivers (asyncpg, aiosqlite,
# aiomysql, aiopg, databases). ``query`` is included but only with SQL-looking text.
EXECUTE_METHODS = {"execute", "executemany", "executescript", "execute_fetchall", "fetch", "fetchrow",
                   "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate", "query"}
ALWAYS_NEEDS_SQL_TEXT = {"query", "fetch", "iterate"}
QUERY_KEYWORDS = ("query", "sql", "operation", "statement", "stmt")


def first_argument(call: cst.Call, keywords: tuple[str, ...] = QUERY_KEYWORDS) -> cst.BaseExpression | None:
    """The SQL argument of a sink: the first positional one, or a ``query=``-style keyword."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg.value
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    return None


def receiver_name(node: cst.BaseExpression) -> str:
    """A readable name for the object a method is called on: ``cursor``, ``get_db()``..."""
    if isinstance(node, cst.Call):
        inner = dotted_name(node.func)
        return f"{inner}()" if inner else "(...)"
    return dotted_name(node) or code_of(node)


def describe(build: StringBuild, context, sink_node: cst.CSTNode) -> str:
    """``with an f-string`` / ``with str.join() (line 12)`` / ``in build_query() (line 4)``."""
    line = context.line_of(build.node)
    where = f" in {build.helper}() (line {line})" if build.helper else (
        f" (line {line})" if line != context.line_of(sink_node) else ""
    )
    return f"with {build.how} of `{code_of(build.culprit)}`{where}"


ORM_SINKS = {"text", "literal_column", "exec_driver_sql", "raw", "extra", "RawSQL", "read_sql", "read_sql_query"}


def builds_strings(tree: ast.AST) -> bool:
    """Any f-string with a hole, ``+``/``%`` operation, ``.format`` or ``.join`` call."""
    if any(isinstance(v, ast.FormattedValue) for node in nodes(tree, ast.JoinedStr) for v in node.values):
        return True
    if any(isinstance(node.op, (ast.Add, ast.Mod)) for node in nodes(tree, ast.BinOp, ast.AugAssign)):
        return True
    return any(
        isinstance(node.func, ast.Attribute) and node.func.attr in {"format", "join", "replace"}
        for node in nodes(tree, ast.Call)
    )


def has_sink_with_computed_sql(tree: ast.AST, names: set[str]) -> bool:
    """A call to one of ``names`` (or an import alias of one) whose SQL argument is not a literal."""
    names = set(names)
    for node in nodes(tree, ast.ImportFrom):
        names.update(a.asname for a in node.names if a.asname and a.name in names)
    for node in nodes(tree, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        if name not in names:
            continue
        values = [a for a in node.args] + [k.value for k in node.keywords if k.arg is not None]
        if any(not isinstance(v, ast.Constant) for v in values[:1] or values):
            return True
        if name == "extra":
            return True
    return False


class SqlSinkRule(Rule):
    SINK_NAMES: set[str] = set()

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return has_sink_with_computed_sql(tree, cls.SINK_NAMES) and builds_strings(tree)

    CATEGORY = "security"
    SEVERITY = "HIGH"
    CWE = 89

    def check_sql(self, call: cst.Call, argument: cst.BaseExpression | None, sink: str,
                  db_receiver: bool, needs_sql_text: bool = False) -> None:
        if argument is None:
            return
        analyzer = StringAnalyzer(self.context, self.context.stack + [call])
        build = analyzer.unsafe_build(argument)
        if build is None:
            return
        looks_like_sql = bool(SQL_LOOKING.search(analyzer.literal_fragments(argument)))
        if needs_sql_text and not looks_like_sql:
            return
        if not (looks_like_sql or db_receiver):
            return
        self.report(call, how=describe(build, self.context, call), sink=sink)
