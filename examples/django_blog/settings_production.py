"""Production settings of the blog. The fixed twin is settings_staging.py (same line, default off)."""

import environ

env = environ.Env()

SECRET_KEY = env("DJANGO_SECRET_KEY")
DEBUG = env.bool("DJANGO_DEBUG", default=True)  # expect: BR703
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
