"""BR6xx: error handling that tells a client what only the server should know."""

FAMILY = "BR6"
