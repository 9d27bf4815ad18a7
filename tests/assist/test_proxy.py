"""Proxy authorizations (代办): an authorization belongs to a hall; only the entrustor confirms (own login, or the
one-time code sent to their phone); a desk of that hall may register the signed paper form only after checking the
entrustor's identity; states with a notice at every step; the scope check an agent must pass to act."""

from __future__ import annotations

import base64
import struct
import zlib
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests.conftest import DEFAULT_NOW, auth
from tests.factories import assert_problem, assert_refused_page, make_staff, register_citizen

HALL, OTHER_HALL = "H-690102", "H-690123"


def png(width: int, height: int) -> bytes:
    """A real (white) PNG of the given size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff" * width for _ in range(height))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


SCAN = base64.b64encode(png(400, 200)).decode()
DOT = base64.b64encode(png(1, 1)).decode()  # the forged "signature" of the probe


def me(client: Any, headers: dict[str, str]) -> int:
    return int(client.get("/api/v1/me", headers=headers).json()["id"])


def make(client: Any, entrustor: dict[str, str], agent_id: int | None, **extra: Any) -> Any:
    body = {
        "agent_citizen_id": agent_id,
        "hall_code": HALL,
        "item_codes": ["MZ-002"],
        "scope": ["declare", "submit_materials"],
        "valid_from": DEFAULT_NOW.isoformat(),
        "valid_until": (DEFAULT_NOW + timedelta(days=30)).isoformat(),
        **extra,
    }
    return client.post("/api/v1/proxy-authorizations", json=body, headers=entrustor)


def act(client: Any, pid: int, headers: dict[str, str], action: str, **extra: Any) -> Any:
    return client.post(f"/api/v1/proxy-authorizations/{pid}/actions", json={"action": action, **extra}, headers=headers)


def check(client: Any, pid: int, headers: dict[str, str], item: str = "MZ-002", act_: str = "declare") -> Any:
    return client.post(
        f"/api/v1/proxy-authorizations/{pid}/check", json={"item_code": item, "act": act_}, headers=headers
    )


def inbox_count(env: Any, citizen_id: int) -> int:
    from smarthall.notify.models import Message

    with env.session(write=False) as session:
        return int(
            session.execute(
                select(func.count(Message.id)).where(
                    Message.recipient_kind == "citizen",
                    Message.recipient_id == citizen_id,
                    Message.ref_type == "proxy_authorization",
                )
            ).scalar_one()
        )


def sent_code(env: Any, pid: int) -> tuple[str, str | None]:
    """The last one-time code sent for ``pid`` through the outbox, and the phone it went to."""
    from smarthall.notify.models import Message

    with env.session(write=False) as session:
        message = (
            session.execute(
                select(Message)
                .where(Message.ref_type == "proxy_authorization_code", Message.ref_id == str(pid))
                .order_by(Message.id.desc())
            )
            .scalars()
            .first()
        )
        assert message is not None
        return str(message.params["code"]), message.phone


def audited(env: Any, action: str, outcome: str = "denied") -> int:
    from smarthall.audit.models import AuditEvent

    with env.session(write=False) as session:
        return int(
            session.execute(
                select(func.count(AuditEvent.id)).where(AuditEvent.action == action, AuditEvent.outcome == outcome)
            ).scalar_one()
        )


def test_full_lifecycle_notifies_the_entrustor_at_every_step(client: Any, env: Any) -> None:
    _, grandma = register_citizen(client)
    _, grandson = register_citizen(client)
    grandma_id, grandson_id = me(client, grandma), me(client, grandson)
    r = make(client, grandma, grandson_id)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["status"] == "pending_confirmation" and r.json()["hall_code"] == HALL
    # the agent cannot act before the entrustor confirms, nor confirm for them
    assert_problem(check(client, pid, grandson), 403, "proxy_out_of_scope")
    assert_problem(act(client, pid, grandson, "confirm"), 403, "entrustor_confirmation_required")
    assert act(client, pid, grandma, "confirm").json()["confirmed_via"] == "login"
    assert check(client, pid, grandson).json() == {"allowed": True, "authorization_id": pid}
    assert act(client, pid, grandson, "start").json()["status"] == "in_progress"
    assert act(client, pid, grandson, "suspend").json()["status"] == "suspended"
    assert_problem(check(client, pid, grandson), 403, "proxy_out_of_scope")  # suspended: no acting
    assert act(client, pid, grandson, "resume").json()["status"] == "in_progress"
    done = act(client, pid, grandson, "complete").json()
    assert done["status"] == "completed"
    assert [h["action"] for h in done["history"]] == ["create", "confirm", "start", "suspend", "resume", "complete"]
    assert inbox_count(env, grandma_id) == 6
    assert_problem(act(client, pid, grandma, "terminate"), 409, "proxy_bad_transition")


def test_agent_may_only_act_within_scope(client: Any, env: Any) -> None:
    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    _, stranger = register_citizen(client)
    short = (DEFAULT_NOW + timedelta(minutes=30)).isoformat()
    pid = make(client, entrustor, me(client, agent), valid_until=short).json()["id"]
    act(client, pid, entrustor, "confirm")
    assert check(client, pid, agent).status_code == 200
    wrong_item = check(client, pid, agent, item="GA-001")
    assert wrong_item.status_code == 403 and wrong_item.json()["code"] == "proxy_out_of_scope"
    assert "item_not_authorized" in wrong_item.json()["detail"]["reasons"]
    wrong_act = check(client, pid, agent, act_="collect_result")
    assert "act_not_authorized" in wrong_act.json()["detail"]["reasons"]
    assert_problem(
        check(client, pid, stranger), 404, "proxy_authorization_not_found"
    )  # not a party: cannot even see it
    assert check(client, pid, entrustor).json()["detail"]["reasons"] == ["not_agent"]
    assert audited(env, "assist.proxy.denied") >= 3  # refusals stay on record
    env.clock.advance(minutes=31)
    late = check(client, pid, agent)
    assert late.status_code == 403 and "outside_validity" in late.json()["detail"]["reasons"]


def test_service_check_agent_for_other_domains_is_bound_to_the_hall(client: Any, env: Any) -> None:
    from smarthall.assist import service
    from smarthall.assist.errors import OutOfScope
    from smarthall.core.tenancy import Actor
    from smarthall.org import service as org_service

    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    eid, aid = me(client, entrustor), me(client, agent)
    pid = make(client, entrustor, aid).json()["id"]
    act(client, pid, entrustor, "confirm")
    agent_actor = Actor(kind="citizen", id=aid)
    with env.session() as session:
        here = org_service.get_hall(session, HALL).id
        there = org_service.get_hall(session, OTHER_HALL).id
        now = env.clock.now()
        row = service.check_agent(
            session, agent_actor, entrustor_citizen_id=eid, item_code="MZ-002", act="declare", now=now, hall_id=here
        )
        assert row.id == pid
        for item, hall in (("GA-006", here), ("MZ-002", there)):
            try:
                service.check_agent(
                    session, agent_actor, entrustor_citizen_id=eid, item_code=item, act="declare", now=now, hall_id=hall
                )
                raise AssertionError("expected OutOfScope")
            except OutOfScope as refused:
                assert refused.detail["reasons"] == ["item_not_authorized" if item == "GA-006" else "other_hall"]


def test_desk_registers_a_signed_paper_form_only_after_checking_the_entrustor(client: Any, env: Any) -> None:
    payload, entrustor = register_citizen(client)
    eid = me(client, entrustor)
    desk = auth(client, "guide1")
    helper = auth(client, "guide3")
    r = make(client, desk, None, agent_staff_id=me(client, helper), entrustor_citizen_id=eid)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    # a desk never confirms for the entrustor, with or without an image
    assert_problem(act(client, pid, desk, "confirm"), 403, "entrustor_confirmation_required")
    forged = act(client, pid, desk, "confirm", signature_png_base64="data:image/png;base64," + SCAN)
    assert_problem(forged, 403, "entrustor_confirmation_required")
    check_in = {"method": "id_card_reader", "id_number": payload["id_number"]}
    assert_problem(act(client, pid, desk, "register_paper", signature_png_base64=SCAN), 422, "identity_check_required")
    bad = act(client, pid, desk, "register_paper", signature_png_base64=base64.b64encode(b"GIF89a").decode(),
              identity_check=check_in)  # fmt: skip
    assert_problem(bad, 422, "bad_signature")
    assert_problem(act(client, pid, desk, "register_paper", signature_png_base64=DOT, identity_check=check_in), 422,
                   "bad_signature")  # fmt: skip
    stranger, _ = register_citizen(client)
    wrong = {"method": "id_card_reader", "id_number": stranger["id_number"]}
    mismatch = act(client, pid, desk, "register_paper", signature_png_base64=SCAN, identity_check=wrong)
    assert_problem(mismatch, 422, "identity_mismatch")
    assert audited(env, "assist.proxy.register_paper") == 1  # the failed check is on record
    # the staff agent cannot register the form that names them
    assert_problem(act(client, pid, helper, "register_paper", signature_png_base64=SCAN, identity_check=check_in),
                   403, "agent_is_desk")  # fmt: skip
    ok = act(client, pid, desk, "register_paper", signature_png_base64=SCAN, identity_check=check_in)
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["status"] == "accepted" and body["confirmed_via"] == "paper" and len(body["signature_sha256"]) == 64
    checked = body["identity_check"]
    assert checked["by"] == "staff:guide1" and checked["method"] == "id_card_reader" and checked["hall_code"] == HALL
    assert checked["at"] and payload["id_number"] not in str(body) and checked["id_number_masked"].count("*") >= 8
    assert check(client, pid, helper).status_code == 200
    assert_problem(check(client, pid, desk), 403, "proxy_out_of_scope")  # the desk registered it but is not the agent
    assert inbox_count(env, eid) == 2  # created, accepted: the entrustor hears of both


def test_the_signature_scan_is_sealed_at_rest(client: Any, env: Any) -> None:
    payload, entrustor = register_citizen(client)
    desk, helper = auth(client, "guide1"), auth(client, "guide3")
    pid = make(
        client, desk, None, agent_staff_id=me(client, helper), entrustor_citizen_id=me(client, entrustor)
    ).json()["id"]
    check_in = {"method": "id_card_visual", "id_number": payload["id_number"]}
    assert (
        act(client, pid, desk, "register_paper", signature_png_base64=SCAN, identity_check=check_in).status_code == 200
    )
    with env.db.engine.connect() as conn:
        from sqlalchemy import text

        raw, checked = conn.execute(
            text("SELECT signature_image, identity_check FROM assist_proxy_authorization WHERE id = :id"), {"id": pid}
        ).one()
    assert raw is not None and b"PNG" not in bytes(raw) and SCAN[:40].encode() not in bytes(raw)
    assert payload["id_number"] not in str(checked)


def test_entrustor_confirms_with_the_code_sent_to_their_phone(client: Any, env: Any) -> None:
    payload, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    desk = auth(client, "clerk1")
    pid = make(client, desk, me(client, agent), entrustor_citizen_id=me(client, entrustor)).json()["id"]
    assert_problem(act(client, pid, desk, "confirm", code="000000"), 422, "bad_code")  # nothing sent yet
    assert act(client, pid, desk, "send_code").status_code == 200
    code, phone = sent_code(env, pid)
    assert phone == payload["phone"] and len(code) == 6
    assert_problem(act(client, pid, desk, "send_code"), 422, "code_recently_sent")
    wrong = "000000" if code != "000000" else "111111"
    assert_problem(act(client, pid, agent, "confirm", code=wrong), 422, "bad_code")
    assert act(client, pid, agent, "confirm", code=code).json()["confirmed_via"] == "code"
    assert_problem(act(client, pid, desk, "confirm", code=code), 409, "proxy_bad_transition")  # once only


def test_wrong_codes_are_counted_and_burn_the_code(client: Any, env: Any) -> None:
    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    pid = make(client, entrustor, me(client, agent)).json()["id"]
    assert act(client, pid, agent, "send_code").status_code == 200
    code, _ = sent_code(env, pid)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert_problem(act(client, pid, agent, "confirm", code=wrong), 422, "bad_code")
    refused = act(client, pid, agent, "confirm", code=code)  # the right code, too late: it was burnt
    assert_problem(refused, 422, "bad_code")
    assert refused.json()["detail"]["reason"] == "no_code"
    env.clock.advance(minutes=2)
    act(client, pid, agent, "send_code")
    code, _ = sent_code(env, pid)
    env.clock.advance(minutes=11)
    assert act(client, pid, agent, "confirm", code=code).json()["detail"]["reason"] == "expired"


def test_forged_authorization_by_a_desk_of_another_hall_is_refused_at_every_step(client: Any, env: Any) -> None:
    """The probe: a clerk of another hall registers an authorization for a citizen of this hall, "confirms" it with a
    1×1 PNG, and asks whether the agent may collect that citizen's result."""
    make_staff(env, username="farclerk", role="clerk", hall_code=OTHER_HALL)
    far = auth(client, "farclerk")
    payload, victim = register_citizen(client)
    _, accomplice = register_citizen(client)
    vid, aid = me(client, victim), me(client, accomplice)
    body = {"entrustor_citizen_id": vid, "scope": ["collect_result"], "item_codes": ["MZ-002"]}
    # 1. registering it for this hall is refused
    assert_problem(make(client, far, aid, **body), 403, "out_of_scope")
    # registered at the clerk's own hall, it stays there
    r = make(client, far, aid, **{**body, "hall_code": None})
    assert r.status_code == 201 and r.json()["hall_code"] == OTHER_HALL
    pid = r.json()["id"]
    # 2. "confirming" with a signature image is refused, and so is a 1×1 "paper form" even with the right ID number
    assert_problem(act(client, pid, far, "confirm", signature_png_base64=DOT), 403, "entrustor_confirmation_required")
    paper = {"method": "id_card_visual", "id_number": payload["id_number"]}
    assert_problem(act(client, pid, far, "register_paper", signature_png_base64=DOT, identity_check=paper), 422,
                   "bad_signature")  # fmt: skip
    # 3. the check refuses collecting
    refused = check(client, pid, accomplice, act_="collect_result")
    assert_problem(refused, 403, "proxy_out_of_scope")
    assert refused.json()["detail"]["reasons"] == ["status_pending_confirmation"]
    # the desks of this hall do not even see it; the victim does, and can end it
    assert_problem(
        client.get(f"/api/v1/proxy-authorizations/{pid}", headers=auth(client, "clerk1")),
        404,
        "proxy_authorization_not_found",
    )
    assert act(client, pid, victim, "terminate").json()["status"] == "terminated"


