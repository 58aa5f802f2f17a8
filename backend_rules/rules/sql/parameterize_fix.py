"""BR101's fix: SQL built from strings becomes a placeholder string plus its parameters.

``cursor.execute(f"SELECT * FROM users WHERE id = {user_id}")`` becomes
``cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))`` in the driver's paramstyle
(``%s`` for psycopg/psycopg2/pymysql/MySQLdb/Django, ``?`` for sqlite3, ``$1`` for asyncpg,
``:name`` with a dict for SQLAlchemy ``text()``). Literal ``%`` is doubled where the driver
formats with ``%``.

Safe only when every joined piece is a plain value outside quotes and the SQL is built in the
call itself. Unsafe when a value sat inside quotes (``'{x}'`` becomes ``%s``: the value keeps its
type instead of becoming text), when the SQL is built over several statements of the function,
and for asyncpg (which checks parameter types strictly). No fix when the driver's paramstyle is
unknown, a piece is an identifier or a clause, or the call already passes parameters.
"""

from __future__ import annotations

import ast
import re
import string
from dataclasses import dataclass

import libcst as cst

from backend_rules.analysis.dataflow import enclosing_scope
from backend_rules.analysis.source_edits import SourceText, common_holder, edited, source_of
from backend_rules.rule import Fix
from backend_rules.rules.sql.sql_slots import VALUE, slot_of

FORMAT, QMARK, NUMERIC, NAMED = "format", "qmark", "numeric", "named"
# The top-level module a driver is imported from -> its paramstyle (Django's cursors use %s).
PARAMSTYLES = {
    "psycopg2": FORMAT, "psycopg": FORMAT, "pymysql": FORMAT, "MySQLdb": FORMAT, "mysql": FORMAT,
    "aiomysql": FORMAT, "aiopg": FORMAT, "django": FORMAT,
    "sqlite3": QMARK, "aiosqlite": QMARK,
    "asyncpg": NUMERIC,
}
# Drivers with another paramstyle (or several): a module that imports one may run SQL through it.
OTHER_DRIVERS = {
    "cx_Oracle", "oracledb", "pyodbc", "pymssql", "ibm_db", "ibm_db_dbi", "snowflake", "clickhouse_driver",
    "redshift_connector", "trino", "prestodb", "pyhive", "impala", "teradatasql", "vertica_python", "pg8000",
    "databricks", "google", "cassandra", "duckdb", "jaydebeapi", "pydruid", "phoenixdb", "psqlpy",
}
# Libraries whose connections take SQL in their own style: a plain string sent through them is ambiguous.
OTHER_SQL_LAYERS = {"sqlalchemy", "flask_sqlalchemy", "sqlmodel", "databases", "peewee", "pony", "records", "dataset"}
METHODS = {NAMED: {"execute", "scalar", "scalars"}, FORMAT: {"execute"}, QMARK: {"execute", "execute_fetchall"}, NUMERIC: {"execute", "fetch", "fetchrow", "fetchval"}}
CURSOR_LIKE = re.compile(r"(?i)(^|_)cur(sor)?s?$")
IN_LIST = re.compile(r"(?is)\b(in|any)\s*\(([^()]*)$")
TYPED_LITERAL = re.compile(r"(?i)\b(interval|date|time|timestamp|timestamptz|uuid|json|jsonb|inet)\s*$")
# VALUES {rows} or VALUES ({row}): a hole that stands for whole rows or a whole row, joined by hand.
ROWS = re.compile(r"(?is)\bvalues\s*(\(\s*)?$")
EXISTING = {
    FORMAT: re.compile(r"%(\(\w+\))?s"), QMARK: re.compile(r"\?"), NUMERIC: re.compile(r"\$\d"),
    NAMED: re.compile(r"(?<![\w:\\]):[A-Za-z_]"),
}
TEXT_CALLS = {"sqlalchemy.text", "sqlalchemy.sql.text", "sqlalchemy.sql.expression.text"}


@dataclass
class Hole:
    """An interpolated value: whether it sat in quotes (and the text beside it there), and the
    parameter it becomes."""

    quoted: bool = False
    prefix: str = ""  # '%{term}%': the quoted text around the value stays in the parameter
    suffix: str = ""
    param: str = ""  # the parameter's expression
    name: str = ""  # for :name placeholders


