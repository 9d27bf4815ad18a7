"""The hall's true arrival process, known and seeded (pure, no I/O): what the history generator draws and what the
forecast and the staffing plans are scored against.

A day's arrivals are a non-homogeneous Poisson process whose rate is the product of
- the hall's size: the mean arrivals of an ordinary Tuesday. The demo halls' volume is sized to their counters
  (``volume_for_counters``): an ordinary Tuesday's busiest hour loads the hall's staffed windows (``LEVEL_COUNTERS``
  when it has none) to ``PEAK_UTILISATION``, so that Mondays, month ends and post-holiday days are the peaks where
  one to three more counters would help; ``SIZES`` (small station, county hall, city centre) are the benchmarks'
  fixed volumes;
- the weekday (Mondays busiest, Saturdays a half day) and the time of day: a morning peak around 09:30–10:00, a lunch
  dip (tickets are still issued while windows pause), an afternoon peak around 15:00, a quiet last half hour; the
  shape is piecewise linear between half-hour knots, Monday mornings and Friday afternoons tilted;
- the calendar (``operations.calendar``): closed on public holidays, adjusted working weekends at 85 %, a surge on the
  first working days after a long closure (day 1: +30 % plus 4 % per closed day, day 2 half of it, day 3 a quarter),
  +12 % on the last working day before one, +15 % over the last three working days of a month;
- a slow yearly wave (±6 %, busiest in December–January) and a growth of 3 % a year;
- a day effect shared by all hours of a day, Gamma with mean 1 and coefficient of variation ``day_cv`` (weather,
  a local campaign): so counts are over-dispersed like real ones, negative binomial given the rest.

Each arrival draws its item from the hall's mix (shares per item), its service time (log-normal with the item's mean
and coefficient of variation), whether it is a priority ticket (the item's elderly share, appointment check-ins),
its patience (15 minutes plus an exponential with mean 150; it leaves the line after that) and whether it is
absent when called (过号). Bookings of appointment items that never come (no-shows) are drawn as well.
``expected_hourly`` is the exact mean count per hour.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import numpy as np

from smarthall.core.workdays import WorkCalendar
from smarthall.operations.calendar import DayInfo, day_info, minute_of_day, open_periods

SIZES = {"small": 60.0, "medium": 420.0, "large": 1300.0}  # mean arrivals on an ordinary Tuesday
LEVEL_SIZE = {"township": "small", "county": "medium", "city": "large", "province": "large"}
LEVEL_COUNTERS = {"township": 3, "county": 8, "city": 20, "province": 20}  # a hall without windows in the catalog
PEAK_UTILISATION = 0.75  # an ordinary Tuesday's busiest hour, as the load over the hall's counters
WEEKDAY_LEVEL = {"mon": 1.18, "tue": 1.0, "wed": 0.97, "thu": 0.96, "fri": 0.9, "sat": 0.8, "sun": 0.8}
ADJUSTED_LEVEL = 0.85
# Relative rate at half-hour knots (minute of the day): morning peak, lunch dip, afternoon peak.
DAY_SHAPE: tuple[tuple[int, float], ...] = (
    (510, 0.9), (540, 1.55), (570, 1.75), (600, 1.7), (630, 1.45), (660, 1.1), (690, 0.7),
    (720, 0.22), (750, 0.12), (780, 0.12), (810, 0.3),
    (840, 1.05), (870, 1.35), (900, 1.5), (930, 1.4), (960, 1.15), (990, 0.85), (1020, 0.45), (1050, 0.35),
)  # fmt: skip
BIN_MINUTES = 15


@dataclass(frozen=True)
class ItemProfile:
    code: str
    queue: str  # the department queue it is called from
    share: float  # relative weight in the hall's mix
    service_mean: float  # minutes at the window
    service_cv: float = 0.6
    elderly_share: float = 0.08  # priority by age among walk-ins
    booked_share: float = 0.0  # arrivals that are appointment check-ins (priority)
    no_show_rate: float = 0.12  # bookings that never come
    absent_rate: float = 0.03  # not there when called (过号)
    patience_mean: float = 150.0  # minutes before giving up the line, beyond ``patience_min``
    patience_min: float = 15.0  # nobody gives up sooner


@dataclass(frozen=True)
class HallProfile:
    code: str
    size: str
    items: tuple[ItemProfile, ...]
    hours: Mapping[str, Any]  # the catalog's opening_hours
    volume: float = 0.0  # mean arrivals on an ordinary Tuesday; 0: the size's default
    day_cv: float = 0.15
    growth_per_year: float = 0.03
    yearly_wave: float = 0.06
    base_day: date = date(2026, 1, 1)
    shape: tuple[tuple[int, float], ...] = DAY_SHAPE
    lunch_tickets: bool = True  # tickets are issued while windows pause at lunch

    @property
    def daily_volume(self) -> float:
        return self.volume or SIZES[self.size]


@dataclass
class DaySample:
    """One day's arrivals in arrival order (parallel lists, minutes from midnight) and its no-show bookings."""

    day: date
    minute: list[float] = field(default_factory=list)
    item: list[str] = field(default_factory=list)
    queue: list[str] = field(default_factory=list)
    priority: list[bool] = field(default_factory=list)
    reason: list[str | None] = field(default_factory=list)
    service: list[float] = field(default_factory=list)
    patience: list[float] = field(default_factory=list)
    absent: list[bool] = field(default_factory=list)
    no_shows: list[tuple[float, str]] = field(default_factory=list)  # (booked minute, item)
    day_effect: float = 1.0

    def __len__(self) -> int:
        return len(self.minute)


