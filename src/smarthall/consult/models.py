"""Consultation tables: knowledge-base entries and their published versions, asked questions (the review queue
and the metrics come from them) and the next step a citizen took (the Annex A route)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, IdMixin, JsonType, TimestampMixin


class Entry(IdMixin, TimestampMixin, Base):
    """A FAQ entry or an item guide. Served only while published and within [effective_from, expires_at)."""

    __tablename__ = "consult_entry"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    # The hall that owns the entry (its editors change it); none: the platform's, shared by every hall.
    hall_code: Mapped[str | None] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "faq" | "item"
    item_code: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    keywords: Mapped[list[str]] = mapped_column(JsonType, default=list)
    situations: Mapped[list[str]] = mapped_column(JsonType, default=list)  # when it applies, in citizens' words
    not_this: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)  # {"when", "instead"}
    status: Mapped[str] = mapped_column(String(16), index=True)  # draft | in_review | published | retired
    version: Mapped[int] = mapped_column(Integer, default=0)  # the published version; 0 before the first review
    effective_from: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    source: Mapped[str] = mapped_column(String(16), default="editor")  # "catalog" | "editor" | "import"
    author_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    # A proposed change awaiting review: the published text keeps being served until a reviewer approves it.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    pending_by: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    # Bumped on every change, so the in-process index notices edits made at the same instant (frozen clocks,
    # several writes within one second) and by other processes.
    revision: Mapped[int] = mapped_column(Integer, default=0)


class EntryVersion(IdMixin, Base):
    """An immutable snapshot of an entry as published (who reviewed it, when)."""

    __tablename__ = "consult_entry_version"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("consult_entry.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JsonType)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    published_at: Mapped[datetime] = mapped_column()


class Question(IdMixin, Base):
    """One question asked, with what was answered; low-confidence ones and "not helpful" go to review."""

    __tablename__ = "consult_question"

    text: Mapped[str] = mapped_column(Text)
    normalised: Mapped[str] = mapped_column(Text, default="")
    hall_code: Mapped[str | None] = mapped_column(String(40), index=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")  # web | kiosk | guide_desk
    confident: Mapped[bool] = mapped_column(Boolean)
    confidence: Mapped[float] = mapped_column(Float)
    top_entry_code: Mapped[str | None] = mapped_column(String(40))
    answers: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    helpful: Mapped[bool | None] = mapped_column(Boolean)
    feedback_at: Mapped[datetime | None] = mapped_column()
    review_status: Mapped[str] = mapped_column(String(16), default="none", index=True)  # none|open|linked|dismissed
    linked_entry_code: Mapped[str | None] = mapped_column(String(40))
    # Asked back (issue 17): the entries offered as choices, and the one the citizen tapped.
    clarify_choices: Mapped[list[str] | None] = mapped_column(JsonType)
    chosen_entry_code: Mapped[str | None] = mapped_column(String(40))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("identity_staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    asked_at: Mapped[datetime] = mapped_column()
    day: Mapped[date] = mapped_column(Date, index=True)  # the service day (Asia/Shanghai)


class Route(IdMixin, Base):
    """The next step taken after guidance (Annex A: identify -> find the need -> route)."""

    __tablename__ = "consult_route"

    question_id: Mapped[int | None] = mapped_column(ForeignKey("consult_question.id"), index=True)
    item_code: Mapped[str | None] = mapped_column(String(32))
    hall_code: Mapped[str | None] = mapped_column(String(40))
    route: Mapped[str] = mapped_column(String(16))  # book | ticket | self_service | online | help | hotline
    target: Mapped[str] = mapped_column(String(300))
    actor: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column()
    day: Mapped[date] = mapped_column(Date, index=True)
