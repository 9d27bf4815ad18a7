"""Province scale on PostgreSQL (issue 13 "Scale", issue 18 item 6): ≥ 5 million tickets and 500,000 cases over
100 halls × 90 days, then the facts, the cockpit, the fold of a day and the hot queue statements at that size.

Steps, on a database this script creates (``--database``, default ``scale_h6``; dropped first, and at the end
unless ``--keep``) on the server of ``--url``:

1. migrate and seed the demo province (14 halls), then 86 more halls in a province tree (5 more cities, each with
   a city hall and 4 counties with a county hall and 3 township stations; one more county under 云澜市): 100 halls;
2. generate with set-based SQL (``INSERT … SELECT`` over ``generate_series``, one statement per day and table):
   tickets with a morning peak and an afternoon peak, weekday factors (Monday busiest, Saturday light, Sunday
   closed), halls sized by level, a skewed item mix, exponential waits and item-dependent handling times; numbers
   unique per hall × queue × day (``row_number`` in issue order, the queue counter set to the last number), every
   past ticket finished, cancelled or skipped; cases from finished tickets (case numbers per hall-day, decided or
   still in review, an accept event and supplement/resubmit events in the monthly ``cases_event`` partitions);
   ratings for a share of the finished tickets; today a live morning (waiting, called and finished tickets);
3. facts: every hall-day's raw records read in bulk per day and folded by the real pure fold
   (``operations.facts.fold``), written with COPY; the day-level rollup by the same grouping as
   the rollup of ``repository.replace_facts`` (the same grains, ``facts.rollup``) for all halls of a day
   in one statement per grain, and the region rollup (``operations_fact_region``) per region and day; then a sample
   of hall-days is refolded by the real ``factbook.fold_hall_day`` and must give the same fact and rollup rows, and
   every region row must still equal the sum of the hall rows beneath it;
4. timings: the fold of yesterday for all 100 halls (``fold_hall_day`` each, one transaction); the cockpit
   (``dashboards.cockpit``, what ``GET /api/v1/facts`` and the cockpit page run) of one hall and of the province
   over 30 and 90 days, p50/p95 over ``--repeat`` calls; the hot queue statements of the busiest hall's live day
   (numbering, call-next candidates, board state, serving, status by id/number, replay line, service times)
   with their PostgreSQL plans (custom and generic, as ``tests/queueing/test_plans.py`` checks them) and
   latency p50/p99.

Run: ``PYTHONPATH=src .venv/bin/python bench/operations/scale.py --url postgresql+psycopg://postgres@127.0.0.1/test_h6``
(about 15–25 minutes on the shared 2-core VM; ``--days 30 --tickets 1720000`` is the same density in ≈ 6 minutes).
Figures: docs/benchmarks.md ("Province scale", "Province cockpit from a region rollup").
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, insert, literal, select, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from smarthall import migrate  # noqa: E402
from smarthall.core.clock import SHANGHAI, service_day  # noqa: E402
from smarthall.core.config import Settings  # noqa: E402
from smarthall.core.crypto import EncryptedJson, EncryptedString, setup_security  # noqa: E402
from smarthall.core.db import Database  # noqa: E402
from smarthall.core.tenancy import SYSTEM  # noqa: E402
from smarthall.demo import seed_demo  # noqa: E402
from smarthall.operations import dashboards, factbook  # noqa: E402
from smarthall.operations import fact_repository as fact_repo  # noqa: E402
from smarthall.operations import facts as fold_facts  # noqa: E402
from smarthall.operations import repository as ops_repo  # noqa: E402
from smarthall.operations.models import MEASURES, REGION_GRAINS, ROLLUP_GRAINS, Fact, FactDay  # noqa: E402
from smarthall.queueing import policy as queueing_policy  # noqa: E402
from smarthall.queueing import repository as q_repo  # noqa: E402

DAYS = 90
WEEKDAY = (1.15, 1.0, 1.0, 1.0, 0.95, 0.35, 0.0)  # Monday … Sunday (closed)
SIZE = {"city": 3.0, "county": 1.4, "township": 0.35}
WINDOWS = {"city": 16, "county": 10, "township": 2}
CASE_SHARE = 0.115  # of finished tickets
RATING_SHARE = 0.15  # of finished tickets
FACT_COLUMNS = ["hall_id", "hall_code", "region_path", "day", "hour", "queue_code", "item_code", "window_code",
                "staff_id", *MEASURES]  # fmt: skip


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


# -- 1. halls ------------------------------------------------------------------------------------------------------


def add_halls(conn: Any, now: datetime) -> None:
    regions: list[dict[str, Any]] = []
    halls: list[dict[str, Any]] = []

    def region(code: str, name: str, level: str, parent: str, path: str) -> None:
        regions.append({"code": code, "name": name, "level": level, "parent_code": parent, "path": path,
                        "created_at": now, "updated_at": now})  # fmt: skip
        halls.append({"code": f"H-{code}", "name": f"{name}政务服务中心", "level": level, "region_code": code,
                      "region_path": path, "address": "", "hotline": "", "opening_hours": {}, "active": True,
                      "created_at": now, "updated_at": now})  # fmt: skip

    region("690130", "测试县", "county", "690100", "690000/690100/690130/")
    for c in range(3, 8):
        city = f"690{c}00"
        region(city, f"规模{c}市", "city", "690000", f"690000/{city}/")
        for k in range(1, 5):
            county = f"690{c}{k:02d}"
            region(county, f"规模{c}市{k}县", "county", city, f"690000/{city}/{county}/")
            for t in range(1, 4):
                town = f"{county}{t:03d}"
                region(town, f"规模{c}市{k}县{t}镇", "township", county, f"690000/{city}/{county}/{town}/")
    conn.execute(insert(ops_repo.table("org_region")), regions)
    conn.execute(insert(ops_repo.table("org_hall")), halls)
    rows = conn.execute(text("SELECT id, code, level FROM org_hall WHERE id NOT IN (SELECT hall_id FROM org_window)"))
    windows = [
        {"code": f"{code}-W{n:02d}", "hall_id": hid, "zone_code": None, "name": f"{n}号窗口", "kind": "comprehensive",
         "number": n, "note": "", "active": True, "created_at": now, "updated_at": now}
        for hid, code, level in rows for n in range(1, WINDOWS[level] + 1)
    ]  # fmt: skip
    conn.execute(insert(ops_repo.table("org_window")), windows)
    conn.execute(
        text("""
        CREATE TABLE scale_hall AS
        SELECT h.id AS hall_id, h.code AS hall_code, h.region_path, h.level,
               CASE h.level WHEN 'city' THEN :c WHEN 'county' THEN :k ELSE :t END AS size,
               (SELECT count(*) FROM org_window w WHERE w.hall_id = h.id) AS windows
        FROM org_hall h"""),
        {"c": SIZE["city"], "k": SIZE["county"], "t": SIZE["township"]},
    )


def add_items(conn: Any) -> int:
    items = conn.execute(text(
        "SELECT code, department_code, name, type, promised_limit_workdays FROM catalog_item WHERE active ORDER BY code"
    )).all()  # fmt: skip
    prefixes = queueing_policy.queue_prefixes({i.department_code for i in items})
    conn.execute(text("CREATE TABLE scale_item (idx int, item_code text, department_code text, queue_code text, "
                      "item_name text, item_type text, promised int, handle_s float)"))  # fmt: skip
    rnd = random.Random(7)
    conn.execute(
        text("INSERT INTO scale_item VALUES (:idx, :code, :dept, :queue, :name, :type, :promised, :handle)"),
        [{"idx": i, "code": it.code, "dept": it.department_code, "queue": prefixes[it.department_code],
          "name": it.name, "type": it.type, "promised": max(1, it.promised_limit_workdays or 5),
          "handle": rnd.uniform(240, 1200)} for i, it in enumerate(items)],
    )  # fmt: skip
    return len(items)


# -- 2. raw records, set-based ----------------------------------------------------------------------------------------

TICKETS_SQL = """
WITH n AS (
    SELECT h.*, g AS k, floor(power(random(), 1.7) * :n_items)::int AS item_idx
    FROM scale_hall h, generate_series(1, round(:base * h.size * :dayf)::int) g
), r AS (
    SELECT n.*, i.item_code, i.department_code, i.queue_code, i.handle_s,
           -- issue time: a morning peak around 10:15 and an afternoon peak around 15:00, open 09:00–17:00
           CASE WHEN random() < 0.56
                THEN least(179, greatest(0, 75 + 50 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))
                ELSE least(479, greatest(270, 360 + 55 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())))
           END AS minute,
           random() AS u_status, -ln(1 - random()) AS e_wait, random() AS u_handle, random() AS u_pri,
           random() AS u_tr, 1 + floor(random() * n.windows)::int AS w
    FROM n JOIN scale_item i ON i.idx = n.item_idx
), t AS (
    SELECT r.*, (CAST(:day AS date) + time '09:00') AT TIME ZONE 'Asia/Shanghai'
                + make_interval(secs => r.minute * 60 + floor(random() * 60)) AS issued
    FROM r
), s AS (
    SELECT t.*, row_number() OVER (PARTITION BY hall_id, queue_code ORDER BY issued, k) AS seq,
           CASE WHEN u_status < 0.06 THEN 'cancelled' WHEN u_status < 0.10 THEN 'skipped' ELSE 'finished' END
               AS status,
           issued + make_interval(secs => e_wait * (420 + 240 * size)) AS called
    FROM t
)
INSERT INTO queue_ticket (hall_id, hall_code, queue_code, day, seq, number, item_code, department_code, status,
    priority, source, issued_by, issued_at, queued_at, window_code, called_at, finished_at, recall_count,
    requeue_count, transfer_count, notified_ahead, created_at, updated_at)
