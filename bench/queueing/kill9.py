"""Invariants under repeated kill -9 of the server during parallel load (not a test; results in docs/benchmarks.md).

Each round starts the server (one ``uvicorn`` process), runs concurrent clients issuing tickets at the kiosk,
calling and finishing at windows and booking slots, then kills the server with SIGKILL in the middle of it. The
clients record every acknowledged answer (201 ticket, 201 booking, 200 call). After the last round the database is
checked directly:

- no duplicate number per (hall, queue, day) among the tickets;
- no acknowledged ticket or booking lost (each exists, with the number / slot the client was told);
- no ticket called twice (no ticket id in two successful call answers; each acknowledged call is in the database);
- no slot over capacity (live bookings per slot ≤ capacity, and the slot's own counter agrees).

Usage:

    .venv/bin/python bench/queueing/kill9.py --backend sqlite --rounds 100
    .venv/bin/python bench/queueing/kill9.py --backend postgresql --database-url postgresql+psycopg://... --rounds 100
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    HALL,
    ITEMS,
    KIOSK,
    Client,
    TransportError,
    bench_env,
    bookable_slots,
    make_citizens,
    prepare,
    sign_in_clerks,
    start_server,
)


class Ledger:
    """What the clients were told (acknowledged), across all rounds."""

    def __init__(self) -> None:
        self.tickets: dict[int, str] = {}
        self.bookings: dict[str, int] = {}
        self.calls: Counter[int] = Counter()
        self.statuses: Counter[str] = Counter()
        self.server_errors = 0


async def round_load(
    port: int,
    ledger: Ledger,
    tokens: dict[str, dict[str, str]],
    citizens: list[dict[str, str]],
    slots: list[tuple[int, str]],
    seconds: float,
    rng: random.Random,
) -> None:
    deadline = time.monotonic() + seconds

    async def kiosk() -> None:
        c = Client("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            r = await c.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": rng.choice(ITEMS)}, headers=KIOSK)
            ledger.statuses[f"issue {r.status_code}"] += 1
            if r.status_code == 201:
                ledger.tickets[r.json()["id"]] = r.json()["number"]
            elif r.status_code >= 500:
                ledger.server_errors += 1

    async def window(code: str) -> None:
        c = Client("127.0.0.1", port, timeout=10)
        headers = tokens[code]
        while time.monotonic() < deadline:
            r = await c.post(f"/api/v1/windows/{code}/call-next", headers=headers)
            ledger.statuses[f"call {r.status_code}"] += 1
            if r.status_code >= 500:
                ledger.server_errors += 1
            current = None
            if r.status_code == 200:
                current = r.json()["id"]
                ledger.calls[current] += 1
            elif r.status_code == 409:  # busy: a call committed before a kill whose answer was lost
                state = await c.get(f"/api/v1/windows/{code}", headers=headers)
                current = (state.json().get("current") or {}).get("id")
            elif r.status_code == 204:
                await asyncio.sleep(0.05)
            if current is not None:
                f = await c.post(f"/api/v1/tickets/{current}/finish", headers=headers)
                ledger.statuses[f"finish {f.status_code}"] += 1

    async def citizen() -> None:
        c = Client("127.0.0.1", port, timeout=10)
        while time.monotonic() < deadline:
            slot_id, item = rng.choice(slots)
            r = await c.post(
                "/api/v1/appointments", json={"slot_id": slot_id, "item_code": item}, headers=rng.choice(citizens)
            )
            ledger.statuses[f"book {r.status_code}"] += 1
            if r.status_code == 201:
                ledger.bookings[r.json()["code"]] = slot_id
            elif r.status_code >= 500:
                ledger.server_errors += 1

    async def guarded(coro: object) -> None:
        try:
            await coro  # type: ignore[misc]
        except (TransportError, ValueError, KeyError):
            pass  # the server was killed under us: an unacknowledged request, recorded as nothing

    tasks = [kiosk() for _ in range(6)] + [window(w) for w in tokens] + [citizen() for _ in range(3)]
    await asyncio.gather(*(guarded(t) for t in tasks))


async def setup(port: int) -> tuple[dict[str, dict[str, str]], list[tuple[int, str]]]:
    c = Client("127.0.0.1", port, timeout=30)
    tokens = await sign_in_clerks(c)
    slots = [(s["id"], s["item_code"]) for s in await bookable_slots(c)]
    await c.close()
    return tokens, slots


def check(url: str, ledger: Ledger) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        dup = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT hall_id, queue_code, day, number FROM queue_ticket "
                "GROUP BY hall_id, queue_code, day, number HAVING count(*) > 1) d"
            )
        ).scalar_one()
        rows = dict(conn.execute(text("SELECT id, number FROM queue_ticket")).all())  # type: ignore[arg-type]
        lost_tickets = sum(1 for tid, number in ledger.tickets.items() if rows.get(tid) != number)
        called = {
            tid: (status, window)
            for tid, status, window in conn.execute(text("SELECT id, status, window_code FROM queue_ticket")).all()
        }
        lost_calls = sum(1 for tid in ledger.calls if called.get(tid, ("waiting", None))[0] == "waiting")
        bookings = dict(
            conn.execute(text("SELECT code, slot_id FROM appointment_booking")).all()  # type: ignore[arg-type]
        )
        lost_bookings = sum(1 for code, slot in ledger.bookings.items() if bookings.get(code) != slot)
        over = conn.execute(
            text(
                "SELECT count(*) FROM appointment_slot s WHERE s.booked > s.capacity OR "
                "(SELECT count(*) FROM appointment_booking b WHERE b.slot_id = s.id AND b.status <> 'cancelled') "
                "> s.capacity OR (SELECT count(*) FROM appointment_booking b WHERE b.slot_id = s.id "
                "AND b.status <> 'cancelled') <> s.booked"
            )
        ).scalar_one()
        total = conn.execute(text("SELECT count(*) FROM queue_ticket")).scalar_one()
    engine.dispose()
    return {
        "tickets in database": int(total),
        "acknowledged tickets": len(ledger.tickets),
        "acknowledged bookings": len(ledger.bookings),
        "acknowledged calls": len(ledger.calls),
        "duplicate live numbers": int(dup),
        "lost acknowledged tickets": lost_tickets,
        "lost acknowledged bookings": lost_bookings,
        "tickets called twice": sum(1 for n in ledger.calls.values() if n > 1),
        "acknowledged calls not in database": lost_calls,
        "slots over capacity or miscounted": int(over),
        "server errors (5xx)": ledger.server_errors,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--port", type=int, default=8766)
    args = ap.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="bench-kill9-"))
    url = args.database_url if args.backend == "postgresql" else f"sqlite:///{data_dir / 'smarthall.db'}"
    env = {**bench_env(data_dir, url), "SMARTHALL_LOG_LEVEL": "ERROR"}
    prepare(env, args.backend)
    citizens = make_citizens(url, data_dir, 300)
    ledger = Ledger()
    rng = random.Random(9)
    t0 = time.monotonic()
    server = start_server(env, args.port, 1)
    tokens, slots = asyncio.run(setup(args.port))
    try:
        for i in range(args.rounds):
            if server.poll() is not None:
                server = start_server(env, args.port, 1)
            kill_after = rng.uniform(0.3, 1.5)

            async def run_round(server: subprocess.Popen[bytes] = server, kill_after: float = kill_after) -> None:
                load = asyncio.create_task(round_load(args.port, ledger, tokens, citizens, slots, 30, rng))
                await asyncio.sleep(kill_after)
                os.kill(server.pid, signal.SIGKILL)  # mid-load, no warning
                await load

            asyncio.run(run_round())
            server.wait(10)
            if (i + 1) % 10 == 0:
                print(
                    f"round {i + 1}: {len(ledger.tickets)} tickets, {len(ledger.bookings)} bookings acknowledged",
                    flush=True,
                )
        server = start_server(env, args.port, 1)  # a last start: recovery after the final kill
    finally:
        server.terminate()
        server.wait(20)
    result = check(url, ledger)
    print(f"backend={args.backend} rounds={args.rounds} elapsed={time.monotonic() - t0:.0f}s")
    for k, v in result.items():
        print(f"  {k}: {v}")
    print(f"  answers: {dict(sorted(ledger.statuses.items()))}")
    shutil.rmtree(data_dir, ignore_errors=True)
    bad = [k for k in list(result)[4:] if result[k]]
    print("INVARIANTS HOLD" if not bad else f"VIOLATED: {bad}")


if __name__ == "__main__":
    main()
