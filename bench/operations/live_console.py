"""Live console benchmark: how long ``GET /halls/{code}/live`` takes with a busy line, and how soon after a call the
console's SSE stream says "change" (target ≤ 2 s), on the demo hall served by uvicorn (one worker, SQLite).

The demo province is migrated and seeded into a temporary directory; seven clerks sign in; ``--tickets`` tickets
are issued; then ``--reads`` reads of ``/live`` are timed, and ``--calls`` calls are made one by one with a stream
open, timing call → ``change`` event.

Run: ``.venv/bin/python bench/operations/live_console.py [--tickets 300] [--reads 50] [--calls 20] [--port 8150]``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.queueing.common import CLERKS, ITEMS, KIOSK, PASSWORD, Client, bench_env, prepare, sign_in_clerks  # noqa: E402

HALL = "H-690102"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def _setup(port: int, tickets: int) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    client = Client("127.0.0.1", port, timeout=30)
    clerks = await sign_in_clerks(client)
    for i in range(tickets):
        await client.post(
            "/api/v1/tickets", json={"hall_code": HALL, "item_code": ITEMS[i % len(ITEMS)]}, headers=KIOSK
        )
    r = await client.post("/api/v1/auth/token", data={"username": "hallmanager1", "password": PASSWORD})
    await client.close()
    return clerks, {"Authorization": f"Bearer {r.json()['access_token']}"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=300)
    ap.add_argument("--reads", type=int, default=50)
    ap.add_argument("--calls", type=int, default=7)  # one per signed-in window (a busy window calls no one)
    ap.add_argument("--port", type=int, default=8150)
    args = ap.parse_args()
    from bench.queueing.common import start_server

    with tempfile.TemporaryDirectory() as tmp:
        env = bench_env(Path(tmp), f"sqlite:///{tmp}/bench.db")
        prepare(env, "sqlite")
        server = start_server(env, args.port, 1, wait=120)
        try:
            base = f"http://127.0.0.1:{args.port}"
            clerks, manager = asyncio.run(_setup(args.port, args.tickets))
            reads = []
            with httpx.Client(base_url=base, timeout=30) as c:
                for _ in range(args.reads):
                    t0 = time.perf_counter()
                    assert c.get(f"/api/v1/halls/{HALL}/live", headers=manager).status_code == 200
                    reads.append((time.perf_counter() - t0) * 1000)
            lags = _stream_lags(base, manager, clerks, args.calls)
        finally:
            server.terminate()
            server.wait(10)
    print(
        f"GET /live with {args.tickets} tickets, {len(CLERKS)} windows: median {statistics.median(reads):.1f} ms, "
        f"p95 {_pct(reads, 0.95):.1f} ms"
    )
    print(
        f"call → SSE change ({len(lags)} calls): median {statistics.median(lags) * 1000:.0f} ms, "
        f"max {max(lags) * 1000:.0f} ms (target ≤ 2000 ms)"
    )


def _stream_lags(base: str, manager: dict[str, str], clerks: dict[str, dict[str, str]], calls: int) -> list[float]:
    changes: list[float] = []
    ready = threading.Event()
    stop = threading.Event()

    def listen() -> None:
        with (
            httpx.Client(timeout=60) as c,
            c.stream("GET", f"{base}/api/v1/halls/{HALL}/live/stream", headers=manager) as r,
        ):
            event = ""
            for line in r.iter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    if event == "ready":
                        ready.set()
                    elif event == "change":
                        changes.append(time.monotonic())
                if stop.is_set():
                    return

    threading.Thread(target=listen, daemon=True).start()
    assert ready.wait(10)
    lags = []
    windows = list(clerks)
    with httpx.Client(base_url=base, timeout=30) as c:
        for i in range(calls):
            window = windows[i % len(windows)]
            seen = len(changes)
            t0 = time.monotonic()
            c.post(f"/api/v1/windows/{window}/call-next", headers=clerks[window])
            while len(changes) == seen and time.monotonic() - t0 < 5:
                time.sleep(0.002)
            if len(changes) > seen:
                lags.append(changes[seen] - t0)
            time.sleep(0.2)
    stop.set()
    return lags


if __name__ == "__main__":
    main()
