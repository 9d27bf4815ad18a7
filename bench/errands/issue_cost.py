"""What joining tickets to errands (一件一码) costs the kiosk's hot path: ticket issues through the real HTTP app
(TestClient, one process) with the errand's ``ticket.issued`` listener wired (A) and removed (B), interleaved in
rounds so both arms share the machine's load. Each ticket carries a registered citizen's ID number, so the
listener does its full work (find the person's open errand, else open one, and link). Not a test. Usage:

    .venv/bin/python bench/errands/issue_cost.py [--rounds 6 --per-round 100 --database-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="errand-bench-"))
    url = args.database_url or f"sqlite:///{root / 'bench.db'}"
    os.environ.update(
        {
            "SMARTHALL_DATA_DIR": str(root),
            "SMARTHALL_FIELD_KEY": "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc=",
            "SMARTHALL_SECRET_KEY": "bench-secret-0123456789abcdef0123456789",
            "SMARTHALL_LOG_LEVEL": "WARNING",
            "SMARTHALL_DATABASE_URL": url,
            "SMARTHALL_RATE_LIMITS": '{"queueing.kiosk_ticket": [1000000, 60]}',
        }
    )
    os.environ.pop("SMARTHALL_REDIS_URL", None)

    from fastapi.testclient import TestClient

    from smarthall import migrate
    from smarthall.core.clock import SHANGHAI, FrozenClock
    from smarthall.core.config import Settings
    from smarthall.core.db import Database
    from smarthall.demo import seed_demo
    from smarthall.errands import service as errand_service
    from smarthall.main import create_app, setup_security

    settings = Settings()
    setup_security(settings)
    migrate.upgrade(url)
    database = Database(url)
    with database.unit_of_work() as session:
        seed_demo(session, password="bench-password")
    database.dispose()
    app = create_app(settings, clock=FrozenClock(datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)))
    handlers = app.state.registry.write_handlers["ticket.issued"]
    body = {"hall_code": "H-690102", "item_code": "GA-001", "id_number": "690102199003071232"}
    kiosk = {"X-Device-Key": "demo-kiosk-key"}
    times: dict[str, list[float]] = {"with errands": [], "without": []}
    with TestClient(app) as client:
        for _ in range(10):  # warm up
            assert client.post("/api/v1/tickets", json=body, headers=kiosk).status_code == 201
        for _ in range(args.rounds):
            for arm in ("with errands", "without"):
                if arm == "without":
                    handlers.remove(errand_service.on_ticket_issued)
                elif errand_service.on_ticket_issued not in handlers:
                    handlers.append(errand_service.on_ticket_issued)
                for _ in range(args.per_round):
                    start = time.perf_counter()
                    r = client.post("/api/v1/tickets", json=body, headers=kiosk)
                    times[arm].append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 201, r.text
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"backend {backend}, {args.rounds} rounds x {args.per_round} issues per arm")
    for arm, values in times.items():
        values.sort()
        p90 = values[int(len(values) * 0.9)]
        print(f"{arm:14s} median {statistics.median(values):6.2f} ms  p90 {p90:6.2f} ms  n={len(values)}")


if __name__ == "__main__":
    main()
