"""Where an unsafe value is joined into a string, and what text surrounds its hole.

A mixin of :class:`~backend_rules.analysis.string_building.StringAnalyzer`: f-strings, ``+``,
``%``, ``str.format()``, ``str.join()``, ``str.replace()``, ``string.Template.substitute()``,
psycopg ``sql.SQL(...)`` pieces, ``+=`` accumulation and helpers' returned strings. It can stop at
the first build (for a yes/no) or collect every one (to judge all the values of a statement).
"""

from __future__ import annotations

import re

import libcst as cst

from backend_rules.analysis.dataflow import Binding, target_path
from backend_rules.analysis.string_values import (
    MAX_DEPTH, PERCENT_SPEC, STRING_METHODS, TRANSPARENT_CALLS, Env, StringBuild, call_name, is_sql_composable,
    literal_text, part_of, returned_values,
)


class BuildFinder:
    """Finds the builds in a string expression (``self._collected`` set: all of them)."""

    _collected: list[StringBuild] | None = None
    _hit_log: list[StringBuild]  # every hit while collecting, repeats included

    def text_around(self, build: StringBuild) -> tuple[str, str]:
        """The literal text right before and after the culprit's hole in the string it was
        joined into (holes of other values as ``{}``); empty where it cannot be told."""
        node, culprit, env = build.node, build.culprit, build.env or self.env
        if isinstance(node, cst.FormattedString):
            before, after, seen = [], [], False
            for part in node.parts:
                text = part.value if isinstance(part, cst.FormattedStringText) else "{}"
                if isinstance(part, cst.FormattedStringExpression) and part.expression is culprit:
                    seen = True
                    continue
                (after if seen else before).append(text)
            return "".join(before), "".join(after)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
            if culprit is node.right:
                return self.literal_fragments(node.left, env), ""
            return "", self.literal_fragments(node.right, env)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Modulo):
            template = self.literal_fragments(node.left, env)
            items = node.right
            if isinstance(items, cst.Dict):
                key = next((literal_text(e.key) for e in items.elements
                            if isinstance(e, cst.DictElement) and e.value is culprit), None)
                spec = r"%\(" + re.escape(key or "") + r"\)[#0\- +]*\d*(?:\.\d+)?[a-zA-Z]"
                match = re.search(spec, template) if key else None
            else:
                elements = items.elements if isinstance(items, cst.Tuple) else []
                index = next((i for i, e in enumerate(elements) if e.value is culprit), 0)
                specs = [m for m in PERCENT_SPEC.finditer(template) if m.group(1) != "%"]
                match = specs[index] if index < len(specs) else None
            return (template[: match.start()], template[match.end():]) if match else ("", "")
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            last = node.func.attr.value
            template = self.literal_fragments(node.func.value, env)
            arg = next((a for a in node.args if a.value is culprit), None)
            if arg is None:
                return "", ""
            if last == "format":
                index = [a for a in node.args if a.keyword is None].index(arg) if arg.keyword is None else -1
                holes = list(re.finditer(r"\{([^{}]*)\}", template))
                match = None
                if arg.keyword is not None:
                    match = next((m for m in holes if re.split(r"[!:.\[]", m.group(1))[0] == arg.keyword.value), None)
                else:
                    numbered = [m for m in holes if re.split(r"[!:.\[]", m.group(1))[0] == str(index)]
                    auto = [m for m in holes if re.split(r"[!:.\[]", m.group(1))[0] == ""]
                    match = numbered[0] if numbered else (auto[index] if index < len(auto) else None)
                return (template[: match.start()], template[match.end():]) if match else ("", "")
            if last in {"substitute", "safe_substitute"} and arg.keyword is not None:
                key = re.escape(arg.keyword.value)
                match = re.search(r"\$(?:" + key + r"\b|\{" + key + r"\})", template)
                return (template[: match.start()], template[match.end():]) if match else ("", "")
            if last == "replace" and node.args:
                marker = literal_text(node.args[0].value)
                position = template.find(marker) if marker else -1
                if position >= 0:
                    return template[:position], template[position + len(marker):]
        return "", ""

    # ----- builds -------------------------------------------------------------------------
    def unsafe_build(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> StringBuild | None:
        """Where ``node`` (a string) gets an unsafe value joined in, or None if it never does."""
        env = env or self.env
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, cst.FormattedString):
            for part in node.parts:
                if isinstance(part, cst.FormattedStringExpression) and not self._formatted_part_safe(part, env, depth):
                    found = self._hit(StringBuild("an f-string", node, part.expression, env=env))
                    if found:
                        return found
            return None
        if isinstance(node, cst.ConcatenatedString):
            return self.unsafe_build(node.left, env, depth) or self.unsafe_build(node.right, env, depth)
        if isinstance(node, cst.BinaryOperation):
            return self._binary_build(node, env, depth)
        if isinstance(node, (cst.IfExp, cst.BooleanOperation)):
            for option in self._outcomes(node, env):
                inner = self.unsafe_build(option, env, depth)
                if inner:
                    return inner
            return None
        if isinstance(node, cst.Call):
            return self._call_build(node, env, depth)
        if isinstance(node, cst.Name):
            return self._name_build(node, env, depth)
        return None

    def unsafe_builds(self, node: cst.BaseExpression) -> list[StringBuild]:
        """Every unsafe piece joined into ``node``, in the order they are met."""
        self._collected, self._hit_log = [], []
        try:
            self.unsafe_build(node)
            return self._collected
        finally:
            self._collected = None

    def _hit(self, build: StringBuild) -> StringBuild | None:
        """Report a build: returned at once, or (collecting every build) recorded and passed over."""
        if self._collected is None:
            return build
        self._hit_log.append(build)
        if not any(b.culprit is build.culprit for b in self._collected):
            self._collected.append(build)
        return None

    def _inner(self, node: cst.BaseExpression, env: Env, depth: int) -> tuple[StringBuild | None, bool]:
        """unsafe_build, plus whether it found something (when collecting it returns None)."""
        before = len(self._hit_log) if self._collected is not None else 0
        found = self.unsafe_build(node, env, depth)
        return found, found is not None or (self._collected is not None and len(self._hit_log) > before)

    def _stringish(self, node: cst.BaseExpression, env: Env) -> bool:
        return bool(self.literal_fragments(node, env).strip()) or isinstance(
            node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)
        )

    def _binary_build(self, node: cst.BinaryOperation, env: Env, depth: int) -> StringBuild | None:
        if isinstance(node.operator, cst.Add):
            left, left_found = self._inner(node.left, env, depth)
            if left:
                return left
            right, right_found = self._inner(node.right, env, depth)
            if right:
                return right
            if not (self._stringish(node.left, env) or self._stringish(node.right, env)):
                return None
            for side, found in ((node.left, left_found), (node.right, right_found)):
                if not found and not self.is_safe(side, env, depth):
                    hit = self._hit(StringBuild("string concatenation", node, side, env=env))
                    if hit:
                        return hit
            return None
        if isinstance(node.operator, cst.Modulo):
            if not self._stringish(node.left, env):
                return None
            inner, _ = self._inner(node.left, env, depth)
            if inner:
                return inner
            if self._only_numeric_specs(node.left, env):
                return None
            values = node.right
            items: list[cst.BaseExpression]
            if isinstance(values, cst.Tuple):
                items = [e.value for e in values.elements]
            elif isinstance(values, cst.Dict):
                items = [e.value for e in values.elements if isinstance(e, cst.DictElement)]
            else:
                items = [values]
            for item in items:
                if not self.is_safe(item, env, depth):
                    hit = self._hit(StringBuild("%-formatting", node, item, env=env))
                    if hit:
                        return hit
        return None

    def _call_build(self, node: cst.Call, env: Env, depth: int) -> StringBuild | None:
        name, last = call_name(node)
        if isinstance(node.func, cst.Attribute):
            receiver = node.func.value
            if last in {"format", "join"} and is_sql_composable(receiver):
                # psycopg's sql.SQL(...).format(sql.Identifier(...)) quotes what it inserts; only
                # raw sql.SQL(x) pieces (in the template or among the arguments) carry text as is.
                inner, _ = self._inner(receiver, env, depth)
                if inner:
                    return inner
                for arg in node.args:
                    for raw, iterable in _raw_sql_pieces(arg.value):
                        if iterable is not None:  # sql.SQL(c) for c in cols: as safe as cols
                            if self._iterable_is_safe(iterable, env, depth):
                                continue
                            hit = self._hit(StringBuild("sql.SQL() composition", node, iterable, env=env))
                            if hit:
                                return hit
                            continue
                        inner, found = self._inner(raw, env, depth)
                        if inner:
                            return inner
                        if not found and not self.is_safe(raw, env, depth):
                            hit = self._hit(StringBuild("sql.SQL() composition", node, raw, env=env))
                            if hit:
                                return hit
                return None
            if last in {"format", "substitute", "safe_substitute"} and self._stringish(receiver, env):
                inner, _ = self._inner(receiver, env, depth)
                if inner:
                    return inner
                how = "str.format()" if last == "format" else f"Template.{last}()"
                for arg in node.args:
                    if not self.is_safe(arg.value, env, depth):
                        hit = self._hit(StringBuild(how, node, arg.value, env=env))
                        if hit:
                            return hit
                return None
            if last == "join" and node.args and self._stringish(receiver, env):
                iterable = node.args[0].value
                inner, found = self._elements_build(iterable, env, depth)
                if inner:
                    return inner
                if not found and not self._iterable_is_safe(iterable, env, depth):
                    return self._hit(StringBuild("str.join()", node, iterable, env=env))
                return None
            if last == "replace" and len(node.args) >= 2:  # "... '[VALUE]'".replace("[VALUE]", x)
                inner, _ = self._inner(receiver, env, depth)
                if inner:
                    return inner
                if self._stringish(receiver, env) and not self.is_safe(node.args[1].value, env, depth):
                    return self._hit(StringBuild("str.replace()", node, node.args[1].value, env=env))
                return None
            if last in STRING_METHODS:
                return self.unsafe_build(receiver, env, depth)
        if (name in TRANSPARENT_CALLS or last in TRANSPARENT_CALLS) and node.args:
            return self.unsafe_build(node.args[0].value, env, depth)
        helper = self._helper(node, env)
        if helper is not None and depth < 3:
            function, helper_env = helper
            for value in returned_values(function):
                inner = self._helper_build(self.unsafe_build, value, helper_env, depth, function)
                if inner:
                    return inner
        return None

    def _helper_build(self, find, value, env: Env, depth: int, function: cst.FunctionDef) -> StringBuild | None:
        """A build inside a helper, named after it (also when collecting)."""
        if self._collected is None:
            inner = find(value, env, depth + 1)
            return StringBuild(inner.how, inner.node, inner.culprit, function.name.value, inner.env) if inner else None
        start = len(self._collected)
        find(value, env, depth + 1)
        self._collected[start:] = [
            StringBuild(b.how, b.node, b.culprit, b.helper or function.name.value, b.env)
            for b in self._collected[start:]
        ]
        return None

    def _elements_build(self, iterable: cst.BaseExpression, env: Env, depth: int) -> tuple[StringBuild | None, bool]:
        """A build inside one of the pieces being joined (a list literal or a list grown by append)."""
        found_any = False
        if isinstance(iterable, (cst.List, cst.Tuple)):
            for element in iterable.elements:
                inner, found = self._inner(element.value, env, depth)
                if inner:
                    return inner, True
                found_any = found_any or found
        if isinstance(iterable, cst.Name) and depth < MAX_DEPTH:
            for b, where in self.bindings(iterable.value, env):
                if b.value is None or b.kind not in {"=", "+=", "append", "extend"}:
                    continue
                if b.kind == "append":
                    inner, found = self._inner(b.value, where, depth + 1)
                else:
                    inner, found = self._elements_build(b.value, where, depth + 1)
                if inner:
                    return inner, True
                found_any = found_any or found
        return None, found_any

    def _name_build(self, node: cst.Name, env: Env, depth: int) -> StringBuild | None:
        """The builds behind a name, once per name and point of view (names met again, as in
        ``sql = sql + ...`` in many branches, replay what was found)."""
        if node.value in env.guarded or env.facts.is_validated(node.value, env.order):
            return None
        memo = self.__dict__.setdefault("_build_memo", {})
        key = (node.value, env.key, self._collected is not None)
        if key in memo:
            return self._replay(memo[key])
        memo[key] = []  # a cycle finds nothing new
        start = len(self._hit_log) if self._collected is not None else 0
        first = self._bindings_build(node, env, depth)
        memo[key] = [first] if first is not None else list(self._hit_log[start:]) if self._collected is not None else []
        return first

    def _replay(self, builds: list[StringBuild]) -> StringBuild | None:
        if self._collected is None:
            return builds[0] if builds else None
        for build in builds:
            self._hit(build)
        return None

    def _bindings_build(self, node: cst.Name, env: Env, depth: int) -> StringBuild | None:
        found = self.bindings(node.value, env)
        for binding, where in found:
            if binding.kind == "=" and binding.value is not None:
                inner = self.unsafe_build(binding.value, where, depth + 1)
                if inner:
                    return inner
            elif binding.kind == "+=" and binding.value is not None:
                if not self._accumulates_text(binding, [b for b, _ in found], where):
                    continue  # stmt += lambda s: ... (SQLAlchemy lambdas), counters, lists
                inner, grew = self._inner(binding.value, where, depth + 1)
                if inner:
                    return inner
                if not grew and not self.is_safe(binding.value, where, depth + 1):
                    hit = self._hit(StringBuild("+= concatenation", binding.node, binding.value, env=where))
                    if hit:
                        return hit
            elif binding.kind == "unpack" and isinstance(binding.node, cst.Assign):
                inner = self._unpacked_build(node.value, binding.node, where, depth + 1)
                if inner:
                    return inner
        return None

    def _unpacked_build(self, name: str, assign: cst.Assign, env: Env, depth: int) -> StringBuild | None:
        """``query, params = build_query(x)``: the build in the helper's returned tuple."""
        path = next((p for t in assign.targets if (p := target_path(name, t.target)) is not None), None)
        if not path or not isinstance(assign.value, cst.Call) or depth >= 3:
            return None
        helper = self._helper(assign.value, env)
        if helper is None:
            return None
        function, helper_env = helper
        for value in returned_values(function):
            part = part_of(value, path)
            if part is not None:
                inner = self._helper_build(self.unsafe_build, part, helper_env, depth, function)
                if inner:
                    return inner
        return None

    def _accumulates_text(self, binding: Binding, bindings: list[Binding], env: Env) -> bool:
        """``name += value`` grows a string: the value or an earlier assignment is text."""
        if isinstance(binding.value, cst.Lambda):
            return False
        if binding.value is not None and self._stringish(binding.value, env):
            return True
        return any(
            b.kind == "=" and b.value is not None and b.order <= binding.order and self._stringish(b.value, env)
            for b in bindings
        )


def _raw_sql_pieces(value: cst.BaseExpression, depth: int = 0):
    """The text of every raw ``sql.SQL(x)`` among a composition's arguments, as ``(x, None)``;
    nested ``sql.SQL(", ").join(...)``/``.format(...)`` are searched too, and a comprehension of
    pieces built from its own loop variable (``sql.SQL(c) for c in cols``) gives ``(x, cols)``."""
    if depth > 4:
        return
    if is_sql_composable(value):
        if value.args:
            yield value.args[0].value, None
        return
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and \
            value.func.attr.value in {"format", "join"} and is_sql_composable(value.func.value):
        for arg in value.args:
            yield from _raw_sql_pieces(arg.value, depth + 1)
        return
    if isinstance(value, (cst.List, cst.Tuple)):
        for element in value.elements:
            yield from _raw_sql_pieces(element.value, depth + 1)
        return
    if isinstance(value, (cst.GeneratorExp, cst.ListComp)) and is_sql_composable(value.elt) and value.elt.args:
        raw = value.elt.args[0].value
        target = value.for_in.target
        own = isinstance(raw, cst.Name) and isinstance(target, cst.Name) and raw.value == target.value
        yield raw, (value.for_in.iter if own else None)
