"""Functions of the project that run their argument as SQL: ``def query_db(sql, args=()): ...``.

Apps wrap their database access in a helper (Flask's ``query_db``, a ``run_sql(sql, **params)``
around ``conn.execute(text(sql))``) and build the SQL where they call it, often in another
module. The collector records, per module, which parameter of which top-level function reaches
which sink unchanged; BR101/BR102 check the string built at every call of such a function.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from backend_rules.analysis.ast_nodes import nodes
from backend_rules.analysis.project_facts import fact_collector, module_name

DB_RECEIVER = re.compile(
    r"^_*(cur|curs|cursor|c|conn|con|cnx|connection|db|database|session|sess|engine|tx|txn|"
    r"transaction|pool|sqlite|pg|mysql|psql|postgres|dbapi|sql)$"
    r"|cursor|conn(ection)?s?$|(^|_)db($|_)|database|session$|engine$|pool$|_pg$|^pg_"
)
CURSOR_SINKS = {"execute", "executemany", "executescript", "execute_fetchall", "fetch", "fetchrow", "fetchval",
                "fetch_all", "fetch_one", "fetch_val", "copy_expert"}
TRIGGER = r"\.(execute|executemany|executescript|fetch\w*|copy_expert|exec_driver_sql)\s*\(|\btext\s*\("
# A caller of such a function holds SQL text (how BR101/BR102 triggers find it).
SQL_TEXT_TRIGGER = (
    r"(?i:\b(select\b[^;]{0,300}?\bfrom|insert\b[^;]{0,80}?\binto|update\b[^;]{0,100}?\bset|delete\s+from|"
    r"(create|drop|alter|truncate)\s+(table|index|view|schema))\b)"
)


def _receiver_name(node: ast.expr) -> str:
    """``cursor``, ``get_db()``, ``self.conn`` -> its last name (with ``()`` for a call)."""
    call = isinstance(node, ast.Call)
    if call:
        node = node.func
    name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else ""
    return f"{name}()" if call and name else name


def _sink(call: ast.Call, text_names: set[str]) -> tuple[str, str] | None:
    """(rule code, sink text) when ``call`` runs its first argument as SQL."""
    func = call.func
    if isinstance(func, ast.Attribute):
        if func.attr in CURSOR_SINKS and DB_RECEIVER.search(_receiver_name(func.value).rstrip("()").lower()):
            return "BR101", f"{_receiver_name(func.value)}.{func.attr}()"
        if func.attr == "exec_driver_sql":
            return "BR102", "exec_driver_sql()"
        if func.attr == "text" and isinstance(func.value, ast.Name) and func.value.id in text_names:
            return "BR102", "text()"
    if isinstance(func, ast.Name) and func.id in text_names:
        return "BR102", "text()"
    return None


@fact_collector("sql_forwarders", trigger=TRIGGER)
def collect_sql_forwarders(tree: ast.Module, module: str) -> dict[str, list[list[Any]]]:
    """{function: [[parameter, position or None, rule code, sink text], ...]} for this module."""
    text_names = {"sa", "sqlalchemy", "sqlmodel"}
    for node in nodes(tree, ast.ImportFrom):
        if (node.module or "").split(".")[0] in {"sqlalchemy", "sqlmodel"}:
            text_names.update(a.asname or a.name for a in node.names if a.name == "text")
    for node in nodes(tree, ast.Import):
        text_names.update(a.asname or a.name for a in node.names if a.name.split(".")[0] == "sqlalchemy")
    found: dict[str, list[list[Any]]] = {}
    for function in tree.body:
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
        names = set(positional) | {a.arg for a in function.args.kwonlyargs}
        for call in ast.walk(function):  # (nodes() caches one tree: the module's)
            if not isinstance(call, ast.Call) or not call.args:
                continue
            if not isinstance(call.args[0], ast.Name) or call.args[0].id not in names:
                continue
            sink = _sink(call, text_names)
            if sink is not None:
                parameter = call.args[0].id
                position = positional.index(parameter) if parameter in positional else None
                entry = [parameter, position, *sink]
                if entry not in found.setdefault(function.name, []):
                    found[function.name].append(entry)
    return found


def forwarder_names(project: Any) -> set[str]:
    """Names of every forwarding function of the project (for a cheap gate)."""
    if project is None:
        return set()
    return {name for facts in project.facts("sql_forwarders").values() for name in facts}


def project_forwarder(context: Any, qualified: str, code: str) -> list[tuple[str, int | None, str]]:
    """(parameter, position, sink text) of the project function ``qualified`` names, for ``code``."""
    project = context.project
    if project is None or "." not in qualified:
        return []
    facts = project.facts("sql_forwarders")
    if not facts:
        return []
    module, _, function = qualified.rpartition(".")
    for candidate in _absolute(module, context):
        entries = facts.get(candidate, {}).get(function)
        if entries:
            return [(parameter, position, text) for parameter, position, rule, text in entries if rule == code]
    return []


def _absolute(module: str, context: Any) -> list[str]:
    """``.db`` / ``..db`` seen from this file: the absolute module names it can mean (the import
    table writes ``from . import db`` as ``..db``, so one level less is tried too)."""
    if not module.startswith("."):
        return [module]
    try:
        here = module_name(context.project.root, context.path).split(".")
    except ValueError:
        return []
    level = len(module) - len(module.lstrip("."))
    rest = module.lstrip(".")
    found = []
    for drop in (level, level - 1):
        if 0 <= drop <= len(here):
            base = here[: len(here) - drop]
            found.append(".".join([*base, rest] if rest else base))
    return [m for m in found if m]
