"""Whether an expression is the whole payload a client sent, in any of the Python web frameworks.

Flask/Quart (``request.json``, ``request.get_json()``, ``request.form``, ``request.values``,
``request.args``), Django and DRF (``request.POST``, ``request.GET``, ``request.data``,
``request.query_params``, ``json.loads(request.body)``), FastAPI/Starlette/aiohttp
(``await request.json()``, ``await request.form()``, ``await request.post()``), Falcon
(``req.media``) and Tornado (``json.loads(self.request.body)``): the dict as the client shaped it,
keys included. Copies (``.copy()``, ``dict(...)``, ``.to_dict()``, ``{**data}``) and local
variables are followed; anything that picks keys (a comprehension, a schema's ``load()``) is not
the whole payload any more.

A pydantic object dumped back to a dict (``payload.dict()``, ``payload.model_dump()``) is the
client's payload too, restricted to the schema's fields: :func:`dumped_schema` says which schema.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from backend_rules.analysis.dataflow import ScopeFacts
from backend_rules.analysis.imports import ImportMap, dotted_name

REQUEST_NAMES = {"request", "self.request"}
# Short names that are a request only with more evidence (an import alias, a ``resp`` beside it).
SHORT_REQUEST_NAMES = {"req", "self.req", "rq"}
# Modules whose ``request`` is not an incoming HTTP request.
NOT_WEB_REQUEST = ("urllib", "six.moves.urllib", "requests", "httpx", "aiohttp.client", "google")
PAYLOAD_ATTRIBUTES = {"json", "form", "values", "args", "POST", "GET", "data", "query_params", "media"}
PAYLOAD_METHODS = {"get_json", "json", "form", "post", "get_media"}  # request.<m>(...) (often awaited)
RAW_BODY = {"body", "data", "get_data", "get_body", "read", "text"}  # bytes: a payload once decoded
DECODERS = {"loads", "json_decode", "decode_json", "parse_raw_json"}
COPIES = {"copy", "to_dict", "dict", "deepcopy"}  # request.POST.dict(), request.form.to_dict()
DUMP_METHODS = {"dict", "model_dump", "to_dict"}
PICKING_KEYWORDS = {"include", "exclude"}
MAX_DEPTH = 6


@dataclass(frozen=True)
class Payload:
    """The request payload an expression holds: ``text`` names it; ``nested`` when it is a part
    of it (``request.json["user"]``), which is still a client-shaped dict under ``**``."""

    text: str
    nested: bool = False


def request_object(node: cst.BaseExpression, imports: ImportMap, short_names: bool = False) -> bool:
    """``request``, ``self.request``: the incoming request (not ``urllib.request``); ``req`` too
    when imported as such or when ``short_names`` (the handler also takes a response object)."""
    name = dotted_name(node)
    if name in SHORT_REQUEST_NAMES:
        if name.split(".")[0] in imports.names:
            full = imports.qualify(node) or ""
            return full.endswith(".request") and not full.startswith(NOT_WEB_REQUEST)
        return short_names
    if name not in REQUEST_NAMES:
        return False
    if name.split(".")[0] in imports.names:
        full = imports.qualify(node) or ""
        return not full.startswith(NOT_WEB_REQUEST)
    return True


RESPONSE_PARAMS = {"resp", "res", "response"}


def short_names_are_requests(facts: ScopeFacts | None) -> bool:
    """The function takes a response object beside ``req`` (Falcon's ``on_post(self, req, resp)``),
    or annotates ``req`` as a ``Request``."""
    if facts is None:
        return False
    if facts.params & RESPONSE_PARAMS:
        return True
    for binding in facts.bindings.get("req", ()):
        if binding.kind == "param" and isinstance(binding.node, cst.Param) and binding.node.annotation is not None:
            if (dotted_name(binding.node.annotation.annotation) or "").endswith("Request"):
                return True
    return False


def _direct(node: cst.BaseExpression, imports: ImportMap, short: bool) -> str | None:
    """The payload read straight off the request object, or None."""
    if isinstance(node, cst.Await):
        return _direct(node.expression, imports, short)
    if isinstance(node, cst.Attribute) and node.attr.value in PAYLOAD_ATTRIBUTES and request_object(node.value, imports, short):
        return f"{dotted_name(node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        func = node.func
        if func.attr.value in PAYLOAD_METHODS and request_object(func.value, imports, short):
            return f"{dotted_name(func.value)}.{func.attr.value}()"
        if func.attr.value in DECODERS or (dotted_name(func) or "").split(".")[-1] in DECODERS:
            return _decoded(node, imports, short)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in DECODERS:
        return _decoded(node, imports, short)
    return None


def _decoded(call: cst.Call, imports: ImportMap, short: bool) -> str | None:
    """``json.loads(request.body)``: the raw body decoded is the payload."""
    if not call.args:
        return None
    raw = call.args[0].value
    while isinstance(raw, (cst.Await, cst.Call)) and not (
        isinstance(raw, cst.Call) and isinstance(raw.func, cst.Attribute) and raw.func.attr.value in RAW_BODY
    ):
        if isinstance(raw, cst.Await):
            raw = raw.expression
        elif isinstance(raw.func, cst.Attribute) and raw.func.attr.value == "decode":  # body.decode("utf-8")
            raw = raw.func.value
        else:
            return None
    if isinstance(raw, cst.Call):
        raw = raw.func  # request.get_data() -> request.get_data
    if isinstance(raw, cst.Attribute) and raw.attr.value in RAW_BODY and request_object(raw.value, imports, short):
        return f"{dotted_name(call.func)}({dotted_name(raw.value)}.{raw.attr.value})"
    return None


class PayloadTracer:
    """Follows an expression (and the local names in it) back to the request payload.

    ``facts`` are the bindings of the scope that holds the expression (None: no local names are
    followed).
    """

    def __init__(self, imports: ImportMap, facts: ScopeFacts | None) -> None:
        self.imports = imports
        self.facts = facts
        self.short_names = short_names_are_requests(facts)

    def payload(self, node: cst.BaseExpression, order: int = 1 << 30,
                blocks: tuple[int, ...] | None = None, depth: int = 0) -> Payload | None:
        """The payload ``node`` holds when evaluated at statement ``order`` (in ``blocks``)."""
        if depth > MAX_DEPTH:
            return None
        direct = _direct(node, self.imports, self.short_names)
        if direct is not None:
            return Payload(direct)
        again = lambda inner: self.payload(inner, order, blocks, depth + 1)  # noqa: E731
        if isinstance(node, cst.Await):
            return again(node.expression)
        if isinstance(node, cst.BooleanOperation):  # request.get_json() or {}
            return again(node.left) or again(node.right)
        if isinstance(node, cst.IfExp):
            return again(node.body) or again(node.orelse)
        if isinstance(node, cst.Dict):  # {**data, "owner": user}
            for element in node.elements:
                if isinstance(element, cst.StarredDictElement):
                    found = again(element.value)
                    if found is not None:
                        return found
            return None
        if isinstance(node, cst.DictComp) and not any(f.ifs for f in _comprehensions(node)):
            return self._unfiltered_copy(node, again)  # {k: v for k, v in data.items()}: every key kept
        if isinstance(node, cst.Call):
            return self._through_call(node, again)
        if isinstance(node, cst.Subscript):  # request.json["user"]: a nested object
            found = again(node.value)
            return Payload(found.text, nested=True) if found is not None else None
        if isinstance(node, cst.Name) and self.facts is not None:
            return self._through_name(node.value, order, blocks, depth)
        return None

    @staticmethod
    def _unfiltered_copy(node: cst.DictComp, again) -> Payload | None:
        loop = node.for_in
        if loop.inner_for_in is not None or not isinstance(node.key, cst.Name):
            return None
        keys = {e.value.value for e in loop.target.elements if isinstance(e.value, cst.Name)} \
            if isinstance(loop.target, cst.Tuple) else set()
        iterated = loop.iter
        if node.key.value in keys and isinstance(iterated, cst.Call) and isinstance(iterated.func, cst.Attribute) \
                and iterated.func.attr.value == "items":
            return again(iterated.func.value)
        return None

    def _through_call(self, node: cst.Call, again) -> Payload | None:
        func = node.func
        name = dotted_name(func) or ""
        last = name.split(".")[-1]
        if isinstance(func, cst.Attribute) and func.attr.value in COPIES and not node.args:
            return again(func.value)  # data.copy(), request.POST.dict()
        if isinstance(func, cst.Attribute) and func.attr.value == "to_dict":
            return again(func.value)  # request.form.to_dict(flat=True)
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args:
            found = again(func.value)  # data.get("profile", {})
            return Payload(found.text, nested=True) if found is not None else None
        if last in {"dict", "copy", "deepcopy", "OrderedDict"} and node.args and not node.args[0].keyword:
            if name in {"dict", "copy.copy", "copy.deepcopy", "deepcopy", "OrderedDict", "collections.OrderedDict"}:
                return again(node.args[0].value)
        return None

    def _through_name(self, name: str, order: int, blocks: tuple[int, ...] | None, depth: int) -> Payload | None:
        assert self.facts is not None
        for binding in reversed(self.facts.bindings_before(name, order, blocks)):
            if binding.kind == "=" and binding.value is not None:
                found = self.payload(binding.value, binding.order, binding.blocks, depth + 1)
                if found is not None:
                    return found
        return None


def _comprehensions(node: cst.DictComp) -> list[cst.CompFor]:
    found, loop = [], node.for_in
    while loop is not None:
        found.append(loop)
        loop = loop.inner_for_in
    return found


def dumped_schema(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The schema object in ``payload.dict()`` / ``payload.model_dump()`` / ``jsonable_encoder(payload)``
    / ``vars(payload)`` / ``payload.__dict__`` when the dump keeps every field (no
    ``include=``/``exclude=``); else None."""
    if isinstance(node, cst.Await):
        node = node.expression
    if isinstance(node, cst.Attribute) and node.attr.value == "__dict__" and isinstance(node.value, cst.Name):
        return node.value
    if not isinstance(node, cst.Call):
        return None
    if isinstance(node.func, cst.Name) and node.func.value == "vars" and len(node.args) == 1:
        return node.args[0].value if isinstance(node.args[0].value, cst.Name) else None
    if any(arg.keyword is not None and arg.keyword.value in PICKING_KEYWORDS for arg in node.args):
        return None
    func = node.func
    if isinstance(func, cst.Attribute) and func.attr.value in DUMP_METHODS and isinstance(func.value, cst.Name):
        if all(arg.keyword is not None for arg in node.args):
            return func.value
    if (dotted_name(func) or "").split(".")[-1] == "jsonable_encoder" and node.args and isinstance(node.args[0].value, cst.Name):
        return node.args[0].value
    return None
