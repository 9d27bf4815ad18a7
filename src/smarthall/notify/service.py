"""Sending and reading notifications."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.core.db import after_commit
from smarthall.core.masking import mask_phone
from smarthall.notify.models import Message
from smarthall.notify.templates import render

log = logging.getLogger("smarthall.notify")


class Channel(Protocol):
    name: str

    def deliver(self, message: Message) -> bool: ...


class LogChannel:
    """Writes one masked log line per message: the development and demo stand-in for an SMS gateway."""

    name = "log"

    def deliver(self, message: Message) -> bool:
        target = mask_phone(message.phone) if message.phone else f"{message.recipient_kind}:{message.recipient_id}"
        log.info("notify %s -> %s: %s", message.template, target, message.body_zh)
        return True


_channels: list[Channel] = [LogChannel()]


def set_channels(channels: list[Channel]) -> None:
    _channels[:] = channels


def send(
    session: Session,
    *,
    template: str,
    params: dict[str, Any],
    now: datetime,
    citizen_id: int | None = None,
    staff_id: int | None = None,
    phone: str | None = None,
    ref_type: str | None = None,
    ref_id: object = None,
) -> Message:
    """Queue a message in this transaction; it is delivered after commit and always kept in the inbox."""
    if citizen_id is None and staff_id is None and not phone:
        raise ValueError("a message needs a recipient")
    body_zh, body_en = render(template, params)
    kind = "citizen" if citizen_id is not None else "staff" if staff_id is not None else "phone"
    message = Message(
        recipient_kind=kind,
        recipient_id=citizen_id if citizen_id is not None else staff_id,
        phone=phone,
        template=template,
        params=params,
        body_zh=body_zh,
        body_en=body_en,
        ref_type=ref_type,
        ref_id=None if ref_id is None else str(ref_id),
        created_at=now,
    )
    session.add(message)
    session.flush()
    database = session.info.get("db")
    if database is not None:
        message_id = message.id
        after_commit(session, lambda: deliver_pending(database, [message_id], now))
    return message


def deliver_pending(database: Any, ids: list[int], now: datetime) -> None:
    with database.unit_of_work() as session:
        for message in session.execute(
            select(Message).where(Message.id.in_(ids), Message.status == "queued")
        ).scalars():
            message.attempts += 1
            ok = all(channel.deliver(message) for channel in _channels)
            message.status = "sent" if ok else "failed"
            message.sent_at = now if ok else None


def inbox(
    session: Session, *, citizen_id: int | None = None, staff_id: int | None = None, limit: int = 50
) -> list[Message]:
    stmt = select(Message).order_by(Message.id.desc()).limit(limit)
    if citizen_id is not None:
        stmt = stmt.where(Message.recipient_kind == "citizen", Message.recipient_id == citizen_id)
    elif staff_id is not None:
        stmt = stmt.where(Message.recipient_kind == "staff", Message.recipient_id == staff_id)
    else:
        return []
    return list(session.execute(stmt).scalars())


def messages_for(session: Session, *, ref_type: str, ref_id: object) -> list[Message]:
    return list(
        session.execute(
            select(Message).where(Message.ref_type == ref_type, Message.ref_id == str(ref_id)).order_by(Message.id)
        ).scalars()
    )
