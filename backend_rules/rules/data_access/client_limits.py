"""Page sizes the client chooses: a limit read from the request (or a route's query parameter)
that reaches ``.limit()``, a slice, a paginator or a ``limit=`` argument with no upper bound.

``?limit=100000000`` then reads a whole table in one request. A ``min(limit, MAX)``, any
ordering comparison of the value (``if limit > 100: abort(400)``), FastAPI's ``Query(le=...)``,
pydantic's ``conint(le=...)`` or Flask-SQLAlchemy's ``max_per_page=`` count as a bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import walk

SIZE_NAME = re.compile(
    r"^_*(limit|page_?size|per_?page|pagesize|perpage|size|count|n|num|top|take|first|max_?results|rows|length|"
    r"page_?length|results_per_page|items_per_page|max_items|max_rows|k|amount|page_limit|batch_size)$",
    re.IGNORECASE)
SIZE_KEYWORDS = {"limit", "page_size", "per_page", "max_results", "first", "top", "take", "page_limit",
                 "pagesize", "perpage", "items_per_page", "results_per_page"}
LIMIT_METHODS = {"limit", "fetchmany", "take", "top"}
REQUEST_DATA = re.compile(
    r"^(self\.)?(request|req)\.(args|GET|query_params|query|values|params|rel_url\.query|query_string|json|form|POST)$"
    r"|^(self\.)?(request|req)\.(get_json|json)\(\)$")
BOUNDING_FUNCS = re.compile(r"^(min|clamp|bound|bounded|limit_to|cap|constrain)\w*$|clamp|_bounded$", re.IGNORECASE)
INT_TYPES = {"int", "Optional", "Union", "Annotated", "PositiveInt", "NonNegativeInt", "conint", "Query"}


@dataclass(frozen=True)
class ClientLimit:
    source: cst.CSTNode  # the request read or the route parameter
    name: str
    sink: str
    from_param: bool


def _names(node: cst.CSTNode) -> list[str]:
    found: list[str] = []

    def enter(current: cst.CSTNode) -> bool:
        if isinstance(current, cst.Attribute):
            found.extend(_names(current.value))
            return False
        if isinstance(current, cst.Name):
            found.append(current.value)
        return True

    walk(node, enter)
    return found


def _receiver_of_read(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """``request.args`` of ``request.args.get("limit")`` / ``request.args["limit"]``."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in {"get", "getlist", "getone"}:
        return node.func.value
    if isinstance(node, cst.Subscript):
        return node.value
    return None


def _is_request_read(node: cst.CSTNode) -> bool:
    if not isinstance(node, (cst.Call, cst.Subscript)):
        return False
    receiver = _receiver_of_read(node)  # type: ignore[arg-type]
    if receiver is None:
        return False
    if isinstance(receiver, cst.Call):
        text = (dotted_name(receiver.func) or "") + "()"
    else:
        text = dotted_name(receiver) or ""
    return bool(REQUEST_DATA.search(text))


def _has_min(node: cst.CSTNode) -> bool:
    found = False

    def enter(current: cst.CSTNode) -> bool:
        nonlocal found
        if isinstance(current, cst.Call):
            name = (dotted_name(current.func) or "").split(".")[-1]
            if BOUNDING_FUNCS.search(name):
                found = True
        return not found

    walk(node, enter)
    return found


