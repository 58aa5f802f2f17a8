"""BR001: a file that cannot be parsed as Python."""

from __future__ import annotations

from backend_rules.rule import Rule


class SyntaxErrorInFile(Rule):
    """The file cannot be parsed as Python, so no other rule could check it.

    ## What it does
    Reports the first syntax error of a file that is not valid Python (3.0 - 3.13 grammar), or a
    file nested too deeply to analyse.

    ## Why is this bad?
    Nothing in the file was checked. A file that is not meant to be Python (a template, a fixture)
    belongs in `exclude`.

    ## Example
    ```python
    def handler(:
        pass
    ```
    """

    CODE = "BR001"
    NAME = "syntax-error"
    MESSAGE = "cannot parse file: {error}"
    CATEGORY = "tool"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
