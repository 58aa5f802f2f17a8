"""Django settings of the shop service.

Each anti-pattern (marked ``# expect: BR4xx``) is followed by its fix, which reads the value from
the environment or from a secret manager.
"""

import os

from decouple import config

DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]

# Signing key written into the settings module.
SECRET_KEY = "django-insecure-7f#q2k@x9!w3z$e1r&t5y*u8i0o"  # expect: BR405
# Fixed: from the environment; the process fails to start when it is missing.
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": "Sh0p-db-Passw0rd",  # expect: BR401
        "HOST": "db.internal",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_ro",
        "PASSWORD": os.environ["REPLICA_DB_PASSWORD"],
        "HOST": "replica.internal",
    },
}

# A fallback that silently ships a known key when the variable is missing.
STRIPE_SECRET_KEY = config("STRIPE_SECRET_KEY", default="stripe-dev-0c41f7")  # expect: BR404
STRIPE_WEBHOOK_SECRET = config("STRIPE_WEBHOOK_SECRET")

CELERY_BROKER_URL = "amqp://shop:Rabb1t-pw-2024@rabbit.internal:5672/shop"  # expect: BR403
CELERY_RESULT_BACKEND = os.environ["CELERY_RESULT_BACKEND"]

# These name password machinery, not passwords: quiet.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
PASSWORD_RESET_TIMEOUT = 3600
LOGIN_URL = "/accounts/login/"
SESSION_COOKIE_NAME = "shop_session"
