"""Daily reconciliation (对账) of payment orders against the provider's statement (requirements §11.1 item 4).

A statement is the provider's list of what moved on one day (Asia/Shanghai): each line a payment or a refund with
its transaction id, the order number and the amount in fen. The platform's side of the same day is every order
paid or refunded that day. Lines are matched on (kind, transaction id); what does not match is listed:

* ``missing_at_provider``: the platform recorded it, the provider did not (a forged or misapplied notice);
* ``missing_in_platform``: the provider moved money the platform never recorded (a lost notification);
* ``amount_differs`` / ``order_differs``: both have the transaction, with another amount or order.

The demo provider keeps no books of its own: its cashier is part of the platform, so its statement
(``demo_statement``) is what the platform's orders say it charged and refunded — it always matches. A real
provider's downloaded statement is supplied as lines (the API's POST, the CLI's ``--statement FILE``). Staff see
only their scope's orders; a line of an order outside it is counted, not shown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.clock import SHANGHAI
from smarthall.core.tenancy import Actor
from smarthall.payments.models import PaymentOrder
from smarthall.payments.repository import OrderRepository


@dataclass(frozen=True)
class StatementLine:
    kind: str  # pay | refund
    txn_id: str
    order_no: str
    amount_fen: int


@dataclass(frozen=True)
class Mismatch:
    problem: str
    kind: str
    txn_id: str
    order_no: str
    platform_fen: int | None
    statement_fen: int | None


@dataclass
class Report:
    day: date
    provider: str
    matched: int = 0
    platform_lines: int = 0
    statement_lines: int = 0
    outside_scope: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["day"] = self.day.isoformat()
        out["balanced"] = not self.mismatches
        return out


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=SHANGHAI)
    return start, start + timedelta(days=1)


def platform_lines(orders: list[PaymentOrder], day: date) -> list[StatementLine]:
    """What the platform's orders say moved on ``day``. Pure."""
    start, end = day_bounds(day)
    lines = []
    for order in orders:
        if order.paid_at is not None and order.provider_txn and start <= order.paid_at < end:
            lines.append(StatementLine("pay", order.provider_txn, order.order_no, order.amount_fen))
        if order.refunded_at is not None and order.refund_ref and start <= order.refunded_at < end:
            lines.append(StatementLine("refund", order.refund_ref, order.order_no, order.amount_fen))
    return lines


def compare(ours: list[StatementLine], theirs: list[StatementLine], report: Report) -> Report:
    """Match the two sides on (kind, txn_id) and list every difference (see the module docstring). Pure."""
    mine = {(line.kind, line.txn_id): line for line in ours}
    report.platform_lines, report.statement_lines = len(ours), len(theirs)
    seen = set()
    for line in theirs:
        key = (line.kind, line.txn_id)
        seen.add(key)
        own = mine.get(key)
        if own is None:
            problem = "missing_in_platform"
        elif own.order_no != line.order_no:
            problem = "order_differs"
        elif own.amount_fen != line.amount_fen:
            problem = "amount_differs"
        else:
            report.matched += 1
            continue
        report.mismatches.append(
            Mismatch(problem, line.kind, line.txn_id, line.order_no, own.amount_fen if own else None, line.amount_fen)
        )
    for key, own in mine.items():
        if key not in seen:
            report.mismatches.append(Mismatch("missing_at_provider", own.kind, own.txn_id, own.order_no,
                                              own.amount_fen, None))  # fmt: skip
    return report


def demo_statement(session: Session, day: date) -> list[StatementLine]:
    """The demo provider's statement of ``day``: what its cashier charged and refunded (see the docstring)."""
    start, end = day_bounds(day)
    return platform_lines(OrderRepository(session).moved_between(start, end, provider="demo"), day)


def reconcile(
    session: Session, actor: Actor, *, day: date, provider: str, statement: list[StatementLine], now: datetime
) -> Report:
    """The day's report for ``actor``'s scope, audited (the statement's lines of orders outside it are counted)."""
    start, end = day_bounds(day)
    repo = OrderRepository(session)
    ours = platform_lines(repo.moved_between(start, end, provider=provider, actor=actor), day)
    known = {o.order_no: o for o in repo.by_nos({line.order_no for line in statement})}
    visible = repo.visible_nos(actor, set(known))
    own = [line for line in statement if line.order_no not in known or line.order_no in visible]
    report = compare(ours, own, Report(day, provider, outside_scope=len(statement) - len(own)))
    audit_service.record(
        session, actor, "payment.reconcile", target_type="payment_statement", target_id=f"{provider}:{day}",
        detail={"matched": report.matched, "mismatches": len(report.mismatches)}, now=now,
    )  # fmt: skip
    return report
