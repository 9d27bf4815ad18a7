"""Mixed-load benchmark for the live hall (not a test; results go to docs/benchmarks.md).

Mix: 40% board/status reads, 30% ticket issues, 15% call-next, 10% finish, 5% bookings, from concurrent clients
over loopback against ``uvicorn`` serving ``bench.queueing.app:create``. SQLite: one process; PostgreSQL: two
workers. Errors are 5xx answers and transport failures; 4xx business answers (slot full, already booked) are
counted apart. Usage:

    .venv/bin/python bench/queueing/load.py --backend sqlite --seconds 60
    .venv/bin/python bench/queueing/load.py --backend postgresql --database-url postgresql+psycopg://... --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
HALL = "H-690102"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}
DISPLAY = {"X-Device-Key": "demo-display-key"}
PASSWORD = "smarthall-demo"
FIELD_KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="
CLERKS = {
    "clerk1": "H-690102-W01",
    "clerk2": "H-690102-W02",
    "clerk3": "H-690102-W03",
    "clerk7": "H-690102-W12",
    "clerk4": "H-690102-W04",
    "clerk5": "H-690102-W05",
    "clerk6": "H-690102-W08",
}
ITEMS = ["GA-001", "GA-002", "SC-001", "RS-001", "YB-001", "BD-001", "GJ-001"]
BOOKABLE = ["GA-006", "BD-001", "GJ-004", "SW-002"]


def prepare(env: dict[str, str], backend: str) -> None:
    if backend == "postgresql":
        from sqlalchemy import create_engine, text

        engine = create_engine(env["SMARTHALL_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    smarthall = str(ROOT / ".venv" / "bin" / "smarthall")
    subprocess.run([smarthall, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    subprocess.run([smarthall, "seed"], env=env, check=True, cwd=ROOT)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn workers), in MB."""
    total = 0.0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    per = []
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    kb = float(line.split()[1])
                    per.append(kb / 1024)
                    total += kb / 1024
        except OSError:
            continue
    return max(per) if len(per) == 1 else max(per[1:] or per)


