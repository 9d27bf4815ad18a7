"""Hall history that looks real (历史数据生成): past days of tickets, bookings, cases and ratings for the demo halls,
drawn from the known arrival process (``arrivals``) and played through the hall-day simulation (``simulate``), then
written in bulk with the same numbering, states and invariants as live use.

Per hall and past day (seeded: ``seed``, hall code and day give the same day every time):
- arrivals from ``arrivals.sample_day`` (weekday × hour profile, month-end and post-holiday surges on the official
  calendar, item mix, service times per item), the hall's volume sized to its staffed windows
  (``arrivals.volume_for_counters``: an ordinary Tuesday's busiest hour loads them to 75 %); counters per half hour
  by lean square-root staffing (``BETA``) on the true rate (a shift plan: windows open and close with the load),
  never more than the staffed windows (so Monday, month-end and post-holiday peaks queue up), one comprehensive
  pool, calls in the live policy's order;
- each arrival becomes a ticket numbered ``<queue letter><seq:03d>`` per hall × queue × day (the queue counter row
  holds the last number), ``finished`` when served, ``cancelled`` when it left the line (patience), ``skipped``
  when absent when called (过号); 2 % of those served were transferred once; the clerk is the one posted at the
  window (none when the hall has no such window: windows beyond the hall's own are ``<hall>-V<nn>``);
- appointment check-ins get a checked-in booking, and the sample's no-shows a ``no_show`` booking, on slots of the
  item's department (capacity = bookings);
- 22 % of served tickets of licensing/filing items open a case: accepted at the window, 14 % get a supplement notice
  (a tenth of those a second one, against 一次性告知), decided within their promised limit mostly (7 % late),
  approved and delivered, or rejected (5 %); the few of the last week still under review;
- 35 % of served tickets are rated: mostly 5, worse the longer the wait; bad ones carry tags and a comment.

Days that already have tickets in a hall are left alone, so a second run adds nothing.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from smarthall.core.clock import SHANGHAI
from smarthall.core.crypto import blind_index
from smarthall.operations import arrivals, simulate
from smarthall.operations import facts as fold_facts
from smarthall.operations import repository as repo
from smarthall.operations.calendar import day_info
from smarthall.queueing import policy as queueing_policy

SEED = 20261202
CASE_SHARE = 0.22
CASE_TYPES = frozenset({"行政许可", "行政备案", "行政确认", "行政给付"})
RATE_SHARE = 0.35
BAD_COMMENTS = {
    "等候时间长": ("排队等了很久,窗口开得太少", "叫号后窗口没人,等了半天"),
    "态度不好": ("工作人员态度冷淡,问了两遍才回答", "窗口人员不耐烦"),
    "材料要求不清": ("网上写的材料和窗口要的不一样", "材料要求没有一次说清"),
    "多次跑动": ("材料要求没有一次说清,跑了两趟", "让我回去补材料,又来了一次"),
}
GOOD_COMMENTS = ("办事很快,一次办成", "工作人员很耐心", "指引清楚,不用跑腿", "")
CITIZENS = 60
BETA = 0.25  # square-root staffing's safety factor: a lean hall, with queues at its peaks


@dataclass
class Summary:
    halls: int = 0
    days: int = 0
    tickets: int = 0
    bookings: int = 0
    cases: int = 0
    ratings: int = 0
    today: date = date.min  # decisions after yesterday are still open
    folded: set[tuple[int, date]] = field(default_factory=set)  # hall-days whose facts were folded from memory

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if k not in ("today", "folded")}


def _at(day: date, minute: float) -> datetime:
    return (datetime.combine(day, time(0), SHANGHAI) + timedelta(minutes=minute)).astimezone(UTC)


def serving_windows(windows: Sequence[str], clerks: dict[str, int]) -> tuple[list[str], int]:
    """The hall's service windows with those a clerk is posted at first (the history's counters open in that order),
    and how many are staffed."""
    staffed = [w for w in windows if w in clerks]
    return staffed + [w for w in windows if w not in clerks], len(staffed)


def staffing_for(profile: arrivals.HallProfile, day: date, cap: int | None = None) -> simulate.Staffing | None:
    """Counters per half hour: square-root staffing on the true rate (the hall's shift plan of the day), at most
    ``cap`` (the hall's staffed windows): at the peaks the queue grows, as in a hall that has no one else to send."""
    day_bins = arrivals.bins(profile, day_info(day))
    if not day_bins:
        return None
    service = arrivals.mean_service(profile)
    start = day_bins[0][0]
    end = day_bins[-1][1]
    periods = max(1, math.ceil((end - start) / 30))
    counters = []
    for p in range(periods):
        a, b = start + 30 * p, start + 30 * (p + 1)
        mean = sum(m * max(0.0, min(b, e) - max(a, s)) / (e - s) for s, e, m in day_bins if e > s)
        load = mean / 30 * service
        c = max(1, math.ceil(load + BETA * math.sqrt(load))) if load > 0 else 1
        counters.append(min(c, cap) if cap else c)
    return simulate.Staffing(start=start, period=30, counters={"all": tuple(counters)})


def _citizens(session: Session, seed: int) -> list[int]:
    """A small pool of generated citizens who booked (no login: no password)."""
    rows, indexes = [], []
    for k in range(CITIZENS):
        id_number = f"6901021980{(k % 12) + 1:02d}{(k % 28) + 1:02d}{k:03d}X"
        index = blind_index(id_number, "id_number")
        indexes.append(index)
        phone = f"139{seed % 10000:04d}{k:04d}"
        rows.append({"name": f"历史市民{k + 1:02d}", "id_number": id_number, "id_number_index": index,
                     "phone": phone, "phone_index": blind_index(phone, "phone"), "address": None,
                     "failed_logins": 0, "active": True})  # fmt: skip
    known = repo.citizen_ids_by_index(session, indexes)
    missing = [r for r in rows if r["id_number_index"] not in known]
    repo.bulk_write(session, "identity_citizen", missing)
    known = repo.citizen_ids_by_index(session, indexes)
    return [known[i] for i in indexes]


def generate(
    session: Session,
    *,
    halls: Sequence[Any],
    items: Sequence[dict[str, Any]],
    days: int,
    today: date,
    seed: int = SEED,
) -> Summary:
    """Write ``days`` past days (ending yesterday) for each hall (``HallFacts``) from the catalog ``items``."""
    summary = Summary(today=today)
    prefixes = queueing_policy.queue_prefixes({i["department_code"] for i in items})
    by_code = {i["code"]: i for i in items}
    citizens = _citizens(session, seed)
    with repo.id_block(session):
        for hall in halls:
            _generate_hall(session, hall, items, by_code, prefixes, citizens, days, today, seed, summary)
    return summary


def _generate_hall(session: Session, hall: Any, items: Sequence[dict[str, Any]], by_code: dict[str, dict[str, Any]],
                   prefixes: dict[str, str], citizens: list[int], days: int, today: date, seed: int,
                   summary: Summary) -> None:  # fmt: skip
    clerks = repo.hall_clerks(session, hall.id)
    windows, staffed = serving_windows(repo.hall_window_codes(session, hall.id), clerks)
    profile = arrivals.profile_for_hall({"code": hall.code, "level": hall.level,
                                         "opening_hours": hall.opening_hours}, items,
                                        counters=staffed)  # fmt: skip
    done = repo.history_days(session, hall.id)
    busy = {d for _h, d in repo.all_hall_days(session, [hall.id])}  # days with records: refolded from the database
    summary.halls += 1
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        if day in done:
            continue
        staffing = staffing_for(profile, day, cap=staffed or None)
        if staffing is None:
            continue
        sample = arrivals.sample_day(profile, day, seed)
        if not len(sample):
            continue
        result = simulate.simulate_day(sample, [simulate.Pool("all")], staffing)
        rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(hall.code.encode()), day.toordinal(), 7]))
        records = _write_day(session, hall, day, sample, result, rng, prefixes, by_code, windows, clerks,
                             citizens, summary)  # fmt: skip
        if day not in busy and _all_on(day, records):  # the same pure fold, on the records just written
            rows = fold_facts.fold(*records)
            repo.replace_facts(session, hall_id=hall.id, hall_code=hall.code, region_path=hall.region_path,
                               day=day, rows=rows)  # fmt: skip
            summary.folded.add((hall.id, day))
        summary.days += 1


