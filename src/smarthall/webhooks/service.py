"""Webhooks (事件推送): subscriptions of API clients to event kinds, an outbox of deliveries, signed POSTs with
back-off, a delivery log, manual replay, and a pause with an alert after repeated failures.

An event (``core.events``) becomes one delivery row per matching subscription *inside* the emitting transaction
(``Registry.on_write``), so a rolled-back fact sends nothing and a committed one is never lost; the relay
(``deliver_due``, a task after the commit and a periodic job for retries) sends them. A subscription gets only the
events of halls its client reaches, and no personal data unless the client holds ``personal.read``. After
``webhooks.pause_after_failures`` failures in a row (a hall rule) the subscription pauses and the hall's admins are
told; an admin resumes it and replays what was missed.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from collections import defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session

from smarthall.apiclients import service as apiclients_service
from smarthall.audit import service as audit_service
from smarthall.core.errors import HallError
from smarthall.core.tasks import enqueue
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service
from smarthall.webhooks import policy
from smarthall.webhooks.errors import (
    ClientCannotReceive,
    DeliveryNotFound,
    SubscriptionNotFound,
    UnknownEvent,
    WebhookUrlRefused,
)
from smarthall.webhooks.models import Attempt, Delivery, Subscription
from smarthall.webhooks.repository import DeliveryRepository, SubscriptionRepository
from smarthall.webhooks.schemas import AttemptRead, DeliveryRead, SubscriptionCreate, SubscriptionRead

log = logging.getLogger("smarthall.webhooks")
CACHE = "webhooks.active"
PAUSE_RULE = "webhooks.pause_after_failures"
BATCH = 50


def subscription_read(sub: Subscription) -> SubscriptionRead:
    return SubscriptionRead(
        id=sub.id,
        client_id=sub.client_id,
        url=sub.url,
        events=list(sub.events),
        status=sub.status,
        consecutive_failures=sub.consecutive_failures,
        paused_at=sub.paused_at,
    )


def subscribe(
    session: Session, actor: Actor, client_id: int, data: SubscriptionCreate, *, own_hosts: list[str], now: datetime
) -> tuple[Subscription, str]:
    """Subscribe a client (in ``actor``'s scope, holding ``events.receive``) to event kinds at a URL."""
    client = apiclients_service.client_in_scope(session, actor, client_id)
    if "events.receive" not in client.scopes:
        raise ClientCannotReceive(detail={"client_id": client_id})
    unknown = sorted(set(data.events) - set(policy.EVENTS))
    if unknown:
        raise UnknownEvent(detail={"events": unknown, "known": list(policy.EVENTS)})
    why = policy.url_refusal(data.url, own_hosts)
    if why is not None:
        raise WebhookUrlRefused(code=why, detail={"url": data.url[:200]})
    secret = "whsec_" + secrets.token_urlsafe(32)
    sub = Subscription(
        client_id=client.id,
        hall_id=client.hall_id,
        region_path=client.region_path,
        url=data.url,
        events=sorted(set(data.events)),
        secret=secret,
        created_at=now,
    )
    repo = SubscriptionRepository(session)
    repo.add(sub)
    repo.flush()
    audit_service.record(
        session, actor, "webhook.subscribe", target_type="webhook_subscription", target_id=sub.id,
        hall_code=client.hall_code, detail={"client_id": client.id, "events": sub.events}, now=now,
    )  # fmt: skip
    return sub, secret


def subscriptions(session: Session, actor: Actor, client_id: int) -> list[Subscription]:
    apiclients_service.client_in_scope(session, actor, client_id)
    return SubscriptionRepository(session).of_client(actor, client_id)


def _subscription(session: Session, actor: Actor, subscription_id: int) -> Subscription:
    sub = SubscriptionRepository(session).get_in_scope(actor, id=subscription_id)
    if sub is None:
        raise SubscriptionNotFound(detail={"subscription_id": subscription_id})
    return sub


def resume(session: Session, actor: Actor, subscription_id: int, *, now: datetime) -> Subscription:
    """Resume a paused subscription; its pending deliveries go out at once."""
    sub = _subscription(session, actor, subscription_id)
    if sub.status != "active":
        sub.status, sub.consecutive_failures, sub.paused_at = "active", 0, None
        DeliveryRepository(session).make_due(sub.id, now)
        audit_service.record(
            session, actor, "webhook.resume", target_type="webhook_subscription", target_id=sub.id, now=now
        )
        _kick(session)
    return sub


def deliveries(
    session: Session, actor: Actor, subscription_id: int, *, limit: int = 50, offset: int = 0
) -> list[DeliveryRead]:
    """The delivery log of a subscription, newest first, each with its attempts."""
    _subscription(session, actor, subscription_id)
    repo = DeliveryRepository(session)
    rows = repo.log(actor, subscription_id, limit=limit, offset=offset)
    attempts = repo.attempts([r.id for r in rows])
    return [delivery_read(r, attempts.get(r.id, [])) for r in rows]


@dataclass(frozen=True)
class Overview:
    """The admin page's view of a hall's open platform: clients, their subscriptions, the latest deliveries."""

    clients: list[apiclients_service.ClientFacts]
    subscriptions: dict[int, list[SubscriptionRead]]  # by client id
    deliveries: list[tuple[DeliveryRead, int, str]]  # (delivery, subscription id, receiver URL)


def overview(session: Session, actor: Actor, *, limit: int = 50) -> Overview:
    """The clients of the halls in ``actor``'s scope, their subscriptions and the ``limit`` latest deliveries."""
    rows = apiclients_service.list_clients(session, actor, limit=200)
    clients = [apiclients_service.facts(c) for c in rows]
    subs = SubscriptionRepository(session).in_scope(actor)
    by_client: dict[int, list[SubscriptionRead]] = {c.id: [] for c in clients}
    for sub in subs:
        by_client.setdefault(sub.client_id, []).append(subscription_read(sub))
    urls = {s.id: s.url for s in subs}
    repo = DeliveryRepository(session)
    recent = repo.recent(actor, limit=limit)
    attempts = repo.attempts([d.id for d in recent])
    out = [
        (delivery_read(d, attempts.get(d.id, [])), d.subscription_id, urls.get(d.subscription_id, "")) for d in recent
    ]
    return Overview(clients, by_client, out)


def delivery_read(row: Delivery, attempts: list[Attempt]) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        event=row.event,
        event_id=row.event_id,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_status=row.last_status,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        replay_of=row.replay_of,
        log=[
            AttemptRead(at=a.at, status_code=a.status_code, error=a.error, duration_ms=a.duration_ms) for a in attempts
        ],
    )


