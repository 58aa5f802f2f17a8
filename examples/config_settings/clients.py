"""Clients of external services: each hardcoded credential next to its fixed twin."""

import hashlib
import hmac
import os
import smtplib
from datetime import datetime, timedelta, timezone

import boto3
import jwt
import redis
import requests
from requests.auth import HTTPBasicAuth


def secret_from_manager(name: str) -> str:
    client = boto3.client("secretsmanager")
    return client.get_secret_value(SecretId=name)["SecretString"]


def s3_client_insecure():
    return boto3.client(
        "s3",
        aws_access_key_id="AKIA4Q7ZK2M9X3B8N6TW",  # expect: BR402
        aws_secret_access_key="q8Zk3Lm2Xc9Vb1Nz8Kp3Rt6Ys0Wd5Je2Ha7Bu4Fq",  # expect: BR402
    )


def s3_client():
    return boto3.client("s3")  # credentials from the environment or the instance role


def cache_insecure():
    return redis.Redis(host="cache.internal", password="C4che-Pa55word")  # expect: BR401


def cache():
    return redis.Redis(host="cache.internal", password=os.environ["REDIS_PASSWORD"])


def fetch_report_insecure(report_id):
    url = f"https://reports.example.com/api/{report_id}"
    return requests.get(url, auth=HTTPBasicAuth("reports", "R3ports-pw!"), timeout=10)  # expect: BR401


def fetch_report(report_id):
    url = f"https://reports.example.com/api/{report_id}"
    password = secret_from_manager("prod/reports/password")
    return requests.get(url, auth=HTTPBasicAuth("reports", password), timeout=10)


def send_mail_insecure(message):
    with smtplib.SMTP("smtp.example.com", 587) as server:
        server.starttls()
        server.login("alerts@example.com", "M4il-Alerts-pw")  # expect: BR401
        server.send_message(message)


def send_mail(message):
    with smtplib.SMTP("smtp.example.com", 587) as server:
        server.starttls()
        server.login("alerts@example.com", os.environ["SMTP_PASSWORD"])
        server.send_message(message)


def _claims(user_id):
    return {"sub": user_id, "exp": datetime.now(timezone.utc) + timedelta(minutes=15)}


def issue_token_insecure(user_id):
    return jwt.encode(_claims(user_id), "jwt-signing-secret", algorithm="HS256")  # expect: BR405


def issue_token(user_id):
    return jwt.encode(_claims(user_id), os.environ["JWT_SECRET"], algorithm="HS256")


def verify_webhook_insecure(body: bytes, signature: str) -> bool:
    expected = hmac.new(b"whsec-hardcoded-1", body, hashlib.sha256).hexdigest()  # expect: BR405
    return hmac.compare_digest(expected, signature)


def verify_webhook(body: bytes, signature: str) -> bool:
    key = os.environ["WEBHOOK_SECRET"].encode()
    expected = hmac.new(key, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def is_admin_insecure(password: str) -> bool:
    return password == "Adm1n-Passw0rd"  # expect: BR401


def is_admin(password: str) -> bool:
    stored = secret_from_manager("prod/admin/password-hash")
    return hmac.compare_digest(hashlib.sha256(password.encode()).hexdigest(), stored)
