"""BR2xx data access: N+1 queries (BR201 query-in-loop, BR202 lazy-relation-in-loop)."""

FAMILY = "BR2"