def replay(session: Session, actor: Actor, delivery_id: int, *, now: datetime) -> Delivery:
    """Send a delivery again (same event id, so a receiver that has it already can ignore it): a new row."""
    original = DeliveryRepository(session).get_in_scope(actor, id=delivery_id)
    if original is None:
        raise DeliveryNotFound(detail={"delivery_id": delivery_id})
    copy = Delivery(
        subscription_id=original.subscription_id,
        hall_id=original.hall_id,
        region_path=original.region_path,
        event=original.event,
        event_id=original.event_id,
        payload=original.payload,
        next_attempt_at=now,
        created_at=now,
        replay_of=original.id,
    )
    repo = DeliveryRepository(session)
    repo.add(copy)
    repo.flush()
    audit_service.record(
        session, actor, "webhook.replay", target_type="webhook_delivery", target_id=original.id, now=now
    )
    _kick(session)
    return copy


def _kick(session: Session) -> None:
    """Run the relay once this transaction has committed (the task is declared in ``tasks``)."""
    from smarthall.webhooks import tasks

    enqueue(session, tasks.relay)


# -- the outbox: recording events ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Target:
    subscription_id: int
    client: apiclients_service.ClientFacts
    hall_id: int
    region_path: str
    events: frozenset[str]


def _targets(session: Session) -> list[_Target]:
    database = session.info.get("db")
    cache: dict[str, Any] = database.cache.setdefault(CACHE, {}) if database is not None else {}
    found = cache.get("targets")
    if found is None:
        subs = SubscriptionRepository(session).active()
        clients = apiclients_service.client_facts(session, sorted({s.client_id for s in subs}))
        found = [
            _Target(s.id, clients[s.client_id], s.hall_id, s.region_path, frozenset(s.events))
            for s in subs
            if s.client_id in clients
        ]
        cache["targets"] = found
    return found  # type: ignore[no-any-return]


