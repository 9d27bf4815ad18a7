"""Performance (8.2): per staff member and period — services finished, mean handling time, on-time rate of the
cases they accepted, good-rating rate, complaints (bad ratings) — scored with the hall's weights
(``staff.score_weights``, inherited down the hall tree) and ranked within the hall.

Everything is recounted from the raw records each time (tickets, cases, ratings), through the one scope filter:
a person sees their own record, a hall manager their hall, a supervisor (admin, auditor with a region) the halls
of their region.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core import formula as formula_lang
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.errors import Forbidden
from smarthall.core.export_cells import append_text_safe, safe_row
from smarthall.core.masking import mask_name
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service
from smarthall.rules.definitions import STAFF_SCORE_NAMES
from smarthall.staff import counting, scoring
from smarthall.staff import repository as repo
from smarthall.staff.errors import BadFormula, BadPeriod, BadWeights, StaffNotFound
from smarthall.staff.notices import Handler

WEIGHTS_RULE = "staff.score_weights"
FORMULA_RULE = "staff.score_formula"
MAX_DAYS = 366


class Person(Handler, Protocol):
    """What a ranking row reads of a staff account handed over by identity: a handler's, and the code and name."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Period:
    date_from: date
    date_to: date  # inclusive

    @property
    def start(self) -> datetime:
        return datetime.combine(self.date_from, time.min, SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.date_to + timedelta(days=1), time.min, SHANGHAI)


def period(date_from: date | None, date_to: date | None, *, now: datetime) -> Period:
    """The period asked for; by default the current calendar month up to today (Asia/Shanghai)."""
    today = service_day(now)
    start = date_from or today.replace(day=1)
    end = date_to or (today if date_from is None or date_from <= today else date_from)
    if start > end or (end - start).days >= MAX_DAYS:
        raise BadPeriod(detail={"from": start.isoformat(), "to": end.isoformat()})
    return Period(start, end)


def hall_in_scope(session: Session, actor: Actor, hall_code: str | None) -> org_service.HallFacts:
    hall = org_service.hall_facts(session, hall_code or actor.hall_code or "")
    actor.ensure_hall(hall.id, hall.region_path)
    return hall


def weights(session: Session, hall: org_service.HallFacts) -> dict[str, int]:
    return scoring.usable_weights(rules_service.value(session, hall, WEIGHTS_RULE))


def stored_formula(session: Session, hall: org_service.HallFacts) -> str:
    value = rules_service.value(session, hall, FORMULA_RULE)
    return value if isinstance(value, str) and value.strip() else scoring.DEFAULT_FORMULA


def parse_formula(text: str) -> formula_lang.Node:
    """``text`` parsed, or 422 ``performance_bad_formula`` saying what is wrong and where (0-based position)."""
    try:
        return formula_lang.parse(text, STAFF_SCORE_NAMES)
    except formula_lang.FormulaError as exc:
        raise BadFormula(
            detail={
                "position": exc.position,
                "problem": exc.problem,
                "near": exc.text,
                "names": list(STAFF_SCORE_NAMES),
            }
        ) from exc


def figures(
    session: Session, actor: Actor, hall_id: int, p: Period, *, now: datetime, assigned: dict[int, str | None]
) -> counting.Counted:
    """The raw counts per staff id and per window served at, in the hall and period (see ``counting``)."""
    return counting.count(
        session, actor, hall_id, start=p.start, end=p.end, first_day=p.date_from, last_day=p.date_to,
        today=service_day(now), assigned=assigned,
    )  # fmt: skip


def _row(
    staff: Person, f: scoring.Figures, value: float | None, place: int | None, *, full_name: bool
) -> dict[str, Any]:
    return {
        "staff_code": staff.code,
        "name": staff.name if full_name else mask_name(staff.name),
        "role": staff.role,
        "window_code": staff.window_code,
        "department_code": staff.department_code,
        "handled": f.handled,
        "mean_service_minutes": f.mean_service_minutes,
        "cases": f.cases,
        "on_time_rate": f.on_time_rate,
        "ratings": f.ratings,
        "good_rating_rate": f.good_rating_rate,
        "complaints": f.complaints,
        "helps": f.helps,
        **_new_measures(f),
        "score": value,
        "rank": place,
    }


