"""Staff JSON API: performance ranking, one's own record and CSV/XLSX export (8.2); the supervision live view,
scans and alert acknowledgement (8.1); courses, quizzes and course assignments (8.3). Thin: the logic is in the
modules it calls."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import Field

from smarthall.core.deps import DbId, DbSession, LoggedIn, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.schemas import RequestModel
from smarthall.core.tenancy import Actor
from smarthall.core.types import day_query
from smarthall.staff import assignments, cards, competence, course_builder, notices, performance, supervision

router = APIRouter(route_class=UnitOfWorkRoute, tags=["staff"])
PerfReader = Annotated[Actor, Depends(require("staff.performance"))]
Supervisor = Annotated[Actor, Depends(require("staff.supervise"))]
CourseManager = Annotated[Actor, Depends(require("staff.courses"))]
StaffMember = Annotated[Actor, Depends(require("staff.home"))]
HallCode = Annotated[str | None, Query(max_length=32)]
From = Annotated[date | None, day_query("from")]
To = Annotated[date | None, day_query("to")]


class WeightsSet(RequestModel):
    scope_code: str = Field(min_length=1, max_length=32)
    weights: dict[str, Any]
    note: str = Field(default="", max_length=500)


class FormulaSet(RequestModel):
    scope_code: str = Field(min_length=1, max_length=32)
    formula: str = Field(min_length=1, max_length=500)
    note: str = Field(default="", max_length=500)


class AlertAck(RequestModel):
    note: str = Field(default="", max_length=500)


def _ranking(
    session: DbSession,
    actor: PerfReader,
    now: Now,
    hall_code: HallCode = None,
    date_from: From = None,
    date_to: To = None,
    formula: Annotated[str | None, Query(max_length=500)] = None,
) -> dict[str, Any]:
    return performance.ranking(
        session, actor, hall_code=hall_code, date_from=date_from, date_to=date_to, now=now, formula=formula
    )


@router.get("/staff-performance")
def ranking(data: Annotated[dict[str, Any], Depends(_ranking)]) -> dict[str, Any]:
    """The hall's ranking for a period (default: this month): served, handling time, on time, good ratings,
    complaints, score and rank (names masked). ``formula`` previews the ranking with another score formula
    (422 ``performance_bad_formula`` with the position when it does not parse); nothing is saved."""
    return data


@router.get("/staff-performance.csv", response_class=Response)
def ranking_csv(data: Annotated[dict[str, Any], Depends(_ranking)]) -> Response:
    """The same ranking as CSV (UTF-8 with BOM for spreadsheet programs)."""
    name = f"performance-{data['hall_code']}-{data['date_from']}-{data['date_to']}.csv"
    return Response(
        performance.ranking_csv(data),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/staff-performance.xlsx", response_class=Response)
def ranking_xlsx(data: Annotated[dict[str, Any], Depends(_ranking)]) -> Response:
    """The same ranking as an Excel workbook."""
    name = f"performance-{data['hall_code']}-{data['date_from']}-{data['date_to']}.xlsx"
    return Response(
        performance.ranking_xlsx(data),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/staff-performance/me")
def my_record(session: DbSession, actor: StaffMember, now: Now, date_from: From = None, date_to: To = None) -> Any:
    """One's own figures, score and rank in the hall, and the courses one has passed."""
    return performance.record(session, actor, staff_code=None, date_from=date_from, date_to=date_to, now=now)


@router.get("/staff-performance/staff/{staff_code}")
def staff_record(
    staff_code: str, session: DbSession, actor: StaffMember, now: Now, date_from: From = None, date_to: To = None
) -> Any:
    """A staff member's record: oneself, or anyone in scope for a reader of performance (404 otherwise)."""
    return performance.record(session, actor, staff_code=staff_code[:40], date_from=date_from, date_to=date_to, now=now)


@router.put("/staff-performance/weights")
def set_weights(body: WeightsSet, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, int]:
    """Set the score weights at a hall or a region one manages (inherited down the hall tree)."""
    return performance.set_weights(
        session, actor, scope_code=body.scope_code, values=body.weights, note=body.note, now=now
    )


@router.put("/staff-performance/formula")
def set_formula(body: FormulaSet, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, str]:
    """Set the score formula (safe expression language, never evaluated as code) at a hall or a region one
    manages; 422 ``performance_bad_formula`` with the position when it does not parse or names an unknown measure."""
    text = performance.set_formula(session, actor, scope_code=body.scope_code, text=body.formula, note=body.note,
                                   now=now)  # fmt: skip
    return {"formula": text}


@router.get("/staff-supervision")
def live(session: DbSession, actor: Supervisor, now: Now, hall_code: HallCode = None) -> Any:
    """The live view of the hall's windows and staff, with the recorded alerts."""
    return supervision.live_view(session, actor, hall_code, now=now)


@router.post("/staff-supervision/scan")
def scan(session: DbSession, actor: Supervisor, now: Now, hall_code: HallCode = None) -> Any:
    """Record an alert for every flagged episode not yet recorded; the new alerts."""
    return supervision.scan(session, actor, hall_code, now=now)


