"""Consultation pages: the ask page (web, kiosk and guide desk, with a large-text mode), the item guidance card,
the guide desk console for the Annex A flow (identify -> find the need -> route), and the editor pages
(knowledge base with review, review queue, metrics).

Every one-tap next step is a small POST form to ``/ask/go``, which records the route taken and then redirects to
the module that handles it (appointments, the kiosk, online declaration) or raises a help request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smarthall.assist import service as assist_service
from smarthall.assist.schemas import HelpRequestCreate
from smarthall.audit import service as audit_service
from smarthall.consult import service
from smarthall.consult.schemas import EntryIn
from smarthall.core.deps import MAX_DB_ID, CurrentActor, DbId, DbSession, Now
from smarthall.core.errors import Forbidden, HallError
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.web.nav import Tile
from smarthall.web.templating import error_page, gate, render, request_lang, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

# The role home tiles, contributed by ``consult.register``.
TILES = (
    Tile("guide.desk", "/guide", "咨询导办台", "Guide desk", "识别需求、指引材料、分流办理", "Identify, guide, route"),
    Tile(
        "consult.edit",
        "/consult/kb",
        "知识库维护",
        "Knowledge base",
        "条目编辑、审核与导入导出",
        "Edit, review, import",
    ),
    Tile(
        "consult.edit", "/consult/queue", "待答问题", "Review queue", "未答出和低置信度的问题", "Unanswered questions"
    ),
    Tile(
        "consult.metrics",
        "/consult/metrics",
        "咨询指标",
        "Consultation metrics",
        "答复率、命中率、转人工率",
        "Rates per day",
    ),
)


def _halls(session: DbSession) -> list[tuple[str, str]]:
    return [(h.code, h.name) for h in org_service.list_halls(session)]


# ---------------------------------------------------------------------------------------------------------------
# Ask page (web, kiosk, guide desk)
# ---------------------------------------------------------------------------------------------------------------

# The ask page may use the microphone of its own origin (voice input through the browser's Web Speech API);
# every other page keeps the site's "no microphone" policy (``core.headers``).
ASK_PERMISSIONS = "camera=(), microphone=(self), geolocation=(), payment=()"


def _ask_page(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    response = render(request, "consult/ask.html", context, status_code=status_code)
    response.headers["Permissions-Policy"] = ASK_PERMISSIONS
    return response


@router.get("/ask")
def ask_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    hall_code: Annotated[str, Query(max_length=40)] = "",
    large: Annotated[int, Query(ge=0, le=1)] = 0,
    channel: Annotated[str, Query(pattern="^(web|kiosk|guide_desk)$")] = "web",
) -> Response:
    request.state.actor = actor
    return _ask_page(
        request,
        {"halls": _halls(session), "hall_code": hall_code, "large": large, "channel": channel, "result": None},
    )


@router.post("/ask")
def ask_submit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    question: Annotated[str, Form(max_length=5000)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
    large: Annotated[int, Form(ge=0, le=1)] = 0,
    channel: Annotated[str, Form(pattern="^(web|kiosk|guide_desk)$")] = "web",
) -> Response:
    request.state.actor = actor
    ctx = {"halls": _halls(session), "hall_code": hall_code, "large": large, "channel": channel, "question": question}
    try:
        result = service.ask(session, actor, question=question, hall_code=hall_code or None, channel=channel, now=now)
    except HallError as exc:
        return _ask_page(request, {**ctx, "result": None, "error": exc}, status_code=exc.status_)
    return _ask_page(request, {**ctx, "result": result})


@router.post("/ask/choose")
def ask_choose(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    question_id: Annotated[int, Form(ge=1, le=MAX_DB_ID)],
    entry_code: Annotated[str, Form(max_length=40)],
    hall_code: Annotated[str, Form(max_length=40)] = "",
    large: Annotated[int, Form(ge=0, le=1)] = 0,
    channel: Annotated[str, Form(pattern="^(web|kiosk|guide_desk)$")] = "web",
    question: Annotated[str, Form(max_length=5000)] = "",
    feedback_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """A tapped choice of a clarifying question: recorded, then answered with that entry."""
    request.state.actor = actor
    ctx = {"halls": _halls(session), "hall_code": hall_code, "large": large, "channel": channel, "question": question}
    try:
        result = service.choose(
            session, actor, question_id=question_id, entry_code=entry_code, hall_code=hall_code or None,
            token=feedback_token, now=now,
        )  # fmt: skip
    except HallError as exc:
        return _ask_page(request, {**ctx, "result": None, "error": exc}, status_code=exc.status_)
    return _ask_page(request, {**ctx, "result": result})


@router.post("/ask/feedback")
def ask_feedback(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    question_id: Annotated[int, Form(ge=1, le=2**63 - 1)],
    helpful: Annotated[int, Form(ge=0, le=1)],
    feedback_token: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    request.state.actor = actor
    try:
        service.feedback(session, actor, question_id=question_id, helpful=bool(helpful), token=feedback_token, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "consult/thanks.html", {"helpful": bool(helpful)})


@router.post("/ask/go")
def go(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    route: Annotated[str, Form(pattern="^(book|ticket|online|self_service|help|guide_desk|hotline)$")],
    item_code: Annotated[str, Form(max_length=32)] = "",
    hall_code: Annotated[str, Form(max_length=40)] = "",
    question_id: Annotated[int | None, Form(ge=1, le=MAX_DB_ID)] = None,
    citizen_id: Annotated[int | None, Form(ge=1, le=MAX_DB_ID)] = None,
    source: Annotated[str, Form(pattern="^(web|kiosk|guide_desk|window)$")] = "web",
    feedback_token: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Record the route taken, then hand over to the module that does it (a question's route: by its asker only)."""
    request.state.actor = actor
    if question_id is not None and not service.question_linkable(session, actor, question_id, feedback_token):
        return error_page(
            request, Forbidden("仅提问人可以记录该问题的下一步", "Only the asker may take a step for this question",
                               code="not_the_asker"),
        )  # fmt: skip
    target = service.route_target(route, item_code=item_code or None, hall_code=hall_code or None)
    if route == "ticket" and source == "guide_desk" and hall_code and item_code:
        # The guide desk's hand-off keeps the item and the identified visitor (the guide does not type them again).
        kept = {"hall_code": hall_code, "item_code": item_code, **({"citizen_id": citizen_id} if citizen_id else {})}
        target = "/guide/ticket?" + urlencode(kept)
    if route in ("help", "guide_desk"):
        if not hall_code:
            return render(
                request,
                "error.html",
                {
                    "status": 422,
                    "message_zh": "请先选择大厅",
                    "message_en": "Choose a hall first",
                    "code": "hall_required",
                },
                status_code=422,
            )
        try:
            data = HelpRequestCreate(
                hall_code=hall_code,
                source=source,  # type: ignore[arg-type]
                item_code=item_code or None,
                question_id=question_id,
                feedback_token=feedback_token,
                citizen_id=citizen_id,
            )
            row = assist_service.create_help_request(session, actor, data, now=now)
        except HallError as exc:
            return error_page(request, exc)
        except ValidationError:
            return render(
                request,
                "error.html",
                {"status": 422, "message_zh": "输入有误", "message_en": "Bad input", "code": "validation_error"},
                422,
            )
        target = assist_service.help_receipt_url(row.id)
    service.record_route(
        session,
        actor,
        route=route,
        item_code=item_code or None,
        hall_code=hall_code or None,
        question_id=question_id,
        target=target,
        now=now,
        token=feedback_token,
    )
    return RedirectResponse(target, status_code=303)


