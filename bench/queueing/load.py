"""Mixed-load benchmark for the live hall (not a test; results go to docs/benchmarks.md).

Mix: 40% board/status reads, 30% ticket issues, 15% call-next, 10% finish, 5% bookings, over loopback against
``uvicorn`` serving ``bench.queueing.app:create`` (the production app and its embedded task consumer). SQLite: one
process; PostgreSQL: two workers. Errors are 5xx answers and transport failures; 4xx business answers (slot full,
already booked) are counted apart. A line per minute shows the rate and tails of that minute, so that "sustained"
can be read off the run.

Two ways to load:
- ``--rate R`` (open loop, the latency figures): requests are *scheduled* at R per second, whatever the server
  does, and sent on up to ``--clients`` keep-alive connections; a latency runs from the scheduled time to the
  answer, so time spent waiting for a free connection counts (no coordinated omission).
- without ``--rate`` (closed loop, the capacity figure): ``--clients`` users send back to back. Its latencies are
  ``clients ÷ throughput`` by Little's law — queueing at saturation, not service time.

    .venv/bin/python bench/queueing/load.py --backend sqlite --rate 200 --seconds 600
    .venv/bin/python bench/queueing/load.py --backend postgresql --database-url postgresql+psycopg://... --rate 200
    .venv/bin/python bench/queueing/load.py --backend sqlite --seconds 60            # capacity, 32 clients
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DISPLAY,
    HALL,
    ITEMS,
    KIOSK,
    Client,
    TransportError,
    bench_env,
    bookable_slots,
    cpu_seconds,
    make_citizens,
    prepare,
    rss_mb,
    sign_in_clerks,
    start_server,
)

WRITES = ("issue", "call", "finish", "book")


class Load:
    def __init__(self, port: int, seconds: float, clients: int, rate: float | None = None) -> None:
        self.port, self.seconds, self.clients, self.rate = port, seconds, clients, rate
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.minute: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors = 0
        self.error_samples: list[str] = []
        self.tickets: list[str] = []  # where each issued ticket's status is read
        self.windows: dict[str, int | None] = {}
        self.busy: set[str] = set()
        self.tokens: dict[str, dict[str, str]] = {}
        self.citizens: list[dict[str, str]] = []
        self.slots: list[tuple[int, str]] = []
        self.t0 = 0.0
        self.scheduled: dict[int, float] = {}  # connection → when its current request was due (open loop)
        self.backlog_peak = 0

    async def setup(self) -> None:
        c = Client("127.0.0.1", self.port)
        self.tokens = await sign_in_clerks(c)
        self.windows = dict.fromkeys(self.tokens)
        self.slots = [(s["id"], s["item_code"]) for s in await bookable_slots(c)]
        await c.close()

    async def timed(self, c: Client, kind: str, method: str, url: str, **kw: object) -> object:
        t0 = self.scheduled.pop(id(c), None) or time.perf_counter()
        try:
            r = await c.request(method, url, **kw)  # type: ignore[arg-type]
        except TransportError as exc:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{kind} {url}: {exc}")
            return None
        ms = (time.perf_counter() - t0) * 1000
        self.lat[kind].append(ms)
        self.minute[int((time.monotonic() - self.t0) // 60)][kind].append(ms)
        self.status[kind][r.status_code] += 1
        if r.status_code >= 500:
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{kind} {url}: {r.status_code} {r.content[:200]!r}")
        return r

    async def read(self, c: Client, rng: random.Random) -> None:
        if self.tickets and rng.random() < 0.25:
            await self.timed(c, "read", "GET", rng.choice(self.tickets[-200:]))
        else:
            await self.timed(c, "read", "GET", f"/api/v1/halls/{HALL}/board", headers=DISPLAY)

    async def op(self, c: Client, rng: random.Random) -> None:
        x = rng.random()
        if x < 0.40:
            await self.read(c, rng)
        elif x < 0.70:
            r = await self.timed(
                c,
                "issue",
                "POST",
                "/api/v1/tickets",
                json={"hall_code": HALL, "item_code": rng.choice(ITEMS)},
                headers=KIOSK,
            )
            if r is not None and r.status_code == 201:  # type: ignore[attr-defined]
                body = r.json()  # type: ignore[attr-defined]
                # read as a citizen's ticket page reads it (ticket_live.js): by the ticket's public token (trees
                # before issue 12 have none and read by id, so that A/B runs against them stay possible)
                token = body.get("token")
                self.tickets.append(f"/api/v1/tickets/by-token/{token}" if token else f"/api/v1/tickets/{body['id']}")
        elif x < 0.85:
            idle = [w for w, t in self.windows.items() if t is None and w not in self.busy]
            if not idle:
                return await self.read(c, rng)
            w = rng.choice(idle)
            self.busy.add(w)
            try:
                r = await self.timed(c, "call", "POST", f"/api/v1/windows/{w}/call-next", headers=self.tokens[w])
                if r is not None and r.status_code == 200:  # type: ignore[attr-defined]
                    self.windows[w] = r.json()["id"]  # type: ignore[attr-defined]
            finally:
                self.busy.discard(w)
        elif x < 0.95:
            serving = [w for w, t in self.windows.items() if t is not None and w not in self.busy]
            if not serving:
                return await self.read(c, rng)
            w = rng.choice(serving)
            self.busy.add(w)
            try:
                r = await self.timed(
                    c, "finish", "POST", f"/api/v1/tickets/{self.windows[w]}/finish", headers=self.tokens[w]
                )
                if r is not None and r.status_code == 200:  # type: ignore[attr-defined]
                    self.windows[w] = None
            finally:
                self.busy.discard(w)
        else:
            slot_id, item = rng.choice(self.slots)
            await self.timed(
                c,
                "book",
                "POST",
                "/api/v1/appointments",
                json={"slot_id": slot_id, "item_code": item},
                headers=rng.choice(self.citizens),
            )

    async def run(self, server_pid: int) -> tuple[float, float, float]:
        await self.setup()
        self.t0 = time.monotonic()
        deadline = self.t0 + self.seconds
        cpu0 = cpu_seconds(server_pid)
        peak = 0.0

        async def worker(i: int) -> None:
            rng = random.Random(i)
            c = Client("127.0.0.1", self.port)
            while time.monotonic() < deadline:
                await self.op(c, rng)
            await c.close()

        async def monitor() -> None:
            nonlocal peak
            shown = 0
            while time.monotonic() < deadline:
                await asyncio.sleep(1)
                peak = max(peak, rss_mb(server_pid))
                minute = int((time.monotonic() - self.t0) // 60)
                if minute > shown:
                    self.report_minute(shown)
                    shown = minute

        if self.rate:
            await asyncio.gather(monitor(), self.open_loop(deadline))
        else:
            await asyncio.gather(monitor(), *(worker(i) for i in range(self.clients)))
        elapsed = time.monotonic() - self.t0
        return elapsed, cpu_seconds(server_pid) - cpu0, max(peak, rss_mb(server_pid))

    async def open_loop(self, deadline: float) -> None:
        """Schedule requests at ``rate`` per second; each runs on a free connection when there is one."""
        assert self.rate
        pool: asyncio.Queue[Client] = asyncio.Queue()
        for _ in range(self.clients):
            pool.put_nowait(Client("127.0.0.1", self.port))
        rng = random.Random(1)
        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        n = 0

        async def one(due: float, seed: int) -> None:
            c = await pool.get()
            try:
                self.scheduled[id(c)] = due
                await self.op(c, random.Random(seed))
            finally:
                self.scheduled.pop(id(c), None)
                pool.put_nowait(c)

        while time.monotonic() < deadline:
            due = start + n / self.rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(due, rng.randrange(1 << 30)))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            self.backlog_peak = max(self.backlog_peak, len(tasks))
            n += 1
        await asyncio.gather(*tasks)
        while not pool.empty():
            await pool.get_nowait().close()

    def report_minute(self, minute: int) -> None:
        kinds = self.minute[minute]
        n = sum(len(v) for v in kinds.values())
        writes = [x for k in WRITES for x in kinds[k]]
        print(
            f"  minute {minute + 1:2d}: {n / 60:6.1f} req/s  write p99 {pct(writes, 99):7.1f} ms  "
            f"call-next p99 {pct(kinds['call'], 99):7.1f} ms  read p99 {pct(kinds['read'], 99):7.1f} ms  "
            f"waiting tickets {len(self.tickets) - sum(self.status['call'].values()):6d}",
            flush=True,
        )


def pct(values: list[float], q: int) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=32, help="users (closed loop) or connections (open loop)")
    ap.add_argument("--rate", type=float, default=None, help="open loop: requests scheduled per second")
    ap.add_argument("--workers", type=int, default=None, help="server processes (default: 1 SQLite, 2 PostgreSQL)")
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    workers = args.workers or (2 if args.backend == "postgresql" else 1)
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env = bench_env(data_dir, url)
    prepare(env, args.backend)
    load = Load(args.port, args.seconds, args.clients, args.rate)
    load.citizens = make_citizens(url, data_dir, 150)
    server = start_server(env, args.port, workers)
    try:
        elapsed, cpu, mem = asyncio.run(load.run(server.pid))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)
    total = sum(len(v) for v in load.lat.values())
    writes = [x for k in WRITES for x in load.lat[k]]
    mode = f"open loop at {args.rate:g}/s on {args.clients} connections" if args.rate else f"{args.clients} clients"
    print(f"backend={args.backend} workers={workers} {mode} seconds={elapsed:.0f} backlog peak={load.backlog_peak}")
    print(
        f"requests={total} rate={total / elapsed:.1f}/s errors(5xx+transport)={load.errors} "
        f"server CPU {cpu / max(total, 1) * 1000:.2f} ms/request ({cpu / elapsed:.2f} cores)"
    )
    for sample in load.error_samples:
        print(f"  error: {sample}")
    for kind in ("read", *WRITES):
        v = load.lat[kind]
        print(
            f"  {kind:6s} n={len(v):6d} p50={pct(v, 50):7.1f}ms p99={pct(v, 99):7.1f}ms "
            f"max={max(v, default=0):7.1f}ms status={dict(load.status[kind])}"
        )
    print(
        f"write p99={pct(writes, 99):.1f}ms  call-next p99={pct(load.lat['call'], 99):.1f}ms  "
        f"server RSS per process (peak)={mem:.0f}MB"
    )


if __name__ == "__main__":
    main()