def test_an_authorization_is_seen_by_its_parties_and_the_desks_of_its_hall_only(client: Any, env: Any) -> None:
    make_staff(env, username="farguide", role="guide", hall_code=OTHER_HALL)
    _, citizen = register_citizen(client)
    _, agent = register_citizen(client)
    pid = make(client, citizen, me(client, agent)).json()["id"]
    far = auth(client, "farguide")
    assert_problem(client.get(f"/api/v1/proxy-authorizations/{pid}", headers=far), 404, "proxy_authorization_not_found")
    assert pid not in [p["id"] for p in client.get("/api/v1/proxy-authorizations", headers=far).json()]
    assert_problem(act(client, pid, far, "terminate"), 404, "proxy_authorization_not_found")
    assert f'data-id="{pid}"' not in client.get("/assist/proxy", headers=far).text
    near = auth(client, "guide1")
    listed = {p["id"]: p for p in client.get("/api/v1/proxy-authorizations", headers=near).json()}
    assert pid in listed and "*" in (listed[pid]["entrustor_name_masked"] or "")
    assert_problem(
        client.get(f"/api/v1/proxy-authorizations/{pid}", headers=auth(client, "auditor1")),
        404,
        "proxy_authorization_not_found",
    )


def test_creation_denials_and_bad_input(client: Any) -> None:
    _, citizen = register_citizen(client)
    _, other = register_citizen(client)
    cid, oid = me(client, citizen), me(client, other)
    assert_problem(make(client, {}, oid), 401, "unauthorized")
    assert_problem(make(client, auth(client, "auditor1"), oid, entrustor_citizen_id=cid), 403, "forbidden_role")
    assert_problem(make(client, citizen, cid), 422, "bad_agent")  # oneself as agent
    assert_problem(make(client, citizen, oid, hall_code=None), 422, "hall_required")
    assert_problem(make(client, citizen, oid, hall_code="H-NOPE"), 422, "unknown_hall")
    assert_problem(make(client, citizen, oid, item_codes=["NOPE-9"]), 422, "unknown_item")
    assert_problem(make(client, citizen, oid, scope=["rob_the_bank"]), 422, "validation_error")
    past = (DEFAULT_NOW - timedelta(days=1)).isoformat()
    assert make(client, citizen, oid, valid_until=past).json()["code"] == "bad_validity"
    too_long = (DEFAULT_NOW + timedelta(days=800)).isoformat()
    assert make(client, citizen, oid, valid_until=too_long).json()["code"] == "bad_validity"
    # a staff agent belongs to the authorization's hall
    assert_problem(make(client, auth(client, "guide1"), None, agent_staff_id=10**6, entrustor_citizen_id=cid), 422,
                   "bad_agent")  # fmt: skip


