"""Help requests (帮办): creation from each source, assignment by zone/skill/load, states and times, links,
role and hall denials, and the served-subject contract."""

from __future__ import annotations

from typing import Any

from tests.conftest import auth
from tests.factories import assert_problem, register_citizen


def staff_id(client: Any, username: str) -> int:
    me = client.get("/api/v1/me", headers=auth(client, username)).json()
    return int(me["id"])


def create(client: Any, headers: dict[str, str] | None = None, **body: Any) -> Any:
    payload = {"hall_code": "H-690102", **body}
    return client.post("/api/v1/help-requests", json=payload, headers=headers or {})


def test_anonymous_kiosk_request_is_assigned_to_the_specialist_then_balanced(client: Any) -> None:
    first = create(client, source="kiosk", item_code="GA-001", description="不会用自助机")
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "assigned" and body["zone_code"] == "H-690102-Z01" and body["skill"] == "GA"
    assert body["assigned_staff_id"] == staff_id(client, "guide3")  # 帮办代办专员 in the guide zone
    second = create(client, source="web").json()
    assert second["assigned_staff_id"] == staff_id(client, "guide1")  # same zone, lighter load
    third = create(client, source="web").json()
    assert third["assigned_staff_id"] in {staff_id(client, "guide3"), staff_id(client, "guide2")}


def test_lifecycle_with_times_and_links(client: Any, env: Any) -> None:
    helper = auth(client, "guide3")
    rid = create(client, auth(client, "guide1"), source="guide_desk", item_code="BD-001").json()["id"]
    env.clock.advance(minutes=2)
    started = client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "start"}, headers=helper)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "in_progress" and started.json()["started_at"]
    linked = client.post(
        f"/api/v1/help-requests/{rid}/actions", json={"action": "link", "ticket_ref": "A001"}, headers=helper
    )
    assert linked.json()["ticket_ref"] == "A001"
    env.clock.advance(minutes=10)
    done = client.post(
        f"/api/v1/help-requests/{rid}/actions", json={"action": "finish", "case_ref": "BD2026000001"}, headers=helper
    ).json()
    assert done["status"] == "done" and done["case_ref"] == "BD2026000001" and done["ticket_ref"] == "A001"
    assert done["finished_at"] > done["started_at"] > done["opened_at"]
    again = client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "start"}, headers=helper)
    assert again.status_code == 409 and again.json()["code"] == "help_request_bad_transition"
    listed = client.get("/api/v1/help-requests?status=done", headers=helper).json()
    assert [r["id"] for r in listed] == [rid]


def test_served_subject_of_a_finished_help_request(client: Any, env: Any) -> None:
    from smarthall.assist import service  # noqa: F401  (registers the resolver)
    from smarthall.core.subjects import resolve_subject

    _, citizen = register_citizen(client)
    rid = create(client, citizen, source="web", item_code="RS-002").json()["id"]
    helper = auth(client, "guide3")
    with env.session() as session:
        open_subject = resolve_subject(session, "help_request", str(rid))
        assert open_subject is not None and open_subject.finished_at is None
    client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "start"}, headers=helper)
    client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "finish"}, headers=helper)
    me = client.get("/api/v1/me", headers=citizen).json()
    with env.session() as session:
        subject = resolve_subject(session, "help_request", str(rid))
    assert subject is not None
    assert subject.kind == "help_request" and subject.hall_code == "H-690102" and subject.finished_at is not None
    assert subject.staff_id == staff_id(client, "guide3") and subject.citizen_id == me["id"]
    assert subject.item_code == "RS-002" and subject.department_code == "RS"


def test_citizen_sees_and_cancels_only_their_own(client: Any) -> None:
    _, alice = register_citizen(client)
    _, bob = register_citizen(client)
    rid = create(client, alice, description="<script>x</script>").json()["id"]
    assert_problem(client.get(f"/api/v1/help-requests/{rid}", headers=bob), 404, "help_request_not_found")
    assert_problem(
        client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "start"}, headers=alice),
        403,
        "citizen_cancel_only",
    )
    r = client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "cancel"}, headers=alice)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["cancelled_at"]
    assert [x["id"] for x in client.get("/api/v1/help-requests", headers=alice).json()] == [rid]
    assert client.get("/api/v1/help-requests", headers=bob).json() == []


