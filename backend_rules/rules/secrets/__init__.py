"""BR4xx: secrets written into the code (passwords, tokens, keys, URLs with credentials)."""

FAMILY = "BR4"
