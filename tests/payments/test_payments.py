"""Payment (缴费) through the real HTTP API with the demo provider: an order for the item's fee, the cashier page
and its signed notification, paid status on the case, refunds; bad signatures, replays, other amounts and other
halls refused with nothing changed; the provider's repeated notification applied once even when it arrives in
parallel."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from sqlalchemy import select

from tests.cases.helpers import li_ming, prefilled, sc003, upload
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_problem, make_staff

HALL = "H-690102"
ORIGIN = {"Origin": "http://testserver"}


def submit_ga001(client: Any, citizen: dict[str, str]) -> str:
    form, _ = prefilled(client, citizen, "GA-001")
    form.update({"reason": "有效期满", "delivery": "窗口领取"})
    materials = [{"material_code": "GA-001-M01", "file_id": upload(client, citizen)}]
    body = {"item_code": "GA-001", "hall_code": HALL, "form": form, "materials": materials}
    response = client.post("/api/v1/cases", headers=citizen, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["case_no"])


def provider(env: Any):
    from smarthall.payments.provider import demo_provider

    return demo_provider(env.app.state.secret_key)


def signed(env: Any, order: dict[str, Any], *, txn: str = "TXN-1", amount: int | None = None, at: float | None = None):
    body, signature = provider(env).notice(
        order["order_no"], order["amount_fen"] if amount is None else amount, now=at or env.clock.now().timestamp(),
        txn_id=txn,
    )  # fmt: skip
    return body, {"X-Pay-Signature": signature, "Content-Type": "application/json"}


def order_row(env: Any, order_no: str):
    from smarthall.payments.models import PaymentOrder

    with env.db.unit_of_work(write=False) as session:
        row = session.execute(select(PaymentOrder).where(PaymentOrder.order_no == order_no)).scalar_one()
        session.expunge(row)
        return row


def test_an_order_for_the_fee_is_paid_on_the_cashier_page_and_shows_on_the_case(client, env):
    citizen = li_ming(client)
    case_no = submit_ga001(client, citizen)
    made = client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen)
    assert made.status_code == 201, made.text
    order = made.json()
    assert order["amount_fen"] == 2000 and order["status"] == "pending" and order["item_name"] == "居民身份证换领"
    again = client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen).json()
    assert again["order_no"] == order["order_no"]  # one live order per case
    page = client.get(order["pay_url"])
    assert page.status_code == 200 and "¥20.00" in page.text and "待支付" in page.text and "pending" not in page.text
    paid = client.post(order["pay_url"], headers=ORIGIN, follow_redirects=True)
    assert paid.status_code == 200 and "已支付" in paid.text and "确认支付" not in paid.text
    status = client.get(f"/api/v1/cases/{case_no}/payment", headers=auth(client, "clerk1")).json()
    assert status["paid"] is True and status["orders"][0]["status"] == "paid" and status["orders"][0]["pay_url"] == ""
    twice = client.post(order["pay_url"], headers=ORIGIN)  # paid once only
    assert twice.status_code == 409 and "该订单已由另一笔交易支付" in twice.text, twice.text[-1500:]


def test_free_items_need_no_payment_and_other_halls_see_nothing(client, env):
    citizen = li_ming(client)
    free = sc003(client, citizen)["case_no"]
    assert_problem(client.post(f"/api/v1/cases/{free}/payment", headers=citizen), 409, "payment_not_required")
    case_no = submit_ga001(client, citizen)
    make_staff(env, username="otherclerk", role="clerk", hall_code="H-690200")
    other = auth(client, "otherclerk")
    assert_problem(client.post(f"/api/v1/cases/{case_no}/payment", headers=other), 403, "out_of_scope")
    assert_problem(client.get(f"/api/v1/cases/{case_no}/payment", headers=other), 403, "out_of_scope")
    assert_problem(client.post(f"/api/v1/cases/{case_no}/payment"), 401, "unauthorized")
    assert_problem(client.get("/api/v1/cases/NOPE-1/payment", headers=citizen), 404, "case_not_found")
    missing = client.get("/pay/demo/PAYNOSUCHORDER")
    assert missing.status_code == 404 and "未找到该缴费订单" in missing.text, missing.text[-1500:]


def test_the_callback_checks_signature_freshness_and_amount_and_changes_nothing_when_refused(client, env):
    citizen = li_ming(client)
    order = client.post(f"/api/v1/cases/{submit_ga001(client, citizen)}/payment", headers=citizen).json()
    url = "/api/v1/payments/callback/demo"
    body, headers = signed(env, order)
    forged = {**headers, "X-Pay-Signature": "v1=" + "0" * 64}
    assert_problem(client.post(url, content=body, headers=forged), 400, "payment_signature_invalid")
    tampered = body.replace(b"TXN-1", b"TXN-2")
    assert_problem(client.post(url, content=tampered, headers=headers), 400, "payment_signature_invalid")
    old_body, old_headers = signed(env, order, at=env.clock.now().timestamp() - 600)
    assert_problem(client.post(url, content=old_body, headers=old_headers), 400, "payment_notice_replayed")
    cheap_body, cheap_headers = signed(env, order, amount=1)
    assert_problem(client.post(url, content=cheap_body, headers=cheap_headers), 422, "payment_amount_mismatch")
    assert_problem(client.post(url, content=b"not json", headers=headers), 422, "payment_notice_invalid")
    assert_problem(client.post("/api/v1/payments/callback/bank", content=body, headers=headers), 404,
                   "payment_provider_unknown")  # fmt: skip
    assert order_row(env, order["order_no"]).status == "pending"
    ok = client.post(url, content=body, headers=headers)
    assert ok.status_code == 200 and ok.json() == {"ok": True, "order_no": order["order_no"], "repeat": False}
    repeat = client.post(url, content=body, headers=headers)
    assert repeat.status_code == 200 and repeat.json()["repeat"] is True
    other_body, other_headers = signed(env, order, txn="TXN-OTHER")
    assert_problem(client.post(url, content=other_body, headers=other_headers), 409, "payment_already_paid")
    row = order_row(env, order["order_no"])
    assert (row.status, row.provider_txn) == ("paid", "TXN-1")


def test_a_hall_manager_refunds_a_paid_order_with_a_reason(client, env):
    citizen = li_ming(client)
    case_no = submit_ga001(client, citizen)
    order = client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen).json()
    manager = auth(client, "hallmanager1")
    refund_url = f"/api/v1/payments/{order['order_no']}/refund"
    assert_problem(client.post(refund_url, json={"reason": "重复缴费"}, headers=manager), 409, "payment_not_refundable")
    body, headers = signed(env, order)
    assert client.post("/api/v1/payments/callback/demo", content=body, headers=headers).status_code == 200
    assert_problem(client.post(refund_url, json={"reason": "x"}, headers=auth(client, "clerk1")), 403, "forbidden_role")
    make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690200")
    other = auth(client, "othermanager")
    assert_problem(client.post(refund_url, json={"reason": "x"}, headers=other), 404, "payment_order_not_found")
    assert_problem(client.post(refund_url, json={"reason": ""}, headers=manager), 422, "validation_error")
    done = client.post(refund_url, json={"reason": "申请人撤回,退还工本费"}, headers=manager)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "refunded" and done.json()["refund_reason"] == "申请人撤回,退还工本费"
    status = client.get(f"/api/v1/cases/{case_no}/payment", headers=citizen).json()
    assert status["paid"] is False and status["orders"][0]["status"] == "refunded"
    repeat = client.post("/api/v1/payments/callback/demo", content=body, headers=headers)
    assert repeat.status_code == 200 and repeat.json()["repeat"] is True  # a late retry changes nothing
    assert order_row(env, order["order_no"]).status == "refunded"
    new = client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen).json()
    assert new["order_no"] != order["order_no"] and new["status"] == "pending"  # can pay again after a refund
    from smarthall.audit.models import AuditEvent

    with env.db.unit_of_work(write=False) as session:
        actions = set(session.execute(select(AuditEvent.action).where(AuditEvent.action.like("payment.%"))).scalars())
    assert {"payment.order", "payment.paid", "payment.refund"} <= actions


def test_parallel_repeats_of_one_notification_mark_the_order_paid_once(live_server: str, env: Any) -> None:
    r = httpx.post(f"{live_server}/api/v1/auth/token", data={"username": DEMO_CITIZEN_ID, "password": "smarthall-demo"})
    citizen = {"Authorization": f"Bearer {r.json()['access_token']}"}
    fields = httpx.get(f"{live_server}/api/v1/items/GA-001/form", headers=citizen).json()["fields"]
    form = {f["name"]: f["value"] for f in fields if f["value"] is not None}
    form.update({"reason": "有效期满", "delivery": "窗口领取"})
    file_id = httpx.post(
        f"{live_server}/api/v1/files",
        headers=citizen,
        files={"file": ("m.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
    ).json()["file_id"]
    case = httpx.post(
        f"{live_server}/api/v1/cases", headers=citizen, timeout=60,
        json={"item_code": "GA-001", "hall_code": HALL, "form": form,
              "materials": [{"material_code": "GA-001-M01", "file_id": file_id}]},
    )  # fmt: skip
    assert case.status_code == 201, case.text
    order = httpx.post(f"{live_server}/api/v1/cases/{case.json()['case_no']}/payment", headers=citizen).json()
    body, headers = signed(env, order, txn="TXN-PAR")
    other_body, other_headers = signed(env, order, txn="TXN-RIVAL")
    jobs = [(body, headers)] * 7 + [(other_body, other_headers)]

    def fire(job: tuple[bytes, dict[str, str]]) -> httpx.Response:
        return httpx.post(f"{live_server}/api/v1/payments/callback/demo", content=job[0], headers=job[1], timeout=60)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(fire, jobs))
    codes = sorted(r.status_code for r in responses)
    assert set(codes) <= {200, 409}, [r.text for r in responses]
    winners = {json.loads(r.content)["order_no"] for r in responses if r.status_code == 200}
    assert winners == {order["order_no"]}
    fresh = [r for r in responses if r.status_code == 200 and r.json()["repeat"] is False]
    assert len(fresh) == 1  # applied once; every other same-transaction notice is a repeat
    row = order_row(env, order["order_no"])
    assert row.status == "paid" and row.notices == codes.count(200)  # a refused notice changes nothing
    rival_won = row.provider_txn == "TXN-RIVAL"
    assert codes.count(409) == (7 if rival_won else 1)
