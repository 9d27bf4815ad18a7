"""Every query of payments. Orders are hall-owned (the case's hall): staff reach them through the scope filter; the
provider's callback and the cashier page reach one by its unguessable number, under a row lock when they change it."""

from __future__ import annotations

from sqlalchemy import select

from smarthall.core.db import for_update
from smarthall.core.repository import Repository
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
