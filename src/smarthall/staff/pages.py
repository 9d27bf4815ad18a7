"""Staff pages: the performance ranking (人员绩效) with CSV export, the supervision live view (窗口监督) with alerts
to acknowledge, one's own record with courses (我的绩效与培训), a course's quiz, the course editor and the course
assignments (培训分配)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from smarthall.core.clock import service_day
from smarthall.core.db import attempt
from smarthall.core.deps import MAX_DB_ID, CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import HallError, ValidationFailed
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.identity import service as identity_service
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.org import service as org_service
from smarthall.rules.definitions import STAFF_SCORE_NAMES
from smarthall.staff import assignments, cards, competence, notices, performance, scoring, supervision
from smarthall.staff.errors import AssignmentBadDue, BadFormula, CardReasonMissing
from smarthall.web.templating import error_page, gate, render, script_json, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)
HallCode = Annotated[str | None, Query(max_length=32)]
# What a change is about, as the notice pages head each line (``catalog.changes.KINDS``).
CHANGE_KINDS = {
    "materials": ("申请材料", "Materials"),
    "conditions": ("办理条件", "Conditions"),
    "limits": ("办理时限", "Time limits"),
    "steps": ("办理环节", "Steps"),
    "form": ("申请表", "Form"),
    "fee": ("收费", "Fee"),
    "notes": ("事项信息", "Item details"),
    "knowledge": ("知识库", "Knowledge base"),
}
DayText = Annotated[str, Query(max_length=10)]


def _days(from_text: str, to_text: str) -> tuple[date | None, date | None]:
    try:
        return (date.fromisoformat(from_text) if from_text else None, date.fromisoformat(to_text) if to_text else None)
    except ValueError as exc:
        raise ValidationFailed("日期格式错误", "Invalid date", code="bad_date") from exc


@router.get("/staff/performance")
def performance_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: HallCode = None,
    from_text: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=10)] = "",
    formula: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.performance")) is not None:
        return denied
    return _performance(request, session, actor, now, hall_code, from_text, to_text, formula)


def _performance(
    request: Request,
    session: Any,
    actor: Any,
    now: datetime,
    hall_code: str | None,
    from_text: str,
    to_text: str,
    formula: str,
    *,
    formula_error: HallError | None = None,
) -> Response:
    try:
        date_from, date_to = _days(from_text, to_text)
        kwargs: dict[str, Any] = {"hall_code": hall_code, "date_from": date_from, "date_to": date_to, "now": now}
        try:
            data = performance.ranking(session, actor, **kwargs, formula=formula or None)
        except BadFormula as exc:
            formula_error = exc
            data = performance.ranking(session, actor, **kwargs)
    except HallError as exc:
        return error_page(request, exc)
    query = f"hall_code={data['hall_code']}&from={data['date_from']}&to={data['date_to']}"
    chart = {
        "labels": [f"{r['staff_code'].rsplit('-', 1)[-1]} {r['name']}" for r in data["rows"] if r["score"] is not None],
        "scores": [r["score"] for r in data["rows"] if r["score"] is not None],
    }
    return render(
        request,
        "staff/performance.html",
        {
            "data": data,
            "halls": org_service.halls_in_scope(session, actor),
            "measures": scoring.MEASURES,
            "formula_names": STAFF_SCORE_NAMES,
            "formula_text": formula if formula_error is not None and formula else data["formula"],
            "formula_error": formula_error,
            "may_set_formula": actor.has("staff.weights") or actor.has("rules.manage"),
            "formula_saved": request.query_params.get("saved") == "formula",
            "places": org_service.place_names(session, windows=_windows_shown(data)),
            "departments": org_service.department_names(session),
            "query": query,
            "chart_json": script_json(chart),
            "chart_rows": len(chart["scores"]),
        },
        status_code=422 if formula_error is not None else 200,
    )


def _windows_shown(data: dict[str, Any]) -> list[str | None]:
    """The windows the ranking and the window roll-up name (a window served at may have nobody assigned now)."""
    return [r["window_code"] for r in data["rows"]] + [g["code"] for g in data["groups"]["window"]]


@router.post("/staff/performance/formula")
def performance_formula(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: Annotated[str, Form(max_length=32)] = "",
    formula: Annotated[str, Form(max_length=500)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Save the hall's score formula (the hall's own override); a formula that does not parse is shown again beside
    the field with where it goes wrong, and nothing is saved."""
    if (denied := gate(request, actor, "staff.performance")) is not None:
        return denied
    code = hall_code or actor.hall_code or ""

    def shown_again(exc: HallError) -> Response:
        if isinstance(exc, BadFormula):
            return _performance(request, session, actor, now, code, "", "", formula, formula_error=exc)
        return error_page(request, exc)

    return write_then_go(
        request,
        session,
        lambda: performance.set_formula(session, actor, scope_code=code, text=formula, note=note, now=now),
        lambda _: f"/staff/performance?hall_code={code}&saved=formula#formula",
        on_error=shown_again,
    )