SELECT hall_id, hall_code, queue_code, :day, seq, queue_code || lpad(seq::text, greatest(3, length(seq::text)), '0'),
       item_code, department_code, status, u_pri < 0.08, CASE WHEN u_pri > 0.85 THEN 'remote' ELSE 'kiosk' END,
       'history', issued, issued,
       CASE WHEN status = 'cancelled' THEN NULL ELSE hall_code || '-W' || lpad(w::text, 2, '0') END,
       CASE WHEN status = 'cancelled' THEN NULL ELSE called END,
       CASE WHEN status = 'finished' THEN called + make_interval(secs => handle_s * (0.4 + 1.2 * u_handle)) END,
       0, 0, CASE WHEN u_tr < 0.03 THEN 1 ELSE 0 END, false, issued,
       CASE WHEN status = 'finished' THEN called + make_interval(secs => handle_s * (0.4 + 1.2 * u_handle))
            WHEN status = 'skipped' THEN called ELSE issued END
FROM s
"""

COUNTERS_SQL = """
INSERT INTO queue_counter (hall_id, queue_code, day, value, waiting)
SELECT hall_id, queue_code, day, max(seq), count(*) FILTER (WHERE status = 'waiting')
FROM queue_ticket WHERE day = :day GROUP BY hall_id, queue_code, day
"""

CASES_SQL = """
WITH f AS (
    SELECT t.id, t.hall_id, t.hall_code, t.item_code, t.called_at, i.item_name, i.item_type, i.department_code,
           i.promised, random() AS u1, random() AS u2
    FROM queue_ticket t JOIN scale_item i ON i.item_code = t.item_code
    WHERE t.day = :day AND t.status = 'finished' AND random() < :share
), c AS (
    SELECT f.*, row_number() OVER (PARTITION BY hall_id ORDER BY called_at, id) AS no,
           CAST(:day AS date) + (promised * 7 / 5 + 1) AS promised_due,
           (CAST(:day AS date) + (CASE WHEN u2 < 0.07 THEN promised * 7 / 5 + 1 + ceil(u2 * 60)::int
                                ELSE ceil(u1 * promised * 7 / 5)::int END)
               + time '15:00') AT TIME ZONE 'Asia/Shanghai' AS decided
    FROM f
)
INSERT INTO cases_case (case_no, item_code, item_version, item_name, item_type, department_code, hall_id, hall_code,
    applicant_name, channel, status, version, form_json, materials, missing, reviews, submitted_at, accepted_at,
    decided_at, finished_at, promised_due, legal_due, stopped_workdays, warned_level, auto_decided, precheck,
    created_at, updated_at)
