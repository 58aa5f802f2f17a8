"""BR103: a SQL statement built from strings and kept for execution elsewhere."""

from __future__ import annotations

import ast
import re

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.string_building import StringAnalyzer
from backend_rules.analysis.string_values import StringBuild
from backend_rules.analysis.walk import walk
from backend_rules.rule import Invalid
from backend_rules.rules.sql.sql_sink_rule import (
    ALWAYS_NEEDS_SQL_TEXT,
    EXECUTE_METHODS,
    ORM_SINKS,
    QUERY_NAME,
    SqlSinkRule,
    builds_strings,
    passes_parameters,
)

SQL_STATEMENT = re.compile(
    r"(?is)^\W*(select\b.*\bfrom|insert\b.*\b(into|values)|update\b.*\bset|delete\b.*\bfrom|"
    r"replace\b.*\b(into|values)|with\b.*\bas\s*\(.*\bselect|merge\b.*\binto|"
    r"(create|drop|alter|truncate)\s+(table|index|view|database|schema)|"
    r"(select|delete|update)\b.*\bwhere)\b"
)
STATEMENT_START = re.compile(r"(?i)^\W*(select|insert|update|delete|replace|merge|create|drop|alter|truncate|with)\b")


def _names_in(node: cst.BaseExpression) -> set[str]:
    """Every name an argument is made of (``prefix + sql``, ``[sql]``, ``{"n": sql}``)."""
    found: set[str] = set()

    def enter(child: cst.CSTNode) -> bool:
        if isinstance(child, cst.Name):
            found.add(child.value)
        return not isinstance(child, (cst.Lambda, cst.Attribute))

    walk(node, enter)
    return found


def _is_sink(node: cst.Call) -> bool:
    """A call that runs SQL (``run``, ``copy``... only as methods: ``run(sql)`` may be anything)."""
    name = _callee(node)
    return name in ORM_SINKS or name in EXECUTE_METHODS and (
        isinstance(node.func, cst.Attribute) or name not in ALWAYS_NEEDS_SQL_TEXT
    )


def _callee(node: cst.Call) -> str:
    func = node.func
    return func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""


