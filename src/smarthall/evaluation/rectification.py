"""The rectification loop of a bad rating (差评整改): open a work order on working-day deadlines (the hall's rule
settings), follow up, fix and reply to the rater, appeal, the single re-rating settling the order, overdue warnings.
Work orders are read through the one scope filter: another hall's order is not found."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core.clock import service_day
from smarthall.core.config import Settings
from smarthall.core.errors import Forbidden, ValidationFailed
from smarthall.core.masking import mask_name, scrub
from smarthall.core.subjects import resolve_subject
from smarthall.core.tenancy import Actor
from smarthall.evaluation import hallrules, linking, policy
from smarthall.evaluation.errors import BadTransition, RectificationNotFound
from smarthall.evaluation.models import Rating, Rectification
from smarthall.evaluation.repository import RatingRepository, RectificationRepository
from smarthall.evaluation.schemas import RatingRead, RectificationRead
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.org.service import HallFacts


def _hall_managers(session: Session, hall_id: int) -> list[int]:
    return [s.id for s in identity_service.active_staff(session, hall_id=hall_id, roles=("hall_manager",))]


def settle_first_order(
    session: Session, first: Rectification, rerating: Rating, hall: HallFacts, now: datetime
) -> int | None:
    """The rater's one re-rating after a fix settles the first work order (the loop closes either way): the order
    records the level and, if it was still awaiting the rater (``rectified``), is closed. A good re-rating ends
    the matter; a bad one opens a second order for the same service, linked to the first, on fresh deadlines.
    Returns the second order's id, or None."""
    RectificationRepository(session).record_rerating(first.id, rerating.level, now)
    session.refresh(first)
    bad = policy.is_bad(rerating.level)
    note = f"再评价 {rerating.level} 星" + (",仍不满意,转第二张工单" if bad else ",满意,闭环")
    first.history = [*first.history, {"at": now.isoformat(), "action": "rerated", "by": "rater", "note": note}]
    session.flush()
    if not bad:
        return None
    return open_rectification(session, rerating, hall, now, previous=first)


def open_rectification(
    session: Session, rating: Rating, hall: HallFacts, now: datetime, *, previous: Rectification | None = None
) -> int:
    cfg = hallrules.hall_settings(session, hall.code)
    calendar = org_service.working_calendar(session, hall)
    opened = service_day(now)
    if previous is not None:  # the same window or department still owns the problem
        assignee = (previous.assignee_kind, previous.assignee_code)
    elif rating.window_code:
        assignee = ("window", rating.window_code)
    elif rating.department_code:
        assignee = ("department", rating.department_code)
    else:
        assignee = ("hall", hall.code)
    rect = Rectification(
        rating_id=rating.id,
        previous_id=previous.id if previous is not None else None,
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        assignee_kind=assignee[0],
        assignee_code=assignee[1],
        status="open",
        opened_on=opened,
        follow_up_due=calendar.add_workdays(opened, cfg.follow_up_workdays),
        fix_due=calendar.add_workdays(opened, cfg.fix_workdays),
        history=[{"at": now.isoformat(), "action": "open", "by": "system", "note": ""}],
    )
    repo = RectificationRepository(session)
    repo.add(rect)
    repo.flush()
    params: dict[str, Any] = {
        "level": rating.level,
        "subject": f"{rating.subject_kind} {rating.subject_ref}",
        "rectification_id": rect.id,
        "follow_up_due": rect.follow_up_due.isoformat(),
    }
    if previous is not None:
        params["previous_id"] = previous.id
    for staff_id in _hall_managers(session, hall.id):
        notify_service.send(
            session,
            template="evaluation.bad_rating" if previous is None else "evaluation.bad_rerating",
            params=params,
            now=now,
            staff_id=staff_id,
            ref_type="evaluation_rectification",
            ref_id=rect.id,
        )
    return rect.id


def rating_read(rating: Rating, rect_id: int | None) -> RatingRead:
    return RatingRead(
        id=rating.id,
        subject_kind=rating.subject_kind,
        subject_ref=rating.subject_ref,
        sequence=rating.sequence,
        level=rating.level,
        indicators=rating.indicators,
        tags=rating.tags,
        comment=rating.comment,
        channel=rating.channel,
        rated_at=rating.rated_at,
        rectification_id=rect_id,
    )


def rater_label(session: Session, rating: Rating) -> str:
    if rating.rater_citizen_id is not None:
        name = identity_service.citizen_names(session, [rating.rater_citizen_id]).get(rating.rater_citizen_id)
        if name is not None:
            return mask_name(name)
    return "匿名" if rating.rater_index is None else "本人(已脱敏)"


def _deadline_passed(due: date, now: datetime) -> bool:
    return service_day(now) > due


def _next_ids(session: Session, ids: list[int]) -> dict[int, int]:
    """For each given work order, the second order its bad re-rating opened (one query)."""
    return RectificationRepository(session).following(ids)


def _rect_read(
    session: Session, rect: Rectification, rating: Rating, now: datetime, next_id: int | None = None
) -> RectificationRead:
    overdue = False
    if rect.status == "open" and _deadline_passed(rect.follow_up_due, now):
        overdue = True
    if rect.status in ("open", "followed_up", "overturned") and _deadline_passed(rect.fix_due, now):
        overdue = True
    return RectificationRead(
        id=rect.id,
        rating_id=rating.id,
        status=rect.status,
        hall_code=rect.hall_code,
        assignee_kind=rect.assignee_kind,
        assignee_code=rect.assignee_code,
        level=rating.level,
        comment=scrub(rating.comment),
        tags=rating.tags,
        rater=rater_label(session, rating),
        subject_kind=rating.subject_kind,
        subject_ref=rating.subject_ref,
        opened_on=rect.opened_on,
        follow_up_due=rect.follow_up_due,
        fix_due=rect.fix_due,
        followed_up_at=rect.followed_up_at,
        follow_up_on_time=rect.follow_up_on_time,
        rectified_at=rect.rectified_at,
        rectify_on_time=rect.rectify_on_time,
        closed_at=rect.closed_at,
        reply=rect.reply,
        overdue=overdue,
        history=rect.history,
        round=1 if rect.previous_id is None else 2,
        previous_id=rect.previous_id,
        next_id=next_id,
        rerating_level=rect.rerating_level,
    )


