""" "People ahead" and the wait estimate against the real calling order (issue 16 §2).

The router (``policy.calling_order``, what ``calling.call_next`` uses) decides who is called; the estimate and the
"ahead" a ticket page and slip show must agree with it, with priority tickets, the starvation guard and windows
that serve only some items.
"""

from __future__ import annotations

import heapq
import re
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.queueing import estimate, policy
from smarthall.rules.service import defaults
from tests.conftest import auth
from tests.factories import make_id_number
from tests.queueing.helpers import W01, issue, sign_in

RULES = policy.QueueRules.from_values(defaults())
BASE = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def _stats() -> estimate.ServiceStats:
    # Means that are exact in binary (7 and 9.25 minutes), so the router's timedelta clock and the replay's float
    # clock agree at the starvation guard's boundary.
    stats = estimate.ServiceStats(prior=4.0)
    stats.add("A", 16.0)
    return stats


def real_calls(
    waiting: list[estimate.WaitingTicket], windows: list[estimate.OpenWindow], stats: estimate.ServiceStats
) -> dict[int, tuple[float, int]]:
    """Drive the hall with the real router: each window, when free (ties: the first), calls the first ticket of
    ``policy.calling_order`` over what it may serve, and spends the item's mean on it. ``{id: (start, window)}``."""
    left = {t.id: t for t in waiting}
    heap = [(w.busy_for, i) for i, w in enumerate(windows)]
    heapq.heapify(heap)
    streaks = [w.priority_streak for w in windows]
    starts: dict[int, tuple[float, int]] = {}
    while heap and left:
        clock, wi = heapq.heappop(heap)
        w = windows[wi]
        cands = [
            policy.Candidate(t.id, t.priority, BASE + timedelta(minutes=t.queued_min), t.target_window == w.code)
            for t in left.values()
            if t.target_window == w.code or (t.target_window is None and w.serves(t.item_code))
        ]
        order = policy.calling_order(
            cands, now=BASE + timedelta(minutes=clock), priority_streak=streaks[wi], rule=RULES
        )
        if not order:
            continue  # nothing it may serve is left: it drops out
        chosen = left.pop(order[0])
        starts[chosen.id] = (clock, wi)
        streaks[wi] = streaks[wi] + 1 if chosen.priority else 0
        heapq.heappush(heap, (clock + stats.mean(chosen.item_code), wi))
    return starts


tickets = st.lists(
    st.tuples(
        st.sampled_from(["A", "B", "C"]),
        st.booleans(),
        st.integers(min_value=-240, max_value=0).map(lambda q: q / 4),  # quarter minutes: exact
        st.sampled_from([None, None, None, None, "W0"]),
    ),
    max_size=40,
)
windows_ = st.lists(
    st.tuples(
        st.sampled_from([None, frozenset({"A", "B"}), frozenset({"C"}), frozenset({"A"})]),
        st.integers(min_value=0, max_value=40).map(lambda b: b / 4),
        st.integers(min_value=0, max_value=4),
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=150, deadline=None)
@given(tickets, windows_)
def test_people_ahead_and_wait_follow_the_real_calling_order(rows, window_rows):
    """For every waiting ticket: its estimated wait is when the real router calls it, and "ahead" is the number of
    tickets the windows able to serve it call before then — so a ticket called first has nobody ahead."""
    waiting = [estimate.WaitingTicket(i, item, prio, q, target) for i, (item, prio, q, target) in enumerate(rows)]
    windows = [estimate.OpenWindow(f"W{i}", items, busy, streak) for i, (items, busy, streak) in enumerate(window_rows)]
    stats = _stats()
    starts = real_calls(waiting, windows, stats)
    result = estimate.simulate(waiting, windows, stats)
    assert set(result) == set(starts)
    for t in waiting:
        if t.id not in starts:
            continue
        start, wi = starts[t.id]
        able = {
            i
            for i, w in enumerate(windows)
            if (w.code == t.target_window if t.target_window else w.serves(t.item_code))
        }
        ahead = sum(1 for s, wj in starts.values() if wj in able and s < start)
        assert result[t.id] == estimate.Estimate(ahead=ahead, wait_minutes=round(start, 1)), (t, starts)


@settings(deadline=None)  # a shared, loaded machine: the time of one example says nothing
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0, max_value=90), st.booleans()),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=0, max_value=4),
    st.data(),
)
def test_place_in_line_without_windows_is_the_calling_order(rows, streak, data):
    """With no window open there is no time to give, but the place in line is still the router's: calling the
    queue one ticket after another (streak moving, clock standing) reaches the ticket after exactly that many."""
    cands = [
        policy.Candidate(i, prio, BASE + timedelta(minutes=m), targeted) for i, (prio, m, targeted) in enumerate(rows)
    ]
    now = BASE + timedelta(minutes=100)
    target = data.draw(st.sampled_from([c.id for c in cands]))
    left, called, s = list(cands), 0, streak
    while True:
        first = policy.calling_order(left, now=now, priority_streak=s, rule=RULES)[0]
        if first == target:
            break
        chosen = next(c for c in left if c.id == first)
        left.remove(chosen)
        if not chosen.targeted:
            s = s + 1 if chosen.priority else 0
        called += 1
    assert policy.ahead_in_line(cands, target, now=now, priority_streak=streak, rule=RULES) == called


