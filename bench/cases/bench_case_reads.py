"""Case reads and writes through real HTTP handling (TestClient), for A/B runs of two code bases in one session:

    .venv/bin/python bench/cases/bench_case_reads.py [--cases 200] [--reads 40] [--instant 10]
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/cases/bench_case_reads.py ...   # the other side

A fresh SQLite database with the demo province; ``--cases`` SC-001 applications by the demo citizen (no PDF: they
wait for a clerk); then the clerk's work list (``GET /api/v1/cases``, every row with its warning level), the
approver's HTML work list (``GET /staff/cases``), one case's detail (``GET /api/v1/cases/{no}``), and
``--instant`` SC-003 instant approvals (submit → rules → decision PDF → wallet → delivery). Prints one JSON line
of medians and p95s in milliseconds, and which ``smarthall`` it imported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

import smarthall
from smarthall import migrate
from smarthall.core.clock import SHANGHAI, FrozenClock
from smarthall.core.config import Settings
from smarthall.core.db import Database
from smarthall.demo import seed_demo
from smarthall.main import create_app, setup_security

KEY = "c21hcnRoYWxsLXRlc3Qta2V5LTMyLWJ5dGVzLWxvbmc="
CITIZEN = "690102199003071232"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def timed(n: int, fn: Callable[[], Any]) -> dict[str, float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return {"median": round(statistics.median(out), 2), "p95": round(pct(out, 95), 2)}


def token(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": "smarthall-demo"})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response


def run(root: Path, cases: int, reads: int, instant: int) -> dict[str, Any]:
    url = f"sqlite:///{root / 'bench.db'}"
    settings = Settings(
        environment="test",
        data_dir=root,
        database_url=url,
        field_key=KEY,
        secret_key="bench-secret-bench-secret-bench-secret",
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
    out: dict[str, Any] = {"smarthall": str(Path(smarthall.__file__).parent)}
    with TestClient(app) as client:
        citizen, clerk, approver = token(client, CITIZEN), token(client, "clerk1"), token(client, "approver1")
        form = {
            f["name"]: f["value"] for f in ok(client.get("/api/v1/items/SC-001/form", headers=citizen)).json()["fields"]
        }
        form = {k: v for k, v in form.items() if v is not None}
        form.update(
            company_name="云澜示例科技有限公司",
            enterprise_type="有限责任公司",
            registered_capital=100,
            address="江安省云澜市澜湖区锦江大道2号",
            business_scope="软件开发",
        )
        payload = {"item_code": "SC-001", "hall_code": "H-690102", "form": form, "materials": []}
        numbers: list[str] = []

        def submit() -> None:
            numbers.append(ok(client.post("/api/v1/cases", headers=citizen, json=payload)).json()["case_no"])

        out["submit_sc001"] = timed(cases, submit)
        for case_no in numbers[: cases // 2]:  # half go on to review, so the approver's list has rows
            ok(client.post(f"/api/v1/cases/{case_no}/actions", headers=clerk, json={"action": "accept"}))
        out["clerk_list_api"] = timed(reads, lambda: ok(client.get("/api/v1/cases", headers=clerk)))
        out["approver_list_page"] = timed(reads, lambda: ok(client.get("/staff/cases", headers=approver)))
        out["case_detail_api"] = timed(reads, lambda: ok(client.get(f"/api/v1/cases/{numbers[-1]}", headers=clerk)))
        body = ok(client.get("/api/v1/items/SC-003/form", headers=citizen)).json()
        sc003 = {f["name"]: f["value"] for f in body["fields"] if f["value"] is not None}
        sc003["cancel_reason"] = "停止经营"
        held = [
            {"material_code": m["code"], "licence_id": m["held_licence_id"]}
            for m in body["materials"]
            if m["held_licence_id"]
        ]
        instant_payload = {"item_code": "SC-003", "hall_code": "H-690102", "form": sc003, "materials": held}

        def approve_instantly() -> None:
            r = ok(client.post("/api/v1/cases", headers=citizen, json=instant_payload))
            assert r.json()["status"] == "delivered", r.text

        out["instant_approval"] = timed(instant, approve_instantly)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--instant", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run(Path(tmp), args.cases, args.reads, args.instant)))  # noqa: T201


if __name__ == "__main__":
    main()
