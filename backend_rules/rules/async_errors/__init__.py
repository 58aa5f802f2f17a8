"""BR3xx: async errors nobody will ever see (lost tasks, unawaited coroutines, swallowed errors)."""

FAMILY = "BR3"
