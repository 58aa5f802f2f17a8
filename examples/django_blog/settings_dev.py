"""Settings for a developer's machine: debug mode belongs here."""

from .settings_staging import *  # noqa: F403

DEBUG = True
ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
