"""Login, citizen registration and look-up, staff and device provisioning and lists.

Session lifetime and login throttling are rule settings (``identity.session_minutes``,
``identity.lockout_threshold``, ``identity.lockout_minutes``), read for a staff member in their hall's chain and for
a citizen at the platform's province (the one province of the hall tree, or the province of the citizen's ID
number when the tree holds several), so a province or hall may set its own (clause 9: 会话超时, 登录失败处理).
Who is acting on a request is decided in ``identity.actors``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core import ratelimit
from smarthall.core.crypto import blind_index
from smarthall.core.db import Database, after_commit
from smarthall.core.errors import Forbidden, NotFound, ValidationFailed
from smarthall.core.masking import mask_id_number, mask_name, mask_phone
from smarthall.core.repository import Page
from smarthall.core.tenancy import ANONYMOUS, SYSTEM, Actor
from smarthall.core.validators import check_id_number, check_phone, normalize_id_number
from smarthall.identity import security, sessions, throttle
from smarthall.identity.actors import (  # re-exported: the request's actor is part of identity's service
    ACTORS_CACHE as ACTORS_CACHE,
)
from smarthall.identity.actors import (
    DEVICE_COOKIE as DEVICE_COOKIE,
)
from smarthall.identity.actors import (
    SESSION_COOKIE as SESSION_COOKIE,
)
from smarthall.identity.actors import (
    ActorResolver as ActorResolver,
)
from smarthall.identity.actors import (
    citizen_actor,
    staff_actor,
)
from smarthall.identity.actors import (
    citizen_actor_by_id as citizen_actor_by_id,
)
from smarthall.identity.actors import (
    device_actor as device_actor,
)
from smarthall.identity.actors import (
    presented_device_key as presented_device_key,
)
from smarthall.identity.errors import CitizenExists, PhoneUnverified, WrongPassword
from smarthall.identity.models import Citizen, Device, Staff
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.identity.repository import CitizenRepository, DeviceRepository, StaffRepository
from smarthall.identity.schemas import CitizenCreate, CitizenProfile, CitizenRead, DeviceRead, StaffRead
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

_ID_LIKE = re.compile(r"^\d{17}[\dXx]$")


class HasId(Protocol):
    @property
    def id(self) -> int: ...


# ------------------------------------------------------------------------------------------------------- login


@dataclass
class LoginResult:
    ok: bool
    actor: Actor = ANONYMOUS
    token: str = ""
    expires_in: int = 0
    reason: str = ""
    retry_after: int = 0  # seconds, when the attempt was throttled


def _citizen_scope(session: Session, id_number: str) -> org_service.ScopeFacts | None:
    """The province whose rules apply to a citizen: the tree's one province, else the ID number's, else none."""
    provinces = org_service.provinces(session)
    if len(provinces) == 1:
        return provinces[0]
    return next((p for p in provinces if p.code == f"{id_number[:2]}0000"), None)


def _rule(session: Session, scope: org_service.HallLike | None, key: str) -> int:
    if scope is None:
        return int(rules_service.platform_value(session, key))
    return int(rules_service.value(session, scope, key))


def login(session: Session, secret: str, *, username: str, password: str, now: datetime) -> LoginResult:
    """Check a password under throttling (``identity.throttle``). Unknown users cost the same time as wrong
    passwords (dummy hash) and are throttled the same way, so no answer tells whether an account exists.

    The throttle and the token's lifetime follow the account's rules (see the module docstring)."""
    username = username.strip()
    account: Staff | Citizen | None
    if _ID_LIKE.match(username):
        id_number = normalize_id_number(username)
        account = CitizenRepository(session).by_id_number_index(blind_index(id_number, "id_number"))
    else:
        account = StaffRepository(session).by_username(username)
    scope: org_service.HallLike | None
    if isinstance(account, Staff):
        scope = org_service.facts_of(account.hall)
    else:  # citizens, and names of no account, are throttled under the province's rules
        scope = _citizen_scope(session, username)
    policy = throttle.Policy(
        free=_rule(session, scope, "identity.lockout_threshold"),
        max_delay=60 * _rule(session, scope, "identity.lockout_minutes"),
    )
    store = ratelimit.limiter_of(session.info.get("db")).store
    ip, stamp = session.info.get("ip"), now.timestamp()
    wait = throttle.wait_seconds(store, username, ip, policy, stamp)
    if wait:
        audit_service.record(
            session, ANONYMOUS, "auth.login", outcome="denied", detail={"reason": "throttled"}, now=now
        )
        return LoginResult(False, reason="throttled", retry_after=wait)
    # Counted before the (slow) password check, so parallel guesses cannot all slip through before one is counted.
    counts = throttle.record_failure(store, username, ip, policy, stamp)
    password_ok = security.verify_password(password, account.password_hash if account else None)
    if account is None or not account.active:
        audit_service.record(session, ANONYMOUS, "auth.login", outcome="denied", detail={"reason": "unknown"}, now=now)
        return LoginResult(False, reason="unknown")
    actor = staff_actor(account) if isinstance(account, Staff) else citizen_actor(account)
    if not password_ok:
        audit_service.record(session, actor, "auth.login", outcome="denied", detail={"reason": "bad_password"}, now=now)
        if isinstance(account, Staff) and throttle.is_burst(counts, policy):
            _alert_burst(session, account, counts, now)
        return LoginResult(False, reason="bad_password")
    throttle.record_success(store, username, ip, policy, stamp)
    account.last_login_at = now
    if account.password_hash and security.needs_rehash(account.password_hash):
        account.password_hash = security.hash_password(password)
    subject = f"{'staff' if isinstance(account, Staff) else 'citizen'}:{account.id}"
    token, expires_in = security.issue_token(
        secret,
        subject=subject,
        kind=actor.kind,
        now=now,
        ttl_minutes=_rule(session, scope, "identity.session_minutes"),
        session_id=sessions.new_session_id(),
        idle_minutes=_rule(session, scope, "identity.staff_idle_minutes") if isinstance(account, Staff) else None,
    )
    audit_service.record(session, actor, "auth.login", now=now)
    return LoginResult(True, actor=actor, token=token, expires_in=expires_in)


def _alert_burst(session: Session, staff: Staff, counts: dict[str, int], now: datetime) -> None:
    """Tell the hall's managers that someone is guessing a staff member's password (audited as well)."""
    audit_service.record(
        session, SYSTEM, "auth.login_burst", target_type="staff", target_id=staff.id, detail=counts, now=now
    )
    for manager in StaffRepository(session).active_in_hall(staff.hall_id, ["hall_manager"]):
        notify_service.send(
            session,
            template="identity.login_burst",
            params={"username": staff.username, "failures": counts["account"]},
            now=now,
            staff_id=manager.id,
            ref_type="staff",
            ref_id=staff.id,
        )


def change_password(
    session: Session, secret: str, actor: Actor, *, current: str, new: str, now: datetime
) -> LoginResult:
    """Change one's own password: every other session of the account ends; the answer carries a fresh token."""
    repo: CitizenRepository | StaffRepository = (
        StaffRepository(session) if actor.kind == "staff" else CitizenRepository(session)
    )
    account = repo.by_id(actor.id) if actor.kind in ("staff", "citizen") and actor.id is not None else None
    if account is None:
        raise Forbidden()
    if not security.verify_password(current, account.password_hash):
        audit_service.record(session, actor, "auth.password_change", outcome="denied", now=now)
        raise WrongPassword()
    if weak := security.password_problems(new):
        raise ValidationFailed(
            "密码至少8位,且须同时包含字母和数字",
            "The password needs at least 8 characters with letters and digits",
            detail=[{"field": "new_password", "code": f"password_{w}"} for w in weak],
        )
    set_password(account, new)
    scope = (
        org_service.facts_of(account.hall) if isinstance(account, Staff) else _citizen_scope(session, account.id_number)
    )
    subject, sid = f"{actor.kind}:{account.id}", sessions.new_session_id()
    store = ratelimit.limiter_of(session.info.get("db")).store
    stamp = now.timestamp()
    after_commit(session, lambda: sessions.void_all(store, subject, stamp, keep_sid=sid))
    token, expires_in = security.issue_token(
        secret,
        subject=subject,
        kind=actor.kind,
        now=now,
        ttl_minutes=_rule(session, scope, "identity.session_minutes"),
        session_id=sid,
        idle_minutes=_rule(session, scope, "identity.staff_idle_minutes") if isinstance(account, Staff) else None,
    )
    audit_service.record(session, actor, "auth.password_change", target_type=actor.kind, target_id=account.id, now=now)
    return LoginResult(True, actor=actor, token=token, expires_in=expires_in)


