"""BR002: a file that cannot be decoded as Python source."""

from __future__ import annotations

from backend_rules.rule import Rule


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
