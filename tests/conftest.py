"""Test harness: a real database per backend (SQLite file always; PostgreSQL when SMARTHALL_TEST_DATABASE_URL is
set), migrated with Alembic and seeded with the demo province once per session, then restored to that seeded
snapshot before every test. Tests talk to the app through real HTTP (TestClient or a live uvicorn server).

Fixtures a test can use:
- ``env``: a fresh ``AppEnv`` (settings, frozen clock, app, database) for each test and backend
- ``client``: a TestClient on ``env.app``; ``auth(client, username)`` gives bearer headers
- ``live_server``: the same app served by uvicorn on a free loopback port (for parallel clients and browsers)
- ``browser``: headless Debian chromium driven by Playwright
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from smarthall.core.clock import SHANGHAI, FrozenClock
from smarthall.core.config import Settings
from smarthall.core.db import Database

TEST_FIELD_KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="  # base64 of 32 test bytes
DEMO_PASSWORD = "smarthall-demo"
# A Monday morning in the hall's time zone: the default "now" of every test.
DEFAULT_NOW = datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)



def _per_worker_services() -> None:
    """Under pytest-xdist (``make test`` runs two workers) each worker gets its own PostgreSQL database (the given
    one's name + ``_gw0``…, created on first use) and its own Redis database, written back to the environment before
    any test module reads it. Tests that use Redis run on one worker (``xdist_group("redis")``), since Redis
    pub/sub channels are shared by all its databases."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    number = int(worker.removeprefix("gw") or 0)
    pg = os.environ.get("SMARTHALL_TEST_DATABASE_URL")
    if pg:
        url = make_url(pg)
        name = f"{url.database}_{worker}"
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        os.environ["SMARTHALL_TEST_DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
    redis_url = os.environ.get("SMARTHALL_TEST_REDIS_URL")
    if redis_url:
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(redis_url)
        base = int(parts.path.strip("/") or 0)
        os.environ["SMARTHALL_TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{(base + 10 + number) % 16}"))


_per_worker_services()
PG_URL = os.environ.get("SMARTHALL_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@dataclass
class Seeded:
    backend: str
    url: str
    root: Path
    snapshot: dict[str, list[dict[str, Any]]]


def _settings(url: str, data_dir: Path, **overrides: Any) -> Settings:
    return Settings(
        environment="test",
        data_dir=data_dir,
        database_url=url,
        field_key=TEST_FIELD_KEY,
        secret_key="test-secret-key-for-tokens-only-in-tests",
        log_json=False,
        log_level="WARNING",
        # Cheap password hashes: every test signs several accounts in (the production cost is RFC 9106's).
        password_hash_time_cost=1,
        password_hash_memory_kib=256,
        **overrides,
    )


def _tables() -> list[Any]:
    from smarthall import all_models  # noqa: F401
    from smarthall.core.models import Base

    return list(Base.metadata.sorted_tables)


def take_snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    with engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(select(t))] for t in _tables()}


def restore_snapshot(engine: Engine, snapshot: dict[str, list[dict[str, Any]]]) -> None:
    tables = _tables()
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t.name}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())
        for table in tables:
            rows = snapshot.get(table.name)
            if rows:
                conn.execute(table.insert(), rows)
        if engine.dialect.name == "postgresql":
            for table in tables:
                if "id" in table.c and table.c.id.autoincrement is not False and snapshot.get(table.name):
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f'(SELECT MAX(id) FROM "{table.name}"))'
                        )
                    )


@pytest.fixture(scope="session", params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    from smarthall import migrate
    from smarthall.demo import seed_demo
    from smarthall.main import setup_security

    backend = request.param
    root = tmp_path_factory.mktemp(f"db-{backend}")
    if backend == "sqlite":
        url = f"sqlite:///{root / 'test.db'}"
    else:
        assert PG_URL is not None
        make_url(PG_URL)  # a malformed URL fails here, loudly
        _reset_postgres(PG_URL)
        url = PG_URL
    settings = _settings(url, root)
    setup_security(settings)
    migrate.upgrade(url)
    database = Database(url)
    with database.unit_of_work() as session:
        seed_demo(session, password=DEMO_PASSWORD, today=DEFAULT_NOW.date())
    snapshot = take_snapshot(database.engine)
    database.dispose()
    yield Seeded(backend, url, root, snapshot)


@dataclass
class AppEnv:
    backend: str
    settings: Settings
    clock: FrozenClock
    app: Any
    db: Database

    def session(self, write: bool = True) -> Any:
        return self.db.session(write=write)


@pytest.fixture
def env(seeded: Seeded, tmp_path: Path) -> Iterator[AppEnv]:
    from smarthall.main import create_app

    settings = _settings(seeded.url, tmp_path)
    clock = FrozenClock(DEFAULT_NOW)
    app = create_app(settings, clock=clock)
    restore_snapshot(app.state.db.engine, seeded.snapshot)
    yield AppEnv(seeded.backend, settings, clock, app, app.state.db)
    app.state.db.dispose()


@pytest.fixture
def client(env: AppEnv) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(env.app, base_url="http://testserver") as test_client:
        yield test_client


def auth(client: Any, username: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def live_server(env: AppEnv) -> Iterator[str]:
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(env.app, host="127.0.0.1", port=port, log_config=None, access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "e2e" / "artifacts"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed at /usr/bin/chromium (run `make deps`)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
