import os

import boto3
import psycopg2
import requests
from pydantic_settings import BaseSettings

# ruleid: br401-python-hardcoded-secret
DB_PASSWORD = "Sup3r-s3cret!"
# ruleid: br401-python-hardcoded-secret
STRIPE_API_KEY = "sk_live_51HxQ2eKZ7gW1kz9"
# ruleid: br401-python-hardcoded-secret
github_token: str = "ghp_Yx2bQm9Lr7PzT4kW1aC3vN8dF6hJ0sE5uR2i"


class Settings(BaseSettings):
    # ruleid: br401-python-hardcoded-secret
    jwt_secret: str = "0a9f7c2e4b6d8f1a3c5e7b9d"


def connect():
    # ruleid: br401-python-hardcoded-secret
    return psycopg2.connect(host="db", user="app", password="hunter2hunter2")


def aws():
    # ruleid: br401-python-hardcoded-secret
    return boto3.client("s3", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")


def headers():
    # ruleid: br401-python-hardcoded-secret
    return {"Accept": "application/json", "api_key": "live_8f7d6c5b4a39"}


# ruleid: br401-python-hardcoded-secret
def login(user, password="Winter2024!"):
    return requests.post("/login", json={"user": user})


class Client:
    def __init__(self):
        # ruleid: br401-python-hardcoded-secret
        self.client_secret = "f3c2a1b0e9d8c7b6"


# ---------------------------------------------------------------- negatives

# ok: br401-python-hardcoded-secret
DB_PASSWORD_ENV = os.environ["DB_PASSWORD"]
# ok: br401-python-hardcoded-secret
API_KEY = os.getenv("API_KEY", "")
# ok: br401-python-hardcoded-secret
PASSWORD = ""
# ok: br401-python-hardcoded-secret
SECRET_KEY = "changeme"
# ok: br401-python-hardcoded-secret
db_password = "<password>"
# ok: br401-python-hardcoded-secret
token = "${GITHUB_TOKEN}"
# ok: br401-python-hardcoded-secret
api_key = "your-api-key-here"
# ok: br401-python-hardcoded-secret
TOKEN_URL = "https://auth.example.com/oauth/token"
# ok: br401-python-hardcoded-secret
PASSWORD_FIELD = "password"
# ok: br401-python-hardcoded-secret
password_help = "Enter a password with at least 12 characters"
# ok: br401-python-hardcoded-secret
token_type = "bearer"
# ok: br401-python-hardcoded-secret
password_template = "{password}"
# ok: br401-python-hardcoded-secret
secret = "xxxxxxxx"


def connect_env():
    # ok: br401-python-hardcoded-secret
    return psycopg2.connect(host="db", user="app", password=os.environ["PGPASSWORD"])
