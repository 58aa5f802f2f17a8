"""BR7xx: input taken whole from a request, and transport security switched off."""

FAMILY = "BR7"
