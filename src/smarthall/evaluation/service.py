"""Evaluation use cases (好差评): who may rate (the person served, through one of the channels) and recording a
rating once, plus the re-ratings the hall's rule allows after a rectification. The other jobs live in their own
modules — links (``linking``), the work orders (``rectification``), invitations (``invitations``), lists and
statistics (``stats``), the hall's rules (``hallrules``) — and are named here for the API, pages and tasks.

Rater identity stays confidential: staff views show the rater masked (``王*明``), never the ID number or phone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core import events
from smarthall.core.config import Settings
from smarthall.core.crypto import blind_index
from smarthall.core.errors import Unauthorized
from smarthall.core.subjects import ServedSubject, whole_of
from smarthall.core.tenancy import Actor
from smarthall.core.validators import normalize_id_number
from smarthall.evaluation import hallrules, linking, links, policy, rectification
from smarthall.evaluation.errors import (
    AlreadyRated,
    InvalidIndicators,
    LinkInvalid,
    NotFinished,
    NotServed,
    RateTheWhole,
)
from smarthall.evaluation.hallrules import hall_settings as hall_settings
from smarthall.evaluation.hallrules import read_settings as read_settings
from smarthall.evaluation.hallrules import set_hall_settings as set_hall_settings
from smarthall.evaluation.invitations import PAD_WINDOW
from smarthall.evaluation.invitations import note_finished as note_finished
from smarthall.evaluation.invitations import pad_next as pad_next
from smarthall.evaluation.invitations import send_due_invitations as send_due_invitations
from smarthall.evaluation.linking import issue_link as issue_link
from smarthall.evaluation.linking import issue_link_for as issue_link_for
from smarthall.evaluation.linking import link_claims as link_claims
from smarthall.evaluation.linking import link_key as link_key
from smarthall.evaluation.linking import subject_of as subject_of
from smarthall.evaluation.models import Rating, Rectification
from smarthall.evaluation.rectification import act as act
from smarthall.evaluation.rectification import list_rectifications as list_rectifications
from smarthall.evaluation.rectification import warn_overdue as warn_overdue
from smarthall.evaluation.repository import (
    BadRating,
    CountedRating,
    InvitationRepository,
    RatingRepository,
    RectificationRepository,
)
from smarthall.evaluation.schemas import RatingCreate, RatingRead
from smarthall.evaluation.stats import GROUPS as GROUPS
from smarthall.evaluation.stats import list_ratings as list_ratings
from smarthall.evaluation.stats import stats as stats
from smarthall.evaluation.stats import stats_csv as stats_csv
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service

LINK_CHANNELS = frozenset({"qr", "sms"})


def _citizen_index(session: Session, citizen_id: int | None) -> str | None:
    if citizen_id is None:
        return None
    return identity_service.citizen_id_number_index(session, citizen_id)


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
        claims = linking.link_claims(session, settings, data.token, now=now)
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


def create_rating(
    session: Session, actor: Actor, settings: Settings, data: RatingCreate, *, now: datetime
) -> RatingRead:
    """Record the rating of the person served (once; the hall's allowed re-ratings after a fix), opening a work
    order when it is bad."""
    kind, ref = data.subject()
    if (whole := whole_of(session, kind, ref)) is not None:  # a bundle's part: the bundle is rated, once
        raise RateTheWhole(detail={"subject_kind": whole[0], "subject_ref": whole[1]})
    subject = linking.subject_of(session, kind, ref)
    if subject.finished_at is None:
        raise NotFinished()
    claims = _check_served(session, actor, data, subject, settings, now)
    problems = policy.indicator_problems(subject.channel, data.indicators)
    if problems:
        raise InvalidIndicators(detail=problems)

    ratings = RatingRepository(session)
    hall = org_service.hall_facts_by_id(session, subject.hall_id)
    previous = ratings.current_for(kind, ref)
    sequence = 1
    first_order: Rectification | None = None
    if previous is not None:
        rect = RectificationRepository(session).of_rating(previous.id)
        allowed = hallrules.rule(session, hall, hallrules.RERATINGS)
        if previous.sequence > allowed or rect is None or rect.status not in policy.RERATING_STATES:
            raise AlreadyRated()
        sequence = previous.sequence + 1
        previous.current = False
        first_order = rect
    if claims is not None:
        linking.consume_link(session, claims, now)
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
    ratings.add(rating)
    try:
        ratings.flush()
    except IntegrityError:
        raise AlreadyRated()
    InvitationRepository(session).mark_rated(kind, ref)
    events.emit(session, "rating.created", kind=kind, ref=ref, rating_id=rating.id, level=data.level, at=now)
    rect_id = None
    if first_order is not None:
        rect_id = rectification.settle_first_order(session, first_order, rating, hall, now)
    elif policy.is_bad(data.level):
        rect_id = rectification.open_rectification(session, rating, hall, now)
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
    return rectification.rating_read(rating, rect_id)


def is_rated(session: Session, kind: str, ref: str) -> bool:
    """Whether the service ``kind``/``ref`` has a rating (a page offers the rating form only until it has)."""
    return RatingRepository(session).any_for(kind, ref)


def counted_ratings(
    session: Session, actor: Actor, *, hall_id: int, start: datetime, end: datetime
) -> list[CountedRating]:
    """(staff_id, level) of the hall's current, counted ratings of staff given in [start, end), in scope."""
    return RatingRepository(session).counted_of_staff(actor, hall_id, start, end)


def bad_ratings_since(session: Session, actor: Actor, *, hall_id: int, since: datetime) -> list[BadRating]:
    """The hall's current, counted bad ratings (level ≤ 2) since ``since``, oldest first, in scope."""
    return RatingRepository(session).bad_since(actor, hall_id, since)
