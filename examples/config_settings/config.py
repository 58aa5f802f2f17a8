"""Settings of the API service, read with pydantic-settings."""

import os

from pydantic import SecretStr
from pydantic_settings import BaseSettings


class InsecureSettings(BaseSettings):
    database_url: str = "postgresql://api:Api-Pg-Secr3t@db.internal:5432/api"  # expect: BR403
    redis_password: SecretStr = SecretStr("r3dis-Dev-Pass")  # expect: BR404
    jwt_algorithm: str = "HS256"
    token_url: str = "https://auth.example.com/oauth/token"


class Settings(BaseSettings):
    """Fixed: no secret has a default; pydantic refuses to start without them."""

    database_url: SecretStr
    redis_password: SecretStr
    jwt_algorithm: str = "HS256"
    token_url: str = "https://auth.example.com/oauth/token"


JWT_SECRET = os.getenv("JWT_SECRET", "dev-jwt-secret")  # expect: BR404
JWT_SECRET_FIXED = os.environ["JWT_SECRET"]

SENDGRID_API_KEY = "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"  # expect: BR402
SENDGRID_API_KEY_FIXED = os.environ["SENDGRID_API_KEY"]
