"""BR000: a rule failed on a file (a bug in backend-rules)."""

from __future__ import annotations

from backend_rules.rule import Rule


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