@dataclass
class Piece:
    """One string-building expression (in the call, or one assignment) decoded into text and holes."""

    node: cst.BaseExpression
    parts: list  # str | Hole
    quote: str
    triple: bool


# ----------------------------------------------------------------------------- decoding strings
def _quote_of(node: cst.BaseExpression) -> tuple[str, bool]:
    if isinstance(node, cst.SimpleString):
        return node.quote[0], len(node.quote) == 3
    if isinstance(node, cst.FormattedString):
        return node.end[0], len(node.end) == 3
    if isinstance(node, cst.ConcatenatedString):
        return _quote_of(node.left)
    return '"', False


def _literal(node: cst.BaseExpression) -> list | None:
    """Text and holes of a string literal (f-strings included); None when not one we can rewrite."""
    if isinstance(node, cst.SimpleString):
        if "b" in node.prefix.lower():
            return None
        value = node.evaluated_value
        return [value] if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = _literal(node.left), _literal(node.right)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.FormattedString):
        if "b" in node.prefix.lower():
            return None
        expressions = [p for p in node.parts if isinstance(p, cst.FormattedStringExpression)]
        if any(p.conversion or p.format_spec or p.equal for p in expressions):
            return None  # {x!r}, {x:>10}, {x=} format the value: not a plain value
        try:
            parsed = ast.parse("(" + cst.Module([]).code_for_node(node) + ")", mode="eval").body
        except SyntaxError:
            return None
        if not isinstance(parsed, ast.JoinedStr):
            return None
        holes = iter(expressions)
        parts: list = []
        for value in parsed.values:
            if isinstance(value, ast.Constant):
                parts.append(value.value)
            else:
                parts.append(next(holes).expression)
        return parts
    return None


def _decode(node: cst.BaseExpression) -> list | None:
    """``node`` as text and hole expressions (libcst nodes); None when it is no supported build."""
    literal = _literal(node)
    if literal is not None:
        return literal
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        parts = []
        for side in (node.left, node.right):
            decoded = _decode(side)
            parts += decoded if decoded is not None else [side]
        return parts if any(isinstance(p, str) for p in parts) else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
        return _percent(node)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        return _format_call(node)
    return None


def _percent(node: cst.BinaryOperation) -> list | None:
    template = _literal(node.left)
    if template is None or any(not isinstance(p, str) for p in template):
        return None
    text = "".join(template)
    right = node.right
    directives = list(re.finditer(r"%(\((\w+)\))?([sdi%])|%", text))
    if any(m.group(0) == "%" for m in directives):
        return None  # a conversion we do not rewrite (%r, %05d, ...)
    holes = [m for m in directives if m.group(3) != "%"]
    named = [m for m in holes if m.group(2)]
    if named and len(named) != len(holes):
        return None
    if named:
        if not isinstance(right, cst.Dict):
            return None
        values = {}
        for element in right.elements:
            key = _literal(element.key) if isinstance(element, cst.DictElement) else None
            if key is None or len(key) != 1 or not isinstance(key[0], str):
                return None
            values[key[0]] = element.value
        if any(m.group(2) not in values for m in holes):
            return None
        args = [values[m.group(2)] for m in holes]
    elif isinstance(right, cst.Tuple):
        args = [e.value for e in right.elements]
        if any(isinstance(e, cst.StarredElement) for e in right.elements) or len(args) != len(holes):
            return None
    elif len(holes) == 1:
        args = [right]
    else:
        return None
    parts: list = []
    position, values = 0, iter(args)
    for match in directives:
        parts.append(text[position:match.start()])
        parts.append("%" if match.group(3) == "%" else next(values))
        position = match.end()
    parts.append(text[position:])
    return parts