def attempt_login(
    database: Database, secret: str, *, username: str, password: str, now: datetime, ip: str | None
) -> LoginResult:
    """``login`` in a transaction of its own, committed whatever the outcome: a failed attempt counts towards the
    lockout (and is audited) although the request that made it is answered with a refusal."""
    with database.unit_of_work() as session:
        session.info["ip"] = ip  # the audit trail notes where the attempt came from
        return login(session, secret, username=username, password=password, now=now)


# ---------------------------------------------------------------------------------------------------- citizens


def check_citizen_fields(data: CitizenCreate, *, now: datetime) -> str:
    """Every fault of the identity fields and the password at once (422), else the normalised ID number."""
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
    return id_number


def register_citizen(
    session: Session, data: CitizenCreate, *, now: datetime, phone_verified: bool = False
) -> Citizen:
    """A new account; ``phone_verified`` when the caller has just checked the SMS code sent to ``data.phone``."""
    id_number = check_citizen_fields(data, now=now)
    repo = CitizenRepository(session)
    index = blind_index(id_number, "id_number")
    if repo.id_by_id_number_index(index) is not None:
        raise CitizenExists()
    citizen = repo.add(
        Citizen(
            name=data.name,
            id_number=id_number,
            id_number_index=index,
            phone=data.phone,
            phone_index=blind_index(data.phone, "phone"),
            address=data.address,
            password_hash=security.hash_password(data.password),
            phone_verified_at=now if phone_verified else None,
        )
    )
    repo.flush()
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
    citizen = CitizenRepository(session).by_id(citizen_id)
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
    phone_verified: bool = False


