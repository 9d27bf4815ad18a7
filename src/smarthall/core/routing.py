"""``UnitOfWorkRoute``: a sync endpoint, its commit and its JSON serialisation in one worker-thread hop.

FastAPI runs each sync dependency, the sync endpoint, the response validation and the exit of a generator
dependency in a worker thread of their own — seven hops for a typical write here. Under load every hop waits
for the GIL, and on SQLite the write lock was held from the endpoint's first statement across the last three.
With this route class (every router of the platform uses it) the request's unit of work is committed, and its
after-commit hooks run, in the endpoint's own thread as soon as the endpoint returns, and a returned Pydantic
model is serialised there too; the dependencies in ``core.deps`` are ``async`` and do no I/O. The semantics are
the ones of ``core.deps.get_session``: commit when the endpoint returns, roll back when it raises — except for a
domain error that ``core.db.attempt`` has already undone, where what the request did before the block is
committed and the error answered. This is the platform's one commit path: endpoints and pages never commit or
roll back by hand.

Two helpers keep that one commit path whole:

- ``InHop``: a dependency that needs the database (``CaseInScope``: "load the case in the actor's scope or 404")
  returns ``InHop(load)`` without doing I/O; ``load()`` runs in the endpoint's thread, inside its unit of work,
  before the endpoint, so the load neither costs a thread hop of its own nor holds SQLite's write lock across one.
- ``RenderAfterRollback``: a page that must show faults instead of the result raises it with a ``render``
  callable; the unit of work is rolled back (its after-commit announcements dropped), then ``render()`` runs in a
  fresh transaction of the same session, committed like any endpoint's (a render may record, e.g. an audited read),
  and its response is sent. No page calls ``session.rollback()`` itself.

``hot_path`` endpoints run on the event loop on SQLite; they never wait there for the write lock. A write takes the
process's lock before it starts — at once, or by waiting for it in a worker thread while the loop serves others —
and then runs on the loop holding it, so writes stay serialised on the loop without thread switches; one that meets
SQLite's own lock held by another process (``core.db.WriteLockBusy``, raised before anything was done) is handed
over, whole, to a worker thread, where it queues like any other write.
"""

from __future__ import annotations

import functools
import inspect
import threading
import time
from collections.abc import Callable
from typing import Any, get_args, get_origin

from fastapi import Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from smarthall.core.db import (
    AFTER_COMMIT_KEY,
    REQUEST_SESSION,
    UNDONE_KEY,
    WRITE_WAIT_SECONDS,
    WriteLockBusy,
    beyond_the_fence,
    on_event_loop,
    run_after_commit,
)
from smarthall.core.errors import ServiceUnavailable

# Route options under which FastAPI's own serialisation would differ from ``model_dump_json(by_alias=True)``.
_SERIALISATION_OPTIONS = (
    "response_model_include",
    "response_model_exclude",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
)


def _request_session(kwargs: dict[str, Any]) -> Session | None:
    for value in kwargs.values():
        if isinstance(value, Session) and value.info.get(REQUEST_SESSION):
            return value
    return None


def _takes_response(endpoint: Callable[..., Any]) -> bool:
    """An endpoint that sets headers or cookies on an injected ``Response`` needs FastAPI to build the answer."""
    for param in inspect.signature(endpoint).parameters.values():
        annotation = param.annotation
        if annotation is Response or (isinstance(annotation, str) and "Response" in annotation):
            return True
        if isinstance(annotation, type) and issubclass(annotation, Response):
            return True
    return False


class _Serialiser:
    """Turns the endpoint's result into JSON bytes when FastAPI would produce the same bytes from it."""

    def __init__(self) -> None:
        self.model: type[BaseModel] | None = None
        self.many = False
        self.status_code = 200

    def configure(self, response_model: Any, status_code: int | None) -> None:
        self.status_code = status_code or 200
        if isinstance(response_model, type) and issubclass(response_model, BaseModel):
            self.model = response_model
        elif get_origin(response_model) is list:
            (inner,) = get_args(response_model) or (None,)
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                self.model, self.many = inner, True

    def __call__(self, result: Any) -> Any:
        model = self.model
        if model is None:
            return result
        if not self.many:
            if type(result) is not model:
                return result
            body = result.model_dump_json(by_alias=True).encode()
        else:
            if not isinstance(result, list) or any(type(r) is not model for r in result):
                return result
            body = b"[" + b",".join(r.model_dump_json(by_alias=True).encode() for r in result) + b"]"
        return Response(body, status_code=self.status_code, media_type="application/json")


class InHop:
    """A dependency's value, computed by ``load()`` in the endpoint's own hop (sync endpoints of this route only)."""

    __slots__ = ("load",)

    def __init__(self, load: Callable[[], Any]) -> None:
        self.load = load


class RenderAfterRollback(Exception):
    """Raised by an endpoint: undo the request's writes, then answer with ``render()`` (which may read)."""

    def __init__(self, render: Callable[[], Any]) -> None:
        super().__init__("render after rollback")
        self.render = render


def _resolve_in_hop(kwargs: dict[str, Any]) -> None:
    for name, value in kwargs.items():
        if isinstance(value, InHop):
            kwargs[name] = value.load()