def rng_for(seed: int, key: str, day: date | int) -> np.random.Generator:
    """The stream of one (seed, hall or scenario, day): the same inputs give the same day (common random numbers)."""
    ordinal = day.toordinal() if isinstance(day, date) else int(day)
    return np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(key.encode()), ordinal]))


def shape_at(shape: Sequence[tuple[int, float]], minute: float) -> float:
    if minute <= shape[0][0]:
        return shape[0][1]
    for (m0, v0), (m1, v1) in zip(shape, shape[1:], strict=False):
        if minute <= m1:
            return v0 + (v1 - v0) * (minute - m0) / (m1 - m0)
    return shape[-1][1]


def _tilt(kind: str, minute: float) -> float:
    morning = minute < 720
    if kind == "mon":
        return 1.12 if morning else 0.9
    if kind == "fri":
        return 1.05 if morning else 0.88
    return 1.0


def day_level(profile: HallProfile, info: DayInfo) -> float:
    """The day's mean volume relative to an ordinary Tuesday of the base year (0 when closed)."""
    if not open_periods(profile.hours, info):
        return 0.0
    level = ADJUSTED_LEVEL if info.kind == "adjusted" else WEEKDAY_LEVEL[info.kind]
    if info.post_holiday:
        surge = 0.30 + 0.04 * min(info.closure_days, 10)
        level *= 1 + surge / (2 ** (info.post_holiday - 1))
    if info.pre_holiday:
        level *= 1.12
    if info.month_end:
        level *= 1.15
    years = (info.day - profile.base_day).days / 365.25
    level *= (1 + profile.growth_per_year) ** years
    level *= 1 + profile.yearly_wave * math.cos(2 * math.pi * (info.day.timetuple().tm_yday - 5) / 365.25)
    return level


def _span(profile: HallProfile, info: DayInfo) -> list[tuple[int, int]]:
    periods = [(minute_of_day(a), minute_of_day(b)) for a, b in open_periods(profile.hours, info)]
    if profile.lunch_tickets and periods:
        return [(periods[0][0], periods[-1][1])]
    return periods


def bins(profile: HallProfile, info: DayInfo) -> list[tuple[float, float, float]]:
    """(start minute, end minute, expected arrivals) per ``BIN_MINUTES`` bin of the day (empty when closed)."""
    level = day_level(profile, info)
    if level <= 0:
        return []
    raw: list[tuple[float, float, float]] = []
    for start, end in _span(profile, info):
        t = float(start)
        while t < end:
            stop = min(t + BIN_MINUTES, float(end))
            mid = (t + stop) / 2
            raw.append((t, stop, shape_at(profile.shape, mid) * _tilt(info.kind, mid) * (stop - t)))
            t = stop
    # normalise so that an ordinary Tuesday's weekday hours give the hall's volume
    scale = profile.daily_volume * level / _tuesday_mass(profile)
    return [(a, b, w * scale) for a, b, w in raw]