Records = tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]


def _all_on(day: date, records: Records) -> bool:
    """Every record of the day belongs to its hall-day in the fold (its Shanghai day is ``day``)."""
    tickets, bookings, cases, ratings = records
    moments = [b["starts_at"] for b in bookings] + [c["submitted_at"] for c in cases] + [r["rated_at"] for r in ratings]
    return all(t["day"] == day for t in tickets) and all(fold_facts.case_day(m) == day for m in moments)


def _write_day(
    session: Session,
    hall: Any,
    day: date,
    sample: arrivals.DaySample,
    result: simulate.DayResult,
    rng: np.random.Generator,
    prefixes: dict[str, str],
    items: dict[str, dict[str, Any]],
    windows: list[str],
    clerks: dict[str, int],
    citizens: list[int],
    summary: Summary,
) -> Records:
    """Write one hall-day; returns its records as written (tickets, bookings, cases with their ``notices``,
    ratings) for the fold."""
    n = len(sample)
    seqs: dict[str, int] = {}
    tickets: list[dict[str, Any]] = []
    u = rng.random((n, 6))
    for j in range(n):
        queue = prefixes.get(sample.queue[j], "Z")
        seqs[queue] = seqs.get(queue, 0) + 1
        issued = _at(day, sample.minute[j])
        outcome = result.outcome[j]
        counter = result.counter[j]
        window = None
        if counter >= 0:
            window = windows[counter] if counter < len(windows) else f"{hall.code}-V{counter + 1:02d}"
        called = issued + timedelta(minutes=result.wait[j]) if outcome != simulate.ABANDONED else None
        status = {simulate.SERVED: "finished", simulate.ABANDONED: "cancelled", simulate.ABSENT: "skipped"}[outcome]
        finished = called + timedelta(minutes=sample.service[j]) if outcome == simulate.SERVED and called else None
        booked = sample.reason[j] == "appointment"
        tickets.append({
            "hall_id": hall.id, "hall_code": hall.code, "queue_code": queue, "day": day, "seq": seqs[queue],
            "number": queueing_policy.format_number(queue, seqs[queue]), "item_code": sample.item[j],
            "department_code": sample.queue[j], "status": status, "priority": sample.priority[j],
            "priority_reason": sample.reason[j], "source": "appointment" if booked else "kiosk",
            "citizen_id": citizens[int(u[j, 0] * len(citizens))] if booked else None,
            "id_number": None, "id_number_index": None, "phone": None, "phone_index": None,
            "appointment_code": None, "issued_by": "system:history", "issued_at": issued, "queued_at": issued,
            "target_window_code": None, "window_code": window, "staff_id": clerks.get(window or ""),
            "called_at": called, "finished_at": finished, "recall_count": 0, "requeue_count": 0,
            "transfer_count": int(outcome == simulate.SERVED and u[j, 1] < 0.02), "notified_ahead": False,
            "idempotency_key": None, "request_hash": None, "created_at": issued, "updated_at": finished or issued,
        })  # fmt: skip
    ids = repo.reserve_ids(session, "queue_ticket", len(tickets))
    for t, ticket_id in zip(tickets, ids, strict=True):
        t["id"] = ticket_id
    repo.bulk_write(session, "queue_ticket", tickets)
    repo.bulk_write(session, "queue_counter", [{"hall_id": hall.id, "queue_code": q, "day": day, "value": v,
                                                "waiting": 0} for q, v in seqs.items()])  # fmt: skip
    summary.tickets += len(tickets)
    bookings = _bookings(session, hall, day, sample, tickets, ids, citizens, rng, summary)
    cases = _cases(session, hall, day, tickets, items, u, summary)
    ratings = _ratings(session, hall, day, tickets, ids, u, summary)
    return tickets, bookings, cases, ratings


