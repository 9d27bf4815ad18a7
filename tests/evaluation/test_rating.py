"""Rating a service: only the person served, once (one re-rating after a rectification), through each channel."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from smarthall.evaluation.models import LinkToken, Rating, Rectification
from tests.conftest import auth
from tests.evaluation.conftest import KIOSK, PAD, PAD2, citizen_headers
from tests.factories import assert_problem, register_citizen


def _count(env, model) -> int:
    with env.db.unit_of_work(write=False) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_served_citizen_rates_on_the_web_once(env, client, services):
    services.add("ticket", "101")
    me = citizen_headers(client)
    body = {
        "ticket_id": 101,
        "level": 5,
        "indicators": {"overall": 5, "attitude": 5},
        "tags": ["服务态度好"],
        "comment": "很好",
        "channel": "web",
    }
    first = client.post("/api/v1/evaluations", json=body, headers=me)
    assert first.status_code == 201, first.text
    assert first.json()["level"] == 5 and first.json()["rectification_id"] is None
    again = client.post("/api/v1/evaluations", json=body, headers=me)
    assert again.status_code == 409 and again.json()["code"] == "evaluation_already_rated"
    assert _count(env, Rating) == 1


def test_someone_else_cannot_rate(env, client, services):
    services.add("ticket", "102")
    _payload, other = register_citizen(client)
    response = client.post("/api/v1/evaluations", json={"ticket_id": 102, "level": 1, "channel": "web"}, headers=other)
    assert response.status_code == 403 and response.json()["code"] == "evaluation_not_served"
    assert_problem(
        client.post("/api/v1/evaluations", json={"ticket_id": 102, "level": 1, "channel": "web"}), 401, "unauthorized"
    )
    staff = client.post(
        "/api/v1/evaluations", json={"ticket_id": 102, "level": 1, "channel": "web"}, headers=auth(client, "clerk1")
    )
    assert_problem(staff, 403, "evaluation_not_served")
    assert _count(env, Rating) == 0


def test_bad_input_is_refused_and_nothing_written(env, client, services):
    services.add("ticket", "103")
    services.add("ticket", "104", finished_at=None)
    services.add("case", "C-ONLINE-1", channel="online", window_code=None)
    me = citizen_headers(client)
    cases = [
        ({"ticket_id": 103, "level": 6, "channel": "web"}, 422),
        ({"ticket_id": 103, "level": 0, "channel": "web"}, 422),
        ({"ticket_id": 103, "case_no": "X", "level": 3, "channel": "web"}, 422),
        ({"level": 3, "channel": "web"}, 422),
        ({"ticket_id": 103, "level": 3, "channel": "fax"}, 422),
        ({"ticket_id": 103, "level": 3, "channel": "web", "indicators": {"guide_accuracy": 4}}, 422),  # online-only
        ({"ticket_id": 103, "level": 3, "channel": "web", "indicators": {"overall": 9}}, 422),
        ({"ticket_id": 103, "level": 3, "channel": "web", "tags": ["x" * 30]}, 422),
        ({"ticket_id": 999, "level": 3, "channel": "web"}, 404),
        ({"ticket_id": 104, "level": 3, "channel": "web"}, 422),  # not finished yet
        ({"case_no": "C-ONLINE-1", "level": 3, "channel": "web", "indicators": {"attitude": 3}}, 422),
    ]
    for body, status in cases:
        response = client.post("/api/v1/evaluations", json=body, headers=me)
        assert response.status_code == status, (body, response.text)
        assert response.json()["message_zh"] and response.json()["code"]
    ok = client.post(
        "/api/v1/evaluations",
        json={
            "case_no": "C-ONLINE-1",
            "level": 4,
            "channel": "web",
            "indicators": {"guide_accuracy": 4, "usability": 5},
        },
        headers=me,
    )
    assert ok.status_code == 201
    assert _count(env, Rating) == 1


def test_window_pad_of_the_serving_window_only(env, client, services):
    services.add("ticket", "105")
    wrong_window = client.post(
        "/api/v1/evaluations", json={"ticket_id": 105, "level": 4, "channel": "window_pad"}, headers=PAD2
    )
    assert_problem(wrong_window, 403, "evaluation_not_served")
    kiosk_as_pad = client.post(
        "/api/v1/evaluations", json={"ticket_id": 105, "level": 4, "channel": "window_pad"}, headers=KIOSK
    )
    assert_problem(kiosk_as_pad, 403, "evaluation_not_served")
    ok = client.post(
        "/api/v1/evaluations",
        json={"ticket_id": 105, "level": 4, "channel": "window_pad", "indicators": {"overall": 4, "efficiency": 4}},
        headers=PAD,
    )
    assert ok.status_code == 201, ok.text
    services.add("ticket", "106", finished_at=env.clock.now() - timedelta(hours=5))
    stale = client.post(
        "/api/v1/evaluations", json={"ticket_id": 106, "level": 4, "channel": "window_pad"}, headers=PAD
    )
    assert_problem(stale, 403, "evaluation_not_served")


def test_kiosk_needs_the_served_persons_id_card(env, client, services):
    from tests.factories import DEMO_CITIZEN_ID, make_id_number

    services.add("help_request", "7")
    wrong = client.post(
        "/api/v1/evaluations",
        json={"help_request_id": 7, "level": 3, "channel": "kiosk", "id_number": make_id_number()},
        headers=KIOSK,
    )
    assert_problem(wrong, 403, "evaluation_not_served")
    missing = client.post(
        "/api/v1/evaluations", json={"help_request_id": 7, "level": 3, "channel": "kiosk"}, headers=KIOSK
    )
    assert_problem(missing, 403, "evaluation_not_served")
    ok = client.post(
        "/api/v1/evaluations",
        json={"help_request_id": 7, "level": 3, "channel": "kiosk", "id_number": DEMO_CITIZEN_ID},
        headers=KIOSK,
    )
    assert ok.status_code == 201


def test_one_time_link_token(env, client, services):
    services.add("ticket", "107", citizen_id=None)
    link = client.post("/api/v1/evaluations/links", json={"ticket_id": 107}, headers=auth(client, "clerk1"))
    assert link.status_code == 201
    token = link.json()["token"]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    bad = client.post("/api/v1/evaluations", json={"ticket_id": 107, "level": 5, "channel": "qr", "token": forged})
    assert bad.status_code == 403 and bad.json()["code"] == "evaluation_link_invalid"
    services.add("ticket", "108", citizen_id=None)
    other = client.post("/api/v1/evaluations", json={"ticket_id": 108, "level": 5, "channel": "qr", "token": token})
    assert_problem(other, 403, "evaluation_link_invalid")  # a token for another service
    ok = client.post("/api/v1/evaluations", json={"ticket_id": 107, "level": 5, "channel": "qr", "token": token})
    assert ok.status_code == 201, ok.text
    reused = client.post("/api/v1/evaluations", json={"ticket_id": 107, "level": 5, "channel": "sms", "token": token})
    assert_problem(reused, 409, "evaluation_link_used")
    assert_problem(
        client.post("/api/v1/evaluations", json={"ticket_id": 107, "level": 5, "channel": "qr"}),
        403,
        "evaluation_link_invalid",
    )
    with env.db.unit_of_work(write=False) as session:
        assert session.execute(select(LinkToken.used_at)).scalar_one() is not None
    # links are issued only for finished services, by staff of the serving hall
    services.add("ticket", "109", finished_at=None)
    assert_problem(
        client.post("/api/v1/evaluations/links", json={"ticket_id": 109}, headers=auth(client, "clerk1")),
        422,
        "evaluation_not_finished",
    )
    assert_problem(
        client.post("/api/v1/evaluations/links", json={"ticket_id": 404404}, headers=auth(client, "clerk1")),
        404,
        "evaluation_subject_not_found",
    )
    assert_problem(client.post("/api/v1/evaluations/links", json={"ticket_id": 107}), 401, "unauthorized")
    assert_problem(
        client.post("/api/v1/evaluations/links", json={"ticket_id": 107}, headers=citizen_headers(client)),
        403,
        "forbidden_role",
    )


def test_bad_rating_opens_a_work_order_and_allows_one_rerating(env, client, services):
    services.add("ticket", "109")
    me = citizen_headers(client)
    bad = client.post(
        "/api/v1/evaluations",
        json={
            "ticket_id": 109,
            "level": 1,
            "channel": "web",
            "comment": "等了两个小时,电话13912345678",
            "tags": ["等候时间长"],
        },
        headers=me,
    )
    assert bad.status_code == 201
    rect_id = bad.json()["rectification_id"]
    assert rect_id is not None
    # no re-rating before the rectification
    assert_problem(
        client.post("/api/v1/evaluations", json={"ticket_id": 109, "level": 4, "channel": "web"}, headers=me),
        409,
        "evaluation_already_rated",
    )
    manager = auth(client, "hallmanager1")
    for action, note in (("follow_up", "已电话回访"), ("rectify", "已增开窗口,缩短等候")):
        r = client.post(
            f"/api/v1/rectifications/{rect_id}/actions", json={"action": action, "note": note}, headers=manager
        )
        assert r.status_code == 200, r.text
    rerate = client.post("/api/v1/evaluations", json={"ticket_id": 109, "level": 4, "channel": "web"}, headers=me)
    assert rerate.status_code == 201 and rerate.json()["sequence"] == 2
    third = client.post("/api/v1/evaluations", json={"ticket_id": 109, "level": 5, "channel": "web"}, headers=me)
    assert_problem(third, 409, "evaluation_already_rated")
    with env.db.unit_of_work(write=False) as session:
        ratings = list(session.execute(select(Rating).order_by(Rating.sequence)).scalars())
        assert [(r.sequence, r.current) for r in ratings] == [(1, False), (2, True)]
        assert session.execute(select(func.count()).select_from(Rectification)).scalar_one() == 1