def _ahead(client, token: str) -> int:
    body = client.get(f"/api/v1/tickets/by-token/{token}").json()  # the holder's view, by the slip's reference
    return int(body["ahead"])


def test_issue_16_priority_tickets_ahead_no_window_then_a_window(client):
    """The reproduction of issue 16: GA-002 (C001), GA-001 declared 孕妇 (C002), GA-002 with an ID of a person over
    60 (C003). Before: C001's page said 0 ahead and C002's slip 1, yet C002 is called first. Now "ahead" is the
    calling order — C002 0, C003 1, C001 2 — with no window open, with a window open, and the calls agree."""
    c1 = issue(client, "GA-002").json()
    c2 = issue(client, "GA-001", declared="pregnant").json()
    c3 = issue(client, "GA-002", id_number=make_id_number(date(1950, 3, 1))).json()
    assert (c1["priority"], c2["priority"], c3["priority"]) == (False, True, True)
    assert c2["ahead"] == 0 and c3["ahead"] == 1  # on the slips
    assert [_ahead(client, t["token"]) for t in (c1, c2, c3)] == [2, 0, 1]
    page = client.get(f"/tickets/{c1['token']}")
    assert page.status_code == 200

    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    assert [_ahead(client, t["token"]) for t in (c1, c2, c3)] == [2, 0, 1]
    called = []
    for _ in range(3):
        t = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()
        called.append(t["id"])
        if len(called) < 3:
            remaining = [x for x in (c1, c2, c3) if x["id"] not in called]
            # whoever is called next had nobody ahead
            nxt = min(remaining, key=lambda x: _ahead(client, x["token"]))
            assert _ahead(client, nxt["token"]) == 0
        client.post(f"/api/v1/tickets/{t['id']}/finish", headers=clerk)
    assert called == [c2["id"], c3["id"], c1["id"]]


def test_the_window_list_is_the_calling_order_with_the_starvation_guard(client):
    """The workstation's list follows the calls, not "priority first": with one ordinary ticket and four priority
    ones, the starvation guard (three priority calls in a row, then an ordinary one) puts the ordinary ticket fourth,
    and the window indeed calls it fourth. Before: it was listed last, after every priority ticket."""
    ordinary = issue(client, "GA-002").json()
    prio = [issue(client, "GA-001", declared="pregnant").json() for _ in range(4)]
    clerk = auth(client, "clerk1")
    sign_in(client, clerk)
    listed = [t["id"] for t in client.get(f"/api/v1/windows/{W01}/queue", headers=clerk).json()]
    expected = [prio[0]["id"], prio[1]["id"], prio[2]["id"], ordinary["id"], prio[3]["id"]]
    assert listed == expected
    page = client.get(f"/window/{W01}/queue", headers=clerk).text  # the workstation's list, as the clerk sees it
    numbers = {t["id"]: t["number"] for t in [ordinary, *prio]}
    assert re.findall(r"<tr><td>([A-Z]\d+)", page) == [numbers[i] for i in expected]
    called = []
    for _ in range(5):
        t = client.post(f"/api/v1/windows/{W01}/call-next", headers=clerk).json()
        called.append(t["id"])
        client.post(f"/api/v1/tickets/{t['id']}/finish", headers=clerk)
    assert called == expected