def test_denials_wrong_role_wrong_hall_anonymous(client: Any) -> None:
    rid = create(client, source="web").json()["id"]
    assert_problem(client.get("/api/v1/help-requests"), 401, "unauthorized")
    assert_problem(
        create(client, auth(client, "auditor1")), 403, "forbidden_role"
    )  # oversight roles do not raise requests
    # a clerk may raise requests but not handle them
    r = client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": "start"}, headers=auth(client, "clerk1"))
    assert_problem(r, 403, "forbidden_role")
    # staff of another hall cannot see or raise requests for this hall
    other = _other_hall_guide(client)
    if other:
        assert_problem(
            client.get(f"/api/v1/help-requests/{rid}", headers=auth(client, other)), 404, "help_request_not_found"
        )
        assert_problem(create(client, auth(client, other)), 403, "out_of_scope")


def _other_hall_guide(client: Any) -> str | None:
    import json
    from pathlib import Path

    catalog = json.loads((Path(__file__).resolve().parents[2] / "src/smarthall/data/catalog.json").read_text("utf-8"))
    for s in catalog["staff"]:
        if s["role"] in ("guide", "clerk") and s["hall_code"] != "H-690102":
            return str(s["username"])
    return None


def test_bad_input_is_4xx(client: Any) -> None:
    assert_problem(create(client, hall_code="H-NOPE"), 422, "unknown_hall")
    assert_problem(create(client, item_code="NOPE-1"), 422, "unknown_item")
    assert_problem(create(client, phone="12345"), 422, "invalid_phone")
    assert_problem(create(client, source="telepathy"), 422, "validation_error")
    assert_problem(
        client.post("/api/v1/help-requests/999999/actions", json={"action": "start"}, headers=auth(client, "guide1")),
        404,
        "help_request_not_found",
    )


def test_scope_is_the_hall_and_for_supervising_roles_the_halls_beneath(client: Any, env: Any) -> None:
    from tests.factories import assert_problem, make_staff

    make_staff(env, username="townguide", role="guide", hall_code="H-690102001")
    make_staff(env, username="farguide", role="guide", hall_code="H-690123")
    town = create(client, hall_code="H-690102001", source="web", description="乡镇")
    county = create(client, source="web", description="区县")
    assert town.status_code == county.status_code == 201
    tid, cid = town.json()["id"], county.json()["id"]

    def listed(username: str) -> set[int]:
        return {r["id"] for r in client.get("/api/v1/help-requests", headers=auth(client, username)).json()}

    for supervisor in ("hallmanager1", "admin1", "auditor1"):  # core.tenancy.SUPERVISING_ROLES
        assert {tid, cid} <= listed(supervisor), supervisor
    assert cid in listed("guide1") and tid not in listed("guide1")  # a guide sees their own hall only
    assert tid in listed("townguide") and cid not in listed("townguide")
    assert not {tid, cid} & listed("farguide")
    far = auth(client, "farguide")
    assert_problem(client.get(f"/api/v1/help-requests/{cid}", headers=far), 404, "help_request_not_found")
    act = client.post(f"/api/v1/help-requests/{cid}/actions", json={"action": "start"}, headers=far)
    assert_problem(act, 404, "help_request_not_found")
    assert_problem(create(client, far), 403, "out_of_scope")


def test_numbers_typed_into_the_description_are_masked_before_storage(client: Any, env: Any) -> None:
    from sqlalchemy import text

    r = create(client, source="web", description="身份证690102195001011234,电话13912345678", phone="13800001111")
    assert r.status_code == 201
    with env.db.engine.connect() as conn:
        row = conn.execute(
            text("SELECT description, contact_phone FROM assist_help_request WHERE id = :id"), {"id": r.json()["id"]}
        ).one()
    assert "690102195001011234" not in row[0] and "13912345678" not in row[0]
    assert b"13800001111" not in bytes(row[1])  # the contact phone is sealed
