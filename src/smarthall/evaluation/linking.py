"""One-time rating links (QR code on the slip, SMS): who may mint one, signing, checking and consuming.

Staff mint links for services of the halls in their scope. A device (kiosk, window pad) mints a link only for the
service its own window — or, for a device with no window, a window of its own zone — has just finished (within
the hall's ``evaluation.device_link_minutes``), and only once per service: a kiosk key and someone else's ticket
number no longer make a rating link.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from smarthall.core.config import Settings
from smarthall.core.crypto import _derive, load_or_create_key
from smarthall.core.subjects import ServedSubject, resolve_subject
from smarthall.core.tenancy import Actor
from smarthall.evaluation import hallrules, links
from smarthall.evaluation.errors import (
    LinkAlreadyMinted,
    LinkInvalid,
    LinkNotYours,
    LinkUsed,
    NotFinished,
    SubjectNotFound,
)
from smarthall.evaluation.models import LinkToken
from smarthall.evaluation.repository import LinkRepository
from smarthall.evaluation.schemas import LinkRead
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service

LINK_TTL = timedelta(days=30)

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


def subject_of(session: Session, kind: str, ref: str) -> ServedSubject:
    subject = resolve_subject(session, kind, ref)
    if subject is None:
        raise SubjectNotFound()
    return subject


def issue_link(session: Session, settings: Settings, kind: str, ref: str, *, now: datetime) -> LinkRead:
    jti = secrets.token_hex(12)
    expires = now + LINK_TTL
    LinkRepository(session).add(
        LinkToken(jti=jti, subject_kind=kind, subject_ref=ref, issued_at=now, expires_at=expires)
    )
    token = links.sign(link_key(settings), links.LinkClaims(kind, ref, jti, expires))
    return LinkRead(token=token, url=f"/evaluation/rate?token={token}", expires_at=expires)


def _device_may_mint(session: Session, actor: Actor, subject: ServedSubject, now: datetime) -> None:
    """Refuse unless the device's own window (or zone) finished ``subject`` minutes ago and no link exists yet."""
    if actor.hall_id != subject.hall_id or subject.window_code is None:
        raise LinkNotYours()
    if actor.window_code is not None:
        own = actor.window_code == subject.window_code
    else:
        zone = identity_service.device_zone_code(session, actor.id) if actor.id is not None else None
        window = org_service.window_facts(session, subject.window_code)
        own = zone is not None and window is not None and window.zone_code == zone
    assert subject.finished_at is not None
    hall = org_service.hall_facts_by_id(session, subject.hall_id)
    within = timedelta(minutes=hallrules.rule(session, hall, hallrules.DEVICE_LINK_MINUTES))
    if not own or not timedelta(0) <= now - subject.finished_at <= within:
        raise LinkNotYours()
    if LinkRepository(session).count_for(subject.kind, subject.ref):
        raise LinkAlreadyMinted()


def issue_link_for(
    session: Session, actor: Actor, settings: Settings, kind: str, ref: str, *, now: datetime
) -> LinkRead:
    """A QR/SMS link for a finished service: by staff of the hall that served it, or by the device that did."""
    subject = subject_of(session, kind, ref)
    hall = org_service.hall_facts_by_id(session, subject.hall_id)
    if not actor.can_see_hall(hall.id, hall.region_path):
        raise SubjectNotFound()  # another hall's service: as if it did not exist
    if subject.finished_at is None:
        raise NotFinished()
    if actor.kind == "device":
        _device_may_mint(session, actor, subject, now)
    elif actor.kind != "staff" and actor.kind != "system":
        raise LinkNotYours()
    return issue_link(session, settings, kind, ref, now=now)


def link_claims(session: Session, settings: Settings, token: str, *, now: datetime) -> links.LinkClaims:
    """Claims of a genuine, unexpired and unused link (for showing the rating page)."""
    claims = links.verify(link_key(settings), token, now)
    if claims is None:
        raise LinkInvalid()
    row = LinkRepository(session).by_jti(claims.jti)
    if row is None or (row.subject_kind, row.subject_ref) != (claims.kind, claims.ref):
        raise LinkInvalid()
    if row.used_at is not None:
        raise LinkUsed()
    return claims


def consume_link(session: Session, claims: links.LinkClaims, now: datetime) -> None:
    if not LinkRepository(session).consume(claims.jti, now):
        raise LinkUsed()