class Load:
    def __init__(self, base: str, seconds: float, clients: int) -> None:
        self.base, self.seconds, self.clients = base, seconds, clients
        self.lat: dict[str, list[float]] = defaultdict(list)
        self.status: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors = 0
        self.tickets: list[int] = []
        self.windows: dict[str, int | None] = {}
        self.busy: set[str] = set()
        self.tokens: dict[str, dict[str, str]] = {}
        self.citizens: list[dict[str, str]] = []
        self.slots: list[tuple[int, str]] = []

    async def setup(self, c: httpx.AsyncClient) -> None:
        for user, window in CLERKS.items():
            r = await c.post("/api/v1/auth/token", data={"username": user, "password": PASSWORD})
            self.tokens[window] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            await c.post(f"/api/v1/windows/{window}/sign-in", headers=self.tokens[window])
            self.windows[window] = None
        # Citizens (150) were created in the database before the server started, their tokens minted with its
        # secret (``burst.make_citizens``): registering them over HTTP only measured password hashing.
        for d in range(1, 7):
            day = (date(2026, 11, 30) + timedelta(days=d)).isoformat()
            for item in BOOKABLE:
                r = await c.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": item, "date": day})
                self.slots += [(s["id"], item) for s in r.json()]

    async def timed(
        self, c: httpx.AsyncClient, kind: str, method: str, url: str, **kw: object
    ) -> httpx.Response | None:
        t0 = time.perf_counter()
        try:
            r = await c.request(method, url, **kw)  # type: ignore[arg-type]
        except httpx.HTTPError:
            self.errors += 1
            return None
        self.lat[kind].append((time.perf_counter() - t0) * 1000)
        self.status[kind][r.status_code] += 1
        if r.status_code >= 500:
            self.errors += 1
        return r

    async def op(self, c: httpx.AsyncClient, rng: random.Random) -> None:
        x = rng.random()
        if x < 0.40:
            if self.tickets and rng.random() < 0.25:
                await self.timed(c, "read", "GET", f"/api/v1/tickets/{rng.choice(self.tickets[-200:])}")
            else:
                await self.timed(c, "read", "GET", f"/api/v1/halls/{HALL}/board", headers=DISPLAY)
        elif x < 0.70:
            r = await self.timed(
                c,
                "issue",
                "POST",
                "/api/v1/tickets",
                json={"hall_code": HALL, "item_code": rng.choice(ITEMS)},
                headers=KIOSK,
            )
            if r is not None and r.status_code == 201:
                self.tickets.append(r.json()["id"])
        elif x < 0.85:
            idle = [w for w, t in self.windows.items() if t is None and w not in self.busy]
            if not idle:
                return await self.timed(c, "read", "GET", f"/api/v1/halls/{HALL}/board", headers=DISPLAY) and None
            w = rng.choice(idle)
            self.busy.add(w)
            try:
                r = await self.timed(c, "call", "POST", f"/api/v1/windows/{w}/call-next", headers=self.tokens[w])
                if r is not None and r.status_code == 200:
                    self.windows[w] = r.json()["id"]
            finally:
                self.busy.discard(w)
        elif x < 0.95:
            serving = [w for w, t in self.windows.items() if t is not None and w not in self.busy]
            if not serving:
                return await self.timed(c, "read", "GET", f"/api/v1/halls/{HALL}/board", headers=DISPLAY) and None
            w = rng.choice(serving)
            self.busy.add(w)
            try:
                r = await self.timed(
                    c, "finish", "POST", f"/api/v1/tickets/{self.windows[w]}/finish", headers=self.tokens[w]
                )
                if r is not None and r.status_code == 200:
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

    async def run(self) -> float:
        limits = httpx.Limits(max_connections=self.clients, max_keepalive_connections=self.clients)
        async with httpx.AsyncClient(base_url=self.base, timeout=30, limits=limits) as c:
            await self.setup(c)
            deadline = time.monotonic() + self.seconds
            t0 = time.monotonic()

            async def worker(i: int) -> None:
                rng = random.Random(i)
                while time.monotonic() < deadline:
                    await self.op(c, rng)

            await asyncio.gather(*(worker(i) for i in range(self.clients)))
            return time.monotonic() - t0


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--port", type=int, default=8765)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    env = {
        **os.environ,
        "SMARTHALL_DATA_DIR": str(data_dir),
        "SMARTHALL_FIELD_KEY": FIELD_KEY,
        "SMARTHALL_LOG_LEVEL": "WARNING",
        "SMARTHALL_SECRET_KEY": "bench-secret",
    }
    env.pop("SMARTHALL_REDIS_URL", None)
    workers = 1
    if args.backend == "postgresql":
        workers = 2
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env["SMARTHALL_DATABASE_URL"] = url
    prepare(env, args.backend)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from burst import make_citizens  # type: ignore[import-not-found]

    citizens = make_citizens(url, data_dir, 150)
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.queueing.app:create",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(args.port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)  # noqa: S603
    try:
        for _ in range(150):
            try:
                if httpx.get(f"http://127.0.0.1:{args.port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        load = Load(f"http://127.0.0.1:{args.port}", args.seconds, args.clients)
        load.citizens = citizens
        elapsed = asyncio.run(load.run())
        mem = rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(20)
        shutil.rmtree(data_dir, ignore_errors=True)
    total = sum(len(v) for v in load.lat.values())
    writes = load.lat["issue"] + load.lat["call"] + load.lat["finish"] + load.lat["book"]
    print(f"backend={args.backend} workers={workers} clients={args.clients} seconds={elapsed:.0f}")
    print(f"requests={total} rate={total / elapsed:.1f}/s errors(5xx+transport)={load.errors}")
    for kind in ("read", "issue", "call", "finish", "book"):
        v = load.lat[kind]
        print(
            f"  {kind:6s} n={len(v):6d} p50={pct(v, 50):7.1f}ms p99={pct(v, 99):7.1f}ms "
            f"status={dict(load.status[kind])}"
        )
    print(
        f"write p99={pct(writes, 99):.1f}ms  call-next p99={pct(load.lat['call'], 99):.1f}ms  "
        f"server RSS per process={mem:.0f}MB"
    )


if __name__ == "__main__":
    main()
