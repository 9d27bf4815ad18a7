"""Slot-release burst: many concurrent booking attempts for a fixed number of places (not a test).

Citizens are created directly in the database (one shared password hash) and their bearer tokens minted with the
server's secret, so the burst measures booking, not registration. Reports overbooking (must be 0), server errors
(must be 0; 429/503 with Retry-After would be allowed), and the time until every place was taken. Usage:

    .venv/bin/python bench/queueing/burst.py --attempts 10000 --places 1000 [--backend postgresql --database-url ...]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    Client,
    TransportError,
    bench_env,
    bookable_slots,
    make_citizens,
    prepare,
    start_server,
)


def spread_places(url: str, slot_ids: list[int], places: int) -> None:
    """Give the released slots ``places`` places in all (the demo's hourly slots hold 6 each; 1,000 places are
    spread over them), written to the database before the release."""
    from sqlalchemy import create_engine, text

    base, extra = divmod(places, len(slot_ids))
    engine = create_engine(url)
    with engine.begin() as conn:
        for i, slot_id in enumerate(sorted(slot_ids)):
            conn.execute(
                text("UPDATE appointment_slot SET capacity = :c, booked = 0 WHERE id = :id"),
                {"c": base + (1 if i < extra else 0), "id": slot_id},
            )
    engine.dispose()


async def burst(
    port: int, url: str, tokens: list[dict[str, str]], attempts: int, clients: int, places: int | None
) -> None:
    c = Client("127.0.0.1", port, timeout=60)
    slots = [(s["id"], s["item_code"], s["capacity"]) for s in await bookable_slots(c)]
    if places:
        spread_places(url, [sid for sid, _, _ in slots], places)
        slots = [(s["id"], s["item_code"], s["capacity"]) for s in await bookable_slots(c)]
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
        own = Client("127.0.0.1", port, timeout=60)
        while not queue.empty():
            headers, slot_id, item = queue.get_nowait()
            r = None
            while True:
                try:
                    r = await own.post(
                        "/api/v1/appointments", json={"slot_id": slot_id, "item_code": item}, headers=headers
                    )
                except TransportError as exc:
                    errors += 1
                    print(f"  transport error: {exc}")
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
        await own.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.monotonic() - t0
    await c.close()  # idle through the burst: the server has dropped the keep-alive connection
    after = await bookable_slots(c)
    await c.close()
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
    ap.add_argument("--places", type=int, default=1000, help="places released in all (0: the demo's own)")
    ap.add_argument("--citizens", type=int, default=3000)
    ap.add_argument("--clients", type=int, default=64)
    ap.add_argument("--port", type=int, default=8767)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-burst-"))
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env = bench_env(data_dir, url)
    prepare(env, args.backend)
    tokens = make_citizens(url, data_dir, args.citizens)
    workers = 2 if args.backend == "postgresql" else 1
    server = start_server(env, args.port, workers)
    try:
        asyncio.run(burst(args.port, url, tokens, args.attempts, args.clients, args.places))
    finally:
        server.terminate()
        server.wait(30)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
