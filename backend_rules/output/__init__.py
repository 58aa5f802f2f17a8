"""Render a report in one of the output formats: text, json, sarif, github."""

from __future__ import annotations

from backend_rules.output.formats import FORMATS, render

__all__ = ["FORMATS", "render"]
