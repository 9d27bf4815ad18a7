"""Payment before delivery (缴费后送达, issue 18 item 4): a fee-carrying item's result is not delivered — at the
window or through a station's hand-out — until its order is paid, and the applicant's case page shows the fee and
a pay button that leads to the cashier; free items deliver as before."""

from __future__ import annotations

from typing import Any

from tests.cases.helpers import HALL, act, add_staff, li_ming, refused, sc003
from tests.conftest import auth
from tests.factories import assert_refused_page, make_staff
from tests.payments.test_payments import ORIGIN, submit_ga001


def approved_ga001(client: Any, env: Any) -> tuple[dict[str, str], str]:
    add_staff(env, username="approver_ga", role="approver", hall_code=HALL, department_code="GA")
    citizen = li_ming(client)
    case_no = submit_ga001(client, citizen)
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    r = act(client, auth(client, "approver_ga"), case_no, "approve", note="同意换领")
    assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    return citizen, case_no


def test_the_result_waits_for_the_fee_and_is_delivered_once_paid(client, env):
    citizen, case_no = approved_ga001(client, env)
    clerk = auth(client, "clerk1")
    electronic = {"mode": "electronic"}
    r = act(client, clerk, case_no, "deliver", delivery=electronic)
    refused(r, 409, "case_payment_required")
    assert r.json()["detail"] == {"case_no": case_no, "amount_fen": 2000, "payment": "unpaid"}
    assert client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()["status"] == "approved"  # nothing changed

    order = client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen).json()
    r = act(client, clerk, case_no, "deliver", delivery=electronic)
    refused(r, 409, "case_payment_required")  # an order waiting at the cashier is not a payment
    assert r.json()["detail"]["payment"] == "pending"

    assert client.post(order["pay_url"], headers=ORIGIN, follow_redirects=False).status_code == 303
    r = act(client, clerk, case_no, "deliver", delivery=electronic)
    assert r.status_code == 200 and r.json()["status"] == "delivered", r.text


def test_the_applicant_sees_the_fee_and_pays_from_the_case_page(client, env):
    citizen, case_no = approved_ga001(client, env)
    page = client.get(f"/cases/{case_no}", headers=citizen)
    assert page.status_code == 200
    assert 'data-testid="fee" data-state="unpaid"' in page.text and "¥20.00" in page.text and "待缴费" in page.text
    assert 'data-testid="pay-form"' in page.text
    go = client.post(f"/cases/{case_no}/pay", headers={**citizen, **ORIGIN}, follow_redirects=False)
    assert go.status_code == 303 and go.headers["location"].startswith("/pay/demo/PAY"), go.text
    cashier = go.headers["location"]
    again = client.post(f"/cases/{case_no}/pay", headers={**citizen, **ORIGIN}, follow_redirects=False)
    assert again.headers["location"] == cashier  # the same live order
    assert client.post(cashier, headers=ORIGIN, follow_redirects=False).status_code == 303
    paid = client.get(f"/cases/{case_no}", headers=citizen).text
    assert 'data-state="paid"' in paid and "已缴费" in paid and 'data-testid="pay-form"' not in paid
    # staff see the fee too, without the pay button
    staff = client.get(f"/cases/{case_no}", headers=auth(client, "clerk1")).text
    assert 'data-state="paid"' in staff and 'data-testid="pay-form"' not in staff


def test_a_free_item_shows_no_fee_and_a_stranger_cannot_open_an_order(client, env):
    citizen = li_ming(client)
    free = sc003(client, citizen)["case_no"]
    assert 'data-testid="fee"' not in client.get(f"/cases/{free}", headers=citizen).text
    r = client.post(f"/cases/{free}/pay", headers={**citizen, **ORIGIN}, follow_redirects=False)
    assert r.status_code == 409 and "该事项不收费" in r.text
    _, case_no = approved_ga001(client, env)
    make_staff(env, username="otherclerk", role="clerk", hall_code="H-690200")
    r = client.post(f"/cases/{case_no}/pay", headers={**auth(client, "otherclerk"), **ORIGIN}, follow_redirects=False)
    assert_refused_page(r, 403, "out_of_scope")
    assert client.get(f"/api/v1/cases/{case_no}/payment", headers=citizen).json()["orders"] == []
