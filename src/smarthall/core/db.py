"""Engines and sessions for SQLite (default) and PostgreSQL, one unit of work per request or task.

SQLite follows the pysqlite transaction recipe: the driver's own transaction handling is switched off and
SQLAlchemy emits BEGIN itself — ``BEGIN IMMEDIATE`` for write sessions so that writers queue on the busy
timeout instead of failing on lock upgrade, and a deferred BEGIN for read sessions so that readers never wait
behind writers (WAL).

Code running on the event loop (``core.routing.hot_path`` endpoints on SQLite) never waits for the write lock
there: the route waits for the process's lock off the loop when it is taken (``Database.write_lock``) and runs the
endpoint on the loop holding it (``on_event_loop(granted)``); a write transaction begun on the loop without the
lock, or meeting SQLite's own lock held by another process, raises ``WriteLockBusy`` before it has done anything,
and the route hands the request over to a worker thread, where it queues as usual.

``attempt(session)`` runs a block all-or-nothing inside the request's one unit of work (a savepoint): a domain
error raised out of it has undone the block's writes and after-commit hooks, and the route commits what the request
did before the block (then answers the error); pages catch the error and render it, the route committing the rest.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from smarthall.core.errors import HallError, ServiceUnavailable
from smarthall.core.registry import Registry

AFTER_COMMIT_KEY = "after_commit"
# How long a statement may wait for a lock held by another transaction: PostgreSQL's ``lock_timeout`` (row locks,
# SQLSTATE 55P03) and SQLite's busy timeout (another process writing). Past it the request is shed with a
# retryable 503 (``main.install_error_handlers``) instead of waiting without end.
LOCK_TIMEOUT_MS = 5000
REQUEST_SESSION = "request_session"  # set on the session a request's unit of work opened (``core.deps``)
WRITE_WAIT_SECONDS = 15.0
UNDONE_KEY = "undone_error"  # the domain error whose block ``attempt`` rolled back (the route commits the rest)
_ON_EVENT_LOOP: ContextVar[bool] = ContextVar("smarthall_on_event_loop", default=False)


class WriteLockBusy(Exception):
    """Raised on the event loop when the SQLite write lock is not free at once (nothing has been done yet)."""


class _Grant:
    """The process's write lock, taken for the code of one ``on_event_loop`` block; its first write transaction
    inherits it (then commit or rollback releases it), or the block's end gives it back unused."""

    __slots__ = ("lock", "used")

    def __init__(self, lock: threading.Lock) -> None:
        self.lock = lock
        self.used = False


_GRANT: ContextVar[_Grant | None] = ContextVar("smarthall_write_grant", default=None)


@contextmanager
def beyond_the_fence() -> Iterator[None]:
    """Code after a request's commit (its after-commit hooks): ordinary code again, wherever it runs. A
    ``WriteLockBusy`` there could not be answered by running the request again — it has committed."""
    token = _ON_EVENT_LOOP.set(False)
    try:
        yield
    finally:
        _ON_EVENT_LOOP.reset(token)


@contextmanager
def on_event_loop(granted: threading.Lock | None = None) -> Iterator[None]:
    """Mark the code inside as running on the event loop: SQLite write transactions must not wait for the lock.
    ``granted``: the process's write lock, already held by the caller for this block's first write transaction."""
    grant = _Grant(granted) if granted is not None else None
    token, grant_token = _ON_EVENT_LOOP.set(True), _GRANT.set(grant)
    try:
        yield
    finally:
        _GRANT.reset(grant_token)
        _ON_EVENT_LOOP.reset(token)
        if grant is not None and not grant.used:
            grant.lock.release()


