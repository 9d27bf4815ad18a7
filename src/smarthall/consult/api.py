"""Consultation API: ask, feedback, next-step routes, guidance card, knowledge-base editing and review, review
queue, metrics."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from smarthall.consult import service
from smarthall.consult.errors import ImportInvalid
from smarthall.consult.schemas import (
    AskIn,
    AskOut,
    ChoiceIn,
    DayMetrics,
    EntryIn,
    EntryRead,
    FeedbackIn,
    QueueAction,
    QueueItem,
    ReviewIn,
    RouteIn,
)
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now, require
from smarthall.core.routing import UnitOfWorkRoute, matched_first
from smarthall.core.tenancy import Actor
from smarthall.core.types import QueryOffset

router = APIRouter(route_class=UnitOfWorkRoute, tags=["consult"])
Editor = Annotated[Actor, Depends(require("consult.edit"))]
Reviewer = Annotated[Actor, Depends(require("consult.review"))]


@router.post("/consult/ask", response_model=AskOut)
@matched_first  # the kiosk's and the web's most frequent question (issue 17: route matching was the web stack's most)
def ask(body: AskIn, session: DbSession, actor: CurrentActor, now: Now) -> AskOut:
    """Answer a question from the knowledge base; ``confident`` is false when it does not know (hand-over)."""
    return service.ask(session, actor, question=body.question, hall_code=body.hall_code, channel=body.channel, now=now)


@router.post("/consult/questions/{question_id}/choice", response_model=AskOut)
def choose(question_id: DbId, body: ChoiceIn, session: DbSession, actor: CurrentActor, now: Now) -> AskOut:
    """Answer a clarifying question: record the tapped choice and get that entry's answer and next steps."""
    return service.choose(
        session, actor, question_id=question_id, entry_code=body.entry_code, hall_code=None, token=body.feedback_token,
        now=now,
    )  # fmt: skip


@router.post("/consult/feedback")
def feedback(body: FeedbackIn, session: DbSession, actor: CurrentActor, now: Now) -> dict[str, object]:
    """Record whether an answer helped (the asker, with the answer's ``feedback_token``, or staff); "not helpful"
    sends the question to the review queue."""
    row = service.feedback(
        session, actor, question_id=body.question_id, helpful=body.helpful, token=body.feedback_token, now=now
    )
    return {"question_id": row.id, "helpful": row.helpful, "review_status": row.review_status}


@router.post("/consult/routes", status_code=201)
def record_route(body: RouteIn, session: DbSession, actor: CurrentActor, now: Now) -> dict[str, object]:
    """Record the next step taken after guidance (Annex A route); returns where to go. With a ``question_id``: by
    its asker (the answer's ``feedback_token``) or staff in scope only (403 ``not_the_asker``)."""
    target = service.route_target(body.route, item_code=body.item_code, hall_code=body.hall_code)
    row = service.record_route(
        session,
        actor,
        route=body.route,
        item_code=body.item_code,
        hall_code=body.hall_code,
        question_id=body.question_id,
        target=target,
        now=now,
        token=body.feedback_token,
    )
    return {"id": row.id, "route": row.route, "target": target}


@router.get("/consult/guide/{item_code}")
def guidance(
    item_code: str,
    session: DbSession,
    hall_code: Annotated[str | None, Query(max_length=40)] = None,
    yes: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
    no: Annotated[list[str], Query(max_length=50)] = [],  # noqa: B006
) -> dict[str, object]:
    """The guidance card of an item: tailored checklist, where to go, online/kiosk/appointment, next steps."""
    answers = dict.fromkeys(yes, True) | dict.fromkeys(no, False)
    return service.guidance_card(session, item_code=item_code, hall_code=hall_code, answers=answers)