SELECT hall_code || '-' || to_char(CAST(:day AS date), 'YYYYMMDD') || '-H' || lpad(no::text, 4, '0'), item_code, 1,
       item_name, item_type, department_code, hall_id, hall_code, :name, 'window',
       CASE WHEN decided >= :now THEN 'review' WHEN u1 < 0.05 THEN 'rejected' ELSE 'delivered' END, 1, :form,
       '[]'::jsonb, '[]'::jsonb, '{}'::jsonb, called_at, called_at,
       CASE WHEN decided < :now THEN decided END, CASE WHEN decided < :now THEN decided END,
       promised_due, promised_due + 10, 0, 'none', false, :precheck, called_at, least(decided, :now)
FROM c
"""

EVENTS_SQL = """
WITH c AS (
    SELECT id, accepted_at, random() AS u FROM cases_case
    WHERE submitted_at >= :start AND submitted_at < :end
)
INSERT INTO cases_event (case_id, at, action, from_status, to_status, actor_kind, actor_ref, note, detail)
SELECT id, accepted_at, 'accept', 'submitted', 'review', 'system', 'history', '', :detail FROM c
UNION ALL
SELECT id, accepted_at + interval '2 hours', 'supplement', 'review', 'supplement', 'system', 'history', '', :detail
FROM c WHERE u < 0.14
UNION ALL
SELECT id, accepted_at + interval '5 hours', 'resubmit', 'supplement', 'review', 'citizen', 'history', '', :detail
FROM c WHERE u < 0.14
"""

RATINGS_SQL = """
WITH f AS (
    SELECT t.*, random() AS u FROM queue_ticket t
    WHERE t.day = :day AND t.status = 'finished' AND random() < :share
)
INSERT INTO evaluation_rating (subject_kind, subject_ref, sequence, current, hall_id, hall_code, region_path,
    window_code, department_code, item_code, service_channel, channel, level, indicators, tags, comment, rated_at,
    excluded, created_at, updated_at)
