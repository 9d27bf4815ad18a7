"""How long an instant-approval submit (SC-003: approved, signed, wallet, delivered) holds the write transaction.

    .venv/bin/python bench/cases/submit_lock.py [--cases 40] [--profile out.prof]

SQLite in a temporary directory, real HTTP handling (TestClient), documents rendered by the child process (the
server default). The figure is the time from the write transaction's BEGIN to its COMMIT per request (on SQLite:
how long the process's write lock is held, what a kiosk issue arriving meanwhile waits for), beside the request's
whole time. With ``--profile`` the requests run under cProfile (the statistics include the read prelude).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from smarthall import migrate
from smarthall.core.clock import SHANGHAI, FrozenClock
from smarthall.core.config import Settings
from smarthall.core.db import Database
from smarthall.core.tasks import configure_tasks
from smarthall.demo import seed_demo
from smarthall.licences import rendering
from smarthall.main import create_app, setup_security

KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(n: int, root: Path, profile: str | None) -> dict[str, Any]:
    url = f"sqlite:///{root / 'bench.db'}"
    settings = Settings(
        environment="test",
        data_dir=root,
        database_url=url,
        field_key=KEY,
        secret_key="bench-secret",
        log_json=False,
        log_level="WARNING",
        document_rendering="process",
    )
    setup_security(settings)
    migrate.upgrade(url)
    db = Database(url)
    with db.unit_of_work() as session:
        seed_demo(session, password="smarthall-demo")
    db.dispose()
    app = create_app(settings, clock=FrozenClock(datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)))
    configure_tasks(settings, immediate=False)  # queued for a worker, as a server without one in process
    held: list[float] = []
    opened: dict[int, float] = {}

    def begun(conn: Any) -> None:
        if conn.get_execution_options().get("sqlite_write"):
            opened[id(conn.connection)] = time.perf_counter()

    def ended(conn: Any) -> None:
        t0 = opened.pop(id(conn.connection), None)
        if t0 is not None:
            held.append((time.perf_counter() - t0) * 1000)

    engine = app.state.db.engine
    event.listen(engine, "begin", begun)
    event.listen(engine, "commit", ended)
    event.listen(engine, "rollback", ended)
    timings: list[float] = []
    per_request: list[float] = []
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        from smarthall.cases import service

        real = service.submit

        def profiled(*args: Any, **kw: Any) -> Any:  # the use case in the request's worker thread
            assert profiler is not None
            profiler.enable()
            try:
                return real(*args, **kw)
            finally:
                profiler.disable()

        service.submit = profiled  # type: ignore[assignment]
    try:
        with TestClient(app) as client:
            token = client.post(
                "/api/v1/auth/token", data={"username": "690102199003071232", "password": "smarthall-demo"}
            ).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            body = client.get("/api/v1/items/SC-003/form", headers=headers).json()
            form = {f["name"]: f["value"] for f in body["fields"] if f["value"] is not None}
            form["cancel_reason"] = "停止经营"
            materials = [
                {"material_code": m["code"], "licence_id": m["held_licence_id"]}
                for m in body["materials"]
                if m["held_licence_id"]
            ]
            payload = {"item_code": "SC-003", "hall_code": "H-690102", "form": form, "materials": materials}
            client.post("/api/v1/cases", headers=headers, json=payload)  # warm (the font, the caches)
            time.sleep(1.0)
            for _ in range(n):
                held.clear()
                started = time.perf_counter()
                r = client.post("/api/v1/cases", headers=headers, json=payload)
                timings.append((time.perf_counter() - started) * 1000)
                per_request.append(max(held, default=0.0))
                assert r.status_code == 201 and r.json()["status"] == "delivered", r.text
                time.sleep(0.05)  # the child renders meanwhile
    finally:
        rendering.shutdown()
    if profiler and profile:
        profiler.dump_stats(profile)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    return {
        "request_p50": statistics.median(timings),
        "request_p95": pct(timings, 95),
        "held_p50": statistics.median(per_request),
        "held_p95": pct(per_request, 95),
        "held_max": max(per_request),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = run(args.cases, Path(tmp), args.profile)
    print(  # noqa: T201
        f"instant submit, {args.cases} cases: request p50 {out['request_p50']:.1f} ms p95 {out['request_p95']:.1f} ms; "
        f"longest write transaction per request p50 {out['held_p50']:.1f} ms p95 {out['held_p95']:.1f} ms "
        f"max {out['held_max']:.1f} ms",
        file=sys.stdout,
    )


if __name__ == "__main__":
    main()
