"""The rectification loop: working-day deadlines (per-hall settings, local calendar), states, appeals, overdue
warnings, the reply to the rater; invitations 3 days after an unrated service."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from smarthall.core.clock import SHANGHAI
from smarthall.evaluation import tasks as evaluation_tasks
from smarthall.evaluation.models import Invitation
from smarthall.notify.models import Message
from smarthall.org.models import CalendarOverride
from tests.conftest import auth
from tests.evaluation.conftest import citizen_headers
from tests.factories import assert_problem, register_citizen


def _bad(client, services, ref: str, level: int = 2) -> int:
    services.add("ticket", ref)
    r = client.post(
        "/api/v1/evaluations",
        json={"ticket_id": int(ref), "level": level, "channel": "web", "comment": "不满意"},
        headers=citizen_headers(client),
    )
    assert r.status_code == 201, r.text
    return r.json()["rectification_id"]


def _messages(env, template: str) -> list[Message]:
    with env.db.unit_of_work(write=False) as session:
        return list(session.execute(select(Message).where(Message.template == template)).scalars())


def _act(client, rect_id: int, action: str, headers, note: str = ""):
    return client.post(
        f"/api/v1/rectifications/{rect_id}/actions", json={"action": action, "note": note}, headers=headers
    )


def test_deadlines_follow_the_working_calendar_and_hall_settings(env, client, services):
    rect_id = _bad(client, services, "201")
    manager = auth(client, "hallmanager1")
    orders = client.get("/api/v1/rectifications", headers=manager).json()
    order = next(o for o in orders if o["id"] == rect_id)
    assert order["status"] == "open" and order["assignee_kind"] == "window"
    assert order["assignee_code"] == "H-690102-W01"
    assert order["follow_up_due"] == "2026-12-01" and order["fix_due"] == "2026-12-21"
    assert order["rater"] == "李*"  # masked for staff
    assert _messages(env, "evaluation.bad_rating")  # hall managers told at once

    # the hall takes 2026-12-02 off and sets its own deadlines (admin)
    with env.db.unit_of_work() as session:
        session.add(CalendarOverride(scope_code="H-690102", day=date(2026, 12, 1), is_workday=False, note="停电"))
    admin = auth(client, "admin1")
    put = client.put(
        "/api/v1/evaluations/settings/H-690102",
        json={"hall_code": "H-690102", "follow_up_workdays": 1, "fix_workdays": 5, "invite_after_days": 3},
        headers=admin,
    )
    assert put.status_code == 200
    assert_problem(
        client.put(
            "/api/v1/evaluations/settings/H-690102",
            json={"hall_code": "H-690102", "follow_up_workdays": 1, "fix_workdays": 5, "invite_after_days": 3},
            headers=manager,
        ),
        403,
        "forbidden_role",
    )
    rect2 = _bad(client, services, "202", level=1)
    order2 = next(o for o in client.get("/api/v1/rectifications", headers=manager).json() if o["id"] == rect2)
    assert order2["follow_up_due"] == "2026-12-02" and order2["fix_due"] == "2026-12-08"


def test_full_loop_with_reply_to_the_rater(env, client, services):
    rect_id = _bad(client, services, "203")
    manager = auth(client, "hallmanager1")
    assert_problem(_act(client, rect_id, "close", manager), 409, "rectification_bad_transition")  # not rectified yet
    assert_problem(
        _act(client, rect_id, "rectify", manager, "x"), 409, "rectification_bad_transition"
    )  # follow-up first
    assert _act(client, rect_id, "follow_up", manager, "已回访").json()["follow_up_on_time"] is True
    assert_problem(_act(client, rect_id, "rectify", manager, ""), 422, "note_required")  # the reply is required
    env.clock.set(datetime(2026, 12, 22, 10, 0, tzinfo=SHANGHAI))  # after the 15-working-day limit
    manager = auth(client, "hallmanager1")
    rectified = _act(client, rect_id, "rectify", manager, "已对窗口人员进行培训")
    assert rectified.status_code == 200
    assert rectified.json()["status"] == "rectified" and rectified.json()["rectify_on_time"] is False
    replies = _messages(env, "evaluation.reply")
    assert len(replies) == 1 and replies[0].recipient_kind == "citizen"
    assert "已对窗口人员进行培训" in replies[0].body_zh and "/evaluation/rate?token=" in replies[0].body_zh
    closed = _act(client, rect_id, "close", manager)
    assert closed.json()["status"] == "closed"
    assert [h["action"] for h in closed.json()["history"]] == ["open", "follow_up", "rectify", "close"]
    assert_problem(_act(client, rect_id, "close", manager), 409, "rectification_bad_transition")


def test_appeal_is_decided_by_the_auditor(env, client, services):
    rect_id = _bad(client, services, "204", level=1)
    manager, auditor, clerk = auth(client, "hallmanager1"), auth(client, "auditor1"), auth(client, "clerk1")
    assert_problem(_act(client, rect_id, "follow_up", clerk), 403, "forbidden_role")
    assert_problem(_act(client, rect_id, "appeal", manager, ""), 422, "note_required")
    assert _act(client, rect_id, "appeal", manager, "评价人未办理业务,恶意差评").json()["status"] == "appealed"
    assert_problem(_act(client, rect_id, "uphold", manager), 403, "forbidden_role")  # not the manager's own appeal
    upheld = _act(client, rect_id, "uphold", auditor, "核实为恶意差评")
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    stats = client.get(
        "/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "window"}, headers=manager
    ).json()
    assert stats["total"]["count"] == 0  # the excluded rating no longer counts

    rect2 = _bad(client, services, "205")
    _act(client, rect2, "appeal", manager, "怀疑恶意")
    overturned = _act(client, rect2, "overturn", auditor, "评价属实")
    assert overturned.json()["status"] == "overturned"
    assert _act(client, rect2, "rectify", manager, "已整改").json()["status"] == "rectified"


def test_orders_of_another_hall_are_out_of_scope(env, client, services):
    from smarthall.org.models import Hall

    with env.db.unit_of_work(write=False) as session:
        other = session.execute(select(Hall).where(Hall.code == "H-690123")).scalar_one()
    services.add("ticket", "206", hall_code="H-690123", hall_id=other.id, window_code=None)
    r = client.post(
        "/api/v1/evaluations", json={"ticket_id": 206, "level": 1, "channel": "web"}, headers=citizen_headers(client)
    )
    rect_id = r.json()["rectification_id"]
    manager = auth(client, "hallmanager1")
    assert all(o["id"] != rect_id for o in client.get("/api/v1/rectifications", headers=manager).json())
    denied = _act(client, rect_id, "follow_up", manager)  # loaded in scope or not at all: as if it did not exist
    assert denied.status_code == 404 and denied.json()["code"] == "rectification_not_found"
    assert_problem(client.get("/api/v1/rectifications", headers=auth(client, "clerk1")), 403, "forbidden_role")
    assert_problem(client.get("/api/v1/rectifications"), 401, "unauthorized")
    assert_problem(_act(client, 99999, "follow_up", manager), 404, "rectification_not_found")


def test_overdue_warnings_go_out_once(env, client, services):
    _bad(client, services, "207")
    env.clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI))
    assert evaluation_tasks.run_overdue_warnings() == 1  # the follow-up call is late
    assert evaluation_tasks.run_overdue_warnings() == 0
    env.clock.set(datetime(2026, 12, 22, 9, 0, tzinfo=SHANGHAI))
    assert evaluation_tasks.run_overdue_warnings() == 1  # now the fix is late too
    warnings = _messages(env, "evaluation.overdue")
    assert sorted(m.params["stage"] for m in warnings) == ["回访", "整改"]
    manager = auth(client, "hallmanager1")
    assert client.get("/api/v1/rectifications", params={"status": "open"}, headers=manager).json()[0]["overdue"]


def test_invitation_three_days_after_an_unrated_service(env, client, services):
    services.add("ticket", "301")
    services.add("ticket", "302")
    services.add("ticket", "303", citizen_id=None, id_number="", phone="13912345678")
    for ticket_id in (301, 302, 303):
        services.finish_ticket(ticket_id)
    with env.db.unit_of_work(write=False) as session:
        assert session.execute(select(Invitation.status)).scalars().all() == ["waiting"] * 3
    client.post(
        "/api/v1/evaluations", json={"ticket_id": 302, "level": 5, "channel": "web"}, headers=citizen_headers(client)
    )
    env.clock.advance(days=2, hours=23)
    assert evaluation_tasks.run_invitations() == 0
    env.clock.advance(hours=2)
    assert evaluation_tasks.run_invitations() == 2
    assert evaluation_tasks.run_invitations() == 0
    invites = _messages(env, "evaluation.invite")
    assert {m.recipient_kind for m in invites} == {"citizen", "phone"}
    by_phone = next(m for m in invites if m.recipient_kind == "phone")
    assert by_phone.phone == "13912345678" and "139****5678" not in by_phone.body_zh
    token = by_phone.body_zh.split("token=")[1].strip()
    ok = client.post("/api/v1/evaluations", json={"ticket_id": 303, "level": 4, "channel": "sms", "token": token})
    assert ok.status_code == 201, ok.text
    with env.db.unit_of_work(write=False) as session:
        statuses = dict(session.execute(select(Invitation.subject_ref, Invitation.status)).all())
    assert statuses == {"301": "sent", "302": "rated", "303": "rated"}


def test_pad_sees_the_service_it_just_finished(env, client, services):
    from tests.evaluation.conftest import PAD, PAD2

    services.add("ticket", "401")
    services.finish_ticket(401)
    nxt = client.get("/api/v1/evaluations/pad/next", headers=PAD).json()
    assert nxt["subject_kind"] == "ticket" and nxt["subject_ref"] == "401"
    assert client.get("/api/v1/evaluations/pad/next", headers=PAD2).json() is None
    client.post("/api/v1/evaluations", json={"ticket_id": 401, "level": 5, "channel": "window_pad"}, headers=PAD)
    assert client.get("/api/v1/evaluations/pad/next", headers=PAD).json() is None
    assert_problem(client.get("/api/v1/evaluations/pad/next", headers=auth(client, "clerk1")), 403, "device_only")


def _fix(client, rect_id: int, manager, reply: str = "已整改") -> dict:
    assert _act(client, rect_id, "follow_up", manager, "已电话回访").status_code == 200
    fixed = _act(client, rect_id, "rectify", manager, reply)
    assert fixed.status_code == 200, fixed.text
    return fixed.json()


def _order(client, rect_id: int, manager) -> dict:
    r = client.get("/api/v1/rectifications", headers=manager)
    assert r.status_code == 200, r.text
    return next(o for o in r.json() if o["id"] == rect_id)


def _stats(client, manager) -> dict:
    r = client.get("/api/v1/evaluations/stats", params={"hall_code": "H-690102", "group_by": "window"}, headers=manager)
    assert r.status_code == 200, r.text
    return r.json()["total"]


def test_good_rerating_from_the_reply_link_closes_the_loop(env, client, services):
    services.add("ticket", "501", citizen_id=None, id_number="", phone="13912345678")
    link = client.post("/api/v1/evaluations/links", json={"ticket_id": 501}, headers=auth(client, "clerk1")).json()
    bad = client.post(
        "/api/v1/evaluations", json={"ticket_id": 501, "level": 2, "channel": "qr", "token": link["token"]}
    )
    assert bad.status_code == 201, bad.text
    rect_id = bad.json()["rectification_id"]
    manager = auth(client, "hallmanager1")
    _fix(client, rect_id, manager, "已增开窗口")
    reply = _messages(env, "evaluation.reply")[0]
    assert reply.recipient_kind == "phone" and "已增开窗口" in reply.body_zh
    token = reply.body_zh.split("token=")[1].strip()

    env.clock.advance(days=2)
    manager = auth(client, "hallmanager1")  # a new day, a new sign-in
    good = client.post("/api/v1/evaluations", json={"ticket_id": 501, "level": 4, "channel": "sms", "token": token})
    assert good.status_code == 201, good.text
    assert good.json()["sequence"] == 2 and good.json()["rectification_id"] is None
    order = _order(client, rect_id, manager)
    assert order["status"] == "closed" and order["rerating_level"] == 4 and order["next_id"] is None
    assert order["closed_at"] is not None and order["history"][-1]["action"] == "rerated"
    assert order["history"][-1]["by"] == "rater"  # the rater stays anonymous in the history too
    assert len(client.get("/api/v1/rectifications", headers=manager).json()) == 1  # no second order
    assert_problem(
        _act(client, rect_id, "close", manager), 409, "rectification_bad_transition"
    )  # already closed by the re-rating
    link2 = client.post("/api/v1/evaluations/links", json={"ticket_id": 501}, headers=auth(client, "clerk1")).json()
    third = client.post(
        "/api/v1/evaluations", json={"ticket_id": 501, "level": 5, "channel": "qr", "token": link2["token"]}
    )
    assert third.status_code == 409 and third.json()["code"] == "evaluation_already_rated"
    total = _stats(client, manager)
    # the re-rating replaces the bad rating in the counts; the work order still counts for the on-time rates
    assert total["count"] == 1 and total["bad_count"] == 0 and total["satisfaction_rate"] == 1.0
    assert total["follow_up_on_time_rate"] == 1.0 and total["rectify_on_time_rate"] == 1.0


def test_bad_rerating_opens_a_second_work_order_for_the_same_service(env, client, services):
    rect_id = _bad(client, services, "502")
    manager = auth(client, "hallmanager1")
    first = _order(client, rect_id, manager)
    assert first["round"] == 1 and first["previous_id"] is None
    _fix(client, rect_id, manager, "已对窗口人员进行培训")

    env.clock.set(datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI))  # Thursday
    me = citizen_headers(client)
    manager = auth(client, "hallmanager1")
    # bad input is refused and writes nothing
    assert_problem(
        client.post("/api/v1/evaluations", json={"ticket_id": 502, "level": 0, "channel": "web"}, headers=me),
        422,
        "validation_error",
    )
    stranger = register_citizen(client)[1]
    denied = client.post("/api/v1/evaluations", json={"ticket_id": 502, "level": 1, "channel": "web"}, headers=stranger)
    assert denied.status_code == 403 and denied.json()["code"] == "evaluation_not_served"
    assert _order(client, rect_id, manager)["status"] == "rectified"

    again = client.post(
        "/api/v1/evaluations",
        json={"ticket_id": 502, "level": 1, "channel": "web", "comment": "还是要等很久", "tags": ["等候时间长"]},
        headers=me,
    )
    assert again.status_code == 201, again.text
    assert again.json()["sequence"] == 2
    second_id = again.json()["rectification_id"]
    assert second_id is not None and second_id != rect_id

    first = _order(client, rect_id, manager)
    assert first["status"] == "closed" and first["rerating_level"] == 1 and first["next_id"] == second_id
    second = _order(client, second_id, manager)
    assert second["round"] == 2 and second["previous_id"] == rect_id and second["status"] == "open"
    assert second["level"] == 1 and second["comment"] == "还是要等很久"
    assert (second["assignee_kind"], second["assignee_code"]) == ("window", "H-690102-W01")  # the same window
    assert second["subject_kind"] == "ticket" and second["subject_ref"] == "502"
    assert second["opened_on"] == "2026-12-03" and second["follow_up_due"] == "2026-12-04"  # fresh deadlines
    alerts = _messages(env, "evaluation.bad_rerating")
    assert alerts and all(m.params["previous_id"] == rect_id for m in alerts)
    assert {m.params["rectification_id"] for m in alerts} == {second_id}

    # the second order runs the same loop; its reply carries no link, since no third rating is possible
    assert_problem(_act(client, second_id, "close", manager), 409, "rectification_bad_transition")
    _fix(client, second_id, manager, "增设周四延时服务")
    final = _messages(env, "evaluation.reply_final")
    assert len(final) == 1 and "增设周四延时服务" in final[0].body_zh and "token=" not in final[0].body_zh
    assert len(_messages(env, "evaluation.reply")) == 1  # only the first order's reply had a link
    third = client.post("/api/v1/evaluations", json={"ticket_id": 502, "level": 5, "channel": "web"}, headers=me)
    assert third.status_code == 409 and third.json()["code"] == "evaluation_already_rated"
    assert _act(client, second_id, "close", manager).json()["status"] == "closed"
    assert len(client.get("/api/v1/rectifications", headers=manager).json()) == 2

    total = _stats(client, manager)
    assert total["count"] == 1 and total["bad_count"] == 1 and total["levels"]["1"] == 1
    assert total["satisfaction_rate"] == 0.0
    assert total["follow_up_on_time_rate"] == 1.0 and total["rectify_on_time_rate"] == 1.0

    page = client.get("/evaluation/rectifications", headers=manager)
    assert page.status_code == 200
    assert f'data-testid="round-{second_id}"' in page.text and f"#{rect_id}" in page.text
    assert f'data-testid="rerated-{rect_id}"' in page.text


def test_bad_rerating_after_the_manager_closed_still_opens_a_second_order(env, client, services):
    rect_id = _bad(client, services, "503", level=1)
    manager = auth(client, "hallmanager1")
    _fix(client, rect_id, manager)
    assert _act(client, rect_id, "close", manager).json()["status"] == "closed"
    again = client.post(
        "/api/v1/evaluations", json={"ticket_id": 503, "level": 2, "channel": "web"}, headers=citizen_headers(client)
    )
    assert again.status_code == 201, again.text
    first = _order(client, rect_id, manager)
    assert (
        first["status"] == "closed"
        and first["rerating_level"] == 2
        and first["next_id"] == again.json()["rectification_id"]
    )
    assert [h["action"] for h in first["history"]] == ["open", "follow_up", "rectify", "close", "rerated"]


def test_no_rerating_after_an_upheld_appeal(env, client, services):
    rect_id = _bad(client, services, "504", level=1)
    manager, auditor = auth(client, "hallmanager1"), auth(client, "auditor1")
    _act(client, rect_id, "appeal", manager, "恶意差评")
    assert _act(client, rect_id, "uphold", auditor, "属实").json()["status"] == "upheld"
    again = client.post(
        "/api/v1/evaluations", json={"ticket_id": 504, "level": 1, "channel": "web"}, headers=citizen_headers(client)
    )
    assert_problem(again, 409, "evaluation_already_rated")
    assert len(client.get("/api/v1/rectifications", headers=manager).json()) == 1
