"""The result is handed out only once the fee is paid (缴费后领取, issue 18 item 4): while a fee-carrying case owes
its fee, the applicant cannot download the result document (API), the case page shows no download link but the
reason and the way to pay, the kiosk offers no result to print, and a clerk cannot put it in a locker — each
refusal 409 ``case_payment_required`` in Chinese and English with where to pay; once paid, all of them hand it out.
The notices (acceptance, …) stay downloadable, and staff in scope still read the result."""

from __future__ import annotations

import io
import re
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image

from tests.cases.helpers import act, add_staff, li_ming, prefilled
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID, assert_problem
from tests.payments.test_delivery_waits import approved_ga001
from tests.payments.test_payments import HALL, ORIGIN


def documents(client: Any, headers: dict[str, str], case_no: str) -> dict[str, dict[str, Any]]:
    response = client.get(f"/api/v1/cases/{case_no}", headers=headers)
    assert response.status_code == 200, response.text
    return {d["kind"]: d for d in response.json()["documents"]}


def pay(client: Any, citizen: dict[str, str], case_no: str) -> None:
    order = client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen)
    assert order.status_code in (200, 201), order.text
    assert client.post(order.json()["pay_url"], headers=ORIGIN, follow_redirects=False).status_code == 303


def test_the_applicant_downloads_the_result_only_once_paid(client, env):
    citizen, case_no = approved_ga001(client, env)
    docs = documents(client, citizen, case_no)
    result, notice = docs["licence"], docs["acceptance"]
    assert result["awaiting_payment"] is True and result["pay_path"] == f"/cases/{case_no}#fee"
    assert notice["awaiting_payment"] is False

    refused = client.get(result["download_path"], headers=citizen)
    body = assert_problem(refused, 409, "case_payment_required")
    assert "缴费" in body["message_zh"] and "download" in body["message_en"]
    assert body["detail"]["pay_path"] == f"/cases/{case_no}#fee" and body["detail"]["amount_fen"] == 2000
    assert body["detail"]["payment_api"] == f"/api/v1/cases/{case_no}/payment"
    assert client.get(notice["download_path"], headers=citizen).status_code == 200  # a notice is not the result
    clerk = client.get(result["download_path"], headers=auth(client, "clerk1"))  # staff check the result
    assert clerk.status_code == 200 and clerk.headers["content-type"] == "application/pdf"

    client.post(f"/api/v1/cases/{case_no}/payment", headers=citizen)  # an order at the cashier is not a payment
    assert_problem(client.get(result["download_path"], headers=citizen), 409, "case_payment_required")

    pay(client, citizen, case_no)
    assert documents(client, citizen, case_no)["licence"]["awaiting_payment"] is False
    paid = client.get(result["download_path"], headers=citizen)
    assert paid.status_code == 200 and paid.content.startswith(b"%PDF")


def test_the_case_page_shows_why_and_where_to_pay_instead_of_the_link(client, env):
    citizen, case_no = approved_ga001(client, env)
    result = documents(client, citizen, case_no)["licence"]
    page = client.get(f"/cases/{case_no}", headers=citizen).text
    assert 'data-testid="doc-licence-awaiting-payment"' in page and "缴费完成后才能下载或领取结果" in page
    assert f'href="{result["download_path"]}"' not in page
    assert 'href="#fee"' in page and 'id="fee"' in page and 'data-testid="pay-form"' in page
    assert "请先缴费,缴费后可下载结果文书" in page and "打开办件下载结果文书" not in page  # the status line agrees
    english = client.get(f"/cases/{case_no}", headers={**citizen, "Accept-Language": "en"}).text
    assert "the result can be downloaded or collected once it is paid" in english
    staff = client.get(f"/cases/{case_no}", headers=auth(client, "clerk1")).text
    assert f'href="{result["download_path"]}"' in staff and 'data-testid="doc-licence-unpaid"' in staff

    pay(client, citizen, case_no)
    page = client.get(f"/cases/{case_no}", headers=citizen).text
    assert f'href="{result["download_path"]}"' in page and "awaiting-payment" not in page
    assert "请先缴费" not in page


