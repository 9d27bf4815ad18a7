"""Login, actors, citizen registration, staff and device provisioning."""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import cast

from fastapi import Request
from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.config import Settings
from smarthall.core.crypto import blind_index
from smarthall.core.db import Database
from smarthall.core.errors import Forbidden, NotFound, ValidationFailed
from smarthall.core.masking import mask_id_number, mask_name, mask_phone
from smarthall.core.tenancy import ANONYMOUS, Actor
from smarthall.core.validators import check_id_number, check_phone, normalize_id_number
from smarthall.identity import security
from smarthall.identity.errors import CitizenExists
from smarthall.identity.models import Citizen, Device, Staff
from smarthall.identity.permissions import STAFF_ROLES, permissions_for
from smarthall.identity.schemas import CitizenCreate, CitizenProfile, CitizenRead, StaffRead
from smarthall.org.models import Hall

SESSION_COOKIE = "smarthall_session"
_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


def _staff(
    *,
    id: int,  # noqa: A002
    role: str,
    username: str,
    hall_id: int,
    hall_code: str,
    region_path: str,
    department_code: str | None,
    window_code: str | None,
    via_cookie: bool = False,
) -> Actor:
    return Actor(
        kind="staff",
        id=id,
        role=role,
        username=username,
        hall_id=hall_id,
        hall_code=hall_code,
        region_path=region_path,
        department_code=department_code,
        window_code=window_code,
        via_cookie=via_cookie,
        permissions=permissions_for(role),
    )


def staff_actor(staff: Staff, *, via_cookie: bool = False) -> Actor:
    return _staff(
        id=staff.id,
        role=staff.role,
        username=staff.username,
        hall_id=staff.hall_id,
        hall_code=staff.hall.code,
        region_path=staff.hall.region_path,
        department_code=staff.department_code,
        window_code=staff.window_code,
        via_cookie=via_cookie,
    )


def _citizen(citizen_id: int, *, via_cookie: bool = False) -> Actor:
    return Actor(
        kind="citizen", id=citizen_id, role="citizen", via_cookie=via_cookie, permissions=permissions_for("citizen")
    )


def citizen_actor(citizen: Citizen, *, via_cookie: bool = False) -> Actor:
    return _citizen(citizen.id, via_cookie=via_cookie)


def _device(
    *,
    id: int,  # noqa: A002
    kind: str,
    code: str,
    hall_id: int,
    hall_code: str,
    region_path: str,
    window_code: str | None,
) -> Actor:
    return Actor(
        kind="device",
        id=id,
        role=kind,
        username=code,
        hall_id=hall_id,
        hall_code=hall_code,
        region_path=region_path,
        window_code=window_code,
        device_kind=kind,
        permissions=permissions_for(kind),
    )


def device_actor(device: Device) -> Actor:
    return _device(
        id=device.id,
        kind=device.kind,
        code=device.code,
        hall_id=device.hall_id,
        hall_code=device.hall.code,
        region_path=device.hall.region_path,
        window_code=device.window_code,
    )


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if request.headers.get("hx-request") == "true":
        return True
    if not origin:
        return False
    host = request.headers.get("host", "")
    return re.sub(r"^https?://", "", origin).split("/")[0] == host


# ------------------------------------------------------------------------------------------ acting subjects
#
# A request names its actor by a bearer token, then the session cookie, then a device key; anonymous otherwise.
# Tokens are verified (signature, expiry) on every request. The account behind a credential is read once and kept
# in a per-process cache for ``ACTOR_CACHE_SECONDS``: a committed change to a staff member, citizen, device or hall
# made in this process empties the cache at once, so only other processes can lag, by at most that long (see
# docs/decisions.md). The cache lets the request dependencies stay off the worker threads (``core.deps``).

ACTOR_CACHE_SECONDS = 5.0
ACTORS_CACHE = "actors"
_STAFF_T, _CITIZEN_T, _DEVICE_T, _HALL_T = (cast(Table, m.__table__) for m in (Staff, Citizen, Device, Hall))
_STAFF_ROW = (
    select(
        _STAFF_T.c.id,
        _STAFF_T.c.role,
        _STAFF_T.c.username,
        _STAFF_T.c.hall_id,
        _STAFF_T.c.department_code,
        _STAFF_T.c.window_code,
        _STAFF_T.c.active,
        _HALL_T.c.code.label("hall_code"),
        _HALL_T.c.region_path,
    )
    .join(_HALL_T, _HALL_T.c.id == _STAFF_T.c.hall_id)
    .where(_STAFF_T.c.id == bindparam("id"))
)
_CITIZEN_ROW = select(_CITIZEN_T.c.id, _CITIZEN_T.c.active).where(_CITIZEN_T.c.id == bindparam("id"))
_DEVICE_ROW = (
    select(
        _DEVICE_T.c.id,
        _DEVICE_T.c.kind,
        _DEVICE_T.c.code,
        _DEVICE_T.c.hall_id,
        _DEVICE_T.c.window_code,
        _DEVICE_T.c.active,
        _HALL_T.c.code.label("hall_code"),
        _HALL_T.c.region_path,
    )
    .join(_HALL_T, _HALL_T.c.id == _DEVICE_T.c.hall_id)
    .where(_DEVICE_T.c.key_hash == bindparam("key_hash"))
)