@router.get("/consult/entries")
def list_entries(
    session: DbSession,
    actor: Editor,
    status: Annotated[str | None, Query(max_length=16)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: QueryOffset = 0,
) -> dict[str, object]:
    """Knowledge-base entries for editors."""
    total, rows = service.list_entries(session, status=status, q=q, limit=limit, offset=offset, actor=actor)
    return {"total": total, "entries": [service.entry_read(e) for e in rows]}


@router.post("/consult/entries", response_model=EntryRead, status_code=201)
def create_entry(body: EntryIn, session: DbSession, actor: Editor, now: Now) -> EntryRead:
    """Create an entry; it waits for review before it is served."""
    service.ensure_seeded(session, now=now)
    return service.entry_read(service.create_entry(session, actor, body, now=now))


@router.post("/consult/sync")
def sync(session: DbSession, actor: Editor, now: Now) -> dict[str, int]:
    """Bring the item guides and catalog FAQ in the knowledge base up to date with the catalog."""
    return service.sync_from_catalog(session, now=now)


@router.get("/consult/entries/{code}", response_model=EntryRead)
def get_entry(code: str, session: DbSession, actor: Editor) -> EntryRead:
    """One entry with its pending change, if any."""
    return service.entry_read(service.get_entry(session, code, actor))


@router.put("/consult/entries/{code}", response_model=EntryRead)
def propose(code: str, body: EntryIn, session: DbSession, actor: Editor, now: Now) -> EntryRead:
    """Propose a change; the published text stays served until the change is reviewed."""
    return service.entry_read(service.propose_change(session, actor, code, body, now=now))


@router.post("/consult/entries/{code}/review", response_model=EntryRead)
def review(code: str, body: ReviewIn, session: DbSession, actor: Reviewer, now: Now) -> EntryRead:
    """Approve (publish as a new version) or reject the pending change; not by its own author."""
    return service.entry_read(service.review(session, actor, code, approve=body.approve, note=body.note, now=now))


@router.post("/consult/entries/{code}/retire", response_model=EntryRead)
def retire(code: str, session: DbSession, actor: Reviewer, now: Now) -> EntryRead:
    """Stop serving an entry."""
    return service.entry_read(service.retire(session, actor, code, now=now))


@router.get("/consult/entries/{code}/versions")
def versions(code: str, session: DbSession, actor: Editor) -> list[dict[str, object]]:
    """Published versions of an entry, oldest first."""
    return [
        {
            "version": v.version,
            "content": v.content,
            "author_id": v.author_id,
            "reviewer_id": v.reviewer_id,
            "published_at": v.published_at.isoformat(),
        }
        for v in service.versions(session, code, actor)
    ]


@router.get("/consult/export")
def export(session: DbSession, actor: Editor, format: Literal["json", "csv"] = "json") -> Response:  # noqa: A002
    """Export the knowledge base as JSON or CSV (UTF-8)."""
    text = service.export_entries(session, actor, format)
    media = "application/json" if format == "json" else "text/csv; charset=utf-8"
    return Response(
        text,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="knowledge-base.{format}"'},
    )


@router.post("/consult/import")
async def import_entries(
    request: Request,
    session: DbSession,
    actor: Editor,
    now: Now,
    format: Literal["json", "csv"] = "json",  # noqa: A002
) -> dict[str, int]:
    """Import entries (JSON or CSV body, all or nothing); everything imported waits for review."""
    raw = await request.body()
    if len(raw) > 5 * 1024 * 1024:
        raise ImportInvalid("文件过大", "The file is too large", code="payload_too_large", status=413)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInvalid("文件须为UTF-8编码", "The file must be UTF-8", code="bad_encoding")
    service.ensure_seeded(session, now=now)
    return service.import_entries(session, actor, text, format, now=now)


@router.get("/consult/review-queue", response_model=list[QueueItem])
def review_queue(
    session: DbSession, actor: Editor, status: Literal["open", "linked", "dismissed"] = "open"
) -> list[QueueItem]:
    """Unanswered, low-confidence and "not helpful" questions for editors."""
    return [
        QueueItem(
            id=q.id,
            text=q.text,
            confidence=q.confidence,
            confident=q.confident,
            helpful=q.helpful,
            top_entry_code=q.top_entry_code,
            review_status=q.review_status,
            asked_at=q.asked_at,
        )
        for q in service.review_queue(session, actor, status=status)
    ]


@router.post("/consult/review-queue/{question_id}")
def resolve(question_id: DbId, body: QueueAction, session: DbSession, actor: Editor, now: Now) -> dict[str, object]:
    """Link a queued question to an entry (improves later answers) or dismiss it."""
    row = service.resolve_queue_item(
        session, actor, question_id, action=body.action, entry_code=body.entry_code, now=now
    )
    return {"id": row.id, "review_status": row.review_status, "linked_entry_code": row.linked_entry_code}


@router.get("/consult/metrics", response_model=list[DayMetrics])
def metrics(
    session: DbSession,
    actor: Annotated[Actor, Depends(require("consult.metrics"))],
    now: Now,
    days: Annotated[int, Query(ge=1, le=92)] = 7,
    hall_code: Annotated[str | None, Query(max_length=40)] = None,
) -> list[DayMetrics]:
    """Answer rate, hit rate and hand-over rate per service day."""
    return service.metrics(session, actor, days=days, now=now, hall_code=hall_code)
