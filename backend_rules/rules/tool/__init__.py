"""BR0xx: what the tool itself reports when it could not check a file as asked."""

FAMILY = "BR0"
