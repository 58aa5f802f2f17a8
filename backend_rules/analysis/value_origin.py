"""Where a value comes from: the request, the caller, the program's own data or configuration.

A finding about a value joined into SQL is as sure as the value's origin is outside the program:
request data (Flask/Quart ``request.args``, Django/DRF ``request.GET``/``.data``, FastAPI route
parameters, aiohttp ``match_info``, a view's URL parameters, ``input()``) is certainly
attacker-controlled; a plain function parameter may or may not be; settings, configuration,
model metadata (``_meta``, ``__tablename__``), class attributes and allow-listed names are the
program's own. Origins are ordered, and a value built from several takes the strongest.
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.code_kinds import code_kind
from backend_rules.analysis.dataflow import Binding, target_path
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.string_building import StringAnalyzer
from backend_rules.analysis.string_values import (
    CONSTANT_NAME, MAX_DEPTH, Env, call_name, iter_parts, orm_compiled, returned_values,
)

CONSTANT, INTERNAL, COMPUTED, PARAMETER, REQUEST = range(5)
NAMES = {CONSTANT: "constant", INTERNAL: "internal", COMPUTED: "computed", PARAMETER: "parameter", REQUEST: "request"}

REQUEST_ROOTS = {"request", "req", "self.request", "self.req", "self.kwargs", "self.args", "info.context"}
# Attributes that are request data whatever object holds them.
REQUEST_ATTRIBUTES = {
    "cleaned_data", "validated_data", "query_params", "GET", "POST", "COOKIES", "META", "FILES",
    "match_info", "path_params", "query_string",
}
OUTSIDE_CALLS = {"input", "raw_input", "sys.stdin.read", "sys.stdin.readline", "click.prompt"}
TEXT_PASSING_METHODS = {"get", "getlist", "getone", "get_json", "json", "text", "strip", "lower", "upper", "decode",
                        "read", "pop", "getvalue", "get_data", "get_all"}
# Methods whose result is (part of) the object they are called on: a string method, a lookup.
PASSING_METHODS = TEXT_PASSING_METHODS | {
    "format", "join", "split", "rsplit", "replace", "items", "values", "keys", "copy", "capitalize", "title",
    "casefold", "lstrip", "rstrip", "post", "form", "to_dict", "dict", "getall", "removeprefix",
    "removesuffix", "zfill", "ljust", "rjust", "center", "encode", "partition", "rpartition", "splitlines",
}
MODEL_PARAMETER = re.compile(r"^(model|model_class|model_cls|klass|(\w+_)?model)$")
# Functions whose result is made of their arguments.
PASSING_FUNCTIONS = {"str", "repr", "format", "getattr", "json.dumps", "dumps", "list", "tuple", "sorted", "reversed",
                     "min", "max", "dict", "set", "frozenset", "textwrap.dedent", "dedent"}
CONFIG_PARAMETER = re.compile(r"^(?:\w+_)?(?:config|configuration|settings|conf)$")
CONFIG_WORDS = {"settings", "config", "configuration", "conf", "environ", "options", "opts"}
CONFIG_CALLS = {"os.getenv", "getenv", "os.environ.get", "get_setting", "get_config"}
METADATA_WORDS = {"_meta", "__table__", "__tablename__", "db_table", "table_name", "tablename", "model_name", "model",
                  "__name__", "app_label", "object_name", "verbose_name"}
# Decorators that make a function a request handler: its parameters come from the URL or query.
ROUTE_DECORATORS = {
    "route", "get", "post", "put", "patch", "delete", "head", "options", "api_route", "websocket",
    "api_view", "action", "view_config", "endpoint", "view",
}
# Parameters of a handler that the framework injects rather than the client sends.
INJECTED_DEFAULTS = {"Depends", "Security", "inject", "Provide"}
INJECTED_ANNOTATIONS = {"Session", "AsyncSession", "Connection", "AsyncConnection", "Engine", "Cursor", "Request",
                        "BackgroundTasks", "Response", "WebSocket", "HttpRequest"}


TEXT_TYPES = {"str", "Optional", "Union", "Annotated", "Any", "List", "list", "Sequence", "dict", "Dict"}


def is_request_handler(function: cst.FunctionDef, in_request_code: bool = True) -> bool:
    """A route/view/resolver: decorated as a route, or (in request-serving modules: views,
    handlers...) taking the request or GraphQL's ``info`` first, as Django views do."""
    for decorator in function.decorators:
        expression = decorator.decorator
        target = expression.func if isinstance(expression, cst.Call) else expression
        name = dotted_name(target) or ""
        if "." in name and name.split(".")[-1] in ROUTE_DECORATORS or name in {"api_view", "view_config"}:
            return True
    if not in_request_code:
        return False
    params = [p.name.value for p in function.params.params]
    if params and params[0] in {"self", "cls"}:
        params = params[1:]
    if params and params[0] in {"request", "req"}:
        return True
    name = function.name.value
    return (name.startswith("resolve_") or name == "mutate") and "info" in params[:2]