def _one_hop(endpoint: Callable[..., Any], serialise: _Serialiser | None) -> Callable[..., Any]:
    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        session = _request_session(kwargs)
        if session is None:
            try:
                _resolve_in_hop(kwargs)
                return endpoint(*args, **kwargs)
            except RenderAfterRollback as signal:
                return signal.render()
        try:
            _resolve_in_hop(kwargs)
            result = endpoint(*args, **kwargs)
            session.commit()
        except RenderAfterRollback as signal:
            session.rollback()
            session.info[AFTER_COMMIT_KEY] = []  # nothing of the undone work is announced
            try:
                result = signal.render()
                session.commit()  # what the render itself records (a personal-data read is audited)
            except BaseException:
                session.rollback()
                raise
            with beyond_the_fence():
                run_after_commit(session)
            return result
        except BaseException as exc:
            if exc is not session.info.pop(UNDONE_KEY, None):
                session.rollback()
                raise
            _commit_before(session, exc)
        with beyond_the_fence():  # committed: the hooks cannot ask for the request to run again
            run_after_commit(session)
        return serialise(result) if serialise is not None else result

    return run


def _commit_before(session: Session, error: BaseException) -> None:
    """``error`` came out of a ``core.db.attempt`` block that undid its own writes: what stands is committed, then
    the error is answered."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
    with beyond_the_fence():
        run_after_commit(session)
    raise error


def hot_path(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a sync endpoint whose work is a few index lookups (see docs/decisions.md). On SQLite it runs on the event
    loop instead of a worker thread; on PostgreSQL, whose round trips and commits must overlap with other requests,
    it stays in a worker thread, and a read (GET) runs its statements in autocommit, without BEGIN and COMMIT."""
    endpoint._hot_path = True  # type: ignore[attr-defined]
    return endpoint


def matched_first(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an endpoint matched at the app's top level like a ``hot_path`` (one regular expression instead of the
    included-router walk) but run as any other: in a worker thread, its reads in a transaction. For a frequent
    route whose work is too long for the event loop (a consultation question: an embedding, ~15 ms of CPU)."""
    endpoint._matched_first = True  # type: ignore[attr-defined]
    return endpoint


def _inline(run: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(run)
    async def inline(*args: Any, **kwargs: Any) -> Any:
        session = _request_session(kwargs)
        if session is not None and session.info.get("backend") == "sqlite":
            database = session.info.get("db")
            lock = None if session.info.get("read_only") else getattr(database, "write_lock", None)
            if lock is not None and not lock.acquire(blocking=False):
                await _wait_off_the_loop(lock)
            try:
                with on_event_loop(lock):
                    return run(*args, **kwargs)
            except WriteLockBusy:
                # Another process holds SQLite's lock: nothing was done (the lock comes with the first statement);
                # the whole endpoint runs again in a worker thread, which may wait.
                session.info[AFTER_COMMIT_KEY] = []
        return await run_in_threadpool(run, *args, **kwargs)

    return inline


async def _wait_off_the_loop(lock: threading.Lock) -> None:
    """Wait in a worker thread (the loop serves other requests meanwhile) until ``lock`` is free, then take it on
    the loop; or shed the request as busy once ``WRITE_WAIT_SECONDS`` have passed.

    The worker thread only watches the lock (takes it and gives it back at once): it must not hold it across the
    hop back to the loop. A lock held while its request waits in the loop's ready queue behind every other request
    is idle, yet each hot write the loop runs meanwhile finds it taken and becomes a waiter too; under load every
    write then costs a full turn of the loop and two thread hops, and the convoy never drains (issue 19: 2.5× the
    CPU per request, throughput 448 → 170 req/s). Once free, the lock is taken on the loop without waiting; only
    another off-loop writer (a case, a background task) can have taken it in between, and then this waits again."""
    deadline = time.monotonic() + WRITE_WAIT_SECONDS

    def watch(left: float) -> bool:
        if not lock.acquire(timeout=left):
            return False
        lock.release()
        return True

    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not await run_in_threadpool(watch, left):
            raise ServiceUnavailable(
                "系统繁忙,请稍后重试", "The system is busy, please retry", code="busy", headers={"Retry-After": "2"}
            )
        if lock.acquire(blocking=False):
            return


class UnitOfWorkRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # How this route was made, so that ``smarthall.api`` can make it again at the app's top level (hot paths).
        self.made_with = (path, endpoint, dict(kwargs))
        serialise: _Serialiser | None = None
        hot = False
        if not inspect.iscoroutinefunction(endpoint) and inspect.isfunction(endpoint):
            hot = getattr(endpoint, "_hot_path", False)
            response_class = kwargs.get("response_class")
            default_class = response_class is None or isinstance(response_class, DefaultPlaceholder)
            options = any(kwargs.get(o) for o in _SERIALISATION_OPTIONS)
            if default_class and not options and not _takes_response(endpoint):
                serialise = _Serialiser()
            endpoint = _one_hop(endpoint, serialise)
            if hot:
                endpoint = _inline(endpoint)
        super().__init__(path, endpoint, **kwargs)
        self.hot = hot
        # Matched at the app's top level (``smarthall.api``): the hot paths and the routes marked ``matched_first``.
        self.first = hot or bool(getattr(self.made_with[1], "_matched_first", False))
        if serialise is not None:
            serialise.configure(self.response_model, self.status_code)