@router.get("/staff/supervision")
def supervision_page(
    request: Request, session: DbSession, actor: CurrentActor, now: Now, hall_code: HallCode = None
) -> Response:
    if (denied := gate(request, actor, "staff.supervise")) is not None:
        return denied
    try:
        view = supervision.live_view(session, actor, hall_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "staff/supervision.html", {"view": view, "halls": org_service.halls_in_scope(session, actor)}
    )


@router.post("/staff/supervision/scan")
def supervision_scan(
    request: Request, session: DbSession, actor: CurrentActor, now: Now, hall_code: HallCode = None
) -> Response:
    if (denied := gate(request, actor, "staff.supervise")) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: supervision.scan(session, actor, hall_code, now=now),
        lambda _: f"/staff/supervision?hall_code={hall_code or actor.hall_code or ''}",
    )


@router.post("/staff/supervision/alerts/{alert_id}/ack")
def supervision_ack(
    alert_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.supervise")) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: supervision.acknowledge(session, actor, alert_id, note=note, now=now),
        lambda alert: f"/staff/supervision?hall_code={alert['hall_code']}",
    )


@router.get("/staff/me")
def my_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    from_text: Annotated[str, Query(alias="from", max_length=10)] = "",
    to_text: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    try:
        date_from, date_to = _days(from_text, to_text)
        data = performance.record(session, actor, staff_code=None, date_from=date_from, date_to=date_to, now=now)
        courses = competence.list_courses(session, actor, None)
        assigned = assignments.mine(session, actor, now=now)
        my_cards = cards.my_cards(session, actor)
        open_notices = notices.open_count(session, actor)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request,
        "staff/me.html",
        {
            "data": data,
            "r": data["record"],
            "courses": courses,
            "assigned": assigned,
            "cards": my_cards,
            "open_notices": open_notices,
        },  # fmt: skip
    )


@router.get("/staff/notices")
def notices_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The signed-in staff member's "what changed" notices, to read and confirm."""
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    try:
        mine = notices.my_notices(session, actor)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "staff/notices.html", {"notices": mine, "kinds": CHANGE_KINDS})


@router.post("/staff/notices/{notice_id}/confirm")
def notice_confirm(notice_id: DbId, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    return write_then_go(
        request,
        session,
        lambda: notices.confirm(session, actor, notice_id, now=now),
        lambda _: f"/staff/notices#notice-{notice_id}",
    )


@router.get("/staff/notices/rates")
def notice_rates_page(
    request: Request, session: DbSession, actor: CurrentActor, hall_code: HallCode = None
) -> Response:
    """The hall manager's view: the confirmation rate of each notice (item and change), and who has not confirmed."""
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied
    try:
        data = notices.rates(session, actor, hall_code=hall_code)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request,
        "staff/notice_rates.html",
        {"data": data, "halls": org_service.halls_in_scope(session, actor), "kinds": CHANGE_KINDS},
    )


