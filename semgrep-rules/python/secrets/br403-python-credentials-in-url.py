import os

import redis
from celery import Celery
from sqlalchemy import create_engine

# ruleid: br403-python-credentials-in-url
DATABASE_URL = "postgresql://app_user:s3cr3t-pw@db.internal:5432/app"

# ruleid: br403-python-credentials-in-url
engine = create_engine("mysql+pymysql://root:Tr0ub4dor@localhost/shop")

# ruleid: br403-python-credentials-in-url
cache = redis.Redis.from_url("redis://:hunter2hunter2@cache:6379/0")

# ruleid: br403-python-credentials-in-url
app = Celery("tasks", broker="amqp://guest:rabbit-pass-42@rabbitmq:5672//")

SETTINGS = {
    # ruleid: br403-python-credentials-in-url
    "mongo": "mongodb+srv://admin:Xy7pQ2mL9@cluster0.example.net/db",
}

# ---------------------------------------------------------------- negatives

# ok: br403-python-credentials-in-url
NO_PASSWORD = "postgresql://app_user@db.internal:5432/app"
# ok: br403-python-credentials-in-url
FROM_ENV = os.environ["DATABASE_URL"]
# ok: br403-python-credentials-in-url
WITH_DEFAULT = os.environ.get("DATABASE_URL", "postgresql://postgres:postgres@localhost/test")
# ok: br403-python-credentials-in-url
TEMPLATE = "postgresql://${DB_USER}:${DB_PASSWORD}@db/app"
# ok: br403-python-credentials-in-url
PLACEHOLDER = "postgresql://user:<password>@host/db"
# ok: br403-python-credentials-in-url
DOC_EXAMPLE = "postgresql://user:password@localhost/db"
# ok: br403-python-credentials-in-url
PERCENT = "postgresql://%(user)s:%(password)s@%(host)s/db"
# ok: br403-python-credentials-in-url
WEB = "https://example.com:8443/path"


def url(user, password, host):
    # ok: br403-python-credentials-in-url
    return f"postgresql://{user}:{password}@{host}/app"