@dataclass(frozen=True)
class _Credential:
    key: tuple[str, str]  # ("account", "staff:12") or ("device", the key's hash)
    via_cookie: bool = False


def _credential(request: Request, now: datetime) -> _Credential | None:
    """What the request presents, with a token's signature and expiry checked; ``None`` for anonymous."""
    auth = request.headers.get("authorization", "")
    via_cookie = False
    if auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    else:
        device_key = request.headers.get("x-device-key")
        if device_key:
            return _Credential(("device", security.hash_device_key(device_key)))
        token = request.cookies.get(SESSION_COOKIE, "")
        via_cookie = True
        if not token:
            return None
    payload = security.decode_token(request.app.state.secret_key, token, now)
    if payload is None:
        return None
    subject = str(payload.get("sub", ""))
    kind, _, raw_id = subject.partition(":")
    if kind not in ("staff", "citizen") or not raw_id.isdigit():
        return None
    return _Credential(("account", subject), via_cookie)


def _load_actor(session: Session, key: tuple[str, str]) -> Actor:
    what, value = key
    if what == "device":
        device = session.execute(_DEVICE_ROW, {"key_hash": value}).one_or_none()
        if device is None or not device.active:
            return ANONYMOUS
        return _device(
            id=device.id,
            kind=device.kind,
            code=device.code,
            hall_id=device.hall_id,
            hall_code=device.hall_code,
            region_path=device.region_path,
            window_code=device.window_code,
        )
    kind, _, raw_id = value.partition(":")
    if kind == "staff":
        staff = session.execute(_STAFF_ROW, {"id": int(raw_id)}).one_or_none()
        if staff is None or not staff.active:
            return ANONYMOUS
        return _staff(
            id=staff.id,
            role=staff.role,
            username=staff.username,
            hall_id=staff.hall_id,
            hall_code=staff.hall_code,
            region_path=staff.region_path,
            department_code=staff.department_code,
            window_code=staff.window_code,
        )
    citizen = session.execute(_CITIZEN_ROW, {"id": int(raw_id)}).one_or_none()
    return _citizen(citizen.id) if citizen is not None and citizen.active else ANONYMOUS


def _presented(request: Request, actor: Actor, credential: _Credential) -> Actor:
    """The cached actor as this request presents it: a cookie session must come from our own pages to write."""
    if actor.kind == "anonymous" or not credential.via_cookie:
        return actor
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(request):
        raise Forbidden("跨站请求被拒绝", "Cross-site request refused", code="csrf_rejected")
    return replace(actor, via_cookie=True)


def cached_actor(database: Database, request: Request, now: datetime) -> Actor | None:
    """The request's actor when the cache knows its account (no I/O); ``None`` when it must be read."""
    credential = _credential(request, now)
    if credential is None:
        return ANONYMOUS
    hit = database.cache.setdefault(ACTORS_CACHE, {}).get(credential.key)
    if hit is None or hit[0] < time.monotonic():
        return None
    return _presented(request, hit[1], credential)


def resolve_actor_fresh(database: Database, request: Request, now: datetime) -> Actor:
    """Read the request's actor from the database, in a read transaction of its own, and cache it."""
    credential = _credential(request, now)
    if credential is None:
        return ANONYMOUS
    with database.unit_of_work(write=False) as session:
        actor = _load_actor(session, credential.key)
    database.cache.setdefault(ACTORS_CACHE, {})[credential.key] = (time.monotonic() + ACTOR_CACHE_SECONDS, actor)
    return _presented(request, actor, credential)


class ActorResolver:
    """The request's actor for ``core.deps``: from the short per-process cache, or read fresh."""

    def cached(self, database: Database, request: Request, now: datetime) -> Actor | None:
        return cached_actor(database, request, now)

    def fresh(self, database: Database, request: Request, now: datetime) -> Actor:
        return resolve_actor_fresh(database, request, now)


