"""Proving a mobile number before registration (issue 12, item 15): a six-digit code by SMS through the notify
outbox, valid for ``CODE_MINUTES``, ``MAX_ATTEMPTS`` wrong tries, used once.

Throttled three ways: one code per number per ``RESEND`` (``phone_code_send_throttled`` with Retry-After), at most
``PER_HOUR`` per number per hour (same), and the named abuse limit ``identity.phone_code`` per client address
(``rate_limited``). The answer is the same whether the number is registered or not. The registration service stays
code-free (demo seeding and staff imports create citizens directly); ``POST /citizens`` and the register page check
the code before calling it.
"""

from __future__ import annotations

import hmac
import math
import secrets
from datetime import datetime, timedelta
from typing import NoReturn

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core import ratelimit
from smarthall.core.crypto import blind_index
from smarthall.core.db import attempt
from smarthall.core.errors import Forbidden, HallError, ValidationFailed
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_phone
from smarthall.identity.errors import (
    PhoneCodeAttemptsExceeded,
    PhoneCodeExpired,
    PhoneCodeSendThrottled,
    PhoneCodeWrong,
)
from smarthall.identity.models import Citizen, PhoneCode
from smarthall.identity.repository import CitizenRepository, PhoneCodeRepository
from smarthall.notify import service as notify_service

CODE_MINUTES = 5
MAX_ATTEMPTS = 5
RESEND = timedelta(seconds=60)
PER_HOUR = 5
LIMIT = "identity.phone_code"


def _digest(row_id: int, code: str) -> str:
    return blind_index(f"{row_id}:{code.strip()}", "identity.phone_code")


def _index(phone: str) -> str:
    return blind_index(phone, "phone_code")


def send(session: Session, actor: Actor, phone: str, *, now: datetime) -> dict[str, int]:
    """Queue a fresh code to ``phone`` (earlier codes of the number stop working); what the caller may show."""
    phone = phone.strip()
    problem = check_phone(phone)
    if problem:
        raise ValidationFailed(
            detail=[{"field": "phone", "code": problem.code, "message_zh": problem.message_zh,
                     "message_en": problem.message_en}]
        )  # fmt: skip
    ratelimit.enforce(session, LIMIT, actor, now)
    repo = PhoneCodeRepository(session)
    index = _index(phone)
    last = repo.latest(index)
    if last is not None and now - last.sent_at < RESEND:
        wait = max(1, math.ceil((RESEND - (now - last.sent_at)).total_seconds()))
        raise PhoneCodeSendThrottled(headers={"Retry-After": str(wait)}, detail={"retry_after": wait})
    if repo.sent_since(index, now - timedelta(hours=1)) >= PER_HOUR:
        hour = 3600
        raise PhoneCodeSendThrottled(headers={"Retry-After": str(hour)}, detail={"retry_after": hour})
    code = f"{secrets.randbelow(10**6):06d}"
    row = repo.add(
        PhoneCode(phone_index=index, code_hash="", sent_at=now, expires_at=now + timedelta(minutes=CODE_MINUTES))
    )
    row.code_hash = _digest(row.id, code)
    notify_service.send(
        session,
        template="identity.phone_code",
        params={"code": code, "minutes": CODE_MINUTES},
        now=now,
        phone=phone,
        ref_type="phone_code",
        ref_id=row.id,
    )
    return {"expires_in": CODE_MINUTES * 60, "resend_after": int(RESEND.total_seconds())}


def _refuse(error: HallError, session: Session) -> NoReturn:
    """Raise so that the counted try (written before) is committed although the request is refused."""
    with attempt(session):
        raise error


def check(session: Session, phone: str, code: str | None, *, now: datetime) -> int:
    """The latest code of ``phone`` is ``code``, unexpired, not used, within its tries: its id, for ``consume`` in
    the same block as the registration. Refuses otherwise; a wrong try is counted and committed although the request
    is refused (call this outside the caller's ``attempt`` block)."""
    repo = PhoneCodeRepository(session)
    row = repo.latest(_index(phone.strip()))
    if row is None or row.used_at is not None:
        _refuse(PhoneCodeWrong(detail={"field": "phone_code", "reason": "no_code"}), session)
    if row.attempts >= MAX_ATTEMPTS:
        _refuse(PhoneCodeAttemptsExceeded(detail={"field": "phone_code"}), session)
    if now >= row.expires_at:
        _refuse(PhoneCodeExpired(detail={"field": "phone_code"}), session)
    if not code or not hmac.compare_digest(row.code_hash, _digest(row.id, code)):
        tries = repo.count_wrong(row.id)
        if tries >= MAX_ATTEMPTS:
            _refuse(PhoneCodeAttemptsExceeded(detail={"field": "phone_code"}), session)
        _refuse(PhoneCodeWrong(detail={"field": "phone_code", "attempts_left": MAX_ATTEMPTS - tries}), session)
    return row.id


def consume(session: Session, code_id: int, *, now: datetime) -> None:
    """Mark the checked code used, once, in the registration's transaction (a registration that fails leaves it
    usable): of two parallel registrations with one code only one goes through."""
    if not PhoneCodeRepository(session).use(code_id, now):
        raise PhoneCodeWrong(detail={"field": "phone_code", "reason": "used"})


def verify_own_phone(session: Session, actor: Actor, phone_code: str, *, now: datetime) -> Citizen:
    """Prove the phone on the calling citizen's own record with the code ``send`` sent to it, and mark it verified
    (audited). A wrong try counts as at registration, so callers do not undo it."""
    citizen = CitizenRepository(session).by_id(actor.id) if actor.kind == "citizen" and actor.id else None
    if citizen is None:
        raise Forbidden(
            "仅限群众本人验证手机号", "Only the citizen themself may verify their phone", code="citizen_only"
        )
    consume(session, check(session, citizen.phone, phone_code, now=now), now=now)
    citizen.phone_verified_at = now
    audit_service.record(
        session, actor, "citizen.phone_verified", target_type="citizen", target_id=citizen.id, now=now
    )
    return citizen