def citizen_contact(session: Session, citizen_id: int) -> CitizenContact | None:
    citizen = CitizenRepository(session).by_id(citizen_id)
    if citizen is None:
        return None
    verified = citizen.phone_verified_at is not None
    return CitizenContact(citizen.id, citizen.name, citizen.id_number, citizen.phone, verified)


def phone_verified(session: Session, citizen_id: int) -> bool:
    """The citizen's phone on record was proven by a one-time SMS code."""
    citizen = CitizenRepository(session).by_id(citizen_id)
    return citizen is not None and citizen.phone_verified_at is not None


def require_verified_phone(session: Session, actor: Actor) -> None:
    """Refuse a citizen whose phone is not verified (``phone_unverified``, 403); anyone else passes."""
    if actor.kind == "citizen" and actor.id is not None and not phone_verified(session, actor.id):
        raise PhoneUnverified()


def find_citizen_id(
    session: Session, *, id_number: str | None = None, id_number_index: str | None = None
) -> int | None:
    """The id of the citizen with this ID number (or its blind index), if registered."""
    index = id_number_index or (blind_index(normalize_id_number(id_number), "id_number") if id_number else None)
    if index is None:
        return None
    return CitizenRepository(session).id_by_id_number_index(index)


def citizen_names(session: Session, citizen_ids: Iterable[int]) -> dict[int, str]:
    """Names in clear of the given citizens (boards mask them)."""
    return {c.id: c.name for c in CitizenRepository(session).by_ids(citizen_ids)}


