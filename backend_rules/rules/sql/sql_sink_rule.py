"""What the SQL rules share: the sinks that execute SQL, and the base that checks what reaches them.

The rules report at the sink (where the fix goes) and name where the string was built. They
follow the string a few statements back, through ``+=`` and ``append``, and into helpers of the
same module; see :mod:`backend_rules.analysis.string_building` for what counts as safe.

Each finding gets its own confidence from where the joined values come from
(:mod:`backend_rules.analysis.value_origin`) and advice from where they sit in the SQL
(:mod:`backend_rules.rules.sql.sql_slots`): an identifier needs an allow-list or quoting, not a
query parameter.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import libcst as cst

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.code_kinds import code_kind
from backend_rules.analysis.dataflow import enclosing_class
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.string_building import StringAnalyzer
from backend_rules.analysis.string_values import StringBuild, argument_for, code_of
from backend_rules.analysis.value_origin import COMPUTED, INTERNAL, REQUEST, ROUTE_DECORATORS, OriginTracer
from backend_rules.analysis.walk import walk
from backend_rules.rule import Rule
from backend_rules.rules.sql.sql_forwarders import forwarder_names, project_forwarder
from backend_rules.rules.sql.sql_slots import IDENTIFIER, STRUCTURE, UNKNOWN, VALUE, slot_of

SQL_LOOKING = re.compile(
    r"(?is)^\s*\(?\s*(select|insert|update|delete|with|create|drop|alter|truncate|replace|merge|"
    r"grant|revoke|pragma|exec|call|show|describe|explain|vacuum|analyze|copy|lock|upsert)\b"
    r"|\bselect\b.+\bfrom\b|\binsert\s+into\b|\bupdate\b.+\bset\b|\bdelete\s+from\b"
    r"|\bwhere\b.+(=|<|>|\blike\b|\bin\b)|\border\s+by\b|\bvalues\s*\("
)
SQL_WORD = re.compile(r"(?i)\b(select|insert|update|delete|with|create|drop|alter|truncate|copy|pragma|grant)\b")
# Methods that run SQL on DB-API cursors/connections and async drivers (asyncpg, aiosqlite,
# aiomysql, aiopg, databases, pg8000's ``run``, psycopg's ``copy``/``copy_expert``). Those in
# ALWAYS_NEEDS_SQL_TEXT have other meanings too and count only with SQL-looking text.
EXECUTE_METHODS = {"execute", "executemany", "executescript", "execute_fetchall", "fetch", "fetchrow",
                   "fetchval", "fetchmany", "fetch_all", "fetch_one", "fetch_val", "iterate", "query",
                   "run", "copy", "copy_expert", "copy_from_query", "cursor", "prepare",
                   "execute_sql", "execute_query", "execute_query_dict", "execute_script"}  # peewee, Tortoise
ALWAYS_NEEDS_SQL_TEXT = {"query", "fetch", "iterate", "run", "copy", "cursor", "prepare", "fetchmany",
                         "execute_query", "execute_query_dict", "execute_script"}
QUERY_KEYWORDS = ("query", "sql", "operation", "statement", "stmt")
QUERY_NAME = re.compile(r"(?i)^q$|query|sql|stmt|statement")  # variables BR103 watches
PARAMETER_KEYWORDS = {"params", "parameters", "args", "vars", "values", "multiparams", "bind", "binds",
                      "select_params", "parameters_list", "param_list"}
CONFIDENCE_OF = {REQUEST: "HIGH"}
DATABASE_LAYER_DIRECTORIES = ("/dialects/", "/db/backends/")
DATABASE_LAYER_BASE = re.compile(
    r"Dialect$|^(?:Base)?Database(?:Operations|SchemaEditor|Creation|Introspection|Wrapper|Client)$"
    r"|SchemaEditor$|(?:Execution|Compiler)Context$|Compiler$"
)


def first_argument(call: cst.Call, keywords: tuple[str, ...] = QUERY_KEYWORDS) -> cst.BaseExpression | None:
    """The SQL argument of a sink: the first positional one, or a ``query=``-style keyword."""
    for arg in call.args:
        if arg.keyword is None and arg.star == "":
            return arg.value
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    return None


def passes_parameters(call: cst.Call, sql: cst.BaseExpression | None) -> bool:
    """The call hands values over beside the SQL: a second positional argument, ``params=``..."""
    positional = [a for a in call.args if a.keyword is None and a.value is not sql]
    return bool(positional) or any(
        a.keyword is not None and a.keyword.value in PARAMETER_KEYWORDS or a.star == "**" for a in call.args
    )


def passes_after(call: cst.Call, sql: cst.BaseExpression) -> bool:
    """A helper's call hands values after its SQL argument (``query_db(sql, (x,))``, ``run(sql,
    x=1)``); arguments before it (a connection) are not parameters."""
    seen = False
    for arg in call.args:
        if arg.value is sql:
            seen = True
        elif arg.keyword is not None:
            flag = isinstance(arg.value, cst.Name) and arg.value.value in {"True", "False", "None"}
            if not flag:  # one=True is an option, tenant=x a parameter
                return True
        elif arg.star or seen:
            return True
    return False


def _kept_statement(argument: cst.BaseExpression) -> bool:
    """A query-named variable handed to a helper: BR103 reports the statement where it is built."""
    return isinstance(argument, cst.Name) and QUERY_NAME.search(argument.value) is not None


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
    """Any f-string with a hole, ``+``/``%`` operation, ``.format``/``.join``/``substitute`` call."""
    if any(isinstance(v, ast.FormattedValue) for node in nodes(tree, ast.JoinedStr) for v in node.values):
        return True
    if any(isinstance(node.op, (ast.Add, ast.Mod)) for node in nodes(tree, ast.BinOp, ast.AugAssign)):
        return True
    return any(
        isinstance(node.func, ast.Attribute)
        and node.func.attr in {"format", "join", "replace", "substitute", "safe_substitute"}
        for node in nodes(tree, ast.Call)
    )


def may_hold_request_data(tree: ast.AST) -> bool:
    """The file can read request data: a ``request``/``req`` name, a route decorator, ``input()``."""
    for node in nodes(tree, ast.Name, ast.arg, ast.Attribute):
        name = node.id if isinstance(node, ast.Name) else node.arg if isinstance(node, ast.arg) else node.attr
        if name in {"request", "req", "input", "query_params", "match_info", "cleaned_data", "validated_data"}:
            return True
    for node in nodes(tree, ast.FunctionDef, ast.AsyncFunctionDef):
        for decorator in node.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
                return True
    return False


def has_sql_literal(tree: ast.AST) -> bool:
    """Some string literal of the file holds a SQL keyword (a cheap, loose gate)."""
    return any(isinstance(n.value, str) and SQL_WORD.search(n.value) for n in nodes(tree, ast.Constant))


def has_sink_with_computed_sql(tree: ast.AST, names: set[str]) -> bool:
    """A call to one of ``names`` (or an import alias of one) whose SQL argument is not a literal;
    methods that only count with SQL-looking text need some in the file."""
    names = set(names)
    if names & ALWAYS_NEEDS_SQL_TEXT and not has_sql_literal(tree):
        names -= ALWAYS_NEEDS_SQL_TEXT
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


def is_alembic_migration(module: cst.Module) -> bool:
    """An Alembic revision wherever it lives (module-level ``revision`` and ``down_revision``), or
    the ``env.py`` that runs them (``from alembic import context``): it migrates schemas the
    project named itself."""
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.ImportFrom) and small.module is not None and dotted_name(small.module) == "alembic" and \
                        not isinstance(small.names, cst.ImportStar) and \
                        any(dotted_name(alias.name) == "context" for alias in small.names):
                    return True
    assigned = {
        t.target.value
        for statement in module.body if isinstance(statement, cst.SimpleStatementLine)
        for small in statement.body if isinstance(small, (cst.Assign, cst.AnnAssign))
        for t in (small.targets if isinstance(small, cst.Assign) else [small])
        if isinstance(t.target, cst.Name)
    }
    return {"revision", "down_revision"} <= assigned


@dataclass(frozen=True)
class Sink:
    """A call that runs SQL: its SQL argument and how to speak about it."""

    argument: cst.BaseExpression | None
    text: str  # ``cursor.execute()``, ``text()``
    db_receiver: bool = True  # certainly a database call (else only SQL-looking text counts)
    needs_sql_text: bool = False
    identifier_context: bool = False  # the SQL is a column or clause (``order_by(...)``)
    parameters: bool | None = None  # values passed beside it (None: read it off the call)
    request_text: bool = True  # request data used as the SQL itself is reported too


@dataclass(frozen=True)
class Judgement:
    """How sure a finding is and which advice it gets."""

    confidence: str
    advice: str  # "identifier", "also" (other values are already parameters) or "value"


class SqlSinkRule(Rule):
    """Checks what reaches this rule's sinks (``sink_of``) and speaks with a per-finding
    confidence and the advice that fits where the values sit."""

    SINK_NAMES: set[str] = set()
    # The tail of MESSAGE (after "; "), and its variants for identifiers and half-parameterised SQL.
    ADVICE = "pass values as query parameters instead"
    IDENTIFIER_ADVICE = "`{value}` is an identifier there: allow-list it or quote it (sql.Identifier, quote_name)"
    ALSO_ADVICE = "pass `{value}` as a query parameter too, like the other values"
    REQUEST_TEXT_MESSAGE = (
        "request data `{value}` reaches {sink} as SQL text; map it to fixed SQL through an allow-list instead"
    )

    @classmethod
    def may_fire(cls, tree: ast.Module) -> bool:
        return has_sink_with_computed_sql(tree, cls.SINK_NAMES) and (
            builds_strings(tree) or may_hold_request_data(tree)
        )

    CATEGORY = "security"
    SEVERITY = "HIGH"
    CWE = 89

    def sink_of(self, node: cst.Call) -> Sink | None:
        """The sink this call is, for this rule, or None."""
        return None

    def check_call(self, node: cst.Call) -> None:
        """A sink of this rule, or a same-module helper that hands its argument to one."""
        sink = self.sink_of(node)
        if sink is not None:
            self.check_sql(node, sink)
        else:
            self.check_forwarding_helper(node)

    def check_sql(self, call: cst.Call, sink: Sink) -> None:
        argument = sink.argument
        if argument is None:
            return
        analyzer = StringAnalyzer(self.context, self.context.stack + [call])
        builds = analyzer.unsafe_builds(argument)
        looks_like_sql = bool(SQL_LOOKING.search(analyzer.literal_fragments(argument)))
        if not builds:
            if sink.request_text and not sink.needs_sql_text and sink.db_receiver:
                self.check_request_text(call, argument, sink.text, analyzer)
            return
        if sink.needs_sql_text and not looks_like_sql:
            return
        if not (looks_like_sql or sink.db_receiver):
            return
        passed = passes_parameters(call, argument) if sink.parameters is None else sink.parameters
        self.report_builds(call, builds, sink.text, analyzer, passed, identifier_context=sink.identifier_context)

    # ----- helpers that hand a parameter to a sink -------------------------------------------
    def check_forwarding_helper(self, node: cst.Call) -> None:
        """``run_sql(f"... {x}")`` where ``def run_sql(sql): conn.execute(text(sql))`` is in this
        module (or class): the string built at the call reaches the helper's sink."""
        if not node.args:
            return
        function = self._local_function(node.func)
        if function is None:
            self.check_project_forwarder(node)
            return
        for name, (position, inner) in self._forwarded(function).items():
            argument = argument_for(node, name, position)
            if argument is not None and not _kept_statement(argument):
                sink = Sink(argument, f"{inner.text} via {function.name.value}()", True, inner.needs_sql_text,
                            inner.identifier_context, passes_after(node, argument), inner.request_text)
                self.check_sql(node, sink)

    def check_project_forwarder(self, node: cst.Call) -> None:
        """The same for a function of another module of the project (``from .db import query_db``)."""
        if not self.USES_PROJECT_INDEX or self.context.project is None:
            return
        name = dotted_name(node.func) or ""
        if name.split(".")[0] not in self.context.imports.names:
            return
        known = self.__dict__.get("_forwarder_names")
        if known is None:
            known = self._forwarder_names = forwarder_names(self.context.project)
        if name.split(".")[-1] not in known:
            return
        qualified = self.context.imports.qualify(node.func) or ""
        for parameter, position, text in project_forwarder(self.context, qualified, self.CODE):
            argument = argument_for(node, parameter, position)
            if argument is not None and not _kept_statement(argument):
                sink = Sink(argument, f"{text} via {name}()", parameters=passes_after(node, argument))
                self.check_sql(node, sink)

    @classmethod
    def may_fire_in_project(cls, tree: ast.Module, project: Callable[[], Any]) -> bool:
        if cls.may_fire(tree):
            return True
        if not cls.USES_PROJECT_INDEX or not (builds_strings(tree) or may_hold_request_data(tree)):
            return False
        imported = {a.asname or a.name for n in nodes(tree, ast.ImportFrom) for a in n.names} | {
            (a.asname or a.name).split(".")[0] for n in nodes(tree, ast.Import) for a in n.names
        }
        called = set()  # imported functions, or functions of imported modules, called with arguments
        for node in nodes(tree, ast.Call):
            func = node.func
            if node.args and isinstance(func, ast.Name) and func.id in imported:
                called.add(func.id)
            elif node.args and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                if func.value.id in imported:
                    called.add(func.attr)
        return bool(called) and bool(called & forwarder_names(project()))

    def _local_function(self, func: cst.BaseExpression) -> cst.FunctionDef | None:
        """The function of this module (nested here, or a method of this class) a call invokes."""
        if isinstance(func, cst.Attribute):
            if not (isinstance(func.value, cst.Name) and func.value.value in {"self", "cls"}):
                return None
            klass = enclosing_class(self.context.stack)
            return self.context.scope_facts(klass).functions.get(func.attr.value) if klass is not None else None
        if not isinstance(func, cst.Name) or func.value not in self._defined_names():
            return None
        for scope in reversed([n for n in self.context.stack if isinstance(n, cst.FunctionDef)]):
            found = self.context.scope_facts(scope).functions.get(func.value)
            if found is not None:
                return found
        return self.context.scope_facts(self.context.module).functions.get(func.value)

    def _defined_names(self) -> set[str]:
        names = self.__dict__.get("_function_names")
        if names is None:
            names = self._function_names = set()

            def enter(node: cst.CSTNode) -> bool:
                if isinstance(node, cst.FunctionDef):
                    names.add(node.name.value)
                return not isinstance(node, (cst.BaseExpression, cst.SimpleStatementLine))

            walk(self.context.module, enter)
        return names

    def _forwarded(self, function: cst.FunctionDef) -> dict[str, tuple[int | None, Sink]]:
        """Parameters of ``function`` it passes, unchanged, as the SQL of one of this rule's sinks."""
        cache = self.__dict__.setdefault("_forwarded_cache", {})
        if id(function) in cache:
            return cache[id(function)]
        params = [p.name.value for p in function.params.params]
        if params and params[0] in {"self", "cls"}:
            params = params[1:]
        names = set(params) | {p.name.value for p in function.params.kwonly_params}
        found: dict[str, tuple[int | None, Sink]] = {}

        def enter(node: cst.CSTNode) -> bool:
            if node is not function and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(node, cst.Call):
                sink = self.sink_of(node)
                if sink is not None and isinstance(sink.argument, cst.Name) and sink.argument.value in names:
                    name = sink.argument.value
                    found.setdefault(name, (params.index(name) if name in params else None, sink))
            return True

        walk(function.body, enter)
        cache[id(function)] = found
        return found

    def check_request_text(self, call: cst.Call, argument: cst.BaseExpression, sink: str,
                           analyzer: StringAnalyzer) -> None:
        """SQL text that is request data as it came (``text(request.args["sort"])``)."""
        if isinstance(argument, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            return
        if analyzer.is_safe(argument):
            return
        if OriginTracer(analyzer).text_origin(argument) == REQUEST:
            self.report(call, self.REQUEST_TEXT_MESSAGE.format(value=code_of(argument), sink=sink),
                        confidence=self.capped("HIGH"))

    def report_builds(self, node: cst.CSTNode, builds: list[StringBuild], sink: str, analyzer: StringAnalyzer,
                      parameters_passed: bool, identifier_context: bool = False, **fields) -> None:
        judged = self.judge(analyzer, builds, parameters_passed, identifier_context)
        first = builds[0]
        value = code_of(first.culprit)
        advice = {
            "identifier": self.IDENTIFIER_ADVICE, "also": self.ALSO_ADVICE, "value": self.ADVICE,
        }[judged.advice].format(value=value)
        if first.how == "sql.SQL() composition":
            advice = f"compose `{value}` as sql.Identifier() (a name) or sql.Literal() (a value), not raw sql.SQL()"
        head = self.MESSAGE.split("; ")[0].format(how=describe(first, self.context, node), sink=sink, **fields)
        self.report(node, f"{head}; {advice}", confidence=judged.confidence)

    def judge(self, analyzer: StringAnalyzer, builds: list[StringBuild], parameters_passed: bool,
              identifier_context: bool = False) -> Judgement:
        tracer = OriginTracer(analyzer)
        origin = max(tracer.origin(b.culprit, b.env) for b in builds)
        slots = [slot_of(*analyzer.text_around(b)) for b in builds]
        if identifier_context:
            slots = [IDENTIFIER if slot in {UNKNOWN, STRUCTURE} else slot for slot in slots]
        confidence = CONFIDENCE_OF.get(origin, "MEDIUM" if origin > INTERNAL else "LOW")
        if parameters_passed and VALUE not in slots and origin <= COMPUTED:
            confidence = "LOW"  # the values are parameters; the holes hold structure the program assembled
        if all(slot == IDENTIFIER for slot in slots):
            advice = "identifier"
        elif parameters_passed and slots[0] == VALUE:
            advice = "also"
        else:
            advice = "value"
        return Judgement(self.capped(confidence, origin), advice)

    def capped(self, confidence: str, origin: int = REQUEST) -> str:
        """Tests and migrations run fixed SQL on data the team controls; so do maintenance scripts,
        unless what they join in was typed by whoever runs them (``input()``)."""
        kind = self.__dict__.get("_kind")
        if kind is None:
            kind = self._kind = "migration" if is_alembic_migration(self.context.module) else code_kind(
                self.context.options
            )
        if kind in {"test", "migration"} or (kind == "script" and origin < REQUEST):
            return "LOW"
        if origin < REQUEST and self._database_layer():
            return "LOW"
        return confidence

    def _database_layer(self) -> bool:
        """The code *is* the database layer: a SQLAlchemy dialect, a Django database backend
        (operations, schema editor, creation), a driver. Writing SQL text from identifiers,
        isolation levels and transaction ids is its job; the values come from its callers."""
        path = (self.context.options.get("relative_path", "") or "").replace("\\", "/")
        if any(part in f"/{path}" for part in DATABASE_LAYER_DIRECTORIES):
            return True
        klass = enclosing_class(self.context.stack)
        return klass is not None and any(
            DATABASE_LAYER_BASE.search(
                (self.context.imports.qualify(base.value) or dotted_name(base.value) or "").split(".")[-1]
            ) for base in klass.bases
        )