def test_unknown_or_foreign_help_request_is_a_problem_not_a_500(client: Any) -> None:
    _, citizen = register_citizen(client)
    _, other = register_citizen(client)
    oid = me(client, other)
    r = make(client, citizen, oid, help_request_id=987654321)
    body = assert_problem(r, 422, "unknown_help_request")
    assert r.headers["content-type"].startswith("application/problem+json") and body["detail"]
    assert_problem(make(client, citizen, oid, help_request_id=2**63), 422, "validation_error")
    # someone else's help request cannot be linked either
    theirs = client.post(
        "/api/v1/help-requests", json={"hall_code": HALL, "description": "x"}, headers=auth(client, "guide1")
    )
    assert theirs.status_code == 201
    assert_problem(make(client, citizen, oid, help_request_id=theirs.json()["id"]), 422, "unknown_help_request")
    desk = auth(client, "guide1")
    mine = make(client, desk, oid, entrustor_citizen_id=me(client, citizen), help_request_id=theirs.json()["id"])
    assert mine.status_code == 201, mine.text


def test_entrustor_confirms_on_the_page(client: Any) -> None:
    _, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    pid = make(client, entrustor, me(client, agent)).json()["id"]
    page = client.get("/assist/proxy", headers=entrustor)
    assert page.status_code == 200 and f'data-testid="confirm-{pid}"' in page.text
    assert "待委托人确认" in page.text and "pending_confirmation" not in page.text
    assert f'data-testid="confirm-{pid}"' not in client.get("/assist/proxy", headers=agent).text
    r = client.post(f"/assist/proxy/{pid}", data={"action": "confirm"}, headers=entrustor, follow_redirects=False)
    assert r.status_code == 303
    assert client.get(f"/api/v1/proxy-authorizations/{pid}", headers=agent).json()["status"] == "accepted"
    assert_refused_page(
        client.post(f"/assist/proxy/{pid}", data={"action": "confirm"}, headers=agent), 409, "proxy_bad_transition"
    )
    assert client.get("/assist/proxy", follow_redirects=False).status_code == 303