@dataclass
class LoginResult:
    ok: bool
    actor: Actor = ANONYMOUS
    token: str = ""
    expires_in: int = 0
    reason: str = ""


def login(
    session: Session, settings: Settings, secret: str, *, username: str, password: str, now: datetime
) -> LoginResult:
    """Check a password with lockout. Unknown users cost the same time as wrong passwords (dummy hash)."""
    username = username.strip()
    account: Staff | Citizen | None
    if _ID_LIKE.match(username):
        account = session.execute(
            select(Citizen).where(Citizen.id_number_index == blind_index(normalize_id_number(username), "id_number"))
        ).scalar_one_or_none()
    else:
        account = session.execute(select(Staff).where(Staff.username == username)).scalar_one_or_none()

    password_ok = security.verify_password(password, account.password_hash if account else None)
    if account is None or not account.active:
        audit_service.record(session, ANONYMOUS, "auth.login", outcome="denied", detail={"reason": "unknown"}, now=now)
        return LoginResult(False, reason="unknown")
    actor = staff_actor(account) if isinstance(account, Staff) else citizen_actor(account)
    if account.locked_until and account.locked_until > now:
        audit_service.record(session, actor, "auth.login", outcome="denied", detail={"reason": "locked"}, now=now)
        return LoginResult(False, reason="locked")
    if not password_ok:
        account.failed_logins += 1
        reason = "bad_password"
        if account.failed_logins >= settings.lockout_threshold:
            account.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            account.failed_logins = 0
            reason = "locked_now"
        audit_service.record(session, actor, "auth.login", outcome="denied", detail={"reason": reason}, now=now)
        return LoginResult(False, reason=reason)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if account.password_hash and security.needs_rehash(account.password_hash):
        account.password_hash = security.hash_password(password)
    subject = f"{'staff' if isinstance(account, Staff) else 'citizen'}:{account.id}"
    token, expires_in = security.issue_token(
        secret, subject=subject, kind=actor.kind, now=now, ttl_minutes=settings.token_ttl_minutes
    )
    audit_service.record(session, actor, "auth.login", now=now)
    return LoginResult(True, actor=actor, token=token, expires_in=expires_in)


def register_citizen(session: Session, data: CitizenCreate, *, now: datetime) -> Citizen:
    errors = []
    id_number = normalize_id_number(data.id_number)
    for field, problem in (
        ("id_number", check_id_number(id_number, now.date())),
        ("phone", check_phone(data.phone)),
    ):
        if problem:
            errors.append(
                {
                    "field": field,
                    "code": problem.code,
                    "message_zh": problem.message_zh,
                    "message_en": problem.message_en,
                }
            )
    for weakness in security.password_problems(data.password):
        errors.append(
            {
                "field": "password",
                "code": f"password_{weakness}",
                "message_zh": "密码至少8位,且须同时包含字母和数字",
                "message_en": "The password needs at least 8 characters with letters and digits",
            }
        )
    if errors:
        raise ValidationFailed(detail=errors)
    index = blind_index(id_number, "id_number")
    if session.execute(select(Citizen.id).where(Citizen.id_number_index == index)).first():
        raise CitizenExists()
    citizen = Citizen(
        name=data.name,
        id_number=id_number,
        id_number_index=index,
        phone=data.phone,
        phone_index=blind_index(data.phone, "phone"),
        address=data.address,
        password_hash=security.hash_password(data.password),
    )
    session.add(citizen)
    session.flush()
    audit_service.record(
        session, citizen_actor(citizen), "citizen.register", target_type="citizen", target_id=citizen.id, now=now
    )
    return citizen


def citizen_read(citizen: Citizen) -> CitizenRead:
    return CitizenRead(
        id=citizen.id,
        name_masked=mask_name(citizen.name),
        id_number_masked=mask_id_number(citizen.id_number),
        phone_masked=mask_phone(citizen.phone),
    )


def citizen_profile(session: Session, actor: Actor, citizen_id: int, *, now: datetime) -> CitizenProfile:
    """The unmasked profile: to the citizen themself, or to front-line staff looking someone up; always audited."""
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        raise NotFound(code="citizen_not_found")
    if not ((actor.kind == "citizen" and actor.id == citizen.id) or actor.has("citizen.lookup")):
        raise Forbidden()
    audit_service.record(
        session,
        actor,
        "personal_data.read",
        target_type="citizen",
        target_id=citizen.id,
        now=now,
        detail={"fields": ["name", "id_number", "phone", "address"]},
    )
    return CitizenProfile(
        id=citizen.id, name=citizen.name, id_number=citizen.id_number, phone=citizen.phone, address=citizen.address
    )


