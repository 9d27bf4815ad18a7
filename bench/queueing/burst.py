"""Slot-release burst: many concurrent booking attempts for a fixed number of places (not a test).

Citizens are created directly in the database (one shared password hash) and their bearer tokens minted with the
server's secret, so the burst measures booking, not registration. Reports overbooking (must be 0), server errors
(must be 0; 429/503 with Retry-After would be allowed), and the time until every place was taken. Usage:

    .venv/bin/python bench/queueing/burst.py --attempts 10000 [--backend postgresql --database-url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load import FIELD_KEY, HALL, ROOT, prepare  # noqa: E402

BOOKABLE = ["GA-006", "BD-001", "GJ-004", "SW-002"]
SECRET = "bench-secret"


def make_citizens(url: str, data_dir: Path, n: int) -> list[dict[str, str]]:
    sys.path.insert(0, str(ROOT))
    from app import START  # type: ignore[import-not-found]

    from smarthall.core.config import Settings
    from smarthall.core.crypto import blind_index
    from smarthall.core.db import Database
    from smarthall.identity import security
    from smarthall.identity.models import Citizen
    from smarthall.main import setup_security
    from tests.factories import make_id_number

    settings = Settings(database_url=url, data_dir=data_dir, field_key=FIELD_KEY, secret_key=SECRET)
    setup_security(settings)
    db = Database(url)
    pw = security.hash_password("Passw0rd-bench")
    ids: list[int] = []
    with db.unit_of_work() as s:
        for i in range(n):
            idn = make_id_number(region="110101", born=date(1980, 1, 1) + timedelta(days=i // 1000), serial=i)
            c = Citizen(
                name="测试",
                id_number=idn,
                id_number_index=blind_index(idn, "id_number"),
                phone="13900000000",
                phone_index=blind_index("13900000000", "phone"),
                password_hash=pw,
            )
            s.add(c)
            if i % 500 == 499:
                s.flush()
        s.flush()
        ids = [c_id for (c_id,) in s.execute(Citizen.__table__.select().with_only_columns(Citizen.id))]
    db.dispose()
    tokens = []
    for cid in ids:
        token, _ = security.issue_token(SECRET, subject=f"citizen:{cid}", kind="citizen", now=START, ttl_minutes=600)
        tokens.append({"Authorization": f"Bearer {token}"})
    return tokens


async def burst(base: str, tokens: list[dict[str, str]], attempts: int, clients: int) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=clients)) as c:
        slots: list[tuple[int, str, int]] = []
        for d in range(1, 7):
            day = (date(2026, 11, 30) + timedelta(days=d)).isoformat()
            for item in BOOKABLE:
                r = await c.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": item, "date": day})
                slots += [(s["id"], item, s["capacity"]) for s in r.json()]
        places = sum(cap for _, _, cap in slots)
        rng = random.Random(1)
        plan = [(tokens[i % len(tokens)], *rng.choice(slots)[:2]) for i in range(attempts)]
        statuses: Counter[int] = Counter()
        booked = 0
        full_at: float | None = None
        errors = 0
        queue: asyncio.Queue[tuple[dict[str, str], int, str]] = asyncio.Queue()
        for p in plan:
            queue.put_nowait(p)
        t0 = time.monotonic()

        async def worker() -> None:
            nonlocal booked, full_at, errors
            while not queue.empty():
                headers, slot_id, item = queue.get_nowait()
                r = None
                while True:
                    try:
                        r = await c.post(
                            "/api/v1/appointments", json={"slot_id": slot_id, "item_code": item}, headers=headers
                        )
                    except httpx.HTTPError:
                        errors += 1
                        break
                    statuses[r.status_code] += 1
                    if r.status_code in (429, 503) and "retry-after" in r.headers:
                        await asyncio.sleep(float(r.headers["retry-after"]))  # shed under overload: retry as told
                        continue
                    break
                if r is None:
                    continue
                if r.status_code >= 500 and r.status_code != 503:
                    errors += 1
                if r.status_code == 201:
                    booked += 1
                    if booked == places:
                        full_at = time.monotonic() - t0

        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - t0
        after = []
        for d in range(1, 7):
            day = (date(2026, 11, 30) + timedelta(days=d)).isoformat()
            for item in BOOKABLE:
                r = await c.get("/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": item, "date": day})
                after += r.json()
        over = sum(1 for s in after if s["remaining"] < 0 or s["capacity"] - s["remaining"] > s["capacity"])
        taken = sum(s["capacity"] - s["remaining"] for s in after)
        print(
            f"attempts={attempts} places={places} booked(201)={booked} taken(by slots)={taken} "
            f"overbooked slots={over} errors(5xx+transport)={errors}"
        )
        print(
            f"statuses={dict(statuses)} elapsed={elapsed:.1f}s rate={attempts / elapsed:.1f}/s "
            f"all places taken at={f'{full_at:.1f}s' if full_at else 'not all taken'}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--attempts", type=int, default=10000)
    ap.add_argument("--citizens", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--port", type=int, default=8767)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    env = {
        **os.environ,
        "SMARTHALL_DATA_DIR": str(data_dir),
        "SMARTHALL_FIELD_KEY": FIELD_KEY,
        "SMARTHALL_LOG_LEVEL": "WARNING",
        "SMARTHALL_SECRET_KEY": SECRET,
    }
    env.pop("SMARTHALL_REDIS_URL", None)
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env["SMARTHALL_DATABASE_URL"] = url
    prepare(env, args.backend)
    tokens = make_citizens(url, data_dir, args.citizens)
    workers = 2 if args.backend == "postgresql" else 1
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
        asyncio.run(burst(f"http://127.0.0.1:{args.port}", tokens, args.attempts, args.clients))
    finally:
        server.terminate()
        server.wait(20)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
