"""BR1xx: SQL built from strings that reaches a place where it is executed."""

FAMILY = "BR1"