@router.get("/ask/help/{request_id}")
def help_requested(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    request_id: DbId,
    t: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """The receipt of a help request just made: only with the link's token (ids are sequential)."""
    request.state.actor = actor
    row = assist_service.help_request_receipt(session, request_id, t)
    if row is None:
        return render(
            request,
            "error.html",
            {"status": 404, "message_zh": "未找到", "message_en": "Not found", "code": "help_request_not_found"},
            404,
        )
    helper = assist_service.helper_names(session, {row.assigned_staff_id} if row.assigned_staff_id else set())
    staff = helper.get(row.assigned_staff_id) if row.assigned_staff_id else None
    return render(
        request,
        "consult/help_requested.html",
        {"row": row, "helper_name": mask_name(staff.name) if staff else None},
    )


@router.get("/ask/item/{item_code}")
def guidance_page(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    item_code: str,
    now: Now,
    hall_code: Annotated[str, Query(max_length=40)] = "",
    large: Annotated[int, Query(ge=0, le=1)] = 0,
    question_id: Annotated[int | None, Query(ge=1, le=MAX_DB_ID)] = None,
    feedback_token: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    request.state.actor = actor
    if question_id is not None and not service.question_linkable(session, actor, question_id, feedback_token):
        question_id, feedback_token = None, ""  # the steps taken from here are not tied to someone else's question
    answers: dict[str, bool] = {}
    for key, value in request.query_params.items():
        if key.startswith("m_") and value in ("yes", "no"):
            answers[key[2:]] = value == "yes"
    try:
        card = service.guidance_card(session, item_code=item_code, hall_code=hall_code or None, answers=answers)
    except HallError as exc:
        return error_page(request, exc)
    return render(
        request,
        "consult/guidance.html",
        {
            "card": card,
            "hall_code": hall_code,
            "large": large,
            "answers": answers,
            "question_id": question_id,
            "feedback_token": feedback_token,
            "quiet_hours": _quiet_hours(session, hall_code, now),
        },
    )


def _quiet_hours(session: Session, hall_code: str, now: datetime) -> list[dict[str, Any]]:
    """The quietest hours of the coming days in the hall (operations' forecast), for the guidance card."""
    from smarthall.operations import service as operations_service

    return operations_service.quiet_hours_shown(session, hall_code, now)


# ---------------------------------------------------------------------------------------------------------------
# Guide desk console (Annex A)
# ---------------------------------------------------------------------------------------------------------------


def _guide(
    request: Request,
    session: DbSession,
    actor: Actor,
    now: Now,
    *,
    id_number: str,
    citizen_id: int | None,
    need: str,
) -> Response:
    if (refused := gate(request, actor, "guide.desk")) is not None:
        return refused
    hall_code = actor.hall_code or ""
    visitor: dict[str, object] | None = None
    lookup_error = ""
    if id_number:
        citizen = identity_service.find_citizen_by_id_number(session, id_number.strip().upper())
        audit_service.record(
            session, actor, "citizen.lookup", target_type="citizen", outcome="ok" if citizen else "miss", now=now
        )
        if citizen is None:
            lookup_error = "not_found"
        else:
            citizen_id = citizen.id
    if citizen_id is not None:
        c = identity_service.get_citizen(session, citizen_id)
        if c is not None:
            visitor = {"id": c.id, "name": mask_name(c.name)}
    result = None
    error = None
    if need.strip():
        try:
            result = service.ask(
                session, actor, question=need, hall_code=hall_code or None, channel="guide_desk", now=now
            )
        except HallError as exc:
            error = exc
    try:  # the desk's hall by name in the heading, not its code
        hall_name = org_service.hall_facts(session, hall_code).name if hall_code else ""
    except HallError:
        hall_name = hall_code
    return render(
        request,
        "consult/guide.html",
        {
            "hall_code": hall_code,
            "hall_name": hall_name,
            "visitor": visitor,
            "lookup_error": lookup_error,
            "need": need,
            "result": result,
            "error": error,
            "citizen_id": visitor["id"] if visitor else None,
        },
    )


@router.get("/guide")
def guide_console(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """Step 1 of Annex A: identify the visitor (or go on as an unregistered visitor)."""
    return _guide(request, session, actor, now, id_number="", citizen_id=None, need="")


@router.post("/guide")
def guide_step(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    id_number: Annotated[str, Form(max_length=18)] = "",
    citizen_id: Annotated[int | None, Form(ge=1, le=MAX_DB_ID)] = None,
    need: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    """Steps 2 and 3: find the need (ask), then route (the next-step forms post to /ask/go)."""
    return _guide(request, session, actor, now, id_number=id_number, citizen_id=citizen_id, need=need)


# ---------------------------------------------------------------------------------------------------------------
# Editor pages
# ---------------------------------------------------------------------------------------------------------------


@router.get("/consult/kb")
def kb_list(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    status: Annotated[str, Query(max_length=16)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    if (refused := gate(request, actor, "consult.edit")) is not None:
        return refused
    total, rows = service.list_entries(session, status=status or None, q=q or None, limit=300, actor=actor)
    pending = [e for e in rows if e.pending is not None]
    return render(
        request,
        "consult/kb_list.html",
        {"rows": rows, "total": total, "status": status, "q": q, "pending_count": len(pending)},
    )


@router.get("/consult/kb/new")
def kb_new(request: Request, actor: CurrentActor, title: Annotated[str, Query(max_length=500)] = "") -> Response:
    """A new entry; from the review queue the citizen's question comes prefilled as its wording."""
    if (refused := gate(request, actor, "consult.edit")) is not None:
        return refused
    draft = {"title": title, "keywords": [title] if title else [], "kind": "faq"} if title else None
    return render(request, "consult/kb_edit.html", {"entry": None, "draft": draft, "versions": [], "error": None})


def _not_this(text: str) -> list[dict[str, str | None]]:
    """One hint per line: "关店、注销 → SC-003" (the arrow and the sibling are optional)."""
    out: list[dict[str, str | None]] = []
    for line in text.splitlines():
        when, _, instead = line.replace("->", "→").partition("→")
        if when.strip():
            out.append({"when": when.strip(), "instead": instead.strip() or None})
    return out


def _entry_form(
    code: str,
    kind: str,
    item_code: str,
    title: str,
    body: str,
    tags: str,
    keywords: str,
    effective: str,
    expires: str,
    situations: str = "",
    not_this: str = "",
) -> EntryIn:
    return EntryIn.model_validate(
        {
            "code": code or None,
            "kind": kind,
            "item_code": item_code or None,
            "title": title,
            "body": body,
            "tags": [t.strip() for t in tags.replace(",", ",").split(",") if t.strip()],
            "keywords": [t.strip() for t in keywords.splitlines() if t.strip()],
            "situations": [t.strip() for t in situations.splitlines() if t.strip()],
            "not_this": _not_this(not_this),
            "effective_from": (effective + ":00+08:00") if effective else None,
            "expires_at": (expires + ":00+08:00") if expires else None,
        }
    )


@router.post("/consult/kb/save")
def kb_save(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    title: Annotated[str, Form(max_length=500)],
    body: Annotated[str, Form(max_length=10000)],
    code: Annotated[str, Form(max_length=40)] = "",
    existing: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(pattern="^(faq|item)$")] = "faq",
    item_code: Annotated[str, Form(max_length=32)] = "",
    tags: Annotated[str, Form(max_length=1000)] = "",
    keywords: Annotated[str, Form(max_length=5000)] = "",
    situations: Annotated[str, Form(max_length=6000)] = "",
    not_this: Annotated[str, Form(max_length=4000)] = "",
    effective_from: Annotated[str, Form(max_length=20)] = "",
    expires_at: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    if (refused := gate(request, actor, "consult.edit")) is not None:
        return refused
    try:
        data = _entry_form(
            code or existing,
            kind,
            item_code,
            title,
            body,
            tags,
            keywords,
            effective_from,
            expires_at,
            situations,
            not_this,
        )
    except (HallError, ValidationError) as exc:
        return _kb_refused(request, exc)

    def save() -> Any:
        if existing:
            return service.propose_change(session, actor, existing, data, now=now)
        service.ensure_seeded(session, now=now)
        return service.create_entry(session, actor, data, now=now)

    return write_then_go(
        request,
        session,
        save,
        lambda entry: f"/consult/kb/{entry.code}",
        on_error=lambda exc: _kb_refused(request, exc),
    )


def _kb_refused(request: Request, exc: HallError | ValidationError) -> Response:
    """The entry form again with what was wrong (422)."""
    message = exc.message_zh_ if isinstance(exc, HallError) else "输入有误:" + str(exc.errors()[0].get("msg", ""))
    return render(request, "consult/kb_edit.html", {"entry": None, "versions": [], "error": message}, 422)


@router.get("/consult/kb/{code}")
def kb_entry(request: Request, session: DbSession, actor: CurrentActor, code: str) -> Response:
    if (refused := gate(request, actor, "consult.edit")) is not None:
        return refused
    try:
        entry = service.get_entry(session, code, actor)
    except HallError as exc:
        return error_page(request, exc)
    english = service.entry_english(session, entry) if request_lang(request) == "en" else None
    return render(
        request,
        "consult/kb_edit.html",
        {"entry": entry, "versions": service.versions(session, code, actor), "error": None, "english": english},
    )


@router.post("/consult/kb/{code}/review")
def kb_review(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    code: str,
    approve: Annotated[int, Form(ge=0, le=1)],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    if (refused := gate(request, actor, "consult.review")) is not None:
        return refused
    return write_then_go(
        request,
        session,
        lambda: service.review(session, actor, code, approve=bool(approve), note=note, now=now),
        lambda _: f"/consult/kb/{code}",
    )


@router.get("/consult/queue")
def queue_page(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    if (refused := gate(request, actor, "consult.edit")) is not None:
        return refused
    return render(request, "consult/queue.html", {"rows": service.review_queue(session, actor)})


@router.post("/consult/queue/{question_id}")
def queue_resolve(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    question_id: DbId,
    action: Annotated[str, Form(pattern="^(link|dismiss)$")],
    entry_code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    if (refused := gate(request, actor, "consult.edit")) is not None:
        return refused
    return write_then_go(
        request,
        session,
        lambda: service.resolve_queue_item(
            session, actor, question_id, action=action, entry_code=entry_code or None, now=now
        ),
        lambda _: "/consult/queue",
    )


@router.get("/consult/metrics")
def metrics_page(
    request: Request, session: DbSession, actor: CurrentActor, now: Now, days: Annotated[int, Query(ge=1, le=92)] = 14
) -> Response:
    if (refused := gate(request, actor, "consult.metrics")) is not None:
        return refused
    return render(request, "consult/metrics.html", {"rows": service.metrics(session, actor, days=days, now=now)})


def ask_url(**params: str) -> str:
    return "/ask?" + urlencode(params)