class OriginTracer:
    """Follows a value back, like :class:`StringAnalyzer`, to say where it comes from."""

    def __init__(self, analyzer: StringAnalyzer) -> None:
        self.analyzer = analyzer
        self.context = analyzer.context
        self._memo: dict[tuple, int] = {}

    def origin(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> int:
        env = env or self.analyzer.env
        if depth > MAX_DEPTH:
            return COMPUTED
        if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
            return CONSTANT
        if isinstance(node, cst.Name):
            return self._name_origin(node.value, env, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute_origin(node, env, depth)
        if isinstance(node, cst.Subscript):
            return self.origin(node.value, env, depth)
        if isinstance(node, cst.Call):
            return self._call_origin(node, env, depth)
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
            return self._comprehension_origin(node, env, depth)
        parts = list(iter_parts(node))
        if parts:
            return max(self.origin(p, env, depth) for p in parts)
        if isinstance(node, (cst.Comparison, cst.Lambda)):
            return CONSTANT
        return COMPUTED

    def text_origin(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> int:
        """Like :meth:`origin`, for a value that is the SQL text itself: only what passes the
        text on as it is counts (names, ``request.args.get(...)``, ``str(...)``, ``await``); a
        call that merely takes request data (``select(...).where(X == request.args["x"])``)
        makes something else."""
        env = env or self.analyzer.env
        if depth > MAX_DEPTH:
            return CONSTANT
        if isinstance(node, cst.Await):
            return self.text_origin(node.expression, env, depth)
        if isinstance(node, cst.Subscript):
            return self.text_origin(node.value, env, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute_origin(node, env, depth)
        if isinstance(node, cst.Call):
            name, last = call_name(node)
            if (self.context.imports.qualify(node.func) or name) in OUTSIDE_CALLS:
                return REQUEST
            if isinstance(node.func, cst.Attribute) and last in TEXT_PASSING_METHODS:
                return self.text_origin(node.func.value, env, depth)
            if name in {"str", "dedent", "textwrap.dedent"} and node.args:
                return self.text_origin(node.args[0].value, env, depth)
            return CONSTANT
        if isinstance(node, cst.Name):
            found = self.analyzer.bindings(node.value, env)
            if not found:
                return self._free_name_origin(node.value) if node.value in {"request", "req"} else CONSTANT
            results = []
            for binding, where in found:
                if binding.kind == "param":
                    results.append(self._param_origin(binding.node, where))
                elif binding.kind in {"=", "loop"} and binding.value is not None:
                    results.append(self.text_origin(binding.value, where, depth + 1))
            return max(results, default=CONSTANT)
        return CONSTANT

    def _name_origin(self, name: str, env: Env, depth: int) -> int:
        if name in {"True", "False", "None"} or CONSTANT_NAME.match(name):
            return CONSTANT
        if name in env.guarded or env.facts.is_validated(name, env.order):
            return INTERNAL  # allow-listed
        key = (name, env.key)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = COMPUTED
        found = self.analyzer.bindings(name, env)
        if not found:
            result = self._free_name_origin(name)
        else:
            result = max(self._binding_origin(name, b, where, depth + 1) for b, where in found)
        self._memo[key] = result
        return result

    def _free_name_origin(self, name: str) -> int:
        """A name bound nowhere in the file's scopes: an import, a builtin or a global."""
        if name in {"request", "req"}:
            return REQUEST
        if self.analyzer.is_imported(name):
            return INTERNAL
        return COMPUTED

    def _binding_origin(self, name: str, binding: Binding, env: Env, depth: int) -> int:
        kind = binding.kind
        if kind == "param":
            return self._param_origin(binding.node, env, depth)
        if kind == "loop" and _enumerate_index(name, binding):
            return CONSTANT
        if kind in {"=", "+=", "append", "extend", "loop", "with"} and binding.value is not None:
            return self.origin(binding.value, env, depth)
        if kind == "unpack" and isinstance(binding.node, cst.Assign):
            value = binding.node.value
            if isinstance(value, cst.Call) and orm_compiled(value):
                return INTERNAL
            return self.origin(value, env, depth)
        if kind == "other" and isinstance(binding.node, (cst.ClassDef, cst.FunctionDef)):
            return CONSTANT
        return COMPUTED

    def _param_origin(self, param: cst.CSTNode, env: Env, depth: int = 0) -> int:
        if not isinstance(param, cst.Param):
            return PARAMETER
        name = param.name.value
        if name in {"self", "cls"} or MODEL_PARAMETER.search(name):
            return INTERNAL  # the program's own objects and model classes
        if name in {"request", "req"}:
            return REQUEST
        function = env.facts.node
        if (
            isinstance(function, cst.FunctionDef) and is_request_handler(function, self._in_request_code())
            and not _injected(param) and _may_be_text(param)
        ):
            return REQUEST
        if CONFIG_PARAMETER.search(name):
            return INTERNAL  # ``target_config["DB_NAME"]``: the deployment's configuration
        return self._callers_origin(param, env, depth)

    def _callers_origin(self, param: cst.Param, env: Env, depth: int) -> int:
        """A private function of this module (``_stamp(plugin)``) gets what its callers here pass:
        the strongest of their arguments (constants from every call: the program's own data)."""
        function = env.facts.node
        name = function.name.value if isinstance(function, cst.FunctionDef) else ""
        if not name.startswith("_") or name.startswith("__") or depth >= MAX_DEPTH:
            return PARAMETER
        if self.analyzer.module_facts.functions.get(name) is not function:
            return PARAMETER
        found = []
        for call, stack in self.analyzer._private_callers(name):
            called = Env(env.facts, env.order, call=(call, self.analyzer._env_at(stack)))
            argument = self.analyzer._argument(param, called)
            if argument is None:
                return PARAMETER
            found.append(self._binding_origin(param.name.value, argument[0], argument[1], depth + 1))
        return max(found) if found else PARAMETER

    def _in_request_code(self) -> bool:
        cached = self.__dict__.get("_request_code")
        if cached is None:
            cached = self._request_code = code_kind(self.context.options) == "request"
        return cached

    def _attribute_origin(self, node: cst.Attribute, env: Env, depth: int) -> int:
        chain = dotted_name(node)
        if chain is None:
            return self.origin(node.value, env, depth)
        parts = chain.split(".")
        if any(chain == root or chain.startswith(root + ".") for root in REQUEST_ROOTS):
            return REQUEST
        if REQUEST_ATTRIBUTES.intersection(parts[1:]) or chain.startswith(("sys.argv", "sys.stdin")):
            return REQUEST
        if CONFIG_WORDS.intersection(p.lower() for p in parts) or METADATA_WORDS.intersection(parts):
            return INTERNAL
        if parts[-1] in {"name", "key", "column", "attname"} and any(
            word in parts[-2].lower() for word in ("table", "column", "field", "model")
        ):
            return INTERNAL  # table.name, column.key, field.column: schema objects
        if parts[0] in {"self", "cls"}:
            return INTERNAL
        found = self.analyzer.bindings(parts[0], env)
        if found and all(b.kind == "other" and isinstance(b.node, cst.ClassDef) for b, _ in found):
            return CONSTANT
        return self._name_origin(parts[0], env, depth)

    def _call_origin(self, node: cst.Call, env: Env, depth: int) -> int:
        name, last = call_name(node)
        qualified = self.context.imports.qualify(node.func) or name
        if qualified in OUTSIDE_CALLS or name in OUTSIDE_CALLS:
            return REQUEST
        if qualified in CONFIG_CALLS or name in CONFIG_CALLS:
            return INTERNAL
        if orm_compiled(node):
            return INTERNAL
        arguments = [a.value for a in node.args]
        from_arguments = max((self.origin(a, env, depth) for a in arguments), default=CONSTANT)
        if isinstance(node.func, cst.Attribute):
            receiver = node.func.value
            from_receiver = self.origin(receiver, env, depth)
            library = isinstance(receiver, cst.Name) and self.analyzer.is_imported(receiver.value)
            if last in PASSING_METHODS and not library:
                return max(from_arguments, from_receiver)
            return max(from_arguments, from_receiver, COMPUTED)  # a method's result: data from somewhere
        helper = self.analyzer._helper(node, env)
        if helper is not None and depth < MAX_DEPTH:
            function, helper_env = helper  # its parameters read as this call's arguments
            return max((self.origin(r, helper_env, depth + 1) for r in returned_values(function)), default=CONSTANT)
        if name in PASSING_FUNCTIONS or from_arguments == INTERNAL:
            return from_arguments  # (a function of the program's own objects: get_typename(model))
        return max(from_arguments, COMPUTED)  # an unknown function's result: data from somewhere

    def _comprehension_origin(self, node: cst.BaseExpression, env: Env, depth: int) -> int:
        iterables: list[cst.BaseExpression] = []
        targets: set[str] = set()
        for_in = getattr(node, "for_in", None)
        while for_in is not None:
            iterables.append(for_in.iter)
            targets.update(_names(for_in.target))
            for_in = for_in.inner_for_in
        inner = Env(env.facts, env.order, env.guarded | frozenset(targets), env.blocks, env.parent)
        elements = [node.key, node.value] if isinstance(node, cst.DictComp) else [node.elt]
        found = [self.origin(i, env, depth) for i in iterables] + [self.origin(e, inner, depth) for e in elements]
        return max(found, default=COMPUTED)


def _enumerate_index(name: str, binding: Binding) -> bool:
    """``i`` in ``for i, x in enumerate(xs)``: a counter."""
    target, iterable = getattr(binding.node, "target", None), binding.value
    return (
        target is not None and isinstance(iterable, cst.Call) and call_name(iterable)[0] == "enumerate"
        and target_path(name, target) == (0,)
    )


def _may_be_text(param: cst.Param) -> bool:
    """Unannotated, or annotated as text (``str``, ``Optional[str]``, ``Annotated[str, Query()]``)."""
    annotation = param.annotation.annotation if param.annotation else None
    if annotation is None:
        return True
    if isinstance(annotation, cst.Subscript):
        annotation = annotation.value
    if isinstance(annotation, cst.BinaryOperation):  # str | None
        annotation = annotation.left
    name = (dotted_name(annotation) or "").split(".")[-1]
    return name in TEXT_TYPES


def _injected(param: cst.Param) -> bool:
    """``db: Session = Depends(get_db)``: the framework's, not the client's."""
    default = param.default
    if isinstance(default, cst.Call) and (dotted_name(default.func) or "").split(".")[-1] in INJECTED_DEFAULTS:
        return True
    annotation = param.annotation.annotation if param.annotation else None
    text = dotted_name(annotation) if isinstance(annotation, (cst.Name, cst.Attribute)) else None
    return bool(text) and text.split(".")[-1] in INJECTED_ANNOTATIONS


def _names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, (cst.Tuple, cst.List)):
        return [n for e in target.elements for n in _names(e.value)]
    return []
