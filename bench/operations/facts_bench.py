"""Facts benchmark (issue 13): generated history → facts, the fold of a day of events, dashboard read times.

On a fresh database (SQLite under a temporary data dir, or the PostgreSQL URL given), migrated and seeded with the
demo province (14 halls):
1. ``history``: ``smarthall demo history`` for DAYS past days (tickets, bookings, cases, ratings) and the facts;
2. ``fold_day``: refold every hall's last day from its raw records (what the minute job does for a day of the
   province's events, all at once);
3. ``hall_dashboard``: the hall cockpit of the county hall over 30 days (5 facts queries), REPEAT times: p50/p95;
4. ``province_cockpit``: the same for the province over 30 days with its drill-down to cities.

Steps 3 and 4 run in alternating rounds from the day-level rollup (``operations_fact_day``, what the pages read)
and from the hourly facts alone (the rollup switched off in this process: the reads before the rollup), on the
same database, so the two are compared under the same load.

Run: ``.venv/bin/python bench/operations/facts_bench.py [DAYS] [postgresql+psycopg://…] [--reuse]`` (the PostgreSQL
database is emptied first: never point it at a database you need; ``--reuse`` measures a database a previous run
filled again, without generating).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from smarthall import migrate
from smarthall.core.clock import service_day
from smarthall.core.config import Settings
from smarthall.core.crypto import setup_security
from smarthall.core.db import Database
from smarthall.core.tenancy import SYSTEM
from smarthall.demo import seed_demo
from smarthall.operations import dashboards, flows
from smarthall.operations import repository as repo
from smarthall.operations import service as operations_service
from smarthall.operations.models import Fact, FactDay
from smarthall.org import service as org_service

REPEAT = 40
ROUNDS = 4


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def main() -> None:
    days = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    url = sys.argv[2] if len(sys.argv) > 2 else None
    reuse = "--reuse" in sys.argv[3:]  # read the database a previous run filled (PostgreSQL), generate nothing
    data_dir = Path(tempfile.mkdtemp(prefix="facts-bench-"))
    settings = Settings(data_dir=data_dir, **({"database_url": url} if url else {}))
    settings.ensure_dirs()
    if url and not reuse:
        _reset_postgres(url)
    migrate.upgrade(settings.resolved_database_url)
    setup_security(settings)
    db = Database(settings.resolved_database_url, pool_size=2)
    now = datetime.now(UTC)
    summary: dict[str, object] = {"reused": True}
    history_s = 0.0
    if not reuse:
        with db.unit_of_work() as session:
            seed_demo(session, password="bench")  # noqa: S106
        t0 = time.perf_counter()
        with db.unit_of_work() as session:
            summary = flows.load_history(session, days=days, hall_codes=None, seed=1, now=now)
        history_s = time.perf_counter() - t0
    yesterday = service_day(now) - timedelta(days=1)
    with db.unit_of_work() as session:
        halls = [org_service.facts_of(h) for h in org_service.list_halls(session)]
        t0 = time.perf_counter()
        for hall in halls:
            operations_service.fold_hall_day(session, hall.id, yesterday)
        fold_s = time.perf_counter() - t0
    start = yesterday - timedelta(days=29)

    with db.unit_of_work(write=False) as session:
        province = org_service.scope_facts(session, halls[0].region_path.strip("/").split("/")[0])
        fact_rows = session.scalar(select(func.count()).select_from(Fact))
        rollup_rows = session.scalar(select(func.count()).select_from(FactDay))
    assert province is not None
    with_rollup = repo.rollup_grain
    samples: dict[tuple[str, str], list[float]] = {}
    for round_ in range(ROUNDS):
        for mode in ("rollup", "hourly") if round_ % 2 == 0 else ("hourly", "rollup"):
            repo.rollup_grain = with_rollup if mode == "rollup" else (lambda *a, **k: None)  # type: ignore[assignment]
            for what, level, code in (("hall", "hall", "H-690102"), ("province", province.level, province.code)):
                for _ in range(REPEAT // ROUNDS):
                    with db.unit_of_work(write=False) as session:
                        t = time.perf_counter()
                        dashboards.cockpit(session, SYSTEM, level=level, code=code, from_day=start, to_day=yesterday)
                        samples.setdefault((what, mode), []).append((time.perf_counter() - t) * 1000)
    repo.rollup_grain = with_rollup

    def p(values: list[float], q: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(q * len(values)))], 1)

    print(f"backend: {'postgresql' if url else 'sqlite'}; days: {days}; {summary}")
    print(f"fact rows: {fact_rows}; rollup rows: {rollup_rows}")
    print(f"history + facts: {history_s:.1f} s")
    print(f"fold of one day of all {len(halls)} halls (facts + rollup): {fold_s:.2f} s")
    for (what, mode), ms in sorted(samples.items()):
        label = "hall dashboard" if what == "hall" else "province cockpit"
        print(f"{label} (30 days) from the {mode} facts: p50 {statistics.median(ms):.1f} ms, p95 {p(ms, 0.95)} ms")
    db.dispose()


if __name__ == "__main__":
    main()
