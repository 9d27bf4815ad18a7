"""The counter declaration confirmed on the window pad (issue 15 item 2): a clerk files for the walk-in at the window,
the person checks it on the pad of that window and confirms there (once), and only then the window's receipt prints.
Another window's pad sees nothing of it; other devices and citizens are refused."""

from __future__ import annotations

from sqlalchemy import select

from smarthall.demo import PAD_KEY
from smarthall.identity import service as identity_service
from smarthall.org.models import Hall
from tests.cases.helpers import li_ming
from tests.conftest import auth
from tests.errands.conftest import form_fields
from tests.factories import DEMO_CITIZEN_ID, assert_problem, make_staff
from tests.queueing.helpers import HALL, KIOSK

PAD = {"X-Device-Key": PAD_KEY}
PAD2 = {"X-Device-Key": "test-pad-w02-errands"}


def _pad_at_w02(env) -> None:
    with env.db.unit_of_work() as session:
        hall = session.execute(select(Hall).where(Hall.code == HALL)).scalar_one()
        identity_service.ensure_device(session, code="T-PAD-W02-E", kind="window_pad", name="W02评价器", hall=hall,
                                       key=PAD2["X-Device-Key"], window_code="H-690102-W02")  # fmt: skip


def declare_for_walk_in(client, at_counter) -> tuple[str, dict[str, str]]:
    """A walk-in's ticket called at W01 and the clerk's counter declaration of it: (case number, clerk headers)."""
    desk = at_counter(id_number=DEMO_CITIZEN_ID)
    data = {"errand_code": desk.errand_code, **form_fields(desk.form, f_cancel_reason="停止经营")}
    posted = client.post(f"/window/tickets/{desk.ticket_id}/declare", headers=desk.clerk, data=data,
                         follow_redirects=False)  # fmt: skip
    assert posted.status_code == 303, posted.text[:2000]
    assert posted.headers["location"].startswith("/window/declared/")
    return posted.headers["location"].rsplit("/", 1)[-1], desk.clerk


def test_the_walk_in_confirms_on_the_pad_and_then_the_receipt_prints(env, client, at_counter):
    case_no, clerk = declare_for_walk_in(client, at_counter)
    waiting = client.get(f"/window/declared/{case_no}", headers=clerk)
    assert waiting.status_code == 200 and 'data-confirmed="no"' in waiting.text
    assert "请申请人在窗口评价器上核对并确认" in waiting.text and 'data-testid="print-receipt"' not in waiting.text
    assert client.get(f"/api/v1/errands/declarations/{case_no}", headers=clerk).json()["confirmed_at"] is None

    # the pad of W01 shows what was filed, by its labels, the ID number masked
    shown = client.get("/api/v1/errands/pad/declaration", headers=PAD)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["case_no"] == case_no and body["confirmed_at"] is None and body["errand_code"]
    declared = {f["name"]: f for f in body["fields"]}
    assert declared["cancel_reason"]["value"] == "停止经营" and declared["cancel_reason"]["label"] != "cancel_reason"
    assert DEMO_CITIZEN_ID not in shown.text

    # another window's pad sees nothing and cannot confirm it; a kiosk and a citizen are no pads
    _pad_at_w02(env)
    assert client.get("/api/v1/errands/pad/declaration", headers=PAD2).json() is None
    assert_problem(client.post(f"/api/v1/errands/pad/declaration/{case_no}/confirm", headers=PAD2), 404,
                   "declaration_not_found")  # fmt: skip
    assert_problem(client.get("/api/v1/errands/pad/declaration", headers=KIOSK), 403, "pad_only")
    citizen = li_ming(client)
    assert_problem(client.post(f"/api/v1/errands/pad/declaration/{case_no}/confirm", headers=citizen), 403,
                   "pad_only")  # fmt: skip
    assert_problem(client.get(f"/api/v1/errands/declarations/{case_no}", headers=citizen), 403, "errand_forbidden")

    confirmed = client.post(f"/api/v1/errands/pad/declaration/{case_no}/confirm", headers=PAD)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed_at"] is not None
    assert client.get("/api/v1/errands/pad/declaration", headers=PAD).json() is None  # nothing left to confirm
    assert_problem(client.post(f"/api/v1/errands/pad/declaration/{case_no}/confirm", headers=PAD), 409,
                   "declaration_confirmed")  # fmt: skip

    # the case's timeline holds the confirmation once; the receipt page now prints
    timeline = client.get(f"/api/v1/cases/{case_no}", headers=clerk).json()["timeline"]
    assert [e["action"] for e in timeline].count("applicant_confirmed") == 1
    receipt = client.get(f"/window/declared/{case_no}", headers=clerk)
    assert 'data-confirmed="yes"' in receipt.text and 'data-testid="print-receipt"' in receipt.text
    assert "窗口申报回执" in receipt.text and case_no in receipt.text


def test_a_case_filed_online_has_no_counter_declaration(env, client):
    from tests.cases.helpers import submit_sc001

    case_no = submit_sc001(client, li_ming(client))["case_no"]
    clerk = auth(client, "clerk1")
    assert_problem(client.get(f"/api/v1/errands/declarations/{case_no}", headers=clerk), 404, "declaration_not_found")
    assert_problem(client.post(f"/api/v1/errands/pad/declaration/{case_no}/confirm", headers=PAD), 404,
                   "declaration_not_found")  # fmt: skip
    make_staff(env, username="farclerk7", role="clerk", hall_code="H-690200")
    far = client.get(f"/api/v1/errands/declarations/{case_no}", headers=auth(client, "farclerk7"))
    assert_problem(far, 403, "out_of_scope")  # another county's clerk
