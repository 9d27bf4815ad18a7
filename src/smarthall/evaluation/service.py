"""Evaluation use cases: who may rate (the person served, through one of the channels), recording a rating once
(plus one re-rating after a rectification), the rectification loop on working-day deadlines, invitations,
one-time links and statistics.

Rater identity stays confidential: staff views show the rater masked (``王*明``), never the ID number or phone.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.cache import cached
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.config import Settings
from smarthall.core.crypto import _derive, blind_index, load_or_create_key
from smarthall.core.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from smarthall.core.masking import mask_name, scrub
from smarthall.core.subjects import ServedSubject, resolve_subject
from smarthall.core.tenancy import Actor
from smarthall.core.validators import normalize_id_number
from smarthall.evaluation import links, policy
from smarthall.evaluation.errors import (
    AlreadyRated,
    BadTransition,
    InvalidIndicators,
    LinkInvalid,
    LinkUsed,
    NotFinished,
    NotServed,
    RectificationNotFound,
    SubjectNotFound,
)
from smarthall.evaluation.models import HallSettings, Invitation, LinkToken, Rating, Rectification
from smarthall.evaluation.schemas import (
    LinkRead,
    RatingCreate,
    RatingRead,
    RatingStaffView,
    RectificationRead,
    SettingsRead,
    StatsRead,
    StatsRow,
)
from smarthall.identity.models import Citizen, Staff
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.org.models import Hall

PAD_WINDOW = timedelta(hours=2)  # a window pad rates the service it has just finished, not yesterday's
LINK_TTL = timedelta(days=30)
LINK_CHANNELS = frozenset({"qr", "sms"})


_link_keys: dict[str, bytes] = {}


def link_key(settings: Settings) -> bytes:
    """The HMAC key of rating links, derived from the master key (never stored)."""
    cache = f"{settings.field_key}|{settings.field_key_file}|{settings.data_dir}"
    if cache not in _link_keys:
        master = load_or_create_key(
            settings.field_key, settings.field_key_file, settings.data_dir / "keys" / "master.key"
        )
        _link_keys[cache] = _derive(master, b"evaluation-link")
    return _link_keys[cache]


# ------------------------------------------------------------------------------------------------ settings


SETTINGS_CACHE = "evaluation.settings"


def hall_settings(session: Session, hall_code: str) -> SettingsRead:
    """The hall's evaluation settings (defaults: follow up in 1 working day, fix in 15, invite after 3 days),
    cached per process (every finished service reads them)."""

    def load() -> SettingsRead:
        row = session.execute(select(HallSettings).where(HallSettings.hall_code == hall_code)).scalar_one_or_none()
        if row is None:
            return SettingsRead(hall_code=hall_code, follow_up_workdays=1, fix_workdays=15, invite_after_days=3)
        return SettingsRead(
            hall_code=hall_code,
            follow_up_workdays=row.follow_up_workdays,
            fix_workdays=row.fix_workdays,
            invite_after_days=row.invite_after_days,
        )

    return cached(session, SETTINGS_CACHE, hall_code, load).model_copy()


def set_hall_settings(session: Session, actor: Actor, data: SettingsRead, *, now: datetime) -> SettingsRead:
    hall = org_service.get_hall(session, data.hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    row = session.execute(select(HallSettings).where(HallSettings.hall_code == hall.code)).scalar_one_or_none()
    if row is None:
        row = HallSettings(hall_code=hall.code)
        session.add(row)
    row.follow_up_workdays, row.fix_workdays = data.follow_up_workdays, data.fix_workdays
    row.invite_after_days = data.invite_after_days
    session.flush()
    return hall_settings(session, hall.code)


# ------------------------------------------------------------------------------------------------ links


def issue_link(session: Session, settings: Settings, kind: str, ref: str, *, now: datetime) -> LinkRead:
    jti = secrets.token_hex(12)
    expires = now + LINK_TTL
    session.add(LinkToken(jti=jti, subject_kind=kind, subject_ref=ref, issued_at=now, expires_at=expires))
    token = links.sign(link_key(settings), links.LinkClaims(kind, ref, jti, expires))
    return LinkRead(token=token, url=f"/evaluation/rate?token={token}", expires_at=expires)


def issue_link_for(
    session: Session, actor: Actor, settings: Settings, kind: str, ref: str, *, now: datetime
) -> LinkRead:
    """A QR/SMS link for a finished service, issued by the hall that served it."""
    subject = _subject(session, kind, ref)
    hall = session.get(Hall, subject.hall_id)
    assert hall is not None
    actor.ensure_hall(hall.id, hall.region_path)
    if subject.finished_at is None:
        raise NotFinished()
    return issue_link(session, settings, kind, ref, now=now)


def link_claims(session: Session, settings: Settings, token: str, *, now: datetime) -> links.LinkClaims:
    """Claims of a genuine, unexpired and unused link (for showing the rating page)."""
    claims = links.verify(link_key(settings), token, now)
    if claims is None:
        raise LinkInvalid()
    row = session.execute(select(LinkToken).where(LinkToken.jti == claims.jti)).scalar_one_or_none()
    if row is None or (row.subject_kind, row.subject_ref) != (claims.kind, claims.ref):
        raise LinkInvalid()
    if row.used_at is not None:
        raise LinkUsed()
    return claims


def _consume_link(session: Session, claims: links.LinkClaims, now: datetime) -> None:
    used = session.execute(
        update(LinkToken)
        .where(LinkToken.jti == claims.jti, LinkToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkUsed()


# ------------------------------------------------------------------------------------------------ rating


def _subject(session: Session, kind: str, ref: str) -> ServedSubject:
    subject = resolve_subject(session, kind, ref)
    if subject is None:
        raise SubjectNotFound()
    return subject


def _citizen_index(session: Session, citizen_id: int | None) -> str | None:
    if citizen_id is None:
        return None
    return session.execute(select(Citizen.id_number_index).where(Citizen.id == citizen_id)).scalar_one_or_none()


def _served_by_person(session: Session, subject: ServedSubject, citizen_id: int | None, index: str | None) -> bool:
    if citizen_id is not None and subject.citizen_id is not None and citizen_id == subject.citizen_id:
        return True
    index = index or _citizen_index(session, citizen_id)
    return bool(index and subject.id_number_index and index == subject.id_number_index)


def _check_served(
    session: Session, actor: Actor, data: RatingCreate, subject: ServedSubject, settings: Settings, now: datetime
) -> links.LinkClaims | None:
    """Raise unless the caller may rate ``subject`` through ``data.channel``; return link claims to consume."""
    kind, ref = data.subject()
    if data.channel in LINK_CHANNELS:
        if not data.token:
            raise LinkInvalid()
        claims = link_claims(session, settings, data.token, now=now)
        if (claims.kind, claims.ref) != (kind, ref):
            raise LinkInvalid()
        return claims
    if data.channel == "web":
        if actor.kind == "anonymous":
            raise Unauthorized()
        if actor.kind != "citizen" or not _served_by_person(session, subject, actor.id, None):
            raise NotServed()
        return None
    if actor.kind == "anonymous":
        raise Unauthorized()
    if actor.kind != "device" or actor.device_kind != data.channel or actor.hall_id != subject.hall_id:
        raise NotServed()
    if data.channel == "window_pad":
        assert subject.finished_at is not None
        if (
            actor.window_code is None
            or actor.window_code != subject.window_code
            or now - subject.finished_at > PAD_WINDOW
        ):
            raise NotServed()
        return None
    # kiosk: the person identifies with the ID card read at the kiosk
    if not data.id_number:
        raise NotServed()
    try:
        index = blind_index(normalize_id_number(data.id_number), "id_number")
    except Exception:
        raise NotServed()
    if not _served_by_person(session, subject, None, index):
        raise NotServed()
    return None


def _rating_read(rating: Rating, rect_id: int | None) -> RatingRead:
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


def _hall_managers(session: Session, hall_id: int) -> list[int]:
    return list(
        session.execute(
            select(Staff.id).where(Staff.hall_id == hall_id, Staff.role == "hall_manager", Staff.active.is_(True))
        ).scalars()
    )


def create_rating(
    session: Session, actor: Actor, settings: Settings, data: RatingCreate, *, now: datetime
) -> RatingRead:
    kind, ref = data.subject()
    subject = _subject(session, kind, ref)
    if subject.finished_at is None:
        raise NotFinished()
    claims = _check_served(session, actor, data, subject, settings, now)
    problems = policy.indicator_problems(subject.channel, data.indicators)
    if problems:
        raise InvalidIndicators(detail=problems)

    previous = session.execute(
        select(Rating).where(Rating.subject_kind == kind, Rating.subject_ref == ref, Rating.current.is_(True))
    ).scalar_one_or_none()
    sequence = 1
    first_order: Rectification | None = None
    if previous is not None:
        rect = session.execute(select(Rectification).where(Rectification.rating_id == previous.id)).scalar_one_or_none()
        if previous.sequence != 1 or rect is None or rect.status not in policy.RERATING_STATES:
            raise AlreadyRated()
        sequence = 2
        previous.current = False
        first_order = rect
    if claims is not None:
        _consume_link(session, claims, now)
    hall = session.get(Hall, subject.hall_id)
    assert hall is not None
    rating = Rating(
        subject_kind=kind,
        subject_ref=ref,
        sequence=sequence,
        current=True,
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        window_code=subject.window_code,
        staff_id=subject.staff_id,
        department_code=subject.department_code,
        item_code=subject.item_code,
        service_channel=subject.channel,
        channel=data.channel,
        level=data.level,
        indicators=data.indicators,
        tags=data.tags,
        comment=data.comment.strip(),
        rater_citizen_id=subject.citizen_id,
        rater_index=subject.id_number_index,
        rated_at=now,
    )
    session.add(rating)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyRated()
    session.execute(
        update(Invitation)
        .where(Invitation.subject_kind == kind, Invitation.subject_ref == ref)
        .values(status="rated")
        .execution_options(synchronize_session=False)
    )
    rect_id = None
    if first_order is not None:
        rect_id = _settle_first_order(session, first_order, rating, hall, now)
    elif policy.is_bad(data.level):
        rect_id = _open_rectification(session, rating, hall, now)
    audit_service.record(
        session,
        actor,
        "evaluation.rated",
        target_type="evaluation_rating",
        target_id=rating.id,
        hall_code=hall.code,
        detail={"level": data.level, "channel": data.channel},
        now=now,
    )
    return _rating_read(rating, rect_id)


def _settle_first_order(
    session: Session, first: Rectification, rerating: Rating, hall: Hall, now: datetime
) -> int | None:
    """The rater's one re-rating after a fix settles the first work order (the loop closes either way): the order
    records the level and, if it was still awaiting the rater (``rectified``), is closed. A good re-rating ends
    the matter; a bad one opens a second order for the same service, linked to the first, on fresh deadlines.
    Returns the second order's id, or None."""
    # The UPDATE comes first so that on PostgreSQL this transaction holds the row before reading its history.
    session.execute(
        update(Rectification)
        .where(Rectification.id == first.id)
        .values(rerating_level=rerating.level)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Rectification)
        .where(Rectification.id == first.id, Rectification.status == "rectified")
        .values(status="closed", closed_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(first)
    bad = policy.is_bad(rerating.level)
    note = f"再评价 {rerating.level} 星" + (",仍不满意,转第二张工单" if bad else ",满意,闭环")
    first.history = [*first.history, {"at": now.isoformat(), "action": "rerated", "by": "rater", "note": note}]
    session.flush()
    if not bad:
        return None
    return _open_rectification(session, rerating, hall, now, previous=first)


def _open_rectification(
    session: Session, rating: Rating, hall: Hall, now: datetime, *, previous: Rectification | None = None
) -> int:
    cfg = hall_settings(session, hall.code)
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
    session.add(rect)
    session.flush()
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


# ------------------------------------------------------------------------------------------------ rectification


def _rater_label(session: Session, rating: Rating) -> str:
    if rating.rater_citizen_id is not None:
        citizen = session.get(Citizen, rating.rater_citizen_id)
        if citizen is not None:
            return mask_name(citizen.name)
    return "匿名" if rating.rater_index is None else "本人(已脱敏)"


def _deadline_passed(due: date, now: datetime) -> bool:
    return service_day(now) > due


def _next_ids(session: Session, ids: list[int]) -> dict[int, int]:
    """For each given work order, the second order its bad re-rating opened (one query)."""
    if not ids:
        return {}
    rows = session.execute(
        select(Rectification.previous_id, Rectification.id).where(Rectification.previous_id.in_(ids))
    ).all()
    return {prev: nxt for prev, nxt in rows if prev is not None}


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
        rater=_rater_label(session, rating),
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


def _scope_filter(actor: Actor) -> Any:
    if actor.kind == "system":
        return True
    if actor.hall_id is None:
        return False
    if actor.role in ("hall_manager", "admin", "auditor") and actor.region_path:
        return (Rectification.hall_id == actor.hall_id) | Rectification.region_path.startswith(actor.region_path)
    return Rectification.hall_id == actor.hall_id


def list_rectifications(
    session: Session, actor: Actor, *, status: str | None, now: datetime
) -> list[RectificationRead]:
    stmt = (
        select(Rectification, Rating)
        .join(Rating, Rating.id == Rectification.rating_id)
        .where(_scope_filter(actor))
        .order_by(Rectification.id.desc())
        .limit(500)
    )
    if status:
        stmt = stmt.where(Rectification.status == status)
    rows = [(r, rating) for r, rating in session.execute(stmt).all() if actor.can_see_hall(r.hall_id, r.region_path)]
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
    rect = session.get(Rectification, rect_id)
    if rect is None:
        raise RectificationNotFound()
    actor.ensure_hall(rect.hall_id, rect.region_path)
    if action in ("rectify", "appeal") and not note.strip():
        raise ValidationFailed("请填写说明", "A note is required for this action", detail={"field": "note"})
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
    changed = session.execute(
        update(Rectification)
        .where(Rectification.id == rect_id, Rectification.status.in_(allowed_from))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        raise BadTransition(detail={"status": rect.status, "action": action})
    session.refresh(rect)
    rect.history = [*rect.history, {"at": now.isoformat(), "action": action, "by": actor.label, "note": note[:500]}]
    rating = session.get(Rating, rect.rating_id)
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
    if rating.sequence == 1:
        params["url"] = issue_link(session, settings, rating.subject_kind, rating.subject_ref, now=now).url
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
    rows = session.execute(
        select(Rectification).where(
            Rectification.status.in_(("open", "followed_up", "overturned")),
            ((Rectification.follow_up_due < today) & Rectification.warned_follow_up.is_(False))
            | ((Rectification.fix_due < today) & Rectification.warned_fix.is_(False)),
        )
    ).scalars()
    for rect in rows:
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


# ------------------------------------------------------------------------------------------------ invitations


_INVITATIONS = cast(Table, Invitation.__table__)


def note_finished(
    session: Session, kind: str, ref: str, *, now: datetime, subject: ServedSubject | None = None
) -> bool:
    """Remember a finished service so that an invitation goes out if it is still unrated after N days (once per
    service: a second note is ignored). ``subject`` saves reading the service again when the caller has it."""
    if subject is None:
        subject = resolve_subject(session, kind, ref)
    if subject is None or subject.finished_at is None:
        return False
    cfg = hall_settings(session, subject.hall_code)
    insert = postgresql.insert if session.info.get("backend") == "postgresql" else sqlite.insert
    noted = session.execute(
        insert(_INVITATIONS)
        .values(
            subject_kind=kind,
            subject_ref=ref,
            hall_id=subject.hall_id,
            window_code=subject.window_code,
            finished_at=subject.finished_at,
            due_at=subject.finished_at + timedelta(days=cfg.invite_after_days),
            status="waiting",
        )
        .on_conflict_do_nothing(index_elements=["subject_kind", "subject_ref"])
        .returning(_INVITATIONS.c.id)
    ).first()
    return noted is not None


def send_due_invitations(session: Session, settings: Settings, *, now: datetime) -> int:
    sent = 0
    rows = session.execute(
        select(Invitation).where(Invitation.status == "waiting", Invitation.due_at <= now).order_by(Invitation.id)
    ).scalars()
    for inv in list(rows):
        rated = session.execute(
            select(Rating.id).where(Rating.subject_kind == inv.subject_kind, Rating.subject_ref == inv.subject_ref)
        ).first()
        subject = resolve_subject(session, inv.subject_kind, inv.subject_ref)
        if rated is not None:
            inv.status = "rated"
            continue
        if subject is None or (subject.citizen_id is None and not subject.phone):
            inv.status = "skipped"
            continue
        link = issue_link(session, settings, inv.subject_kind, inv.subject_ref, now=now)
        params = {"hall_code": subject.hall_code, "url": link.url}
        if subject.citizen_id is not None:
            notify_service.send(
                session,
                template="evaluation.invite",
                params=params,
                now=now,
                citizen_id=subject.citizen_id,
                ref_type="evaluation_invitation",
                ref_id=inv.id,
            )
        else:
            notify_service.send(
                session,
                template="evaluation.invite",
                params=params,
                now=now,
                phone=subject.phone,
                ref_type="evaluation_invitation",
                ref_id=inv.id,
            )
        inv.status, inv.sent_at = "sent", now
        sent += 1
    session.flush()
    return sent


def pad_next(session: Session, actor: Actor, *, now: datetime) -> dict[str, Any] | None:
    """The service this window pad has just finished and that is still unrated (the pad shows its faces)."""
    if actor.kind != "device" or actor.device_kind != "window_pad" or not actor.window_code:
        raise Forbidden()
    inv = session.execute(
        select(Invitation)
        .where(
            Invitation.hall_id == actor.hall_id,
            Invitation.window_code == actor.window_code,
            Invitation.status == "waiting",
            Invitation.finished_at >= now - PAD_WINDOW,
        )
        .order_by(Invitation.finished_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    if inv is None:
        return None
    subject = resolve_subject(session, inv.subject_kind, inv.subject_ref)
    return {
        "subject_kind": inv.subject_kind,
        "subject_ref": inv.subject_ref,
        "service_channel": subject.channel if subject else "onsite",
        "finished_at": inv.finished_at,
    }


# ------------------------------------------------------------------------------------------------ lists and stats


def list_ratings(session: Session, actor: Actor, *, hall_code: str, limit: int = 200) -> list[RatingStaffView]:
    hall = org_service.get_hall(session, hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    rows = session.execute(
        select(Rating, Rectification.id)
        .outerjoin(Rectification, Rectification.rating_id == Rating.id)
        .where((Rating.hall_id == hall.id) | Rating.region_path.startswith(hall.region_path))
        .order_by(Rating.id.desc())
        .limit(limit)
    ).all()
    return [
        RatingStaffView(
            **_rating_read(r, rect_id).model_dump() | {"comment": scrub(r.comment)},
            hall_code=r.hall_code,
            window_code=r.window_code,
            item_code=r.item_code,
            rater=_rater_label(session, r),
        )
        for r, rect_id in rows
    ]


GROUPS = ("hall", "window", "staff", "item", "department", "day", "month")


def _period_bounds(date_from: date | None, date_to: date | None) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(date_from, time.min, SHANGHAI) if date_from else None
    end = datetime.combine(date_to + timedelta(days=1), time.min, SHANGHAI) if date_to else None
    return start, end


def _rows(
    session: Session,
    hall: Hall,
    group_by: str,
    start: datetime | None,
    end: datetime | None,
) -> Iterator[tuple[str, int | None, bool | None, bool | None]]:
    """One row per current rating (its level) and per work order. A rating replaced by its re-rating no longer
    counts as a level, but the work order it opened still counts for the on-time rates (level None)."""
    stmt = (
        select(Rating, Rectification.follow_up_on_time, Rectification.rectify_on_time)
        .outerjoin(Rectification, Rectification.rating_id == Rating.id)
        .where(
            Rating.current.is_(True) | Rectification.id.is_not(None),
            Rating.excluded.is_(False),
            (Rating.hall_id == hall.id) | Rating.region_path.startswith(hall.region_path),
        )
    )
    if start is not None:
        stmt = stmt.where(Rating.rated_at >= start)
    if end is not None:
        stmt = stmt.where(Rating.rated_at < end)
    for rating, follow_on_time, fix_on_time in session.execute(stmt.execution_options(yield_per=1000)):
        local = rating.rated_at.astimezone(SHANGHAI)
        key = {
            "hall": rating.hall_code,
            "window": rating.window_code or "-",
            "staff": str(rating.staff_id) if rating.staff_id is not None else "-",
            "item": rating.item_code or "-",
            "department": rating.department_code or "-",
            "day": local.date().isoformat(),
            "month": local.strftime("%Y-%m"),
        }[group_by]
        yield key, rating.level if rating.current else None, follow_on_time, fix_on_time


def _stats_row(key: str, label: str, t: policy.Tally) -> StatsRow:
    return StatsRow(
        key=key,
        label=label,
        count=t.count,
        levels={str(k): v for k, v in sorted(t.levels.items(), reverse=True)},
        satisfaction_rate=t.satisfaction_rate,
        bad_count=t.bad_count,
        follow_up_on_time_rate=t.follow_up_on_time_rate,
        rectify_on_time_rate=t.rectify_on_time_rate,
    )


def stats(
    session: Session, actor: Actor, *, hall_code: str, group_by: str, date_from: date | None, date_to: date | None
) -> StatsRead:
    if group_by not in GROUPS:
        raise ValidationFailed(detail={"field": "group_by", "allowed": list(GROUPS)})
    if date_from and date_to and date_from > date_to:
        raise ValidationFailed("开始日期晚于结束日期", "from is after to", detail={"field": "from"})
    try:
        hall = org_service.get_hall(session, hall_code)
    except NotFound:
        raise
    actor.ensure_hall(hall.id, hall.region_path)
    start, end = _period_bounds(date_from, date_to)
    rows = list(_rows(session, hall, group_by, start, end))
    groups = policy.tally(rows)
    total = policy.tally(("all", level, f, r) for _key, level, f, r in rows).get("all", policy.Tally())
    labels: dict[str, str] = {}
    if group_by == "staff":
        ids = [int(k) for k in groups if k.isdigit()]
        for staff in session.execute(select(Staff).where(Staff.id.in_(ids))).scalars():
            labels[str(staff.id)] = f"{staff.code} {mask_name(staff.name)}"
    return StatsRead(
        hall_code=hall.code,
        group_by=group_by,
        date_from=date_from,
        date_to=date_to,
        total=_stats_row("total", "合计", total),
        rows=[_stats_row(k, labels.get(k, k), t) for k, t in sorted(groups.items())],
    )


def stats_csv(data: StatsRead) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(
        [
            data.group_by,
            "label",
            "count",
            "level_5",
            "level_4",
            "level_3",
            "level_2",
            "level_1",
            "satisfaction_rate",
            "bad_count",
            "follow_up_on_time_rate",
            "rectify_on_time_rate",
        ]
    )
    for row in [*data.rows, data.total]:
        writer.writerow(
            [
                row.key,
                row.label,
                row.count,
                *(row.levels[str(k)] for k in (5, 4, 3, 2, 1)),
                "" if row.satisfaction_rate is None else row.satisfaction_rate,
                row.bad_count,
                "" if row.follow_up_on_time_rate is None else row.follow_up_on_time_rate,
                "" if row.rectify_on_time_rate is None else row.rectify_on_time_rate,
            ]
        )
    return buf.getvalue()
