"""The demo provider's cashier page (演示收银台): the order's item and amount, and a button that pays it. Paying
sends the same signed notification a real provider would, through the same ``notify`` path as the HTTP callback."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.payments import service as payments_service
from smarthall.payments.provider import demo_provider
from smarthall.web.templating import login_redirect, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
OrderNo = Annotated[str, Path(min_length=1, max_length=40)]


def _page(request: Request, session: DbSession, order_no: str, *, error: HallError | None = None) -> Response:
    provider = demo_provider(request.app.state.secret_key)
    order = payments_service.order_for_cashier(session, order_no)
    return render(
        request,
        "payments/cashier.html",
        {"order": payments_service.view(order, provider), "error": error},
        status_code=error.status_ if error else 200,
    )


@router.get("/pay/demo/{order_no}")
def cashier(order_no: OrderNo, request: Request, session: DbSession) -> Response:
    try:
        return _page(request, session, order_no)
    except HallError as exc:
        return render(request, "payments/cashier.html", {"order": None, "error": exc}, status_code=exc.status_)


@router.post("/pay/demo/{order_no}")
def pay(order_no: OrderNo, request: Request, session: DbSession, now: Now) -> Response:
    provider = demo_provider(request.app.state.secret_key)
    try:
        with attempt(session):
            order = payments_service.order_for_cashier(session, order_no)
            body, signature = provider.notice(order.order_no, order.amount_fen, now=now.timestamp())
            payments_service.notify(session, provider, body=body, headers={"x-pay-signature": signature}, now=now)
    except HallError as exc:
        try:
            return _page(request, session, order_no, error=exc)
        except HallError:
            return render(request, "payments/cashier.html", {"order": None, "error": exc}, status_code=exc.status_)
    return RedirectResponse(f"/pay/demo/{order_no}", status_code=303)


@router.post("/cases/{case_no}/pay")
def pay_case(case_no: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The case page's "去缴费": open (or find) the case's order and go to its cashier."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    provider = demo_provider(request.app.state.secret_key)
    return write_then_go(
        request,
        session,
        lambda: payments_service.open_order(session, actor, case_no=case_no[:48], provider=provider, now=now),
        lambda order: provider.checkout_url(order.order_no),
    )
