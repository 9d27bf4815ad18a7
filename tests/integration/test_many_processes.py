"""Many machines (issue 18 item 5): two web processes (``smarthall serve``) and one task consumer
(``smarthall worker``) over PostgreSQL and Redis. Under load (webhook replays: a write acknowledged with 201 that
enqueues a relay task), one web process and the worker are killed with SIGKILL; then the worker is started again.
No acknowledged write is lost, and every delivery the acknowledged writes asked for is made after the restart.

Runs only with SMARTHALL_TEST_DATABASE_URL and SMARTHALL_TEST_REDIS_URL (it needs a database and a Redis that
other processes can reach)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import DEMO_PASSWORD, TEST_FIELD_KEY, restore_snapshot
from tests.webhooks.receivers import receiver

# Uses Redis: on one xdist worker (Redis pub/sub is shared by all its databases).
pytestmark = pytest.mark.xdist_group("redis")

REDIS_URL = os.environ.get("SMARTHALL_TEST_REDIS_URL")
PORTS = (8180, 8181)
BIN = Path(sys.executable).parent / "smarthall"


def _env(url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "SMARTHALL_ENVIRONMENT": "dev",
        # The real clock in every process. The processes would agree on a demo clock now (one offset in the data
        # dir, ``core.clock.SharedDemoClock``), but this test writes rows stamped with PostgreSQL's now() beside
        # the app's and compares delivery times with them: it needs the app's "now" to be the real one.
        "SMARTHALL_DEMO_CLOCK": "0",
        "SMARTHALL_DATABASE_URL": url,
        "SMARTHALL_REDIS_URL": str(REDIS_URL),
        "SMARTHALL_DATA_DIR": str(data_dir),
        "SMARTHALL_FIELD_KEY": TEST_FIELD_KEY,
        "SMARTHALL_SECRET_KEY": "test-secret-key-for-tokens-only-in-tests",
        "SMARTHALL_EMBEDDED_WORKER": "0",
        "SMARTHALL_WEBHOOK_TIMEOUT_SECONDS": "0.2",
        "SMARTHALL_GC_TUNING": "false",
        "SMARTHALL_LOG_LEVEL": "WARNING",
    }


def _wait_healthy(base: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} did not become healthy")


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen([str(BIN), *args], env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603


def test_killing_a_web_process_and_the_worker_loses_no_acknowledged_write(seeded: Any, tmp_path: Path) -> None:
    if seeded.backend != "postgresql" or not REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis (SMARTHALL_TEST_DATABASE_URL, SMARTHALL_TEST_REDIS_URL)")
    import redis

    from smarthall.webhooks.models import Delivery

    engine = create_engine(seeded.url)
    restore_snapshot(engine, seeded.snapshot)
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = _env(seeded.url, tmp_path)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        with receiver("ok") as rec:
            webs = [_start(["serve", "--port", str(p)], env, tmp_path / f"web{p}.log") for p in PORTS]
            worker = _start(["worker", "--workers", "2"], env, tmp_path / "worker.log")
            procs += [*webs, worker]
            bases = [f"http://127.0.0.1:{p}" for p in PORTS]
            for base in bases:
                _wait_healthy(base, time.monotonic() + 60)
            token = httpx.post(
                f"{bases[1]}/api/v1/auth/token", data={"username": "admin1", "password": DEMO_PASSWORD}
            ).json()["access_token"]
            admin = {"Authorization": f"Bearer {token}"}
            made = httpx.post(
                f"{bases[1]}/api/v1/api-clients",
                json={"name": "load", "hall_code": "H-690102", "scopes": ["events.receive"]},
                headers=admin,
            ).json()
            sub = httpx.post(
                f"{bases[1]}/api/v1/api-clients/{made['client']['id']}/webhooks",
                json={"url": rec.url, "events": ["case.finished"]},
                headers=admin,
            ).json()["subscription"]
            with engine.begin() as conn:
                hall_id = conn.execute(text("SELECT id FROM org_hall WHERE code = 'H-690102'")).scalar_one()
                template = conn.execute(
                    text(
                        "INSERT INTO webhook_delivery (subscription_id, hall_id, region_path, event, event_id, payload,"
                        " status, attempts, next_attempt_at, last_error, created_at, delivered_at) VALUES (:s, :h,"
                        " '/', 'case.finished', 'seed-event', '{}', 'delivered', 1, now(), '', now(), now())"
                        " RETURNING id"
                    ),
                    {"s": sub["id"], "h": hall_id},
                ).scalar_one()

            acknowledged: list[int] = []
            lock = threading.Lock()
            stop = threading.Event()

            def load(base: str) -> None:
                with httpx.Client(timeout=5) as http:
                    while not stop.is_set():
                        try:
                            answer = http.post(f"{base}/api/v1/webhook-deliveries/{template}/replay", headers=admin)
                        except httpx.HTTPError:
                            time.sleep(0.05)
                            continue
                        if answer.status_code == 201:
                            with lock:
                                acknowledged.append(answer.json()["id"])

            threads = [threading.Thread(target=load, args=(b,)) for b in bases for _ in range(2)]
            for t in threads:
                t.start()
            time.sleep(3)
            webs[0].send_signal(signal.SIGKILL)
            worker.send_signal(signal.SIGKILL)
            killed_at = len(acknowledged)
            time.sleep(3)
            stop.set()
            for t in threads:
                t.join()
            worker = _start(["worker", "--workers", "2"], env, tmp_path / "worker2.log")
            procs.append(worker)
            assert killed_at > 5 and len(acknowledged) > killed_at  # load before and after the kill

            deadline = time.monotonic() + 150
            while True:
                with engine.connect() as conn:
                    rows = dict(
                        conn.execute(
                            select(Delivery.id, Delivery.status).where(Delivery.id.in_(acknowledged))
                        ).all()
                    )
                missing = [i for i in acknowledged if i not in rows]
                assert not missing, f"acknowledged writes lost: {missing[:10]}"
                waiting = [i for i, status in rows.items() if status != "delivered"]
                if not waiting or time.monotonic() > deadline:
                    break
                time.sleep(1)
            assert not waiting, f"{len(waiting)} of {len(acknowledged)} deliveries never made after the restart"
            event_ids = {r["headers"].get("x-smarthall-delivery") for r in rec.got}
            assert event_ids == {"seed-event"} and len(rec.got) >= len(acknowledged)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        engine.dispose()