@dataclass(frozen=True)
class CitizenContact:
    """A citizen's name, ID number and phone in clear (callers mask them where they show them)."""

    id: int
    name: str
    id_number: str
    phone: str


def citizen_contact(session: Session, citizen_id: int) -> CitizenContact | None:
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        return None
    return CitizenContact(citizen.id, citizen.name, citizen.id_number, citizen.phone)


def find_citizen_id(
    session: Session, *, id_number: str | None = None, id_number_index: str | None = None
) -> int | None:
    """The id of the citizen with this ID number (or its blind index), if registered."""
    index = id_number_index or (blind_index(normalize_id_number(id_number), "id_number") if id_number else None)
    if index is None:
        return None
    return session.execute(select(Citizen.id).where(Citizen.id_number_index == index)).scalar_one_or_none()


def citizen_names(session: Session, citizen_ids: Iterable[int]) -> dict[int, str]:
    """Names in clear of the given citizens (boards mask them)."""
    ids = sorted(set(citizen_ids))
    if not ids:
        return {}
    return {c.id: c.name for c in session.execute(select(Citizen).where(Citizen.id.in_(ids))).scalars()}


def get_citizen(session: Session, citizen_id: int) -> Citizen | None:
    """A citizen by id (for domains that keep the id: a case's applicant)."""
    return session.get(Citizen, citizen_id)


def active_staff(session: Session, *, hall_id: int, role: str) -> list[Staff]:
    """The active staff of one hall in one role (e.g. whom to warn about a case)."""
    stmt = select(Staff).where(Staff.hall_id == hall_id, Staff.role == role, Staff.active.is_(True)).order_by(Staff.id)
    return list(session.execute(stmt).scalars())


def find_citizen_by_id_number(session: Session, id_number: str) -> Citizen | None:
    index = blind_index(normalize_id_number(id_number), "id_number")
    return session.execute(select(Citizen).where(Citizen.id_number_index == index)).scalar_one_or_none()


def staff_read(staff: Staff) -> StaffRead:
    return StaffRead(
        code=staff.code,
        username=staff.username,
        name_masked=mask_name(staff.name),
        role=staff.role,
        hall_code=staff.hall.code,
        window_code=staff.window_code,
        department_code=staff.department_code,
        employee_no=staff.employee_no,
    )


def list_staff(session: Session, actor: Actor) -> list[Staff]:
    rows = session.execute(select(Staff).join(Hall).order_by(Staff.code)).scalars().all()
    return [s for s in rows if actor.can_see_hall(s.hall_id, s.hall.region_path)]


def upsert_staff(session: Session, data: dict[str, object], hall: Hall) -> tuple[Staff, bool]:
    """Create or update a staff member from catalog data; returns (staff, changed)."""
    role = str(data["role"])
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role}")
    staff = session.execute(select(Staff).where(Staff.code == data["code"])).scalar_one_or_none()
    values = {
        "username": data["username"],
        "name": data["name"],
        "role": role,
        "hall_id": hall.id,
        "window_code": data.get("window_code"),
        "zone_code": data.get("zone_code"),
        "department_code": data.get("department_code"),
        "employee_no": data.get("employee_no") or "",
        "duty": data.get("duty") or "",
    }
    if staff is None:
        staff = Staff(code=data["code"], **values)
        session.add(staff)
        return staff, True
    changed = False
    for key, value in values.items():
        if getattr(staff, key) != value:
            setattr(staff, key, value)
            changed = True
    return staff, changed


def set_password(staff_or_citizen: Staff | Citizen, password: str) -> None:
    staff_or_citizen.password_hash = security.hash_password(password)


def ensure_device(
    session: Session,
    *,
    code: str,
    kind: str,
    name: str,
    hall: Hall,
    key: str,
    zone_code: str | None = None,
    window_code: str | None = None,
) -> Device:
    device = session.execute(select(Device).where(Device.code == code)).scalar_one_or_none()
    if device is None:
        device = Device(
            code=code,
            kind=kind,
            name=name,
            hall_id=hall.id,
            zone_code=zone_code,
            window_code=window_code,
            key_hash=security.hash_device_key(key),
        )
        session.add(device)
    else:
        device.key_hash = security.hash_device_key(key)
        device.kind, device.name, device.hall_id = kind, name, hall.id
        device.zone_code, device.window_code = zone_code, window_code
    session.flush()
    return device