def find_citizen_by_id_number(session: Session, id_number: str) -> Citizen | None:
    return CitizenRepository(session).by_id_number_index(blind_index(normalize_id_number(id_number), "id_number"))


def citizen_id_by_id_number(session: Session, id_number: str) -> int | None:
    """The id of the citizen registered with ``id_number`` (normalised), or None."""
    index = blind_index(normalize_id_number(id_number), "id_number")
    return CitizenRepository(session).id_by_id_number_index(index)


def get_citizen(session: Session, citizen_id: int) -> Citizen | None:
    return CitizenRepository(session).by_id(citizen_id)


def citizen_id_number_index(session: Session, citizen_id: int) -> str | None:
    """The keyed blind index of a citizen's ID number (to match a person without decrypting), or None."""
    return CitizenRepository(session).id_number_index_of(citizen_id)


def lookup_citizen(session: Session, actor: Actor, *, id_number: str, now: datetime) -> CitizenRead:
    """Find a registered citizen by ID number for front-line staff: masked, and the look-up audited either way."""
    citizen = find_citizen_by_id_number(session, id_number)
    audit_service.record(
        session,
        actor,
        "personal_data.lookup",
        target_type="citizen",
        target_id=citizen.id if citizen else None,
        outcome="ok" if citizen else "not_found",
        now=now,
    )
    if citizen is None:
        raise NotFound("未找到该身份证号码的注册用户", "No citizen with this ID number", code="citizen_not_found")
    return citizen_read(citizen)


# ------------------------------------------------------------------------------------------------------- staff


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
        active=staff.active,
    )


def list_staff(session: Session, actor: Actor, *, limit: int = 100, offset: int = 0) -> Page[Staff]:
    """One page of the staff of the halls in ``actor``'s scope (scope and paging in SQL), by code."""
    return StaffRepository(session).list_in_scope(actor, limit=limit, offset=offset)


def get_staff(session: Session, staff_id: int) -> Staff | None:
    return StaffRepository(session).by_id(staff_id)


def staff_by_ids(session: Session, ids: Iterable[int]) -> dict[int, Staff]:
    """The staff members with ``ids``, by id (unknown ids are left out)."""
    return {s.id: s for s in StaffRepository(session).by_ids(ids)}


def active_staff(session: Session, *, hall_id: int, roles: Iterable[str]) -> list[Staff]:
    """The active staff of a hall in any of ``roles`` (e.g. its hall managers, to be told of a bad rating)."""
    return StaffRepository(session).active_in_hall(hall_id, roles)


def staff_in_scope(
    session: Session, actor: Actor, *, hall_id: int | None = None, roles: Iterable[str] | None = None
) -> list[Staff]:
    """The active staff ``actor`` may see (of one hall, in ``roles`` if given), by hall and code."""
    return StaffRepository(session).active_in_scope(actor, hall_id=hall_id, roles=roles)


def staff_by_code_in_scope(session: Session, actor: Actor, code: str) -> Staff | None:
    """A staff member by code if their hall is in ``actor``'s scope (None otherwise: unseen is absent)."""
    return StaffRepository(session).get_in_scope(actor, code=code)


def display_name(session: Session, actor: Actor) -> str:
    """How the pages greet ``actor``: a staff member by their own full name (shown to themselves only — masking is
    for other people's names in lists), else the actor's label."""
    if actor.kind == "staff" and actor.id is not None:
        staff = StaffRepository(session).by_id(actor.id)
        if staff is not None:
            return staff.name
    return actor.label


def staff_by_username(session: Session, usernames: Iterable[str]) -> dict[str, Staff]:
    """The staff members named in records (a timeline's actors), in one query, by username."""
    return {s.username: s for s in StaffRepository(session).by_usernames(usernames)}