class LimitFinder:
    """Client-chosen sizes of one function that reach a size sink unbounded."""

    def __init__(self, function: cst.FunctionDef, context: Any, route_params: list[cst.Param]) -> None:
        self.function = function
        self.context = context
        self.facts = context.scope_facts(function)
        self.route_params = {p.name.value: p for p in route_params if self._unbounded_param(p)}
        self.compared = self._compared_names()

    def findings(self) -> Iterator[ClientLimit]:
        seen: set[int] = set()
        for sink_text, expression, order in self._sinks():
            for source, name in self._sources(expression, order, 0):
                if id(source) in seen:
                    continue
                seen.add(id(source))
                yield ClientLimit(source, name, sink_text, isinstance(source, cst.Param))

    # --- sinks ---------------------------------------------------------------------------------

    def _sinks(self) -> Iterator[tuple[str, cst.BaseExpression, int]]:
        found: list[tuple[str, cst.BaseExpression, int]] = []
        orders: list[int] = [1 << 30]  # statement order of the innermost statement entered (linear, not per node)

        def enter(node: cst.CSTNode) -> bool:
            if node is not self.function and isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            orders.append(self.facts.statement_order.get(id(node), orders[-1]))
            order = orders[-1]
            if isinstance(node, cst.Call):
                found.extend((text, expr, order) for text, expr in self._call_sinks(node))
            elif isinstance(node, cst.Subscript):
                for element in node.slice:
                    if isinstance(element.slice, cst.Slice) and element.slice.upper is not None:
                        found.append(("a slice", self._size_part(element.slice), order))
            return True

        def leave(node: cst.CSTNode) -> None:
            orders.pop()

        walk(self.function, enter, leave)
        return iter(found)

    def _size_part(self, piece: cst.Slice) -> cst.BaseExpression:
        """The size in ``[offset:offset + limit]`` / ``[(page - 1) * n:page * n]``: ``limit`` / ``n``."""
        upper = piece.upper
        assert upper is not None
        if piece.lower is None or not isinstance(upper, cst.BinaryOperation):
            return upper
        lower_names = set(_names(piece.lower))
        sized = [n for n in _names(upper) if SIZE_NAME.search(n)]
        rest = [n for n in _names(upper) if n not in lower_names]
        keep = sized or rest
        return cst.Tuple([cst.Element(cst.Name(n)) for n in keep]) if keep else cst.Tuple([])

    def _call_sinks(self, node: cst.Call) -> Iterator[tuple[str, cst.BaseExpression]]:
        name = dotted_name(node.func) or ""
        last = name.split(".")[-1] if name else (node.func.attr.value if isinstance(node.func, cst.Attribute) else "")
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        positional = [a.value for a in node.args if a.keyword is None and not a.star]
        if isinstance(node.func, cst.Attribute) and last in LIMIT_METHODS and positional:
            yield f".{last}()", positional[0]
        elif last == "paginate" or last.endswith("Paginator"):
            if "max_per_page" in keywords:
                return
            # query.paginate(page, per_page) / Paginator(items, per_page); a project's own
            # paginate(request, items, ...) takes other things positionally
            by_position = last.endswith("Paginator") or isinstance(node.func, cst.Attribute)
            size = keywords.get("per_page") or (positional[1] if by_position and len(positional) > 1 else None)
            if size is not None:
                yield f"{last}()", size
        else:
            for key, value in keywords.items():
                if key in SIZE_KEYWORDS:
                    yield f"{last or 'a call'}({key}=...)", value
            for value in positional:
                if isinstance(value, cst.Name) and value.value in self.route_params and SIZE_NAME.search(value.value):
                    yield f"{last or 'a call'}()", value

    # --- sources -------------------------------------------------------------------------------

    def _sources(self, expression: cst.BaseExpression, order: int, depth: int) -> Iterator[tuple[cst.CSTNode, str]]:
        if depth > 4 or _has_min(expression):
            return
        reads: list[cst.CSTNode] = []

        def enter(node: cst.CSTNode) -> bool:
            if _is_request_read(node):
                reads.append(node)
                return False
            return True

        walk(expression, enter)
        for read in reads:
            yield read, self._key_of(read)
        for name in set(_names(expression)):
            if name in self.compared:
                continue
            bindings = [b for b in self.facts.bindings_before(name, order) if b.kind in {"=", "param"}]
            if not bindings:
                continue
            last = bindings[-1]
            if last.kind == "param":
                param = self.route_params.get(name)
                if param is not None:
                    yield param, name
                continue
            if last.value is not None:
                for source, _ in self._sources(last.value, last.order, depth + 1):
                    yield source, name

    @staticmethod
    def _key_of(read: cst.CSTNode) -> str:
        if isinstance(read, cst.Call) and read.args:
            first = read.args[0].value
            if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
                return first.evaluated_value
        if isinstance(read, cst.Subscript) and read.slice and isinstance(read.slice[0].slice, cst.Index):
            value = read.slice[0].slice.value
            if isinstance(value, cst.SimpleString) and isinstance(value.evaluated_value, str):
                return value.evaluated_value
        return "limit"

    def _compared_names(self) -> set[str]:
        """Names compared with an ordering operator anywhere in the function: validated sizes."""
        names: set[str] = set()

        def enter(node: cst.CSTNode) -> bool:
            if isinstance(node, cst.Comparison) and any(
                isinstance(c.operator, (cst.LessThan, cst.LessThanEqual, cst.GreaterThan, cst.GreaterThanEqual))
                for c in node.comparisons
            ):
                names.update(_names(node))
            if isinstance(node, cst.Call) and BOUNDING_FUNCS.search((dotted_name(node.func) or "").split(".")[-1]):
                names.update(n for a in node.args for n in _names(a.value))
            return True

        walk(self.function, enter)
        return names

    def _unbounded_param(self, param: cst.Param) -> bool:
        """A query parameter of integer type without ``le``/``lt``: ``limit: int = 100``."""
        if not SIZE_NAME.search(param.name.value):
            return False
        annotation = param.annotation.annotation if param.annotation is not None else None
        default = param.default
        pieces = [p for p in (annotation, default) if p is not None]
        text_names: list[str] = []
        for piece in pieces:
            walk(piece, lambda n: text_names.append(n.value) if isinstance(n, cst.Name) else None)
            if _bounded_by_keyword(piece):
                return False
        if "Depends" in text_names or "Body" in text_names or "Path" in text_names:
            return False
        is_int = "int" in text_names or any(n in {"PositiveInt", "NonNegativeInt", "conint"} for n in text_names)
        is_int = is_int or isinstance(default, cst.Integer)
        return is_int


def _bounded_by_keyword(node: cst.CSTNode) -> bool:
    """``Query(50, le=100)`` / ``conint(lt=1000)`` / ``Field(le=...)`` somewhere in ``node``."""
    found = False

    def enter(current: cst.CSTNode) -> bool:
        nonlocal found
        if isinstance(current, cst.Arg) and current.keyword is not None and current.keyword.value in {"le", "lt", "max_value"}:
            found = True
        return not found

    walk(node, enter)
    return found
