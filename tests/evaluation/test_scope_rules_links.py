"""Evaluation through the one scope filter and the hall's rules: forged rating links (a kiosk key and someone
else's ticket), every endpoint as an actor of another hall and of the wrong role, and hall overrides of the
invitation delay, the fix deadline and the re-ratings allowed changing behaviour."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from smarthall.evaluation.models import Invitation
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from tests.conftest import auth
from tests.evaluation.conftest import KIOSK, PAD, citizen_headers
from tests.factories import assert_problem, make_rule, make_staff

HOME, OTHER = "H-690102", "H-690123"
ZONE_DEVICE = {"X-Device-Key": "test-zone-z03-screen"}


@pytest.fixture
def other_hall(env):
    for username, role in (
        ("mgr-other", "hall_manager"),
        ("admin-other", "admin"),
        ("auditor-other", "auditor"),
        ("clerk-other", "clerk"),
    ):
        make_staff(env, username=username, role=role, hall_code=OTHER)


def _key(key: str) -> dict[str, str]:
    return {"X-Device-Key": key}


def _device(env, code: str, key: str, *, zone_code: str | None = None, window_code: str | None = None) -> None:
    """A kiosk of this hall standing in ``zone_code`` or at ``window_code``."""
    with env.db.unit_of_work() as session:
        identity_service.ensure_device(
            session,
            code=code,
            kind="kiosk",
            name="测试自助机",
            hall=org_service.hall_facts(session, HOME),
            key=key,
            zone_code=zone_code,
            window_code=window_code,
        )


class TestForgedRatingLinks:
    def test_a_kiosk_key_and_someone_elses_ticket_make_no_link(self, env, client, services):
        services.add("ticket", "701")  # finished just now at window W01 (zone Z03), for the demo citizen
        forged = client.post("/api/v1/evaluations/links", json={"ticket_id": 701}, headers=KIOSK)  # entrance zone
        assert_problem(forged, 403, "evaluation_link_not_yours")
        # a device at another window cannot either; the serving window's device can, once
        _device(env, "T-AT-W02", "test-at-w02", window_code="H-690102-W02")
        _device(env, "T-AT-W01", "test-at-w01", window_code="H-690102-W01")
        at_w02 = client.post("/api/v1/evaluations/links", json={"ticket_id": 701}, headers=_key("test-at-w02"))
        assert_problem(at_w02, 403, "evaluation_link_not_yours")
        minted = client.post("/api/v1/evaluations/links", json={"ticket_id": 701}, headers=_key("test-at-w01"))
        assert minted.status_code == 201, minted.text
        again = client.post("/api/v1/evaluations/links", json={"ticket_id": 701}, headers=_key("test-at-w01"))
        assert_problem(again, 409, "evaluation_link_already_minted")
        # a window pad holds no link permission at all
        assert_problem(
            client.post("/api/v1/evaluations/links", json={"ticket_id": 701}, headers=PAD), 403, "forbidden_role"
        )

    def test_a_device_of_the_windows_zone_may_mint_minutes_after_only(self, env, client, services):
        _device(env, "T-ZONE-Z03", "test-zone-z03-screen", zone_code="H-690102-Z03")
        services.add("ticket", "702")
        services.add("ticket", "703", finished_at=env.clock.now() - timedelta(minutes=20))
        assert client.post("/api/v1/evaluations/links", json={"ticket_id": 702}, headers=ZONE_DEVICE).status_code == 201
        late = client.post("/api/v1/evaluations/links", json={"ticket_id": 703}, headers=ZONE_DEVICE)
        assert_problem(late, 403, "evaluation_link_not_yours")
        # the minutes are a hall rule: 30 minutes in this hall and the same request succeeds
        with env.db.unit_of_work() as session:
            make_rule(session, key="evaluation.device_link_minutes", scope_code=HOME, value=30)
        later = client.post("/api/v1/evaluations/links", json={"ticket_id": 703}, headers=ZONE_DEVICE)
        assert later.status_code == 201, later.text

    def test_another_halls_staff_cannot_mint_a_link(self, env, client, services, other_hall):
        services.add("ticket", "704")
        response = client.post(
            "/api/v1/evaluations/links", json={"ticket_id": 704}, headers=auth(client, "clerk-other")
        )
        assert_problem(response, 404, "evaluation_subject_not_found")
        assert (
            client.post(
                "/api/v1/evaluations/links", json={"ticket_id": 704}, headers=auth(client, "clerk1")
            ).status_code
            == 201
        )


def _bad_rating(client, services, ref: str) -> int:
    services.add("ticket", ref)
    body = {"ticket_id": int(ref), "level": 1, "channel": "web", "comment": "等太久"}
    rated = client.post("/api/v1/evaluations", json=body, headers=citizen_headers(client))
    assert rated.status_code == 201, rated.text
    return int(rated.json()["rectification_id"])


class TestOtherHallAndWrongRole:
    def test_every_endpoint_refuses_another_hall(self, env, client, services, other_hall):
        rect_id = _bad_rating(client, services, "711")
        mgr, admin, auditor = (auth(client, u) for u in ("mgr-other", "admin-other", "auditor-other"))
        for headers in (mgr, auditor):
            for path in ("/api/v1/evaluations", "/api/v1/evaluations/stats", "/api/v1/evaluations/stats.csv"):
                assert_problem(client.get(path, params={"hall_code": HOME}, headers=headers), 403, "out_of_scope")
            assert_problem(client.get(f"/api/v1/evaluations/settings/{HOME}", headers=headers), 403, "out_of_scope")
            assert client.get("/api/v1/rectifications", headers=headers).json() == []
        assert_problem(client.get(f"/api/v1/evaluations/settings/{HOME}", headers=admin), 403, "forbidden_role")
        act = client.post(f"/api/v1/rectifications/{rect_id}/actions", json={"action": "follow_up"}, headers=mgr)
        assert_problem(act, 404, "rectification_not_found")
        appeal = client.post(f"/api/v1/rectifications/{rect_id}/actions", json={"action": "uphold"}, headers=auditor)
        assert_problem(appeal, 404, "rectification_not_found")
        put = client.put(
            f"/api/v1/evaluations/settings/{HOME}",
            json={"hall_code": HOME, "follow_up_workdays": 2, "fix_workdays": 20, "invite_after_days": 5},
            headers=admin,
        )
        assert put.status_code == 403 and put.json()["code"]
        assert (
            client.get(f"/api/v1/evaluations/settings/{HOME}", headers=auth(client, "hallmanager1")).json()[
                "fix_workdays"
            ]
            == 15
        )
        # this hall's manager sees its order
        assert [r["id"] for r in client.get("/api/v1/rectifications", headers=auth(client, "hallmanager1")).json()] == [
            rect_id
        ]

    def test_wrong_roles_are_refused(self, env, client, services):
        rect_id = _bad_rating(client, services, "712")
        clerk = auth(client, "clerk1")
        for path in ("/api/v1/evaluations", "/api/v1/evaluations/stats", "/api/v1/rectifications"):
            assert_problem(client.get(path, params={"hall_code": HOME}, headers=clerk), 403, "forbidden_role")
        body = {"hall_code": HOME, "follow_up_workdays": 2, "fix_workdays": 20, "invite_after_days": 5}
        manager = auth(client, "hallmanager1")
        assert_problem(
            client.put(f"/api/v1/evaluations/settings/{HOME}", json=body, headers=manager), 403, "forbidden_role"
        )
        uphold = client.post(f"/api/v1/rectifications/{rect_id}/actions", json={"action": "uphold"}, headers=manager)
        assert_problem(uphold, 403, "forbidden_role")
        assert_problem(client.get("/api/v1/evaluations/pad/next", headers=clerk), 403, "device_only")


class TestRulesPerHall:
    def test_the_invitation_delay_is_the_halls_rule(self, env, client, services):
        with env.db.unit_of_work() as session:
            make_rule(session, key="evaluation.invite_after_days", scope_code=HOME, value=1)
        subject = services.add("ticket", "721")
        services.finish_ticket(721)
        with env.db.unit_of_work(write=False) as session:
            due = session.execute(select(Invitation.due_at).where(Invitation.subject_ref == "721")).scalar_one()
        assert subject.finished_at is not None
        assert due == subject.finished_at + timedelta(days=1)

    def test_the_fix_deadline_is_the_halls_rule(self, env, client, services):
        manager = auth(client, "hallmanager1")
        first = _bad_rating(client, services, "722")
        with env.db.unit_of_work() as session:
            make_rule(session, key="evaluation.fix_workdays", scope_code=HOME, value=3)
        second = _bad_rating(client, services, "723")
        orders = {r["id"]: r for r in client.get("/api/v1/rectifications", headers=manager).json()}
        assert orders[first]["fix_due"] == "2026-12-21"  # 15 working days from Monday 30 November
        assert orders[second]["fix_due"] == "2026-12-03"  # 3 working days

    def test_no_rerating_where_the_hall_allows_none(self, env, client, services):
        with env.db.unit_of_work() as session:
            make_rule(session, key="evaluation.reratings_allowed", scope_code=HOME, value=0)
        rect_id = _bad_rating(client, services, "724")
        manager = auth(client, "hallmanager1")
        for action, note in (("follow_up", ""), ("rectify", "已整改")):
            moved = client.post(
                f"/api/v1/rectifications/{rect_id}/actions", json={"action": action, "note": note}, headers=manager
            )
            assert moved.status_code == 200, moved.text
        again = client.post(
            "/api/v1/evaluations",
            json={"ticket_id": 724, "level": 5, "channel": "web"},
            headers=citizen_headers(client),
        )
        assert_problem(again, 409, "evaluation_already_rated")