@router.post("/staff/cards/{card_id}/reply")
def card_reply(
    card_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    reply: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    if not reply.strip():
        return error_page(request, ValidationFailed("请填写答复", "Write a reply", code="staff_card_reply_empty"))
    return write_then_go(
        request,
        session,
        lambda: cards.reply(session, actor, card_id, cards.CardReply(reply=reply.strip()), now=now),
        lambda _: "/staff/me",
    )


@router.post("/staff/cards")
def card_give(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    staff_code: Annotated[str, Form(max_length=40)],
    color: Annotated[str, Form(pattern="^(yellow|red)$")],
    reason: Annotated[str, Form(max_length=1000)] = "",
    hall_code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """The hall manager gives a card by hand, with a reason (the form on the supervision page)."""
    if (denied := gate(request, actor, "staff.supervise")) is not None:
        return denied
    try:
        data = cards.CardGive.model_validate(
            {"staff_code": staff_code, "color": color, "reason": reason.strip(), "hall_code": hall_code or None}
        )
    except ValidationError:
        return error_page(request, CardReasonMissing())
    return write_then_go(
        request,
        session,
        lambda: cards.give(session, actor, data, now=now),
        lambda card: f"/staff/supervision?hall_code={card['hall_code']}",
    )


@router.post("/staff/cards/{card_id}/decision")
def card_decision(
    card_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    decision: Annotated[str, Form(pattern="^(upheld|withdrawn)$")],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.supervise")) is not None:
        return denied
    choice = cards.CardDecision.model_validate({"decision": decision, "note": note})
    return write_then_go(
        request,
        session,
        lambda: cards.decide(session, actor, card_id, choice, now=now),
        lambda card: f"/staff/supervision?hall_code={card['hall_code']}",
    )


@router.get("/staff/courses/new")
def course_new_page(request: Request, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied
    return render(request, "staff/course_new.html", {"error": None, "form": {}})


def _questions(text: str) -> list[dict[str, Any]]:
    """Questions typed one block per question: the question, then one option a line, the right one starting
    with ``*``; blocks separated by an empty line."""
    out: list[dict[str, Any]] = []
    for block in [b for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]:
        lines = [ln.strip() for ln in block.strip().split("\n") if ln.strip()]
        options = [ln.lstrip("*").strip() for ln in lines[1:]]
        answers = [i for i, ln in enumerate(lines[1:]) if ln.startswith("*")]
        out.append({"text": lines[0], "options": options, "answer": answers[0] if len(answers) == 1 else -1})
    return out


@router.post("/staff/courses/new")
def course_create(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    code: Annotated[str, Form(max_length=40)],
    title: Annotated[str, Form(max_length=200)],
    questions: Annotated[str, Form(max_length=20000)],
    body: Annotated[str, Form(max_length=20000)] = "",
    pass_percent: Annotated[int, Form(ge=1, le=100)] = 80,
    required_for_role: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied
    form = {"code": code, "title": title, "questions": questions, "body": body, "pass_percent": pass_percent}
    try:
        data = competence.CourseCreate(
            code=code,
            title=title,
            body=body,
            questions=_questions(questions),
            pass_percent=pass_percent,
            required_for_role=required_for_role or None,
        )
    except ValidationError:
        return render(request, "staff/course_new.html", {"error": competence.BadQuiz(), "form": form}, status_code=422)
    except HallError as exc:
        return render(request, "staff/course_new.html", {"error": exc, "form": form}, status_code=exc.status_)
    return write_then_go(
        request,
        session,
        lambda: competence.create_course(session, actor, data, now=now),
        lambda _: "/staff/me",
        on_error=lambda exc: render(
            request, "staff/course_new.html", {"error": exc, "form": form}, status_code=exc.status_
        ),
    )


def _assignments_page(
    request: Request, session: DbSession, actor: Any, now: datetime, *, error: HallError | None, status: int = 200
) -> Response:
    data = assignments.listing(session, actor, None, now=now)
    hall = org_service.hall_facts(session, data["hall_code"])
    return render(
        request,
        "staff/assignments.html",
        {
            "data": data,
            "error": error,
            "courses": competence.list_courses(session, actor, data["hall_code"]),
            "people": [
                {"code": p.code, "name": mask_name(p.name), "role": p.role}
                for p in identity_service.active_staff(session, hall_id=hall.id, roles=STAFF_ROLES)
            ],
            "roles": STAFF_ROLES,
            "departments": org_service.department_names(session),
            "today": service_day(now),
        },
        status_code=status,
    )


@router.get("/staff/courses/assignments")
def assignments_page(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied
    try:
        return _assignments_page(request, session, actor, now, error=None)
    except HallError as exc:
        return error_page(request, exc)


@router.post("/staff/courses/assignments")
def assignments_create(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    course_id: Annotated[int, Form(ge=1, le=MAX_DB_ID)],
    due_on: Annotated[str, Form(max_length=10)],
    staff_code: Annotated[str, Form(max_length=40)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    department_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if (denied := gate(request, actor, "staff.courses")) is not None:
        return denied

    def refused(exc: HallError) -> Response:
        return _assignments_page(request, session, actor, now, error=exc, status=exc.status_)

    try:
        due = _days(due_on, "")[0]
        if due is None:
            raise AssignmentBadDue()
        data = assignments.AssignmentCreate(
            course_id=course_id,
            due_on=due,
            staff_code=staff_code or None,
            role=role or None,
            department_code=department_code or None,
        )
    except HallError as exc:
        return refused(exc)
    return write_then_go(
        request,
        session,
        lambda: assignments.assign(session, actor, data, now=now),
        lambda _: "/staff/courses/assignments",
        on_error=refused,
    )


@router.get("/staff/courses/{course_id}")
def course_page(course_id: DbId, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    try:
        course = competence.get_course(session, actor, course_id)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "staff/course.html", {"course": competence.course_read(course, with_answers=False), "result": None}
    )


@router.post("/staff/courses/{course_id}")
def course_submit(
    course_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    answer: Annotated[list[str] | None, Form(max_length=50)] = None,
) -> Response:
    """One ``answer`` select per question, in order ("" when none was chosen)."""
    if (denied := gate(request, actor, "staff.home")) is not None:
        return denied
    answers = [int(a) if a.isdigit() else -1 for a in (answer or [])]
    try:
        course = competence.get_course(session, actor, course_id)
        with attempt(session):
            result = competence.take_quiz(session, actor, course_id, competence.AttemptCreate(answers=answers), now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request, "staff/course.html", {"course": competence.course_read(course, with_answers=False), "result": result}
    )