def upsert_staff(session: Session, data: dict[str, object], hall: HasId) -> tuple[Staff, bool]:
    """Create or update a staff member from catalog data; returns (staff, changed)."""
    role = str(data["role"])
    if role not in STAFF_ROLES:
        raise ValueError(f"unknown role {role}")
    repo = StaffRepository(session)
    staff = repo.by_code(str(data["code"]))
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
        staff = repo.add(Staff(code=data["code"], **values))
        return staff, True
    changed = False
    for key, value in values.items():
        if getattr(staff, key) != value:
            setattr(staff, key, value)
            changed = True
    return staff, changed


def set_password(staff_or_citizen: Staff | Citizen, password: str) -> None:
    staff_or_citizen.password_hash = security.hash_password(password)


def set_staff_password(session: Session, *, username: str, password: str) -> bool:
    """Set a staff member's password and lift any lockout; False when there is no such username."""
    staff = StaffRepository(session).by_username(username)
    if staff is None:
        return False
    set_password(staff, password)
    staff.failed_logins, staff.locked_until = 0, None
    return True


# ----------------------------------------------------------------------------------------------------- devices


def device_read(device: Device) -> DeviceRead:
    return DeviceRead(
        code=device.code,
        kind=device.kind,
        name=device.name,
        hall_code=device.hall.code,
        zone_code=device.zone_code,
        window_code=device.window_code,
        active=device.active,
        last_seen_at=device.last_seen_at,
    )


def list_devices(session: Session, actor: Actor, *, limit: int = 100, offset: int = 0) -> Page[Device]:
    """One page of the devices of the halls in ``actor``'s scope (scope and paging in SQL), by code."""
    return DeviceRepository(session).list_in_scope(actor, limit=limit, offset=offset)


def device_zone_code(session: Session, device_id: int) -> str | None:
    """The zone a device stands in (None for a device placed outside any zone)."""
    return DeviceRepository(session).zone_of(device_id)


def ensure_device(
    session: Session,
    *,
    code: str,
    kind: str,
    name: str,
    hall: HasId,
    key: str,
    zone_code: str | None = None,
    window_code: str | None = None,
) -> Device:
    repo = DeviceRepository(session)
    device = repo.by_code(code)
    if device is None:
        device = repo.add(
            Device(
                code=code,
                kind=kind,
                name=name,
                hall_id=hall.id,
                zone_code=zone_code,
                window_code=window_code,
                key_hash=security.hash_device_key(key),
            )
        )
    else:
        device.key_hash = security.hash_device_key(key)
        device.kind, device.name, device.hall_id = kind, name, hall.id
        device.zone_code, device.window_code = zone_code, window_code
    repo.flush()
    return device


# ------------------------------------------------------------------------------------- devices for venue pairing


def find_device(session: Session, code: str) -> Device | None:
    """The device with ``code`` (any hall, active or revoked); callers check scope."""
    return DeviceRepository(session).by_code(code)


def device_by_key(session: Session, key: str) -> Device | None:
    """The device a presented key belongs to, active or revoked (to tell "revoked" from "unknown")."""
    return DeviceRepository(session).by_key_hash(security.hash_device_key(key))


def get_device(session: Session, device_id: int) -> Device | None:
    return DeviceRepository(session).session.get(Device, device_id)


def rekey_device(session: Session, device: Device, key: str, *, now: datetime) -> None:
    """A new credential for ``device`` (pairing): the old key stops working, the device is active again."""
    device.key_hash = security.hash_device_key(key)
    device.active = True
    device.last_seen_at = now
    DeviceRepository(session).flush()


def revoke_device(session: Session, device: Device) -> None:
    """The device's credential stops working at once (the key is kept, to answer "revoked" rather than "unknown";
    only a new pairing, which replaces the key, brings the device back)."""
    device.active = False
    DeviceRepository(session).flush()


def touch_device(device: Device, now: datetime) -> None:
    device.last_seen_at = now