def _bookings(session: Session, hall: Any, day: date, sample: arrivals.DaySample, tickets: list[dict[str, Any]],
              ids: list[int], citizens: list[int], rng: np.random.Generator,
              summary: Summary) -> list[dict[str, Any]]:  # fmt: skip
    wanted: list[tuple[float, str, int | None, int]] = []  # minute, item, ticket index or None, citizen
    for j, t in enumerate(tickets):
        if t["source"] == "appointment":
            wanted.append((sample.minute[j], t["item_code"], j, t["citizen_id"]))
    for minute, item in sample.no_shows:
        wanted.append((minute, item, None, citizens[int(rng.integers(len(citizens)))]))
    if not wanted:
        return []
    slots: dict[tuple[str, int], dict[str, Any]] = {}
    for minute, item, _j, _c in wanted:
        dept = item.split("-")[0]
        start = int(minute // 30) * 30
        key = (dept, start)
        slot = slots.setdefault(key, {"hall_id": hall.id, "group_code": dept, "day": day, "starts_at": _at(day, start),
                                      "ends_at": _at(day, start + 30), "capacity": 0, "booked": 0})  # fmt: skip
        slot["capacity"] += 1
        slot["booked"] += 1
    slot_ids = dict(zip(slots, repo.reserve_ids(session, "appointment_slot", len(slots)), strict=True))
    repo.bulk_write(session, "appointment_slot", [{"id": slot_ids[k], **v} for k, v in slots.items()])
    rows = []
    for k, (minute, item, tj, citizen) in enumerate(wanted):
        start = int(minute // 30) * 30
        code = f"B{day:%y%m%d}{zlib.crc32(hall.code.encode()) % 1000:03d}{k:04d}"
        slot_at = _at(day, start)
        rows.append({
            "code": code, "slot_id": slot_ids[(item.split("-")[0], start)], "hall_id": hall.id, "item_code": item,
            "citizen_id": citizen, "day": day, "starts_at": slot_at,
            "status": "checked_in" if tj is not None else "no_show", "live_key": None, "cancelled_at": None,
            "checked_in_at": tickets[tj]["issued_at"] if tj is not None else None,
            "no_show_at": slot_at + timedelta(minutes=45) if tj is None else None, "reminded_at": None,
            "ticket_id": ids[tj] if tj is not None else None, "created_at": slot_at - timedelta(days=2),
            "updated_at": slot_at,
        })  # fmt: skip
    repo.bulk_write(session, "appointment_booking", rows)
    summary.bookings += len(rows)
    return rows


def _workdays_after(day: date, count: int) -> date:
    out = day
    while count > 0:
        out += timedelta(days=1)
        if out.weekday() < 5:
            count -= 1
    return out


def _cases(session: Session, hall: Any, day: date, tickets: list[dict[str, Any]], items: dict[str, dict[str, Any]],
           u: np.ndarray, summary: Summary) -> list[dict[str, Any]]:  # fmt: skip
    cases, events = [], []
    number = 0
    for j, t in enumerate(tickets):
        item = items.get(t["item_code"])
        if t["status"] != "finished" or item is None or item["type"] not in CASE_TYPES or u[j, 2] >= CASE_SHARE:
            continue
        number += 1
        accepted = t["finished_at"]
        limit = int(item.get("promised_limit_workdays") or 5)
        promised = _workdays_after(accepted.astimezone(SHANGHAI).date(), limit)
        legal = _workdays_after(accepted.astimezone(SHANGHAI).date(), int(item.get("legal_limit_workdays") or limit))
        r = (u[j, 3] * 997) % 1
        notices = 0 if r >= 0.14 else (2 if r < 0.014 else 1)
        late = u[j, 4] < 0.07
        span = max(1, limit + (int(1 + u[j, 5] * 4) if late else -int(u[j, 5] * limit)))
        decided = datetime.combine(_workdays_after(accepted.astimezone(SHANGHAI).date(), span), time(15), SHANGHAI)
        decided_utc = decided.astimezone(UTC)
        rejected = u[j, 5] < 0.05
        open_case = decided.date() >= summary.today - timedelta(days=1) and not rejected
        status = "review" if open_case else ("rejected" if rejected else "delivered")
        missing = [m["code"] for m in item["materials"][: 1 + int(r * 10) % 2]]
        case_no = f"{hall.code}-{day:%Y%m%d}-H{number:04d}"
        cases.append({
            "case_no": case_no, "item_code": item["code"], "item_version": 1, "item_name": item["name"],
            "item_type": item["type"], "department_code": item["department_code"], "hall_id": hall.id,
            "hall_code": hall.code, "citizen_id": t["citizen_id"], "applicant_name": "历史申请人",
            "applicant_id_index": None, "channel": "window", "status": status, "version": 1, "form_json": "{}",
            "materials": [], "precheck": {}, "evidence": None, "missing": [],
            "delivery": None, "reviews": {}, "submitted_at": t["issued_at"], "accepted_at": accepted,
            "decided_at": None if open_case else decided_utc, "finished_at": None if open_case else decided_utc,
            "promised_due": promised, "legal_due": legal, "tolerated_until": None, "stopped_since": None,
            "stopped_workdays": 0, "warned_level": "none", "accepted_by": t["staff_id"],
            "decided_by": None, "auto_decided": False, "created_at": t["issued_at"],
            "updated_at": decided_utc if not open_case else accepted,
        })  # fmt: skip
        events.append((len(cases) - 1, notices, accepted, missing))
    if not cases:
        return []
    ids = repo.reserve_ids(session, "cases_case", len(cases))
    for case, case_id in zip(cases, ids, strict=True):
        case["id"] = case_id
    repo.bulk_write(session, "cases_case", cases)
    rows = []
    for index, notices, accepted, missing in events:
        rows.append(_event(ids[index], accepted, "accept", "submitted", "review"))
        for k in range(notices):
            at = accepted + timedelta(hours=2 + 20 * k)
            rows.append(_event(ids[index], at, "supplement", "review", "supplement",
                               detail={"missing": missing[k:] or missing}))  # fmt: skip
            # Every past notice was answered (no past case waits in 补正), so its thread goes back to review.
            rows.append(_event(ids[index], at + timedelta(hours=3), "resubmit", "supplement", "review",
                               actor_kind="citizen"))  # fmt: skip
    repo.bulk_write(session, "cases_event", rows)
    summary.cases += len(cases)
    return [{**cases[index], "notices": notices} for index, notices, _when, _missing in events]


def _event(case_id: int, at: datetime, action: str, src: str, dst: str, detail: dict[str, Any] | None = None,
           actor_kind: str = "system") -> dict:  # fmt: skip
    return {"case_id": case_id, "at": at, "action": action, "from_status": src, "to_status": dst,
            "actor_kind": actor_kind, "actor_ref": "history", "note": "", "detail": detail or {}}  # fmt: skip


def _ratings(session: Session, hall: Any, day: date, tickets: list[dict[str, Any]], ids: list[int], u: np.ndarray,
             summary: Summary) -> list[dict[str, Any]]:  # fmt: skip
    rows = []
    for j, t in enumerate(tickets):
        if t["status"] != "finished" or u[j, 1] >= RATE_SHARE + 0.02:
            continue
        wait = (t["called_at"] - t["issued_at"]).total_seconds() / 60
        x = (u[j, 5] + u[j, 3]) % 1
        penalty = 0.12 if wait > 30 else 0.04 if wait > 15 else 0.0
        level = (
            1
            if x < 0.015 + penalty / 2
            else 2
            if x < 0.04 + penalty
            else 3
            if x < 0.1 + penalty
            else 4
            if x < 0.28
            else 5
        )
        bad = level <= 2
        tags = (["等候时间长"] if wait > 15 else []) + (
            [["态度不好", "材料要求不清", "多次跑动"][int(x * 300) % 3]] if bad else []
        )
        options = BAD_COMMENTS.get(tags[-1], ("",)) if bad and tags else ("",)
        comment = options[int(x * 1000) % len(options)] if bad else GOOD_COMMENTS[int(x * 100) % 4]
        rows.append({
            "subject_kind": "ticket", "subject_ref": str(ids[j]), "sequence": 1, "current": True,
            "hall_id": hall.id, "hall_code": hall.code, "region_path": hall.region_path,
            "window_code": t["window_code"], "staff_id": t["staff_id"], "department_code": t["department_code"],
            "item_code": t["item_code"], "service_channel": "onsite", "channel": "window_pad", "level": level,
            "indicators": {"overall": level}, "tags": tags if bad or wait > 15 else ["办事效率高"],
            "comment": comment, "rater_citizen_id": t["citizen_id"], "rater_index": None,
            "rated_at": t["finished_at"] + timedelta(minutes=1), "excluded": False,
            "created_at": t["finished_at"], "updated_at": t["finished_at"],
        })  # fmt: skip
    repo.bulk_write(session, "evaluation_rating", rows)
    summary.ratings += len(rows)
    return rows


def catalog_items() -> list[dict[str, Any]]:
    from smarthall.demo import demo_catalog_text

    return list(json.loads(demo_catalog_text())["items"])
