"""Performance (8.2) beyond the person, through the HTTP API: the same figures summed per window (here every clerk
serves at their own window; a window served at by someone assigned elsewhere is in test_performance_measures.py),
per department and for the hall, windows and departments ranked among themselves with the hall's formula; help
requests (帮办) finished by a helper counted for them (and usable in a formula as ``help_count``); the sums agree
with the people's rows, and the roll-up is a plain sum on any figures (property test)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarthall.staff import scoring
from tests.conftest import auth
from tests.queueing.helpers import W02
from tests.staff.helpers import HALL, pad_rate, serve

DAY = {"from": "2026-11-30", "to": "2026-11-30"}
NUMBERS = ("handled", "cases", "ratings", "complaints", "helps")


def _help_finished_by(client: Any, username: str) -> None:
    made = client.post("/api/v1/help-requests", json={"hall_code": HALL, "source": "kiosk", "item_code": "GA-001"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    helper = auth(client, username)
    for action in ("start", "finish"):
        done = client.post(f"/api/v1/help-requests/{rid}/actions", json={"action": action}, headers=helper)
        assert done.status_code == 200, done.text


def test_windows_departments_and_the_hall_are_the_sums_of_their_people(env: Any, client: Any) -> None:
    for minutes, level in ((5, 5), (15, 1)):
        pad_rate(client, serve(env, client, minutes=minutes), level)
    serve(env, client, minutes=20, window=W02, clerk="clerk2")
    _help_finished_by(client, "guide3")
    _help_finished_by(client, "guide3")
    manager = auth(client, "hallmanager1")
    data = client.get("/api/v1/staff-performance", params={"hall_code": HALL, **DAY}, headers=manager).json()
    rows = data["rows"]
    helper = next(r for r in rows if r["helps"])
    assert helper["helps"] == 2 and helper["role"] == "guide"  # helpers are measured like windows
    groups = data["groups"]
    for grouping, field in (("window", "window_code"), ("department", "department_code")):
        expected: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        people: dict[str, int] = defaultdict(int)
        for r in rows:
            if r[field]:
                people[r[field]] += 1
                for n in NUMBERS:
                    expected[r[field]][n] += r[n]
        got = {g["code"]: g for g in groups[grouping]}
        assert set(got) == set(expected), grouping
        for code, sums in expected.items():
            assert {n: got[code][n] for n in NUMBERS} == dict(sums), (grouping, code)
            assert got[code]["people"] == people[code]
        ranked = [g["rank"] for g in groups[grouping] if g["rank"] is not None]
        assert ranked == sorted(ranked) and (not ranked or ranked[0] == 1)
    w01 = next(g for g in groups["window"] if g["code"] == "H-690102-W01")
    assert (w01["handled"], w01["mean_service_minutes"], w01["complaints"]) == (2, 10.0, 1)
    assert w01["good_rating_rate"] == 0.5
    hall = groups["hall"]
    assert hall["people"] == len(rows)
    assert {n: hall[n] for n in NUMBERS} == {n: sum(r[n] for r in rows) for n in NUMBERS}
    assert hall["handled"] == 3 and hall["helps"] == 2

    # a formula may use the help count: the helper scores by it
    by_help = client.get("/api/v1/staff-performance", params={"hall_code": HALL, **DAY, "formula": "help_count * 10"},
                         headers=manager).json()  # fmt: skip
    top = by_help["rows"][0]
    assert top["staff_code"] == helper["staff_code"] and top["score"] == 20.0

    # the page shows the roll-ups in words
    page = client.get("/staff/performance", params={"hall_code": HALL, **DAY}, headers=manager)
    assert page.status_code == 200 and 'data-testid="by-window"' in page.text
    assert 'data-testid="hall-total"' in page.text
    assert "按窗口、科室与全厅汇总" in page.text and "帮办求助" in page.text


FIGURES = st.builds(
    scoring.Figures,
    handled=st.integers(0, 50),
    service_seconds=st.integers(0, 50_000),
    cases=st.integers(0, 30),
    cases_on_time=st.integers(0, 30),
    ratings=st.integers(0, 30),
    good_ratings=st.integers(0, 30),
    complaints=st.integers(0, 30),
    helps=st.integers(0, 10),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.integers(1, 40), st.tuples(FIGURES, st.sampled_from(["W1", "W2", "W3", None])), max_size=8))
def test_a_rollup_is_the_sum_of_its_members_and_ranks_every_group(people: dict[int, Any]) -> None:
    figures = {k: f for k, (f, _) in people.items()}
    key_of = {k: g for k, (_, g) in people.items()}
    summed = scoring.rollup(figures, key_of)
    assert set(summed) == {g for g in key_of.values() if g}
    for group, total in summed.items():
        members = [figures[k] for k, g in key_of.items() if g == group]
        for field in ("handled", "service_seconds", "cases", "ratings", "complaints", "helps"):
            assert getattr(total, field) == sum(getattr(m, field) for m in members)
    ranked = scoring.rank(summed, scoring.DEFAULT_WEIGHTS)
    assert sorted(k for k, _, _ in ranked) == sorted(summed)
