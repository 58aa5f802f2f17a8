"""A small FastAPI + asyncio service: each async anti-pattern next to its fixed twin (BR3xx)."""