def _tuesday_mass(profile: HallProfile) -> float:
    tuesday = DayInfo(date(2026, 12, 1), True, False, "tue", 0, 0, False, False)
    mass = 0.0
    for start, end in _span(profile, tuesday):
        t = float(start)
        while t < end:
            stop = min(t + BIN_MINUTES, float(end))
            mass += shape_at(profile.shape, (t + stop) / 2) * (stop - t)
            t = stop
    return mass or 1.0


def expected_hourly(
    profile: HallProfile, day: date, calendar: WorkCalendar | None = None, queue: str | None = None
) -> dict[int, float]:
    """The true mean arrivals per clock hour (and per queue when given): what a perfect forecast would say."""
    out: dict[int, float] = {}
    factor = 1.0
    if queue is not None:
        total = sum(i.share for i in profile.items)
        factor = sum(i.share for i in profile.items if i.queue == queue) / total
    for start, _end, mean in bins(profile, day_info(day, calendar)):
        hour = int(start // 60)
        out[hour] = out.get(hour, 0.0) + mean * factor
    return out


def sample_arrivals(
    day_bins: Sequence[tuple[float, float, float]],
    items: Sequence[ItemProfile],
    rng: np.random.Generator,
    *,
    day: date,
    day_cv: float = 0.0,
) -> DaySample:
    """One day's arrivals from expected counts per bin and an item mix."""
    sample = DaySample(day=day)
    if not day_bins or not items:
        return sample
    effect = 1.0
    if day_cv > 0:
        k = 1 / day_cv**2
        effect = float(rng.gamma(k, 1 / k))
    sample.day_effect = effect
    means = np.array([b[2] for b in day_bins]) * effect
    counts = rng.poisson(means)
    starts = np.repeat([b[0] for b in day_bins], counts)
    widths = np.repeat([b[1] - b[0] for b in day_bins], counts)
    minutes = np.sort(starts + rng.random(len(starts)) * widths)
    n = len(minutes)
    shares = np.array([i.share for i in items], dtype=float)
    which = rng.choice(len(items), size=n, p=shares / shares.sum())
    u_prio, u_book, u_absent = rng.random(n), rng.random(n), rng.random(n)
    normal = rng.standard_normal(n)
    patience = rng.exponential(1.0, n)
    for j in range(n):
        item = items[int(which[j])]
        sigma = math.sqrt(math.log1p(item.service_cv**2))
        mu = math.log(item.service_mean) - sigma**2 / 2
        booked = bool(u_book[j] < item.booked_share)
        elderly = bool(u_prio[j] < item.elderly_share)
        sample.minute.append(float(minutes[j]))
        sample.item.append(item.code)
        sample.queue.append(item.queue)
        sample.priority.append(booked or elderly)
        sample.reason.append("appointment" if booked else "elderly" if elderly else None)
        sample.service.append(math.exp(mu + sigma * float(normal[j])))
        sample.patience.append(item.patience_min + float(patience[j]) * item.patience_mean)
        sample.absent.append(bool(u_absent[j] < item.absent_rate))
    for j in range(n):  # bookings that never came, in proportion to those that did
        item = items[int(which[j])]
        if sample.reason[j] == "appointment" and item.no_show_rate > 0:
            extra = rng.poisson(item.no_show_rate / (1 - item.no_show_rate))
            for _ in range(int(extra)):
                sample.no_shows.append((float(minutes[j]), item.code))
    return sample


def merge_samples(samples: Sequence[DaySample]) -> DaySample:
    """Several streams of one day as one, in arrival order."""
    if len(samples) == 1:
        return samples[0]
    out = DaySample(day=samples[0].day)
    rows = sorted(((s.minute[j], k, j) for k, s in enumerate(samples) for j in range(len(s))))
    for _, k, j in rows:
        s = samples[k]
        out.minute.append(s.minute[j])
        out.item.append(s.item[j])
        out.queue.append(s.queue[j])
        out.priority.append(s.priority[j])
        out.reason.append(s.reason[j])
        out.service.append(s.service[j])
        out.patience.append(s.patience[j])
        out.absent.append(s.absent[j])
    for s in samples:
        out.no_shows.extend(s.no_shows)
    out.no_shows.sort()
    return out


def sample_day(profile: HallProfile, day: date, seed: int, calendar: WorkCalendar | None = None) -> DaySample:
    """The hall's arrivals on ``day`` for ``seed``: the same arguments give the same day."""
    info = day_info(day, calendar)
    return sample_arrivals(
        bins(profile, info), profile.items, rng_for(seed, profile.code, day), day=day, day_cv=profile.day_cv
    )


# -- the demo catalog's mix -------------------------------------------------------------------------------------------

# department: (share of a county hall's traffic, mean service minutes, cv)
DEPARTMENT_MIX: dict[str, tuple[float, float, float]] = {
    "GA": (0.22, 7.0, 0.5),
    "RS": (0.16, 6.0, 0.6),
    "YB": (0.16, 5.0, 0.6),
    "SC": (0.10, 14.0, 0.6),
    "GJ": (0.07, 9.0, 0.5),
    "BD": (0.08, 22.0, 0.5),
    "SW": (0.06, 12.0, 0.6),
    "MZ": (0.06, 10.0, 0.5),
    "WJ": (0.03, 8.0, 0.5),
    "CL": (0.02, 9.0, 0.5),
    "ZJ": (0.02, 16.0, 0.6),
    "JT": (0.01, 15.0, 0.6),
    "GY": (0.01, 6.0, 0.5),
}
ELDERLY_ITEMS = {"RS-004": 0.6, "MZ-002": 0.9, "YB-005": 0.5, "GJ-003": 0.5, "MZ-004": 0.4, "RS-005": 0.4}


def mix_from_catalog(items: Sequence[Mapping[str, Any]], level: str) -> tuple[ItemProfile, ...]:
    """Item profiles for a hall of ``level`` from catalog items (those whose ``counters`` include the level)."""
    chosen = [i for i in items if level in (i.get("counters") or [level])] or list(items)
    per_department: dict[str, int] = {}
    for i in chosen:
        per_department[i["department_code"]] = per_department.get(i["department_code"], 0) + 1
    out = []
    for i in chosen:
        dept = i["department_code"]
        share, service, cv = DEPARTMENT_MIX.get(dept, (0.02, 10.0, 0.6))
        rank = sorted(c["code"] for c in chosen if c["department_code"] == dept).index(i["code"])
        weight = share / per_department[dept] * (1.6 if rank == 0 else 1.0)  # the first item of a desk is its busiest
        out.append(
            ItemProfile(
                code=i["code"],
                queue=dept,
                share=weight,
                service_mean=service * (1.25 if i.get("type") == "行政许可" else 1.0),
                service_cv=cv,
                elderly_share=ELDERLY_ITEMS.get(i["code"], 0.08),
                booked_share=0.5 if i.get("appointment") else 0.0,
            )
        )
    return tuple(out)


def mean_service(profile: HallProfile) -> float:
    """The mean service minutes of the hall's mix."""
    return sum(i.share * i.service_mean for i in profile.items) / sum(i.share for i in profile.items)


def volume_for_counters(profile: HallProfile, counters: int, utilisation: float = PEAK_UTILISATION) -> float:
    """The ordinary-Tuesday volume at which the busiest hour of that Tuesday (the base year, no growth or wave)
    offers ``utilisation × counters`` Erlangs of work to the hall."""
    plain = replace(profile, volume=1.0, growth_per_year=0.0, yearly_wave=0.0)
    tuesday = DayInfo(date(2026, 12, 1), True, False, "tue", 0, 0, False, False)
    hourly: dict[int, float] = {}
    for start, _end, mean in bins(plain, tuesday):
        hourly[int(start // 60)] = hourly.get(int(start // 60), 0.0) + mean
    peak_share = max(hourly.values(), default=0.0)
    if peak_share <= 0 or counters <= 0:
        return profile.daily_volume
    return utilisation * counters * 60.0 / (mean_service(profile) * peak_share)


def profile_for_hall(
    hall: Mapping[str, Any],
    items: Sequence[Mapping[str, Any]],
    *,
    size: str | None = None,
    counters: int | None = None,
    **overrides: Any,
) -> HallProfile:
    """A catalog hall's profile: its level sets its size and its item mix, its opening hours its day; with
    ``counters`` (its staffed windows, 0: the level's default) its volume is sized to them."""
    level = hall.get("level", "county")
    profile = HallProfile(
        code=hall["code"],
        size=size or LEVEL_SIZE.get(level, "medium"),
        items=mix_from_catalog(items, level),
        hours=hall["opening_hours"],
    )
    if counters is not None:
        profile = replace(profile, volume=volume_for_counters(profile, counters or LEVEL_COUNTERS.get(level, 8)))
    return replace(profile, **overrides) if overrides else profile
