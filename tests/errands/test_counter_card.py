"""Issue 15 item 2c: the counter declaration takes uploads/scans of the materials (the online form's upload) and the
walk-in's ID card read on the window's reader (the simulated reader of ``venue.cardreader``): a card that is not
the ticket holder's, unreadable or unregistered is refused in words; a ticket without identity takes the person
read as the applicant; the read travels to the submission signed, never as an ID number in the page."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from tests.cases.helpers import PDF_BYTES, li_ming
from tests.errands.conftest import form_fields
from tests.factories import DEMO_CITIZEN_ID, make_id_number

REASON = {"f_cancel_reason": "停止经营"}


def _declare(
    client: Any, clerk: dict[str, str], ticket_id: int, code: str, token: str, form_page: str,
    files: dict[str, Any] | None = None,
) -> str:
    """Submit the counter declaration with the card read and the form as the page filled it; the new case's number."""
    data = {"errand_code": code, "card_token": token, **form_fields(form_page, **REASON)}
    posted = client.post(f"/window/tickets/{ticket_id}/declare", headers=clerk, data=data, files=files,
                         follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303, posted.text[:2000]
    return str(posted.headers["location"].rsplit("/", 1)[-1])


def test_the_card_read_must_be_the_ticket_holders_and_the_scans_are_filed(
    env: Any, client: Any, at_counter: Any
) -> None:
    desk = at_counter(id_number=DEMO_CITIZEN_ID)
    ticket_id, clerk, code, page = desk.ticket_id, desk.clerk, desk.errand_code, desk.form
    url = f"/window/tickets/{ticket_id}/declare/card"
    assert 'enctype="multipart/form-data"' in page and 'data-testid="m-SC-003-M01"' in page
    assert 'data-testid="card-tray"' in page  # the demo's simulated reader
    unreadable = client.post(url, headers=clerk, data={"errand_code": code, "card": "12345"})
    assert unreadable.status_code == 422 and "未能读取身份证" in unreadable.text
    other = client.post(url, headers=clerk, data={"errand_code": code, "card": make_id_number()})
    assert other.status_code == 422 and "所读身份证与取号人不符" in other.text
    read = client.post(url, headers=clerk, data={"errand_code": code, "card": DEMO_CITIZEN_ID})
    assert read.status_code == 200 and 'data-testid="card-read"' in read.text, read.text[:1000]
    banner = re.search(r'data-testid="card-read">([^<]+)<', read.text).group(1)  # type: ignore[union-attr]
    assert DEMO_CITIZEN_ID not in banner and "李*" in banner and 'value="李明"' in read.text  # masked
    token = re.search(r'name="card_token" value="([^"]+)"', read.text).group(1)  # type: ignore[union-attr]

    files = {"m_SC-003-M01": ("申请书.pdf", PDF_BYTES, "application/pdf")}
    case_no = _declare(client, clerk, ticket_id, code, token, read.text, files=files)
    case = client.get(f"/api/v1/cases/{case_no}", headers=li_ming(client)).json()
    filed = {m["material_code"]: m for m in case["materials"]}
    assert filed["SC-003-M01"].get("file_id"), filed  # the scan made at the window is a material of the case
    with env.db.session() as session:
        actions = session.execute(select(AuditEvent.action).where(AuditEvent.action == "errands.counter.card_read"))
        assert len(actions.all()) == 1  # the successful read is audited (the refused ones rolled back)


def test_a_ticket_without_identity_takes_the_person_read_and_a_forged_read_is_ignored(
    env: Any, client: Any, at_counter: Any
) -> None:
    desk = at_counter()
    ticket_id, clerk, code = desk.ticket_id, desk.clerk, desk.errand_code
    blind = client.post(f"/window/tickets/{ticket_id}/declare", headers=clerk,
                        data={"errand_code": code, **form_fields(desk.form, **REASON)},
                        follow_redirects=False)  # fmt: skip
    assert blind.status_code == 422 and "请填写已实名登记的申请人身份证号" in blind.text  # nobody to declare for yet
    stranger = client.post(f"/window/tickets/{ticket_id}/declare/card", headers=clerk,
                           data={"errand_code": code, "card": make_id_number()})  # fmt: skip
    assert stranger.status_code == 422 and "尚未在平台登记" in stranger.text
    read = client.post(f"/window/tickets/{ticket_id}/declare/card", headers=clerk,
                       data={"errand_code": code, "card": DEMO_CITIZEN_ID})  # fmt: skip
    assert read.status_code == 200 and 'value="李明"' in read.text  # prefilled for the person read
    token = re.search(r'name="card_token" value="([^"]+)"', read.text).group(1)  # type: ignore[union-attr]
    forged = client.post(f"/window/tickets/{ticket_id}/declare", headers=clerk,
                         data={"errand_code": code, "card_token": token[:-2] + "00",
                               **form_fields(read.text, **REASON)},
                         follow_redirects=False)  # fmt: skip
    assert forged.status_code == 422 and "请填写已实名登记的申请人身份证号" in forged.text  # the forged read counts not
    case_no = _declare(client, clerk, ticket_id, code, token, read.text)
    assert client.get(f"/api/v1/cases/{case_no}", headers=li_ming(client)).status_code == 200  # 李明's case
