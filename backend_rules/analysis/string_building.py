"""Is a string built from values an attacker could control, and if so, where and how?

Used by the SQL-injection rules at a sink: it follows local names back through their assignments
(``+=`` included), into helpers of the same module that return the string (reading their
parameters as the call's arguments), through ``str.join`` of lists grown with ``append``, and into
closures. What counts as safe is what a reviewer accepts: literals, constants (``UPPER_CASE``
names, members of classes and enums, module-level literal collections looped over), numbers
(``int(...)``, ``%d``, ``len``, parameters declared ``int``/``UUID``/an enum), quoting helpers
(``quote_name``, ``sql.Identifier``), character allow-lists (``re.sub("[^a-z0-9_]", "", x)``,
``slugify``), generated placeholder lists (``", ".join(["%s"] * n)``), a dict literal's own keys,
SQL the ORM compiled (``qs.query.sql_with_params()``), allow-listed names and attributes.

``depth`` counts hops through names and helpers, never syntax: a statement written as twenty
implicitly concatenated lines is as deep as one line.
"""

from __future__ import annotations

import libcst as cst

from backend_rules.analysis.collection_safety import CollectionSafety
from backend_rules.analysis.dataflow import UNKNOWN, Binding, constant_value, enclosing_class, guarding_tests
from backend_rules.analysis.imports import dotted_name
from backend_rules.analysis.string_builds import BuildFinder
from backend_rules.analysis.string_values import (
    CONSTANT_NAME, FETCHING_GETTERS, MAX_DEPTH, NUMERIC_SPEC, PERCENT_SPEC, REQUEST_OBJECTS, REQUEST_WORDS,
    SAFE_ATTRIBUTES, SAFE_CALL_WORDS, SAFE_CALLS, SQL_FRAGMENT_NAME, STRING_METHODS, TRANSPARENT_CALLS, Env,
    StringBuild, argument_for, call_name, is_allow_list_pattern, literal_text, loop_path, orm_compiled,
    returned_values, typed_safe,
)
from backend_rules.analysis.walk import walk


TEXT_BUILDING_METHODS = {"format", "join", "substitute", "safe_substitute"}


