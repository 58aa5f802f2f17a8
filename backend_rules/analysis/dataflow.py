"""Where a local name's value came from: the assignments a reviewer's eye would follow.

Not a full data-flow analysis: for one function (or a module, or a class body) it records, in
statement order, every binding of every name, the ``append``/``extend`` calls that grow a list, and
the allow-list checks that validate a name. Nested functions and classes are their own scopes.
Rules use it to look a few statements back from a sink.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import libcst as cst

from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.walk import Visitor

SCOPE_NODES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
BLOCK_NODES = (cst.IndentedBlock, cst.SimpleStatementSuite)


@dataclass(frozen=True)
class Binding:
    """One way ``name`` got a value: ``value`` is None when the source cannot be seen."""

    order: int
    # "=", "+=", "append", "extend", "param", "loop", "with", "unpack", "other". For "loop" the
    # value is the iterable; for "unpack" it is None and ``node`` is the Assign (its value is the
    # right-hand side). :func:`target_path` says where in a For's or Assign's target a name sits.
    kind: str
    value: cst.BaseExpression | None
    node: cst.CSTNode
    blocks: tuple[int, ...] = ()  # the blocks (indented suites) that hold the binding, outermost first


@dataclass
class ScopeFacts:
    """Bindings and allow-list checks of one scope, in statement order."""

    node: cst.CSTNode
    bindings: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))
    statement_order: dict[int, int] = field(default_factory=dict)
    validated: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    params: set[str] = field(default_factory=set)
    functions: dict[str, cst.FunctionDef] = field(default_factory=dict)
    classes: dict[str, cst.ClassDef] = field(default_factory=dict)
    # Keys added to a name after it was bound (``d[k] = v``: the key; ``d.update(x)``,
    # ``d.setdefault(k, v)``: the argument), so a dict literal's keys are only its own keys when
    # nothing was added.
    key_writes: dict[str, list[Binding]] = field(default_factory=lambda: defaultdict(list))

    def order_of(self, stack: list[cst.CSTNode]) -> int:
        """Statement order of the innermost statement of this scope on ``stack``."""
        for node in reversed(stack):
            order = self.statement_order.get(id(node))
            if order is not None:
                return order
        return 1 << 30

    def bindings_before(self, name: str, order: int, blocks: tuple[int, ...] | None = None) -> list[Binding]:
        """Bindings that can reach statement ``order``. With the blocks holding that statement,
        a plain assignment in the same or an enclosing block hides everything before it."""
        found = [b for b in self.bindings.get(name, ()) if b.order < order or b.kind == "param"]
        if blocks is None:
            return found
        for index in range(len(found) - 1, -1, -1):
            binding = found[index]
            if binding.kind == "=" and blocks[: len(binding.blocks)] == binding.blocks:
                return found[index:]
        return found

    def blocks_of(self, stack: list[cst.CSTNode]) -> tuple[int, ...]:
        return tuple(id(n) for n in stack if n is self.node or isinstance(n, BLOCK_NODES))

    def is_validated(self, name: str, order: int) -> bool:
        return any(o < order for o in self.validated.get(name, ()))


UNKNOWN = object()
_FOLD_OPS = {
    cst.Add: lambda a, b: a + b, cst.Subtract: lambda a, b: a - b, cst.Multiply: lambda a, b: a * b,
    cst.FloorDivide: lambda a, b: a // b, cst.Modulo: lambda a, b: a % b, cst.Divide: lambda a, b: a / b,
}
_COMPARE_OPS = {
    cst.GreaterThan: lambda a, b: a > b, cst.LessThan: lambda a, b: a < b,
    cst.GreaterThanEqual: lambda a, b: a >= b, cst.LessThanEqual: lambda a, b: a <= b,
    cst.Equal: lambda a, b: a == b, cst.NotEqual: lambda a, b: a != b,
}


def constant_value(node: cst.BaseExpression, facts: ScopeFacts | None = None, depth: int = 0) -> object:
    """The value of a constant expression (literals, arithmetic, comparisons, names bound once to
    a constant), or UNKNOWN. Lets ``x if 7 * 42 - num > 200 else y`` pick its branch."""
    if depth > 8:
        return UNKNOWN
    try:
        if isinstance(node, (cst.Integer, cst.Float, cst.SimpleString)):
            return node.evaluated_value
        if isinstance(node, cst.Name):
            if node.value in {"True", "False", "None"}:
                return {"True": True, "False": False, "None": None}[node.value]
            bindings = facts.bindings.get(node.value, []) if facts is not None else []
            if len(bindings) == 1 and bindings[0].kind == "=" and bindings[0].value is not None:
                return constant_value(bindings[0].value, facts, depth + 1)
            return UNKNOWN
        if isinstance(node, cst.BinaryOperation) and type(node.operator) in _FOLD_OPS:
            left, right = constant_value(node.left, facts, depth + 1), constant_value(node.right, facts, depth + 1)
            if left is UNKNOWN or right is UNKNOWN:
                return UNKNOWN
            return _FOLD_OPS[type(node.operator)](left, right)
        if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
            target = node.comparisons[0]
            if type(target.operator) in _COMPARE_OPS:
                left = constant_value(node.left, facts, depth + 1)
                right = constant_value(target.comparator, facts, depth + 1)
                if left is UNKNOWN or right is UNKNOWN:
                    return UNKNOWN
                return _COMPARE_OPS[type(target.operator)](left, right)
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
            value = constant_value(node.expression, facts, depth + 1)
            return UNKNOWN if value is UNKNOWN else not value
    except Exception:  # odd literals, TypeError between kinds, division by zero
        return UNKNOWN
    return UNKNOWN


def _target_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        names: list[str] = []
        for element in target.elements:
            names += _target_names(element.value)
        return names
    if isinstance(target, cst.StarredElement):
        return _target_names(target.value)
    return []


def target_path(name: str, target: cst.BaseExpression) -> tuple[int, ...] | None:
    """Where ``name`` sits in an assignment or loop target: ``()`` for the whole value, ``(1, 0)``
    for ``b`` in ``a, (b, c)``; None when it is not there or sits behind a star."""
    if isinstance(target, cst.Name):
        return () if target.value == name else None
    if isinstance(target, (cst.Tuple, cst.List)):
        for index, element in enumerate(target.elements):
            if isinstance(element, cst.StarredElement):
                if _target_names(element) and name in _target_names(element):
                    return None
                continue
            inner = target_path(name, element.value)
            if inner is not None:
                return (index, *inner)
    return None


def _exits(body: cst.BaseSuite) -> bool:
    """The block ends the function or request: raise, return, abort(...), continue."""
    statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
    if not statements:
        return False
    last = statements[-1]
    small = last.body if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)) else []
    for item in small:
        if isinstance(item, (cst.Raise, cst.Return, cst.Continue)):
            return True
        if isinstance(item, cst.Expr) and isinstance(item.value, cst.Call):
            name = dotted_name(item.value.func) or ""
            if name.split(".")[-1] in {"abort", "exit", "fail", "bad_request", "deny"}:
                return True
    return False


QUOTES = {"'", '"', "`"}
VALIDATING_CALLS = {"match", "fullmatch", "isidentifier", "isalnum", "isdigit", "isnumeric", "isdecimal", "isalpha"}


def validated_names(test: cst.BaseExpression, negated: bool) -> list[str]:
    """Names that ``test`` proves to be allowed values when it is ``not negated`` true.

    ``x in ALLOWED`` (true branch), ``x not in ALLOWED`` (false branch), ``re.fullmatch(p, x)``,
    ``x.isidentifier()``. ``negated`` flips which branch is being asked about. An attribute chain
    checked the same way (``f.key in COLUMNS``) is returned dotted.
    """
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return validated_names(test.expression, not negated)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And) and not negated:
        return validated_names(test.left, False) + validated_names(test.right, False)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.Or) and negated:
        return validated_names(test.left, True) + validated_names(test.right, True)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        operator = test.comparisons[0].operator
        comparator = test.comparisons[0].comparator
        if isinstance(comparator, cst.Name) and comparator.value == "None" and isinstance(test.left, cst.Call):
            # ``PATTERN.fullmatch(x) is None`` is ``not PATTERN.fullmatch(x)``
            if isinstance(operator, cst.Is):
                return validated_names(test.left, not negated)
            if isinstance(operator, cst.IsNot):
                return validated_names(test.left, negated)
        if isinstance(test.left, cst.SimpleString) and QUOTES.intersection(str(test.left.evaluated_value)):
            # ``"'" not in name``: the value cannot leave the quotes it is written between
            checked = dotted_name(test.comparisons[0].comparator)
            if checked is not None and isinstance(operator, cst.NotIn) != negated:
                return [checked]
            return []
        checked = dotted_name(test.left)  # a name, or an attribute chain (``f.key``)
        if checked is not None:
            if isinstance(operator, cst.In) and not negated:
                return [checked]
            if isinstance(operator, cst.NotIn) and negated:
                return [checked]
        return []
    if isinstance(test, cst.Call) and not negated:
        name = dotted_name(test.func) or ""
        method = name.split(".")[-1]
        if method in VALIDATING_CALLS:
            if isinstance(test.func, cst.Attribute) and isinstance(test.func.value, cst.Name) and method.startswith("is"):
                return [test.func.value.value]
            return [a.value.value for a in test.args if isinstance(a.value, cst.Name)]
    return []


class _Collector(Visitor):
    def __init__(self, facts: ScopeFacts) -> None:
        self.facts = facts
        self.counter = 0
        self.current = 0
        self.root = facts.node
        self.dead = 0  # depth of constant-false branches we are inside
        self.blocks: list[int] = [id(facts.node)]
        self.dead_blocks: set[int] = set()

    def _bind(self, name: str, kind: str, value: cst.BaseExpression | None, node: cst.CSTNode) -> None:
        if self.dead:
            return  # inside a branch a constant condition never takes
        self.facts.bindings[name].append(Binding(self.current, kind, value, node, tuple(self.blocks)))

    def _enter_if(self, node: cst.If) -> None:
        value = constant_value(node.test, self.facts)
        if value is not UNKNOWN:
            self.dead_blocks.add(id(node.orelse) if value else id(node.body))

    def on_leave(self, node: cst.CSTNode) -> None:
        if id(node) in self.dead_blocks and self.dead:
            self.dead -= 1
        if isinstance(node, BLOCK_NODES) and self.blocks and self.blocks[-1] == id(node):
            self.blocks.pop()
        super().on_leave(node)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if id(node) in self.dead_blocks:
            self.dead += 1
        if isinstance(node, BLOCK_NODES):
            self.blocks.append(id(node))
        if isinstance(node, cst.If):
            self._enter_if(node)
        if node is not self.root and isinstance(node, SCOPE_NODES):
            if isinstance(node, cst.FunctionDef):
                self.facts.functions.setdefault(node.name.value, node)
            elif isinstance(node, cst.ClassDef):
                self.facts.classes.setdefault(node.name.value, node)
            if not isinstance(node, cst.Lambda):
                self._bind(node.name.value, "other", None, node)
            return False
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            self.counter += 1
            self.current = self.counter
            self.facts.statement_order[id(node)] = self.counter
        return super().on_visit(node)

    def visit_Param(self, node: cst.Param) -> None:
        self.facts.params.add(node.name.value)
        self._bind(node.name.value, "param", None, node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if (
                isinstance(target.target, (cst.Tuple, cst.List)) and isinstance(node.value, (cst.Tuple, cst.List))
                and len(target.target.elements) == len(node.value.elements)
            ):  # a, b = [], {} binds element-wise
                for left, right in zip(target.target.elements, node.value.elements):
                    if isinstance(left.value, cst.Name) and not isinstance(left, cst.StarredElement):
                        self._bind(left.value.value, "=", right.value, node)
                continue
            if isinstance(target.target, cst.Subscript) and isinstance(target.target.value, cst.Name):
                index = target.target.slice[0].slice if len(target.target.slice) == 1 else None
                key = index.value if isinstance(index, cst.Index) else None
                self._write_key(target.target.value.value, "item", key, node)
            names = _target_names(target.target)
            single = isinstance(target.target, cst.Name)
            for name in names:
                self._bind(name, "=" if single else "unpack", node.value if single else None, node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._bind(node.target.value, "=", node.value, node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            kind = "+=" if isinstance(node.operator, cst.AddAssign) else "other"
            self._bind(node.target.value, kind, node.value, node)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if isinstance(node.target, cst.Name):
            self._bind(node.target.value, "=", node.value, node)

    def visit_For(self, node: cst.For) -> None:
        for name in _target_names(node.target):
            self._bind(name, "loop", node.iter, node)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            for name in _target_names(node.asname.name):  # type: ignore[arg-type]
                self._bind(name, "with", node.item, node)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, "other", None, node)

    def _write_key(self, name: str, kind: str, key: cst.BaseExpression | None, node: cst.CSTNode) -> None:
        """``kind``: "item" (``d[k] = v``, value: the key), "update" (value: the call),
        "setdefault" (value: the key)."""
        if not self.dead:
            self.facts.key_writes[name].append(Binding(self.current, kind, key, node, tuple(self.blocks)))

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and node.args:
            method = func.attr.value
            if method in {"append", "insert", "add", "appendleft"}:
                self._bind(func.value.value, "append", node.args[-1].value, node)
            elif method == "extend":
                self._bind(func.value.value, "extend", node.args[0].value, node)
            elif method == "update":
                self._write_key(func.value.value, "update", node, node)
            elif method == "setdefault":
                self._write_key(func.value.value, "setdefault", node.args[0].value, node)

    def visit_If(self, node: cst.If) -> None:
        if _exits(node.body):
            for name in validated_names(node.test, negated=True):
                self.facts.validated[name].append(self.current)
        # ``if x not in ALLOWED: x = DEFAULT`` also leaves x an allowed value.
        elif node.orelse is None:
            statements = node.body.body if isinstance(node.body, cst.IndentedBlock) else []
            for name in validated_names(node.test, negated=True):
                if any(
                    isinstance(s, cst.SimpleStatementLine)
                    and any(isinstance(i, cst.Assign) and name in sum((_target_names(t.target) for t in i.targets), []) for i in s.body)
                    for s in statements
                ):
                    self.facts.validated[name].append(self.current)

    def visit_Assert(self, node: cst.Assert) -> None:
        for name in validated_names(node.test, negated=False):
            self.facts.validated[name].append(self.current)


def collect_scope(node: cst.CSTNode) -> ScopeFacts:
    facts = ScopeFacts(node)
    _Collector(facts).walk(node)
    return facts


def enclosing_scope(stack: list[cst.CSTNode]) -> cst.CSTNode:
    """Innermost function (or lambda) on the stack, else the module (class bodies are skipped)."""
    for node in reversed(stack):
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return node
    return stack[0]


def enclosing_class(stack: list[cst.CSTNode]) -> cst.ClassDef | None:
    for node in reversed(stack):
        if isinstance(node, cst.ClassDef):
            return node
    return None


def guarding_tests(stack: list[cst.CSTNode]) -> list[str]:
    """Names validated by an enclosing ``if x in ALLOWED:`` whose body holds the current node."""
    names: list[str] = []
    for parent, child in zip(stack, stack[1:]):
        if isinstance(parent, cst.If) and child is parent.body:
            names += validated_names(parent.test, negated=False)
    return names
