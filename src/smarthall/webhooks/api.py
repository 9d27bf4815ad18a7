"""Webhooks JSON API: admins subscribe an API client to event kinds, read the delivery log, replay a delivery and
resume a paused subscription. How a receiver verifies a delivery: docs/open-platform.md."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from smarthall.core.deps import DbId, DbSession, Now, SettingsDep, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.core.types import QueryOffset
from smarthall.webhooks import policy
from smarthall.webhooks import service as webhooks_service
from smarthall.webhooks.schemas import DeliveryRead, SubscriptionCreate, SubscriptionRead, SubscriptionWithSecret

router = APIRouter(route_class=UnitOfWorkRoute, tags=["open platform"])
Manager = Annotated[Actor, Depends(require("apiclient.manage"))]


def own_hosts(request: Request, public_base_url: str) -> list[str]:
    """The addresses that are the platform itself: the one this request reached, and the public one."""
    hosts = [policy.host_port(request.headers.get("host", ""), request.url.scheme)]
    if public_base_url:
        hosts.append(policy.host_port(public_base_url))
    return [h for h in hosts if h]


@router.post("/api-clients/{client_id}/webhooks", status_code=201)
def subscribe(
    client_id: DbId,
    body: SubscriptionCreate,
    request: Request,
    session: DbSession,
    settings: SettingsDep,
    actor: Manager,
    now: Now,
) -> SubscriptionWithSecret:
    """Subscribe a client to event kinds; the answer carries the signing secret, shown this once."""
    hosts = own_hosts(request, settings.public_base_url)
    sub, secret = webhooks_service.subscribe(session, actor, client_id, body, own_hosts=hosts, now=now)
    return SubscriptionWithSecret(subscription=webhooks_service.subscription_read(sub), secret=secret)


@router.get("/api-clients/{client_id}/webhooks")
def list_subscriptions(client_id: DbId, session: DbSession, actor: Manager) -> list[SubscriptionRead]:
    """A client's subscriptions."""
    subs = webhooks_service.subscriptions(session, actor, client_id)
    return [webhooks_service.subscription_read(s) for s in subs]


@router.get("/webhooks/{subscription_id}/deliveries")
def delivery_log(
    subscription_id: DbId,
    session: DbSession,
    actor: Manager,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: QueryOffset = 0,
) -> list[DeliveryRead]:
    """The delivery log of a subscription, newest first, with every attempt."""
    return webhooks_service.deliveries(session, actor, subscription_id, limit=limit, offset=offset)


@router.post("/webhooks/{subscription_id}/resume")
def resume(subscription_id: DbId, session: DbSession, actor: Manager, now: Now) -> SubscriptionRead:
    """Resume a paused subscription (its pending deliveries go out with the next relay)."""
    return webhooks_service.subscription_read(webhooks_service.resume(session, actor, subscription_id, now=now))


@router.post("/webhook-deliveries/{delivery_id}/replay", status_code=201)
def replay(delivery_id: DbId, session: DbSession, actor: Manager, now: Now) -> DeliveryRead:
    """Send a delivery again, as a new delivery with the same event id."""
    row = webhooks_service.replay(session, actor, delivery_id, now=now)
    return webhooks_service.delivery_read(row, [])
