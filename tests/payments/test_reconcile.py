"""Daily reconciliation (对账) through the real HTTP API and the CLI: the demo provider's statement balances with
the day's paid and refunded orders; a supplied statement with a lost notification, another amount, an unknown
order and a missing payment lists each mismatch; another hall's manager sees only a count; bad input refused."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from tests.cases.helpers import li_ming
from tests.conftest import auth
from tests.factories import assert_problem, make_staff
from tests.payments.test_payments import ORIGIN, submit_ga001

URL = "/api/v1/payments/reconciliation"
DAY = "2026-11-30"  # the frozen clock's day


def paid_and_pending(client: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    citizen = li_ming(client)
    paid = client.post(f"/api/v1/cases/{submit_ga001(client, citizen)}/payment", headers=citizen).json()
    assert client.post(paid["pay_url"], headers=ORIGIN, follow_redirects=False).status_code == 303
    pending = client.post(f"/api/v1/cases/{submit_ga001(client, citizen)}/payment", headers=citizen).json()
    return paid, pending


def txn_of(client: Any, order: dict[str, Any]) -> tuple[str, str | None]:
    from sqlalchemy import select

    from smarthall.payments.models import PaymentOrder

    with client.app.state.db.unit_of_work(write=False) as session:
        row = session.execute(select(PaymentOrder).where(PaymentOrder.order_no == order["order_no"])).scalar_one()
        return str(row.provider_txn), row.refund_ref


def test_the_demo_statement_balances_and_a_supplied_one_lists_every_mismatch(client, env):
    paid, pending = paid_and_pending(client)
    manager = auth(client, "hallmanager1")
    report = client.post(URL, json={"day": DAY}, headers=manager)
    assert report.status_code == 200, report.text
    got = report.json()
    assert got["balanced"] is True and got["matched"] == 1 and got["platform_lines"] == 1 and got["mismatches"] == []
    refund = client.post(f"/api/v1/payments/{paid['order_no']}/refund", json={"reason": "多缴"}, headers=manager)
    assert refund.status_code == 200, refund.text
    assert client.post(URL, json={"day": DAY}, headers=manager).json()["matched"] == 2  # the refund's line too
    assert client.post(URL, json={"day": "2026-11-29"}, headers=manager).json()["platform_lines"] == 0

    txn, refund_ref = txn_of(client, paid)
    lines = [
        {"kind": "refund", "txn_id": refund_ref, "order_no": paid["order_no"], "amount_fen": 1500},
        {"kind": "pay", "txn_id": "LOST-NOTICE-1", "order_no": pending["order_no"], "amount_fen": 2000},
        {"kind": "pay", "txn_id": "STRAY-1", "order_no": "PAYNOSUCHORDER", "amount_fen": 100},
    ]
    supplied = client.post(URL, json={"day": DAY, "lines": lines}, headers=manager).json()
    problems = sorted(
        (m["problem"], m["order_no"], m["platform_fen"], m["statement_fen"]) for m in supplied["mismatches"]
    )
    assert problems == sorted([
        ("amount_differs", paid["order_no"], 2000, 1500),
        ("missing_in_platform", pending["order_no"], None, 2000),
        ("missing_in_platform", "PAYNOSUCHORDER", None, 100),
        ("missing_at_provider", paid["order_no"], 2000, None),
    ])  # fmt: skip
    assert supplied["balanced"] is False and supplied["matched"] == 0 and supplied["statement_lines"] == 3
    assert [m["txn_id"] for m in supplied["mismatches"] if m["problem"] == "missing_at_provider"] == [txn]

    make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690200")
    other = client.post(URL, json={"day": DAY, "lines": lines[:2]}, headers=auth(client, "othermanager")).json()
    assert other["outside_scope"] == 2 and other["mismatches"] == [] and other["platform_lines"] == 0


def test_bad_reconciliation_requests_are_refused(client, env):
    manager = auth(client, "hallmanager1")
    assert_problem(client.post(URL, json={"day": "2026-12-01"}, headers=manager), 422, "reconciliation_day_ahead")
    assert_problem(client.post(URL, json={"day": "2026-13-01"}, headers=manager), 422, "validation_error")
    bad_line = {"kind": "steal", "txn_id": "x", "order_no": "y", "amount_fen": 1}
    assert_problem(client.post(URL, json={"day": DAY, "lines": [bad_line]}, headers=manager), 422, "validation_error")
    assert_problem(client.post(URL, json={"day": DAY, "provider": "bank"}, headers=manager), 422, "validation_error")
    assert_problem(client.post(URL, json={"day": DAY}, headers=auth(client, "clerk1")), 403, "forbidden_role")
    assert_problem(client.post(URL, json={"day": DAY}), 401, "unauthorized")
    citizen = li_ming(client)
    assert_problem(client.post(URL, json={"day": DAY}, headers=citizen), 403, "forbidden_role")


def test_the_daily_command_reports_and_fails_on_a_mismatch(client, env, monkeypatch, tmp_path):
    paid, _ = paid_and_pending(client)
    from smarthall.cli import app

    monkeypatch.setenv("SMARTHALL_DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("SMARTHALL_FIELD_KEY", str(env.settings.field_key))
    monkeypatch.setenv("SMARTHALL_DATA_DIR", str(env.settings.data_dir))
    ok = CliRunner().invoke(app, ["payments", "reconcile", "--day", DAY])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["balanced"] is True and json.loads(ok.output)["matched"] == 1
    statement = tmp_path / "statement.json"
    statement.write_text(json.dumps([]), encoding="utf-8")
    short = CliRunner().invoke(app, ["payments", "reconcile", "--day", DAY, "--statement", str(statement)])
    assert short.exit_code == 1, short.output
    assert json.loads(short.output)["mismatches"][0]["problem"] == "missing_at_provider"
    statement.write_text("{not json", encoding="utf-8")
    broken = CliRunner().invoke(app, ["payments", "reconcile", "--day", DAY, "--statement", str(statement)])
    assert broken.exit_code == 2
