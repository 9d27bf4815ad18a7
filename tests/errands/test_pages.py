"""Errand pages over HTTP: the window's panel of the served person's open errands, the one-click counter declaration
in the ticket's errand (refused for a ticket at another window), the errand page in each view, the case's link."""

from __future__ import annotations

import re

from tests.cases.helpers import li_ming
from tests.conftest import auth
from tests.factories import DEMO_CITIZEN_ID
from tests.queueing.helpers import W01, refused_page

ITEM = "SC-003"


def test_clerk_starts_the_case_from_the_ticket_in_one_click(env, client, at_counter):
    desk = at_counter(id_number=DEMO_CITIZEN_ID)
    ticket_id, clerk = desk.ticket_id, desk.clerk
    window = client.get(f"/window/{W01}", headers=clerk)
    assert f'hx-get="/window/tickets/{ticket_id}/errands"' in window.text
    panel = client.get(f"/window/tickets/{ticket_id}/errands", headers=clerk)
    assert panel.status_code == 200 and "开始办件" in panel.text
    start = re.search(r'href="(/window/tickets/\d+/declare\?errand=\w+)" data-testid="start-case"', panel.text)
    assert start, panel.text
    form = client.get(start.group(1), headers=clerk)
    assert form.status_code == 200, form.text
    assert "窗口代录申报" in form.text and 'value="李明"' in form.text  # prefilled for the served person
    code = re.search(r'name="errand_code" value="(\w+)"', form.text).group(1)  # type: ignore[union-attr]
    posted = client.post(
        f"/window/tickets/{ticket_id}/declare",
        headers=clerk,
        data={
            "errand_code": code,
            "f_cancel_reason": "停止经营",
            "f_operator_name": "李明",
            **dict(re.findall(r'name="(f_\w+)"[^>]*value="([^"]+)"', form.text)),
            **dict(re.findall(r'<select name="(f_\w+)".*?<option value="([^"]+)" selected>', form.text)),
            **dict.fromkeys(re.findall(r'name="(use_licence_[\w-]+)"', form.text), "on"),
        },  # fmt: skip
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text[:2000]
    case_no = posted.headers["location"].rsplit("/", 1)[-1]
    errand = client.get(f"/api/v1/errands/{code}", headers=li_ming(client)).json()
    assert errand["case_no"] == case_no
    # the case page links back to its errand, and the panel now offers to continue it (or nothing once delivered)
    link = client.get(f"/errands/of/case/{case_no}", headers=clerk)
    assert f'href="/errands/{code}"' in link.text
    page = client.get(f"/errands/{code}", headers=li_ming(client))
    assert page.status_code == 200 and "取号" in page.text and "申报" in page.text and "审批结果" in page.text
    english = client.get(f"/errands/{code}?lang=en", headers=li_ming(client))
    assert "Ticket issued" in english.text and "Application filed" in english.text


def test_a_ticket_at_another_window_cannot_be_declared_for(env, client, at_counter):
    ticket_id = at_counter(id_number=DEMO_CITIZEN_ID).ticket_id
    other = auth(client, "clerk2")
    refused_page(client.get(f"/window/tickets/{ticket_id}/declare", headers=other), 403, "该号不在您的窗口办理")
    refused = client.post(f"/window/tickets/{ticket_id}/declare", headers=other, data={})
    refused_page(refused, 403, "该号不在您的窗口办理")
    assert client.get("/errands/of/case/none", headers=other).text.strip() == ""


def test_errand_pages_need_login_and_scope(env, client):
    assert client.get("/errands", follow_redirects=False).status_code == 303
    mine = client.get("/errands", headers=li_ming(client))
    assert mine.status_code == 200 and "暂无办事记录" in mine.text
    refused_page(client.get("/errands/YJ2026113000000000", headers=li_ming(client)), 404, "不存在")
