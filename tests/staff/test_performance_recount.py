"""The monthly ranking matches a recount from raw records (issue 14, 8.2) — a property test through the real
database: hypothesis generates served tickets (who, at which window, how long the customer waited, how long the
service took, the rating), accepted cases (promised date, finished or still running, stopped or not) and their
supplement notices; they are written as rows, and the ranking read over HTTP must equal a plain recount of the
generated records — per person, per served window and for the hall — ranked with the hall's formula."""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update

from smarthall.cases.models import CaseEvent
from smarthall.core.clock import SHANGHAI
from smarthall.evaluation.models import Rating
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.queueing.models import Ticket
from smarthall.staff import scoring
from tests.conftest import auth
from tests.factories import make_case, make_ticket, staff_actor
from tests.queueing.helpers import W01, W02
from tests.staff.helpers import HALL

CLERKS = ("clerk1", "clerk2")
ASSIGNED = {"clerk1": W01, "clerk2": W02}  # the demo's assignments: cases and notices count there
WINDOWS = (W01, W02)
_days = itertools.count()  # every example measures a day of its own, long before the demo's records

SERVICE = st.tuples(
    st.sampled_from(CLERKS),
    st.sampled_from(WINDOWS),  # a clerk may serve at another window (a reassignment during the month)
    st.integers(0, 45),  # minutes waited
    st.integers(1, 30),  # minutes served
    st.none() | st.integers(1, 5),  # rating
)
CASE = st.tuples(
    st.sampled_from(CLERKS),  # acceptor
    st.integers(-2, 2),  # promised date, days from the measured day
    st.none() | st.integers(-2, 3),  # finished, days from the measured day (None: not finished)
    st.sampled_from(["review", "supplement"]),  # when not finished: running, or the clock stopped
    st.lists(st.tuples(st.sampled_from(CLERKS), st.integers(-1, 0)), max_size=3),  # notices: who, which day
)
COMPARED = (
    "handled", "mean_service_minutes", "cases", "on_time_rate", "ratings", "good_rating_rate", "complaints",
    "helps", "mean_wait_minutes", "waits_caused_minutes", "overdue", "notices", "notice_violations",
    "notice_compliance",
)  # fmt: skip


def _at(day: date, minutes: int) -> datetime:
    return datetime.combine(day, time(9, 0), SHANGHAI) + timedelta(minutes=minutes)


def _read(f: scoring.Figures) -> dict[str, Any]:
    return {
        "handled": f.handled, "mean_service_minutes": f.mean_service_minutes, "cases": f.cases,
        "on_time_rate": f.on_time_rate, "ratings": f.ratings, "good_rating_rate": f.good_rating_rate,
        "complaints": f.complaints, "helps": f.helps, "mean_wait_minutes": f.mean_wait_minutes,
        "waits_caused_minutes": f.waits_caused_minutes, "overdue": f.overdue, "notices": f.notices,
        "notice_violations": f.repeat_notices, "notice_compliance": f.notice_compliance,
    }  # fmt: skip


def _write(env: Any, day: date, services: list[Any], cases: list[Any]) -> dict[str, int]:
    """The generated records as rows; the clerks' staff ids."""
    with env.db.unit_of_work() as session:
        hall = org_service.hall_facts(session, HALL)
        ids = {u: s.id for u, s in identity_service.staff_by_username(session, CLERKS).items()}
        for n, (clerk, window, waited, served, level) in enumerate(services):
            called = _at(day, 40 * n)
            ticket = make_ticket(session, status="finished", window_code=window, staff=staff_actor(session, clerk),
                                 now=called)  # fmt: skip
            finished = called + timedelta(minutes=served)
            session.execute(
                update(Ticket)
                .where(Ticket.id == ticket.id)
                .values(queued_at=called - timedelta(minutes=waited), called_at=called, finished_at=finished)
            )
            if level is not None:
                session.add(
                    Rating(subject_kind="ticket", subject_ref=str(ticket.id), sequence=1, current=True,
                           hall_id=hall.id, hall_code=hall.code, region_path=hall.region_path, window_code=window,
                           staff_id=ids[clerk], item_code="GA-001", service_channel="onsite", channel="window_pad",
                           level=level, indicators={}, tags=[], comment="", rated_at=finished, excluded=False)
                )  # fmt: skip
        for acceptor, due, finished_on, waiting, notices in cases:
            case = make_case(session, status="review", accepted_by=ids[acceptor], promised_due=day + timedelta(due),
                             submitted_at=_at(day - timedelta(days=6), 0))  # fmt: skip
            if finished_on is None:
                case.status = waiting
            else:
                case.status, case.finished_at = "approved", _at(day + timedelta(finished_on), 180)
            for giver, on in sorted(notices, key=lambda n: n[1]):
                session.add(
                    CaseEvent(case_id=case.id, at=_at(day + timedelta(on), 120), action="supplement",
                              from_status="review", to_status="supplement", actor_kind="staff", actor_ref=giver,
                              note="", detail={})
                )  # fmt: skip
                session.flush()
        session.flush()
    return ids