def private_sqlite_file(path: Path) -> None:
    """The SQLite database (and its -wal/-shm files, which SQLite creates with the database's mode) readable by the
    service account only: created empty with mode 0600 before SQLite opens it, or narrowed to 0600."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    for name in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if name.stat().st_mode & 0o077:
                os.chmod(name, 0o600)


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    sqlite_synchronous: str = "FULL",
) -> Engine:
    if url.startswith("sqlite"):
        if (path := _sqlite_path(url)) is not None:
            private_sqlite_file(path)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": lock_timeout_ms / 1000},
            pool_size=pool_size,
            max_overflow=20,
        )
        _install_sqlite_recipe(engine, lock_timeout_ms, sqlite_synchronous)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=20,
        connect_args={"options": f"-c lock_timeout={lock_timeout_ms}"},
    )
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 30.0


def _ping_when_idle(engine: Engine) -> None:
    """A pooled connection that sat idle is checked before use (the server may have restarted or dropped it); one
    in steady use is not, which saves a round trip per transaction over ``pool_pre_ping``."""

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            cursor = dbapi_conn.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_conn.rollback()
        except Exception as exc:
            raise DisconnectionError() from exc  # the pool replaces the connection and retries the checkout


def _install_sqlite_recipe(engine: Engine, lock_timeout_ms: int, synchronous: str) -> None:
    if synchronous not in ("FULL", "NORMAL"):
        raise ValueError(f"synchronous must be FULL or NORMAL, not {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: every commit is on disk before it is acknowledged (WAL fsync), so a power cut loses no ticket.
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.close()

    # Writers of this process queue on a lock before BEGIN IMMEDIATE: SQLite's busy handler polls with sleeps, so
    # under sustained load an unlucky writer could wait past the busy timeout (a 500) while others got in.
    write_lock = threading.Lock()
    engine._smarthall_write_lock = write_lock  # type: ignore[attr-defined]  # ``Database.write_lock``

    def _busy_timeout(conn: Any, ms: int) -> None:
        """The connection's busy timeout set to ``ms`` when it is not already: a hot write begun on the event loop
        leaves it at 0 (its transaction holds the write lock, and in WAL mode nothing after BEGIN IMMEDIATE waits
        for a lock), so back-to-back hot writes on a connection run no PRAGMA; a read or an off-loop write restores
        the normal timeout first. ``conn.info`` lives as long as the DBAPI connection (cleared when it is replaced,
        whose ``connect`` sets the normal timeout)."""
        if conn.info.get("busy_timeout_ms", lock_timeout_ms) != ms:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={int(ms)}")
            conn.info["busy_timeout_ms"] = ms

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        options = conn.get_execution_options()
        if not options.get("sqlite_write"):
            _busy_timeout(conn, lock_timeout_ms)
            if not options.get("sqlite_statement_reads"):
                conn.exec_driver_sql("BEGIN")
            return
        grant = _GRANT.get()
        if grant is not None and not grant.used and grant.lock is write_lock:
            grant.used = True  # from here the transaction's commit or rollback releases it
            conn.info["holds_write_lock"] = True
            _begin_immediate_at_once(conn)
            return
        if _ON_EVENT_LOOP.get():
            if not write_lock.acquire(blocking=False):
                raise WriteLockBusy()
            conn.info["holds_write_lock"] = True
            _begin_immediate_at_once(conn)
            return
        if not write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            # Overload: shed the request with a retryable answer instead of a 500.
            raise ServiceUnavailable(
                "系统繁忙,请稍后重试", "The system is busy, please retry", code="busy", headers={"Retry-After": "2"}
            )
        conn.info["holds_write_lock"] = True
        try:
            _busy_timeout(conn, lock_timeout_ms)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn)  # unless the failed statement's own rollback already let it go
            raise

    def _begin_immediate_at_once(conn: Any) -> None:
        """On the event loop, holding the process's lock: SQLite's own (another process writing) now, or not at
        all (``WriteLockBusy``, the process's lock given back)."""
        try:
            _busy_timeout(conn, 0)
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except Exception as exc:
            _release(conn)
            if "locked" in str(exc) or "busy" in str(exc):
                raise WriteLockBusy() from exc
            raise

    def _release(conn: Any) -> None:
        if conn.info.pop("holds_write_lock", False):
            write_lock.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)


