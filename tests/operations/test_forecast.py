"""``operations.forecast``: the model recovers a known process, its intervals are calibrated by construction, the
baselines look where they should, and too little history is a clear answer."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from smarthall.operations import arrivals, forecast
from smarthall.operations.calendar import day_info

HOURS = {
    "weekly": {
        **{
            d: [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "17:30"}] for d in ("mon", "tue", "wed")
        },
        **{d: [{"open": "08:30", "close": "12:00"}, {"open": "14:00", "close": "17:30"}] for d in ("thu", "fri")},
        "sat": [],
        "sun": [],
    }
}
ITEMS = (
    arrivals.ItemProfile("GA-001", "GA", 0.6, 7.0),
    arrivals.ItemProfile("RS-001", "RS", 0.4, 6.0),
)


def profile(volume: float = 300.0) -> arrivals.HallProfile:
    return arrivals.HallProfile("H-T", "medium", ITEMS, HOURS, volume=volume, day_cv=0.1)


def history(p: arrivals.HallProfile, first: date, last: date, seed: int = 1) -> dict:
    counts: dict = {}
    d = first
    while d < last:
        sample = arrivals.sample_day(p, d, seed)
        day: dict = {}
        for minute, queue in zip(sample.minute, sample.queue, strict=True):
            hour = day.setdefault(int(minute // 60), {})
            hour[queue] = hour.get(queue, 0) + 1
        counts[d] = day
        d += timedelta(days=1)
    return counts


@pytest.fixture(scope="module")
def fitted():
    p = profile()
    counts = history(p, date(2025, 9, 1), date(2026, 9, 21))
    return p, counts, forecast.forecast(counts, HOURS, date(2026, 9, 21), 14)


class TestForecast:
    def test_every_open_hour_of_the_horizon_and_no_closed_day(self, fitted):
        _, _, result = fitted
        days = {f.day for f in result}
        assert date(2026, 10, 1) not in days and date(2026, 9, 26) not in days  # National Day, a Saturday
        assert date(2026, 9, 28) in days
        for f in result:
            assert f.hour in forecast.open_hours(HOURS, day_info(f.day))
            assert f.low <= f.mean + 1 and f.mean - 1 <= f.high and f.low <= f.high

    def test_close_to_the_true_process(self, fitted):
        p, _, result = fitted
        errors = [abs(f.mean / arrivals.expected_hourly(p, f.day)[f.hour] - 1) for f in result if f.mean > 5]
        assert sum(errors) / len(errors) < 0.12

    def test_queues_split_the_halls_forecast(self, fitted):
        _, _, result = fitted
        for f in result:
            assert set(f.queues) == {"GA", "RS"}
            assert math.isclose(sum(q[0] for q in f.queues.values()), f.mean, rel_tol=1e-9)
            ga = f.queues["GA"][0] / f.mean
            assert 0.5 < ga < 0.7

    def test_the_day_after_the_holiday_surges(self):
        p = profile()
        counts = history(p, date(2025, 6, 1), date(2026, 10, 5), seed=2)
        result = forecast.forecast(counts, HOURS, date(2026, 10, 5), 14)
        total = {d: sum(f.mean for f in result if f.day == d) for d in {f.day for f in result}}
        assert total[date(2026, 10, 8)] > 1.3 * total[date(2026, 10, 15)]  # post-holiday Thursday vs a week on


def test_too_little_history_says_what_is_needed():
    p = profile()
    counts = history(p, date(2026, 11, 2), date(2026, 11, 20))
    with pytest.raises(forecast.NotEnoughHistory) as caught:
        forecast.forecast(counts, HOURS, date(2026, 11, 20))
    assert caught.value.need == forecast.MIN_OPEN_DAYS and 0 < caught.value.have < caught.value.need


def test_the_horizon_is_bounded():
    with pytest.raises(ValueError):
        forecast.forecast({}, HOURS, date(2026, 11, 20), days=0)


def _cdf(mean: float, inv_theta: float, k: int) -> float:
    if k < 0:
        return 0.0
    if inv_theta == 0:
        return sum(math.exp(-mean + j * math.log(mean) - math.lgamma(j + 1)) for j in range(k + 1))
    theta = 1 / inv_theta
    p = theta / (theta + mean)
    return sum(
        math.exp(
            math.lgamma(j + theta) - math.lgamma(theta) - math.lgamma(j + 1) + theta * math.log(p) + j * math.log(1 - p)
        )
        for j in range(k + 1)
    )


@settings(max_examples=60, deadline=None)
@given(st.floats(0.5, 300), st.sampled_from([0.0, 0.01, 0.05, 0.2]))
def test_interval_bounds_are_the_counts_nearest_to_10_and_90_percent(mean, inv_theta):
    low, high = forecast._nb_bounds(mean, inv_theta)
    below, upto = _cdf(mean, inv_theta, low - 1), _cdf(mean, inv_theta, high)
    for k in (low - 1, low):  # moving the bound by one count does not come nearer to 10 % …
        assert abs(below - 0.1) <= abs(_cdf(mean, inv_theta, k - 1) - 0.1) + 1e-9
    for k in (high - 1, high + 1):  # … nor to 90 %
        assert abs(upto - 0.9) <= abs(_cdf(mean, inv_theta, k) - 0.9) + 1e-9


class TestBaselines:
    counts = {
        date(2026, 11, 2) + timedelta(days=i): {9: {"A": i + 1}}
        for i in range(28)
        if (date(2026, 11, 2) + timedelta(days=i)).weekday() < 5
    }
    origin = date(2026, 11, 30)  # a Monday

    def test_seasonal_naive_takes_the_last_week_before_the_origin(self):
        assert forecast.seasonal_naive(self.counts, self.origin, date(2026, 11, 30), 9) == 22  # 23 Nov
        assert forecast.seasonal_naive(self.counts, self.origin, date(2026, 12, 8), 9) == 23  # 8 Dec → 24 Nov
        assert forecast.seasonal_naive(self.counts, self.origin, date(2026, 12, 5), 9) == 0  # a Saturday

    def test_the_weekday_hour_mean_covers_four_weeks_of_open_days(self):
        assert forecast.weekday_hour_mean(self.counts, self.origin, date(2026, 11, 30), 9) == (1 + 8 + 15 + 22) / 4
        assert forecast.weekday_hour_mean(self.counts, self.origin, date(2026, 12, 5), 9) == 0.0

    def test_scores(self):
        assert forecast.mase([1, 2, 3], [1, 2, 5], 2.0) == pytest.approx(1 / 3)
        assert forecast.coverage([1, 5, 9], [0, 0, 0], [4, 5, 8]) == pytest.approx(2 / 3)
