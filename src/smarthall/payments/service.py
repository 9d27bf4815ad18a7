"""Payment use cases (缴费): an order for a case's fee, the provider's notification, the order's status on the case,
and refunds.

* ``open_order``: the applicant (or a clerk in scope) asks to pay; the fee is the catalog item's (``fee``, yuan) in
  fen. One live order per case: asking again returns it (the case row is locked, so parallel asks make one).
* ``notify``: the provider says an order was paid. The signature and freshness are checked first (400, nothing
  changed); then, under the order's row lock, the first notice marks it paid and every repeat of the same
  transaction is answered the same and changes nothing (providers retry until they hear 200); a notice of another
  transaction for a paid order is 409; an amount that differs is 422.
* ``refund``: a hall manager refunds a paid order through the provider, with a reason; audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases import service as cases_service
from smarthall.catalog import service as catalog_service
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.org import service as org_service
from smarthall.payments.errors import (
    AmountMismatch,
    NoticeInvalid,
    NoticeStale,
    NotRefundable,
    OrderClosed,
    OrderNotFound,
    PaidOtherwise,
    PaymentNotRequired,
    SignatureInvalid,
)
from smarthall.payments.models import PaymentOrder
from smarthall.payments.provider import PaymentProvider
from smarthall.payments.repository import OrderRepository


@dataclass(frozen=True)
class OrderView:
    order_no: str
    case_no: str
    item_code: str
    item_name: str
    amount_fen: int
    status: str
    provider: str
    pay_url: str
    paid_at: datetime | None
    refunded_at: datetime | None
    refund_reason: str

    @property
    def amount_yuan(self) -> str:
        return f"{self.amount_fen / 100:.2f}"


def view(order: PaymentOrder, provider: PaymentProvider) -> OrderView:
    return OrderView(
        order.order_no, order.case_no, order.item_code, order.item_name, order.amount_fen, order.status,
        order.provider, provider.checkout_url(order.order_no) if order.status == "pending" else "", order.paid_at,
        order.refunded_at, order.refund_reason,
    )  # fmt: skip


def fee_fen(fee: Any) -> int:
    return int(round(float(fee or 0) * 100))


def _new_order_no(now: datetime) -> str:
    return f"PAY{now:%Y%m%d}{secrets.token_hex(10).upper()}"


def open_order(
    session: Session, actor: Actor, *, case_no: str, provider: PaymentProvider, now: datetime
) -> PaymentOrder:
    """The case's live order (pending or paid), made now when there is none; 409 when the item carries no fee."""
    case = cases_service.case_locked(session, actor, case_no=case_no, now=now)
    repo = OrderRepository(session)
    live = [o for o in repo.of_case(case.case_no) if o.status in ("pending", "paid")]
    if live:
        return live[-1]
    item = catalog_service.get_item(session, case.item_code)
    amount = fee_fen(item.fee)
    if amount <= 0:
        raise PaymentNotRequired(detail={"item_code": case.item_code})
    hall = org_service.hall_facts(session, case.hall_code)
    order = PaymentOrder(
        order_no=_new_order_no(now), case_no=case.case_no, hall_id=hall.id, hall_code=hall.code,
        region_path=hall.region_path, item_code=case.item_code, item_name=item.name, amount_fen=amount,
        provider=provider.name, status="pending", created_at=now,
    )  # fmt: skip
    repo.add(order)
    repo.flush()
    audit_service.record(
        session, actor, "payment.order", target_type="payment_order", target_id=order.order_no,
        hall_code=hall.code, detail={"case_no": case.case_no, "amount_fen": amount}, now=now,
    )  # fmt: skip
    return order


def orders_of_case(session: Session, actor: Actor, *, case_no: str, now: datetime) -> list[PaymentOrder]:
    """The case's orders, oldest first, for whoever may read the case."""
    case = cases_service.case_in_scope(session, actor, case_no=case_no, to="read", now=now)
    return OrderRepository(session).of_case(case.case_no)


def paid(session: Session, case_no: str) -> bool:
    """Whether the case's fee is paid (and not refunded): for other domains (e.g. delivery)."""
    return any(o.status == "paid" for o in OrderRepository(session).of_case(case_no))


