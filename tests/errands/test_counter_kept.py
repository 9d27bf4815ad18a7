"""The counter declaration keeps the files of a refused try (issue 15): the clerk scans a material, forgets a required
field, and the re-rendered form holds the scan (sealed at rest, named by an opaque token signed for this clerk, hall
and ticket) so the second try files it without scanning again. The token is refused for another ticket, when
tampered with and after it expires."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from smarthall.cases.models import UploadedFile
from smarthall.core import crypto
from tests.cases.helpers import PDF_BYTES, li_ming
from tests.conftest import auth
from tests.errands.conftest import form_fields
from tests.factories import DEMO_CITIZEN_ID

MATERIAL = "SC-003-M01"
SCAN = {f"m_{MATERIAL}": ("申请书.pdf", PDF_BYTES, "application/pdf")}


def _post(client: Any, desk: Any, data: dict[str, str], files: dict[str, Any] | None = None) -> Any:
    return client.post(f"/window/tickets/{desk.ticket_id}/declare", headers=desk.clerk, files=files,
                       data={"errand_code": desk.errand_code, **data}, follow_redirects=False)  # fmt: skip


def _kept(text: str) -> str:
    found = re.search(rf'name="kept_{MATERIAL}" value="([^"]+)"', text)
    assert found, text[:3000]
    return found.group(1)


def test_a_scan_survives_a_refused_try_and_is_filed_on_the_next(env: Any, client: Any, at_counter: Any) -> None:
    desk = at_counter(id_number=DEMO_CITIZEN_ID)
    fields = form_fields(desk.form)  # the required cancel_reason left out
    refused = _post(client, desk, fields, files=SCAN)
    assert refused.status_code == 422 and "注销原因为必填项" in refused.text, refused.text[:2000]
    assert f'data-testid="kept-{MATERIAL}"' in refused.text and "申请书.pdf" in refused.text
    token = _kept(refused.text)
    file_id = token.split(".", 1)[0]
    with env.db.session() as session:  # kept server-side, sealed at rest, owned by the clerk
        row = session.execute(select(UploadedFile).where(UploadedFile.id == file_id)).scalar_one()
        assert row.owner_kind == "staff" and row.name == "申请书.pdf"
        with open(row.path, "rb") as fh:
            assert PDF_BYTES not in fh.read()  # the bytes on disk are not the plaintext
        with crypto.open_plain(row.path) as plain:
            assert plain.read() == PDF_BYTES

    filed = _post(client, desk, {**fields, "f_cancel_reason": "停止经营", f"kept_{MATERIAL}": token})  # no file again
    assert filed.status_code == 303, filed.text[:2000]
    case_no = filed.headers["location"].rsplit("/", 1)[-1]
    case = client.get(f"/api/v1/cases/{case_no}", headers=li_ming(client)).json()
    assert {m["material_code"]: m.get("file_id") for m in case["materials"]}[MATERIAL] == file_id


def test_a_kept_file_is_the_tickets_own_untampered_and_expires(env: Any, client: Any, at_counter: Any) -> None:
    desk = at_counter(id_number=DEMO_CITIZEN_ID)
    fields = form_fields(desk.form)
    token = _kept(_post(client, desk, fields, files=SCAN).text)
    good = {**fields, "f_cancel_reason": "停止经营"}

    forged = _post(client, desk, {**good, f"kept_{MATERIAL}": token[:-2] + ("00" if token[-2:] != "00" else "11")})
    assert forged.status_code == 422 and "暂存的材料已过期或不属于本号" in forged.text
    assert f'data-testid="kept-{MATERIAL}"' not in forged.text  # a forged token is not offered back

    assert client.post(f"/api/v1/tickets/{desk.ticket_id}/finish", headers=desk.clerk).status_code == 200
    other = at_counter(id_number=DEMO_CITIZEN_ID)  # the next walk-in at the same window
    elsewhere = _post(client, other, {**form_fields(other.form), "f_cancel_reason": "停止经营",
                                      f"kept_{MATERIAL}": token})  # fmt: skip
    assert elsewhere.status_code == 422 and "暂存的材料已过期或不属于本号" in elsewhere.text

    desk = other
    token = _kept(_post(client, desk, form_fields(desk.form), files=SCAN).text)
    env.clock.advance(hours=3)  # past the two hours a kept file waits (the clerk signs in again)
    desk = replace(desk, clerk=auth(client, "clerk1"))
    expired = _post(client, desk, {**good, f"kept_{MATERIAL}": token})
    assert expired.status_code == 422 and "暂存的材料已过期或不属于本号" in expired.text