SELECT 'ticket', f.id::text, 1, true, f.hall_id, f.hall_code, h.region_path, f.window_code, f.department_code,
       f.item_code, 'onsite', 'window_pad',
       CASE WHEN u < 0.70 THEN 5 WHEN u < 0.88 THEN 4 WHEN u < 0.94 THEN 3 WHEN u < 0.97 THEN 2 ELSE 1 END,
       '{}'::jsonb, '[]'::jsonb, '', f.finished_at + interval '1 minute', false, f.finished_at + interval '1 minute',
       f.finished_at + interval '1 minute'
FROM f JOIN scale_hall h ON h.hall_id = f.hall_id
"""

# Today's live morning, 09:00–10:30: the last tickets of each queue still wait, one ticket per busy window is being
# served, the rest are finished (what the hot statements meet at 10:30 on a busy day).
LIVE_SQL = """
UPDATE queue_ticket t SET status = 'waiting', window_code = NULL, called_at = NULL, finished_at = NULL,
       updated_at = t.issued_at
WHERE t.day = :day AND t.issued_at > :cut
"""
SERVING_SQL = """
UPDATE queue_ticket t SET status = 'called', finished_at = NULL
WHERE t.id IN (SELECT DISTINCT ON (window_code) id FROM queue_ticket
               WHERE day = :day AND status = 'finished' ORDER BY window_code, called_at DESC)
