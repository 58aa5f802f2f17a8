"""BR8xx: caching mistakes that make a cache silently useless or wrong."""

FAMILY = "BR8"
