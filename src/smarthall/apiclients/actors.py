"""The request's actor when a department system calls with ``X-Api-Key``: wraps the identity domain's resolver.

A key is checked on every call (no cache: revocation acts at once), counted against the client's own rate and
audited, in one short write transaction of its own before the endpoint runs; anything else goes to the wrapped
resolver unchanged.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request

from smarthall.apiclients import service
from smarthall.core.db import Database
from smarthall.core.deps import ActorSource
from smarthall.core.errors import HallError
from smarthall.core.ratelimit import limiter_of
from smarthall.core.tenancy import Actor

HEADER = "x-api-key"
RATE_LIMIT = "apiclient.call"


class ClientActors:
    def __init__(self, inner: ActorSource) -> None:
        self.inner = inner

    def cached(self, database: Database, request: Request, now: datetime) -> Actor | None:
        if HEADER in request.headers:
            return None  # checked fresh, in a worker thread
        return self.inner.cached(database, request, now)

    def fresh(self, database: Database, request: Request, now: datetime) -> Actor:
        presented = request.headers.get(HEADER)
        if presented is None:
            return self.inner.fresh(database, request, now)
        return authenticate(database, request, presented.strip(), now)


def authenticate(database: Database, request: Request, presented: str, now: datetime) -> Actor:
    method, path = request.method, request.url.path
    error: HallError | None = None
    with database.unit_of_work() as session:
        session.info["db"] = database
        verdict = service.authenticate(session, presented, now=now)
        outcome = "ok"
        if verdict.actor is None:
            error, outcome = service.refused(verdict.refusal or "api_key_unknown"), "refused"
        else:
            try:
                limiter_of(database).check_count(
                    RATE_LIMIT, f"client:{verdict.actor.id}", now.timestamp(), count=verdict.rate_per_minute, window=60
                )
            except HallError as exc:
                error, outcome = exc, "rate_limited"
        service.audit_call(session, verdict, method=method, path=path, outcome=outcome, now=now)
    if error is not None:
        raise error
    assert verdict.actor is not None
    return verdict.actor
