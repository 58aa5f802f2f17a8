"""What a collection yields: the elements, keys and values that end up joined into a string.

A mixin of :class:`~backend_rules.analysis.string_building.StringAnalyzer`: loops over literal
tuples and module-level dicts, ``enumerate`` counters, ``zip``, ``d.items()``, a dict literal's own
keys (unless keys are added later), comprehensions filtered by an allow-list, and tuples returned
by helpers or the ORM (``sql, params = qs.query.sql_with_params()``).
"""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.dataflow import Binding, target_path, validated_names
from backend_rules.analysis.string_values import (
    CONSTANT_NAME, MAX_DEPTH, REQUEST_OBJECTS, Env, call_name, is_mapping_literal, loop_path, model_metadata,
    names_in_target, orm_compiled, returned_values, typed_safe,
)


class CollectionSafety:
    """Is every element (or key, or value) a collection can yield safe?"""

    def _unpacked_safe(self, name: str, assign: cst.Assign, env: Env, depth: int, iterable: bool = False) -> bool:
        """``sql, params = qs.query.sql_with_params()`` / ``a, b = helper()``: the part ``name``
        gets is safe (``iterable``: every element of it is)."""
        path = next((p for t in assign.targets if (p := target_path(name, t.target)) is not None), None)
        if path is None or not path:
            return False
        value = assign.value
        if isinstance(value, cst.Call):
            if path == (0,) and orm_compiled(value) and not iterable:
                return True
            helper = self._helper(value, env)
            if helper is not None and depth < MAX_DEPTH:
                function, helper_env = helper
                returns = returned_values(function)
                return bool(returns) and all(self._part_safe(r, path, helper_env, depth + 1, iterable) for r in returns)
            return False
        return self._part_safe(value, path, env, depth, iterable)

    def _part_safe(self, node: cst.BaseExpression, path: tuple[int, ...], env: Env, depth: int,
                   iterable: bool = False) -> bool:
        """The element at ``path`` of the value ``node`` (a tuple literal, or a whole safe value)."""
        if path and isinstance(node, (cst.Tuple, cst.List)):
            elements = node.elements
            if path[0] < len(elements) and not any(isinstance(e, cst.StarredElement) for e in elements):
                return self._part_safe(elements[path[0]].value, path[1:], env, depth, iterable)
            return False
        if path and isinstance(node, cst.Name):
            found = self.bindings(node.value, env)
            return bool(found) and all(
                b.kind == "=" and b.value is not None and self._part_safe(b.value, path, where, depth + 1, iterable)
                for b, where in found
            )
        return self._iterable_is_safe(node, env, depth) if iterable else self.is_safe(node, env, depth)

    # ----- iterables ----------------------------------------------------------------------
    def _element_safe(self, iterable: cst.BaseExpression, path: tuple[int, ...], env: Env, depth: int) -> bool:
        """The part at ``path`` of every element ``iterable`` yields is safe (``()``: the whole
        element). ``enumerate`` yields numbers first, ``d.items()`` keys first, ``zip`` in order."""
        if not path:
            return self._iterable_is_safe(iterable, env, depth)
        head, rest = path[0], path[1:]
        if isinstance(iterable, cst.Call):
            name, last = call_name(iterable)
            args = [a.value for a in iterable.args if not a.star]
            if last == "enumerate" and args and isinstance(iterable.func, cst.Name):
                return head == 0 or (head == 1 and self._element_safe(args[0], rest, env, depth))
            if last == "zip" and isinstance(iterable.func, cst.Name) and head < len(args):
                return self._element_safe(args[head], rest, env, depth)
            if last == "items" and isinstance(iterable.func, cst.Attribute) and not args and not rest:
                mapping = iterable.func.value
                return self._keys_safe(mapping, env, depth) if head == 0 else (
                    head == 1 and self._values_safe(mapping, env, depth))
            if name in {"list", "tuple", "sorted", "set", "reversed"} and args:
                return self._element_safe(args[0], path, env, depth)
        if isinstance(iterable, (cst.List, cst.Tuple, cst.Set)):
            return all(
                not isinstance(e, cst.StarredElement) and self._part_safe(e.value, path, env, depth)
                for e in iterable.elements
            )
        if isinstance(iterable, cst.Name) and not CONSTANT_NAME.match(iterable.value):
            found = self.bindings(iterable.value, env)
            if found and all(
                (b.kind in {"=", "extend"} and b.value is not None
                 and self._element_safe(b.value, path, where, depth + 1))
                or (b.kind == "append" and b.value is not None and self._part_safe(b.value, path, where, depth + 1))
                for b, where in found
            ):
                return True
        return self._iterable_is_safe(iterable, env, depth)

    def _iterable_is_safe(self, node: cst.BaseExpression, env: Env, depth: int) -> bool:
        """Every element the iterable can yield is safe."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            return all(
                not isinstance(e, cst.StarredElement) and self.is_safe(e.value, env, depth) for e in node.elements
            )
        if isinstance(node, cst.Dict):  # iterating a dict yields its keys
            return self._keys_safe(node, env, depth)
        if isinstance(node, (cst.ListComp, cst.GeneratorExp, cst.SetComp)):
            return self.is_safe(node.elt, self._comprehension_env(node, env, depth), depth)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
            return self._iterable_is_safe(node.left, env, depth) or self._iterable_is_safe(node.right, env, depth)
        if isinstance(node, cst.SimpleString):  # "?" * n, iterating characters of a literal
            return True
        if isinstance(node, (cst.Attribute, cst.Call)) and model_metadata(node):
            return True  # Model._meta.fields / get_fields(): the model's own columns
        if isinstance(node, cst.Call):
            name, last = call_name(node)
            args = [a.value for a in node.args if not a.star]
            if name == "range":
                return True
            if name in {"list", "tuple", "sorted", "set", "reversed", "enumerate", "iter"} and args:
                return self._iterable_is_safe(args[0], env, depth)
            if name == "zip":
                return all(self._iterable_is_safe(a, env, depth) for a in args)
            if isinstance(node.func, cst.Attribute) and not args:
                mapping = node.func.value
                if last == "keys":
                    return self._keys_safe(mapping, env, depth)
                if last == "values":
                    return self._values_safe(mapping, env, depth)
                if last == "items":
                    return self._keys_safe(mapping, env, depth) and self._values_safe(mapping, env, depth)
            if isinstance(node.func, cst.Attribute) and last == "split":
                return self.is_safe(node.func.value, env, depth)
            helper = self._helper(node, env)  # a helper of this module returning a collection
            if helper is not None and depth < MAX_DEPTH:
                function, helper_env = helper
                returns = returned_values(function)
                return bool(returns) and all(self._iterable_is_safe(r, helper_env, depth + 1) for r in returns)
        if isinstance(node, cst.Subscript):  # groups[key]: one of a mapping's collections
            return self._values_iterable_safe(node.value, env, depth)
        if isinstance(node, cst.Name):
            if CONSTANT_NAME.match(node.value):
                return True
            found = self.bindings(node.value, env)
            if not found:
                return self.is_imported(node.value) and node.value not in REQUEST_OBJECTS
            if all(b.kind == "=" and is_mapping_literal(b.value) for b, _ in found):
                return self._keys_safe(node, env, depth)
            for binding, where in found:
                if binding.kind in {"=", "+=", "extend"} and binding.value is not None:
                    if not self._iterable_is_safe(binding.value, where, depth + 1):
                        return False
                elif binding.kind == "append" and binding.value is not None:
                    if not self.is_safe(binding.value, where, depth + 1):
                        return False
                elif binding.kind == "loop" and binding.value is not None:
                    path = loop_path(node.value, binding.node)
                    if path is None or not self._element_safe(binding.value, path, where, depth + 1):
                        return False  # (a loop variable that is itself a collection of safe items)
                elif binding.kind == "unpack" and isinstance(binding.node, cst.Assign):
                    if not self._unpacked_safe(node.value, binding.node, where, depth + 1, iterable=True):
                        return False
                elif binding.kind == "param" and isinstance(binding.node, cst.Param) and binding.node.annotation:
                    if not typed_safe(binding.node.annotation.annotation, elements=True):
                        return False
                else:
                    return False
            return True
        return False

    def _values_iterable_safe(self, mapping: cst.BaseExpression, env: Env, depth: int) -> bool:
        """Every collection a literal or comprehended mapping holds yields safe elements."""
        if isinstance(mapping, cst.Dict):
            return all(isinstance(e, cst.DictElement) and self._iterable_is_safe(e.value, env, depth)
                       for e in mapping.elements)
        if isinstance(mapping, cst.DictComp):
            return self._iterable_is_safe(mapping.value, self._comprehension_env(mapping, env, depth), depth)
        if isinstance(mapping, cst.Name) and depth < MAX_DEPTH:
            found = self.bindings(mapping.value, env)
            return bool(found) and all(
                b.kind == "=" and isinstance(b.value, (cst.Dict, cst.DictComp))
                and self._values_iterable_safe(b.value, where, depth + 1)
                for b, where in found
            ) and not self._key_writes(mapping.value, found[-1][1], env)
        return False

    def _keys_safe(self, mapping: cst.BaseExpression, env: Env, depth: int) -> bool:
        """The keys of a mapping: a dict literal's own keys, unless others were added later."""
        if depth > MAX_DEPTH:
            return False
        if isinstance(mapping, cst.Dict):
            return all(
                self.is_safe(e.key, env, depth) if isinstance(e, cst.DictElement)
                else self._keys_safe(e.value, env, depth)
                for e in mapping.elements
            )
        if isinstance(mapping, cst.DictComp):
            return self.is_safe(mapping.key, self._comprehension_env(mapping, env, depth), depth)
        if isinstance(mapping, cst.Call) and call_name(mapping)[0] == "dict":
            return all(
                a.keyword is not None or (not a.star and self._keys_safe(a.value, env, depth)) for a in mapping.args
            )
        if isinstance(mapping, cst.Name):
            if CONSTANT_NAME.match(mapping.value):
                return True
            found = self.bindings(mapping.value, env)
            if not found or not all(
                b.kind == "=" and b.value is not None and self._keys_safe(b.value, where, depth + 1)
                for b, where in found
            ):
                return not found and self.is_imported(mapping.value) and mapping.value not in REQUEST_OBJECTS
            where = found[-1][1]
            return all(self._added_keys_safe(w, env, depth) for w in self._key_writes(mapping.value, where, env))
        return self.is_safe(mapping, env, depth)

    def _values_safe(self, mapping: cst.BaseExpression, env: Env, depth: int) -> bool:
        if depth > MAX_DEPTH:
            return False
        if isinstance(mapping, cst.Dict):
            return all(
                self.is_safe(e.value, env, depth) if isinstance(e, cst.DictElement)
                else self._values_safe(e.value, env, depth)
                for e in mapping.elements
            )
        if isinstance(mapping, cst.Name) and not CONSTANT_NAME.match(mapping.value):
            found = self.bindings(mapping.value, env)
            if found and all(b.kind == "=" and is_mapping_literal(b.value) for b, _ in found):
                where = found[-1][1]
                return all(
                    self._values_safe(b.value, w, depth + 1) for b, w in found if b.value is not None
                ) and all(self._added_values_safe(w, env, depth) for w in self._key_writes(mapping.value, where, env))
        return self.is_safe(mapping, env, depth)

    def _key_writes(self, name: str, where: Env, env: Env) -> list[Binding]:
        limit = env.order if where.facts is env.facts else 1 << 30
        return [w for w in where.facts.key_writes.get(name, ()) if w.order < limit]

    def _added_keys_safe(self, write: Binding, env: Env, depth: int) -> bool:
        """A key added by ``d[k] = v`` / ``d.setdefault(k, v)`` / ``d.update(...)`` is safe."""
        if write.kind == "update" and isinstance(write.value, cst.Call):
            return all(
                a.keyword is not None or (not a.star and self._keys_safe(a.value, env, depth + 1))
                for a in write.value.args
            )
        return write.value is not None and self.is_safe(write.value, env, depth + 1)

    def _added_values_safe(self, write: Binding, env: Env, depth: int) -> bool:
        node = write.node
        if isinstance(node, cst.Assign):
            return self.is_safe(node.value, env, depth + 1)
        if isinstance(node, cst.Call):
            name = call_name(node)[1]
            if name == "setdefault":
                return len(node.args) < 2 or self.is_safe(node.args[1].value, env, depth + 1)
            return all(
                self.is_safe(a.value, env, depth + 1) if a.keyword is not None
                else self._values_safe(a.value, env, depth + 1)
                for a in node.args
            )
        return False

    def _comprehension_env(self, node: cst.BaseExpression, env: Env, depth: int) -> Env:
        """Comprehension targets over safe iterables (or checked by its ``if``) are safe inside."""
        guarded = set(env.guarded)
        for_in = getattr(node, "for_in", None)
        while for_in is not None:
            inner = Env(env.facts, env.order, frozenset(guarded), env.blocks, env.parent)
            for name in names_in_target(for_in.target):
                path = target_path(name, for_in.target)
                if path is not None and self._element_safe(for_in.iter, path, inner, depth + 1):
                    guarded.add(name)
            for condition in for_in.ifs:
                guarded.update(validated_names(condition.test, negated=False))
            for_in = for_in.inner_for_in
        return Env(env.facts, env.order, frozenset(guarded), env.blocks, env.parent)