class Database:
    """Holds the engine and the two session factories (read and write)."""

    limiter: Any = None  # the abuse limiter (``core.ratelimit``), wired by ``create_app``

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        echo: bool = False,
        lock_timeout_ms: int = LOCK_TIMEOUT_MS,
        sqlite_synchronous: str = "FULL",
        registry: Registry | None = None,
    ) -> None:
        self.url = url
        # The wiring of the app this database serves (listeners, templates, tasks, caches): sessions find it here.
        self.registry = registry if registry is not None else Registry()
        self.engine = make_engine(
            url,
            pool_size=pool_size,
            echo=echo,
            lock_timeout_ms=lock_timeout_ms,
            sqlite_synchronous=sqlite_synchronous,
        )
        self.is_sqlite = url.startswith("sqlite")
        # SQLite: the lock this process's writers queue on before ``BEGIN IMMEDIATE`` (None on PostgreSQL).
        self.write_lock: threading.Lock | None = getattr(self.engine, "_smarthall_write_lock", None)
        write_bind = self.engine.execution_options(sqlite_write=True) if self.is_sqlite else self.engine
        self._write = sessionmaker(bind=write_bind, expire_on_commit=False, autoflush=True)
        self._read = sessionmaker(bind=self.engine, expire_on_commit=False, autoflush=True)
        # Reads of the hot paths (boards, a ticket's status) run statement by statement (autocommit): no BEGIN and
        # COMMIT round trips on PostgreSQL, no BEGIN statement on SQLite (each statement its own snapshot, as
        # pysqlite runs it without one). Their statements may see commits made between them, which none of them
        # minds; every other read keeps one transaction (server-side cursors need one).
        # (SQLite: the option is the session's, set on its connection before the begin event; an option engine
        # would cost more Python calls per statement in joined event dispatch than the BEGIN it saves.)
        self._read_autocommit = (
            sessionmaker(bind=self.engine, expire_on_commit=False, execution_options={"sqlite_statement_reads": True})
            if self.is_sqlite
            else sessionmaker(bind=self.engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
        )
        # Per-process caches that belong to this database (actors, catalog facts, hall replays): two apps in one
        # process (tests) never share them.
        self.cache: dict[str, Any] = {}

    def session(self, *, write: bool = True, autocommit_reads: bool = False) -> Session:
        if write:
            session = self._write()
        else:
            session = (self._read_autocommit if autocommit_reads else self._read)()
        session.info["backend"] = "sqlite" if self.is_sqlite else "postgresql"
        session.info["db"] = self
        session.info[AFTER_COMMIT_KEY] = []
        return session

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any exception; then after-commit hooks."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
        run_after_commit(session)

    def dispose(self) -> None:
        self.engine.dispose()


@contextmanager
def attempt(session: Session) -> Iterator[None]:
    """All or nothing within the request's unit of work: on a domain error (``HallError``) the block's writes and
    the after-commit hooks it added are undone (a savepoint), and the error goes on to the caller. The route
    (``core.routing.UnitOfWorkRoute``) then commits what the request did before the block — a page that catches the
    error and renders it commits nothing of the block; an endpoint that lets it through answers it."""
    hooks = list(session.info.get(AFTER_COMMIT_KEY) or [])
    savepoint = session.begin_nested()
    try:
        yield
    except HallError as exc:
        if savepoint.is_active:
            savepoint.rollback()
        session.info[AFTER_COMMIT_KEY] = hooks
        session.info[UNDONE_KEY] = exc
        raise
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        session.info[AFTER_COMMIT_KEY] = hooks
        raise
    if savepoint.is_active:
        savepoint.commit()


CARRY_KEY = "carry_into"  # on a read prelude's session: the write session its rows go into (``read_prelude``)
CARRIED_KEY = "carried_rows"  # on the write session: the rows a read prelude made, waiting for ``land``
UNNUMBERED = "(unnumbered)"  # a row's ``case_no`` made in a read prelude before the case had its number


@contextmanager
def read_prelude(session: Session) -> Iterator[Session]:
    """The reads ahead of a long write, in a read transaction of their own, so that the write transaction of
    ``session`` (on SQLite the process's write lock, ``BEGIN IMMEDIATE``) holds only the writes: a case's checks,
    rule inputs and decision are read here, its numbering and rows written after (``cases.filing``).

    Rows the domains write as they read — the data-sharing ledger, the audit trail — are not written apart (as in a
    GET): they are carried into ``session`` (``carry``; the audit trail's pending events directly) and written by its
    transaction, so the request stays one all-or-nothing record. When ``session`` is already in a transaction (a
    bundle filing its second item, a page that wrote first), the prelude is ``session`` itself: it holds the lock
    already, and it must see its own writes."""
    database = session.info.get("db")
    if database is None or session.in_transaction():
        yield session
        return
    reads = database.session(write=False)
    reads.info.update({k: v for k, v in session.info.items() if k not in (AFTER_COMMIT_KEY, REQUEST_SESSION)})
    reads.info.update({"read_only": True, CARRY_KEY: session, AFTER_COMMIT_KEY: []})
    try:
        yield reads
    finally:
        reads.close()  # the read transaction ends; what it loaded stays usable (closing expires nothing)
        session.info.setdefault(AFTER_COMMIT_KEY, []).extend(reads.info.get(AFTER_COMMIT_KEY) or [])


def carry(session: Session, row: Any) -> bool:
    """In a read prelude: keep ``row`` for the write transaction that follows (``land``) and say so; False
    elsewhere (the caller writes it as usual)."""
    target: Session | None = session.info.get(CARRY_KEY)
    if target is None:
        return False
    target.info.setdefault(CARRIED_KEY, []).append(row)
    return True


def land(session: Session, *, case_no: str | None = None) -> None:
    """Add the rows a read prelude carried to ``session``'s transaction, those made before the case had its number
    (``case_no == UNNUMBERED``) given ``case_no``."""
    for row in session.info.pop(CARRIED_KEY, None) or []:
        if case_no is not None and getattr(row, "case_no", None) == UNNUMBERED:
            row.case_no = case_no
        session.add(row)


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the session's transaction has committed (events, broadcasts, task enqueues)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def run_after_commit(session: Session) -> None:
    callbacks = session.info.get(AFTER_COMMIT_KEY) or []
    session.info[AFTER_COMMIT_KEY] = []
    for callback in callbacks:
        callback()


def is_lock_timeout(exc: BaseException) -> bool:
    """A lock wait that ran out (PostgreSQL ``lock_timeout``; SQLite "database is locked" after the busy timeout):
    the database is busy, the request may be retried."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "55P03":
        return True
    return type(orig).__name__ == "OperationalError" and "database is locked" in str(orig)


def for_update(session: Session) -> dict[str, Any]:
    """Keyword arguments for ``select(...).with_for_update`` where the backend honours row locks."""
    return {} if session.info.get("backend") == "sqlite" else {"with_for_update": True}
