"""Case benchmarks (not run by ``make test``): instant approval end to end, PDFs per second, due dates per second.

    .venv/bin/python bench/cases/bench_cases.py [--cases 40] [--pdfs 30] [--dates 20000]

Runs against a fresh SQLite database in a temporary directory, through real HTTP handling (TestClient).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from smarthall import migrate
from smarthall.cases.deadlines import cached
from smarthall.core.clock import SHANGHAI, FrozenClock
from smarthall.core.config import Settings
from smarthall.core.db import Database
from smarthall.core.workdays import WorkCalendar
from smarthall.demo import seed_demo
from smarthall.licences.pdf import PdfContent, render
from smarthall.main import create_app, setup_security

KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def bench_instant(n: int, root: Path) -> tuple[float, float]:
    url = f"sqlite:///{root / 'bench.db'}"
    settings = Settings(
        environment="test",
        data_dir=root,
        database_url=url,
        field_key=KEY,
        secret_key="bench-secret",
        log_json=False,
        log_level="WARNING",
    )
    setup_security(settings)
    migrate.upgrade(url)
    db = Database(url)
    with db.unit_of_work() as session:
        seed_demo(session, password="smarthall-demo")
    db.dispose()
    app = create_app(settings, clock=FrozenClock(datetime(2026, 11, 30, 9, 30, tzinfo=SHANGHAI)))
    timings = []
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
        for _ in range(n):
            started = time.perf_counter()
            r = client.post("/api/v1/cases", headers=headers, json=payload)
            timings.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 201 and r.json()["status"] == "delivered", r.text
    return statistics.median(timings), pct(timings, 95)


def bench_pdfs(n: int, font: Path | None) -> float:
    content = PdfContent(
        title="准予个体工商户注销登记决定书",
        doc_no="H-690102-20261130-00001-LIC1",
        case_no="H-690102-20261130-00001",
        issuer="澜湖区政务服务中心",
        issued_on="2026-11-30",
        lines=[("申请人", "李*"), ("办理事项", "个体工商户注销登记(SC-003)")],
        paragraphs=["经审查,申请符合法定条件和标准,决定准予。"],
        verify_url="https://example/verify/x",
    )
    render(content, font)  # warm-up (font parsing)
    started = time.perf_counter()
    for _ in range(n):
        render(content, font)
    return n / (time.perf_counter() - started)


def bench_due_dates(n: int, calendar: WorkCalendar) -> float:
    rng = random.Random(7)
    starts = [date(2020, 1, 1) + timedelta(days=rng.randrange(3650)) for _ in range(n)]
    started = time.perf_counter()
    for day in starts:
        calendar.add_workdays(day, rng.choice((1, 3, 5, 20, 60)))
    return n / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--pdfs", type=int, default=30)
    parser.add_argument("--dates", type=int, default=20000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        median, p95 = bench_instant(args.cases, Path(tmp))
        font = Settings().font_path()
    print(
        f"instant approval end to end (submit→approved→PDF→wallet), {args.cases} cases: "  # noqa: T201
        f"median {median:.1f} ms, p95 {p95:.1f} ms"
    )
    print(f"PDF generation (CJK subset + QR + seal): {bench_pdfs(args.pdfs, font):.1f} PDFs/s")  # noqa: T201
    plain = bench_due_dates(args.dates, WorkCalendar())
    fast = bench_due_dates(args.dates, cached(WorkCalendar()))
    print(
        f"due-date computations over 2020–2030: {plain:,.0f}/s plain, {fast:,.0f}/s memoised "  # noqa: T201
        f"(x{fast / plain:.0f})"
    )


if __name__ == "__main__":
    main()
