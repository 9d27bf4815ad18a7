"""Request dependencies as ``Annotated`` aliases: the unit-of-work session, the clock, the acting subject.

The session is opened per request (read-only for GET/HEAD, a write transaction otherwise), committed when the
handler returns and rolled back when it raises; after-commit hooks (broadcasts, task enqueues) run only once
the commit has succeeded, before the response is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from smarthall.core.clock import Clock
from smarthall.core.config import Settings
from smarthall.core.db import Database, run_after_commit
from smarthall.core.errors import Forbidden, Unauthorized
from smarthall.core.logging import request_id_var
from smarthall.core.tenancy import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_DB_ID = 2**63 - 1

# A row id in a path: bounded, so an absurd number is a 422 rather than an overflow inside the database driver.
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_database(request: Request) -> Database:
    return request.app.state.db  # type: ignore[no-any-return]


def get_clock(request: Request) -> Clock:
    return request.app.state.clock  # type: ignore[no-any-return]


def get_now(request: Request) -> datetime:
    return request.app.state.clock.now()  # type: ignore[no-any-return]


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def get_session(request: Request) -> Iterator[Session]:
    database: Database = request.app.state.db
    read_only = request.method in SAFE_METHODS
    session = database.session(write=not read_only)
    session.info.update(
        {"db": database, "read_only": read_only, "request_id": request_id_var.get(), "ip": client_ip(request)}
    )
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
    run_after_commit(session)


SettingsDep = Annotated[Settings, Depends(get_settings)]
DatabaseDep = Annotated[Database, Depends(get_database)]
ClockDep = Annotated[Clock, Depends(get_clock)]
Now = Annotated[datetime, Depends(get_now)]
DbSession = Annotated[Session, Depends(get_session, scope="function")]


def get_actor(request: Request, session: DbSession) -> Actor:
    from smarthall.identity import service as identity_service

    database: Database = request.app.state.db
    if database.is_sqlite and not session.info.get("read_only"):
        # SQLite serialises writers: resolve the actor in a short read transaction so that the request's write
        # transaction (BEGIN IMMEDIATE, the process's write lock) starts only when the handler runs.
        with database.unit_of_work(write=False) as reader:
            actor = identity_service.resolve_actor(
                reader, request, request.app.state.settings, request.app.state.clock.now()
            )
    else:
        actor = identity_service.resolve_actor(
            session, request, request.app.state.settings, request.app.state.clock.now()
        )
    session.info["actor"] = actor
    return actor


CurrentActor = Annotated[Actor, Depends(get_actor)]


def require(*permissions: str) -> Callable[..., Actor]:
    """A dependency that lets through only actors holding every one of ``permissions``."""

    def _check(actor: CurrentActor) -> Actor:
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


def require_login(actor: CurrentActor) -> Actor:
    if actor.kind == "anonymous":
        raise Unauthorized()
    return actor


LoggedIn = Annotated[Actor, Depends(require_login)]