def list_rectifications(
    session: Session, actor: Actor, *, status: str | None, now: datetime
) -> list[RectificationRead]:
    """The work orders of the halls in ``actor``'s scope, newest first (scope before LIMIT, in SQL)."""
    rows = RectificationRepository(session).list_in_scope(actor, status=status)
    following = _next_ids(session, [r.id for r, _rating in rows])
    return [_rect_read(session, r, rating, now, following.get(r.id)) for r, rating in rows]


ACTION_PERMISSION = {
    "follow_up": "evaluation.rectify",
    "rectify": "evaluation.rectify",
    "close": "evaluation.rectify",
    "appeal": "evaluation.rectify",
    "uphold": "evaluation.appeal_decide",
    "overturn": "evaluation.appeal_decide",
}


def act(
    session: Session, actor: Actor, settings: Settings, rect_id: int, *, action: str, note: str, now: datetime
) -> RectificationRead:
    if not actor.has(ACTION_PERMISSION[action]):
        raise Forbidden(
            "您的角色无权执行此操作",
            "Your role does not allow this",
            code="forbidden_role",
            detail={"missing": [ACTION_PERMISSION[action]]},
        )
    repo = RectificationRepository(session)
    rect = repo.in_scope(actor, rect_id)
    if rect is None:
        raise RectificationNotFound()  # another hall's order: as if it did not exist
    if action in ("rectify", "appeal") and not note.strip():
        raise ValidationFailed(
            "请填写说明", "A note is required for this action", code="note_required", detail={"field": "note"}
        )
    new_state = policy.next_state(action, rect.status)
    if new_state is None:
        raise BadTransition(detail={"status": rect.status, "action": action})
    allowed_from = policy.TRANSITIONS[action][0]
    values: dict[str, Any] = {"status": new_state}
    today = service_day(now)
    if action == "follow_up":
        values.update(followed_up_at=now, follow_up_on_time=today <= rect.follow_up_due)
    elif action == "rectify":
        values.update(rectified_at=now, rectify_on_time=today <= rect.fix_due, reply=note.strip())
    elif action in ("close", "uphold"):
        values.update(closed_at=now)
    elif action == "appeal":
        values.update(appeal_reason=note.strip())
    if not repo.move(rect_id, allowed_from, values):
        raise BadTransition(detail={"status": rect.status, "action": action})
    session.refresh(rect)
    rect.history = [*rect.history, {"at": now.isoformat(), "action": action, "by": actor.label, "note": note[:500]}]
    rating = RatingRepository(session).by_id(rect.rating_id)
    assert rating is not None
    if action == "uphold":
        rating.excluded = True
    if action == "rectify":
        _reply_to_rater(session, settings, rating, note.strip(), now)
    session.flush()
    return _rect_read(session, rect, rating, now, _next_ids(session, [rect.id]).get(rect.id))


def _reply_to_rater(session: Session, settings: Settings, rating: Rating, reply: str, now: datetime) -> None:
    """Tell the rater what was done. After a first rating the reply carries a one-time link for the single
    re-rating; after the re-rating there is nothing more to rate, so the reply has no link."""
    params = {"reply": reply[:200]}
    template = "evaluation.reply_final"
    hall = org_service.hall_facts_by_id(session, rating.hall_id)
    if rating.sequence <= hallrules.rule(session, hall, hallrules.RERATINGS):
        params["url"] = linking.issue_link(session, settings, rating.subject_kind, rating.subject_ref, now=now).url
        template = "evaluation.reply"
    if rating.rater_citizen_id is not None:
        notify_service.send(
            session,
            template=template,
            params=params,
            now=now,
            citizen_id=rating.rater_citizen_id,
            ref_type="evaluation_rating",
            ref_id=rating.id,
        )
        return
    subject = resolve_subject(session, rating.subject_kind, rating.subject_ref)
    if subject is not None and subject.phone:
        notify_service.send(
            session,
            template=template,
            params=params,
            now=now,
            phone=subject.phone,
            ref_type="evaluation_rating",
            ref_id=rating.id,
        )


def warn_overdue(session: Session, *, now: datetime) -> int:
    """Warn hall managers once per stage when a work order passes its follow-up or fix deadline."""
    today = service_day(now)
    sent = 0
    for rect in RectificationRepository(session).overdue(today):
        stages = []
        if rect.status == "open" and rect.follow_up_due < today and not rect.warned_follow_up:
            stages.append(("回访", rect.follow_up_due))
        if rect.fix_due < today and not rect.warned_fix:
            stages.append(("整改", rect.fix_due))
            rect.warned_fix = True
        rect.warned_follow_up = rect.warned_follow_up or rect.follow_up_due < today
        for stage, due in stages:
            for staff_id in _hall_managers(session, rect.hall_id):
                notify_service.send(
                    session,
                    template="evaluation.overdue",
                    params={"rectification_id": rect.id, "stage": stage, "due": due.isoformat()},
                    now=now,
                    staff_id=staff_id,
                    ref_type="evaluation_rectification",
                    ref_id=rect.id,
                )
                sent += 1
    session.flush()
    return sent