def _format_call(node: cst.Call) -> list | None:
    template = _literal(node.func.value)  # type: ignore[attr-defined]
    if template is None or any(not isinstance(p, str) for p in template):
        return None
    if any(a.star for a in node.args):
        return None
    positional = [a.value for a in node.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
    parts: list = []
    automatic = 0
    try:
        fields = list(string.Formatter().parse("".join(template)))
    except ValueError:
        return None
    for text, field, spec, conversion in fields:
        parts.append(text)
        if field is None:
            continue
        if spec or conversion:
            return None
        if field == "":
            index: int | str = automatic
            automatic += 1
        elif field.isdigit():
            index = int(field)
        elif field.isidentifier():
            index = field
        else:
            return None  # {0.id}, {row[1]}
        if isinstance(index, int):
            if index >= len(positional):
                return None
            parts.append(positional[index])
        elif index in keywords:
            parts.append(keywords[index])
        else:
            return None
    return parts


# ----------------------------------------------------------------------------- rendering
def render_literal(text: str, quote: str = '"', triple: bool = False) -> str | None:
    """A Python string literal holding ``text``, in the original's quotes where possible."""
    if any(ord(c) < 32 and c not in "\n\t" for c in text):
        return None
    body = text.replace("\\", "\\\\")
    if triple and "\n" in text:
        if quote * 3 in body or body.endswith(quote):
            body = body.replace(quote, "\\" + quote)
        return quote * 3 + body + quote * 3
    other = "'" if quote == '"' else '"'
    if quote in body and other not in body:
        quote = other
    return quote + body.replace(quote, "\\" + quote).replace("\n", "\\n") + quote


def _fstring_param(prefix: str, code: str, suffix: str) -> str | None:
    """``f"%{term}%"``: a quoted value's surrounding text kept in the parameter."""
    if any(c in code for c in "\\\n#") or "'" in prefix + suffix:
        return None
    quote = '"' if '"' not in code else "'"
    if quote in code:
        return None
    def text(t: str) -> str:
        return t.replace("\\", "\\\\").replace("{", "{{").replace("}", "}}").replace(quote, "\\" + quote)
    return f"f{quote}{text(prefix)}{{{code}}}{text(suffix)}{quote}"


# ----------------------------------------------------------------------------- the rewrite
class _NoFix(Exception):
    pass


def _slots(pieces: list[Piece], style: str) -> tuple[list[Hole], bool]:
    """Mark each hole (a value outside or inside quotes) and take the quotes around quoted ones
    out of the text; raises _NoFix for identifiers, clauses, IN-lists, placeholders already there."""
    flat = [(i, j) for i, piece in enumerate(pieces) for j in range(len(piece.parts))]
    texts = [p if isinstance(p, str) else "{}" for piece in pieces for p in piece.parts]
    holes: list[Hole] = []
    for index, (i, j) in enumerate(flat):
        if isinstance(pieces[i].parts[j], str):
            continue
        before, after = "".join(texts[:index]), "".join(texts[index + 1:])
        if slot_of(before, after) != VALUE or IN_LIST.search(before):
            raise _NoFix
        rows = ROWS.search(before)
        if rows and (not rows.group(1) or after.lstrip().startswith(")")):
            raise _NoFix
        hole = Hole()
        holes.append(hole)
        opened = _open_quote(before)
        if opened is None:
            continue
        # Inside '...': the quote opens in the text right before the value and closes right after.
        if index == 0 or index + 1 == len(flat):
            raise _NoFix
        left, right = texts[index - 1], texts[index + 1]
        start, end = left.rfind("'"), right.find("'")
        if start < 0 or end < 0 or len(before) - len(left) + start != opened or "{}" in (left, right):
            raise _NoFix
        if TYPED_LITERAL.search(left[:start]):
            raise _NoFix  # INTERVAL '{n} days': a placeholder cannot stand for a typed literal
        hole.quoted, hole.prefix, hole.suffix = True, left[start + 1:], right[:end]
        texts[index - 1], texts[index + 1] = left[:start], right[end + 1:]
        for (k, m), text in ((flat[index - 1], texts[index - 1]), (flat[index + 1], texts[index + 1])):
            pieces[k].parts[m] = text
    if EXISTING[style].search(_outside_quotes("".join(texts).replace("{}", " "))):
        raise _NoFix
    return holes, any(hole.quoted for hole in holes)


def _open_quote(text: str) -> int | None:
    """Where the single quote that ``text`` leaves open starts (SQL's '' escapes included)."""
    opened = None
    for position, char in enumerate(text):
        if char == "'":
            opened = position if opened is None else None
    return opened


def _outside_quotes(text: str) -> str:
    return re.sub(r"'[^']*'", "''", text)


def _parameter_names(holes: list[Hole]) -> None:
    used: dict[str, str] = {}
    for number, hole in enumerate(holes, 1):
        if hole.param in used:
            hole.name = used[hole.param]
            continue
        base = re.sub(r"\W+", "_", hole.param.split(".")[-1].split("(")[0]).strip("_") or f"p{number}"
        if not base.isidentifier():
            base = f"p{number}"
        name, suffix = base, 2
        while name in used.values():
            name, suffix = f"{base}_{suffix}", suffix + 1
        hole.name = used[hole.param] = name


def _placeholder(style: str, hole: Hole, number: int) -> str:
    return {FORMAT: "%s", QMARK: "?", NUMERIC: f"${number}", NAMED: f":{hole.name}"}[style]


def _render_pieces(pieces: list[Piece], holes_by_part: dict[int, Hole], style: str) -> list[str] | None:
    """Each piece's new literal, placeholders numbered across pieces."""
    rendered, number = [], 0
    for piece in pieces:
        text = ""
        for part in piece.parts:
            if isinstance(part, str):
                text += part.replace("%", "%%") if style == FORMAT else part
            else:
                number += 1
                text += _placeholder(style, holes_by_part[id(part)], number)
        literal = render_literal(text, piece.quote, piece.triple)
        if literal is None:
            return None
        rendered.append(literal)
    return rendered


def _parameters(style: str, holes: list[Hole]) -> str:
    if style == NAMED:
        seen: dict[str, str] = {}
        for hole in holes:
            seen.setdefault(hole.name, hole.param)
        return "{" + ", ".join(f'"{name}": {param}' for name, param in seen.items()) + "}"
    params = [hole.param for hole in holes]
    if style == NUMERIC:
        return ", ".join(params)
    return "(" + ", ".join(params) + ("," if len(params) == 1 else "") + ")"


def _paramstyle(context, call: cst.Call, sql: cst.BaseExpression) -> str | None:
    """The paramstyle of the connection the call runs on: from what made the receiver in this
    function (``sqlite3.connect(...)``, ``conn.cursor()`` of such a connection), else from the one
    driver the module imports; None when neither tells."""
    if isinstance(sql, cst.Call) and (context.imports.qualify(sql.func) or "") in TEXT_CALLS:
        return NAMED
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None  # type: ignore[union-attr]
    made_by = _maker_module(context, receiver) if receiver is not None else None
    if made_by is not None:
        return PARAMSTYLES.get(made_by)
    imported = set(context.imports.names.values())
    modules = {full.split(".")[0] for full in imported}
    if "django" in modules and not any(full.startswith("django.db") for full in imported):
        modules.discard("django")  # Django's cursors come from django.db
    styles = {PARAMSTYLES[m] for m in modules if m in PARAMSTYLES}
    if len(styles) != 1 or modules & OTHER_DRIVERS:
        return None
    receiver_name = receiver.value if isinstance(receiver, cst.Name) else (
        receiver.attr.value if isinstance(receiver, cst.Attribute) else "")
    if modules & OTHER_SQL_LAYERS and not CURSOR_LIKE.search(receiver_name):
        return None
    return styles.pop()


def _maker_module(context, receiver: cst.BaseExpression, depth: int = 0) -> str | None:
    """The top-level module of the call that made ``receiver`` in this function: ``sqlite3`` for
    ``db = sqlite3.connect(path)`` and for ``cur = db.cursor()`` after it (a ``with ... as`` too)."""
    if depth > 3:
        return None
    if isinstance(receiver, cst.Call):
        func = receiver.func
        if isinstance(func, cst.Attribute) and func.attr.value == "cursor":
            return _maker_module(context, func.value, depth + 1)
        qualified = context.imports.qualify(func) or ""
        top = qualified.split(".")[0]
        known = top in PARAMSTYLES or top in OTHER_DRIVERS
        return top if known and top in _imported_tops(context) else None
    if not isinstance(receiver, cst.Name):
        return None
    if receiver.value in context.imports.names:  # from django.db import connection
        top = context.imports.names[receiver.value].split(".")[0]
        return top if top in PARAMSTYLES or top in OTHER_DRIVERS else None
    scope = enclosing_scope(context.stack)
    bindings = context.scope_facts(scope).bindings.get(receiver.value, [])
    if len(bindings) != 1 or bindings[0].kind not in {"=", "with"} or bindings[0].value is None:
        return None
    return _maker_module(context, bindings[0].value, depth + 1)


def _imported_tops(context) -> set[str]:
    return {full.split(".")[0] for full in context.imports.names.values()}


def parameterize_fix(context, call: cst.Call, sql: cst.BaseExpression | None) -> Fix | None:
    """The fix for ``call`` (a driver's execute) whose SQL argument ``sql`` is built from strings."""
    if sql is None or not isinstance(call.func, cst.Attribute):
        return None
    sql_arg = next((a for a in call.args if a.value is sql), None)
    if sql_arg is None or sql_arg.keyword is not None or sql_arg.star or call.args[0] is not sql_arg:
        return None
    if any(a.keyword is None or a.star or a.keyword.value in PARAMETER_WORDS for a in call.args[1:]):
        return None  # parameters passed already
    style = _paramstyle(context, call, sql)
    if style is None:
        return None
    if call.func.attr.value not in METHODS[style]:
        return None
    try:
        if style == NAMED:
            return _text_fix(context, call, sql)
        if isinstance(sql, cst.Name):
            return _built_earlier_fix(context, call, sql, style)
        return _inline_fix(context, sql, style)
    except _NoFix:
        return None


PARAMETER_WORDS = {"params", "parameters", "args", "vars", "values", "multiparams", "bind", "binds"}


def text_parameterize_fix(context, text_call: cst.Call) -> Fix | None:
    """BR102's fix for ``text(...)`` handed straight to ``session.execute()`` (``context.stack``
    holds the text() call's ancestors)."""
    stack = context.stack
    if len(stack) < 2 or not isinstance(stack[-1], cst.Arg) or not isinstance(stack[-2], cst.Call):
        return None
    return parameterize_fix(context, stack[-2], text_call)


def _pieces_of(node: cst.BaseExpression) -> Piece:
    parts = _decode(node)
    if parts is None:
        raise _NoFix
    merged: list = []
    for part in parts:  # adjacent literal text as one string
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif part != "":
            merged.append(part)
    quote, triple = _quote_of(_first_literal(node) or node)
    return Piece(node, merged, quote, triple)


def _first_literal(node: cst.BaseExpression) -> cst.BaseExpression | None:
    if isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return node
    if isinstance(node, cst.BinaryOperation):
        return _first_literal(node.left) or _first_literal(node.right)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return _first_literal(node.func.value)
    return None


def _rewrite(context, pieces: list[Piece], style: str) -> tuple[list[str], str, bool]:
    """New literals for ``pieces``, the parameters' text, and whether a value sat in quotes."""
    holes, quoted = _slots(pieces, style)
    expressions = [p for piece in pieces for p in piece.parts if not isinstance(p, str)]
    if not expressions or len(expressions) != len(holes):
        raise _NoFix
    by_part: dict[int, Hole] = {}
    for hole, expression in zip(holes, expressions):
        if _joined(context, expression):
            raise _NoFix  # a list joined into text is many values, not one parameter
        code = source_of(context, expression).strip()
        if hole.prefix or hole.suffix:
            param = _fstring_param(hole.prefix, code, hole.suffix)
            if param is None:
                raise _NoFix
            code = param
        elif "\n" in code and not code.startswith(("(", "[", "{")):
            code = f"({code})"
        hole.param = code
        by_part[id(expression)] = hole
    _parameter_names(holes)
    literals = _render_pieces(pieces, by_part, style)
    if literals is None:
        raise _NoFix
    return literals, _parameters(style, holes), quoted


def _joined(context, expression: cst.BaseExpression) -> bool:
    """``", ".join(values)``, directly or through the only assignment of a local name."""
    if isinstance(expression, cst.Name):
        bindings = context.scope_facts(enclosing_scope(context.stack)).bindings.get(expression.value, [])
        expression = bindings[0].value if len(bindings) == 1 and bindings[0].value is not None else expression
    return isinstance(expression, cst.Call) and isinstance(expression.func, cst.Attribute) and \
        expression.func.attr.value == "join"


def _describe(style: str, count: int) -> str:
    mark = {FORMAT: "%s", QMARK: "?", NUMERIC: "$n", NAMED: ":name"}[style]
    return f"pass the {count} value{'s' if count != 1 else ''} as query parameters ({mark} placeholders)"


def _inline_fix(context, sql: cst.BaseExpression, style: str) -> Fix:
    piece = _pieces_of(sql)
    literals, params, quoted = _rewrite(context, [piece], style)
    count = sum(1 for p in piece.parts if not isinstance(p, str))
    return Fix(sql, SourceText(f"{literals[0]}, {params}"), _describe(style, count),
               safe=not quoted and style != NUMERIC)


def _text_fix(context, call: cst.Call, text_call: cst.Call) -> Fix:
    """``session.execute(text(f"... {x}"))`` -> ``session.execute(text("... :x"), {"x": x})``."""
    if len(text_call.args) != 1 or text_call.args[0].keyword or text_call.args[0].star:
        raise _NoFix
    inner = text_call.args[0].value
    if isinstance(inner, cst.Name):
        raise _NoFix
    piece = _pieces_of(inner)
    literals, params, quoted = _rewrite(context, [piece], NAMED)
    func = source_of(context, text_call.func)
    count = sum(1 for p in piece.parts if not isinstance(p, str))
    return Fix(text_call, SourceText(f"{func}({literals[0]}), {params}"), _describe(NAMED, count), safe=not quoted)


def _built_earlier_fix(context, call: cst.Call, name: cst.Name, style: str) -> Fix:
    """``query = f"..."`` (then ``query += ...``) before ``execute(query)``: rewrite each build and
    pass the parameters in the call. Unsafe: the values are read at the call, not where built."""
    stack = context.stack
    scope = enclosing_scope(stack)
    if not isinstance(scope, cst.FunctionDef):
        raise _NoFix
    facts = context.scope_facts(scope)
    order = facts.order_of(stack)
    bindings = facts.bindings.get(name.value, [])
    reaching = facts.bindings_before(name.value, order, facts.blocks_of(stack))
    if not reaching or reaching != bindings or reaching[0].kind != "=":
        raise _NoFix  # bound elsewhere too (a parameter, another query reusing the name)
    if any(b.kind != "+=" for b in reaching[1:]) or any(b.blocks != reaching[0].blocks for b in reaching):
        raise _NoFix  # built conditionally or in a loop: the parameters would differ per path
    if _uses(scope, name.value) != len(reaching):
        raise _NoFix  # the statement is logged, returned or run elsewhere too
    holder = next((node for node in stack if id(node) == reaching[0].blocks[-1]), None)
    if holder is None:
        raise _NoFix
    pieces = [_pieces_of(b.value) for b in reaching if b.value is not None]
    if len(pieces) != len(reaching):
        raise _NoFix
    literals, params, _ = _rewrite(context, pieces, style)
    edits = [(piece.node, literal) for piece, literal in zip(pieces, literals)]
    edits.append((name, f"{name.value}, {params}"))
    replacement = edited(context, holder, edits)
    if replacement is None:
        raise _NoFix
    count = sum(1 for piece in pieces for p in piece.parts if not isinstance(p, str))
    return Fix(holder, replacement, _describe(style, count) + " (built over several statements)", safe=False)


def _uses(scope: cst.FunctionDef, name: str) -> int:
    """How often ``name`` is read in the function (targets of ``=`` not counted, ``+=`` counted)."""
    count = 0

    class Counter(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            nonlocal count
            if node.value == name:
                count += 1

        def visit_AssignTarget(self, node: cst.AssignTarget) -> bool:
            return False

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return node is scope

    scope.visit(Counter())
    return count
