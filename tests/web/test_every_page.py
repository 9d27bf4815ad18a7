"""Every page of the web UI, in words (issue 16): the walk enumerates the app's HTML routes itself, so a page added
later without a visit here fails the first test. Each page is opened as the person it is for, on the demo hall
with a day of history and the records a citizen makes on a morning (a booking, a ticket, an instant-approval case
with its licence and archive, a case with an uploaded material, a help request), in Chinese and in English, and
must show no raw code: no status or enum value in the Chinese UI, no item/window code where a name belongs, no
untranslated catalog key, no ``None``, no unrendered template braces, no unfilled ``{name}`` placeholder; neither in
the text nor in the words a page says in attributes (a field's placeholder, a title, an image's alt text, an
aria-label)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from fastapi.routing import APIRoute
from sqlalchemy import select

from smarthall.core.i18n import catalog
from smarthall.demo import DISPLAY_KEY, KIOSK_KEY, PAD_KEY
from tests.cases.helpers import li_ming, sc003, submit_sc001
from tests.factories import DEMO_CITIZEN_ID
from tests.payments.test_payments import submit_ga001
from tests.queueing.helpers import HALL, W01, issue, sign_in
from tests.web.test_portal import ORIGIN, RAW_PATTERNS, RAW_WORDS, assert_in_words, visible_text

CITIZEN = DEMO_CITIZEN_ID
KIOSK = {"X-Device-Key": KIOSK_KEY}
DISPLAY = {"X-Device-Key": DISPLAY_KEY}
PAD = {"X-Device-Key": PAD_KEY}

# Leftovers a template can show by mistake, in either language.
BROKEN = [re.compile(p) for p in (r"\{\{|\}\}|\{%|%\}", r"\bundefined\b", r"\bNaN\b", r"\[object ")]
NONE = re.compile(r"(?<![A-Za-z])None(?![A-Za-z])")  # Python's None in a Chinese page (English pages say "None")
# A message whose ``{name}`` placeholder was never filled in (``str.format`` not called, or called without it).
UNFILLED = re.compile(r"\{[A-Za-z_][A-Za-z_0-9]*\}")
# The words a page says in attributes: a field's hint, a tooltip, an image's text, a screen reader's label.
SAID_IN = ("placeholder", "title", "alt", "aria-label")


class _Attributes(HTMLParser):
    """The words a page says in its attributes (``SAID_IN``), outside scripts and styles."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif not self._skip:
            self.parts += [value for name, value in attrs if name in SAID_IN and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1


def attribute_text(html: str) -> str:
    parser = _Attributes()
    parser.feed(html)
    return " | ".join(" ".join(part.split()) for part in parser.parts)


# A code shown on purpose, as a reference beside the words it stands for (an item's 事项编码 next to its name, a
# device's serial next to its name), is marked up so: ``<span class="ref">GA-001</span>``. Only there may it stand.
REF = re.compile(r'<(\w+) class="ref[^"]*"[^>]*>[^<]*</\1>')
# What a person is editing (a knowledge-base entry's "not this → item code" lines) is their input, not the page's words.
EDITED = re.compile(r"<textarea[^>]*>.*?</textarea>", re.S)

# Staff-side states a Chinese page must say in words (the citizen-side ones are test_portal.RAW_WORDS).
STAFF_RAW = (
    "open closed paused complete incomplete permanent published in_review draft retired pending active inactive "
    "expired queued sent failed accepted online offline idle serving break consult_guide form_filling "
    "window_service self_service archive_room web kiosk guide_desk window video"
).split()

# Not pages a person reads: machine answers and images (checked as such in their own tests).
NOT_PAGES = {
    "/healthz",  # JSON for probes
    "/cases/{case_no}/materials/{file_id}/image",  # the viewer's image
    "/cases/{case_no}/materials/{file_id}/pages/{page}.png",  # a rendered page of a PDF material
}


@dataclass
class Visit:
    """Who opens the page, and how: ``who`` is a login (staff username or the citizen's ID number), ``anon``, or a
    device (``kiosk``, ``display``, ``pad``); ``path`` fills the route's parameters from the morning's records."""

    who: str
    path: Callable[[Morning], str] | str
    status: int = 200
    note: str = ""
    fragment: bool = False  # a part a page loads into itself (htmx): checked for words, not as a document

    def url(self, m: Morning) -> str:
        return self.path if isinstance(self.path, str) else self.path(m)


@dataclass
class Morning:
    """The records the walk's pages show, made through the API as people make them."""

    case_no: str = ""  # the citizen's instant-approval case (approved, licence issued, archived)
    pending_case_no: str = ""  # the citizen's case waiting at the counter, with an uploaded material
    ticket_id: int = 0
    ticket_token: str = ""
    booking_code: str = ""
    slot_id: int = 0
    errand_code: str = ""
    help_request_id: int = 0
    verify_token: str = ""
    kb_code: str = ""
    rule_key: str = ""
    zone_code: str = ""
    course_id: int = 0
    pay_url: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _q(path: str, **params: Any) -> str:
    return path + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def _help_receipt(request_id: int) -> str:
    from smarthall.assist.service import help_receipt_url

    return help_receipt_url(request_id)  # the receipt link carries its token (ids are sequential)


VISITS: dict[str, Visit] = {
    "/": Visit("anon", "/"),
    "/login": Visit("anon", "/login"),
    "/register": Visit("anon", "/register"),
    "/docs": Visit("clerk1", "/docs"),
    "/ask": Visit("anon", "/ask"),
    "/ask/item/{item_code}": Visit("anon", "/ask/item/GA-006"),
    "/ask/help/{request_id}": Visit(CITIZEN, lambda m: _help_receipt(m.help_request_id)),
    "/guide": Visit("guide1", "/guide"),
    "/guide/ticket": Visit("guide1", _q("/guide/ticket", hall_code=HALL, item_code="GA-001")),
    # citizen
    "/appointments/book": Visit(
        CITIZEN, _q("/appointments/book", hall_code=HALL, item_code="GA-006", date="2026-12-01")
    ),
    "/appointments/confirm": Visit(
        CITIZEN, lambda m: _q("/appointments/confirm", slot_id=m.slot_id, item_code="GA-006")
    ),
    "/appointments/mine": Visit(CITIZEN, "/appointments/mine"),
    "/appointments/{code}/reschedule": Visit(CITIZEN, lambda m: f"/appointments/{m.booking_code}/reschedule"),
    "/cases": Visit(CITIZEN, "/cases"),
    "/agent/entrustors": Visit(CITIZEN, "/agent/entrustors"),
    "/cases/new": Visit(CITIZEN, _q("/cases/new", item_code="SC-001", hall_code=HALL)),
    "/cases/{case_no}": Visit(CITIZEN, lambda m: f"/cases/{m.case_no}"),
    "/tickets/{ref}": Visit(CITIZEN, lambda m: f"/tickets/{m.ticket_token}"),
    "/errands": Visit(CITIZEN, "/errands"),
    "/errands/{errand_code}": Visit(CITIZEN, lambda m: f"/errands/{m.errand_code}"),
    "/errands/of/case/{case_no}": Visit("clerk1", lambda m: f"/errands/of/case/{m.case_no}", fragment=True),
    "/me/data-lookups": Visit(CITIZEN, "/me/data-lookups"),
    "/me/subscriptions": Visit(CITIZEN, "/me/subscriptions"),
    "/me/phone": Visit(CITIZEN, "/me/phone"),
    "/me/kiosk-code": Visit(CITIZEN, "/me/kiosk-code"),
    "/me/licences": Visit(CITIZEN, "/me/licences"),
    "/assist/proxy": Visit(CITIZEN, "/assist/proxy"),
    "/verify/{token}": Visit("anon", lambda m: f"/verify/{m.verify_token}"),
    "/evaluation/rate": Visit("anon", "/evaluation/rate?token=expired.link", status=403, note="a stale link's page"),
    "/push/opt-out": Visit("anon", "/push/opt-out?token=gone", status=404, note="a used link's page"),
    # window and counter
    "/window/": Visit("clerk1", "/window/", status=303, note="sends the clerk to their window"),
    "/window/{window_code}": Visit("clerk1", f"/window/{W01}"),
    "/window/{window_code}/queue": Visit("clerk1", f"/window/{W01}/queue", fragment=True),
    "/window/tickets/{ticket_id}/errands": Visit(
        "clerk1", lambda m: f"/window/tickets/{m.ticket_id}/errands", fragment=True
    ),
    "/window/tickets/{ticket_id}/declare": Visit("clerk1", lambda m: f"/window/tickets/{m.ticket_id}/declare"),
    "/window/declared/{case_no}": Visit("clerk1", lambda m: f"/window/declared/{m.extra['counter_case']}"),
    "/staff/cases": Visit("approver1", "/staff/cases"),
    "/assist/work": Visit("guide1", "/assist/work"),
    # devices
    "/kiosk/": Visit("kiosk", "/kiosk/", status=303, note="sends the kiosk to its hall"),
    "/kiosk/{hall_code}": Visit("kiosk", f"/kiosk/{HALL}"),
    "/take/{hall_code}": Visit(CITIZEN, _q(f"/take/{HALL}", item_code="GA-006")),
    "/kiosk/{hall_code}/self": Visit("kiosk", f"/kiosk/{HALL}/self", status=303, note="an identified visitor goes on"),
    "/kiosk/{hall_code}/self/items": Visit("kiosk", f"/kiosk/{HALL}/self/items"),
    "/kiosk/{hall_code}/self/form": Visit("kiosk", f"/kiosk/{HALL}/self/form?item=SC-003"),
    "/kiosk/{hall_code}/self/result": Visit(
        "kiosk-done", f"/kiosk/{HALL}/self/result", note="a visitor whose self-service case was approved at once"
    ),
    "/kiosk/{hall_code}/self/help": Visit("kiosk", f"/kiosk/{HALL}/self/help"),
    "/board/{hall_code}": Visit("display", f"/board/{HALL}"),
    "/board/{hall_code}/notice": Visit("hallmanager1", f"/board/{HALL}/notice"),
    "/board/{hall_code}/zones/{zone_code}": Visit("display", lambda m: f"/board/{HALL}/zones/{m.zone_code}"),
    "/evaluation/pad": Visit("pad", "/evaluation/pad"),
    "/pair": Visit("anon", "/pair"),
    "/pair/done": Visit("pad", "/pair/done"),
    "/locker": Visit("anon", "/locker", status=401, note="a browser that is not the locker is told so"),
    # hall management
    "/admin/catalog": Visit("hallmanager1", "/admin/catalog"),
    "/admin/catalog/items/{item_code}": Visit("hallmanager1", "/admin/catalog/items/GA-001"),
    "/admin/catalog/halls/{hall_code}": Visit("hallmanager1", f"/admin/catalog/halls/{HALL}"),
    "/admin/catalog/halls/{hall_code}/items/{item_code}/override": Visit(
        "hallmanager1", f"/admin/catalog/halls/{HALL}/items/GA-001/override"
    ),
    "/admin/calendar": Visit("hallmanager1", "/admin/calendar"),
    "/admin/rules": Visit("hallmanager1", "/admin/rules"),
    "/admin/rules/{key}/history": Visit("hallmanager1", lambda m: f"/admin/rules/{m.rule_key}/history"),
    "/admin/staff": Visit("hallmanager1", "/admin/staff"),
    "/admin/devices": Visit("hallmanager1", "/admin/devices"),
    "/admin/api-clients": Visit("admin1", "/admin/api-clients"),
    "/venue/devices": Visit("hallmanager1", "/venue/devices"),
    "/consult/kb": Visit("hallmanager1", "/consult/kb"),
    "/consult/kb/new": Visit("hallmanager1", "/consult/kb/new"),
    "/consult/kb/{code}": Visit("hallmanager1", lambda m: f"/consult/kb/{m.kb_code}"),
    "/consult/metrics": Visit("hallmanager1", "/consult/metrics"),
    "/consult/queue": Visit("hallmanager1", "/consult/queue"),
    "/operations/cockpit": Visit("hallmanager1", "/operations/cockpit"),
    "/operations/live": Visit("hallmanager1", "/operations/live"),
    "/operations/improvement": Visit("hallmanager1", "/operations/improvement"),
    "/operations/forecast": Visit("hallmanager1", _q("/operations/forecast", hall=HALL)),
    "/operations/staffing": Visit("hallmanager1", _q("/operations/staffing", hall=HALL)),
    "/operations/roster": Visit("hallmanager1", _q("/operations/roster", hall=HALL)),
    "/operations/wall/{hall_code}": Visit("hallmanager1", f"/operations/wall/{HALL}"),
    "/evaluation/stats": Visit("hallmanager1", "/evaluation/stats"),
    "/evaluation/rectifications": Visit("hallmanager1", "/evaluation/rectifications"),
    # staff (issue 14): performance, supervision, competence
    "/staff/performance": Visit("hallmanager1", "/staff/performance"),
    "/staff/supervision": Visit("hallmanager1", "/staff/supervision"),
    "/staff/me": Visit("clerk1", "/staff/me"),
    "/staff/notices": Visit("clerk1", "/staff/notices"),
    "/staff/notices/rates": Visit("hallmanager1", "/staff/notices/rates"),
    "/staff/courses/new": Visit("hallmanager1", "/staff/courses/new"),
    "/staff/courses/generate": Visit("hallmanager1", "/staff/courses/generate"),
    "/staff/courses/assignments": Visit("hallmanager1", "/staff/courses/assignments"),
    "/staff/courses/{course_id}": Visit("clerk1", lambda m: f"/staff/courses/{m.course_id}"),
    # open platform, payment, stations (issue 18)
    "/admin/webhooks": Visit("hallmanager1", "/admin/webhooks"),
    "/pay/demo/{order_no}": Visit(CITIZEN, lambda m: m.pay_url),
    "/stations/{hall_code}": Visit("hallmanager1", "/stations/H-690102001"),
    # audit and archive
    "/audit": Visit("auditor1", "/audit"),
    "/archive": Visit("auditor1", "/archive"),
    "/archive/{case_no}": Visit("auditor1", lambda m: f"/archive/{m.case_no}"),
    # one-thing bundles (issue 15 item 3)
    "/bundles/{bundle_code}/apply": Visit(CITIZEN, _q("/bundles/YJS-01/apply", hall_code=HALL)),
    "/bundles/applications/{code}": Visit(CITIZEN, lambda m: f"/bundles/applications/{m.extra['bundle']}"),
    "/bundles/coordination": Visit("clerk1", "/bundles/coordination"),
    "/bundles/mine": Visit(CITIZEN, "/bundles/mine"),
}


def html_routes(app: Any) -> set[str]:
    """The GET routes outside the API that answer pages, as the app registered them."""

    def walk(routes: Any, prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
        for route in routes:
            if hasattr(route, "original_router"):
                yield from walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                yield prefix + route.path, route

    return {p for p, r in walk(app.routes) if "GET" in r.methods and not p.startswith("/api/")} - NOT_PAGES


def test_the_walk_knows_every_page(env):
    pages = html_routes(env.app)
    assert len(pages) > 60, pages
    missing = sorted(pages - VISITS.keys())
    assert not missing, f"pages the walk does not visit (add them to VISITS): {missing}"
    gone = sorted(VISITS.keys() - pages)
    assert not gone, f"visits of pages that no longer exist: {gone}"


def _morning(env: Any, client: Any) -> Morning:
    from smarthall.consult.models import Entry
    from smarthall.errands.models import Errand
    from smarthall.licences.models import Document
    from smarthall.operations import flows
    from smarthall.org.models import Hall, Zone
    from smarthall.rules.definitions import RULES
    from tests.conftest import auth

    m = Morning()
    with env.session() as s:
        flows.load_history(s, days=30, hall_codes=[HALL], seed=11, now=env.clock.now())
        s.commit()
    citizen = li_ming(client)
    slots = client.get(
        "/api/v1/appointment-slots", params={"hall_code": HALL, "item_code": "GA-006", "date": "2026-12-01"}
    ).json()
    m.slot_id = slots[1]["id"]
    booked = client.post(
        "/api/v1/appointments", json={"slot_id": slots[0]["id"], "item_code": "GA-006"}, headers=citizen
    )
    assert booked.status_code == 201, booked.text
    m.booking_code = booked.json()["code"]
    m.case_no = sc003(client, citizen)["case_no"]
    m.pending_case_no = submit_sc001(client, citizen)["case_no"]
    order = client.post(f"/api/v1/cases/{submit_ga001(client, citizen)}/payment", headers=citizen)
    assert order.status_code == 201, order.text
    m.pay_url = urlsplit(order.json()["pay_url"]).path
    ticket = issue(client, "GA-001", headers=citizen).json()
    m.ticket_token = ticket["token"]
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    called = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk)
    assert called.status_code == 200, called.text
    m.ticket_id = called.json()["id"]
    help_request = client.post(
        "/api/v1/help-requests", json={"hall_code": HALL, "description": "不会填表"}, headers=citizen
    )
    assert help_request.status_code == 201, help_request.text
    m.help_request_id = help_request.json()["id"]
    synced = client.post("/api/v1/consult/sync", headers=auth(client, "hallmanager1"), json={})
    assert synced.status_code == 200, synced.text
    m.rule_key = next(iter(RULES))
    course = {
        "code": "GT-901",
        "title": "窗口服务规范",
        "questions": [{"text": "首问负责制是指?", "options": ["谁首问谁负责", "谁有空谁负责"], "answer": 0}],
        "pass_percent": 100,
    }
    created = client.post("/api/v1/staff-courses", json=course, headers=auth(client, "hallmanager1"))
    assert created.status_code == 201, created.text
    m.course_id = created.json()["id"]
    assigned = client.post(
        "/api/v1/staff-course-assignments",
        json={"course_id": m.course_id, "role": "clerk", "due_on": "2026-12-31"},
        headers=auth(client, "hallmanager1"),
    )
    assert assigned.status_code == 201, assigned.text
    m.extra["bundle"] = _bundle_application(env, client, citizen)
    m.extra["kiosk_visit"] = _self_service_done(env, client, citizen)
    with env.session(write=False) as s:
        hall_id = s.execute(select(Hall.id).where(Hall.code == HALL)).scalar_one()
        m.errand_code = s.execute(select(Errand.code).order_by(Errand.id.desc())).scalars().first() or ""
        m.verify_token = s.execute(select(Document.token).order_by(Document.id.desc())).scalars().first() or ""
        m.kb_code = s.execute(select(Entry.code).order_by(Entry.id)).scalars().first() or ""
        m.zone_code = s.execute(select(Zone.code).where(Zone.hall_id == hall_id).order_by(Zone.id)).scalars().first()
    assert all((m.errand_code, m.verify_token, m.kb_code, m.zone_code)), m
    m.extra["counter_case"] = _counter_case(client)  # after the errand read: the walk's errand stays the citizen's
    return m


def _counter_case(client: Any) -> str:
    """A case clerk1 declares at the counter for 李明 (its receipt waits for the pad's confirmation)."""
    from tests.cases.helpers import generic_form, upload
    from tests.conftest import auth

    clerk = auth(client, "clerk1")
    form = {**generic_form(), "legal_rep_name": "李明", "legal_rep_id": "690102199003071232", "phone": "13800138000"}
    materials = [{"material_code": c, "file_id": upload(client, clerk)} for c in ("SC-001-M02", "SC-001-M04")]
    body = {"item_code": "SC-001", "hall_code": HALL, "form": form, "materials": materials,
            "applicant_id_number": "690102199003071232"}  # fmt: skip
    filed = client.post("/api/v1/cases", headers=clerk, json=body)
    assert filed.status_code == 201, filed.text
    return str(filed.json()["case_no"])


def _bundle_application(env: Any, client: Any, citizen: dict[str, str]) -> str:
    """The citizen's newborn bundle (YJS-01), submitted once, its four parts waiting in their departments."""
    from tests.bundles.helpers import approvers, birth_certificate, filled, merged_form

    approvers(env)
    birth_certificate(env)
    body = filled(client, citizen, merged_form(client, citizen), env.clock.now().date())
    r = client.post("/api/v1/bundle-applications", headers=citizen, json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["code"])


def _self_service_done(env: Any, client: Any, citizen: dict[str, str]) -> str:
    """At the kiosk, the citizen identifies by card, cancels the business (SC-003, approved at once) with the
    prefilled form and the licence they hold: the visit (its cookie) that the result page shows."""
    from fastapi.testclient import TestClient

    from smarthall.venue.kiosk_pages import VISIT_COOKIE
    from tests.cases.helpers import prefilled

    values, _ = prefilled(client, citizen, "SC-003")
    with TestClient(env.app, base_url="http://testserver", headers={**KIOSK, **ORIGIN}) as kiosk:
        assert kiosk.get(f"/kiosk/{HALL}/self").status_code == 200
        read = kiosk.post(f"/kiosk/{HALL}/self/identify", data={"how": "card", "id_number": CITIZEN})
        assert read.status_code == 200, read.text[-500:]
        form = kiosk.get(f"/kiosk/{HALL}/self/form?item=SC-003")
        fields = {f"f_{name}": str(value) for name, value in values.items()}
        fields.setdefault("f_cancel_reason", "停止经营")
        held = dict.fromkeys(re.findall(r'name="(use_licence_[A-Za-z0-9_-]+)"', form.text), "on")
        done = kiosk.post(f"/kiosk/{HALL}/self/form", data={**fields, **held})
        assert done.status_code == 200 and 'data-testid="result-instant"' in done.text, done.text[-800:]
        return str(kiosk.cookies[VISIT_COOKIE])


def _as(env: Any, who: str, m: Morning | None = None) -> Any:
    from fastapi.testclient import TestClient

    devices = {"kiosk": KIOSK, "kiosk-done": KIOSK, "display": DISPLAY, "pad": PAD}
    browser = TestClient(env.app, base_url="http://testserver", headers=devices.get(who, {}))
    if who == "kiosk-done" and m is not None:
        from smarthall.venue.kiosk_pages import VISIT_COOKIE

        browser.cookies.set(VISIT_COOKIE, m.extra["kiosk_visit"], domain="testserver.local", path="/kiosk/")
    if who not in devices and who != "anon":
        r = browser.post("/login", data={"username": who, "password": "smarthall-demo", "next": "/"}, headers=ORIGIN)
        assert r.status_code in (200, 303), (who, r.status_code, r.text[:300])
    return browser


def test_every_page_in_words(env, client):
    m = _morning(env, client)
    faults: list[str] = []
    browsers: dict[str, Any] = {}
    for route, visit in sorted(VISITS.items()):
        who = visit.who
        if who not in browsers:
            browsers[who] = _as(env, who, m)
            if who == "kiosk":  # the self-service pages are for a visitor the kiosk has identified
                assert browsers[who].get(f"/kiosk/{HALL}/self").status_code == 200
                read = browsers[who].post(
                    f"/kiosk/{HALL}/self/identify", data={"how": "card", "id_number": CITIZEN}, headers=ORIGIN
                )
                assert read.status_code == 200, read.text[-500:]
        url = visit.url(m)
        for lang in ("zh", "en"):
            page = browsers[who].get(url + ("&" if "?" in url else "?") + f"lang={lang}", follow_redirects=False)
            if page.status_code != visit.status:
                faults.append(f"{route} as {who} ({lang}): {page.status_code}, expected {visit.status}")
                continue
            if page.status_code in (301, 302, 303, 307):
                continue
            if not page.headers.get("content-type", "").startswith("text/html"):
                faults.append(f"{route} ({lang}): answered {page.headers.get('content-type')}, not a page")
                continue
            html = EDITED.sub("", REF.sub("", page.text))
            faults += _faults(visible_text(html), f"{route} ({lang})", lang)
            faults += _faults(attribute_text(html), f"{route} ({lang}, in attributes)", lang)
            try:
                assert_in_words(html, route, lang=lang)
            except AssertionError as fault:
                faults.append(str(fault).split("\n")[0][:400])
    for browser in browsers.values():
        browser.close()
    assert not faults, "\n".join(faults)


def _faults(text: str, where: str, lang: str) -> list[str]:
    """What is wrong with the words of one page: template leftovers, unfilled placeholders, codes, catalog keys, and
    in the Chinese UI Python's None and raw state words."""
    faults = [f"{where} shows {p.pattern!r}: …{_around(text, p)}…" for p in BROKEN if p.search(text)]
    if UNFILLED.search(text):
        faults.append(f"{where} shows an unfilled placeholder: …{_around(text, UNFILLED)}…")
    faults += [f"{where} shows a code: …{_around(text, p)}…" for p in RAW_PATTERNS if p.search(text)]
    keys = {k.split(".")[0] for k in catalog()}
    untranslated = [k for k in re.findall(r"\b[a-z_]+(?:\.[a-z_0-9]+)+\b", text) if k.split(".")[0] in keys]
    if untranslated:
        faults.append(f"{where} shows catalog keys {untranslated[:5]}")
    if lang == "zh":
        if NONE.search(text):
            faults.append(f"{where} shows None: …{_around(text, NONE)}…")
        for word in STAFF_RAW + RAW_WORDS:
            raw = re.compile(rf"(?<![A-Za-z_./-]){word}(?![A-Za-z_./-])")
            if raw.search(text):
                faults.append(f"{where} shows {word!r}: …{_around(text, raw)}…")
    return faults


def _around(text: str, pattern: re.Pattern[str]) -> str:
    hit = pattern.search(text)
    assert hit is not None
    return text[max(0, hit.start() - 80) : hit.end() + 80]
