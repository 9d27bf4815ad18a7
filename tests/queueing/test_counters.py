"""The waiting count kept on each queue counter row follows the tickets exactly, through every way into and out of
the waiting line, and the board reports it; staff acts on tickets are audited."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from smarthall.audit.models import AuditEvent
from smarthall.queueing.models import QueueCounter, Ticket
from tests.conftest import auth
from tests.queueing.helpers import DISPLAY, HALL, W01, W02, issue, sign_in

ITEMS = ["GA-001", "GA-002", "SC-001", "RS-001", "BD-001"]


def _counted(env) -> tuple[dict[str, int], dict[str, int]]:
    with env.session(write=False) as s:
        kept = {q: n for q, n in s.execute(select(QueueCounter.queue_code, QueueCounter.waiting)) if n}
        real = dict(
            s.execute(
                select(Ticket.queue_code, func.count()).where(Ticket.status == "waiting").group_by(Ticket.queue_code)
            ).all()
        )
    return kept, real


def test_waiting_counts_follow_every_transition(client, env):
    rng = random.Random(7)
    clerk1, clerk2 = auth(client, "clerk1"), auth(client, "clerk2")
    sign_in(client, clerk1, W01)
    sign_in(client, clerk2, W02)
    windows = {W01: clerk1, W02: clerk2}
    current: dict[str, int | None] = {W01: None, W02: None}
    skipped: list[tuple[str, int]] = []
    seen = set()
    for _ in range(120):
        x = rng.random()
        w = rng.choice(list(windows))
        headers = windows[w]
        if x < 0.35:
            assert issue(client, rng.choice(ITEMS)).status_code == 201
        elif x < 0.6 and current[w] is None:
            r = client.post(f"/api/v1/windows/{w}/call-next", headers=headers)
            assert r.status_code in (200, 204), r.text
            if r.status_code == 200:
                current[w] = r.json()["id"]
        elif current[w] is not None:
            tid = current[w]
            act = rng.choice(["finish", "finish", "skip", "transfer_item", "transfer_window", "recall"])
            if act == "transfer_item":
                r = client.post(
                    f"/api/v1/tickets/{tid}/transfer", json={"item_code": rng.choice(ITEMS)}, headers=headers
                )
            elif act == "transfer_window":
                other = W02 if w == W01 else W01
                r = client.post(f"/api/v1/tickets/{tid}/transfer", json={"window_code": other}, headers=headers)
            else:
                r = client.post(f"/api/v1/tickets/{tid}/{act}", headers=headers)
            assert r.status_code == 200, (act, r.text)
            seen.add(act)
            if act == "skip":
                skipped.append((w, tid))
            if act != "recall":
                current[w] = None
        elif skipped and x < 0.8:
            sw, tid = skipped.pop()
            r = client.post(f"/api/v1/tickets/{tid}/requeue", headers=windows[sw])
            assert r.status_code == 200, r.text
            seen.add("requeue")
        kept, real = _counted(env)
        assert kept == real
    assert {"finish", "skip", "transfer_item", "transfer_window", "requeue"} <= seen
    board = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()
    kept, real = _counted(env)
    assert {q["queue"]: q["waiting"] for q in board["queues"]} == real
    assert board["waiting_total"] == sum(real.values())


def test_staff_acts_on_tickets_are_audited(client, env):
    t = issue(client).json()
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    assert client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()["id"] == t["id"]
    assert client.post(f"/api/v1/tickets/{t['id']}/recall", headers=clerk).status_code == 200
    assert client.post(f"/api/v1/tickets/{t['id']}/finish", headers=clerk).status_code == 200
    guide_ticket = issue(client, headers=auth(client, "guide1")).json()
    with env.session(write=False) as s:
        rows = s.execute(
            select(AuditEvent.action, AuditEvent.actor_id, AuditEvent.target_id).where(
                AuditEvent.action.like("queue.%")
            )
        ).all()
    acts = {(a, who, target) for a, who, target in rows}
    assert {
        ("queue.call", "clerk1", str(t["id"])),
        ("queue.recall", "clerk1", str(t["id"])),
        ("queue.finish", "clerk1", str(t["id"])),
        ("queue.issue", "guide1", str(guide_ticket["id"])),
    } <= acts
    # A kiosk's ticket is not a staff act.
    assert not any(a == "queue.issue" and target == str(t["id"]) for a, _, target in rows)


def test_numbers_past_999_and_the_first_of_a_queue_are_counted_as_waiting(client, env):
    """The issue's numbering (on PostgreSQL one statement: the counter's upsert feeding the ticket's insert) opens a
    queue's counter at 1, keeps counting past three digits as the policy writes numbers (A999 → A1000), and counts
    every new ticket in as waiting in the row it numbered."""
    from sqlalchemy import update

    from smarthall.queueing import policy

    first = issue(client, "GA-001")
    assert first.status_code == 201, first.text
    queue = first.json()["queue"]
    assert first.json()["number"] == policy.format_number(queue, 1)
    with env.db.unit_of_work() as s:
        s.execute(update(QueueCounter).where(QueueCounter.queue_code == queue).values(value=998))
    numbers = [issue(client, "GA-001").json()["number"] for _ in range(3)]
    assert numbers == [policy.format_number(queue, n) for n in (999, 1000, 1001)]
    assert numbers == [f"{queue}999", f"{queue}1000", f"{queue}1001"]
    kept, real = _counted(env)
    assert kept[queue] == real[queue] == 4
    board = client.get(f"/api/v1/halls/{HALL}/board", headers=DISPLAY).json()
    assert {q["queue"]: q["waiting"] for q in board["queues"]} == {queue: 4}
