"""Resolve local names to the dotted names they were imported as (``r.get`` -> ``requests.get``).

libcst's QualifiedNameProvider does this with a full scope analysis, which costs about ten times
the parse (see the benchmark README); rules only need import aliases, so the engine records every
``import`` statement during its single traversal and resolves names from that table.
"""

from __future__ import annotations

import libcst as cst


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of Name/Attribute nodes, else None."""
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def _module_name(node: cst.BaseExpression | None) -> str:
    return dotted_name(node) or "" if node is not None else ""


class ImportMap:
    """Local name -> fully qualified dotted name, from every import seen so far in the file."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def add(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = _module_name(alias.name)
                if alias.asname is not None:
                    local = dotted_name(alias.asname.name)  # type: ignore[arg-type]
                    if local:
                        self.names[local] = full
                else:
                    top = full.split(".")[0]
                    self.names[top] = top
            return
        if isinstance(node.names, cst.ImportStar):
            return
        module = "." * len(node.relative) + _module_name(node.module)
        for alias in node.names:
            imported = dotted_name(alias.name)
            if not imported:  # pragma: no cover - the grammar only allows names here
                continue
            local = dotted_name(alias.asname.name) if alias.asname else imported  # type: ignore[arg-type]
            if local:
                self.names[local] = f"{module}.{imported}" if module else imported

    def qualify(self, node: cst.BaseExpression) -> str | None:
        """The dotted name ``node`` refers to, through import aliases; None if not a name chain."""
        name = dotted_name(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        full = self.names.get(head)
        if full is None:
            return name
        return f"{full}.{rest}" if rest else full

    def imported_from(self, node: cst.BaseExpression, *prefixes: str) -> bool:
        """True when ``node`` names something imported from one of the given modules."""
        name = dotted_name(node)
        if name is None or name.split(".")[0] not in self.names:
            return False
        full = self.qualify(node) or ""
        return any(full == p or full.startswith(p + ".") for p in prefixes)