def test_a_clerk_cannot_put_an_unpaid_result_in_a_locker(client, env):
    citizen, case_no = approved_ga001(client, env)
    manager = auth(client, "hallmanager1")
    body = {"code": f"{HALL}-LOCKER-P1", "kind": "locker", "name": "测试智能柜", "hall_code": HALL, "slots": 2}
    assert client.post("/api/v1/venue/devices", json=body, headers=manager).status_code == 201
    clerk = auth(client, "clerk1")
    load = f"/api/v1/venue/lockers/{HALL}-LOCKER-P1/load"
    refused = client.post(load, json={"ref": case_no}, headers=clerk)
    assert assert_problem(refused, 409, "case_payment_required")["detail"]["case_no"] == case_no
    slots = client.get(f"/api/v1/venue/lockers/{HALL}-LOCKER-P1/slots", headers=clerk).json()
    assert [s["status"] for s in slots] == ["empty", "empty"]  # nothing changed
    pay(client, citizen, case_no)
    loaded = client.post(load, json={"ref": case_no}, headers=clerk)
    assert loaded.status_code == 201 and loaded.json()["ref"] == case_no, loaded.text


def kiosk_case_awaiting_fee(client: Any, env: Any, k: TestClient) -> tuple[str, dict[str, str]]:
    """At the kiosk ``k``: the demo citizen identifies by card and applies for GA-001 (a fee-carrying item); a
    clerk accepts and an approver approves it. Returns (case number, the citizen's API headers)."""
    add_staff(env, username="approver_ga", role="approver", hall_code=HALL, department_code="GA")
    citizen = li_ming(client)
    values, _ = prefilled(client, citizen, "GA-001")
    k.get(f"/kiosk/{HALL}/self")
    read = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "card", "id_number": DEMO_CITIZEN_ID})
    assert 'data-testid="self-item"' in read.text, read.text[-500:]
    form = k.get(f"/kiosk/{HALL}/self/form?item=GA-001")
    fields = {f"f_{name}": str(v) for name, v in values.items()}
    fields.update({"f_reason": "有效期满", "f_delivery": "窗口领取"})
    photo = io.BytesIO()
    Image.new("RGB", (358, 441), "white").save(photo, format="JPEG")  # the photo receipt the item asks for
    scan = ("photo.jpg", photo.getvalue(), "image/jpeg")
    files = dict.fromkeys(re.findall(r'name="(m_[A-Za-z0-9_-]+)"', form.text), scan)
    done = k.post(f"/kiosk/{HALL}/self/form", data=fields, files=files)
    assert 'data-testid="result-receipt"' in done.text, re.findall(r'(self-error">.*?<|<li>.*?</li>)', done.text)
    case_no = re.search(r'data-testid="case-no">([^<]+)<', done.text).group(1)  # type: ignore[union-attr]
    assert act(client, auth(client, "clerk1"), case_no, "accept").status_code == 200
    assert act(client, auth(client, "approver_ga"), case_no, "approve").status_code == 200
    return case_no, citizen


def kiosk_client(env: Any) -> TestClient:
    return TestClient(env.app, base_url="http://testserver", headers={"X-Device-Key": "demo-kiosk-key", **ORIGIN})


def test_the_kiosk_offers_no_result_to_print_before_the_fee(client, env):
    with kiosk_client(env) as k:
        case_no, citizen = kiosk_case_awaiting_fee(client, env, k)
        waiting = k.get(f"/kiosk/{HALL}/self/result")
        assert waiting.status_code == 200 and 'data-testid="result-awaiting-payment"' in waiting.text
        assert "缴费完成后才能下载或领取结果" in waiting.text and "打印结果" not in waiting.text
        assert 'data-testid="result-instant"' not in waiting.text
        pay(client, citizen, case_no)
        ready = k.get(f"/kiosk/{HALL}/self/result")
        assert 'data-testid="result-instant"' in ready.text and "打印结果" in ready.text
