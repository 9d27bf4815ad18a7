"""Sending and reading notifications (the outbox).

``send`` writes the message, ``queued``, in the caller's transaction; once that commits, a relay delivers the
queued messages of the database through the channels and records each outcome. The relay runs in the
background and takes every message queued meanwhile in one transaction (a burst of bookings costs one write, not
one per message); each message is claimed first (``queued`` → ``sending``), so two processes never deliver one
twice. In the test environment the relay runs inline, right after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smarthall.core.coalesce import Coalescer
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
        after_commit(session, lambda: _relay.request(database, now))
    return message


RELAY_BATCH = 200


def deliver_queued(database: Any, now: datetime) -> int:
    """Deliver every queued message (in batches), recording sent or failed; the number handled."""
    done = 0
    while True:
        with database.unit_of_work() as session:
            ids = [
                mid
                for (mid,) in session.execute(
                    select(Message.id).where(Message.status == "queued").order_by(Message.id).limit(RELAY_BATCH)
                )
            ]
            if not ids:
                return done
            claimed = session.execute(
                update(Message)
                .where(Message.id.in_(ids), Message.status == "queued")
                .values(status="sending")
                .returning(Message.id)
            ).scalars()
            for message in session.execute(select(Message).where(Message.id.in_(list(claimed)))).scalars():
                message.attempts += 1
                ok = all(channel.deliver(message) for channel in _channels)
                message.status = "sent" if ok else "failed"
                message.sent_at = now if ok else None
                done += 1
        if len(ids) < RELAY_BATCH:
            return done


def _relay_run(database: Hashable, now: datetime) -> None:
    deliver_queued(database, now)


_relay = Coalescer("notify-outbox", _relay_run, min_interval=0.2)


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
