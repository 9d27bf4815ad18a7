"""Server-rendered pages through HTTP: kiosk, workstation, board, live ticket, booking pages, with denials."""

from __future__ import annotations

from tests.conftest import auth
from tests.factories import register_citizen
from tests.queueing.helpers import DISPLAY, HALL, KIOSK, W01, issue, problem, refused_page

ORIGIN = {"Origin": "http://testserver"}


def test_kiosk_page_and_issue(client):
    r = client.get(f"/kiosk/{HALL}", headers=KIOSK)
    assert r.status_code == 200 and 'data-testid="item-GA-001"' in r.text
    r = client.post(f"/kiosk/{HALL}/issue", data={"item_code": "GA-001"}, headers=KIOSK)
    assert r.status_code == 200 and 'data-testid="ticket-number"' in r.text and "<svg" in r.text
    bad = client.post(f"/kiosk/{HALL}/issue", data={"item_code": "GA-001", "id_number": "123"}, headers=KIOSK)
    assert bad.status_code == 422 and 'data-testid="kiosk-error"' in bad.text


def test_kiosk_denials(client):
    assert client.get(f"/kiosk/{HALL}", follow_redirects=False).status_code == 303
    refused_page(client.get("/kiosk/H-690123", headers=KIOSK), 403, "您的角色无权访问此页面")
    refused_page(client.get(f"/kiosk/{HALL}", headers=DISPLAY), 403, "您的角色无权访问此页面")
    assert client.get(f"/kiosk/{HALL}", headers=auth(client, "guide1")).status_code == 200


def test_workstation_flow_with_cookie_login(client):
    t = issue(client, "GA-001").json()
    login = client.post(
        "/login", data={"username": "clerk1", "password": "smarthall-demo", "next": "/"}, follow_redirects=False
    )
    assert login.status_code == 303
    page = client.get(f"/window/{W01}")
    assert page.status_code == 200 and 'data-testid="act-sign-in"' in page.text
    # Without an Origin the cookie-authenticated form post is refused (CSRF).
    problem(client.post(f"/window/{W01}/act", data={"action": "sign-in"}, follow_redirects=False), 403, "csrf_rejected")
    r = client.post(f"/window/{W01}/act", data={"action": "sign-in"}, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303
    client.post(f"/window/{W01}/act", data={"action": "call-next"}, headers=ORIGIN)
    page = client.get(f"/window/{W01}")
    assert t["number"] in page.text and 'data-testid="current-number"' in page.text
    client.post(f"/window/{W01}/act", data={"action": "finish", "ticket_id": t["id"]}, headers=ORIGIN)
    assert client.get(f"/api/v1/tickets/by-token/{t['token']}").json()["status"] == "finished"
    other = client.get("/window/H-690102-W02")
    assert other.status_code == 200  # reading is fine; acting is not:
    r = client.post("/window/H-690102-W02/act", data={"action": "sign-in"}, headers=ORIGIN)
    refused_page(r, 403, "您不能在该窗口签到或操作")


def test_board_pages(client):
    assert client.get(f"/board/{HALL}", headers=DISPLAY).status_code == 200
    assert client.get(f"/board/{HALL}/zones/{HALL}-Z03", headers=DISPLAY).status_code == 200
    refused_page(client.get(f"/board/{HALL}", headers=KIOSK), 403, "您的角色无权查看叫号屏")
    assert client.get(f"/board/{HALL}", follow_redirects=False).status_code == 303


def test_live_ticket_and_booking_pages(client):
    t = issue(client).json()
    r = client.get(f"/tickets/{t['token']}")
    assert r.status_code == 200 and t["number"] in r.text
    refused_page(client.get("/tickets/999999-forged"), 404, "未找到该号票")
    refused_page(client.get("/tickets/999999"), 401, "请先登录")  # sequential ids are not public
    assert client.get("/appointments/mine", follow_redirects=False).status_code == 303
    payload, _ = register_citizen(client)
    client.post("/login", data={"username": payload["id_number"], "password": payload["password"], "next": "/"})
    page = client.get("/appointments/book", params={"hall_code": HALL, "item_code": "GA-006", "date": "2026-12-01"})
    assert page.status_code == 200 and 'data-testid="slots"' in page.text
    slot = client.get(
        "/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": "GA-006", "date": "2026-12-01"}
    ).json()[0]
    r = client.post("/appointments/book", data={"slot_id": slot["id"], "item_code": "GA-006"}, headers=ORIGIN)
    assert r.status_code == 200 and "预约成功" in r.text  # the success message (issue 16)
    mine = client.get("/appointments/mine")
    assert "普通护照签发" in mine.text and "澜湖区政务服务中心" in mine.text and "已预约" in mine.text
