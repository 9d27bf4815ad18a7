"""Slow writes beside the live hall: kiosk issues and board reads while instant-approval cases render PDFs.

An open loop offers kiosk issues (``POST /api/v1/tickets``) and board reads (``GET /api/v1/halls/{hall}/board``)
at ``--rate`` per second, half each, in rounds of ``--round`` seconds that alternate between *quiet* (nothing
else) and *cases* (``--submitters`` clients submitting SC-003 — 个体工商户注销登记, approved, signed as a PDF,
put in the wallet and delivered within the request — back to back as the demo citizen, see README "Try it").
Latency runs from the scheduled time to the answer. The figure is the ratio of the board and issue p99 in the
cases rounds to the quiet rounds of the same run (the house issue asks for ≤ 2× on SQLite).

    .venv/bin/python bench/queueing/cases_beside.py --backend sqlite --rounds 6 --round 20
    .venv/bin/python bench/queueing/cases_beside.py --backend postgresql --database-url postgresql+psycopg://...

``measure`` is also what ``tests/queueing/test_slow_writes.py`` runs against a live test server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DISPLAY, HALL, ITEMS, KIOSK, Client, TransportError, bench_env, prepare, start_server  # noqa: E402

CITIZEN = "690102199003071232"
PASSWORD = "smarthall-demo"


@dataclass
class Result:
    lat: dict[str, dict[str, list[float]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    errors: int = 0
    cases: int = 0
    instant: int = 0
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def p(self, phase: str, kind: str, q: int) -> float:
        return pct(self.lat[phase][kind], q)

    def ratio(self, kind: str) -> float:
        quiet = self.p("quiet", kind, 99)
        return self.p("cases", kind, 99) / quiet if quiet else float("inf")


def pct(values: list[float], q: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


async def _token(host: str, port: int) -> dict[str, str]:
    c = Client(host, port)
    try:
        r = await c.post("/api/v1/auth/token", data={"username": CITIZEN, "password": PASSWORD})
        return {"Authorization": f"Bearer {r.json()['access_token']}"}
    finally:
        await c.close()


async def _submit_one(host: str, port: int, headers: dict[str, str], result: Result, c: Client | None = None) -> None:
    """SC-003 with the prefilled form and the held business licence, as README "Try it" does by hand."""
    own = c is None
    c = c or Client(host, port, timeout=120)
    try:
        answer = await c.get("/api/v1/items/SC-003/form", headers=headers)
        body = answer.json()
        if answer.status_code != 200:
            raise SystemExit(f"the form was refused: {answer.status_code} {body}")
        form = {f["name"]: f["value"] for f in body["fields"] if f["value"] is not None}
        form.setdefault("cancel_reason", "停止经营")
        mats = [
            {"material_code": m["code"], "licence_id": m["held_licence_id"]}
            for m in body["materials"]
            if m["held_licence_id"]
        ]
        r = await c.post(
            "/api/v1/cases",
            headers=headers,
            json={"item_code": "SC-003", "hall_code": HALL, "form": form, "materials": mats},
        )
        result.cases += 1
        result.statuses[r.status_code] += 1
        if r.status_code == 201 and r.json().get("instant"):
            result.instant += 1
    finally:
        if own:
            await c.close()


async def _submit_cases(host: str, port: int, headers: dict[str, str], stop: asyncio.Event, result: Result) -> None:
    c = Client(host, port, timeout=120)
    try:
        while not stop.is_set():
            await _submit_one(host, port, headers, result, c)
    except TransportError:
        result.errors += 1
    finally:
        await c.close()


async def _open_loop(host: str, port: int, seconds: float, rate: float, phase: str, result: Result, seed: int) -> None:
    pool: asyncio.Queue[Client] = asyncio.Queue()
    for _ in range(16):
        pool.put_nowait(Client(host, port))
    rng = random.Random(seed)
    tasks: set[asyncio.Task[None]] = set()

    async def one(due: float, kind: str) -> None:
        c = await pool.get()
        try:
            if kind == "issue":
                r = await c.post(
                    "/api/v1/tickets", json={"hall_code": HALL, "item_code": rng.choice(ITEMS)}, headers=KIOSK
                )
            else:
                r = await c.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY)
            result.lat[phase][kind].append((time.perf_counter() - due) * 1000)
            if r.status_code >= 500:
                result.errors += 1
        except TransportError:
            result.errors += 1
        finally:
            pool.put_nowait(c)

    start = time.perf_counter()
    n = 0
    while True:
        due = start + n / rate
        if due - start >= seconds:
            break
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(due, "issue" if rng.random() < 0.5 else "board"))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        n += 1
    await asyncio.gather(*tasks)
    while not pool.empty():
        await pool.get_nowait().close()


async def measure_async(
    host: str, port: int, *, rounds: int, round_seconds: float, rate: float, submitters: int = 1
) -> Result:
    """Alternate quiet and cases rounds (quiet first); a round with cases starts its submitters first."""
    result = Result()
    headers = await _token(host, port)
    for i in range(rounds):
        phase = "cases" if i % 2 else "quiet"
        stop = asyncio.Event()
        subs = []
        if phase == "cases":
            subs = [asyncio.create_task(_submit_cases(host, port, headers, stop, result)) for _ in range(submitters)]
            await asyncio.sleep(0.5)  # the first case is under way
        await _open_loop(host, port, round_seconds, rate, phase, result, seed=i)
        stop.set()
        await asyncio.gather(*subs)
    return result


def measure(host: str, port: int, **kw: Any) -> Result:
    return asyncio.run(measure_async(host, port, **kw))


async def _warm(host: str, port: int) -> None:
    """One case and a few issues and board reads first: the first PDF on a machine builds the cut-down CJK face
    (cached afterwards), and the first requests fill the per-process caches."""
    warm = Result()
    await _submit_one(host, port, await _token(host, port), warm)
    await _open_loop(host, port, 1.0, 20, "warm", warm, seed=99)


def summary(result: Result) -> dict[str, Any]:
    out: dict[str, Any] = {"cases": result.cases, "instant": result.instant, "errors": result.errors}
    for phase in ("quiet", "cases"):
        for kind in ("issue", "board"):
            out[f"{phase}_{kind}_n"] = len(result.lat[phase][kind])
            out[f"{phase}_{kind}_p50"] = result.p(phase, kind, 50)
            out[f"{phase}_{kind}_p99"] = result.p(phase, kind, 99)
    out["issue_ratio"], out["board_ratio"] = result.ratio("issue"), result.ratio("board")
    return out


def report(result: Result) -> None:
    for phase in ("quiet", "cases"):
        for kind in ("issue", "board"):
            v = result.lat[phase][kind]
            print(
                f"  {phase:5s} {kind:5s} n={len(v):5d} p50={pct(v, 50):7.1f}ms p99={pct(v, 99):7.1f}ms "
                f"max={max(v, default=0):7.1f}ms"
            )
    print(
        f"p99 ratio cases/quiet: issue {result.ratio('issue'):.2f}  board {result.ratio('board'):.2f}  "
        f"cases submitted {result.cases} (instant {result.instant}, status {dict(result.statuses)})  "
        f"errors {result.errors}"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--round", type=float, default=20.0, help="seconds per round")
    ap.add_argument("--rate", type=float, default=50.0)
    ap.add_argument("--submitters", type=int, default=1)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--port", type=int, default=8766)
    ap.add_argument("--url", default=None, help="load a running server (http://127.0.0.1:PORT) instead of starting one")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON line (for the test)")
    args = ap.parse_args()
    kw = {"rounds": args.rounds, "round_seconds": args.round, "rate": args.rate, "submitters": args.submitters}
    if args.url:
        host, port = args.url.rsplit("/", 1)[-1].rsplit(":", 1)
        asyncio.run(_warm(host, int(port)))
        result = measure(host, int(port), **kw)
        if args.json:
            print(json.dumps(summary(result)))
        else:
            report(result)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="bench-beside-"))
    workers = args.workers or (2 if args.backend == "postgresql" else 1)
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env = bench_env(data_dir, url)
    prepare(env, args.backend)
    server = start_server(env, args.port, workers, wait=120)
    try:
        asyncio.run(_warm("127.0.0.1", args.port))
        result = measure("127.0.0.1", args.port, **kw)
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"backend={args.backend} workers={workers} rate={args.rate:g}/s rounds={args.rounds}×{args.round:g}s")
    report(result)


if __name__ == "__main__":
    main()
