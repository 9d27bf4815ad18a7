"""Invitations to rate: a finished service is noted once, an invitation (with a one-time link) goes out when it is
still unrated after the hall's ``evaluation.invite_after_days``; and the window pad's "what did I just finish"."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core import events
from smarthall.core.config import Settings
from smarthall.core.errors import Forbidden
from smarthall.core.subjects import ServedSubject, resolve_subject, whole_of
from smarthall.core.tenancy import Actor
from smarthall.evaluation import hallrules, linking
from smarthall.evaluation.repository import InvitationRepository, RatingRepository
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service

PAD_WINDOW = timedelta(hours=2)  # a window pad rates the service it has just finished, not yesterday's


def note_finished(
    session: Session, kind: str, ref: str, *, now: datetime, subject: ServedSubject | None = None
) -> bool:
    """Remember a finished service so that an invitation goes out if it is still unrated after N days (once per
    service: a second note is ignored). ``subject`` saves reading the service again when the caller has it."""
    if (whole := whole_of(session, kind, ref)) is not None:  # a bundle's part: the bundle is invited, once
        kind, ref, subject = whole[0], whole[1], None
    if subject is None:
        subject = resolve_subject(session, kind, ref)
    if subject is None or subject.finished_at is None:
        return False
    hall = org_service.hall_facts_by_id(session, subject.hall_id)
    after = hallrules.rule(session, hall, hallrules.INVITE_AFTER)
    return InvitationRepository(session).note(
        backend=session.info.get("backend"),
        values={
            "subject_kind": kind,
            "subject_ref": ref,
            "hall_id": subject.hall_id,
            "window_code": subject.window_code,
            "finished_at": subject.finished_at,
            "due_at": subject.finished_at + timedelta(days=after),
            "status": "waiting",
        },
    )


def send_due_invitations(session: Session, settings: Settings, *, now: datetime) -> int:
    sent = 0
    ratings = RatingRepository(session)
    for inv in InvitationRepository(session).due(now):
        rated = ratings.any_for(inv.subject_kind, inv.subject_ref)
        subject = resolve_subject(session, inv.subject_kind, inv.subject_ref)
        if rated:
            inv.status = "rated"
            continue
        if subject is None or (subject.citizen_id is None and not subject.phone):
            inv.status = "skipped"
            continue
        link = linking.issue_link(session, settings, inv.subject_kind, inv.subject_ref, now=now)
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


def close_rating_windows(session: Session, *, now: datetime) -> list[tuple[str, str]]:
    """Close the rating window of every service finished more than the hall's ``evaluation.rating_window_days``
    ago (once its invitation is past): the invitation becomes ``closed`` and ``rating_window.closed`` is emitted,
    on which the archive packages a case or bundle not packaged yet (the window's closing is the errand's last
    act). Returns the (kind, ref) closed."""
    windows: dict[int, int] = {}
    closed: list[tuple[str, str]] = []
    for inv in InvitationRepository(session).window_candidates(now - timedelta(days=1)):
        if inv.hall_id not in windows:
            hall = org_service.hall_facts_by_id(session, inv.hall_id)
            windows[inv.hall_id] = hallrules.rule(session, hall, hallrules.RATING_WINDOW)
        if inv.finished_at + timedelta(days=windows[inv.hall_id]) > now:
            continue
        inv.status = "closed"
        closed.append((inv.subject_kind, inv.subject_ref))
        events.emit(session, "rating_window.closed", kind=inv.subject_kind, ref=inv.subject_ref, at=now)
    session.flush()
    return closed


def pad_next(session: Session, actor: Actor, *, now: datetime) -> dict[str, Any] | None:
    """The service this window pad has just finished and that is still unrated (the pad shows its faces)."""
    if actor.kind != "device" or actor.device_kind != "window_pad" or not actor.window_code:
        raise Forbidden("仅限窗口评价器调用", "Window pads only", code="device_only")
    inv = InvitationRepository(session).latest_waiting_at_window(
        actor, window_code=actor.window_code, since=now - PAD_WINDOW
    )
    if inv is None:
        return None
    subject = resolve_subject(session, inv.subject_kind, inv.subject_ref)
    return {
        "subject_kind": inv.subject_kind,
        "subject_ref": inv.subject_ref,
        "service_channel": subject.channel if subject else "onsite",
        "finished_at": inv.finished_at,
    }