class SqlStringForLater(SqlSinkRule):
    """A SQL statement is built from strings and kept for execution elsewhere.

    ## What it does
    Finds a complete SQL statement (`SELECT ... FROM`, `INSERT INTO`, `UPDATE ... SET`,
    `DELETE FROM`...) built with an f-string, `+`, `%`, `.format()`, `.replace()` or `str.join()`
    from a value that is not a constant, and stored in a query-named variable (`query`, `sql`,
    `stmt`...) or returned from a query-named function, when no execution of it is visible in
    the same function (BR101/BR102 report those at the sink). The query is usually executed by a
    repository or helper in another module.

    ## Why is this bad?
    Wherever the string ends up, the value is already part of the SQL text: the injection has
    happened (CWE-89, OWASP A03). The fix is to keep values out of the text and pass them along.

    ## Example
    ```python
    def user_query(name):
        return f"SELECT * FROM users WHERE name = '{name}'"
    ```

    ## Use instead
    Return the statement and its parameters together:
    ```python
    def user_query(name):
        return "SELECT * FROM users WHERE name = %s", (name,)
    ```

    ## Confidence
    As for BR101. A statement that travels with its parameters (`run(query, params)`, `return
    query, params`) and whose joined pieces hold structure assembled by the program (column
    lists, joins, conditions) rather than values is LOW.

    ## Not reported
    Log and error messages (not query-named), SQL fragments without a statement shape, constants,
    numbers, placeholders and allow-listed identifiers (as for BR101), `return sql` of a variable
    already reported where it was built.
    """

    CODE = "BR103"
    NAME = "sql-built-for-later-execution"
    MESSAGE = "SQL statement built {how} in `{target}`; keep values out of the SQL text and pass them as parameters"
    ADVICE = "keep values out of the SQL text and pass them as parameters"
    ALSO_ADVICE = "pass `{value}` as a parameter too, like the other values"
    CONFIDENCE = "MEDIUM"
    TRIGGER = (
        r"(?i)\b(select\b[^;]{0,300}?\bfrom|insert\b[^;]{0,80}?\b(into|values)|update\b[^;]{0,100}?\bset|"
        r"delete\s+from|replace\s+into|merge\s+into|(create|drop|alter|truncate)\s+(table|index|view))\b"
    )

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        """Some string literal has a statement's shape, and something builds strings."""
        if not builds_strings(tree):
            return False
        literals = [n.value for n in nodes(tree, ast.Constant) if isinstance(n.value, str)]
        return any(STATEMENT_START.match(text) for text in literals)  # the rest may be in other pieces

    def visit_Assign(self, node: cst.Assign) -> None:
        names = [t.target.value for t in node.targets if isinstance(t.target, cst.Name)]
        target = next((n for n in names if QUERY_NAME.search(n)), None)
        if target is not None and not self._executed_here(target):
            self._check(node.value, target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name) and QUERY_NAME.search(node.target.value):
            if not self._executed_here(node.target.value):
                self._check(node.value, node.target.value, accumulated=True)

    def visit_Return(self, node: cst.Return) -> None:
        function = enclosing_scope(self.context.stack)
        if node.value is None or not isinstance(function, cst.FunctionDef):
            return
        name = function.name.value
        if QUERY_NAME.search(name) and not self._helper_executed_here(name):
            value = node.value
            if isinstance(value, cst.Name) and QUERY_NAME.search(value.value):
                return  # `return sql`: reported where `sql` was built
            if isinstance(value, cst.Tuple) and len(value.elements) > 1:  # return sql, params
                self._check(value.elements[0].value, f"{name}()", parameters=True)
            else:
                self._check(value, f"{name}()")

    def _check(self, value: cst.BaseExpression, target: str, accumulated: bool = False,
               parameters: bool | None = None) -> None:
        analyzer = StringAnalyzer(self.context, self.context.stack + [value])
        text = analyzer.literal_fragments(value)
        if accumulated:
            scope = self.context.scope_facts(enclosing_scope(self.context.stack))
            text = " ".join(
                analyzer.literal_fragments(b.value) for b in scope.bindings.get(target, []) if b.value is not None
            ) + " " + text
        if not SQL_STATEMENT.search(text):
            return
        builds = analyzer.unsafe_builds(value)
        if not builds and accumulated and not analyzer.is_safe(value):
            builds = [StringBuild("+= concatenation", value, value)]
        if builds:
            if parameters is None:
                parameters = self._passed_with_parameters(target)
            self.report_builds(value, builds, "", analyzer, parameters, target=target)

    def _passed_with_parameters(self, name: str) -> bool:
        """``run(query, params)`` or ``return query, params`` in this function: the values travel
        beside the statement, so what is joined into it is structure."""
        scope = enclosing_scope(self.context.stack)
        found = []

        def enter(node: cst.CSTNode) -> bool:
            if node is not scope and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(node, cst.Call):
                argument = next(
                    (a.value for a in node.args if isinstance(a.value, cst.Name) and a.value.value == name), None
                )
                if argument is not None and passes_parameters(node, argument):
                    found.append(node)
            elif isinstance(node, cst.Return) and isinstance(node.value, cst.Tuple) and len(node.value.elements) > 1:
                if any(isinstance(e.value, cst.Name) and e.value.value == name for e in node.value.elements):
                    found.append(node)
            return not found

        walk(scope, enter)
        return bool(found)

    def _executed_here(self, name: str) -> bool:
        """The variable is handed to a sink in the same function: BR101/BR102 speak there."""
        return name in self._sink_arguments(enclosing_scope(self.context.stack))[0]

    def _helper_executed_here(self, function: str) -> bool:
        """A call of the helper feeds a sink somewhere in this module."""
        return function in self._sink_arguments(self.context.module)[1]

    def _sink_arguments(self, scope: cst.CSTNode) -> tuple[set[str], set[str]]:
        """Names passed to sinks in ``scope``, and functions whose result is (one walk per scope)."""
        cache = self.__dict__.setdefault("_sinks_by_scope", {})
        if id(scope) not in cache:
            names: set[str] = set()
            helpers: set[str] = set()

            def enter(node: cst.CSTNode) -> bool:
                if isinstance(node, cst.Call) and _is_sink(node):
                    for arg in node.args:  # extra(select={"n": sql}), execute(prefix + sql)
                        names.update(_names_in(arg.value))
                    if node.args and isinstance(node.args[0].value, cst.Call):
                        helpers.add(_callee(node.args[0].value))
                return True

            walk(scope, enter)
            cache[id(scope)] = (names, helpers)
        return cache[id(scope)]

    VALID = [
        # parameters travel with the statement
        """
        def user_query(name):
            return "SELECT * FROM users WHERE name = %s", (name,)
        """,
        # a log message is not a query
        """
        def fail(table, error):
            message = f"SELECT from {table} failed: {error}"
            return message
        """,
        # executed right here: BR101 reports at the sink instead
        """
        def find(cur, name):
            query = f"SELECT * FROM users WHERE name = '{name}'"
            cur.execute(query)
        """,
        # constant table name, placeholders for values
        """
        TABLE = "users"
        def by_id_sql():
            return f"SELECT * FROM {TABLE} WHERE id = %s"
        """,
        # a fragment, not a statement
        """
        def order_sql(column):
            return f"ORDER BY {column}"
        """,
    ]
    INVALID = [
        Invalid(
            """
            def user_query(name):
                return f"SELECT * FROM users WHERE name = '{name}'"
            """,
            line=2, column=12, message="in `user_query()`",
        ),
        Invalid(
            """
            identifier = input()
            query = "DELETE FROM foo WHERE id = '%s'" % identifier
            """,
            line=2, message="%-formatting of `identifier`",
        ),
        Invalid(
            """
            def build(table, var):
                sql = "UPDATE " + table + " SET var = " + var
                return run(sql)
            """,
            line=2,
        ),
        Invalid(
            """
            def search(term):
                stmt = "SELECT * FROM docs WHERE 1=1"
                stmt += " AND body LIKE '%" + term + "%'"
                return stmt
            """,
            line=3,
        ),
    ]
