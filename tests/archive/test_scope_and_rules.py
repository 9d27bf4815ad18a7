"""The archive through the one scope filter and the hall's rules: every endpoint as an actor of another hall and of
the wrong role, a page never short, and retention classes as the hall's ``archive.retention_years`` rule."""

from __future__ import annotations

from datetime import date

import pytest

from smarthall.archive.models import Disposal, Package
from smarthall.org import service as org_service
from tests.conftest import auth
from tests.factories import assert_problem, make_staff

HOME, OTHER = "H-690102", "H-690123"


def _package(session, case_no: str, hall_code: str, *, retain_until: date | None = date(2030, 12, 31)) -> Package:
    hall = org_service.hall_facts(session, hall_code)
    pkg = Package(
        case_no=case_no,
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        item_code="RS-001",
        item_type="公共服务",
        status="complete",
        retention="10y",
        retain_until=retain_until,
        rel_path=case_no,
    )
    session.add(pkg)
    session.flush()
    return pkg


@pytest.fixture
def other_hall(env):
    """A manager, an admin and an auditor of another county's hall."""
    for username, role in (("mgr-other", "hall_manager"), ("admin-other", "admin"), ("auditor-other", "auditor")):
        make_staff(env, username=username, role=role, hall_code=OTHER)


def test_a_page_is_never_short_when_other_halls_hold_newer_packages(env, client):
    with env.db.unit_of_work() as session:
        for n in range(3):
            _package(session, f"A-HOME-{n}", HOME)
        for n in range(5):  # newer rows of another county: LIMIT before the scope would have returned nothing
            _package(session, f"A-OTHER-{n}", OTHER)
    manager = auth(client, "hallmanager1")
    page = client.get("/api/v1/archives", params={"limit": 2}, headers=manager)
    assert page.status_code == 200
    assert [p["case_no"] for p in page.json()] == ["A-HOME-2", "A-HOME-1"]
    rest = client.get("/api/v1/archives", params={"limit": 2, "offset": 2}, headers=manager).json()
    assert [p["case_no"] for p in rest] == ["A-HOME-0"]


def test_every_archive_endpoint_refuses_another_hall(env, client, other_hall):
    with env.db.unit_of_work() as session:
        pkg = _package(session, "A-HOME-9", HOME, retain_until=date(2020, 12, 31))
        disposal = Disposal(package_id=pkg.id, proposed_by="staff:hallmanager1", proposed_at=env.clock.now())
        session.add(disposal)
        session.flush()
        disposal_id = disposal.id
    mgr, admin, auditor = (auth(client, u) for u in ("mgr-other", "admin-other", "auditor-other"))
    for headers in (mgr, admin, auditor):
        assert client.get("/api/v1/archives", headers=headers).json() == []
        assert client.get("/api/v1/archives/disposals", headers=headers).json() == []
        assert client.get("/api/v1/archives/disposals/due", headers=headers).json() == []
        assert_problem(client.get("/api/v1/archives/A-HOME-9", headers=headers), 404, "archive_not_found")
    assert_problem(client.get("/api/v1/archives/A-HOME-9/export", headers=mgr), 404, "archive_not_found")
    assert_problem(client.post("/api/v1/archives/A-HOME-9/checks", headers=auditor), 404, "archive_not_found")
    proposal = client.post("/api/v1/archives/disposals", json={"case_nos": ["A-HOME-9"]}, headers=mgr)
    assert_problem(proposal, 404, "archive_not_found")
    decision = client.post(
        f"/api/v1/archives/disposals/{disposal_id}/decision", json={"action": "approve"}, headers=admin
    )
    assert_problem(decision, 404, "archive_not_found")
    # this hall still sees its own
    home = auth(client, "hallmanager1")
    assert [d["id"] for d in client.get("/api/v1/archives/disposals", headers=home).json()] == [disposal_id]
    assert [p["case_no"] for p in client.get("/api/v1/archives/disposals/due", headers=home).json()] == ["A-HOME-9"]


def test_wrong_roles_are_refused(env, client):
    clerk, auditor, manager = auth(client, "clerk1"), auth(client, "auditor1"), auth(client, "hallmanager1")
    assert_problem(client.get("/api/v1/archives", headers=clerk), 403, "forbidden_role")
    assert_problem(client.get("/api/v1/archives/disposals", headers=clerk), 403, "forbidden_role")
    assert_problem(client.get("/api/v1/archives/X-1/export", headers=auditor), 403, "forbidden_role")
    assert_problem(client.post("/api/v1/archives/X-1/checks", headers=manager), 403, "forbidden_role")
    assert_problem(
        client.post("/api/v1/archives/disposals", json={"case_nos": ["X-1"]}, headers=auditor), 403, "forbidden_role"
    )
    assert_problem(
        client.post("/api/v1/archives/disposals/1/decision", json={"action": "approve"}, headers=manager),
        403,
        "forbidden_role",
    )
    body = {"scope": "type:公共服务", "retention": "30y"}
    assert_problem(client.put("/api/v1/archives/retention-rules", json=body, headers=manager), 403, "forbidden_role")


def test_another_halls_admin_cannot_change_this_halls_retention(env, client, other_hall):
    body = {"scope": "type:公共服务", "retention": "30y", "hall_code": HOME}
    refused = client.put("/api/v1/archives/retention-rules", json=body, headers=auth(client, "admin-other"))
    assert refused.status_code == 403 and refused.json()["code"] and refused.json()["message_zh"]
    rules = client.get("/api/v1/rules", params={"hall_code": HOME}, headers=auth(client, "admin1")).json()["rules"]
    years = next(r for r in rules if r["key"] == "archive.retention_years")
    assert years["level"] == "platform" and years["value"]["default"] == 10


def test_a_hall_override_of_retention_changes_the_class_of_its_packages_only(env, client, cases, other_hall):
    own = {"scope": "type:公共服务", "retention": "30y"}  # the admin's own hall by default
    assert (
        client.put("/api/v1/archives/retention-rules", json=own, headers=auth(client, "admin-other")).status_code == 204
    )
    rules = client.get("/api/v1/rules", params={"hall_code": OTHER}, headers=auth(client, "admin-other")).json()
    effective = next(r for r in rules["rules"] if r["key"] == "archive.retention_years")
    assert effective["level"] == "hall" and effective["value"]["公共服务"] == 30
    cases.add("C20261130401", item_code="RS-001", item_type="公共服务", hall_code=OTHER)
    cases.finish("C20261130401")
    cases.add("C20261130402", item_code="RS-001", item_type="公共服务", hall_code=HOME)
    cases.finish("C20261130402")
    theirs = client.get("/api/v1/archives/C20261130401", headers=auth(client, "mgr-other")).json()
    ours = client.get("/api/v1/archives/C20261130402", headers=auth(client, "hallmanager1")).json()
    assert (theirs["retention"], theirs["retain_until"]) == ("30y", "2056-12-31")
    assert (ours["retention"], ours["retain_until"]) == ("10y", "2036-12-31")


def test_rule_replay_lists_no_case_number_of_another_hall(env, client, other_hall):
    from tests.cases.helpers import li_ming, sc003

    headers = li_ming(client)
    sc003(client, headers)
    home = client.post("/api/v1/items/SC-003/rules/replay", headers=auth(client, "hallmanager1"))
    assert home.status_code == 200 and len(home.json()) == 1
    for username in ("mgr-other", "admin-other"):
        response = client.post("/api/v1/items/SC-003/rules/replay", headers=auth(client, username))
        assert response.status_code in (200, 403), response.text
        if response.status_code == 200:
            assert response.json() == []
        assert home.json()[0]["case_no"] not in response.text