"""


def generate(conn: Any, today: date, now: datetime, n_items: int, target: int) -> dict[str, Any]:
    days = [today - timedelta(days=d) for d in range(DAYS, 0, -1)]
    size_sum = conn.execute(text("SELECT sum(size) FROM scale_hall")).scalar_one()
    base = target / (float(size_sum) * sum(WEEKDAY[d.weekday()] for d in days))
    sealed = {
        "name": EncryptedString("cases_case.applicant_name").process_bind_param("规模申请人", conn.dialect),
        "form": EncryptedString("cases_case.form_json").process_bind_param("{}", conn.dialect),
        "precheck": EncryptedJson("cases_case.precheck").process_bind_param({}, conn.dialect),
        "detail": EncryptedJson("cases_event.detail").process_bind_param({}, conn.dialect),
    }
    t0 = time.perf_counter()
    for n, day in enumerate([*days, today]):
        dayf = 0.45 if day == today else WEEKDAY[day.weekday()]  # today: the morning so far (09:00–10:30)
        if dayf == 0:
            continue
        conn.execute(text(TICKETS_SQL), {"base": base, "dayf": dayf, "day": day, "n_items": n_items})
        if day == today:
            cut = datetime.combine(day, datetime.min.time().replace(hour=10), SHANGHAI).astimezone(UTC)
            conn.execute(text("DELETE FROM queue_ticket WHERE day = :day AND issued_at > :end"),
                         {"day": day, "end": cut + timedelta(minutes=30)})  # fmt: skip
            conn.execute(text(LIVE_SQL), {"day": day, "cut": cut})
            conn.execute(text(SERVING_SQL), {"day": day})
            conn.execute(text(COUNTERS_SQL), {"day": day})
            continue
        conn.execute(text(COUNTERS_SQL), {"day": day})
        conn.execute(text(CASES_SQL), {"day": day, "share": CASE_SHARE, "now": now, **sealed})
        start, end = ops_repo.day_bounds(day)
        conn.execute(text(EVENTS_SQL), {"start": start, "end": end, "detail": sealed["detail"]})
        conn.execute(text(RATINGS_SQL), {"day": day, "share": RATING_SHARE})
        conn.commit()
        if n % 10 == 0:
            log(f"generated up to {day} ({time.perf_counter() - t0:.0f} s)")
    conn.commit()
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.execute(text("ANALYZE"))
    conn.commit()
    counts = {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one()  # noqa: S608
              for name in ("queue_ticket", "cases_case", "cases_event", "evaluation_rating", "org_hall")}  # fmt: skip
    return {"generate_s": round(gen_s, 1), "analyze_s": round(time.perf_counter() - t0, 1), "base": round(base, 1),
            **counts}  # fmt: skip


# -- 3. facts ---------------------------------------------------------------------------------------------------------

RAW_TICKETS = """SELECT hall_id, issued_at, queue_code, item_code, window_code, staff_id, priority, status,
    transfer_count, called_at, finished_at FROM queue_ticket WHERE day = %s"""
RAW_CASES = """SELECT c.hall_id, c.submitted_at, c.item_code, c.accepted_by, c.accepted_at, c.decided_at, c.status,
    c.promised_due, (SELECT count(*) FROM cases_event e WHERE e.case_id = c.id AND e.action = 'supplement') AS notices
    FROM cases_case c WHERE c.submitted_at >= %s AND c.submitted_at < %s"""
RAW_RATINGS = """SELECT hall_id, rated_at, item_code, window_code, staff_id, level, current, excluded
    FROM evaluation_rating WHERE rated_at >= %s AND rated_at < %s"""


def rollup_statements(day: date) -> list[Any]:
    """The rollup grains of ``repository.replace_facts`` as four INSERT … SELECT, for every hall of the day at once."""
    names = ["grain", "hall_id", "hall_code", "region_path", "day", "hour", "item_code", "window_code", *MEASURES]
    sums = [func.coalesce(func.sum(getattr(Fact, m)), 0) for m in MEASURES]
    out = []
    for grain in ROLLUP_GRAINS:
        hour = Fact.hour if grain == "hour" else literal(-1)
        item = Fact.item_code if grain == "item" else literal("")
        window = Fact.window_code if grain == "window" else literal("")
        split = {"hour": Fact.hour, "item": Fact.item_code, "window": Fact.window_code}
        keys = [split[grain]] if grain in split else []
        stmt = (
            select(literal(grain), Fact.hall_id, Fact.hall_code, Fact.region_path, Fact.day, hour, item, window, *sums)
            .where(Fact.day == day)
            .group_by(Fact.hall_id, Fact.hall_code, Fact.region_path, Fact.day, *keys)
        )
        out.append(insert(FactDay).from_select(names, stmt))
    return out


# the region rollup of ``repository.replace_facts`` (``fact_repository.add_to_regions``) for one region and day, from
# the hall-day rollup rows beneath it (as migration 0036 fills it)
REGION_SQL = f"""
INSERT INTO operations_fact_region (grain, region_path, day, hour, item_code, {", ".join(MEASURES)})
SELECT grain, CAST(:region AS VARCHAR(200)), day, hour, item_code, {", ".join(f"sum({m})" for m in MEASURES)}
FROM operations_fact_day
WHERE grain IN ({", ".join(f"'{g}'" for g in REGION_GRAINS)}) AND day = :day AND substr(region_path, 1, :n) = :region
GROUP BY grain, day, hour, item_code"""  # noqa: S608 — names from the model's tuples


def build_facts(conn: Any, days: list[date]) -> dict[str, Any]:
    halls = {r.hall_id: (r.hall_code, r.region_path) for r in conn.execute(text("SELECT * FROM scale_hall"))}
    regions = sorted({p for _code, path in halls.values() for p in fact_repo.region_paths(path)})
    raw = conn.connection.driver_connection
    t0 = time.perf_counter()
    fold_s = 0.0
    rows_written = 0
    for n, day in enumerate(days):
        start, end = ops_repo.day_bounds(day)
        per_hall: dict[int, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        with raw.cursor() as cur:
            for kind, sql, args in (("tickets", RAW_TICKETS, (day,)), ("cases", RAW_CASES, (start, end)),
                                    ("ratings", RAW_RATINGS, (start, end))):  # fmt: skip
                cur.execute(sql, args)
                cols = [d.name for d in cur.description]
                for rec in cur:
                    row = dict(zip(cols, rec, strict=True))
                    per_hall[row.pop("hall_id")][kind].append(row)
        f0 = time.perf_counter()
        folded = {
            hid: fold_facts.fold(raw_["tickets"], [], raw_["cases"], raw_["ratings"]) for hid, raw_ in per_hall.items()
        }
        fold_s += time.perf_counter() - f0
        with raw.cursor() as cur, cur.copy(f"COPY operations_fact ({', '.join(FACT_COLUMNS)}) FROM STDIN") as copy:
            for hid, rows in folded.items():
                code, path = halls[hid]
                for k, m in rows.items():
                    copy.write_row((hid, code, path, day, *k, *(m[x] for x in MEASURES)))
                    rows_written += 1
        for stmt in rollup_statements(day):
            conn.execute(stmt)
        for region in regions:
            conn.execute(text(REGION_SQL), {"region": region, "n": len(region), "day": day})
        conn.commit()
        if n % 15 == 0:
            log(f"facts up to {day} ({time.perf_counter() - t0:.0f} s)")
    conn.execute(text("ANALYZE operations_fact; ANALYZE operations_fact_day"))
    conn.commit()
    return {"facts_s": round(time.perf_counter() - t0, 1), "pure_fold_s": round(fold_s, 1), "fact_rows": rows_written,
            "rollup_rows": conn.execute(text("SELECT count(*) FROM operations_fact_day")).scalar_one()}  # fmt: skip


REGION_CHECK_SQL = f"""
WITH r AS (SELECT DISTINCT region_path AS region FROM operations_fact_region),
want AS (SELECT d.grain, r.region, d.day, d.hour, d.item_code, sum(d.arrivals) AS a, sum(d.wait_sum) AS w,
                sum(d.ratings_sum) AS s
         FROM operations_fact_day d JOIN r ON substr(d.region_path, 1, length(r.region)) = r.region
         WHERE d.grain IN ({", ".join(f"'{g}'" for g in REGION_GRAINS)}) GROUP BY 1, 2, 3, 4, 5),
