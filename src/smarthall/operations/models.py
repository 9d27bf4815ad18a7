"""Operations tables: the staff roster (who is on shift when, with which queues), what the live console compares the
signed-in windows with, and the staffing plan with the rostered counters.

Operations tables: the facts (运营事实) per hall × day × hour × queue × item × window × staff, and the fold cursor.

A fact row is a sum over raw records (tickets, bookings, cases, ratings) attributed to the hour their record belongs
to (a ticket: its issue hour; a booking: its slot; a case: its submission; a rating: its time). Every measure is
additive, so regions roll up by summing the rows of the halls beneath them (``region_path`` prefix); wait and
handling percentiles come from the additive bucket counts (``WAIT_BOUNDS``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.models import Base, BigIntPk, IdMixin, JsonType, TimestampMixin


class Shift(IdMixin, TimestampMixin, Base):
    """One staff member on shift in a hall on one day, from ``starts_at`` to ``ends_at``, at a window (optional)
    and able to serve ``queues`` (queue prefix letters; empty: every queue)."""

    __tablename__ = "ops_shift"
    __table_args__ = (Index("ix_ops_shift_day", "hall_id", "day"),)

    hall_id: Mapped[int] = mapped_column(ForeignKey("org_hall.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("identity_staff.id"))
    day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    window_code: Mapped[str | None] = mapped_column(String(40))
    queues: Mapped[list[str]] = mapped_column(JsonType, default=list)


class Subscription(IdMixin, TimestampMixin, Base):
    """A citizen's choice for one kind of push (licence_expiry / related_items / policy_match): off until the
    citizen opts in; the consent (when, which wording) is kept with it and every change is audited. ``token`` is
    the one-tap opt-out link's secret."""

    __tablename__ = "ops_subscription"
    __table_args__ = (UniqueConstraint("citizen_id", "topic"),)

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    topic: Mapped[str] = mapped_column(String(24))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_version: Mapped[str | None] = mapped_column(String(16))
    consented_at: Mapped[datetime | None] = mapped_column()
    withdrawn_at: Mapped[datetime | None] = mapped_column()
    token: Mapped[str] = mapped_column(String(64), unique=True)


class PushSent(IdMixin, Base):
    """A push made (once per ``ref``: "licence:12:90", "policy:elder_allowance:2027", "related:SC-001:SW-001"),
    which also counts towards the frequency cap."""

    __tablename__ = "ops_push_sent"
    __table_args__ = (UniqueConstraint("citizen_id", "ref"), Index("ix_ops_push_sent_at", "citizen_id", "sent_at"))

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"))
    topic: Mapped[str] = mapped_column(String(24))
    ref: Mapped[str] = mapped_column(String(96))
    sent_at: Mapped[datetime] = mapped_column()


# Upper bounds (minutes) of the wait buckets w0…w9; the last bucket is everything above 90 minutes.
WAIT_BOUNDS: tuple[float, ...] = (2, 5, 10, 15, 20, 30, 45, 60, 90)
MEASURES: tuple[str, ...] = (
    "arrivals",
    "priority",
    "served",
    "abandoned",
    "skipped",
    "transferred",
    "wait_n",
    "wait_sum",
    "wait_over30",
    *(f"w{i}" for i in range(len(WAIT_BOUNDS) + 1)),
    "handle_n",
    "handle_sum",
    "appt_booked",
    "appt_kept",
    "appt_missed",
    "cases_submitted",
    "cases_accepted",
    "cases_approved",
    "cases_rejected",
    "cases_done",
    "cases_overdue",
    "cases_on_time",
    "case_days_sum",
    "cases_noticed",
    "cases_notice_once",
    "ratings_n",
    "ratings_sum",
    "ratings_bad",
)
DIMENSIONS: tuple[str, ...] = ("hour", "queue_code", "item_code", "window_code", "staff_id")