def _recount(services: list[Any], cases: list[Any]) -> tuple[dict[str, scoring.Figures], dict[str, scoring.Figures]]:
    """The reference: per clerk and per window, counted by hand from the generated records."""
    people: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    windows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add(clerk: str, window: str, **n: int) -> None:
        for k, v in n.items():
            people[clerk][k] += v
            windows[window][k] += v

    for clerk, window, waited, served, level in services:
        add(clerk, window, handled=1, service_seconds=60 * served, waited=1, wait_seconds=60 * waited)
        if level is not None:
            add(clerk, window, ratings=1, good_ratings=int(level >= 4), complaints=int(level <= 2))
    for acceptor, due, finished_on, waiting, notices in cases:
        home = ASSIGNED[acceptor]
        if finished_on == 0:
            add(acceptor, home, cases=1, cases_on_time=int(0 <= due))
        if due == 0 and (
            (finished_on is not None and finished_on > 0) or (finished_on is None and waiting == "review")
        ):
            add(acceptor, home, overdue=1)
        for n, (giver, on) in enumerate(sorted(notices, key=lambda x: x[1])):
            if on == 0:
                add(giver, ASSIGNED[giver], notices=1, repeat_notices=int(n > 0))

    def made(c: dict[str, int]) -> scoring.Figures:
        return scoring.Figures(**{f: c.get(f, 0) for f in scoring.Figures.__dataclass_fields__})

    return {k: made(v) for k, v in people.items()}, {k: made(v) for k, v in windows.items()}


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(services=st.lists(SERVICE, max_size=8), cases=st.lists(CASE, max_size=5))
def test_the_ranking_is_a_recount_of_the_raw_records(
    env: Any, client: Any, services: list[Any], cases: list[Any]
) -> None:
    day = date(2024, 1, 8) + timedelta(days=10 * next(_days))
    period = {"hall_code": HALL, "from": day.isoformat(), "to": day.isoformat()}
    manager = auth(client, "hallmanager1")
    before = client.get("/api/v1/staff-performance", params=period, headers=manager).json()
    assert before["groups"]["hall"]["handled"] == 0 and before["groups"]["hall"]["notices"] == 0  # a clean day
    ids = _write(env, day, services, cases)
    data = client.get("/api/v1/staff-performance", params=period, headers=manager)
    assert data.status_code == 200, data.text
    board = data.json()
    people, windows = _recount(services, cases)
    codes = {r["staff_code"]: r for r in board["rows"]}
    with env.db.unit_of_work(write=False) as session:
        code_of = {s.id: s.code for s in identity_service.staff_by_ids(session, list(ids.values())).values()}
    clerk_code = {u: code_of[i] for u, i in ids.items()}
    empty = scoring.Figures(0, 0, 0, 0, 0, 0, 0)
    # every person: the recount's figures; nobody else has any
    for code, row in codes.items():
        clerk = next((u for u, c in clerk_code.items() if c == code), None)
        expected = people.get(clerk, empty) if clerk else empty
        assert {k: row[k] for k in COMPARED} == _read(expected), (code, row)
    # the ranking: the recount's figures ranked with the hall's (default) formula, in the same order
    by_code = {code: people.get(next((u for u, c in clerk_code.items() if c == code), ""), empty) for code in codes}
    expected_rank = scoring.rank(by_code, scoring.DEFAULT_WEIGHTS)
    got = [(r["staff_code"], r["score"], r["rank"]) for r in board["rows"]]
    assert sorted(got) == sorted(expected_rank)
    ranks = [r for _, _, r in got]
    assert ranks == sorted(ranks, key=lambda r: (r is None, r or 0))  # best first, the unranked last
    # every window: what was served at it (and the cases, notices of the clerks assigned to it)
    got_windows = {g["code"]: g for g in board["groups"]["window"]}
    for window in WINDOWS:
        assert {k: got_windows[window][k] for k in COMPARED} == _read(windows.get(window, empty)), window
    assert all(g["handled"] == 0 and g["notices"] == 0 for c, g in got_windows.items() if c not in WINDOWS)
    # the hall: everyone's
    total = sum(people.values(), empty)
    assert {k: board["groups"]["hall"][k] for k in COMPARED} == _read(total)
