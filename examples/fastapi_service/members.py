"""Members API: pydantic schemas, SQLAlchemy models, and where client input and errors cross over."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel
from sqlalchemy import Boolean, Integer, String, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

logger = logging.getLogger(__name__)
router = APIRouter()


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20), default="member")
    is_superuser: Mapped[bool] = mapped_column(Boolean, default=False)


class MemberUpdate(BaseModel):
    """What an administrator may change."""

    email: str | None = None
    name: str | None = None
    role: str | None = None


class ProfileUpdate(BaseModel):
    """What members may change about themselves."""

    email: str | None = None
    name: str | None = None


def get_session() -> Session:
    raise NotImplementedError


@router.patch("/me")
def update_me(body: MemberUpdate, member_id: int, session: Session = Depends(get_session)):
    changes = body.model_dump(exclude_unset=True)
    session.execute(update(Member).where(Member.id == member_id).values(**changes))  # expect: BR701
    session.commit()


@router.patch("/v2/me")
def update_me_fixed(body: ProfileUpdate, member_id: int, session: Session = Depends(get_session)):
    changes = body.model_dump(exclude_unset=True)
    session.execute(update(Member).where(Member.id == member_id).values(**changes))
    session.commit()


@router.post("/members/{member_id}/sync")
def sync_member(member_id: int, session: Session = Depends(get_session)):
    try:
        session.execute(update(Member).where(Member.id == member_id).values(name="synced"))
        session.commit()
    except SQLAlchemyError as exc:
        raise HTTPException(status_code=500, detail=f"database error: {exc}")  # expect: BR601
    return {"ok": True}


@router.post("/v2/members/{member_id}/sync")
def sync_member_fixed(member_id: int, session: Session = Depends(get_session)):
    try:
        session.execute(update(Member).where(Member.id == member_id).values(name="synced"))
        session.commit()
    except SQLAlchemyError:
        logger.exception("sync failed for member %s", member_id)
        raise HTTPException(status_code=500, detail="could not sync the member")
    return {"ok": True}
