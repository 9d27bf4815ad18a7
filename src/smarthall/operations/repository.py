"""Every query of operations: the roster, the hall's arrival history and learnt service times, the subscriptions.

The arrival history and learnt service times of the forecast and staffing come from the queue
(``queueing.facts.hourly_arrivals`` / ``queue_profiles``). Hall-owned rows are read through ``core.repository
.hall_scope``.

Every query of operations: the raw records of a hall-day (read by table name: operations reads other domains'
tables for the fold and writes them for the generated history, it never imports their models), the fact rows, the
fold cursor, and the questions the pages and the forecast ask of the facts.

Fact reads start from the one scope filter (``hall_scope`` on ``operations_fact``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Table, delete, func, literal_column, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.core.clock import SHANGHAI
from smarthall.core.models import Base, UTCDateTime
from smarthall.core.repository import hall_scope, region_under
from smarthall.core.tenancy import Actor
from smarthall.operations import facts as fold_facts
from smarthall.operations.fact_repository import GROUPS as GROUPS  # the fact reads, re-exported
from smarthall.operations.fact_repository import add_to_regions
from smarthall.operations.fact_repository import fact_sums as fact_sums
from smarthall.operations.fact_repository import hourly_arrival_rows as hourly_arrival_rows
from smarthall.operations.fact_repository import rollup_grain as rollup_grain
from smarthall.operations.models import (
    MEASURES,
    REGION_GRAINS,
    ROLLUP_GRAINS,
    Fact,
    FactDay,
    FactRegion,
    FoldCursor,
    PushSent,
    RosterDay,
    Shift,
    Subscription,
)


def shifts_on(session: Session, scope: Actor, hall_id: int, day: date) -> list[Shift]:
    stmt = (
        select(Shift)
        .where(hall_scope(Shift, scope), Shift.hall_id == hall_id, Shift.day == day)
        .order_by(Shift.starts_at, Shift.id)
    )
    return list(session.execute(stmt).scalars())


def add_shift(session: Session, values: dict[str, Any]) -> Shift:
    shift = Shift(**values)
    session.add(shift)
    session.flush()
    return shift


def roster_version(session: Session, hall_id: int, day: date) -> int:
    row = session.get(RosterDay, (hall_id, day))
    return row.version if row else 0


def bump_roster_version(session: Session, hall_id: int, day: date, seen: int) -> int | None:
    """Move the hall-day's roster version from ``seen`` to ``seen + 1`` (one conditional statement: a concurrent
    saver waits for the row and then finds another version); ``None`` when the version was not ``seen``."""
    if seen == 0 and session.get(RosterDay, (hall_id, day)) is None:
        try:
            with session.begin_nested():
                session.add(RosterDay(hall_id=hall_id, day=day, version=1))
            return 1
        except IntegrityError:  # someone saved the day's first roster meanwhile
            return None
    done = session.execute(
        update(RosterDay)
        .where(RosterDay.hall_id == hall_id, RosterDay.day == day, RosterDay.version == seen)
        .values(version=seen + 1)
        .execution_options(synchronize_session=False)
    )
    return seen + 1 if done.rowcount == 1 else None  # type: ignore[attr-defined]


def delete_shifts_on(session: Session, hall_id: int, day: date) -> None:
    session.execute(delete(Shift).where(Shift.hall_id == hall_id, Shift.day == day))


def roster_days(session: Session, hall_id: int, from_day: date, to_day: date) -> set[date]:
    stmt = select(Shift.day).where(Shift.hall_id == hall_id, Shift.day >= from_day, Shift.day <= to_day).distinct()
    return {d for (d,) in session.execute(stmt)}


def on_shift_at(shifts: list[Shift], now: datetime) -> list[Shift]:
    return [s for s in shifts if s.starts_at <= now < s.ends_at]


# ------------------------------------------------------------------------------------------------ subscriptions


def subscriptions_of(session: Session, citizen_id: int) -> dict[str, Subscription]:
    stmt = select(Subscription).where(Subscription.citizen_id == citizen_id)
    return {s.topic: s for s in session.execute(stmt).scalars()}


def subscription_by_token(session: Session, token: str) -> Subscription | None:
    stmt = select(Subscription).where(Subscription.token == token)
    return session.execute(stmt).scalar_one_or_none()


def add_subscription(session: Session, values: dict[str, Any]) -> Subscription:
    row = Subscription(**values)
    session.add(row)
    session.flush()
    return row


def subscribers(session: Session, topic: str) -> list[int]:
    stmt = select(Subscription.citizen_id).where(Subscription.topic == topic, Subscription.enabled.is_(True))
    return [r for (r,) in session.execute(stmt.order_by(Subscription.citizen_id))]


def pushes_since(session: Session, citizen_id: int, since: datetime) -> list[PushSent]:
    stmt = select(PushSent).where(PushSent.citizen_id == citizen_id, PushSent.sent_at > since)
    return list(session.execute(stmt).scalars())


def already_pushed(session: Session, citizen_id: int, refs: list[str]) -> set[str]:
    stmt = select(PushSent.ref).where(PushSent.citizen_id == citizen_id, PushSent.ref.in_(refs))
    return {r for (r,) in session.execute(stmt)}


def record_push(session: Session, citizen_id: int, topic: str, ref: str, now: datetime) -> None:
    session.add(PushSent(citizen_id=citizen_id, topic=topic, ref=ref, sent_at=now))
    session.flush()


SOURCES = ("queue_ticket", "appointment_booking", "cases_case", "evaluation_rating")


def table(name: str) -> Table:
    if name not in Base.metadata.tables:  # a command that has not built the app yet: complete the metadata
        import smarthall.all_models  # noqa: F401
    return Base.metadata.tables[name]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), SHANGHAI).astimezone(UTC)
    return start, start + timedelta(days=1)


# -- raw records of one hall-day ---------------------------------------------------------------------------------------


def raw_hall_day(session: Session, hall_id: int, day: date) -> dict[str, list[dict[str, Any]]]:
    t, b, c, e, r = (table(n) for n in ("queue_ticket", "appointment_booking", "cases_case", "cases_event",
                                        "evaluation_rating"))  # fmt: skip
    start, end = day_bounds(day)
    tickets = session.execute(
        select(
            t.c.issued_at,
            t.c.queue_code,
            t.c.item_code,
            t.c.window_code,
            t.c.staff_id,
            t.c.priority,
            t.c.status,
            t.c.transfer_count,
            t.c.called_at,
            t.c.finished_at,
        ).where(t.c.hall_id == hall_id, t.c.day == day)  # fmt: skip
    ).mappings()
    bookings = session.execute(
        select(b.c.starts_at, b.c.item_code, b.c.status).where(b.c.hall_id == hall_id, b.c.day == day)
    ).mappings()
    # Each case's supplement notices through the events' case index (correlated): a grouped subquery over all the
    # events would read every supplement of every hall on every fold of a hall-day.
    notices = (
        select(func.count())
        .where(e.c.case_id == c.c.id, e.c.action == "supplement")
        .correlate(c)
        .scalar_subquery()
        .label("notices")
    )
    cases = session.execute(
        select(
            c.c.submitted_at,
            c.c.item_code,
            c.c.accepted_by,
            c.c.accepted_at,
            c.c.decided_at,
            c.c.status,
            c.c.promised_due,
            notices,
        ).where(c.c.hall_id == hall_id, c.c.submitted_at >= start, c.c.submitted_at < end)  # fmt: skip
    ).mappings()
    ratings = session.execute(
        select(r.c.rated_at, r.c.item_code, r.c.window_code, r.c.staff_id, r.c.level, r.c.current, r.c.excluded).where(
            r.c.hall_id == hall_id, r.c.rated_at >= start, r.c.rated_at < end
        )
    ).mappings()
    return {
        "tickets": [dict(x) for x in tickets],
        "bookings": [dict(x) for x in bookings],
        "cases": [dict(x) for x in cases],
        "ratings": [dict(x) for x in ratings],
    }


def changed_hall_days(session: Session, since: datetime | None) -> tuple[set[tuple[int, date]], datetime | None]:
    """(hall id, day) of every raw record changed after ``since`` (all when None), and the latest change seen (the
    records' own ``updated_at``, so the cursor follows the database's writes, not a clock)."""
    out: set[tuple[int, date]] = set()
    latest: datetime | None = None
    for name, day_col, moment_col in (
        ("queue_ticket", "day", None),
        ("appointment_booking", "day", None),
        ("cases_case", None, "submitted_at"),
        ("evaluation_rating", None, "rated_at"),
    ):
        t = table(name)
        col = t.c[day_col] if day_col else t.c[moment_col]  # type: ignore[index]
        stmt = select(t.c.hall_id, col, func.max(t.c.updated_at)).group_by(t.c.hall_id, col)
        if since is not None:
            stmt = stmt.where(t.c.updated_at > since)
        for hall_id, value, changed in session.execute(stmt):
            out.add((hall_id, value if day_col else value.astimezone(SHANGHAI).date()))
            if changed is not None:
                changed = changed if changed.tzinfo else changed.replace(tzinfo=UTC)
                latest = changed if latest is None or changed > latest else latest
    return out, latest


def all_hall_days(session: Session, hall_ids: Sequence[int] | None = None) -> set[tuple[int, date]]:
    out: set[tuple[int, date]] = set()
    t, b = table("queue_ticket"), table("appointment_booking")
    for tab in (t, b):
        stmt = select(tab.c.hall_id, tab.c.day).distinct()
        if hall_ids is not None:
            stmt = stmt.where(tab.c.hall_id.in_(hall_ids))
        out.update((h, d) for h, d in session.execute(stmt))
    for name, col in (("cases_case", "submitted_at"), ("evaluation_rating", "rated_at")):
        tab = table(name)
        stmt2 = select(tab.c.hall_id, tab.c[col])
        if hall_ids is not None:
            stmt2 = stmt2.where(tab.c.hall_id.in_(hall_ids))
        out.update((h, v.astimezone(SHANGHAI).date()) for h, v in session.execute(stmt2))
    return out


def replace_facts(
    session: Session,
    *,
    hall_id: int,
    hall_code: str,
    region_path: str,
    day: date,
    rows: Mapping[Any, Mapping[str, int]],
) -> int:
    """The hall-day's fact rows become ``rows`` (delete and insert in the caller's transaction: a refold of the same
    records writes the same rows, so folding is idempotent)."""
    f, fd = table("operations_fact"), table("operations_fact_day")  # Core deletes: no ORM bookkeeping
    session.execute(delete(f).where(f.c.hall_id == hall_id, f.c.day == day))
    values = [
        {
            "hall_id": hall_id,
            "hall_code": hall_code,
            "region_path": region_path,
            "day": day,
            "hour": k[0],
            "queue_code": k[1],
            "item_code": k[2],
            "window_code": k[3],
            "staff_id": k[4],
            **m,
        }  # fmt: skip
        for k, m in rows.items()
    ]
    bulk_write(session, "operations_fact", values)
    # the rollup of the same rows, summed in memory (the hall-day's every fact row is in ``rows``)
    # every grain named, so the delete is ranges of the grain-first unique index, not a scan of the rollup
    old = session.execute(
        delete(fd)
        .where(fd.c.grain.in_(ROLLUP_GRAINS), fd.c.hall_id == hall_id, fd.c.day == day)
        .returning(fd.c.grain, fd.c.region_path, fd.c.hour, fd.c.item_code, *[fd.c[m] for m in MEASURES])
    ).all()  # what the hall-day added to its regions until now: the region rollup takes it away again
    sums = fold_facts.rollup({k: {m: v[m] for m in MEASURES} for k, v in rows.items()}, ROLLUP_GRAINS)
    head = {"hall_id": hall_id, "hall_code": hall_code, "region_path": region_path, "day": day}
    bulk_write(session, "operations_fact_day", [{"grain": g, **head, "hour": h, "item_code": i, "window_code": w, **m}
                                                for (g, h, i, w), m in sums.items()])  # fmt: skip
    delta: dict[tuple[str, str, int, str], list[int]] = {}
    for r in old:
        if r[0] in REGION_GRAINS:
            delta[(r[0], r[1], r[2], r[3])] = [-int(x) for x in r[4:]]
    for (g, h, i, _w), m in sums.items():
        if g in REGION_GRAINS:
            acc = delta.setdefault((g, region_path, h, i), [0] * len(MEASURES))
            for n, name in enumerate(MEASURES):
                acc[n] += m[name]
    add_to_regions(session, day, delta)
    return len(values)


def delete_all_facts(session: Session) -> None:
    session.execute(delete(FactRegion))
    session.execute(delete(FactDay))
    session.execute(delete(Fact))


def cursor(session: Session, source: str) -> datetime | None:
    row = session.get(FoldCursor, source)
    return row.position if row else None


def set_cursor(session: Session, source: str, position: datetime) -> None:
    row = session.get(FoldCursor, source)
    if row is None:
        session.add(FoldCursor(source=source, position=position))
    else:
        row.position = position
    session.flush()


# -- the records behind a figure (service improvement) ----------------------------------------------------------------


def bad_ratings(
    session: Session, actor: Actor, *, region_path: str | None, hall_id: int | None, start: datetime, end: datetime,
    limit: int = 500,
) -> list[dict[str, Any]]:  # fmt: skip
    r = table("evaluation_rating")
    stmt = (
        select(
            r.c.id,
            r.c.subject_kind,
            r.c.subject_ref,
            r.c.hall_code,
            r.c.item_code,
            r.c.window_code,
            r.c.level,
            r.c.tags,
            r.c.comment,
            r.c.rated_at,
        )  # fmt: skip
        .where(hall_scope(r.c, actor, hall_column=r.c.hall_id, path_column=r.c.region_path))
        .where(
            r.c.level <= 2, r.c.current.is_(True), r.c.excluded.is_(False), r.c.rated_at >= start, r.c.rated_at < end
        )
        .order_by(r.c.rated_at.desc())
        .limit(limit)
    )
    stmt = _narrow(stmt, r.c.hall_id, r.c.region_path, region_path, hall_id)
    return [dict(x) for x in session.execute(stmt).mappings()]


def _narrow(stmt: Any, hall_col: Any, path_col: Any, region_path: str | None, hall_id: int | None) -> Any:
    if hall_id is not None:
        stmt = stmt.where(hall_col == hall_id)
    if region_path is not None:
        stmt = stmt.where(region_under(path_col, region_path))
    return stmt


def supplement_materials(
    session: Session, actor: Actor, *, region_path: str | None, hall_id: int | None, start: datetime, end: datetime,
    limit: int = 2000,
) -> list[dict[str, Any]]:  # fmt: skip
    """Supplement notices with their case (item, case number, the missing list) in scope."""
    c, e, h = table("cases_case"), table("cases_event"), table("org_hall")
    stmt = (
        select(c.c.case_no, c.c.item_code, c.c.item_name, c.c.hall_code, c.c.missing, e.c.detail, e.c.at)
        .select_from(e.join(c, c.c.id == e.c.case_id).join(h, h.c.id == c.c.hall_id))
        .where(e.c.action == "supplement", e.c.at >= start, e.c.at < end)
        .where(hall_scope(c.c, actor, hall_column=c.c.hall_id, path_column=h.c.region_path))
        .order_by(e.c.at.desc())
        .limit(limit)
    )
    stmt = _narrow(stmt, c.c.hall_id, h.c.region_path, region_path, hall_id)
    return [dict(x) for x in session.execute(stmt).mappings()]


def unanswered_questions(
    session: Session, *, hall_codes: Iterable[str] | None, start: datetime, end: datetime, limit: int = 20
) -> list[dict[str, Any]]:
    """The most frequent questions the knowledge base could not answer with confidence (the consult review queue),
    by their normalised text, among the halls given (questions carry a hall code, not a hall row)."""
    q = table("consult_question")
    stmt = (
        select(q.c.normalised.label("question"), func.count().label("n"), func.max(q.c.id).label("last_id"))
        .where(q.c.confident.is_(False), q.c.asked_at >= start, q.c.asked_at < end)
        .group_by(q.c.normalised)
        .order_by(literal_column("n").desc())
        .limit(limit)
    )
    if hall_codes is not None:
        stmt = stmt.where(q.c.hall_code.in_(list(hall_codes)))
    return [dict(x) for x in session.execute(stmt).mappings()]


# -- generated history: bulk inserts ---------------------------------------------------------------------------------


def _sqlite_utc(value: datetime | None) -> str | None:
    """A UTC datetime as SQLite's DATETIME stores it (SQLAlchemy's storage format, microseconds always written)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _converter(kind: Any, dialect: Any) -> Any:
    """The bind conversion of a column type: the type's own, but for UTC datetimes on SQLite one C-level format."""
    if isinstance(kind, UTCDateTime) and dialect.name == "sqlite":
        return _sqlite_utc
    return kind.dialect_impl(dialect).bind_processor(dialect)


