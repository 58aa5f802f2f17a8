"""A small service's configuration: each hardcoded secret next to its fixed twin."""
