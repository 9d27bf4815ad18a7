"""Ratings, rectification work orders, invitations and one-time link tokens, per-hall settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Rating(IdMixin, TimestampMixin, Base):
    """One rating of one service; ``sequence`` 2 is the single re-rating allowed after a rectification."""

    __tablename__ = "evaluation_rating"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_ref", "sequence"),)

    subject_kind: Mapped[str] = mapped_column(String(16))  # ticket | case | help_request
    subject_ref: Mapped[str] = mapped_column(String(40), index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    window_code: Mapped[str | None] = mapped_column(String(40), index=True)
    staff_id: Mapped[int | None] = mapped_column(index=True)
    department_code: Mapped[str | None] = mapped_column(String(16), index=True)
    item_code: Mapped[str | None] = mapped_column(String(32), index=True)
    service_channel: Mapped[str] = mapped_column(String(8))  # onsite | online
    channel: Mapped[str] = mapped_column(String(16))  # window_pad | kiosk | link | web
    level: Mapped[int] = mapped_column(Integer)
    indicators: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    comment: Mapped[str] = mapped_column(Text, default="")
    rater_citizen_id: Mapped[int | None] = mapped_column(index=True)
    rater_index: Mapped[str | None] = mapped_column(String(64))  # blind index of the rater's ID number
    rated_at: Mapped[datetime] = mapped_column(index=True)
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)  # an upheld appeal: malicious review


class Rectification(IdMixin, TimestampMixin, Base):
    """The work order a bad rating opens (差评整改): follow-up call, fix and reply, each on a working-day deadline.

    A bad re-rating after the fix opens a second order for the same service, linked by ``previous_id``; the first
    order keeps the re-rating's level in ``rerating_level`` and is closed by it.
    """

    __tablename__ = "evaluation_rectification"

    rating_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rating.id"), unique=True)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_rectification.id"), unique=True)
    rerating_level: Mapped[int | None] = mapped_column(Integer)
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    hall_code: Mapped[str] = mapped_column(String(32), index=True)
    region_path: Mapped[str] = mapped_column(String(200), index=True)
    assignee_kind: Mapped[str] = mapped_column(String(16))  # window | department | hall
    assignee_code: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    follow_up_due: Mapped[date] = mapped_column(Date)
    fix_due: Mapped[date] = mapped_column(Date)
    followed_up_at: Mapped[datetime | None] = mapped_column()
    follow_up_on_time: Mapped[bool | None] = mapped_column(Boolean)
    rectified_at: Mapped[datetime | None] = mapped_column()
    rectify_on_time: Mapped[bool | None] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None] = mapped_column()
    reply: Mapped[str] = mapped_column(Text, default="")
    appeal_reason: Mapped[str] = mapped_column(Text, default="")
    warned_follow_up: Mapped[bool] = mapped_column(Boolean, default=False)
    warned_fix: Mapped[bool] = mapped_column(Boolean, default=False)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)


class Invitation(IdMixin, TimestampMixin, Base):
    """A finished service waiting for its rating; an invitation goes out when it is still unrated after 3 days."""

    __tablename__ = "evaluation_invitation"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_ref"),)

    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[str] = mapped_column(String(40))
    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"), index=True)
    window_code: Mapped[str | None] = mapped_column(String(40), index=True)
    finished_at: Mapped[datetime] = mapped_column(index=True)
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)  # waiting|sent|rated|skipped|closed
    sent_at: Mapped[datetime | None] = mapped_column()


class LinkToken(IdMixin, Base):
    """A one-time rating link (QR code or SMS): the signed token carries ``jti``; used once, then refused."""

    __tablename__ = "evaluation_link"

    jti: Mapped[str] = mapped_column(String(32), unique=True)
    subject_kind: Mapped[str] = mapped_column(String(16))
    subject_ref: Mapped[str] = mapped_column(String(40))
    issued_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
