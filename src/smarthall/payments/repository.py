"""Every query of payments. Orders are hall-owned (the case's hall): staff reach them through the scope filter; the
provider's callback and the cashier page reach one by its unguessable number, under a row lock when they change it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select

from smarthall.core.db import for_update
from smarthall.core.repository import Repository
from smarthall.core.tenancy import Actor
from smarthall.payments.models import PaymentOrder


class OrderRepository(Repository[PaymentOrder]):
    model = PaymentOrder

    def by_no(self, order_no: str, *, lock: bool = False) -> PaymentOrder | None:
        stmt = select(PaymentOrder).where(PaymentOrder.order_no == order_no)
        if lock:
            stmt = stmt.execution_options(populate_existing=True)
            if for_update(self.session):
                stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalar_one_or_none()

    def of_case(self, case_no: str) -> list[PaymentOrder]:
        stmt = select(PaymentOrder).where(PaymentOrder.case_no == case_no).order_by(PaymentOrder.id)
        return list(self.session.execute(stmt).scalars())

    def moved_between(
        self, start: datetime, end: datetime, *, provider: str, actor: Actor | None = None
    ) -> list[PaymentOrder]:
        """Orders of ``provider`` paid or refunded in [start, end) — in ``actor``'s scope when one is given."""
        o = PaymentOrder
        moved = or_(and_(o.paid_at >= start, o.paid_at < end), and_(o.refunded_at >= start, o.refunded_at < end))
        stmt = self.scoped(actor) if actor is not None else select(o)
        stmt = stmt.where(o.provider == provider, moved).order_by(o.id)
        return list(self.session.execute(stmt).scalars())

    def by_nos(self, order_nos: set[str]) -> list[PaymentOrder]:
        if not order_nos:
            return []
        stmt = select(PaymentOrder).where(PaymentOrder.order_no.in_(sorted(order_nos)))
        return list(self.session.execute(stmt).scalars())

    def visible_nos(self, actor: Actor, order_nos: set[str]) -> set[str]:
        """Which of ``order_nos`` are orders in ``actor``'s scope."""
        if not order_nos:
            return set()
        stmt = self.scoped(actor).where(PaymentOrder.order_no.in_(sorted(order_nos)))
        return {order.order_no for order in self.session.execute(stmt).scalars()}
