"""BR0xx: what the tool itself reports when it could not check a file as asked."""

from __future__ import annotations

from backend_rules.rule import Rule

FAMILY = "BR0"


class InternalError(Rule):
    """A rule failed on this file; the other rules' findings are still reported.

    ## What it does
    Reports that backend-rules hit a bug while checking the file, naming the rule.

    ## Why is this bad?
    A silent failure would look like a clean file. Please report the message with the file.
    """

    CODE = "BR000"
    NAME = "internal-error"
    MESSAGE = "internal error in {rule}; please report it"
    CATEGORY = "tool"
    SEVERITY = "LOW"
    CONFIDENCE = "HIGH"


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


class UnreadableFile(Rule):
    """The file cannot be decoded as Python source (binary data, wrong encoding).

    ## What it does
    Reports a `.py` file that contains NUL bytes or does not decode with its declared encoding
    (UTF-8 unless a PEP 263 coding cookie says otherwise).

    ## Why is this bad?
    Nothing in the file was checked. Fix the encoding, or exclude the file.
    """

    CODE = "BR002"
    NAME = "unreadable-file"
    MESSAGE = "cannot read file: {error}"
    CATEGORY = "tool"
    SEVERITY = "HIGH"
    CONFIDENCE = "HIGH"