@router.post("/staff-supervision/alerts/{alert_id}/ack")
def acknowledge(alert_id: DbId, body: AlertAck, session: DbSession, actor: Supervisor, now: Now) -> Any:
    """The manager has dealt with an alert (once)."""
    return supervision.acknowledge(session, actor, alert_id, note=body.note, now=now)


@router.post("/staff-courses", status_code=201)
def create_course(body: competence.CourseCreate, session: DbSession, actor: CourseManager, now: Now) -> Any:
    """A course with its quiz for the hall's staff (optionally required before a role is granted)."""
    return competence.create_course(session, actor, body, now=now)


@router.post("/staff-courses/generate", status_code=201)
def generate_course(body: course_builder.CourseGenerate, session: DbSession, actor: CourseManager, now: Now) -> Any:
    """A course whose quiz is written from catalog items (the materials they need, their time limit) and knowledge
    entries (the answer each gives); assign it by role and department like any other."""
    return course_builder.generate(session, actor, body, now=now)


@router.post("/staff-courses/generate/preview")
def preview_course(body: course_builder.CourseGenerate, session: DbSession, actor: CourseManager, now: Now) -> Any:
    """The course ``/staff-courses/generate`` would make from the same choice, with its right answers; nothing
    is saved."""
    return course_builder.preview(session, actor, body, now=now)


@router.get("/staff-courses")
def list_courses(session: DbSession, actor: StaffMember, hall_code: HallCode = None) -> Any:
    """The hall's courses (without the answers), each marked passed or not for the caller."""
    return competence.list_courses(session, actor, hall_code)


@router.get("/staff-courses/{course_id}")
def get_course(course_id: DbId, session: DbSession, actor: StaffMember) -> Any:
    course = competence.get_course(session, actor, course_id)
    return competence.course_read(course, with_answers=actor.has("staff.courses"))


@router.post("/staff-courses/{course_id}/attempts", status_code=201)
def take_quiz(course_id: DbId, body: competence.AttemptCreate, session: DbSession, actor: StaffMember, now: Now) -> Any:
    """Answer the course's quiz: the score is recorded; a pass shows on one's record."""
    return competence.take_quiz(session, actor, course_id, body, now=now)


@router.post("/staff-course-assignments", status_code=201)
def assign_course(body: assignments.AssignmentCreate, session: DbSession, actor: CourseManager, now: Now) -> Any:
    """Assign a course, due by a day, to one staff member (``staff_code``) or to a role and/or department."""
    return assignments.assign(session, actor, body, now=now)


@router.get("/staff-course-assignments")
def course_assignments(session: DbSession, actor: CourseManager, now: Now, hall_code: HallCode = None) -> Any:
    """The hall's assignments, each with the people it means and their state (passed, pending, overdue)."""
    return assignments.listing(session, actor, hall_code, now=now)


@router.post("/staff-cards", status_code=201)
def give_card(body: cards.CardGive, session: DbSession, actor: Supervisor, now: Now) -> Any:
    """The hall manager gives a yellow or red card by hand, with a reason (audited)."""
    return cards.give(session, actor, body, now=now)


@router.post("/staff-cards/{card_id}/reply")
def reply_card(card_id: DbId, body: cards.CardReply, session: DbSession, actor: StaffMember, now: Now) -> Any:
    """The carded staff member's reply (once, before the decision)."""
    return cards.reply(session, actor, card_id, body, now=now)


@router.post("/staff-cards/{card_id}/decision")
def decide_card(card_id: DbId, body: cards.CardDecision, session: DbSession, actor: Supervisor, now: Now) -> Any:
    """The hall manager's decision on a card: upheld or withdrawn (once)."""
    return cards.decide(session, actor, card_id, body, now=now)


@router.get("/staff-cards/mine")
def my_cards(session: DbSession, actor: StaffMember) -> Any:
    """One's own cards with their reply and decision."""
    return cards.my_cards(session, actor)


@router.get("/staff-change-notices")
def my_change_notices(session: DbSession, actor: StaffMember) -> Any:
    """The signed-in staff member's "what changed" notices (an item they handle got a new catalog version), each
    with its differences in words; the ones still to confirm first."""
    return notices.my_notices(session, actor)


@router.post("/staff-change-notices/{notice_id}/confirm")
def confirm_change_notice(notice_id: DbId, session: DbSession, actor: StaffMember, now: Now) -> Any:
    """Confirm having read a notice of one's own (again: the first time stands)."""
    return notices.confirm(session, actor, notice_id, now=now)


@router.get("/staff-change-notices/rates")
def change_notice_rates(session: DbSession, actor: CourseManager, hall_code: HallCode = None) -> Any:
    """The confirmation rate of each "what changed" notice of a hall (item and change) and overall, with who has
    not confirmed yet (names masked)."""
    return notices.rates(session, actor, hall_code=hall_code)
