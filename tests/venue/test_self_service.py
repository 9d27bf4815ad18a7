"""Annex B at the kiosk through HTTP: identify (simulated card, ID number + text code), choose, prefilled form,
submit — an instant-approval item ends in a result and a rating, a clerk item in a receipt; help at any step; the
visit ends on timeout; every refusal says what to do instead."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import DEMO_CITIZEN_ID, assert_refused_page

HALL = "H-690102"
KIOSK = {"X-Device-Key": "demo-kiosk-key", "Origin": "http://testserver"}


def kiosk(env: Any) -> TestClient:
    return TestClient(env.app, base_url="http://testserver", headers=KIOSK)


def identified(k: TestClient) -> None:
    start = k.get(f"/kiosk/{HALL}/self")
    assert start.status_code == 200 and 'data-testid="self-identify"' in start.text
    read = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "card", "id_number": DEMO_CITIZEN_ID})
    assert read.status_code == 200 and 'data-testid="self-item"' in read.text, read.text[-800:]


def test_instant_item_from_card_to_result_and_rating(env: Any, client: Any) -> None:
    from tests.cases.helpers import li_ming, prefilled

    values, _ = prefilled(client, li_ming(client), "SC-003")
    with kiosk(env) as k:
        identified(k)
        form = k.get(f"/kiosk/{HALL}/self/form?item=SC-003")
        assert form.status_code == 200 and 'data-testid="self-form"' in form.text
        fields = {f"f_{k}": str(v) for k, v in values.items()}
        fields.setdefault("f_cancel_reason", "停止经营")
        licences = dict.fromkeys(re.findall(r'name="(use_licence_[A-Za-z0-9_-]+)"', form.text), "on")
        done = k.post(f"/kiosk/{HALL}/self/form", data={**fields, **licences})
        assert done.status_code == 200 and 'data-testid="result-instant"' in done.text, re.findall(
            r"<li>.*?</li>", done.text
        )
        rated = k.post(f"/kiosk/{HALL}/self/rate", data={"level": "5"})
        assert rated.status_code == 200 and 'data-testid="rated"' in rated.text, rated.text[-1500:]


def test_clerk_item_ends_in_a_receipt_with_the_window_to_go_to(env: Any, client: Any) -> None:
    from tests.cases.helpers import li_ming, prefilled

    values, _ = prefilled(client, li_ming(client), "SC-001")
    with kiosk(env) as k:
        identified(k)
        form = k.get(f"/kiosk/{HALL}/self/form?item=SC-001")
        fields = {
            **{f"f_{k}": str(v) for k, v in values.items()},
            "f_company_name": "云澜示例科技有限公司",
            "f_enterprise_type": "有限责任公司",
            "f_registered_capital": "100",
            "f_address": "江安省云澜市澜湖区锦江大道2号",
            "f_business_scope": "软件开发",
        }
        assert 'data-testid="fallback"' in form.text and "号窗口" in form.text
        pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        files = dict.fromkeys(re.findall(r'name="(m_[A-Za-z0-9_-]+)"', form.text), ("scan.pdf", pdf, "application/pdf"))
        done = k.post(f"/kiosk/{HALL}/self/form", data=fields, files=files)
        assert done.status_code == 200 and 'data-testid="result-receipt"' in done.text, re.findall(
            r'(self-error">.*?<|<li>.*?</li>)', done.text
        )
        assert 'data-testid="rate"' not in done.text  # rated once the case is finished, not now


def test_help_mid_way_reaches_a_helper_with_place_and_step(env: Any, client: Any) -> None:
    from tests.conftest import auth

    with kiosk(env) as k:
        identified(k)
        helped = k.get(f"/kiosk/{HALL}/self/help?step=form")
        assert helped.status_code == 200 and 'data-testid="help-raised"' in helped.text
    requests = client.get("/api/v1/help-requests", headers=auth(client, "guide3")).json()
    mine = [r for r in requests if r["source"] == "kiosk" and "填表与材料" in r["description"]]
    assert mine and mine[0]["zone_code"] == f"{HALL}-Z01" and "KIOSK-01" in mine[0]["description"]


def test_text_code_identifies_and_wrong_codes_are_counted(env: Any) -> None:
    from smarthall.notify import service as notify_service

    with kiosk(env) as k:
        k.get(f"/kiosk/{HALL}/self")
        sent = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "send", "id_number": DEMO_CITIZEN_ID})
        assert sent.status_code == 200 and "138****8000" in sent.text
        wrong = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "verify", "code": "000000x"[:6]})
        assert wrong.status_code == 400 and 'data-testid="self-error"' in wrong.text
        with env.db.unit_of_work() as session:
            texts = [
                m.body_zh for m in notify_service.messages_for(session, ref_type="kiosk_session", ref_id=None)
            ] or []
        code = None
        with env.db.unit_of_work() as session:
            from smarthall.venue.models import KioskSession

            row = session.query(KioskSession).order_by(KioskSession.id.desc()).first()
            assert row is not None and row.code_attempts == 1  # the wrong try was kept
            messages = notify_service.messages_for(session, ref_type="kiosk_session", ref_id=row.id)
            code = re.search(r"验证码(\d{6})", messages[-1].body_zh).group(1)  # type: ignore[union-attr]
        assert texts is not None
        ok = k.post(f"/kiosk/{HALL}/self/identify", data={"how": "verify", "code": code})
        assert 'data-testid="self-item"' in ok.text


def test_the_visit_ends_after_the_idle_timeout(env: Any) -> None:
    with kiosk(env) as k:
        identified(k)
        env.clock.advance(seconds=91)
        again = k.get(f"/kiosk/{HALL}/self/items", follow_redirects=False)
        assert again.status_code == 303 and again.headers["location"] == f"/kiosk/{HALL}/self"
        fresh = k.get(f"/kiosk/{HALL}/self")
        assert 'data-testid="self-identify"' in fresh.text


def test_only_a_kiosk_of_this_hall_runs_self_service(env: Any, client: Any) -> None:
    from tests.conftest import auth

    assert_refused_page(client.get(f"/kiosk/{HALL}/self", headers=auth(client, "guide1")), 403, "forbidden_role")
    assert_refused_page(
        client.get(f"/kiosk/{HALL}/self", headers={"X-Device-Key": "demo-display-key"}), 403, "forbidden_role"
    )
    assert_refused_page(client.get("/kiosk/H-690200/self", headers=KIOSK), 403, "forbidden_role")


def test_a_large_text_visitor_sent_back_to_identify_keeps_large_text(env: Any) -> None:
    with kiosk(env) as k:
        sent = k.get(f"/kiosk/{HALL}/self/items?large=1", follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"] == f"/kiosk/{HALL}/self?large=1"
        page = k.get(sent.headers["location"])
        assert page.status_code == 200 and "large-text" in page.text