def record_event(session: Session, name: str, payload: dict[str, Any], *, now: datetime) -> int:
    """One pending delivery per subscription of ``name`` whose client reaches the event's hall, or one of its
    ``other_hall_codes`` (an event two halls share, e.g. a handover: still one delivery), in the emitting
    transaction; the number recorded."""
    targets = [t for t in _targets(session) if name in t.events and t.client.usable(now)]
    if not targets:
        return 0
    hall_code = str(payload.get("hall_code") or "")
    halls = []
    for code in [hall_code, *(payload.get("other_hall_codes") or [])]:
        if not code:
            continue
        try:
            halls.append(org_service.hall_facts(session, str(code)))
        except HallError:
            continue  # an event of no known hall reaches no client
    event_id = str(uuid.uuid4())
    repo = DeliveryRepository(session)
    recorded = 0
    for target in targets:
        if not any(target.client.reaches(h.id, h.region_path) for h in halls):
            continue
        personal = "personal.read" in target.client.scopes
        body = {
            "id": event_id,
            "event": name,
            "occurred_at": now.isoformat(),
            "hall_code": hall_code,
            "data": policy.redact(payload, personal=personal),
        }
        repo.add(
            Delivery(
                subscription_id=target.subscription_id,
                hall_id=target.hall_id,
                region_path=target.region_path,
                event=name,
                event_id=event_id,
                payload=body,
                next_attempt_at=now,
                created_at=now,
            )
        )
        recorded += 1
    return recorded


# -- the relay: sending ----------------------------------------------------------------------------------------
@dataclass
class _Outcome:
    delivery_id: int
    status_code: int | None
    error: str
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class _Send:
    delivery_id: int
    subscription_id: int
    url: str
    secret: str
    event: str
    event_id: str
    body: bytes


@dataclass(frozen=True)
class _Pinned:
    """Where one send connects: the URL with the checked address in place of the name, the Host header and the TLS
    server name of the name the subscription gave (so virtual hosts and certificates still see that name)."""

    url: str
    host_header: str
    sni: str | None


def _pin(url: str) -> _Pinned | str:
    """Resolve the URL's host once and aim the connection at an address that was checked (a refusal as an error
    text otherwise). Resolving again for the connection would let a name answer an allowed address to the check
    and the metadata service to the connection (DNS rebinding); every address of the answer must be allowed."""
    target = httpx.URL(url)
    host = target.host
    if policy.forbidden_address(host):
        return "refused: internal address"
    try:
        ipaddress.ip_address(host)
        return _Pinned(url, httpx.Request("POST", target).headers["host"], None)  # a literal: nothing to resolve
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, target.port or (443 if target.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)  # fmt: skip
    except (OSError, UnicodeError):
        return "dns: the name does not resolve"
    addresses = [str(info[4][0]).split("%", 1)[0] for info in infos]
    if not addresses:
        return "dns: the name does not resolve"
    if any(policy.forbidden_address(a) for a in addresses):
        return "refused: internal address"
    pinned = target.copy_with(host=addresses[0])
    return _Pinned(
        str(pinned), httpx.Request("POST", target).headers["host"], host if target.scheme == "https" else None
    )


def _post(clients: dict[str, httpx.Client], job: _Send, now: datetime) -> _Outcome:
    timestamp = int(now.timestamp())
    started = time.perf_counter()
    pinned = _pin(job.url)
    if isinstance(pinned, str):  # refused or unresolvable: no connection is made
        return _Outcome(job.delivery_id, None, pinned, 0)
    headers = {
        "Host": pinned.host_header,
        "Content-Type": "application/json",
        "User-Agent": "smarthall-webhooks/1",
        "X-Smarthall-Event": job.event,
        "X-Smarthall-Delivery": job.event_id,
        "X-Smarthall-Timestamp": str(timestamp),
        "X-Smarthall-Signature": policy.sign(job.secret, timestamp, job.body),
    }
    extensions = {"sni_hostname": pinned.sni} if pinned.sni else {}
    try:
        # one client (connection pool) per name: pooled connections are keyed by address, and a TLS connection
        # checked for one name must not carry a request for another name at the same address
        response = clients[pinned.host_header].post(
            pinned.url, content=job.body, headers=headers, extensions=extensions
        )
        code: int | None = response.status_code
        error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    except httpx.TimeoutException:
        code, error = None, "timeout"
    except httpx.HTTPError as exc:
        code, error = None, f"{type(exc).__name__}"[:300]
    return _Outcome(job.delivery_id, code, error, int((time.perf_counter() - started) * 1000))


