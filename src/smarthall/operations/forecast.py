"""Arrivals per hall × day × hour (and per queue) for the coming days, with 80 % prediction intervals (pure, no I/O).

The model is a negative-binomial regression with a log link, fitted by iteratively reweighted least squares in
numpy (see docs/decisions.md for why not statsmodels):

    log E[arrivals(day, hour)] = day kind (mon … sat, adjusted working weekend) + hour + day kind × hour
                                 + post-holiday day 1 / 2 / 3 (day 1 also × the closure's length)
                                 + last working day before a long closure + month-end
                                 + trend and a yearly wave (when the history is long enough)

The calendar terms are those of ``operations.calendar`` (official holidays and adjusted working days, local
overrides). Older days weigh less (half-life ``half_life_days``); the day-kind × hour terms are shrunk towards the
shared hour profile (a ridge penalty), so a rare day kind borrows the common shape. Over-dispersion (days busier or
quieter as a whole) is estimated from the residuals; the interval adds the uncertainty of the fitted mean.
An interval bound is the count whose cumulative probability is *nearest* to 10 % and 90 % (not the first count
past them), so that even small hourly counts are covered about 80 % of the time rather than 90 %.

Queue forecasts split the hall's by each queue's recency-weighted share of that hour; a binomial share of a negative
binomial count is again negative binomial with the same dispersion, so the intervals carry over.

Baselines (``seasonal_naive``, ``weekday_hour_mean``) and scores (``mase``, ``coverage``) are here too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from smarthall.core.workdays import WorkCalendar
from smarthall.operations.calendar import DayInfo, day_info, minute_of_day, open_periods

KINDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "adjusted")
MIN_OPEN_DAYS = 20  # days with arrivals needed before anything is forecast
MAX_HORIZON = 60

Counts = Mapping[date, Mapping[int, Mapping[str, int]]]  # day → hour → queue → arrivals


class NotEnoughHistory(ValueError):
    def __init__(self, have: int, need: int = MIN_OPEN_DAYS) -> None:
        super().__init__(f"{have} open days of history, {need} needed")
        self.have, self.need = have, need


@dataclass(frozen=True)
class HourForecast:
    day: date
    hour: int
    mean: float
    low: int  # 80 % prediction interval, inclusive
    high: int
    queues: Mapping[str, tuple[float, int, int]]  # queue → (mean, low, high)


def open_hours(hours: Mapping[str, Any], info: DayInfo) -> list[int]:
    """Clock hours in which tickets can be taken: from the first opening to the last closing (lunch included)."""
    periods = open_periods(hours, info)
    if not periods:
        return []
    first, last = minute_of_day(periods[0][0]), minute_of_day(periods[-1][1])
    return list(range(first // 60, math.ceil(last / 60)))


@dataclass(frozen=True)
class Model:
    beta: np.ndarray
    cov: np.ndarray
    inv_theta: float  # 1/θ: the negative binomial's over-dispersion (0: Poisson)
    columns: tuple[str, ...]
    origin: date
    span_days: int
    shares: Mapping[int, Mapping[str, float]]  # hour → queue → share


def _features(info: DayInfo, hour: int, origin: date, span: int) -> dict[str, float]:
    f = {"1": 1.0, f"k:{info.kind}": 1.0, f"h:{hour}": 1.0, f"kh:{info.kind}:{hour}": 1.0}
    if info.post_holiday:
        f[f"post:{info.post_holiday}"] = 1.0
        if info.post_holiday == 1:
            f["post:1:closure"] = math.log(info.closure_days / 3)
    if info.pre_holiday:
        f["pre"] = 1.0
    if info.month_end:
        f["month_end"] = 1.0
    years = (info.day - origin).days / 365.25
    if span >= 120:
        f["trend"] = years
    if span >= 330:
        angle = 2 * math.pi * info.day.timetuple().tm_yday / 365.25
        f["year:cos"], f["year:sin"] = math.cos(angle), math.sin(angle)
    return f


def _penalty(column: str) -> float:
    """Ridge weight per column, in units of the mean count (interactions shrunk most)."""
    if column == "1":
        return 0.0
    if column.startswith("kh:"):
        return 3.0
    if column.startswith(("post", "pre", "month_end")):
        return 0.5
    return 0.05


def fit(
    counts: Counts,
    hours: Mapping[str, Any],
    origin: date,
    *,
    calendar: WorkCalendar | None = None,
    half_life_days: float = 365.0,
) -> Model:
    """Fit on the days before ``origin`` (days missing from ``counts`` are taken as not recorded, not as zero)."""
    past = sorted(d for d in counts if d < origin)
    open_days = [d for d in past if sum(sum(q.values()) for q in counts[d].values()) > 0]
    if len(open_days) < MIN_OPEN_DAYS:
        raise NotEnoughHistory(len(open_days))
    span = (origin - open_days[0]).days
    rows: list[dict[str, float]] = []
    ys: list[float] = []
    ws: list[float] = []
    shares: dict[int, dict[str, float]] = {}
    for d in past:
        info = day_info(d, calendar)
        day_hours = open_hours(hours, info)
        recorded = counts[d]
        if not day_hours and not recorded:
            continue
        weight = 0.5 ** ((origin - d).days / half_life_days)
        for hour in sorted(set(day_hours) | set(recorded)):
            by_queue = recorded.get(hour, {})
            arrived = float(sum(by_queue.values()))
            if not day_hours:  # arrivals recorded on a day the calendar calls closed: leave it out of the fit
                continue
            rows.append(_features(info, hour, origin, span))
            ys.append(arrived)
            ws.append(weight)
            for q, n in by_queue.items():
                shares.setdefault(hour, {})[q] = shares.get(hour, {}).get(q, 0.0) + weight * n
    columns = tuple(sorted({c for r in rows for c in r}, key=lambda c: (c != "1", c)))
    index = {c: j for j, c in enumerate(columns)}
    x = np.zeros((len(rows), len(columns)))
    for i, r in enumerate(rows):
        for c, v in r.items():
            x[i, index[c]] = v
    y, w = np.asarray(ys), np.asarray(ws)
    scale = max(float((w * y).sum() / w.sum()), 0.5)
    pen = np.array([_penalty(c) * scale for c in columns])
    beta, cov = _irls(x, y, w, pen, inv_theta=0.0)
    mu = np.exp(x @ beta)
    inv_theta = max(0.0, float((w * ((y - mu) ** 2 - mu)).sum() / (w * mu**2).sum()))
    if inv_theta > 0:
        beta, cov = _irls(x, y, w, pen, inv_theta=inv_theta, start=beta)
    hour_shares = {
        h: {q: v / total for q, v in qs.items()} for h, qs in shares.items() if (total := sum(qs.values())) > 0
    }
    return Model(beta, cov, inv_theta, columns, origin, span, hour_shares)


def _irls(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, pen: np.ndarray, *, inv_theta: float, start: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    beta = np.zeros(x.shape[1]) if start is None else start.copy()
    if start is None:
        beta[0] = math.log(max(float((w * y).sum() / w.sum()), 1e-3))
    penalty = np.diag(pen)
    a = penalty
    for _ in range(50):
        eta = np.clip(x @ beta, -20, 20)
        mu = np.exp(eta)
        weight = w * mu / (1 + mu * inv_theta)
        z = eta + (y - mu) / mu
        a = x.T @ (weight[:, None] * x) + penalty
        new = np.linalg.solve(a, x.T @ (weight * z))
        if np.max(np.abs(new - beta)) < 1e-8:
            beta = new
            break
        beta = new
    return beta, np.linalg.inv(a)


def _nb_bounds(mean: float, inv_theta: float, low_p: float = 0.1, high_p: float = 0.9) -> tuple[int, int]:
    """The counts whose cumulative probabilities are nearest to ``low_p`` (below the interval) and ``high_p``."""
    if mean <= 0:
        return 0, 0
    limit = int(mean + 12 * math.sqrt(mean + mean * mean * inv_theta) + 10)
    if inv_theta <= 1e-9:
        log_p0 = -mean
        step = lambda k: math.log(mean) - math.log(k)  # noqa: E731
    else:
        theta = 1 / inv_theta
        p = theta / (theta + mean)
        log_p0 = theta * math.log(p)
        step = lambda k: math.log((k - 1 + theta) / k) + math.log(1 - p)  # noqa: E731
    cdf, log_pk, below = [], log_p0, 0.0
    for k in range(limit + 1):
        if k > 0:
            log_pk += step(k)
        below += math.exp(log_pk)
        cdf.append(below)
    low = min(range(limit + 1), key=lambda k: abs((cdf[k - 1] if k > 0 else 0.0) - low_p))
    high = min(range(limit + 1), key=lambda k: abs(cdf[k] - high_p))
    return low, max(low, high)


def predict(
    model: Model,
    hours: Mapping[str, Any],
    days: Iterable[date],
    *,
    calendar: WorkCalendar | None = None,
) -> list[HourForecast]:
    index = {c: j for j, c in enumerate(model.columns)}
    out = []
    for d in days:
        info = day_info(d, calendar)
        day_hours = open_hours(hours, info)
        for hour in day_hours:
            x = np.zeros(len(model.columns))
            for c, v in _features(info, hour, model.origin, model.span_days).items():
                if c in index:
                    x[index[c]] = v
            mean = float(np.exp(np.clip(x @ model.beta, -20, 20)))
            spread = model.inv_theta + float(x @ model.cov @ x)  # over-dispersion + uncertainty of the mean
            low, high = _nb_bounds(mean, spread)
            queues = {}
            for q, share in model.shares.get(hour, {}).items():
                qm = mean * share
                queues[q] = (qm, *_nb_bounds(qm, spread))
            out.append(HourForecast(d, hour, mean, low, high, queues))
    return out


def forecast(
    counts: Counts,
    hours: Mapping[str, Any],
    origin: date,
    days: int = 14,
    *,
    calendar: WorkCalendar | None = None,
    half_life_days: float = 365.0,
) -> list[HourForecast]:
    """The next ``days`` days from ``origin`` (inclusive), every open hour; ``NotEnoughHistory`` when too little."""
    if not 1 <= days <= MAX_HORIZON:
        raise ValueError(f"days must be 1 … {MAX_HORIZON}")
    model = fit(counts, hours, origin, calendar=calendar, half_life_days=half_life_days)
    return predict(model, hours, (origin + timedelta(days=i) for i in range(days)), calendar=calendar)


# -- baselines and scores ------------------------------------------------------------------------------------------


def hall_total(counts: Counts, day: date, hour: int) -> float:
    return float(sum(counts.get(day, {}).get(hour, {}).values()))


def seasonal_naive(counts: Counts, origin: date, day: date, hour: int) -> float:
    """The same weekday and hour in the last week before ``origin`` (zero if the hall was closed then)."""
    back = day - timedelta(days=7 * math.ceil(((day - origin).days + 1) / 7))
    return hall_total(counts, back, hour)


def weekday_hour_mean(counts: Counts, origin: date, day: date, hour: int, weeks: int = 4) -> float:
    """The mean of the same weekday and hour over the last ``weeks`` weeks before ``origin``, open days only."""
    values = []
    for k in range(1, weeks + 1):
        back = day - timedelta(days=7 * (math.ceil(((day - origin).days + 1) / 7) + k - 1))
        if any(sum(q.values()) for q in counts.get(back, {}).values()):
            values.append(hall_total(counts, back, hour))
    return sum(values) / len(values) if values else 0.0


def naive_scale(
    counts: Counts, hours: Mapping[str, Any], origin: date, *, calendar: WorkCalendar | None = None
) -> float:
    """The in-sample mean absolute error of the weekly seasonal-naive forecast (lag 7 days), over the open hours of
    the days before ``origin``: the denominator of MASE."""
    errors = []
    for d in sorted(x for x in counts if x < origin):
        if d - timedelta(days=7) not in counts:
            continue
        for hour in open_hours(hours, day_info(d, calendar)):
            errors.append(abs(hall_total(counts, d, hour) - hall_total(counts, d - timedelta(days=7), hour)))
    return sum(errors) / len(errors) if errors else float("nan")


def mase(actual: Sequence[float], predicted: Sequence[float], scale: float) -> float:
    return sum(abs(a - p) for a, p in zip(actual, predicted, strict=True)) / len(actual) / scale


def coverage(actual: Sequence[float], low: Sequence[int], high: Sequence[int]) -> float:
    inside = sum(lo <= a <= hi for a, lo, hi in zip(actual, low, high, strict=True))
    return inside / len(actual)
