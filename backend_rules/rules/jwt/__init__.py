"""BR5xx: JSON Web Tokens accepted without checking who signed them, with what, or until when."""

FAMILY = "BR5"
