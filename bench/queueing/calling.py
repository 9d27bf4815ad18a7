"""Calling throughput per window: "call-next, then finish" (two requests per ticket) against "finish and call next"
in one act (``POST /tickets/{id}/finish-and-call-next``), in alternating rounds of one run (not a test).

Before each round the line is topped up with ``--backlog`` kiosk tickets (not timed); then every demo clerk signs
in at their window and serves back to back for ``--round`` seconds, closed loop, one connection per window. The
figure is tickets served per window per second in each mode and their ratio within the run; every round also
checks that no ticket was called twice.

    .venv/bin/python bench/queueing/calling.py --backend sqlite --rounds 4 --round 10
    .venv/bin/python bench/queueing/calling.py --backend postgresql --database-url postgresql+psycopg://.../bench_h
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CLERKS, HALL, ITEMS, KIOSK, PASSWORD, Client, bench_env, prepare, start_server  # noqa: E402


async def _tokens(port: int) -> dict[str, dict[str, str]]:
    out = {}
    for user in CLERKS:
        c = Client("127.0.0.1", port)
        r = await c.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
        out[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        await c.close()
    return out


async def _top_up(port: int, n: int) -> None:
    async def feeder(k: int) -> None:
        c = Client("127.0.0.1", port, timeout=60)
        for i in range(k, n, 16):
            await c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": ITEMS[i % len(ITEMS)]}, headers=KIOSK)
        await c.close()

    await asyncio.gather(*(feeder(k) for k in range(16)))


async def _round(port: int, tokens: dict[str, dict[str, str]], mode: str, seconds: float) -> dict[str, object]:
    calls: Counter[int] = Counter()
    served: dict[str, int] = defaultdict(int)
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def window(user: str) -> None:
        nonlocal errors
        code, headers = CLERKS[user], tokens[user]
        c = Client("127.0.0.1", port, timeout=60)
        await c.post(f"/api/v1/windows/{code}/sign-in", headers=headers)
        current = None
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            if current is None:
                r = await c.post(f"/api/v1/windows/{code}/call-next", headers=headers)
                if r.status_code == 204:
                    break
                if r.status_code != 200:
                    errors += 1
                    break
                current = r.json()["id"]
                calls[current] += 1
            elif mode == "two":
                r = await c.post(f"/api/v1/tickets/{current}/finish", headers=headers)
                errors += r.status_code != 200
                served[user] += 1
                current = None
            else:
                r = await c.post(f"/api/v1/tickets/{current}/finish-and-call-next", headers=headers)
                if r.status_code != 200:
                    errors += 1
                    break
                served[user] += 1
                current = (r.json()["called"] or {}).get("id")
                if current is not None:
                    calls[current] += 1
            latencies.append((time.perf_counter() - t0) * 1000)
        if current is not None:  # leave the window idle for the next round
            await c.post(f"/api/v1/tickets/{current}/finish", headers=headers)
        await c.close()

    started = time.monotonic()
    await asyncio.gather(*(window(user) for user in CLERKS))
    elapsed = time.monotonic() - started
    return {
        "mode": mode,
        "per_window": sum(served.values()) / len(CLERKS) / elapsed,
        "served": sum(served.values()),
        "double_calls": sum(1 for n in calls.values() if n > 1),
        "errors": errors,
        "p99_ms": statistics.quantiles(latencies, n=100)[98] if len(latencies) > 1 else 0.0,
    }


async def run(port: int, rounds: int, seconds: float, backlog: int) -> list[dict[str, object]]:
    tokens = await _tokens(port)
    out = []
    for i in range(rounds):
        await _top_up(port, backlog)
        out.append(await _round(port, tokens, "two" if i % 2 == 0 else "one", seconds))
        print(out[-1], file=sys.stderr)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--round", type=float, default=10.0, help="seconds per round")
    ap.add_argument("--backlog", type=int, default=1500, help="tickets issued before each round")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--port", type=int, default=8767)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-calling-"))
    workers = args.workers or (2 if args.backend == "postgresql" else 1)
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env = bench_env(data_dir, url)
    prepare(env, args.backend)
    server = start_server(env, args.port, workers, wait=120)
    try:
        results = asyncio.run(run(args.port, args.rounds, args.round, args.backlog))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)
    by = {m: [r for r in results if r["mode"] == m] for m in ("two", "one")}
    mean = {m: statistics.fmean(float(r["per_window"]) for r in rs) for m, rs in by.items() if rs}  # type: ignore[arg-type]
    print(f"backend={args.backend} workers={workers} windows={len(CLERKS)} rounds={args.rounds}×{args.round:g}s")
    for m, label in (("two", "call-next + finish"), ("one", "finish-and-call-next")):
        if m in mean:
            p99 = max(float(r["p99_ms"]) for r in by[m])  # type: ignore[arg-type]
            print(f"  {label:22s} {mean[m]:6.2f} tickets/s per window   request p99 ≤ {p99:.0f} ms")
    print(
        f"ratio one act / two requests: {mean.get('one', 0) / mean['two']:.2f}×   "
        f"double calls {sum(int(r['double_calls']) for r in results)}   errors {sum(int(r['errors']) for r in results)}"  # type: ignore[call-overload]
    )


if __name__ == "__main__":
    main()
