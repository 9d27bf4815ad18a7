"""The citizen portal through HTTP (issue 16): the home, registration, "my errands" in words, the language switch
keeping the query string, and no raw code or untranslated key on any citizen page, in Chinese and English."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from smarthall.core.clock import SHANGHAI
from smarthall.core.i18n import catalog
from tests.cases.helpers import li_ming, sc003
from tests.factories import DEMO_CITIZEN_ID, citizen_payload, last_sms_code, make_id_number, sms_code
from tests.queueing.helpers import HALL, issue

ORIGIN = {"Origin": "http://testserver"}
BOOKABLE = "GA-006"  # 普通护照签发


class _Text(HTMLParser):
    """The text a person sees (no script or style, no attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


# Codes a person must never read: statuses, priority reasons, check-in states, item and window codes.
RAW_WORDS = (
    "booked checked_in no_show waiting called finished skipped cancelled submitted supplement review "
    "approved delivered rejected refused withdrawn suspended pregnant elderly disabled military "
    "appointment_required on_time wrong_day valid revoked pass fail contradiction"
).split()
RAW_PATTERNS = [re.compile(r"\b[A-Z]{2,3}-\d{3}\b"), re.compile(r"\bH-\d{6,}-W\d+\b")]


def assert_in_words(html: str, where: str, *, lang: str) -> None:
    text = visible_text(html)
    keys = {k.split(".")[0] for k in catalog()}
    untranslated = [m for m in re.findall(r"\b[a-z_]+(?:\.[a-z_0-9]+)+\b", text) if m.split(".")[0] in keys]
    assert not untranslated, f"{where} ({lang}) shows catalog keys {untranslated}"
    if lang == "zh":
        raw = [w for w in RAW_WORDS if re.search(rf"(?<![A-Za-z_]){w}(?![A-Za-z_])", text)]
        assert not raw, f"{where} shows raw codes {raw}: {text[:600]}"
    for pattern in RAW_PATTERNS:
        found = pattern.findall(text)
        assert not found, f"{where} ({lang}) shows codes {found}"


def _login(client: Any, username: str, password: str = "smarthall-demo") -> None:
    r = client.post("/login", data={"username": username, "password": password, "next": "/"}, headers=ORIGIN)
    assert r.status_code in (200, 303), r.text


def _slot(client: Any, day: str = "2026-12-01") -> dict[str, Any]:
    params = {"hall_code": HALL, "item_code": BOOKABLE, "date": day}
    slots = client.get("/api/v1/appointment-slots", params=params).json()
    return slots[0]  # type: ignore[no-any-return]


def test_anonymous_home_offers_sign_in_and_registration(client):
    page = client.get("/")
    assert page.status_code == 200 and 'href="/register"' in page.text and 'href="/login"' in page.text
    assert "/docs" not in page.text  # API docs are for staff, not a citizen's top bar


def test_registration_page_creates_an_account_that_signs_in(client, env):
    data = citizen_payload()
    typed = {"name": data["name"], "id_number": data["id_number"], "phone": data["phone"]}
    sent = client.post("/register/phone-code", data=typed, headers=ORIGIN)
    assert sent.status_code == 200 and 'data-testid="code-sent"' in sent.text
    notice = sent.text.split('data-testid="code-sent">', 1)[1].split("</p>", 1)[0]
    assert "验证码已发送至" in notice and data["phone"][-4:] in notice and data["phone"] not in notice  # masked
    assert f'value="{data["id_number"]}"' in sent.text  # the form keeps what was typed
    again = client.post("/register/phone-code", data=typed, headers=ORIGIN)
    assert again.status_code == 429 and "验证码发送过于频繁" in again.text
    code = last_sms_code(env.db, data["phone"])
    form = {**data, "password2": data["password"], "phone_code": f"{(int(code) + 1) % 10**6:06d}"}
    wrong = client.post("/register", data=form, headers=ORIGIN, follow_redirects=False)
    assert wrong.status_code == 422 and "短信验证码不正确" in wrong.text
    form["phone_code"] = code
    r = client.post("/register", data=form, headers=ORIGIN, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?")
    assert "注册成功" in client.get(r.headers["location"]).text
    _login(client, data["id_number"], data["password"])
    home = client.get("/")
    assert 'data-testid="errands"' in home.text and "您还没有预约" in home.text


def test_registration_refusals_write_nothing(client, env):
    from sqlalchemy import func, select

    from smarthall.identity.models import Citizen

    with env.session(write=False) as s:
        before = s.execute(select(func.count()).select_from(Citizen)).scalar_one()
    data = citizen_payload()
    mismatch = client.post("/register", data={**data, "password2": "other-Passw0rd"}, headers=ORIGIN)
    assert mismatch.status_code == 422 and "两次输入的密码不一致" in mismatch.text
    bad_id = client.post(
        "/register", data={**data, "id_number": "690102199001011234", "password2": data["password"]}, headers=ORIGIN
    )
    assert bad_id.status_code == 422 and 'data-testid="register-error"' in bad_id.text
    taken = client.post(
        "/register",
        data={
            **data,
            "id_number": DEMO_CITIZEN_ID,
            "password2": data["password"],
            "phone_code": sms_code(client, data["phone"]),
        },
        headers=ORIGIN,
    )
    assert taken.status_code == 422 and 'data-testid="register-error"' in taken.text
    assert data["name"] in taken.text  # the form keeps what was typed
    with env.session(write=False) as s:
        assert s.execute(select(func.count()).select_from(Citizen)).scalar_one() == before
    _login(client, DEMO_CITIZEN_ID)
    assert client.get("/register", follow_redirects=False).status_code == 303  # signed in already


def test_citizen_home_has_search_services_and_errands_in_words(client, env):
    _login(client, DEMO_CITIZEN_ID)
    slot = _slot(client)
    client.post("/appointments/book", data={"slot_id": slot["id"], "item_code": BOOKABLE}, headers=ORIGIN)
    ticket = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-002"}, headers=ORIGIN).json()
    home = client.get("/")
    assert home.status_code == 200
    text = visible_text(home.text)
    assert 'action="/ask"' in home.text and 'name="question"' in home.text
    for event in ("新生儿出生一件事", "企业开办一件事", "退休一件事"):
        assert event in text
    for department in ("公安局", "市场监督管理局"):
        assert department in text
    assert "普通护照签发" in text and "已预约" in text and "签到" in text
    assert ticket["number"] in text and "排队等候中" in text and "前面还有" in text
    assert f'href="/tickets/{ticket["id"]}"' in home.text and 'href="/appointments/mine"' in home.text
    for link in ('href="/ask"', 'href="/cases"', 'href="/appointments/mine"', 'href="/cases/new"'):
        assert link in home.text  # every citizen page is a click away
    assert_in_words(home.text, "/", lang="zh")
    en = client.get("/?lang=en")
    assert "My errands" in en.text and "Booked" in en.text
    assert_in_words(en.text, "/", lang="en")


def test_hall_choice_changes_the_services(client):
    _login(client, DEMO_CITIZEN_ID)
    county = visible_text(client.get("/").text)
    township = visible_text(client.get("/", params={"hall_code": "H-690102001"}).text)
    assert "湖滨街道便民服务站" in township and county != township
    assert client.get("/", params={"hall_code": "nope"}).status_code == 200  # falls back to the default hall


def test_language_switch_keeps_the_query_string(client):
    _login(client, DEMO_CITIZEN_ID)
    page = client.get("/cases/new", params={"item_code": "SC-003", "hall_code": HALL})
    link = re.search(r'<a class="lang" href="([^"]+)"', page.text)
    assert link is not None
    href = link.group(1).replace("&amp;", "&")
    assert href.startswith("/cases/new?") and "item_code=SC-003" in href and f"hall_code={HALL}" in href
    assert "lang=en" in href
    again = client.get(href)
    assert again.status_code == 200 and 'lang="en"' in again.text
    back = re.search(r'<a class="lang" href="([^"]+)"', again.text)
    assert back is not None and "lang=zh" in back.group(1) and "lang=en" not in back.group(1)


def test_staff_see_their_own_name(client):
    _login(client, "clerk1")
    home = client.get("/")
    assert home.status_code == 200
    assert "*" not in visible_text(home.text).split("窗口受理员")[0]


def test_every_citizen_page_in_words(client, env):
    """Home, my bookings (booked, checked in), booking, confirmation, reschedule, my cases, a case, a live ticket
    (waiting, called, finished), registration and login: no raw code, no untranslated key, zh and en."""
    from tests.conftest import auth
    from tests.queueing.helpers import W01, sign_in

    _login(client, DEMO_CITIZEN_ID)
    slot = _slot(client)
    r = client.post("/appointments/book", data={"slot_id": slot["id"], "item_code": BOOKABLE}, headers=ORIGIN)
    code = re.search(r"booked=([A-Z0-9-]+)", r.url.query.decode() if isinstance(r.url.query, bytes) else r.url.query)
    assert code is not None
    submitted = sc003(client, li_ming(client))
    case_no = submitted.get("case_no") or submitted.get("case", {}).get("case_no")
    ticket = client.post("/api/v1/tickets", json={"hall_code": HALL, "item_code": "GA-002"}, headers=ORIGIN).json()
    old = issue(client, "GA-001", id_number=make_id_number(datetime(1950, 1, 1).date())).json()
    pages = [
        "/",
        "/appointments/mine",
        f"/appointments/book?hall_code={HALL}&item_code={BOOKABLE}&date=2026-12-01",
        f"/appointments/confirm?slot_id={slot['id']}&item_code={BOOKABLE}",
        f"/appointments/{code.group(1)}/reschedule",
        "/cases",
        f"/tickets/{ticket['token']}",
        f"/tickets/{old['token']}",
    ]
    assert case_no, submitted
    pages.append(f"/cases/{case_no}")
    for path in pages:
        for lang in ("zh", "en"):
            page = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
            assert page.status_code == 200, (path, page.status_code)
            assert_in_words(page.text, path, lang=lang)
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()
    live = client.get(f"/tickets/{called['token']}", params={"lang": "zh"})
    assert "已叫号" in live.text and "请到" in live.text
    assert_in_words(live.text, "/tickets (called)", lang="zh")
    client.post(f"/api/v1/tickets/{called['id']}/finish", headers=clerk)
    done = client.get(f"/tickets/{called['token']}", params={"lang": "zh"})
    assert "已办结" in visible_text(done.text) and "请到" not in visible_text(done.text)
    assert_in_words(done.text, "/tickets (finished)", lang="zh")
    client.post("/logout", headers=ORIGIN)
    for path in ("/register", "/login", "/"):
        for lang in ("zh", "en"):
            assert_in_words(client.get(path, params={"lang": lang}).text, path, lang=lang)


def test_frozen_clock_is_a_monday_morning(env):
    # The pages above book for Tuesday 2026-12-01 and issue tickets now: the test clock is a working morning.
    assert env.clock.now().astimezone(SHANGHAI).date() < datetime(2026, 12, 1).date()


def test_kiosk_top_bar_offers_no_api_docs_and_no_sign_out(client):
    from tests.queueing.helpers import KIOSK

    page = client.get(f"/kiosk/{HALL}", headers=KIOSK)
    assert page.status_code == 200
    assert 'href="/docs"' not in page.text and 'action="/logout"' not in page.text
    assert "device:" not in visible_text(page.text)


def test_staff_home_names_the_hall_and_window_in_words(client):
    """Fresh demo walk (journeys16): clerk1's home read 所属大厅:H-690102 · H-690102-W01 — codes, not places."""
    _login(client, "clerk1")
    text = visible_text(client.get("/?lang=zh").text)
    assert "澜湖区政务服务中心" in text and "综合受理1号窗口" in text
    assert "H-690102" not in text
    english = visible_text(client.get("/?lang=en").text)
    assert "H-690102" not in english and "Hall: " in english and "Welcome, " in english  # English punctuation
    assert "欢迎，" in text and "角色：" in text