have AS (SELECT grain, region_path, day, hour, item_code, arrivals, wait_sum, ratings_sum FROM operations_fact_region)
SELECT count(*) FROM ((SELECT * FROM want EXCEPT SELECT * FROM have) UNION ALL
                      (SELECT * FROM have EXCEPT SELECT * FROM want)) x"""  # noqa: S608


def snapshot(conn: Any, hall_id: int, day: date) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    f = sorted(
        tuple(r)
        for r in conn.execute(
            select(*(Fact.__table__.c[c] for c in FACT_COLUMNS)).where(Fact.hall_id == hall_id, Fact.day == day)
        )
    )
    cols = [c for c in FactDay.__table__.c if c.name != "id"]
    d = sorted(tuple(r) for r in conn.execute(select(*cols).where(FactDay.hall_id == hall_id, FactDay.day == day)))
    return f, d  # fmt: skip


# -- 4. timings -------------------------------------------------------------------------------------------------------


def time_calls(fn: Callable[[], Any], repeat: int) -> dict[str, float]:
    ms = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t) * 1000)
    return {"p50": round(statistics.median(ms), 2), "p95": pct(ms, 0.95), "p99": pct(ms, 0.99), "n": repeat}


def hot_statements(db: Database, hall_id: int, hall_code: str, today: date, repeat: int) -> list[dict[str, Any]]:
    from tests.queueing.test_plans import _postgresql_plan  # the plan check's own EXPLAIN of a prepared statement

    now = datetime.combine(today, datetime.min.time().replace(hour=10, minute=30), SHANGHAI).astimezone(UTC)
    with db.engine.connect() as conn:
        windows = [r[0] for r in conn.execute(text(
            "SELECT code FROM org_window WHERE hall_id = :h ORDER BY code"), {"h": hall_id})]  # fmt: skip
        items = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT item_code FROM queue_ticket WHERE hall_id = :h AND day = :d LIMIT 3"),
            {"h": hall_id, "d": today})]  # fmt: skip
        some = conn.execute(text("SELECT id, number FROM queue_ticket WHERE hall_id = :h AND day = :d "
                                 "ORDER BY random() LIMIT 50"), {"h": hall_id, "d": today}).all()  # fmt: skip
        counts = conn.execute(text("SELECT status, count(*) FROM queue_ticket WHERE hall_id = :h AND day = :d "
                                   "GROUP BY status"), {"h": hall_id, "d": today}).all()  # fmt: skip
        conn.rollback()
    assert some, f"no live tickets for {hall_code} on {today}"
    w = windows[0]
    backend = "postgresql"
    cases: dict[str, tuple[Any, dict[str, Any], set[str]]] = {
        "issue numbering (counter upsert)": (
            q_repo._NEXT_SEQ, {"hall_id": hall_id, "queue_code": "A", "day": today}, set()),
        "call-next, comprehensive window": (
            q_repo._CANDIDATES[True], {"h": hall_id, "d": today, "lim": 8, "w": w},
            {"ix_queue_ticket_waiting", "ix_queue_ticket_targeted"}),
        "call-next, specialised window": (
            q_repo._CANDIDATES[False], {"h": hall_id, "d": today, "lim": 8, "w": w, "items": items},
            {"ix_queue_ticket_waiting", "ix_queue_ticket_targeted"}),
        "call-next with its session": (
            q_repo._SESSION_AND_CANDIDATES[True], {"h": hall_id, "d": today, "lim": 8, "w": w},
            {"ix_queue_ticket_waiting", "ix_queue_ticket_targeted"}),
        "board state": (q_repo._HALL_STATE, {"hall_id": hall_id, "day": today, "now": now},
                        {"ix_queue_ticket_serving"}),
        "board calls": (q_repo._RECENT_CALLS, {"hall_id": hall_id, "day": today, "windows": windows[:4]},
                        {"ix_queue_ticket_calls"}),
        "replay line": (q_repo._WAITING[backend], {"hall_id": hall_id, "day": today, "now": now},
                        {"ix_queue_ticket_waiting"}),
        "service times": (q_repo._FINISHED, {"hall_id": hall_id, "day": today}, {"ix_queue_ticket_done"}),
        "serving": (q_repo._SERVING, {"hall_id": hall_id, "day": today}, {"ix_queue_ticket_serving"}),
        "status by id": (q_repo._TICKET_BY_ID, {"id": some[0][0]}, {"pk_queue_ticket"}),
        "status by number": (q_repo._BY_NUMBER, {"h": hall_id, "d": today, "number": some[0][1]}, set()),
    }  # fmt: skip
    out = []
    with db.engine.connect() as conn:
        for n, (label, (stmt, params, expected)) in enumerate(cases.items()):
            plans = {}
            for mode in ("force_custom_plan", "force_generic_plan"):
                conn.exec_driver_sql(f"SET plan_cache_mode = {mode}")
                try:
                    plans[mode] = _postgresql_plan(conn, stmt, params, f"scale_{n}")
                except Exception as exc:  # noqa: BLE001 — a text() statement with types the helper cannot quote
                    conn.rollback()
                    plans[mode] = f"(no plan: {type(exc).__name__})"
            used = sorted(set(re.findall(r"Index (?:Only )?Scan (?:Backward )?using (\w+)", "\n".join(plans.values()))))
            seq = "Seq Scan on queue_ticket" in "\n".join(plans.values())
            sort = any(re.search(r"^\s*(->\s*)?Sort\b", p, re.M) for p in plans.values())
            ids = iter(range(10**9))

            def once(stmt: Any = stmt, params: dict[str, Any] = params, label: str = label, ids: Any = ids) -> None:
                p = dict(params)
                if label == "status by id":
                    p["id"] = some[next(ids) % len(some)][0]
                conn.execute(stmt, p).all()

            latency = time_calls(once, repeat)
            conn.rollback()  # the numbering upserts are not kept
            out.append(
                {
                    "label": label,
                    "indexes": used,
                    "expected": sorted(expected),
                    "seq_scan": seq,
                    "sort": sort,
                    "p50_ms": latency["p50"],
                    "p99_ms": latency["p99"],
                    "plan": plans["force_generic_plan"],
                }
            )
        conn.exec_driver_sql("SET plan_cache_mode = auto")
    print(f"live day of {hall_code}: {dict(counts)}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--url", required=True, help="a PostgreSQL URL on the server to use (its database is not touched)")
    ap.add_argument("--database", default="scale_h6")
    ap.add_argument("--tickets", type=int, default=5_150_000, help="tickets over the 90 past days (all halls)")
    ap.add_argument("--repeat", type=int, default=60)
    ap.add_argument("--days", type=int, default=DAYS, help="past days to generate (a reduced run: e.g. 30)")
    ap.add_argument("--keep", action="store_true", help="keep the database at the end")
    ap.add_argument("--reuse", action="store_true", help="time a database a --keep run left (generate nothing)")
    args = ap.parse_args()
    globals()["DAYS"] = args.days
    admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
    if not args.reuse:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{args.database}"'))
            c.execute(text(f'CREATE DATABASE "{args.database}"'))
    url = make_url(args.url).set(database=args.database).render_as_string(hide_password=False)
    keys = Path(tempfile.gettempdir()) / f"scale-bench-{args.database}"  # the field keys, kept for --reuse
    data_dir = keys if args.reuse else Path(tempfile.mkdtemp(prefix="scale-bench-"))
    settings = Settings(data_dir=data_dir, database_url=url)
    settings.ensure_dirs()
    try:
        run(settings, url, args)
    finally:
        if not args.keep:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
            log(f"dropped {args.database}")
        admin.dispose()


def run(settings: Settings, url: str, args: argparse.Namespace) -> None:
    migrate.upgrade(url)
    setup_security(settings)
    db = Database(url, pool_size=2)
    now = datetime.now(UTC)
    today = service_day(now)
    days = [today - timedelta(days=d) for d in range(DAYS, 0, -1)]
    if args.reuse:
        with db.engine.connect() as conn:
            last = conn.execute(text("SELECT max(day) FROM queue_ticket")).scalar_one()
        today = last
        days = [today - timedelta(days=d) for d in range(DAYS, 0, -1)]
        timings(db, days, today, args, {"reused": True}, {"reused": True}, [])
        return
    with db.unit_of_work() as session:
        seed_demo(session, password="bench")  # noqa: S106
    with db.engine.connect() as conn:
        add_halls(conn, now)
        n_items = add_items(conn)
        conn.commit()
        log("100 halls; generating")
        summary = generate(conn, today, now, n_items, args.tickets)
        log(f"generated: {summary}")
        facts = build_facts(conn, days)
        log(f"facts: {facts}")
        sample = conn.execute(text("SELECT hall_id FROM scale_hall ORDER BY random() LIMIT 6")).scalars().all()
        conn.rollback()
    rnd = random.Random(3)
    checks = [(h, rnd.choice([d for d in days if WEEKDAY[d.weekday()] > 0])) for h in sample]
    for hall_id, day in checks:
        with db.engine.connect() as conn:
            before = snapshot(conn, hall_id, day)
        with db.unit_of_work() as session:
            factbook.fold_hall_day(session, hall_id, day)
        with db.engine.connect() as conn:
            after = snapshot(conn, hall_id, day)
        assert before == after, f"the bulk facts differ from the real fold for hall {hall_id} on {day}"
    with db.engine.connect() as conn:  # the region rollup after the refolds: still the sums of the halls beneath
        off = conn.execute(text(REGION_CHECK_SQL)).scalar_one()
    assert off == 0, f"{off} region rollup rows differ from the sums of the hall rows beneath"
    log(f"{len(checks)} sampled hall-days refolded by fold_hall_day: same facts and rollup, region rollup exact")
    timings(db, days, today, args, summary, facts, checks)
    if args.keep:
        import shutil

        keys = Path(tempfile.gettempdir()) / f"scale-bench-{args.database}"
        shutil.rmtree(keys, ignore_errors=True)
        shutil.copytree(settings.data_dir, keys)


def timings(db: Database, days: list[date], today: date, args: argparse.Namespace, summary: dict[str, Any],
            facts: dict[str, Any], checks: list[Any]) -> None:  # fmt: skip

    yesterday = max(d for d in days if WEEKDAY[d.weekday()] > 0)
    with db.engine.connect() as conn:
        hall_ids = conn.execute(text("SELECT hall_id FROM scale_hall ORDER BY hall_id")).scalars().all()
        day_tickets = conn.execute(text("SELECT count(*) FROM queue_ticket WHERE day = :d"), {"d": yesterday}).scalar()
        busiest = conn.execute(
            text("SELECT hall_id, hall_code FROM scale_hall ORDER BY size DESC, hall_id LIMIT 1")
        ).one()
    fold_runs = []
    for _ in range(2):
        with db.unit_of_work() as session:
            t0 = time.perf_counter()
            for hid in hall_ids:
                factbook.fold_hall_day(session, hid, yesterday)
            fold_runs.append(round(time.perf_counter() - t0, 1))
    log(f"fold of {yesterday} ({day_tickets} tickets) for {len(hall_ids)} halls: {fold_runs} s")

    results = {}
    for span in sorted({30, DAYS}):
        start = yesterday - timedelta(days=span - 1)
        for what, level, code in (("hall", "hall", "H-690102"), ("province", "province", "690000")):

            def call(level: str = level, code: str = code, start: date = start) -> None:
                with db.unit_of_work(write=False) as session:
                    dashboards.cockpit(session, SYSTEM, level=level, code=code, from_day=start, to_day=yesterday)

            call()  # warm
            results[(what, span)] = time_calls(call, args.repeat)
            log(f"cockpit {what} {span} days: {results[(what, span)]}")

    hot = hot_statements(db, busiest.hall_id, busiest.hall_code, today, 200)
    print("\n== figures ==")
    print(f"generated: {summary}")
    print(f"facts: {facts}")
    print(f"fold of one day ({yesterday}, {day_tickets} tickets, {len(hall_ids)} halls): {fold_runs} s")
    for (what, span), r in results.items():
        print(f"cockpit {what} {span} days: p50 {r['p50']} ms, p95 {r['p95']} ms (n={r['n']})")
    for h in hot:
        ok = (not h["expected"] or set(h["expected"]) & set(h["indexes"])) and not h["seq_scan"] and not h["sort"]
        print(f"{h['label']}: p50 {h['p50_ms']} ms, p99 {h['p99_ms']} ms; indexes {h['indexes']}; "
              f"seq scan {h['seq_scan']}; sort {h['sort']}; {'ok' if ok else 'CHECK'}")  # fmt: skip
    for h in hot:
        print(f"--- {h['label']} (generic plan)\n{h['plan']}")
    db.dispose()


if __name__ == "__main__":
    main()
