"""The webhook page of a hall (事件推送监控): the hall's API clients and their subscriptions, the latest deliveries
with their status and attempts, and two actions: resend a delivery, resume a paused subscription.

For hall managers and admins (``webhook.operate``); subscribing stays with admins (the JSON API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from smarthall.core.deps import CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.web.templating import gate, render, write_then_go
from smarthall.webhooks import policy
from smarthall.webhooks import service as webhooks_service

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
PATH = "/admin/webhooks"
PERMISSION = "webhook.operate"


def _page(
    request: Request, session: Any, actor: Actor, now: datetime, *, error: HallError | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    view = webhooks_service.overview(session, actor, limit=50)
    return render(
        request,
        "webhooks/index.html",
        {
            "view": view,
            "error": error,
            "sent": request.query_params.get("sent"),
            "path": PATH,
            "verify_snippet": policy.VERIFY_SNIPPET,
        },
        status_code=status_code,
    )


@router.get(PATH)
def webhooks_page(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    return _page(request, session, actor, now)


@router.post(PATH + "/deliveries/{delivery_id}/resend")
def resend_submit(delivery_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: webhooks_service.replay(session, actor, delivery_id, now=now),
        lambda _: f"{PATH}?sent={delivery_id}",
        on_error=lambda exc: _page(request, session, actor, now, error=exc, status_code=exc.status_),
    )


@router.post(PATH + "/subscriptions/{subscription_id}/resume")
def resume_submit(
    subscription_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    if (denied := gate(request, actor, PERMISSION)) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: webhooks_service.resume(session, actor, subscription_id, now=now),
        lambda _: PATH,
        on_error=lambda exc: _page(request, session, actor, now, error=exc, status_code=exc.status_),
    )
