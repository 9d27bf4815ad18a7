"""Holiday calendar overrides down the hall tree: the nearest scope decides a day, the list says where each mark is
set, changes are made at a scope one manages and audited, and working-day arithmetic follows at once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from smarthall.audit.models import AuditEvent
from smarthall.org import calendar
from smarthall.org import service as org_service
from tests.conftest import auth
from tests.factories import assert_problem, make_calendar_day, make_staff

HALL = "H-690102"  # county 690102 in city 690100, province 690000
STATION = "H-690102001"
TUESDAY = date(2026, 12, 1)  # an ordinary working day
SATURDAY = date(2026, 12, 5)
URL = f"/api/v1/halls/{HALL}/calendar-overrides"


def _entries(client, headers, hall=HALL, **params):
    response = client.get(f"/api/v1/halls/{hall}/calendar-overrides", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [
        (e["day"], e["scope_code"], e["level"], e["is_workday"], e["effective"]) for e in response.json()["entries"]
    ]


def _put(client, headers, scope, day, is_workday, note=""):
    return client.put(
        f"/api/v1/calendar-overrides/{scope}/{day.isoformat()}",
        json={"is_workday": is_workday, "note": note},
        headers=headers,
    )


class TestHallOverrides:
    def test_the_nearest_scope_decides_and_the_list_says_where_each_comes_from(self, env, client):
        with env.db.unit_of_work() as session:
            make_calendar_day(session, scope_code="690000", day=TUESDAY, is_workday=False, note="省纪念日")
            make_calendar_day(session, scope_code=HALL, day=TUESDAY, is_workday=True, note="大厅照常")
            make_calendar_day(session, scope_code="690102", day=SATURDAY, is_workday=True, note="县调休")
        manager = auth(client, "hallmanager1")
        assert _entries(client, manager) == [
            ("2026-12-01", HALL, "hall", True, True),
            ("2026-12-01", "690000", "province", False, False),
            ("2026-12-05", "690102", "county", True, True),
        ]
        # The township station inherits the province's day off and the county's working Saturday, not the hall's.
        assert _entries(client, manager, STATION) == [
            ("2026-12-01", "690000", "province", False, True),
            ("2026-12-05", "690102", "county", True, True),
        ]
        first = client.get(URL, headers=manager).json()["entries"][0]
        assert first["scope_name"] == "澜湖区政务服务中心" and first["official_workday"] is True

    def test_working_day_arithmetic_follows_the_effective_marks(self, env):
        with env.db.unit_of_work() as session:
            make_calendar_day(session, scope_code="690000", day=TUESDAY, is_workday=False)
        with env.db.session(write=False) as session:
            hall = org_service.hall_facts(session, HALL)
            assert org_service.is_workday(session, HALL, TUESDAY) is False
            assert org_service.working_calendar(session, hall).add_workdays(date(2026, 11, 30), 1) == date(2026, 12, 2)

    def test_a_window_of_dates_can_be_asked_for(self, env, client):
        with env.db.unit_of_work() as session:
            make_calendar_day(session, scope_code=HALL, day=TUESDAY, is_workday=False)
            make_calendar_day(session, scope_code=HALL, day=date(2027, 3, 1), is_workday=False)
        manager = auth(client, "hallmanager1")
        assert [e[0] for e in _entries(client, manager, **{"from": "2027-01-01", "to": "2027-12-31"})] == ["2027-03-01"]
        bad = client.get(URL, params={"from": "2027-01-01", "to": "2026-01-01"}, headers=manager)
        assert_problem(bad, 422, "calendar_range_invalid")
        assert_problem(client.get(URL, params={"from": "soon"}, headers=manager), 422, "validation_error")

    def test_only_staff_who_see_the_hall_may_read_it(self, env, client):
        make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690123")
        assert_problem(client.get(URL, headers=auth(client, "othermanager")), 403, "out_of_scope")
        assert_problem(client.get(URL, headers=auth(client, "clerk1")), 403, "forbidden_role")
        assert_problem(
            client.get("/api/v1/halls/H-NOPE/calendar-overrides", headers=auth(client, "admin1")),
            404,
            "hall_not_found",
        )


class TestSetDay:
    def test_an_administrator_marks_a_day_at_the_county_audited(self, env, client):
        admin = auth(client, "admin1")
        r = _put(client, admin, "690102", TUESDAY, False, "防汛")
        assert r.status_code == 200 and r.json() == {
            "scope_code": "690102",
            "day": "2026-12-01",
            "is_workday": False,
            "note": "防汛",
        }
        assert _put(client, admin, "690102", TUESDAY, True).status_code == 200  # replaces its earlier mark
        assert _entries(client, admin) == [("2026-12-01", "690102", "county", True, True)]
        with env.db.session(write=False) as session:
            details = list(
                session.execute(select(AuditEvent.detail).where(AuditEvent.action == "calendar.set")).scalars()
            )
        assert [(d["is_workday"], d["previous"]) for d in details] == [(False, None), (True, False)]

    def test_the_cached_working_day_follows_a_change_at_once(self, env, client):
        with env.db.session(write=False) as session:
            assert org_service.is_workday(session, HALL, TUESDAY) is True  # cached now
        assert _put(client, auth(client, "admin1"), HALL, TUESDAY, False).status_code == 200
        with env.db.session(write=False) as session:
            assert org_service.is_workday(session, HALL, TUESDAY) is False

    def test_only_a_scope_one_manages(self, env, client):
        admin = auth(client, "admin1")
        for scope in ("690100", "690000", "H-690123", "690123"):  # above one's region, or a sibling's
            assert_problem(_put(client, admin, scope, TUESDAY, False), 403, "out_of_scope")
        assert_problem(_put(client, admin, "H-NOPE", TUESDAY, False), 404, "unknown_scope")
        for user in ("hallmanager1", "auditor1", "clerk1"):
            assert_problem(_put(client, auth(client, user), HALL, TUESDAY, False), 403, "forbidden_role")
        bad = client.put(f"/api/v1/calendar-overrides/{HALL}/2026-13-01", json={"is_workday": True}, headers=admin)
        assert_problem(bad, 422, "validation_error")
        assert _entries(client, admin) == []


class TestClearDay:
    def test_clearing_hands_the_day_back_to_the_scopes_above(self, env, client):
        with env.db.unit_of_work() as session:
            make_calendar_day(session, scope_code="690000", day=TUESDAY, is_workday=False)
            make_calendar_day(session, scope_code="690102", day=TUESDAY, is_workday=True)
        admin = auth(client, "admin1")
        assert client.delete(f"/api/v1/calendar-overrides/690102/{TUESDAY}", headers=admin).status_code == 204
        assert _entries(client, admin) == [("2026-12-01", "690000", "province", False, True)]
        missing = client.delete(f"/api/v1/calendar-overrides/690102/{TUESDAY}", headers=admin)
        assert_problem(missing, 404, "calendar_override_not_found")
        assert_problem(
            client.delete(f"/api/v1/calendar-overrides/690000/{TUESDAY}", headers=admin), 403, "out_of_scope"
        )

    def test_the_service_refuses_a_scope_out_of_reach_and_keeps_the_day(self, env):
        import pytest

        from smarthall.core.tenancy import Actor
        from smarthall.org.errors import ScopeNotManaged

        stranger = Actor(kind="staff", id=1, role="admin", hall_id=999, region_path="690000/690200/")
        with env.db.unit_of_work() as session:
            make_calendar_day(session, scope_code=HALL, day=TUESDAY, is_workday=False)
        with pytest.raises(ScopeNotManaged), env.db.unit_of_work() as session:
            calendar.clear_override(session, stranger, scope_code=HALL, day=TUESDAY, now=env.clock.now())
        with env.db.session(write=False) as session:
            assert org_service.is_workday(session, HALL, TUESDAY) is False
