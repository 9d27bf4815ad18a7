"""Staff and roles: never through catalog import; through the staff API, hall-scoped, audited, with no self-changes
and administrator ⟂ auditor by person (issue 12, item 2). Each test attacks the way the hole was found."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from smarthall.demo import demo_catalog_text
from smarthall.identity.models import Staff
from tests.conftest import auth
from tests.factories import assert_problem, make_id_number, make_staff


def _catalog(mutate: Any) -> bytes:
    data = json.loads(demo_catalog_text())
    mutate(data)
    return json.dumps(data, ensure_ascii=False).encode()


def _role(env: Any, username: str) -> str:
    with env.db.unit_of_work() as session:
        return str(session.execute(select(Staff.role).where(Staff.username == username)).scalar_one())


def _new(client: Any, headers: dict[str, str], **overrides: Any) -> Any:
    body = {"username": "newclerk", "name": "孙八", "id_number": make_id_number(), "role": "clerk"}
    body.update({"hall_code": "H-690102", **overrides})
    return client.post("/api/v1/staff", json=body, headers=headers)


def _console_auditor(env: Any, *, username: str, id_number: str) -> None:
    """An auditor account opened by the console operator (the system actor), as ``smarthall staff import`` does."""
    from smarthall.identity import staffing
    from smarthall.identity.schemas import StaffCreate
    from tests.conftest import DEFAULT_NOW
    from tests.factories import system

    body = StaffCreate(username=username, name="审计乙", id_number=id_number, role="auditor", hall_code="H-690102")
    with env.db.unit_of_work() as session:
        staffing.create_staff(session, system(), body, now=DEFAULT_NOW)


class TestImportIsNotAStaffTool:
    def test_the_found_attack_import_own_row_as_auditor_then_read_the_audit_trail_is_refused(self, env, client):
        admin = auth(client, "admin1")

        def as_auditor(data: dict[str, Any]) -> None:
            next(s for s in data["staff"] if s["username"] == "admin1")["role"] = "auditor"

        refused = client.post("/api/v1/catalog/import", content=_catalog(as_auditor), headers=admin)
        body = assert_problem(refused, 403, "catalog_staff_refused")
        assert body["detail"]["staff"] == ["admin1"]
        assert _role(env, "admin1") == "admin"
        assert_problem(client.get("/api/v1/audit/events", headers=auth(client, "admin1")), 403, "forbidden_role")

    def test_import_creates_no_staff_and_leaves_another_citys_hall_alone(self, env, client):
        admin = auth(client, "admin1")
        extra = {"code": "X-1", "username": "intruder", "name": "赵六", "role": "auditor", "hall_code": "H-690102"}
        created = client.post(
            "/api/v1/catalog/import", content=_catalog(lambda d: d["staff"].append(extra)), headers=admin
        )
        assert_problem(created, 403, "catalog_staff_refused")
        before = client.get("/api/v1/halls/H-690200").json()["opening_hours"]

        def other_city(data: dict[str, Any]) -> None:
            hall = next(h for h in data["halls"] if h["code"] == "H-690200")
            hall["opening_hours"] = {"mon": ["00:00", "00:01"]}

        body = assert_problem(
            client.post("/api/v1/catalog/import", content=_catalog(other_city), headers=admin),
            403,
            "catalog_out_of_scope",
        )
        assert {"kind": "halls", "code": "H-690200", "change": "updated"} in body["detail"]["outside"]
        assert client.get("/api/v1/halls/H-690200").json()["opening_hours"] == before

        def province_item(data: dict[str, Any]) -> None:
            next(i for i in data["items"] if i["code"] == "GA-001")["promised_limit_workdays"] = 0

        body = assert_problem(
            client.post("/api/v1/catalog/import", content=_catalog(province_item), headers=admin),
            403,
            "catalog_out_of_scope",
        )
        assert body["detail"]["outside"] == [{"kind": "items", "code": "GA-001", "change": "updated"}]

    def test_import_within_ones_own_part_of_the_tree_goes_through(self, env, client):
        def own_hall(data: dict[str, Any]) -> None:
            next(h for h in data["halls"] if h["code"] == "H-690102")["hotline"] = "0690-12345678"
            next(h for h in data["halls"] if h["code"] == "H-690102001")["hotline"] = "0690-87654321"

        done = client.post("/api/v1/catalog/import", content=_catalog(own_hall), headers=auth(client, "admin1"))
        assert done.status_code == 200, done.text
        assert done.json()["updated"]["halls"] == 2
        assert client.get("/api/v1/halls/H-690102").json()["hotline"] == "0690-12345678"

    def test_an_approver_without_department_is_a_fault_of_the_file(self, env):
        from smarthall.catalog.errors import CatalogInvalid
        from smarthall.catalog.importer import parse_catalog

        def orphan(data: dict[str, Any]) -> None:
            next(s for s in data["staff"] if s["username"] == "approver1")["department_code"] = None

        try:
            parse_catalog(_catalog(orphan).decode())
        except CatalogInvalid as exc:
            assert any("approver" in f["message"] for f in exc.detail)
        else:
            raise AssertionError("an approver without a department was accepted")


class TestStaffApi:
    def test_admin_creates_a_member_of_own_hall_who_can_log_in_and_it_is_audited(self, env, client):
        created = _new(client, auth(client, "admin1"))
        assert created.status_code == 201, created.text
        row = created.json()
        assert row["role"] == "clerk" and "*" in row["name_masked"]
        login = client.post("/api/v1/auth/token", data={"username": "newclerk", "password": row["initial_password"]})
        assert login.status_code == 200
        events = client.get("/api/v1/audit/events?action=staff.create", headers=auth(client, "auditor1")).json()
        assert events and events[0]["target_id"] == row["code"] and "孙八" not in json.dumps(events)

    def test_no_one_changes_their_own_account(self, env, client):
        me = client.get("/api/v1/staff?limit=500", headers=auth(client, "admin1")).json()
        own = next(s for s in me if s["username"] == "admin1")
        changed = client.patch(f"/api/v1/staff/{own['code']}", json={"role": "auditor"}, headers=auth(client, "admin1"))
        assert_problem(changed, 403, "staff_self_change")
        assert _role(env, "admin1") == "admin"

    def test_no_one_changes_an_account_of_the_same_person(self, env, client):
        person = make_id_number()
        admin = auth(client, "admin1")
        second = _new(client, admin, username="admin1b", role="admin", id_number=person)
        assert second.status_code == 201, second.text
        other = _new(client, admin, username="sameguide", role="guide", id_number=person).json()
        alter_ego = {"Authorization": auth(client, "admin1b", second.json()["initial_password"])["Authorization"]}
        changed = client.patch(f"/api/v1/staff/{other['code']}", json={"role": "hall_manager"}, headers=alter_ego)
        assert_problem(changed, 403, "staff_self_change")

    def test_administrator_and_auditor_are_different_people(self, env, client):
        admin = auth(client, "admin1")
        person = make_id_number()
        _console_auditor(env, username="auditor2", id_number=person)  # auditors come from the console
        # the same person as an administrator: refused, though it is another account
        assert_problem(
            _new(client, admin, username="admin2", role="admin", id_number=person), 409, "separation_of_duties"
        )
        # the same person as a clerk is fine, but that clerk account may not be made an administrator
        clerk = _new(client, admin, username="clerk2b", role="clerk", id_number=person).json()
        assert_problem(
            client.patch(f"/api/v1/staff/{clerk['code']}", json={"role": "admin"}, headers=admin),
            409,
            "separation_of_duties",
        )
        # an administrator account never becomes the auditor directly (and an administrator grants no auditor role)
        admin3 = _new(client, admin, username="admin3", role="admin").json()
        assert_problem(
            client.patch(f"/api/v1/staff/{admin3['code']}", json={"role": "auditor"}, headers=admin),
            403,
            "separation_of_duties_grantor",
        )
        # an administrator or auditor needs the person on file
        legacy = client.patch("/api/v1/staff/H-690102-S04", json={"role": "admin"}, headers=admin)  # guide1
        assert_problem(legacy, 422, "staff_id_number_required")
        # and the administrator does not touch the auditor's account at all
        auditor = client.patch("/api/v1/staff/H-690102-S03", json={"role": "admin"}, headers=admin)
        assert_problem(auditor, 403, "separation_of_duties_grantor")
        assert _role(env, "auditor1") == "auditor"

    def test_approvers_are_bound_to_departments(self, env, client):
        admin = auth(client, "admin1")
        assert_problem(_new(client, admin, role="approver"), 422, "approver_department_required")
        made = _new(client, admin, role="approver", department_code="SC", username="approver9")
        assert made.status_code == 201, made.text
        code = made.json()["code"]
        unbound = client.patch(f"/api/v1/staff/{code}", json={"clear_department": True}, headers=admin)
        assert_problem(unbound, 422, "approver_department_required")
        moved = client.patch(f"/api/v1/staff/{code}", json={"department_code": "MZ"}, headers=admin)
        assert moved.status_code == 200 and moved.json()["department_code"] == "MZ"

    def test_another_halls_admin_and_wrong_roles_are_refused(self, env, client):
        make_staff(env, username="cityadmin", role="admin", hall_code="H-690200")
        staff = client.get("/api/v1/staff?limit=500", headers=auth(client, "admin1")).json()
        clerk = next(s for s in staff if s["username"] == "clerk1")
        other = auth(client, "cityadmin")
        assert_problem(
            client.patch(f"/api/v1/staff/{clerk['code']}", json={"role": "guide"}, headers=other),
            404,
            "staff_not_found",
        )
        assert_problem(client.get(f"/api/v1/staff/{clerk['code']}", headers=other), 404, "staff_not_found")
        assert_problem(_new(client, other, hall_code="H-690102"), 403, "out_of_scope")
        for username in ("clerk2", "hallmanager1", "auditor1"):
            assert_problem(
                client.patch(f"/api/v1/staff/{clerk['code']}", json={"role": "guide"}, headers=auth(client, username)),
                403,
                "forbidden_role",
            )
        assert _role(env, "clerk1") == "clerk"

    def test_a_role_change_takes_effect_and_is_audited(self, env, client):
        admin = auth(client, "admin1")
        staff = client.get("/api/v1/staff?limit=500", headers=admin).json()
        guide = next(s for s in staff if s["username"] == "guide2")
        changed = client.patch(f"/api/v1/staff/{guide['code']}", json={"role": "hall_manager"}, headers=admin)
        assert changed.status_code == 200 and changed.json()["role"] == "hall_manager"
        me = client.get("/api/v1/me", headers=auth(client, "guide2")).json()
        assert me["role"] == "hall_manager"
        events = client.get("/api/v1/audit/events?action=staff.change", headers=auth(client, "auditor1")).json()
        assert events[0]["target_id"] == guide["code"]
        assert events[0]["detail"]["changed"]["role"] == ["guide", "hall_manager"]


class TestTheAdministratorIsNotTheAuditor:
    """attack12 probe: ``admin1`` opened an auditor account under an invented (valid) ID number, got its initial
    password in the answer, logged in with it and read the audit trail: administrator ⟂ auditor "by person" held
    only for persons the administrator told the truth about. An administrator now opens, grants and changes no
    auditor account (403 ``separation_of_duties_grantor``); the console provisions auditors."""

    def test_the_found_attack_open_an_auditor_account_and_read_the_trail_is_refused(self, env, client):
        admin = auth(client, "admin1")
        made = _new(client, admin, username="sockpuppet", role="auditor", id_number=make_id_number())
        assert_problem(made, 403, "separation_of_duties_grantor")
        login = client.post("/api/v1/auth/token", data={"username": "sockpuppet", "password": "x"})
        assert_problem(login, 401, "invalid_credentials")  # no such account
        assert_problem(client.get("/api/v1/audit/events", headers=admin), 403, "forbidden_role")

    def test_nor_through_a_clerk_account_whose_password_the_administrator_holds(self, env, client):
        admin = auth(client, "admin1")
        opened = _new(client, admin, username="puppetclerk", role="clerk", id_number=make_id_number())
        assert opened.status_code == 201, opened.text
        promoted = client.patch(f"/api/v1/staff/{opened.json()['code']}", json={"role": "auditor"}, headers=admin)
        assert_problem(promoted, 403, "separation_of_duties_grantor")
        puppet = auth(client, "puppetclerk", opened.json()["initial_password"])
        assert_problem(client.get("/api/v1/audit/events", headers=puppet), 403, "forbidden_role")
        assert _role(env, "puppetclerk") == "clerk"

    def test_an_administrator_does_not_switch_off_or_move_the_auditor(self, env, client):
        admin = auth(client, "admin1")
        staff = client.get("/api/v1/staff?limit=500", headers=admin).json()
        auditor = next(s for s in staff if s["username"] == "auditor1")
        for change in ({"active": False}, {"role": "guide"}):
            answer = client.patch(f"/api/v1/staff/{auditor['code']}", json=change, headers=admin)
            assert_problem(answer, 403, "separation_of_duties_grantor")
        assert _role(env, "auditor1") == "auditor"
        assert client.get("/api/v1/audit/events", headers=auth(client, "auditor1")).status_code == 200

    def test_the_console_still_opens_auditors_and_the_admin_still_opens_other_staff(self, env, client):
        _console_auditor(env, username="auditor3", id_number=make_id_number())
        assert _role(env, "auditor3") == "auditor"
        admin = auth(client, "admin1")
        for role in ("admin", "hall_manager", "clerk"):
            made = _new(client, admin, username=f"ok{role.replace('_', '')}", role=role, id_number=make_id_number())
            assert made.status_code == 201, made.text
