"""A bundle end to end through the real API (issue 15 items 3 and 7): one merged form → parts in parallel in their
departments → all done → one combined result → one delivery → one archive package with the parts → one rating, and
the errand page telling it in that order. An instantly approved part is the bundle's from the moment it is filed:
no invitation, no "received" and no "delivered" message of its own (the bundle's one receipt speaks for its parts)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smarthall.evaluation import tasks as evaluation_tasks
from smarthall.evaluation.models import Invitation
from tests.bundles.helpers import approve_part, approvers, filled, merged_form
from tests.bundles.test_api import _apply, _bundle_messages
from tests.bundles.test_closing import RATING, _deliver, _package
from tests.cases.helpers import li_ming
from tests.conftest import auth

RETIREMENT = "YJS-03"  # 退休一件事: its 公积金 part (GJ-003) is approved at once


def _retired(env: Any) -> None:
    """The shared 人社 record says 李明 has retired (the demo's says he has not)."""
    from smarthall.cases.demo import DEMO_ID_NUMBER, DemoSharing

    with env.db.unit_of_work() as session:
        DemoSharing().put(session, department="人社", field="retirement_status", subject=DEMO_ID_NUMBER, value="已退休")


def _invitations(env: Any) -> list[tuple[str, str]]:
    with env.db.unit_of_work(write=False) as session:
        return [tuple(r) for r in session.execute(select(Invitation.subject_kind, Invitation.subject_ref)).all()]


def _told_delivered(client: Any, citizen: dict[str, str], case_no: str) -> list[str]:
    """The part's own status messages telling it delivered (its receipt at filing is not one)."""
    r = client.get("/api/v1/me/messages", headers=citizen)
    assert r.status_code == 200, r.text
    return [m["body_zh"] for m in r.json() if m["template"] == "case.status" and case_no in m["body_zh"]
            and "送达" in m["body_zh"]]  # fmt: skip


def _receipts(client: Any, citizen: dict[str, str]) -> list[str]:
    """The templates of the citizen's messages telling a filing (a bundle's part sends none: its bundle one)."""
    r = client.get("/api/v1/me/messages", headers=citizen)
    assert r.status_code == 200, r.text
    return [m["template"] for m in r.json() if m["template"] in ("case.received", "bundle.received")]


def test_newborn_bundle_from_one_form_to_one_result_one_package_and_one_rating(client: Any, env: Any) -> None:
    citizen, app = _apply(client, env)
    code, parts = app["code"], app["parts"]
    assert len({p["department_code"] for p in parts}) == 4  # four departments, each its own task
    errand = client.get("/api/v1/errands", headers=citizen).json()[0]["code"]
    for part in reversed(parts):  # in parallel: each department decides on its own, in any order
        approve_part(client, part["case_no"], part["department_code"])
    view = client.get(f"/api/v1/bundle-applications/{code}", headers=citizen).json()
    assert (view["status"], view["granted"]) == ("done", 4)  # the combined result
    assert len(_bundle_messages(client, citizen, code)) == 1
    delivered = _deliver(client, code)  # one delivery for every part
    assert [p["status"] for p in delivered["parts"]] == ["delivered"] * 4
    told = [m["template"] for m in _bundle_messages(client, citizen, code)]
    assert sorted(told) == ["bundle.delivered", "bundle.finished.done"]  # one result, one delivery
    assert _receipts(client, citizen) == ["bundle.received"]  # one receipt at filing: no part tells its own
    for part in parts:  # no part tells its own delivery
        assert _told_delivered(client, citizen, part["case_no"]) == []
    _package(client, code, parts)  # one package holding the parts
    r = client.post("/api/v1/evaluations", headers=citizen, json={"bundle_code": code, **RATING})
    assert r.status_code == 201, r.text
    assert _invitations(env) == [("bundle", code)]  # one rating asked for, for the whole bundle

    thread = client.get(f"/api/v1/errands/{errand}", headers=citizen).json()
    steps = [s["step"] for s in thread["steps"]]
    assert steps[0] == "bundle" and steps[-1] == "rating"
    assert steps.count("case") == 4 and steps.count("result") == 4 and steps.count("delivery") == 4
    assert steps.index("archive") > max(i for i, s in enumerate(steps) if s == "delivery")
    assert steps.count("archive") == 1 and thread["bundle_application"] == code


def test_an_instantly_approved_part_is_rated_and_told_only_as_its_bundle(client: Any, env: Any) -> None:
    approvers(env)
    _retired(env)
    citizen = li_ming(client)
    body = filled(client, citizen, merged_form(client, citizen, RETIREMENT), env.clock.now().date())
    body["form"] |= {"retirement_status": "已退休", "account_status": "正常缴存", "outstanding_loan": "无"}
    r = client.post("/api/v1/bundle-applications", headers=citizen, json=body)
    assert r.status_code == 201, r.text
    app = r.json()
    code, parts = app["code"], app["parts"]
    instant = next(p for p in parts if p["item_code"] == "GJ-003")
    assert instant["status"] in ("approved", "delivered"), instant
    assert _invitations(env) == []  # the part decided at filing is not invited on its own
    assert _told_delivered(client, citizen, instant["case_no"]) == []
    assert _receipts(client, citizen) == ["bundle.received"]  # nor its filing ("已送达" at once): the bundle's does
    r = client.get("/api/v1/me/messages", headers=citizen)
    received = [m["body_zh"] for m in r.json() if m["template"] == "bundle.received"]
    assert len(received) == 1 and code in received[0] and f"共{len(parts)}项" in received[0], received
    for part in parts:
        if part is not instant:
            approve_part(client, part["case_no"], part["department_code"])
    _deliver(client, code)
    assert _invitations(env) == [("bundle", code)]
    env.clock.advance(days=4)
    assert evaluation_tasks.run_invitations() == 1  # one invitation: the bundle's
    manager = auth(client, "hallmanager1")
    assert client.get(f"/api/v1/archives/{code}", headers=manager).json()["status"] == "complete"
