"""``operations.arrivals``: the known arrival process is seeded, calendar-aware and has the mean it says it has."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.operations import arrivals
from smarthall.operations.calendar import day_info

CATALOG = json.loads((Path(arrivals.__file__).parent.parent / "data" / "catalog.json").read_text())
HALLS = {h["code"]: h for h in CATALOG["halls"]}


def county(**overrides):
    return arrivals.profile_for_hall(HALLS["H-690102"], CATALOG["items"], **overrides)


def test_the_same_seed_gives_the_same_day_and_another_seed_another():
    a = arrivals.sample_day(county(), date(2026, 11, 30), seed=1)
    b = arrivals.sample_day(county(), date(2026, 11, 30), seed=1)
    c = arrivals.sample_day(county(), date(2026, 11, 30), seed=2)
    assert a.minute == b.minute and a.item == b.item and a.service == b.service
    assert a.minute != c.minute


def test_closed_days_have_no_arrivals():
    assert len(arrivals.sample_day(county(), date(2026, 10, 1), seed=1)) == 0  # National Day
    assert len(arrivals.sample_day(county(), date(2026, 11, 29), seed=1)) == 0  # a Sunday
    assert arrivals.expected_hourly(county(), date(2026, 10, 1)) == {}


def test_a_day_follows_the_opening_hours_and_the_mix():
    profile = county()
    sample = arrivals.sample_day(profile, date(2026, 11, 30), seed=3)
    assert len(sample) > 100
    assert sample.minute == sorted(sample.minute)
    assert 8 * 60 + 30 <= min(sample.minute) and max(sample.minute) < 17 * 60 + 30
    codes = {i.code: i for i in profile.items}
    assert set(sample.item) <= set(codes)
    assert all(codes[i].queue == q for i, q in zip(sample.item, sample.queue, strict=True))
    assert all(s > 0 for s in sample.service) and all(p >= 15 for p in sample.patience)
    assert all(r == "appointment" for r in sample.reason if r and r != "elderly")
    assert all(p == (r is not None) for p, r in zip(sample.priority, sample.reason, strict=True))


def test_township_stations_only_get_their_items():
    station = arrivals.profile_for_hall(HALLS["H-690102001"], CATALOG["items"])
    levels = {i["code"]: i["counters"] for i in CATALOG["items"]}
    assert station.size == "small"
    assert all("township" in levels[i.code] for i in station.items)


def test_an_ordinary_tuesday_carries_the_halls_volume():
    profile = county(growth_per_year=0.0, yearly_wave=0.0)
    tuesday = date(2026, 12, 1)
    assert abs(sum(arrivals.expected_hourly(profile, tuesday).values()) - profile.daily_volume) < 1e-6


def test_the_calendar_moves_the_volume():
    profile = county(growth_per_year=0.0, yearly_wave=0.0)

    def volume(d):
        return sum(arrivals.expected_hourly(profile, d).values())

    assert volume(date(2026, 10, 8)) > 1.4 * volume(date(2026, 10, 15))  # post-holiday Thursday vs a week later
    assert volume(date(2026, 11, 30)) > volume(date(2026, 11, 23))  # month-end Monday
    hourly = arrivals.expected_hourly(profile, date(2026, 11, 24))
    assert hourly[12] < hourly[10] / 3 and hourly[15] > hourly[12]  # morning peak, lunch dip, afternoon peak


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from(["small", "medium"]))
def test_the_stated_mean_is_the_mean(seed, size):
    profile = county(size=size, day_cv=0.15)
    day = date(2026, 11, 24)
    expected = sum(arrivals.expected_hourly(profile, day).values())
    counts = [len(arrivals.sample_day(profile, day, seed * 1000 + k)) for k in range(60)]
    # the day effect (cv 0.15) and Poisson noise: the mean of 60 days is within 4 standard errors
    sd = np.sqrt(expected + (0.15 * expected) ** 2)
    assert abs(np.mean(counts) - expected) < 4 * sd / np.sqrt(60)


def test_no_shows_are_bookings_of_appointment_items():
    profile = county(size="large")
    sample = arrivals.sample_day(profile, date(2026, 11, 24), seed=5)
    booked = {i.code for i in profile.items if i.booked_share > 0}
    assert sample.no_shows and {item for _, item in sample.no_shows} <= booked
    assert day_info(date(2026, 11, 24)).workday