class FactMeasures:
    """The additive measures of a fact row, shared by the hourly facts and their day-level rollup (``MEASURES``
    names them in this order)."""

    arrivals: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    abandoned: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    transferred: Mapped[int] = mapped_column(Integer, default=0)
    wait_n: Mapped[int] = mapped_column(Integer, default=0)
    wait_sum: Mapped[int] = mapped_column(Integer, default=0)  # seconds
    wait_over30: Mapped[int] = mapped_column(Integer, default=0)
    w0: Mapped[int] = mapped_column(Integer, default=0)
    w1: Mapped[int] = mapped_column(Integer, default=0)
    w2: Mapped[int] = mapped_column(Integer, default=0)
    w3: Mapped[int] = mapped_column(Integer, default=0)
    w4: Mapped[int] = mapped_column(Integer, default=0)
    w5: Mapped[int] = mapped_column(Integer, default=0)
    w6: Mapped[int] = mapped_column(Integer, default=0)
    w7: Mapped[int] = mapped_column(Integer, default=0)
    w8: Mapped[int] = mapped_column(Integer, default=0)
    w9: Mapped[int] = mapped_column(Integer, default=0)
    handle_n: Mapped[int] = mapped_column(Integer, default=0)
    handle_sum: Mapped[int] = mapped_column(Integer, default=0)  # seconds
    appt_booked: Mapped[int] = mapped_column(Integer, default=0)
    appt_kept: Mapped[int] = mapped_column(Integer, default=0)
    appt_missed: Mapped[int] = mapped_column(Integer, default=0)
    cases_submitted: Mapped[int] = mapped_column(Integer, default=0)
    cases_accepted: Mapped[int] = mapped_column(Integer, default=0)
    cases_approved: Mapped[int] = mapped_column(Integer, default=0)
    cases_rejected: Mapped[int] = mapped_column(Integer, default=0)
    cases_done: Mapped[int] = mapped_column(Integer, default=0)
    cases_overdue: Mapped[int] = mapped_column(Integer, default=0)
    cases_on_time: Mapped[int] = mapped_column(Integer, default=0)
    case_days_sum: Mapped[int] = mapped_column(Integer, default=0)
    cases_noticed: Mapped[int] = mapped_column(Integer, default=0)
    cases_notice_once: Mapped[int] = mapped_column(Integer, default=0)
    ratings_n: Mapped[int] = mapped_column(Integer, default=0)
    ratings_sum: Mapped[int] = mapped_column(Integer, default=0)
    ratings_bad: Mapped[int] = mapped_column(Integer, default=0)


class Fact(FactMeasures, Base):
    __tablename__ = "operations_fact"
    __table_args__ = (
        UniqueConstraint(
            "hall_id",
            "day",
            "hour",
            "queue_code",
            "item_code",
            "window_code",
            "staff_id",
            name="uq_operations_fact_grain",
        ),
        Index("ix_operations_fact_path_day", "region_path", "day"),
    )

    id: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    hall_id: Mapped[int] = mapped_column(Integer)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer)
    queue_code: Mapped[str] = mapped_column(String(8), default="")
    item_code: Mapped[str] = mapped_column(String(32), default="")
    window_code: Mapped[str] = mapped_column(String(40), default="")
    staff_id: Mapped[int] = mapped_column(Integer, default=0)


class FoldCursor(Base):
    """How far the fold has read each raw table (by ``updated_at``): rows changed after it are folded next."""

    __tablename__ = "operations_fold_cursor"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    position: Mapped[datetime] = mapped_column()


# The rollup's grains: one row per hall-day (``day``), per hall-day-hour (``hour``), per hall-day-item (``item``)
# and per hall-day-window (``window``); the columns a grain does not split on hold -1 / "".
ROLLUP_GRAINS: tuple[str, ...] = ("day", "hour", "item", "window")


class FactDay(FactMeasures, Base):
    """The day-level rollup of the facts (日汇总): the sums of a hall-day's fact rows by each grain of
    ``ROLLUP_GRAINS``, rewritten with the hall-day's facts in the same transaction (so it is exactly as fresh as
    the facts). The cockpit, the wall screen and the province drill-down read it instead of the hourly grain
    (≈ 460 fact rows per hall-day against ≈ 40 here, one for the totals and the trend)."""

    __tablename__ = "operations_fact_day"
    __table_args__ = (
        UniqueConstraint("grain", "hall_id", "day", "hour", "item_code", "window_code", name="uq_operations_fact_day"),
    )

    id: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    grain: Mapped[str] = mapped_column(String(8))
    hall_id: Mapped[int] = mapped_column(Integer)
    hall_code: Mapped[str] = mapped_column(String(32))
    region_path: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer, default=-1)
    item_code: Mapped[str] = mapped_column(String(32), default="")
    window_code: Mapped[str] = mapped_column(String(40), default="")


# The region rollup's grains: per region-day, region-day-hour and region-day-item (a hall's windows stay in FactDay).
REGION_GRAINS: tuple[str, ...] = ("day", "hour", "item")


class FactRegion(FactMeasures, Base):
    """The region-level rollup of the facts (区域汇总): for every region above a hall (province, city, county,
    township: each prefix of the hall's ``region_path``), the sums of its halls' ``FactDay`` rows by each grain of
    ``REGION_GRAINS``. ``replace_facts`` adds the difference a hall-day's refold makes (new rollup − old rollup) in
    the same transaction, so a region row is always the sum of the hall rows beneath it; the province, city and
    county cockpit read ≈ 40 rows per region-day here instead of ≈ 40 per hall-day."""

    __tablename__ = "operations_fact_region"
    __table_args__ = (
        UniqueConstraint("grain", "region_path", "day", "hour", "item_code", name="uq_operations_fact_region"),
    )

    id: Mapped[int] = mapped_column(BigIntPk, primary_key=True, autoincrement=True)
    grain: Mapped[str] = mapped_column(String(8))
    region_path: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date)
    hour: Mapped[int] = mapped_column(Integer, default=-1)
    item_code: Mapped[str] = mapped_column(String(32), default="")


class RosterDay(Base):
    """The version of one hall-day's roster: every replacement of the day's shifts moves it on by one with a
    conditional UPDATE (``version = seen``), so two managers saving the same day cannot both win."""

    __tablename__ = "ops_roster_day"

    hall_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
