"""The boards' notice line (issue 16, boards) through HTTP: a hall manager sets it in Chinese and English with an
expiry; the board (page and JSON) shows it in the board's language, the standing notice again after the expiry or
once cleared; bad input and other roles are refused with their codes; each change is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from smarthall.demo import DISPLAY_KEY
from tests.conftest import auth
from tests.queueing.helpers import HALL
from tests.web.test_portal import ORIGIN

DISPLAY = {"X-Device-Key": DISPLAY_KEY}
NOTICE = {
    "text_zh": "今日15:00起社保窗口系统维护,请到3号窗口办理",
    "text_en": "Social security moves to window 3 from 15:00",
}


def test_a_manager_sets_the_notice_and_every_board_shows_it_until_it_expires(env, client) -> None:
    from smarthall.audit.models import AuditEvent

    manager = auth(client, "hallmanager1")
    until = (env.clock.now() + timedelta(hours=2)).isoformat()
    put = client.put(f"/api/v1/halls/{HALL}/board-notice", json={**NOTICE, "expires_at": until}, headers=manager)
    assert put.status_code == 200 and put.json()["set_by"] == "hallmanager1", put.text
    board = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()
    assert (board["notice_zh"], board["notice_en"]) == (NOTICE["text_zh"], NOTICE["text_en"])
    page = client.get(f"/board/{HALL}", headers=DISPLAY)
    assert NOTICE["text_zh"] in page.text
    assert NOTICE["text_en"] in client.get(f"/board/{HALL}?lang=en", headers=DISPLAY).text
    env.clock.advance(hours=2)
    after = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()
    assert after["notice_zh"] is None and after["notice_en"] is None
    assert "请留意叫号" in client.get(f"/board/{HALL}?lang=zh", headers=DISPLAY).text
    manager = auth(client, "hallmanager1")  # signed in again after two idle hours
    assert client.get(f"/api/v1/halls/{HALL}/board-notice", headers=manager).json() is None
    with env.session(write=False) as s:
        actions = s.execute(select(AuditEvent.action).where(AuditEvent.action.like("queue.board_notice%"))).all()
    assert [a for (a,) in actions] == ["queue.board_notice.set"]


def test_the_notice_is_cleared_from_the_page_and_english_falls_back_to_chinese(env, client) -> None:
    browser = _signed_in(env, "hallmanager1")
    saved = browser.post(
        f"/board/{HALL}/notice", data={"text_zh": "午间不休息,照常办理"}, headers=ORIGIN, follow_redirects=False
    )
    assert saved.status_code == 303 and saved.headers["location"].endswith("saved=save")
    form = browser.get(saved.headers["location"])
    assert 'data-testid="notice-saved"' in form.text and "午间不休息,照常办理" in form.text and "长期显示" in form.text
    board = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()
    assert board["notice_en"] == "午间不休息,照常办理"  # no English given: the board says the Chinese
    cleared = browser.post(f"/board/{HALL}/notice", data={"action": "clear"}, headers=ORIGIN, follow_redirects=False)
    assert cleared.status_code == 303
    assert client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()["notice_zh"] is None


def test_bad_notices_and_other_roles_are_refused(env, client) -> None:
    manager = auth(client, "hallmanager1")
    empty = client.put(f"/api/v1/halls/{HALL}/board-notice", json={"text_zh": "  "}, headers=manager)
    assert empty.status_code == 422 and empty.json()["code"] == "notice_invalid", empty.text
    past = (env.clock.now() - timedelta(minutes=1)).isoformat()
    late = client.put(f"/api/v1/halls/{HALL}/board-notice", json={**NOTICE, "expires_at": past}, headers=manager)
    assert late.status_code == 422 and late.json()["code"] == "notice_invalid", late.text
    long = client.put(f"/api/v1/halls/{HALL}/board-notice", json={"text_zh": "长" * 201}, headers=manager)
    assert long.status_code == 422 and long.json()["detail"][0]["code"] == "string_too_long", long.text  # the column
    clerk = client.put(f"/api/v1/halls/{HALL}/board-notice", json=NOTICE, headers=auth(client, "clerk1"))
    assert clerk.status_code == 403 and clerk.json()["code"] == "forbidden_role", clerk.text
    board = client.put(f"/api/v1/halls/{HALL}/board-notice", json=NOTICE, headers=DISPLAY)
    assert board.status_code == 403 and board.json()["code"] == "forbidden_role", board.text
    browser = _signed_in(env, "hallmanager1")
    bad = browser.post(f"/board/{HALL}/notice", data={"text_zh": "x", "expires": "明天"}, headers=ORIGIN)
    assert bad.status_code == 422 and 'data-testid="notice-error"' in bad.text and "到期时间格式有误" in bad.text
    assert client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()["notice_zh"] is None


def _signed_in(env: Any, who: str) -> Any:
    from fastapi.testclient import TestClient

    browser = TestClient(env.app, base_url="http://testserver")
    r = browser.post("/login", data={"username": who, "password": "smarthall-demo", "next": "/"}, headers=ORIGIN)
    assert r.status_code in (200, 303), r.text
    return browser