@dataclass(frozen=True)
class CaseFee:
    """What a case owes: its item's fee and whether it is paid (``unpaid``: no live order; ``pending``: an order
    waits at the cashier; ``paid``)."""

    amount_fen: int
    state: str
    order_no: str

    @property
    def amount_yuan(self) -> str:
        return f"{self.amount_fen / 100:.2f}"


def case_fee(session: Session, *, case_no: str, item_code: str) -> CaseFee | None:
    """The fee of a case whose item carries one, else None: for delivery (which waits for ``paid``) and the case
    page (the pay link). A refunded order is closed, so a case whose only order was refunded owes the fee again."""
    amount = fee_fen(catalog_service.item_fee(session, item_code))
    if amount <= 0:
        return None
    orders = OrderRepository(session).of_case(case_no)
    for state in ("paid", "pending"):
        live = [o for o in orders if o.status == state]
        if live:
            return CaseFee(amount, state, live[-1].order_no)
    return CaseFee(amount, "unpaid", "")


def order_for_cashier(session: Session, order_no: str) -> PaymentOrder:
    """An order by its number (the cashier link): the number is the credential of the demo cashier."""
    order = OrderRepository(session).by_no(order_no)
    if order is None:
        raise OrderNotFound(detail={"order_no": order_no[:40]})
    return order


@dataclass(frozen=True)
class NoticeOutcome:
    order: PaymentOrder
    changed: bool  # False: a repeat of a notice already applied


def notify(
    session: Session, provider: PaymentProvider, *, body: bytes, headers: dict[str, str], now: datetime
) -> NoticeOutcome:
    """Apply the provider's notification (see the module docstring)."""
    try:
        notice = provider.verify(body, headers, now=now.timestamp())
    except ValueError as exc:
        reason = str(exc)
        if reason == "stale":
            raise NoticeStale() from exc
        if reason == "signature":
            raise SignatureInvalid() from exc
        raise NoticeInvalid() from exc
    repo = OrderRepository(session)
    order = repo.by_no(notice.order_no, lock=True)
    if order is None or order.provider != provider.name:
        raise OrderNotFound(detail={"order_no": notice.order_no})
    order.notices += 1
    if order.status == "paid" or order.status == "refunded":
        if order.provider_txn == notice.txn_id:
            return NoticeOutcome(order, changed=False)
        if order.status == "refunded":
            raise OrderClosed(detail={"order_no": order.order_no})
        raise PaidOtherwise(detail={"order_no": order.order_no})
    if notice.amount_fen != order.amount_fen:
        raise AmountMismatch(detail={"expected_fen": order.amount_fen, "got_fen": notice.amount_fen})
    order.status, order.provider_txn, order.paid_at = "paid", notice.txn_id, now
    audit_service.record(
        session, SYSTEM, "payment.paid", target_type="payment_order", target_id=order.order_no,
        hall_code=order.hall_code, detail={"case_no": order.case_no, "provider": provider.name}, now=now,
    )  # fmt: skip
    return NoticeOutcome(order, changed=True)


def refund(
    session: Session, actor: Actor, *, order_no: str, reason: str, provider: PaymentProvider, now: datetime
) -> PaymentOrder:
    """Refund a paid order of a hall in ``actor``'s scope through its provider (409 unless paid)."""
    order = OrderRepository(session).get_in_scope(actor, order_no=order_no)
    if order is None:
        raise OrderNotFound(detail={"order_no": order_no[:40]})
    order = OrderRepository(session).by_no(order_no, lock=True)
    assert order is not None
    if order.status != "paid" or order.provider_txn is None:
        raise NotRefundable(detail={"status": order.status})
    order.refund_ref = provider.refund(order.order_no, order.provider_txn, order.amount_fen)
    order.status, order.refunded_at, order.refund_reason = "refunded", now, reason
    audit_service.record(
        session, actor, "payment.refund", target_type="payment_order", target_id=order.order_no,
        hall_code=order.hall_code, detail={"case_no": order.case_no, "amount_fen": order.amount_fen}, now=now,
    )  # fmt: skip
    return order