class StringAnalyzer(CollectionSafety, BuildFinder):
    """Answers questions about string expressions as seen from one point of one file."""

    def __init__(self, context, stack: list[cst.CSTNode]) -> None:
        self.context = context
        self.module_facts = context.scope_facts(stack[0])
        self.env = self._env_at(stack)
        cls = enclosing_class(stack)
        self.class_facts = context.scope_facts(cls) if cls is not None else None
        self._memo: dict[tuple, bool] = {}
        self._collected: list[StringBuild] | None = None

    def _env_at(self, stack: list[cst.CSTNode]) -> Env:
        """The innermost function's scope at this point, with enclosing functions as parents."""
        functions = [n for n in stack if isinstance(n, (cst.FunctionDef, cst.Lambda))]
        parent: Env | None = None
        for outer in functions[:-1]:
            parent = Env(self.context.scope_facts(outer), 1 << 30, parent=parent)
        scope = functions[-1] if functions else stack[0]
        facts = self.context.scope_facts(scope)
        return Env(facts, facts.order_of(stack), frozenset(guarding_tests(stack)), facts.blocks_of(stack), parent)

    # ----- names --------------------------------------------------------------------------
    def bindings(self, name: str, env: Env) -> list[tuple[Binding, Env]]:
        """The bindings of ``name`` that reach ``env``, each with the environment its value is
        read in (the scope at the binding's own statement)."""
        found = env.facts.bindings_before(name, env.order, env.blocks)
        if not found:
            if env.parent is not None:
                return self.bindings(name, env.parent)
            if env.facts is self.module_facts:
                return []
            return self.bindings(name, Env(self.module_facts, 1 << 30))
        result = []
        for b in found:
            if b.kind == "param" and env.call is not None and isinstance(b.node, cst.Param):
                argument = self._argument(b.node, env)
                if argument is not None:
                    result.append(argument)
                    continue
            result.append((b, Env(env.facts, b.order if b.kind != "param" else env.order, env.guarded, b.blocks,
                                  env.parent, env.call)))
        return result

    def _argument(self, param: cst.Param, env: Env) -> tuple[Binding, Env] | None:
        """A helper's parameter as the call being followed fills it: the argument (read at the
        call), else the default; None for ``*args``/``**kwargs`` and unknown positions."""
        call, caller = env.call  # type: ignore[misc]
        function = env.facts.node
        if not isinstance(function, cst.FunctionDef):
            return None
        positional = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
        if positional and positional[0] in {"self", "cls"} and isinstance(call.func, cst.Attribute):
            positional = positional[1:]
        name = param.name.value
        value = argument_for(call, name, positional.index(name) if name in positional else None)
        if value is not None:
            return Binding(0, "=", value, value), caller
        if param.default is not None and not any(a.star for a in call.args):
            return Binding(0, "=", param.default, param), Env(self.module_facts, 1 << 30)
        return None

    def _bindings(self, name: str, env: Env) -> tuple[list[Binding], Env]:
        """Bindings and the scope they live in (for callers that read them as a group)."""
        found = self.bindings(name, env)
        if not found:
            return [], env
        where = found[0][1]
        return [b for b, _ in found], Env(where.facts, env.order if where.facts is env.facts else 1 << 30,
                                            env.guarded, None, where.parent)

    def is_imported(self, name: str) -> bool:
        return name in self.context.imports.names

    def _name_is_safe(self, name: str, env: Env, depth: int) -> bool:
        if name in {"True", "False", "None"} or CONSTANT_NAME.match(name) or SQL_FRAGMENT_NAME.search(name):
            return True
        if name in env.guarded or env.facts.is_validated(name, env.order):
            return True
        key = ("name", name, env.key)
        if key in self._memo:
            return self._memo[key]
        self._memo[key] = False  # a cycle is not proof of safety
        found = self.bindings(name, env)
        if not found:
            result = self.is_imported(name) and name not in REQUEST_OBJECTS
        else:
            result = all(self._binding_is_safe(name, b, where, depth + 1) for b, where in found)
        self._memo[key] = result
        return result

    def _binding_is_safe(self, name: str, binding: Binding, env: Env, depth: int) -> bool:
        if binding.kind in {"=", "+="} and binding.value is not None:
            return self.is_safe(binding.value, env, depth)
        if binding.kind in {"append", "extend"}:
            return True
        if binding.kind == "loop" and binding.value is not None:
            path = loop_path(name, binding.node)
            return path is not None and self._element_safe(binding.value, path, env, depth)
        if binding.kind == "unpack" and isinstance(binding.node, cst.Assign):
            return self._unpacked_safe(name, binding.node, env, depth)
        if binding.kind == "other" and isinstance(binding.node, (cst.ClassDef, cst.FunctionDef)):
            return True
        if binding.kind == "param" and isinstance(binding.node, cst.Param):
            param = binding.node
            return typed_safe(param.annotation.annotation if param.annotation else None) or (
                param.annotation is None and isinstance(param.default, (cst.Integer, cst.Float))
            )  # def page(n=20): a number unless the caller says otherwise
        return False

    def _private_callers(self, name: str) -> list[tuple[cst.Call, list[cst.CSTNode]]]:
        """Every call of module function ``name`` with its ancestors; empty when the function is
        also used some other way (passed along, exported), so its callers are not all known.
        (A private helper's parameters are what its callers pass: see value_origin.)"""
        cache = self.context.__dict__.setdefault("_sql_private_callers", {})
        if name not in cache:
            calls: list[tuple[cst.Call, list[cst.CSTNode]]] = []
            uses = [0]
            stack: list[cst.CSTNode] = []

            def enter(node: cst.CSTNode) -> bool:
                stack.append(node)
                if isinstance(node, cst.Name) and node.value == name:
                    uses[0] += 1
                if isinstance(node, cst.FunctionDef) and node.name.value == name:
                    uses[0] -= 1  # its own definition
                if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == name:
                    calls.append((node, list(stack[:-1])))
                return True

            walk(self.context.module, enter, lambda node: stack.pop())
            cache[name] = calls if uses[0] == len(calls) else []
        return cache[name]

    # ----- safety -------------------------------------------------------------------------
    def is_safe(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> bool:
        """True when ``node`` cannot carry attacker-controlled text into a string.

        Answers are remembered per (node, env, depth): a chain of thousands of ``+`` operands is
        asked about at every level, and would otherwise cost quadratic time."""
        env = env or self.env
        key = (id(node), id(env), depth)
        memo = self.__dict__.setdefault("_safe_memo", {})
        if key not in memo:
            memo[key] = (env, self._is_safe(node, env, depth))  # env kept alive: its id stays unique
        return memo[key][1]

    def _is_safe(self, node: cst.BaseExpression, env: Env, depth: int) -> bool:
        if depth > MAX_DEPTH:
            return False
        if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float, cst.Imaginary, cst.Ellipsis)):
            return True
        if isinstance(node, cst.ConcatenatedString):
            return self.is_safe(node.left, env, depth) and self.is_safe(node.right, env, depth)
        if isinstance(node, cst.FormattedString):
            return all(
                self._formatted_part_safe(part, env, depth)
                for part in node.parts if isinstance(part, cst.FormattedStringExpression)
            )
        if isinstance(node, cst.Name):
            return self._name_is_safe(node.value, env, depth)
        if isinstance(node, cst.Attribute):
            return self._attribute_is_safe(node, env, depth)
        if isinstance(node, cst.Call):
            return self._call_is_safe(node, env, depth)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, (cst.Add, cst.Modulo)):
                return self.is_safe(node.left, env, depth) and (
                    self.is_safe(node.right, env, depth)
                    or (isinstance(node.operator, cst.Modulo) and self._only_numeric_specs(node.left, env))
                )
            return True  # arithmetic and repetition yield numbers or repeated safe text
        if isinstance(node, (cst.Comparison, cst.UnaryOperation)):
            return True
        if isinstance(node, (cst.BooleanOperation, cst.IfExp)):
            return all(self.is_safe(option, env, depth) for option in self._outcomes(node, env))
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return all(self.is_safe(e.value, env, depth) for e in node.elements)
        if isinstance(node, cst.Dict):
            return all(
                isinstance(e, cst.DictElement) and self.is_safe(e.value, env, depth) for e in node.elements
            )
        if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp)):
            return self._iterable_is_safe(node, env, depth)
        if isinstance(node, cst.Subscript):
            return self._constant_collection(node.value, env) or _compiled_sql_part(node, self, env)
        if isinstance(node, cst.Await):
            return False
        return False

    def _outcomes(self, node: cst.BaseExpression, env: Env) -> list[cst.BaseExpression]:
        """The expressions a conditional can evaluate to, pruned by constant conditions."""
        if isinstance(node, cst.IfExp):
            test = constant_value(node.test, env.facts)
            if test is UNKNOWN:
                return self._outcomes(node.body, env) + self._outcomes(node.orelse, env)
            return self._outcomes(node.body if test else node.orelse, env)
        if isinstance(node, cst.BooleanOperation):
            left = constant_value(node.left, env.facts)
            if isinstance(node.left, cst.BooleanOperation) and left is UNKNOWN:
                options = self._outcomes(node.left, env)
                if len(options) == 1:
                    left = constant_value(options[0], env.facts)
            if left is UNKNOWN:
                return self._outcomes(node.left, env) + self._outcomes(node.right, env)
            take_left = bool(left) if isinstance(node.operator, cst.Or) else not left
            return self._outcomes(node.left, env) if take_left else self._outcomes(node.right, env)
        return [node]

    def _formatted_part_safe(self, part: cst.FormattedStringExpression, env: Env, depth: int) -> bool:
        if part.format_spec:
            spec = "".join(p.value for p in part.format_spec if isinstance(p, cst.FormattedStringText))
            if NUMERIC_SPEC.search(spec):
                return True
        return self.is_safe(part.expression, env, depth)

    def _attribute_is_safe(self, node: cst.Attribute, env: Env, depth: int) -> bool:
        attr = node.attr.value
        if attr in REQUEST_WORDS:
            return False
        if SQL_FRAGMENT_NAME.search(attr):
            return True
        if CONSTANT_NAME.match(attr) or attr in SAFE_ATTRIBUTES or attr.lower() in SAFE_ATTRIBUTES:
            return True
        chain = dotted_name(node) or ""
        if "._meta." in f".{chain}.":
            return True
        if chain and (chain in env.guarded or env.facts.is_validated(chain, env.order)):
            return True  # ``if f.key not in COLUMNS: raise``
        if isinstance(node.value, cst.Name) and node.value.value in {"self", "cls"} and self.class_facts:
            bindings = self.class_facts.bindings.get(attr)
            if bindings and all(b.kind == "=" and b.value is not None for b in bindings):
                class_env = Env(self.class_facts, 1 << 30)
                return all(self.is_safe(b.value, class_env, depth + 1) for b in bindings if b.value is not None)
        if not chain or any(part in REQUEST_WORDS for part in chain.split(".")):
            return False
        # Object state and configuration (``self.x``, ``connection.features.y``, ``settings.Z``)
        # is set by the program, not the caller; so are members of classes and enums
        # (``State.accepted.value``). A chain rooted in a parameter or an unsafe local
        # (``user.name``) carries whatever the caller passed.
        root = chain.split(".")[0]
        if root in {"self", "cls"}:
            return True
        found = self.bindings(root, env)
        if not found:
            return root not in REQUEST_OBJECTS
        if all(b.kind == "other" and isinstance(b.node, cst.ClassDef) for b, _ in found):
            return True
        return self._name_is_safe(root, env, depth)

    def _call_is_safe(self, node: cst.Call, env: Env, depth: int) -> bool:
        name, last = call_name(node)
        if name in SAFE_CALLS or last in {"uuid4", "uuid1", "isoformat", "timestamp", "count"}:
            return True
        if any(word in last.lower() for word in SAFE_CALL_WORDS):
            return True
        if isinstance(node.func, cst.Name):  # qn = connection.ops.quote_name; qn(table)
            bindings, _ = self._bindings(node.func.value, env)
            if bindings and all(
                b.kind == "=" and b.value is not None
                and any(w in (dotted_name(b.value) or "").split(".")[-1].lower() for w in SAFE_CALL_WORDS)
                for b in bindings
            ):
                return True
        if self._allow_list_substitution(node, env, depth):
            return True
        if last in {"min", "max"}:
            return all(self.is_safe(a.value, env, depth) for a in node.args)
        if name in TRANSPARENT_CALLS or last in TRANSPARENT_CALLS:
            return all(self.is_safe(a.value, env, depth) for a in node.args)
        if isinstance(node.func, cst.Attribute):
            receiver = node.func.value
            if last == "replace":
                if [literal_text(a.value) for a in node.args[:2]] in (["'", "''"], ['"', '""']):
                    return True  # quotes doubled: SQL's own escape inside a quoted literal or name
                return self.is_safe(receiver, env, depth) and all(self.is_safe(a.value, env, depth) for a in node.args)
            if last in STRING_METHODS:
                return self.is_safe(receiver, env, depth)
            if last == "join":
                return self.is_safe(receiver, env, depth) and bool(node.args) and self._iterable_is_safe(
                    node.args[0].value, env, depth
                )
            if last == "format":
                return self.is_safe(receiver, env, depth) and all(self.is_safe(a.value, env, depth) for a in node.args)
            if last in {"substitute", "safe_substitute"}:
                return self.is_safe(receiver, env, depth) and all(self.is_safe(a.value, env, depth) for a in node.args)
            if last == "get" and self._constant_collection(receiver, env):
                return True
            getter = last.startswith("get_") and not node.args and last not in FETCHING_GETTERS
            if getter and self.is_safe(receiver, env, depth):
                return True  # field.get_attname(): a getter of the program's own object
        helper = self._helper(node, env)
        if helper is not None and depth < MAX_DEPTH:
            function, helper_env = helper
            returns = returned_values(function)
            return bool(returns) and all(self.is_safe(r, helper_env, depth + 1) for r in returns)
        return False

    def _allow_list_substitution(self, node: cst.Call, env: Env, depth: int) -> bool:
        """``re.sub("[^a-zA-Z0-9_]", "", x)`` or ``NOT_IDENT.sub("", x)``: only identifier
        characters are left, whatever ``x`` was."""
        name, last = call_name(node)
        args = [a.value for a in node.args if a.keyword is None and not a.star]
        if (self.context.imports.qualify(node.func) or name) in {"re.sub", "regex.sub"}:
            pattern = self._pattern_text(args[0], env) if args else None
            return len(args) >= 3 and is_allow_list_pattern(pattern) and self.is_safe(args[1], env, depth)
        if last == "sub" and isinstance(node.func, cst.Attribute) and len(args) >= 2:
            return is_allow_list_pattern(self._pattern_text(node.func.value, env)) and self.is_safe(args[0], env, depth)
        return False

    def _pattern_text(self, node: cst.BaseExpression, env: Env) -> str | None:
        """The regex a literal, a ``re.compile(...)`` or a name bound to either holds."""
        text = literal_text(node)
        if text is not None:
            return text
        if isinstance(node, cst.Call) and call_name(node)[1] == "compile" and node.args:
            return literal_text(node.args[0].value)
        if isinstance(node, cst.Name):
            found = self.bindings(node.value, env)
            if len(found) == 1 and found[0][0].kind == "=" and found[0][0].value is not None:
                return self._pattern_text(found[0][0].value, found[0][1])
        return None

    def _constant_collection(self, node: cst.BaseExpression, env: Env) -> bool:
        """A literal dict/list/tuple, or a name bound only to one: lookups in it are safe."""
        if isinstance(node, (cst.Dict, cst.List, cst.Tuple, cst.Set)):
            return self.is_safe(node, env)
        if isinstance(node, cst.Name):
            if CONSTANT_NAME.match(node.value):
                return True
            bindings, where = self._bindings(node.value, env)
            return bool(bindings) and all(
                b.kind == "=" and isinstance(b.value, (cst.Dict, cst.List, cst.Tuple, cst.Set))
                and self.is_safe(b.value, where) for b in bindings
            )
        if isinstance(node, cst.Attribute):
            return CONSTANT_NAME.match(node.attr.value) is not None and node.attr.value not in REQUEST_WORDS
        return False

    def _only_numeric_specs(self, node: cst.BaseExpression, env: Env) -> bool:
        text = self.literal_fragments(node, env)
        specs = PERCENT_SPEC.findall(text)
        return bool(specs) and all(spec in "diouxXeEfFgGc%" for spec in specs)

    # ----- text ---------------------------------------------------------------------------
    def literal_fragments(self, node: cst.BaseExpression, env: Env | None = None, depth: int = 0) -> str:
        """The literal text that goes into the string (holes as ``{}``), following names (remembered
        like ``is_safe``'s answers)."""
        env = env or self.env
        key = (id(node), id(env), depth)
        memo = self.__dict__.setdefault("_text_memo", {})
        if key not in memo:
            memo[key] = (env, self._literal_fragments(node, env, depth))
        return memo[key][1]

    def _literal_fragments(self, node: cst.BaseExpression, env: Env, depth: int) -> str:
        if depth > MAX_DEPTH:
            return ""
        text = literal_text(node)
        if text is not None:
            return text
        if isinstance(node, cst.FormattedString):
            return "".join(
                p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts
            )
        if isinstance(node, cst.ConcatenatedString):
            return self.literal_fragments(node.left, env, depth) + self.literal_fragments(node.right, env, depth)
        if isinstance(node, cst.BinaryOperation):
            return self.literal_fragments(node.left, env, depth) + " " + self.literal_fragments(node.right, env, depth)
        if isinstance(node, cst.IfExp):
            return self.literal_fragments(node.body, env, depth) + " " + self.literal_fragments(node.orelse, env, depth)
        if isinstance(node, cst.Call):
            name, last = call_name(node)
            if isinstance(node.func, cst.Attribute) and last in STRING_METHODS | TEXT_BUILDING_METHODS:
                parts = [self.literal_fragments(node.func.value, env, depth)]
                if last == "join" and node.args and isinstance(node.args[0].value, cst.Name):
                    parts += self._list_fragments(node.args[0].value, env, depth)
                elif last == "join" and node.args and isinstance(node.args[0].value, (cst.List, cst.Tuple)):
                    parts += [self.literal_fragments(e.value, env, depth) for e in node.args[0].value.elements]
                return " ".join(parts)
            if (name in TRANSPARENT_CALLS or last in TRANSPARENT_CALLS or last == "Template") and node.args:
                return self.literal_fragments(node.args[0].value, env, depth)
            helper = self._helper(node, env)
            if helper is not None:
                function, helper_env = helper
                return " ".join(self.literal_fragments(r, helper_env, depth + 1) for r in returned_values(function))
        if isinstance(node, cst.Name):
            return " ".join(
                self.literal_fragments(b.value, where, depth + 1)
                for b, where in self.bindings(node.value, env)
                if b.value is not None and b.kind in {"=", "+=", "append"}
            )
        return ""

    def _list_fragments(self, node: cst.Name, env: Env, depth: int) -> list[str]:
        parts = []
        for b, where in self.bindings(node.value, env):
            if b.value is None or b.kind not in {"=", "+=", "append", "extend"}:
                continue
            if isinstance(b.value, (cst.List, cst.Tuple)) and b.kind in {"=", "extend", "+="}:
                parts += [self.literal_fragments(e.value, where, depth + 1) for e in b.value.elements]
            else:
                parts.append(self.literal_fragments(b.value, where, depth + 1))
        return parts

    def _helper(self, node: cst.Call, env: Env) -> tuple[cst.FunctionDef, Env] | None:
        """A function of this module (or nested here, or a method of the enclosing class) that the
        call invokes, with the scope its body reads names in."""
        function: cst.FunctionDef | None = None
        parent: Env | None = None
        if isinstance(node.func, cst.Name):
            scope: Env | None = env
            while scope is not None and function is None:
                function = scope.facts.functions.get(node.func.value)
                parent = scope if function is not None and scope.facts is not self.module_facts else None
                scope = scope.parent
            if function is None:
                function = self.module_facts.functions.get(node.func.value)
        elif (
            isinstance(node.func, cst.Attribute) and isinstance(node.func.value, cst.Name)
            and node.func.value.value in {"self", "cls"} and self.class_facts is not None
        ):
            function = self.class_facts.functions.get(node.func.attr.value)
        if function is None:
            return None
        facts = self.context.scope_facts(function)
        if parent is not None:
            parent = Env(parent.facts, 1 << 30, parent=parent.parent, call=parent.call)
        return function, Env(facts, 1 << 30, parent=parent, call=(node, env))

    def helper_of(self, node: cst.Call) -> cst.FunctionDef | None:
        """The same-module function (or method of this class) a call invokes, if any."""
        found = self._helper(node, self.env)
        return found[0] if found else None


def _compiled_sql_part(node: cst.Subscript, analyzer: StringAnalyzer, env: Env) -> bool:
    """``qs.query.sql_with_params()[0]`` or ``parts[0]`` of a name bound to such a call."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return False
    index = node.slice[0].slice.value
    if not (isinstance(index, cst.Integer) and index.value == "0"):
        return False
    value = node.value
    if isinstance(value, cst.Name):
        found = analyzer.bindings(value.value, env)
        return bool(found) and all(
            b.kind == "=" and isinstance(b.value, cst.Call) and orm_compiled(b.value) for b, _ in found
        )
    return isinstance(value, cst.Call) and orm_compiled(value)
