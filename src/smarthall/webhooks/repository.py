"""Every query of webhooks. Subscriptions and deliveries are hall-owned (the client's hall): admins reach them
through the scope filter; the relay (system work) claims due deliveries with one conditional UPDATE."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update

from smarthall.core.repository import Repository
from smarthall.core.tenancy import Actor
from smarthall.webhooks.models import Attempt, Delivery, Subscription


class SubscriptionRepository(Repository[Subscription]):
    model = Subscription

    def in_scope(self, actor: Actor) -> list[Subscription]:
        """Every subscription of the halls in ``actor``'s scope (the admin page)."""
        return list(self.session.execute(self.scoped(actor).order_by(Subscription.id)).scalars())

    def of_client(self, actor: Actor, client_id: int) -> list[Subscription]:
        stmt = self.scoped(actor).where(Subscription.client_id == client_id).order_by(Subscription.id)
        return list(self.session.execute(stmt).scalars())

    def active(self) -> list[Subscription]:
        """Every active subscription (the event recorder's list, cached per process until one changes)."""
        stmt = select(Subscription).where(Subscription.status == "active").order_by(Subscription.id)
        return list(self.session.execute(stmt).scalars())

    def by_ids(self, ids: Sequence[int]) -> dict[int, Subscription]:
        if not ids:
            return {}
        rows = self.session.execute(select(Subscription).where(Subscription.id.in_(list(ids)))).scalars()
        return {row.id: row for row in rows}

    def for_update(self, subscription_id: int) -> Subscription | None:
        stmt = select(Subscription).where(Subscription.id == subscription_id).with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()


class DeliveryRepository(Repository[Delivery]):
    model = Delivery

    def log(self, actor: Actor, subscription_id: int, *, limit: int, offset: int) -> list[Delivery]:
        stmt = (
            self.scoped(actor)
            .where(Delivery.subscription_id == subscription_id)
            .order_by(Delivery.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.execute(stmt).scalars())

    def due_ids(self, now: datetime, limit: int) -> list[int]:
        stmt = (
            select(Delivery.id)
            .join(Subscription, Subscription.id == Delivery.subscription_id)
            .where(Delivery.status == "pending", Delivery.next_attempt_at <= now, Subscription.status == "active")
            .order_by(Delivery.next_attempt_at, Delivery.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def claim(self, ids: Sequence[int], now: datetime, lease_until: datetime) -> list[Delivery]:
        """Lease the still-due ones of ``ids`` to this process until ``lease_until`` (one conditional UPDATE): a
        relay that dies mid-flight leaves them due again when the lease ends, and two relays never send one twice
        at once."""
        claimed = list(
            self.session.execute(
                update(Delivery)
                .where(Delivery.id.in_(list(ids)), Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .values(next_attempt_at=lease_until)
                .returning(Delivery.id)
            ).scalars()
        )
        if not claimed:
            return []
        stmt = select(Delivery).where(Delivery.id.in_(claimed)).order_by(Delivery.id)
        return list(self.session.execute(stmt).scalars())

    def recent(self, actor: Actor, *, limit: int) -> list[Delivery]:
        """The latest deliveries of the halls in ``actor``'s scope, newest first (the admin page)."""
        stmt = self.scoped(actor).order_by(Delivery.id.desc()).limit(limit)
        return list(self.session.execute(stmt).scalars())

    def make_due(self, subscription_id: int, now: datetime) -> None:
        """The subscription's pending deliveries become due now (when it is resumed)."""
        self.session.execute(
            update(Delivery)
            .where(Delivery.subscription_id == subscription_id, Delivery.status == "pending")
            .values(next_attempt_at=now)
        )

    def by_id(self, delivery_id: int) -> Delivery | None:
        return self.session.get(Delivery, delivery_id)

    def attempts(self, delivery_ids: Sequence[int]) -> dict[int, list[Attempt]]:
        out: dict[int, list[Attempt]] = {i: [] for i in delivery_ids}
        if not delivery_ids:
            return out
        stmt = select(Attempt).where(Attempt.delivery_id.in_(list(delivery_ids))).order_by(Attempt.id)
        for row in self.session.execute(stmt).scalars():
            out[row.delivery_id].append(row)
        return out

    def add_attempt(self, attempt: Attempt) -> None:
        self.session.add(attempt)
