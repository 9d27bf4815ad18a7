"""Login, actors, citizen registration, staff and device provisioning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.config import Settings
from smarthall.core.crypto import blind_index
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


def staff_actor(staff: Staff, *, via_cookie: bool = False) -> Actor:
    return Actor(
        kind="staff",
        id=staff.id,
        role=staff.role,
        username=staff.username,
        hall_id=staff.hall_id,
        hall_code=staff.hall.code,
        region_path=staff.hall.region_path,
        department_code=staff.department_code,
        window_code=staff.window_code,
        via_cookie=via_cookie,
        permissions=permissions_for(staff.role),
    )


def citizen_actor(citizen: Citizen, *, via_cookie: bool = False) -> Actor:
    return Actor(
        kind="citizen", id=citizen.id, role="citizen", via_cookie=via_cookie, permissions=permissions_for("citizen")
    )


def device_actor(device: Device) -> Actor:
    return Actor(
        kind="device",
        id=device.id,
        role=device.kind,
        username=device.code,
        hall_id=device.hall_id,
        hall_code=device.hall.code,
        region_path=device.hall.region_path,
        window_code=device.window_code,
        device_kind=device.kind,
        permissions=permissions_for(device.kind),
    )


def _actor_from_token(session: Session, settings_secret: str, token: str, now: datetime, via_cookie: bool) -> Actor:
    payload = security.decode_token(settings_secret, token, now)
    if payload is None:
        return ANONYMOUS
    kind, _, raw_id = str(payload.get("sub", "")).partition(":")
    if not raw_id.isdigit():
        return ANONYMOUS
    if kind == "staff":
        staff = session.get(Staff, int(raw_id))
        if staff and staff.active:
            return staff_actor(staff, via_cookie=via_cookie)
    elif kind == "citizen":
        citizen = session.get(Citizen, int(raw_id))
        if citizen and citizen.active:
            return citizen_actor(citizen, via_cookie=via_cookie)
    return ANONYMOUS


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin") or request.headers.get("referer")
    if request.headers.get("hx-request") == "true":
        return True
    if not origin:
        return False
    host = request.headers.get("host", "")
    return re.sub(r"^https?://", "", origin).split("/")[0] == host


def resolve_actor(session: Session, request: Request, settings: Settings, now: datetime) -> Actor:
    """Bearer token, then the session cookie, then a device key; anonymous otherwise."""
    secret = request.app.state.secret_key
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return _actor_from_token(session, secret, auth[7:].strip(), now, via_cookie=False)
    device_key = request.headers.get("x-device-key")
    if device_key:
        device = session.execute(
            select(Device).where(Device.key_hash == security.hash_device_key(device_key))
        ).scalar_one_or_none()
        return device_actor(device) if device and device.active else ANONYMOUS
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        actor = _actor_from_token(session, secret, cookie, now, via_cookie=True)
        if actor.kind != "anonymous" and request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(request):
            raise Forbidden("跨站请求被拒绝", "Cross-site request refused", code="csrf_rejected")
        return actor
    return ANONYMOUS


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
