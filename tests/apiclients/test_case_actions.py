"""API clients acting on cases (scope ``cases.act``) through the real HTTP API: a department system accepts,
approves or refuses a case of its hall and departments through the same service path staff use, audited as the
client; a client without the scope, of another department or of another hall is refused and nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from tests.cases.helpers import act, li_ming, submit_sc001
from tests.conftest import auth
from tests.factories import assert_problem, make_staff

HALL = "H-690102"


def register(client, admin, *, hall=HALL, scopes=("cases.act",), departments=("SC",), approver="hallmanager1"):
    """A client registered by ``admin`` and, with a sensitive scope, approved by a second person (four eyes)."""
    body = {"name": "市场监管系统", "hall_code": hall, "scopes": list(scopes), "department_codes": list(departments)}
    response = client.post("/api/v1/api-clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    cid = response.json()["client"]["id"]
    if response.json()["client"]["four_eyes"]:
        approved = client.post(f"/api/v1/api-clients/{cid}/approve", headers=auth(client, approver))
        assert approved.status_code == 200, approved.text
    return {"X-Api-Key": response.json()["key"]}, cid


def events_of(env, case_no):
    from smarthall.cases.models import Case, CaseEvent

    with env.db.unit_of_work(write=False) as session:
        case_id = session.execute(select(Case.id).where(Case.case_no == case_no)).scalar_one()
        rows = session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)).scalars()
        return [(r.action, r.actor_kind, r.actor_ref) for r in rows]


def client_audits(env):
    from smarthall.audit.models import AuditEvent

    with env.db.unit_of_work(write=False) as session:
        rows = session.execute(select(AuditEvent).where(AuditEvent.action == "case.client_action")).scalars()
        return [(r.actor_kind, r.actor_id, r.detail["case_no"], r.detail["action"]) for r in rows]


def status_of(client, case_no):
    return client.get(f"/api/v1/cases/{case_no}", headers=auth(client, "clerk1")).json()["status"]


def test_a_department_system_accepts_then_approves_audited_as_the_client(client, env):
    key, cid = register(client, auth(client, "admin1"))
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    accepted = act(client, key, case_no, "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "review"
    approved = act(client, key, case_no, "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert ("accept", "client", str(cid)) in events_of(env, case_no)
    assert ("approve", "client", str(cid)) in events_of(env, case_no)
    audits = client_audits(env)
    assert ("client", str(cid), case_no, "accept") in [(k, str(ref), n, a) for k, ref, n, a in audits]
    assert [a for _, _, n, a in audits if n == case_no] == ["accept", "approve"]


def test_a_client_refuses_with_a_reason_and_out_of_order_is_409(client, env):
    key, _ = register(client, auth(client, "admin1"))
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    assert_problem(act(client, key, case_no, "refuse"), 422, "case_action_invalid")  # a reason is required
    assert_problem(act(client, key, case_no, "approve"), 409, "case_state_conflict")
    refused = act(client, key, case_no, "refuse", note="不属于本部门职权范围")
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"


def test_scope_department_role_and_hall_are_checked_and_nothing_changes(client, env):
    admin = auth(client, "admin1")
    case_no = submit_sc001(client, li_ming(client))["case_no"]
    reader, _ = register(client, admin, scopes=("cases.read",))
    assert_problem(act(client, reader, case_no, "accept"), 403, "case_action_forbidden")
    other_department, _ = register(client, admin, departments=("GA",))
    assert_problem(act(client, other_department, case_no, "accept"), 403, "out_of_department")
    no_department, _ = register(client, admin, departments=())
    assert_problem(act(client, no_department, case_no, "accept"), 403, "out_of_department")
    actor, _ = register(client, admin)
    assert_problem(act(client, actor, case_no, "withdraw"), 403, "case_action_forbidden")  # the applicant's act
    make_staff(env, username="otheradmin", role="admin", hall_code="H-690200")
    make_staff(env, username="othermanager", role="hall_manager", hall_code="H-690200")
    elsewhere, _ = register(client, auth(client, "otheradmin"), hall="H-690200", approver="othermanager")
    assert_problem(act(client, elsewhere, case_no, "accept"), 404, "case_not_found")
    assert status_of(client, case_no) == "submitted"
    assert [a for a, _, _ in events_of(env, case_no)] == ["submit"]
    assert client_audits(env) == []
