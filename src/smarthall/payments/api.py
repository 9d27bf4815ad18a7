"""Payments JSON API: open (or fetch) a case's payment order, read its status, the provider's signed callback
(public: the signature is the credential), and refunds by a hall manager."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from smarthall.core.clock import service_day
from smarthall.core.deps import DbSession, LoggedIn, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.payments import reconcile as reconcile_service
from smarthall.payments import service as payments_service
from smarthall.payments.errors import DayAhead, UnknownProvider
from smarthall.payments.provider import PaymentProvider, demo_provider

router = APIRouter(route_class=UnitOfWorkRoute, tags=["payments"])
Refunder = Annotated[Actor, Depends(require("payment.refund"))]
Reader = Annotated[Actor, Depends(require("payment.read"))]
CaseNo = Annotated[str, Path(min_length=1, max_length=48)]
OrderNo = Annotated[str, Path(min_length=1, max_length=40)]
MAX_NOTICE_BYTES = 8 * 1024


class OrderRead(BaseModel):
    order_no: str
    case_no: str
    item_code: str
    item_name: str
    amount_fen: int
    status: str = Field(description="pending | paid | refunded")
    provider: str
    pay_url: str = Field(description="the cashier address while pending, else empty")
    paid_at: Any = None
    refunded_at: Any = None
    refund_reason: str = ""


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=200)


def provider_of(request: Request, name: str = "demo") -> PaymentProvider:
    if name != "demo":
        raise UnknownProvider(detail={"provider": name[:32]})
    return demo_provider(request.app.state.secret_key)


def _read(order: Any, provider: PaymentProvider) -> OrderRead:
    return OrderRead(**payments_service.view(order, provider).__dict__)


@router.post("/cases/{case_no}/payment", status_code=201)
def open_order(case_no: CaseNo, request: Request, session: DbSession, actor: LoggedIn, now: Now) -> OrderRead:
    """The case's payment order for its item's fee (made now, or the live one again); 409 when the item is free."""
    provider = provider_of(request)
    order = payments_service.open_order(session, actor, case_no=case_no, provider=provider, now=now)
    return _read(order, provider)


@router.get("/cases/{case_no}/payment")
def case_payment(case_no: CaseNo, request: Request, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, Any]:
    """Whether the case's fee is paid, with its orders (oldest first)."""
    provider = provider_of(request)
    orders = payments_service.orders_of_case(session, actor, case_no=case_no, now=now)
    return {
        "case_no": case_no,
        "paid": any(o.status == "paid" for o in orders),
        "orders": [_read(o, provider).model_dump(mode="json") for o in orders],
    }


async def _body(request: Request) -> bytes:
    body = await request.body()
    return body[: MAX_NOTICE_BYTES + 1]


@router.post("/payments/callback/{provider_name}")
def callback(
    provider_name: Annotated[str, Path(min_length=1, max_length=32)],
    request: Request,
    session: DbSession,
    now: Now,
    body: Annotated[bytes, Depends(_body)],
) -> JSONResponse:
    """The provider's notification that an order was paid (signed; see docs/open-platform.md). A repeat of one
    already applied is answered 200 again and changes nothing."""
    provider = provider_of(request, provider_name)
    headers = {k.lower(): v for k, v in request.headers.items()}
    outcome = payments_service.notify(session, provider, body=body[:MAX_NOTICE_BYTES], headers=headers, now=now)
    return JSONResponse({"ok": True, "order_no": outcome.order.order_no, "repeat": not outcome.changed})


@router.post("/payments/{order_no}/refund")
def refund(
    order_no: OrderNo, data: RefundIn, request: Request, session: DbSession, actor: Refunder, now: Now
) -> OrderRead:
    """Refund a paid order (hall manager), with a reason."""
    provider = provider_of(request)
    order = payments_service.refund(session, actor, order_no=order_no, reason=data.reason, provider=provider, now=now)
    return _read(order, provider)


class StatementLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["pay", "refund"]
    txn_id: str = Field(min_length=1, max_length=64, description="the provider's transaction or refund reference")
    order_no: str = Field(min_length=1, max_length=40)
    amount_fen: int = Field(ge=0, le=10**10)


class ReconcileIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    day: date = Field(description="the statement's day (Asia/Shanghai); today or earlier")
    provider: Literal["demo"] = "demo"
    lines: list[StatementLineIn] | None = Field(
        default=None, max_length=20000,
        description="the provider's downloaded statement; left out, the provider's own statement is fetched",
    )  # fmt: skip


class MismatchRead(BaseModel):
    problem: str = Field(description="missing_at_provider | missing_in_platform | amount_differs | order_differs")
    kind: str = Field(description="pay | refund")
    txn_id: str
    order_no: str
    platform_fen: int | None
    statement_fen: int | None


class ReconcileRead(BaseModel):
    day: date
    provider: str
    balanced: bool
    matched: int
    platform_lines: int
    statement_lines: int
    outside_scope: int = Field(description="statement lines of orders outside the caller's scope (not shown)")
    mismatches: list[MismatchRead]


@router.post("/payments/reconciliation")
def reconciliation(data: ReconcileIn, request: Request, session: DbSession, actor: Reader, now: Now) -> ReconcileRead:
    """The day's reconciliation (对账) of the caller's orders against the provider's statement, listing every
    mismatch; 422 for a day still to come. Audited."""
    if data.day > service_day(now):
        raise DayAhead(detail={"day": data.day.isoformat()})
    provider_of(request, data.provider)
    if data.lines is None:
        statement = reconcile_service.demo_statement(session, data.day)
    else:
        statement = [
            reconcile_service.StatementLine(line.kind, line.txn_id, line.order_no, line.amount_fen)
            for line in data.lines
        ]
    report = reconcile_service.reconcile(
        session, actor, day=data.day, provider=data.provider, statement=statement, now=now
    )
    return ReconcileRead.model_validate(report.as_dict())