def _new_measures(f: scoring.Figures) -> dict[str, Any]:
    return {
        "mean_wait_minutes": f.mean_wait_minutes,
        "waits_caused_minutes": f.waits_caused_minutes,
        "overdue": f.overdue,
        "notices": f.notices,
        "notice_violations": f.repeat_notices,
        "notice_compliance": f.notice_compliance,
    }


EMPTY = scoring.Figures(0, 0, 0, 0, 0, 0, 0)
GROUPINGS = ("window", "department")


def _figures_read(f: scoring.Figures) -> dict[str, Any]:
    return {
        "handled": f.handled, "mean_service_minutes": f.mean_service_minutes, "cases": f.cases,
        "on_time_rate": f.on_time_rate, "ratings": f.ratings, "good_rating_rate": f.good_rating_rate,
        "complaints": f.complaints, "helps": f.helps, **_new_measures(f),
    }  # fmt: skip


def _groups(
    people: dict[int, Any],
    measured: dict[int, scoring.Figures],
    counted: counting.Counted,
    w: dict[str, int],
    tree: formula_lang.Node,
) -> dict[str, Any]:
    """Windows: the figures of what was served at each window (``counting``), with every window a measured person
    is assigned to; departments: their people's figures summed; the hall: everyone's. Windows and departments are
    scored and ranked among themselves with the hall's formula, like people."""
    out: dict[str, Any] = {}
    by_window = dict(counted.windows)
    members = {code: set(ids) for code, ids in counted.window_people.items()}
    for sid in measured:
        code = people[sid].window_code if sid in people else None
        if code:
            by_window.setdefault(code, EMPTY)
            members.setdefault(code, set()).add(sid)
    out["window"] = [
        {"code": code, "people": len(members.get(code, ())), **_figures_read(by_window[code]), "score": value,
         "rank": place}
        for code, value, place in scoring.rank(by_window, w, tree)
    ]  # fmt: skip
    key_of = {sid: people[sid].department_code for sid in measured if sid in people}
    summed = scoring.rollup(measured, key_of)
    out["department"] = [
        {"code": code, "people": sum(1 for k in key_of.values() if k == code), **_figures_read(summed[code]),
         "score": value, "rank": place}
        for code, value, place in scoring.rank(summed, w, tree)
    ]  # fmt: skip
    total = sum(measured.values(), EMPTY)
    out["hall"] = {"people": len(measured), **_figures_read(total)}
    return out


def ranking(
    session: Session,
    actor: Actor,
    *,
    hall_code: str | None,
    date_from: date | None,
    date_to: date | None,
    now: datetime,
    formula: str | None = None,
) -> dict[str, Any]:
    """The hall's ranking for the period: every measured staff member (and anyone else who served), best first.
    With ``formula``, scored by that formula instead of the hall's (a preview: nothing is saved)."""
    if not actor.has("staff.performance"):
        raise Forbidden("您的角色无权查看人员绩效", "Your role cannot read staff performance", code="forbidden_role")
    hall = hall_in_scope(session, actor, hall_code)
    p = period(date_from, date_to, now=now)
    return _ranking(session, actor, hall, p, now=now, preview=formula)


def _ranking(
    session: Session,
    actor: Actor,
    hall: org_service.HallFacts,
    p: Period,
    *,
    now: datetime,
    preview: str | None = None,
) -> dict[str, Any]:
    people = {s.id: s for s in identity_service.staff_in_scope(session, actor, hall_id=hall.id)}
    counted = figures(session, actor, hall.id, p, now=now, assigned={k: s.window_code for k, s in people.items()})
    by_person = counted.people
    measured = {
        sid: by_person.get(sid, EMPTY)
        for sid, s in people.items()
        if s.role in repo.MEASURED_ROLES or sid in by_person
    }
    w = weights(session, hall)
    saved = stored_formula(session, hall)
    text = preview.strip() if preview is not None and preview.strip() else saved
    tree = parse_formula(text) if text != saved else scoring.usable_formula(saved)
    rows = [
        _row(people[sid], measured[sid], value, place, full_name=False)
        for sid, value, place in scoring.rank(measured, w, tree)
        if sid in people
    ]
    return {
        "hall_code": hall.code,
        "hall_name": hall.name,
        "date_from": p.date_from,
        "date_to": p.date_to,
        "weights": w,
        "formula": text,
        "saved_formula": saved,
        "preview": text != saved,
        "rows": rows,
        "groups": _groups(people, measured, counted, w, tree),
    }


