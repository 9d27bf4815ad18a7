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

from sqlalchemy.orm import Session

from smarthall.core.coalesce import Coalescer
from smarthall.core.db import after_commit
from smarthall.core.masking import mask_phone
from smarthall.notify.models import Message
from smarthall.notify.repository import MessageRepository
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


CHANNELS = "notify.channel"  # the registry point where delivery channels are contributed


def channels(database: Any) -> list[Channel]:
    """The delivery channels wired into ``database``'s platform (the log channel when none is)."""
    registry = getattr(database, "registry", None)
    found: list[Channel] = registry.contributions(CHANNELS) if registry is not None else []
    return found or [LogChannel()]


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
    repo = MessageRepository(session)
    repo.add(message)
    repo.flush()
    database = session.info.get("db")
    if database is not None:
        after_commit(session, lambda: _relay.request(database, now))
    return message


RELAY_BATCH = 200


def deliver_queued(database: Any, now: datetime) -> int:
    """Deliver every queued message (in batches), recording sent or failed; the number handled."""
    done = 0
    wired = channels(database)
    while True:
        with database.unit_of_work() as session:
            repo = MessageRepository(session)
            ids = repo.queued_ids(RELAY_BATCH)
            if not ids:
                return done
            for message in repo.claim(ids):
                message.attempts += 1
                ok = all(channel.deliver(message) for channel in wired)
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
    """A citizen's or staff member's messages, newest first (none for anyone else)."""
    repo = MessageRepository(session)
    if citizen_id is not None:
        return repo.inbox("citizen", citizen_id, limit=limit)
    if staff_id is not None:
        return repo.inbox("staff", staff_id, limit=limit)
    return []


def messages_for(session: Session, *, ref_type: str, ref_id: object) -> list[Message]:
    """The messages sent about one record (a case, a booking, ...), oldest first."""
    return MessageRepository(session).about(ref_type, str(ref_id))
