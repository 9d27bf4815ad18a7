"""Venue and kiosk pages: the closed kiosk says when it opens before anyone picks; a device sees no staff
navigation; the locker screen opens on the code; the registry speaks in words; a hall override of the idle rule
reaches the kiosk."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import auth
from tests.factories import make_rule

HALL = "H-690102"
KIOSK = {"X-Device-Key": "demo-kiosk-key"}


def test_closed_hall_says_when_it_opens_before_any_pick(client: Any, env: Any) -> None:
    env.clock.advance(hours=10)  # Monday 19:30
    page = client.get(f"/kiosk/{HALL}", headers=KIOSK)
    assert page.status_code == 200
    assert 'data-testid="kiosk-closed"' in page.text and "下次开始取号:12月01日 08:30" in page.text
    assert 'data-testid="item-GA-001" disabled' in page.text


def test_open_kiosk_has_check_in_first_and_no_staff_navigation(client: Any) -> None:
    page = client.get(f"/kiosk/{HALL}", headers=KIOSK).text
    assert 'data-testid="kiosk-closed"' not in page
    assert (
        page.index('data-testid="checkin"') < page.index('data-testid="popular"') < page.index('data-testid="events"')
    )
    for staff_only in ('href="/docs"', 'action="/logout"', 'href="/admin/'):
        assert staff_only not in page
    assert "/static/js/device.js" in page


def test_life_event_and_search(client: Any) -> None:
    birth = client.get(f"/kiosk/{HALL}?event=birth", headers=KIOSK).text
    assert "出生登记" in birth and 'data-testid="event-items"' in birth
    found = client.get(f"/kiosk/{HALL}?q=社保卡", headers=KIOSK).text
    assert "社会保障卡申领" in found and 'data-testid="search-results"' in found
    none = client.get(f"/kiosk/{HALL}?q=火星签证", headers=KIOSK).text
    assert 'data-testid="search-none"' in none


def test_hall_override_of_the_idle_rule_reaches_the_kiosk(client: Any, env: Any) -> None:
    with env.db.unit_of_work() as session:
        make_rule(session, key="venue.kiosk_idle_seconds", scope_code=HALL, value=45)
    page = client.get(f"/kiosk/{HALL}", headers=KIOSK).text
    assert 'data-idle="45"' in page and "45 秒" in page


def test_locker_screen_and_registry_in_words(client: Any, env: Any) -> None:
    manager = auth(client, "hallmanager1")
    body = {"code": f"{HALL}-LOCKER-P", "kind": "locker", "name": "取件柜", "hall_code": HALL, "slots": 1}
    assert client.post("/api/v1/venue/devices", json=body, headers=manager).status_code == 201
    code = client.post(f"/api/v1/venue/devices/{body['code']}/pairing", headers=manager).json()["code"]
    loaded = client.post(
        f"/api/v1/venue/lockers/{body['code']}/load", json={"ref": "C-9"}, headers=auth(client, "clerk1")
    )
    with TestClient(env.app, base_url="http://testserver", headers={"Origin": "http://testserver"}) as locker:
        paired = locker.post("/pair", data={"code": code}, follow_redirects=False)
        assert paired.status_code == 303 and paired.headers["location"] == "/locker"
        wrong = locker.post(
            "/locker", data={"code": "999999" if loaded.json()["pickup_code"] != "999999" else "111111"}
        )
        assert wrong.status_code == 400 and "取件码不正确" in wrong.text
        opened = locker.post("/locker", data={"code": loaded.json()["pickup_code"]})
        assert "1 号格口已打开" in opened.text
    registry = client.get("/venue/devices", headers=manager).text
    assert "智能柜" in registry and "在线" in registry and "未上报" in registry


def test_reused_code_on_the_pair_page_is_explained(client: Any, env: Any) -> None:
    with TestClient(env.app, base_url="http://testserver", headers={"Origin": "http://testserver"}) as browser:
        page = browser.post("/pair", data={"code": "NOPE-NOPE"})
        assert page.status_code == 422 and "配对码无效" in page.text
