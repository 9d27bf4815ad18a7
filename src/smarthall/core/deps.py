"""Request dependencies as ``Annotated`` aliases: the unit-of-work session, the clock, the acting subject.

The session is opened per request (read-only for GET/HEAD, a write transaction otherwise), committed when the
handler returns and rolled back when it raises; after-commit hooks (broadcasts, task enqueues) run only once
the commit has succeeded, before the response is sent.

Every dependency here is ``async`` and does no I/O on the event loop, so that a request crosses to a worker
thread once: the sync endpoint itself, which with ``core.routing.UnitOfWorkRoute`` also commits (see there).
The actor comes from a short-lived per-process cache (``identity.service.cached_actor``); only a miss goes to a
worker thread to read the account.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Annotated, Protocol

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smarthall.core.clock import Clock
from smarthall.core.config import Settings
from smarthall.core.db import REQUEST_SESSION, Database, run_after_commit
from smarthall.core.errors import Forbidden, Unauthorized
from smarthall.core.logging import request_id_var
from smarthall.core.tenancy import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_DB_ID = 2**63 - 1

# A row id in a path: bounded, so an absurd number is a 422 rather than an overflow inside the database driver.
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


async def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


async def get_clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


async def get_now(request: Request) -> datetime:
    return request.app.state.clock.now()  # type: ignore[no-any-return]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work. Creating a session does no I/O; the endpoint's route normally commits it in
    the endpoint's own worker thread, so the exit here only has I/O to do (in a worker thread) when a
    transaction is still open: an async endpoint, or a sync one that raised before its route could roll back."""
    database: Database = request.app.state.db
    read_only = request.method in SAFE_METHODS
    hot = getattr(request.scope.get("route"), "hot", False)
    session = database.session(write=not read_only, autocommit_reads=hot)
    session.info.update(
        {
            "db": database,
            "read_only": read_only,
            "request_id": request_id_var.get(),
            "ip": client_ip(request),
            REQUEST_SESSION: True,
        }
    )
    try:
        yield session
    except BaseException:
        if session.in_transaction():
            await run_in_threadpool(session.rollback)
        session.close()
        raise
    if session.in_transaction():
        try:
            await run_in_threadpool(_commit_and_close, session)
        except BaseException:
            await run_in_threadpool(_rollback_and_close, session)
            raise
    else:
        session.close()
    run_after_commit(session)


def _commit_and_close(session: Session) -> None:
    session.commit()
    session.close()


def _rollback_and_close(session: Session) -> None:
    session.rollback()
    session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Now = Annotated[datetime, Depends(get_now)]
DbSession = Annotated[Session, Depends(get_session, scope="function")]


class ActorSource(Protocol):
    """How a request's actor is found (provided by the identity domain as ``actors``)."""

    def cached(self, database: Database, request: Request, now: datetime) -> Actor | None: ...

    def fresh(self, database: Database, request: Request, now: datetime) -> Actor: ...


async def get_actor(request: Request, session: DbSession) -> Actor:
    database: Database = request.app.state.db
    source: ActorSource = database.registry.provided("actors")
    now = request.app.state.clock.now()
    actor = source.cached(database, request, now)
    if actor is None:
        # A cache miss reads the account in a short read transaction of its own (in a worker thread), so that on
        # SQLite the request's write transaction (BEGIN IMMEDIATE, the write lock) starts only in the handler.
        actor = await run_in_threadpool(source.fresh, database, request, now)
    session.info["actor"] = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require(*permissions: str) -> Callable[..., Awaitable[Actor]]:
    """A dependency that lets through only actors holding every one of ``permissions``."""

    async def _check(actor: CurrentActor) -> Actor:
        if actor.kind == "anonymous":
            raise Unauthorized()
        missing = [p for p in permissions if not actor.has(p)]
        if missing:
            raise Forbidden(
                "您的角色无权执行此操作",
                "Your role does not allow this",
                code="forbidden_role",
                detail={"missing": missing},
            )
        return actor

    return _check


async def require_login(actor: CurrentActor) -> Actor:
    if actor.kind == "anonymous":
        raise Unauthorized()
    return actor


LoggedIn = Annotated[Actor, Depends(require_login)]
