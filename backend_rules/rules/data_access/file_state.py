"""Per-file state shared by both data-access rules: the model graph, helper verdicts, loop analyses.

Both rules read the project's model graph (:mod:`backend_rules.analysis.orm.model_graph`), from
the project index plus this file's own facts, and fall back to conservative name-based
heuristics when a model is not found.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import libcst as cst

from backend_rules.analysis.orm.chains import looks_like_model
from backend_rules.analysis.orm.function_facts import (
    FunctionIndex,
    collect_functions,
    functions_for,
)
from backend_rules.analysis.orm.model_facts import ORM_TRIGGER, collect_orm
from backend_rules.analysis.orm.model_graph import ModelGraph, ModelInfo, graph_for


class FileState:
    """Model graph (index + this file's own facts), helper-function verdicts, loop analyses."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self._graph: ModelGraph | None = None
        self.loops: dict[int, list[tuple[str, cst.CSTNode, str]]] = {}
        self.func_verdicts: dict[int, str | None] = {}
        self.module_name: str | None = None
        self._functions: FunctionIndex | None = None
        self.resolving = 0  # depth of owner-of-relation look-ups under way (``a.b`` of ``a`` of ``x.a``)

    @property
    def graph(self) -> ModelGraph:
        if self._graph is None:
            module = "__main__"
            project = self.context.project
            if project is not None:
                from backend_rules.analysis.project_facts import module_name

                try:
                    module = module_name(project.root, self.context.path)
                except ValueError:
                    module = "__main__"
            self.module_name = module
            own: dict[str, Any] = {}
            if (project is None or module not in project.modules) and re.search(ORM_TRIGGER, self.context.source):
                try:
                    own = collect_orm(ast.parse(self.context.source), module)
                except (SyntaxError, ValueError, RecursionError):
                    own = {}
            if project is not None and not own:
                self._graph = graph_for(project)
            else:
                per_module = dict(project.facts("orm")) if project is not None else {}
                per_module[module] = own
                self._graph = ModelGraph(per_module)
        return self._graph

    def model(self, name: str | None) -> ModelInfo | None:
        graph = self.graph
        return graph.model(name, self.module_name)

    @property
    def functions(self) -> FunctionIndex:
        """Summaries of the project's functions (what they return and read), this file's own included."""
        if self._functions is None:
            _ = self.graph  # sets module_name
            project = self.context.project
            module = self.module_name or "__main__"
            if project is not None and module in project.modules:
                self._functions = functions_for(project)
            else:
                try:
                    own = collect_functions(ast.parse(self.context.source), module)
                except (SyntaxError, ValueError, RecursionError):
                    own = {}
                per_module = dict(project.facts("orm_functions")) if project is not None else {}
                per_module[module] = own
                self._functions = FunctionIndex(per_module)
        return self._functions


def state_of(context: Any) -> FileState:
    state = getattr(context, "_data_access_state", None)
    if state is None:
        state = FileState(context)
        context._data_access_state = state
    return state


class KnownModels:
    """Set-like view of the model names, built only when a chain needs it."""

    def __init__(self, state: FileState) -> None:
        self.state = state

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and looks_like_model(name) and name in self.state.graph.by_name

    def is_manager(self, model: str, attr: str) -> bool:
        """``Model.<attr>`` may be a manager: not one of the model's fields, relations or methods."""
        info = self.state.model(model)
        if info is None:
            return True
        return attr not in info.fields and attr not in info.relations and attr not in info.methods