def bulk_write(session: Session, name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys) with the driver's ``executemany``: each column's values converted
    once by the column's own type (UTC datetimes, dates, JSON, and the sealed columns encrypted as always), one
    statement, no per-row compilation or RETURNING. Columns left out take their default (a callable's value once for
    all the rows, e.g. ``created_at``)."""
    if not rows:
        return
    t, conn = table(name), session.connection()
    dialect = conn.dialect
    names = list(rows[0])
    columns: list[list[Any]] = []
    for n in names:
        convert = _converter(t.c[n].type, dialect)
        values = [r[n] for r in rows]
        columns.append([convert(v) for v in values] if convert else values)
    for c in t.c:
        default: Any = c.default
        if c.name in rows[0] or default is None or not (default.is_scalar or default.is_callable):
            continue
        value = default.arg(None) if default.is_callable else default.arg
        convert = _converter(c.type, dialect)
        names.append(c.name)
        columns.append([convert(value) if convert else value] * len(rows))
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    quote = dialect.identifier_preparer.quote
    # identifiers only from the table's metadata (``t.c[n]`` refused any other name above), quoted; values bound
    sql = f"INSERT INTO {quote(t.name)} ({', '.join(map(quote, names))}) VALUES ({', '.join([mark] * len(names))})"  # noqa: S608
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def reserve_ids(session: Session, name: str, count: int) -> list[int]:
    """``count`` new ids of ``name`` (PostgreSQL: from its sequence in one round trip; SQLite: after the largest,
    safe because a write session holds the write lock from ``BEGIN IMMEDIATE``; inside ``id_block`` the largest is
    read once per table, as nothing else of the transaction inserts there meanwhile)."""
    if count <= 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        stmt = select(func.nextval(func.pg_get_serial_sequence(name, "id"))).select_from(func.generate_series(1, count))
        return [int(x) for x in session.scalars(stmt)]
    tops: dict[str, int] | None = session.info.get(ID_BLOCK)
    top = tops[name] if tops is not None and name in tops else None
    if top is None:
        top = int(session.scalar(select(func.coalesce(func.max(table(name).c.id), 0))) or 0)
    if tops is not None:
        tops[name] = top + count
    return list(range(top + 1, top + count + 1))


ID_BLOCK = "operations.id_block"


@contextmanager
def id_block(session: Session) -> Iterator[None]:
    """Within: ``reserve_ids`` counts on from the ids it gave (the generated history's bulk writes)."""
    session.info[ID_BLOCK] = {}
    try:
        yield
    finally:
        session.info.pop(ID_BLOCK, None)


def history_days(session: Session, hall_id: int) -> set[date]:
    t = table("queue_ticket")
    return {d for (d,) in session.execute(select(t.c.day).where(t.c.hall_id == hall_id).distinct())}


def hall_clerks(session: Session, hall_id: int) -> dict[str, int]:
    """Window code → the id of the clerk posted at it, in one hall."""
    s = table("identity_staff")
    rows = session.execute(select(s.c.window_code, s.c.id).where(s.c.hall_id == hall_id, s.c.window_code.is_not(None)))
    return {a: b for a, b in rows}  # noqa: C416


def hall_window_codes(session: Session, hall_id: int) -> list[str]:
    w = table("org_window")
    stmt = select(w.c.code).where(w.c.hall_id == hall_id, w.c.active.is_(True), w.c.kind != "help_desk")
    return [c for (c,) in session.execute(stmt.order_by(w.c.code))]


def citizen_ids_by_index(session: Session, indexes: Sequence[str]) -> dict[str, int]:
    c = table("identity_citizen")
    rows = session.execute(select(c.c.id_number_index, c.c.id).where(c.c.id_number_index.in_(list(indexes))))
    return {a: b for a, b in rows}  # noqa: C416