def deliver_due(
    database: Any, *, now: datetime, timeout: float = 5.0, limit: int = BATCH, verify: ssl.SSLContext | bool = True
) -> int:
    """Send the due deliveries (up to ``limit``) and record each outcome; the number attempted. ``verify`` is the
    TLS trust (the system's CAs; a test gives its own CA)."""
    lease = now + timedelta(seconds=timeout * limit + 10)  # longer than the batch can take: sends are sequential
    with database.unit_of_work() as session:
        session.info["db"] = database
        repo = DeliveryRepository(session)
        claimed = repo.claim(repo.due_ids(now, limit), now, lease)
        subs = SubscriptionRepository(session).by_ids(sorted({d.subscription_id for d in claimed}))
        jobs = [
            _Send(d.id, d.subscription_id, subs[d.subscription_id].url, subs[d.subscription_id].secret, d.event,
                  d.event_id, json.dumps(d.payload, ensure_ascii=False, separators=(",", ":")).encode())
            for d in claimed
        ]  # fmt: skip
    if not jobs:
        return 0
    with ExitStack() as stack:
        clients: dict[str, httpx.Client] = defaultdict(
            lambda: stack.enter_context(
                httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=verify)
            )
        )
        outcomes = [(job, _post(clients, job, now)) for job in jobs]
    with database.unit_of_work() as session:
        session.info["db"] = database
        for job, outcome in outcomes:
            _settle(session, job, outcome, now=now)
    return len(outcomes)


def _settle(session: Session, job: _Send, outcome: _Outcome, *, now: datetime) -> None:
    repo = DeliveryRepository(session)
    delivery = repo.by_id(job.delivery_id)
    sub = SubscriptionRepository(session).for_update(job.subscription_id)
    if delivery is None or sub is None:
        return
    repo.add_attempt(
        Attempt(delivery_id=delivery.id, at=now, status_code=outcome.status_code, error=outcome.error,
                duration_ms=outcome.duration_ms)
    )  # fmt: skip
    delivery.attempts += 1
    delivery.last_status = outcome.status_code
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status, delivery.delivered_at = "delivered", now
        sub.consecutive_failures = 0
        return
    if delivery.attempts >= policy.MAX_ATTEMPTS:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = now + policy.backoff(delivery.attempts)
    sub.consecutive_failures += 1
    hall = org_service.hall_facts_by_id(session, sub.hall_id)
    if sub.status == "active" and sub.consecutive_failures >= int(rules_service.value(session, hall, PAUSE_RULE)):
        _pause(session, sub, hall, now=now)


def _pause(session: Session, sub: Subscription, hall: org_service.HallFacts, *, now: datetime) -> None:
    sub.status, sub.paused_at = "paused", now
    log.warning("webhook subscription %s paused after %d failures", sub.id, sub.consecutive_failures)
    audit_service.record(
        session, SYSTEM, "webhook.paused", target_type="webhook_subscription", target_id=sub.id, hall_code=hall.code,
        outcome="failed", detail={"failures": sub.consecutive_failures}, now=now,
    )  # fmt: skip
    for admin in identity_service.active_staff(session, hall_id=sub.hall_id, roles=["admin", "hall_manager"]):
        notify_service.send(
            session,
            template="webhooks.paused",
            params={"subscription_id": sub.id, "failures": sub.consecutive_failures},
            now=now,
            staff_id=admin.id,
            ref_type="webhook_subscription",
            ref_id=sub.id,
        )