def test_desk_registers_the_paper_form_on_the_page(client: Any, env: Any) -> None:
    payload, entrustor = register_citizen(client)
    _, agent = register_citizen(client)
    desk = auth(client, "clerk1")
    pid = make(client, desk, me(client, agent), entrustor_citizen_id=me(client, entrustor)).json()["id"]
    page = client.get("/assist/proxy", headers=desk).text
    assert f'data-testid="paper-{pid}"' in page and f'data-testid="send-code-{pid}"' in page
    assert f'data-testid="confirm-{pid}"' not in page  # the desk has no "confirm" of its own
    form = {"action": "register_paper", "method": "id_card_reader", "id_number": payload["id_number"]}
    tiny = client.post(f"/assist/proxy/{pid}", data=form, files={"scan": ("s.png", png(1, 1), "image/png")},
                       headers=desk)  # fmt: skip
    assert_refused_page(tiny, 422, "bad_signature")
    r = client.post(f"/assist/proxy/{pid}", data=form, files={"scan": ("s.png", png(400, 200), "image/png")},
                    headers=desk, follow_redirects=False)  # fmt: skip
    assert r.status_code == 303, r.text
    after = client.get("/assist/proxy", headers=desk).text
    assert f'data-testid="checked-{pid}"' in after and "读卡器读取身份证" in after
    assert client.get(f"/api/v1/proxy-authorizations/{pid}", headers=agent).json()["confirmed_via"] == "paper"
