"""English pages (issue 16) for what was stored in Chinese: an issued document's title in the wallet, on the
verification page and in the archive says in English what the document is (the signed Chinese title is kept, and the
verification page shows it as issued); a knowledge-base guide the catalog wrote reads in English from the catalog's
English fields (an editor's own text stays as written); a form's select options at the kiosk and at the window are
labelled in English with their Chinese values kept."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from smarthall.archive.pages import _title_item
from smarthall.cases import notices
from smarthall.consult.guides import guide_text, guide_text_en
from tests.cases.helpers import li_ming, sc003
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID
from tests.queueing.helpers import HALL, KIOSK, W01, sign_in
from tests.web.test_english_words import CJK, _browser, _english
from tests.web.test_every_page import ORIGIN
from tests.web.test_portal import visible_text

DECISION_ZH = "准予个体工商户注销登记决定书"
RECORD_ZH = "个体工商户注销登记结果"


def _one(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"[^>]*>(.*?)</(?:strong|dd|h1|p|h2)>', html, re.S)
    assert found, (testid, html[-3000:])
    return visible_text(found.group(1))


def test_an_issued_documents_title_reads_in_english_and_stays_signed_in_chinese(env, client):
    citizen = li_ming(client)
    case_no = sc003(client, citizen)["case_no"]  # approved at once: the decision letter and the result record
    detail = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()
    result = next(d for d in detail["documents"] if d["title"] == DECISION_ZH)
    token = result["verify_path"].rsplit("/", 1)[-1]
    browser = _browser(env, DEMO_CITIZEN_ID)

    wallet = _english(browser, "/me/licences")
    assert "Result of Individual Business Deregistration" in visible_text(wallet)
    assert RECORD_ZH not in wallet, visible_text(wallet)[:1500]
    home = _english(browser, "/")  # the errands list names the licence the same way
    assert "Result of Individual Business Deregistration" in visible_text(home) and RECORD_ZH not in home
    assert RECORD_ZH in visible_text(browser.get("/me/licences?lang=zh").text)

    english = _english(browser, f"/verify/{token}")
    assert 'data-valid="true"' in english  # still genuine: nothing of the signed document changed
    title = _one(english, "verify-title")
    assert title.startswith("Decision granting Individual Business Deregistration"), title
    assert f'<span class="ref" lang="zh" data-testid="verify-title-issued">{DECISION_ZH}</span>' in english
    chinese = browser.get(f"/verify/{token}?lang=zh").text
    assert _one(chinese, "verify-title") == DECISION_ZH and "Decision granting" not in chinese
    verified = client.post(f"/api/v1/verify/{token}")
    assert verified.status_code == 200 and verified.json()["valid"] is True, verified.text
    after = client.get(f"/api/v1/cases/{case_no}", headers=citizen).json()["documents"]
    assert [d["title"] for d in after] == [d["title"] for d in detail["documents"]]  # stored as issued, in Chinese


def test_a_title_is_read_back_into_the_words_it_was_made_of():
    assert notices.title_words(DECISION_ZH) == ("case.doc.approval_permit", {"item": "个体工商户注销登记"})
    assert notices.title_words(RECORD_ZH) == ("case.doc.result_record", {"item": "个体工商户注销登记"})
    assert notices.title_words("营业执照(电子)") == ("case.doc.result_licence", {"type": "营业执照"})
    assert notices.title_words("设立登记办理结果通知书") == ("case.doc.approval_other", {"item": "设立登记"})
    assert notices.title_words("准予决定书") is None and notices.title_words("某份别的文书") is None
    assert _title_item("个体工商户注销登记-H-690102-20261130-00001", "H-690102-20261130-00001") == "个体工商户注销登记"
    assert _title_item("H-690102-20261130-00001", "H-690102-20261130-00001") is None
    assert _title_item("另起的标题", "H-690102-20261130-00001") is None


def test_a_catalog_guide_reads_in_english_and_an_editors_text_as_written(env, client):
    assert client.post("/api/v1/consult/sync", headers=auth(client, "hallmanager1"), json={}).status_code == 200
    manager = _browser(env, "hallmanager1")
    english = _english(manager, "/consult/kb/ITEM-SC-003")
    body = _one(english, "served-body")
    assert body.startswith("Department: Administration for Market Regulation. What to bring:"), body
    assert "Fee: free." in body and "Eligible applications are approved instantly." in body, body
    assert not CJK.findall(body + _one(english, "served-title")), body
    assert 'value="个体工商户注销登记"' in english  # the form edits the stored title, not its English
    chinese = manager.get("/consult/kb/ITEM-SC-003?lang=zh").text
    assert _one(chinese, "served-body").startswith("主管部门:")

    from smarthall.consult.models import Entry

    with env.session() as s:  # an editor took the entry over with their own words
        entry = s.execute(select(Entry).where(Entry.code == "ITEM-SC-003")).scalar_one()
        entry.source, entry.body = "editor", "个体户注销请带营业执照。"
        s.commit()
    assert _one(_english(manager, "/consult/kb/ITEM-SC-003"), "served-body") == "个体户注销请带营业执照。"


def test_the_english_guide_is_the_chinese_ones_words_or_none():
    item: dict[str, Any] = {
        "department_code": "D1", "fee": 10, "fee_note": "每件10元。", "fee_note_en": "10 yuan a case.",
        "promised_limit_workdays": 1, "legal_limit_workdays": 20, "online_depth": 2, "appointment": True,
        "counters": ["city"], "note": None,
        "materials": [{"code": "M1", "name": "申请书", "name_en": "Application", "required": True},
                      {"code": "M2", "name": "委托书", "name_en": "Power of attorney", "required": False,
                       "note": "委托办理时提交", "note_en": "When someone applies for you"}],
    }  # fmt: skip
    assert guide_text(item, "某局") == (
        "主管部门:某局。需要带的材料:申请书。视情况提供:委托书(委托办理时提交)。收费:10元。每件10元。"
        "办理时限:承诺1个工作日(法定20个工作日)。办理方式:可网上预约或查询,需到现场办理。预约:需要提前预约。"
        "办理地点:市级政务服务中心。"
    )
    assert guide_text_en(item, "A Bureau") == (
        "Department: A Bureau. What to bring: Application. If it applies to you: Power of attorney (When someone "
        "applies for you). Fee: 10 yuan. 10 yuan a case. Time limit: 1 working day promised (20 working days by "
        "law). How: book or check online, then come in person. Appointment: book in advance. Where: the city "
        "government service centre."
    )
    assert guide_text_en(item, "") is None  # a department with no English name
    assert guide_text_en({**item, "fee_note_en": None}, "A Bureau") is None
    item["materials"][1]["name_en"] = None
    assert guide_text_en(item, "A Bureau") is None


def _options(html: str, field: str) -> list[tuple[str, str]]:
    select_ = re.search(rf'<select name="f_{field}".*?</select>', html, re.S)
    assert select_, (field, html[-2000:])
    return [(v, label.strip()) for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select_[0])]


def test_select_options_at_the_kiosk_and_the_window_are_labelled_in_english(env, client):
    field = next(f for f in client.get("/api/v1/items/SC-003").json()["form_fields"] if f["name"] == "cancel_reason")
    expected = list(zip(field["options"], field["options_en"], strict=True))
    with TestClient(env.app, base_url="http://testserver", headers={**KIOSK, **ORIGIN}) as kiosk:
        assert kiosk.get(f"/kiosk/{HALL}/self").status_code == 200
        read = kiosk.post(f"/kiosk/{HALL}/self/identify", data={"how": "card", "id_number": DEMO_CITIZEN_ID})
        assert read.status_code == 200, read.text[-500:]
        form = kiosk.get(f"/kiosk/{HALL}/self/form?item=SC-003&lang=en")
        assert form.status_code == 200 and '<html lang="en">' in form.text, form.text[-500:]
        assert _options(form.text, "cancel_reason")[1:] == expected  # values Chinese, labels English
        chinese = kiosk.get(f"/kiosk/{HALL}/self/form?item=SC-003&lang=zh").text
        assert _options(chinese, "cancel_reason")[1:] == [(o, o) for o in field["options"]]

    ticket = client.post(
        "/api/v1/tickets", json={"hall_code": HALL, "item_code": "SC-003", "id_number": DEMO_CITIZEN_ID}, headers=KIOSK
    )
    assert ticket.status_code == 201, ticket.text
    clerk = auth(client, "clerk1")
    sign_in(client, clerk, W01)
    assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).status_code == 200
    panel = client.get(f"/window/tickets/{ticket.json()['id']}/errands", headers=clerk).text
    start = re.search(r'href="(/window/tickets/\d+/declare\?errand=\w+)" data-testid="start-case"', panel)
    assert start, panel
    declare = client.get(start.group(1) + "&lang=en", headers=clerk)
    assert declare.status_code == 200 and '<html lang="en">' in declare.text, declare.text[-500:]
    assert _options(declare.text, "cancel_reason")[1:] == expected
    chinese = client.get(start.group(1) + "&lang=zh", headers=clerk).text
    assert _options(chinese, "cancel_reason")[1:] == [(o, o) for o in field["options"]]
