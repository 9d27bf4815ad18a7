"""Queries of the outbox: the queued messages to deliver (claimed with one conditional UPDATE, so two processes
never deliver one message twice), a recipient's inbox, the messages about one record."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smarthall.core.repository import Repository
from smarthall.notify.models import Message


class MessageRepository(Repository[Message]):
    model = Message

    def queued_ids(self, limit: int) -> list[int]:
        stmt = select(Message.id).where(Message.status == "queued").order_by(Message.id).limit(limit)
        return list(self.session.execute(stmt).scalars())

    def claim(self, ids: Sequence[int]) -> list[Message]:
        """Move the still-queued ones of ``ids`` to ``sending`` and return them: this process delivers those."""
        claimed = self.session.execute(
            update(Message)
            .where(Message.id.in_(list(ids)), Message.status == "queued")
            .values(status="sending")
            .returning(Message.id)
        ).scalars()
        stmt = select(Message).where(Message.id.in_(list(claimed))).order_by(Message.id)
        return list(self.session.execute(stmt).scalars())

    def inbox(self, recipient_kind: str, recipient_id: int, *, limit: int) -> list[Message]:
        stmt = (
            select(Message)
            .where(Message.recipient_kind == recipient_kind, Message.recipient_id == recipient_id)
            .order_by(Message.id.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def about(self, ref_type: str, ref_id: str) -> list[Message]:
        stmt = select(Message).where(Message.ref_type == ref_type, Message.ref_id == ref_id).order_by(Message.id)
        return list(self.session.execute(stmt).scalars())


class ReceiptRepository:
    """Delivery receipts of an SMS gateway: the gateway names the message it was given (system work, no actor)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def by_id(self, message_id: int) -> Message | None:
        return self.session.get(Message, message_id)