def record(
    session: Session,
    actor: Actor,
    *,
    staff_code: str | None,
    date_from: date | None,
    date_to: date | None,
    now: datetime,
) -> dict[str, Any]:
    """One person's figures, score and rank in their hall. Oneself always; others with ``staff.performance`` in
    scope (404 otherwise: an unseen person does not exist)."""
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("仅工作人员可查看绩效", "Only staff have a performance record", code="forbidden_role")
    own = staff_code is None
    if own:
        staff: Person | None = identity_service.get_staff(session, actor.id)
    else:
        staff = identity_service.staff_by_code_in_scope(session, actor, staff_code or "")
        if staff is not None and staff.id != actor.id and not actor.has("staff.performance"):
            staff = None
    if staff is None:
        raise StaffNotFound(detail={"staff_code": staff_code})
    hall = org_service.hall_facts_by_id(session, staff.hall_id)
    p = period(date_from, date_to, now=now)
    # ranked against the hall's figures (the person's own hall is in their scope); only their own row is returned
    board = _ranking(session, actor, hall, p, now=now)
    mine = next((r for r in board["rows"] if r["staff_code"] == staff.code), None)
    if mine is None:
        mine = _row(staff, EMPTY, None, None, full_name=True)
    else:
        mine = {**mine, "name": staff.name if staff.id == actor.id else mask_name(staff.name)}
    if staff.id != actor.id:
        audit_service.record(
            session,
            actor,
            "staff.performance.read",
            target_type="staff",
            target_id=staff.code,
            hall_code=hall.code,
            now=now,
        )
    from smarthall.staff import competence

    return {
        "hall_code": hall.code,
        "date_from": p.date_from,
        "date_to": p.date_to,
        "weights": board["weights"],
        "ranked": len([r for r in board["rows"] if r["rank"] is not None]),
        "record": mine,
        "courses": competence.completed(session, staff),
    }


EXPORT_COLUMNS = (
    "rank",
    "staff_code",
    "name",
    "role",
    "window_code",
    "handled",
    "mean_service_minutes",
    "cases",
    "on_time_rate",
    "ratings",
    "good_rating_rate",
    "complaints",
    "helps",
    "mean_wait_minutes",
    "waits_caused_minutes",
    "overdue",
    "notices",
    "notice_violations",
    "notice_compliance",
    "score",
)


def _export_rows(data: dict[str, Any]) -> list[list[Any]]:
    return [[r[c] for c in EXPORT_COLUMNS] for r in data["rows"]]


def ranking_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in _export_rows(data):
        writer.writerow(safe_row("" if v is None else v for v in row))
    return "\ufeff" + out.getvalue()


def ranking_xlsx(data: dict[str, Any]) -> bytes:
    """The same rows as the CSV in one sheet (numbers stay numbers, no data is an empty cell)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{data['date_from']}~{data['date_to']}"[:31]
    sheet.append(list(EXPORT_COLUMNS))
    for row in _export_rows(data):
        append_text_safe(sheet, row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def set_weights(
    session: Session, actor: Actor, *, scope_code: str, values: dict[str, Any], note: str, now: datetime
) -> dict[str, int]:
    """Set the score weights at a hall or region the actor manages (a versioned rule override)."""
    if not (actor.has("staff.weights") or actor.has("rules.manage")):
        raise Forbidden("您的角色无权修改评分权重", "Your role cannot change the score weights", code="forbidden_role")
    try:
        checked = scoring.check_weights(values)
    except ValueError as exc:
        raise BadWeights(detail={"problem": str(exc)}) from exc
    rules_service.set_rule(session, actor, key=WEIGHTS_RULE, scope_code=scope_code, value=checked, note=note, now=now)
    return checked


def set_formula(session: Session, actor: Actor, *, scope_code: str, text: str, note: str, now: datetime) -> str:
    """Set the score formula at a hall or region the actor manages, once it parses (a versioned rule override)."""
    if not (actor.has("staff.weights") or actor.has("rules.manage")):
        raise Forbidden("您的角色无权修改评分公式", "Your role cannot change the score formula", code="forbidden_role")
    parse_formula(text.strip())
    rules_service.set_rule(session, actor, key=FORMULA_RULE, scope_code=scope_code, value=text.strip(), note=note,
                           now=now)  # fmt: skip
    return text.strip()
