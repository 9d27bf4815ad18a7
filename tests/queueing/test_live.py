"""Live updates: the in-memory broadcaster across threads, the board's SSE stream, the voice fallback; and with
Redis, a call made through one server process reaching a board served by another."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from smarthall.core.broadcast import MemoryBroadcaster
from smarthall.queueing import voice
from tests.conftest import DEMO_PASSWORD, TEST_FIELD_KEY
from tests.queueing.helpers import DISPLAY, HALL, KIOSK, W01, problem

# Uses Redis: on one xdist worker (Redis pub/sub is shared by all its databases).
pytestmark = pytest.mark.xdist_group("redis")

ROOT = Path(__file__).resolve().parents[2]


def test_memory_broadcaster_delivers_from_worker_threads():
    hub = MemoryBroadcaster()

    async def main() -> list[dict]:
        got: list[dict] = []

        async def listen() -> None:
            async for msg in hub.subscribe("c"):
                if msg["type"] == "subscribed":
                    continue
                got.append(msg)
                if len(got) == 3:
                    return

        task = asyncio.create_task(listen())
        while hub.subscriber_count("c") == 0:
            await asyncio.sleep(0.01)
        threads = [threading.Thread(target=hub.publish, args=("c", {"type": "t", "n": i})) for i in range(3)]
        hub.publish("other", {"n": 99})
        for t in threads:
            t.start()
        await asyncio.wait_for(task, 5)
        return got

    # In a thread of its own: Playwright's sync API may own the main thread's event loop in this session.
    box: list[list[dict]] = []
    runner = threading.Thread(target=lambda: box.append(asyncio.run(main())))
    runner.start()
    runner.join(10)
    got = box[0]
    assert sorted(m["n"] for m in got) == [0, 1, 2]
    assert hub.subscriber_count("c") == 0


def _collect_sse(url: str, headers: dict[str, str], want: int, out: list[tuple[str, dict]], ready: threading.Event):
    with httpx.Client(timeout=20) as c, c.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200
        event = ""
        for line in r.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                out.append((event, json.loads(line[5:].strip())))
                if event == "ready":
                    ready.set()
                if sum(1 for e, _ in out if e == "call") >= want:
                    return


def _call_one(base: str) -> str:
    with httpx.Client(base_url=base, timeout=30) as c:
        number = c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=KIOSK).json()[
            "number"
        ]
        token = c.post("/api/v1/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()
        h = {"Authorization": f"Bearer {token['access_token']}"}
        assert c.post(f"/api/v1/windows/{W01}/sign-in", headers=h).status_code == 200
        called = c.post(f"/api/v1/windows/{W01}/call-next", headers=h)
        assert called.status_code == 200
        return number


def test_board_stream_announces_calls(live_server):
    events: list[tuple[str, dict]] = []
    ready = threading.Event()
    reader = threading.Thread(
        target=_collect_sse,
        args=(f"{live_server}/api/v1/halls/{HALL}/board/stream", DISPLAY, 1, events, ready),
        daemon=True,
    )
    reader.start()
    assert ready.wait(10)
    number = _call_one(live_server)
    reader.join(15)
    calls = [m for e, m in events if e == "call"]
    assert calls and calls[0]["number"] == number and calls[0]["text_zh"] == f"请 {number} 号到 1 号窗口办理"
    denied = httpx.get(f"{live_server}/api/v1/halls/{HALL}/board/stream", headers=KIOSK, timeout=10)
    problem(denied, 403, "forbidden_role")


@pytest.mark.skipif(not voice.available(), reason="espeak-ng not installed")
def test_voice_wav_fallback(client):
    t = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=KIOSK).json()
    token = client.post("/api/v1/auth/token", data={"username": "clerk1", "password": DEMO_PASSWORD}).json()
    h = {"Authorization": f"Bearer {token['access_token']}"}
    client.post(f"/api/v1/windows/{W01}/sign-in", headers=h)
    client.post(f"/api/v1/windows/{W01}/call-next", headers=h)
    r = client.get(f"/api/v1/tickets/{t['id']}/voice.wav", headers=DISPLAY)
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav" and r.content[:4] == b"RIFF"
    assert len(r.content) > 10_000
    problem(client.get(f"/api/v1/tickets/{t['id']}/voice.wav"), 401, "unauthorized")


def test_voice_of_a_ticket_not_yet_called_is_a_problem_and_documented(client):
    """Found by the stateful contract run: a waiting ticket's WAV answered a bare ``{"detail": …}`` 404 (not
    problem+json), and the contract said the WAV itself was JSON."""
    t = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-001"}, headers=KIOSK).json()
    r = client.get(f"/api/v1/tickets/{t['id']}/voice.wav", headers=DISPLAY)
    problem(r, 404, "ticket_not_called")
    assert r.headers["content-type"].startswith("application/problem+json") and r.json()["message_en"]
    answers = client.get("/openapi.json").json()["paths"]["/api/v1/tickets/{ticket_id}/voice.wav"]["get"]["responses"]
    assert list(answers["200"]["content"]) == ["audio/wav"]


REDIS_URL = os.environ.get("SMARTHALL_TEST_REDIS_URL")
PG_URL = os.environ.get("SMARTHALL_TEST_DATABASE_URL")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(port: int, data_dir: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SMARTHALL_DATABASE_URL": PG_URL or "",
        **({"SMARTHALL_REDIS_URL": REDIS_URL} if REDIS_URL else {}),
        "SMARTHALL_FIELD_KEY": TEST_FIELD_KEY,
        "SMARTHALL_SECRET_KEY": "test-secret-key-for-tokens-only-in-tests",
        "SMARTHALL_DATA_DIR": str(data_dir),
        "SMARTHALL_ENVIRONMENT": "test",
        "SMARTHALL_LOG_LEVEL": "WARNING",
        # One kiosk issues hundreds of tickets at once here: its abuse limit is raised, by name.
        "SMARTHALL_RATE_LIMITS": json.dumps({"queueing.kiosk_ticket": [100_000, 60]}),
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.queueing.frozen_app:create",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("server process did not start")


@pytest.mark.skipif(not (REDIS_URL and PG_URL), reason="needs SMARTHALL_TEST_REDIS_URL and SMARTHALL_TEST_DATABASE_URL")
def test_two_processes_share_calls_through_redis(env, tmp_path):
    if env.backend != "postgresql":
        pytest.skip("the multi-process test runs on PostgreSQL")
    import redis

    # The servers keep their abuse limits in this Redis database: counts left by earlier tests from the same loopback
    # address (logins, tickets) must not refuse this test's clerk.
    redis.Redis.from_url(REDIS_URL).flushdb()
    a_port, b_port = _free_port(), _free_port()
    a = _start(a_port, tmp_path / "a")
    b = _start(b_port, tmp_path / "b")
    try:
        events: list[tuple[str, dict]] = []
        ready = threading.Event()
        reader = threading.Thread(
            target=_collect_sse,
            args=(f"http://127.0.0.1:{a_port}/api/v1/halls/{HALL}/board/stream", DISPLAY, 1, events, ready),
            daemon=True,
        )
        reader.start()
        assert ready.wait(15)
        number = _call_one(f"http://127.0.0.1:{b_port}")
        reader.join(20)
        calls = [m for e, m in events if e == "call"]
        assert calls and calls[0]["number"] == number, events
        board = httpx.get(f"http://127.0.0.1:{a_port}/api/v1/halls/{HALL}/board", headers=DISPLAY, timeout=10).json()
        assert board["calls"][0]["number"] == number
    finally:
        for proc in (a, b):
            proc.terminate()
            proc.wait(10)


def test_kill_9_mid_issue_loses_no_acknowledged_ticket(env, tmp_path):
    """A server process killed with SIGKILL while tickets are being issued: after a restart every acknowledged
    ticket is there, numbers are unique, and numbering continues."""
    import signal
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import func, select

    from smarthall.queueing.models import Ticket

    global PG_URL, REDIS_URL
    saved = PG_URL, REDIS_URL
    PG_URL, REDIS_URL = env.settings.resolved_database_url, None
    try:
        port = _free_port()
        proc = _start(port, tmp_path / "k1")
        acknowledged: list[dict] = []

        def one(_: int) -> None:
            try:
                r = httpx.post(
                    f"http://127.0.0.1:{port}/api/v1/tickets",
                    json={"hall_code": HALL, "item_code": "GA-001"},
                    headers=KIOSK,
                    timeout=10,
                )
            except httpx.HTTPError:
                return
            if r.status_code == 201:
                acknowledged.append(r.json())

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(one, i) for i in range(200)]
            while len(acknowledged) < 20:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            for f in futures:
                f.result()
        proc2 = _start(port, tmp_path / "k2")
        try:
            for t in acknowledged:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/tickets/by-token/{t['token']}", timeout=10)
                assert r.status_code == 200 and r.json()["number"] == t["number"]
            after = httpx.post(
                f"http://127.0.0.1:{port}/api/v1/tickets",
                json={"hall_code": HALL, "item_code": "GA-001"},
                headers=KIOSK,
                timeout=10,
            ).json()
            assert int(after["number"][1:]) > max(int(t["number"][1:]) for t in acknowledged)
        finally:
            proc2.terminate()
            proc2.wait(10)
        with env.session(write=False) as s:
            total = s.execute(select(func.count()).select_from(Ticket)).scalar_one()
            distinct = s.execute(select(func.count(func.distinct(Ticket.number)))).scalar_one()
        assert total == distinct and total >= len(acknowledged) + 1
    finally:
        PG_URL, REDIS_URL = saved
