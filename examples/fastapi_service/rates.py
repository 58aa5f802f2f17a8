"""Exchange rates with a Redis cache. Each anti-pattern (marked ``expect``) sits beside its fixed twin."""

from __future__ import annotations

import json

import redis.asyncio as aioredis
from fastapi import APIRouter, Query
from sqlalchemy import DateTime, Float, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

router = APIRouter()
rates_cache = aioredis.from_url("redis://localhost:6379/0")
RATE_TTL_SECONDS = 300


class Base(DeclarativeBase):
    pass


class RateSample(Base):
    __tablename__ = "rate_samples"

    id: Mapped[int] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[float] = mapped_column(Float)
    taken_at = mapped_column(DateTime)


async def fetch_rate(currency: str) -> float:
    raise NotImplementedError  # calls the rates provider


# --- caching a computed value ----------------------------------------------------------------

@router.get("/rates/{currency}")
async def rate_forever(currency: str):
    cached = await rates_cache.get(f"rate:{currency}")
    if cached is not None:
        return json.loads(cached)
    rate = await fetch_rate(currency)
    await rates_cache.set(f"rate:{currency}", json.dumps(rate))  # expect: BR802
    return rate


@router.get("/rates/{currency}/v2")
async def rate(currency: str):
    cached = await rates_cache.get(f"rate:{currency}")
    if cached is not None:
        return json.loads(cached)
    value = await fetch_rate(currency)
    await rates_cache.set(f"rate:{currency}", json.dumps(value), ex=RATE_TTL_SECONDS)
    return value


# --- the history page size ---------------------------------------------------------------

@router.get("/rates/{currency}/history")
async def history_unbounded(currency: str, session: AsyncSession, limit: int = 100):  # expect: BR203
    stmt = select(RateSample).where(RateSample.currency == currency).order_by(RateSample.taken_at.desc())
    samples = (await session.scalars(stmt.limit(limit))).all()
    return [{"rate": s.rate, "at": s.taken_at.isoformat()} for s in samples]


@router.get("/rates/{currency}/history/v2")
async def history(currency: str, session: AsyncSession, limit: int = Query(100, ge=1, le=1000)):
    stmt = select(RateSample).where(RateSample.currency == currency).order_by(RateSample.taken_at.desc())
    samples = (await session.scalars(stmt.limit(limit))).all()
    return [{"rate": s.rate, "at": s.taken_at.isoformat()} for s in samples]
