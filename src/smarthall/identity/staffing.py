"""Staff accounts and their roles, managed through the staff API (never through catalog import).

Rules, checked before anything is written (all in one transaction, audited):

- the account's hall is in the caller's scope (``staff.manage`` and the one scope filter);
- no one changes their own account, nor an account of the same person (same ID number) — 不得自行授权;
- separation of duties by person (三员分立): one person (keyed by the blind index of the ID number) may not hold an
  active administrator account and an active auditor account at once, and an account never moves directly
  between the two roles; an administrator or auditor account needs its holder's ID number on file;
- an approver is bound to a department (审批人员须绑定部门); a window belongs to the account's hall.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.crypto import blind_index
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import Actor
from smarthall.core.validators import check_id_number, normalize_id_number
from smarthall.identity import security
from smarthall.identity.errors import (
    ApproverNeedsDepartment,
    GrantorSeparation,
    PersonRequired,
    SelfChange,
    SeparationOfDuties,
    StaffInvalid,
    StaffNotFound,
    UsernameTaken,
)
from smarthall.identity.models import Staff
from smarthall.identity.permissions import STAFF_ROLES
from smarthall.identity.repository import StaffRepository
from smarthall.identity.schemas import StaffChange, StaffCreate
from smarthall.org import service as org_service

# Roles that one person may not hold together (administrator ⟂ auditor).
EXCLUSIVE: dict[str, frozenset[str]] = {"admin": frozenset({"auditor"}), "auditor": frozenset({"admin"})}
PERSONAL_ROLES = frozenset(EXCLUSIVE)


def conflicts(role: str, held: set[str]) -> set[str]:
    """The roles in ``held`` that a person taking ``role`` may not keep. Pure."""
    return set(EXCLUSIVE.get(role, frozenset())) & held


def _fault(field: str, code: str, zh: str, en: str) -> StaffInvalid:
    return StaffInvalid(detail={"faults": [{"field": field, "code": code, "message_zh": zh, "message_en": en}]})


def _ensure_manager(actor: Actor) -> None:
    if not (actor.kind == "system" or (actor.is_staff and actor.has("staff.manage"))):
        raise Forbidden("无权管理工作人员账号", "You may not manage staff accounts", code="forbidden_role")


def _check_grantor(actor: Actor, *roles: str) -> None:
    """A staff grantor may not open, grant or change an account of a role kept apart from their own: the grantor
    receives the initial password (and knows the passwords of accounts they opened), so an administrator granting
    the auditor role would be the auditor under an invented ID number. Auditors come from the console
    (``smarthall staff import``, the system actor)."""
    if actor.kind == "staff" and actor.role and any(conflicts(role, {actor.role}) for role in roles):
        raise GrantorSeparation(detail={"grantor_role": actor.role, "roles": sorted(set(roles))})


def _person_index(id_number: str, now: datetime) -> tuple[str, str]:
    number = normalize_id_number(id_number)
    problem = check_id_number(number, now.date())
    if problem:
        raise _fault("id_number", problem.code, problem.message_zh, problem.message_en)
    return number, blind_index(number, "id_number")


def _actor_person(session: Session, actor: Actor) -> str | None:
    if actor.kind != "staff" or actor.id is None:
        return None
    own = StaffRepository(session).by_id(actor.id)
    return own.id_number_index if own is not None else None


def _check_not_self(session: Session, actor: Actor, *, account_id: int | None, person: str | None) -> None:
    if actor.kind != "staff":
        return
    if account_id is not None and account_id == actor.id:
        raise SelfChange()
    mine = _actor_person(session, actor)
    if mine is not None and person is not None and mine == person:
        raise SelfChange(detail={"reason": "same_person"})


def _check_duties(session: Session, *, role: str, old_role: str | None, person: str | None, account_id: int | None):
    if role not in PERSONAL_ROLES:
        return
    if person is None:
        raise PersonRequired()
    if old_role is not None and role in EXCLUSIVE and old_role in EXCLUSIVE[role]:
        raise SeparationOfDuties(detail={"from": old_role, "to": role, "reason": "same_account"})
    others = StaffRepository(session).active_of_person(person)
    held = {s.role for s in others if s.id != account_id}
    clash = conflicts(role, held)
    if clash:
        raise SeparationOfDuties(detail={"role": role, "held": sorted(clash), "reason": "same_person"})


def _check_binding(
    session: Session, *, role: str, department_code: str | None, window_code: str | None, hall_id: int
) -> None:
    if role not in STAFF_ROLES:
        raise _fault("role", "unknown_role", "角色不存在", "No such role")
    if department_code is not None and org_service.find_department(session, department_code) is None:
        raise _fault("department_code", "unknown_department", "部门不存在", "No such department")
    if role == "approver" and not department_code:
        raise ApproverNeedsDepartment()
    if window_code is not None:
        window = org_service.find_window(session, window_code)
        if window is None or window.hall_id != hall_id or not window.active:
            raise _fault("window_code", "window_not_in_hall", "该窗口不属于本大厅", "The window is not in this hall")


@dataclass(frozen=True)
class Created:
    staff: Staff
    initial_password: str


def create_staff(session: Session, actor: Actor, data: StaffCreate, *, now: datetime) -> Created:
    """A new account of a hall in the caller's scope, with a one-time initial password (returned once)."""
    _ensure_manager(actor)
    _check_grantor(actor, data.role)
    hall = org_service.hall_facts(session, data.hall_code)
    actor.ensure_hall(hall.id, hall.region_path)
    number, person = _person_index(data.id_number, now)
    _check_not_self(session, actor, account_id=None, person=person)
    _check_binding(
        session, role=data.role, department_code=data.department_code, window_code=data.window_code, hall_id=hall.id
    )
    _check_duties(session, role=data.role, old_role=None, person=person, account_id=None)
    repo = StaffRepository(session)
    code = data.code or f"{hall.code}-{data.username}"
    if repo.by_username(data.username) is not None or repo.by_code(code) is not None:
        raise UsernameTaken(detail={"username": data.username})
    password = secrets.token_urlsafe(12)
    staff = repo.add(
        Staff(
            code=code,
            username=data.username,
            name=data.name,
            role=data.role,
            hall_id=hall.id,
            window_code=data.window_code,
            department_code=data.department_code,
            employee_no=data.employee_no,
            id_number=number,
            id_number_index=person,
            password_hash=security.hash_password(password),
        )
    )
    repo.flush()
    audit_service.record(
        session,
        actor,
        "staff.create",
        target_type="staff",
        target_id=staff.code,
        hall_code=hall.code,
        detail={"role": data.role, "department_code": data.department_code, "window_code": data.window_code},
        now=now,
    )
    return Created(staff, password)


def staff_in_scope(session: Session, actor: Actor, code: str) -> Staff:
    """The account ``code`` if the caller may see its hall (404 otherwise, never "exists but not yours")."""
    staff = StaffRepository(session).get_in_scope(actor, code=code)
    if staff is None:
        raise StaffNotFound(detail={"code": code})
    return staff


def _check_grant(session: Session, staff: Staff, role: str) -> None:
    """What other domains require before ``role`` is granted (e.g. a passed course): each check raises to refuse."""
    from smarthall.core.registry import registry_of

    for check in registry_of(session).contributions("identity.role_grant_checks"):
        check(session, staff, role)


def change_staff(session: Session, actor: Actor, code: str, data: StaffChange, *, now: datetime) -> Staff:
    """Change an account's role, department, window, activity (or record its holder's ID number once)."""
    _ensure_manager(actor)
    staff = staff_in_scope(session, actor, code)
    person = staff.id_number_index
    number: str | None = None
    if data.id_number is not None:
        number, given = _person_index(data.id_number, now)
        if person is not None and given != person:
            raise _fault(
                "id_number", "id_number_fixed", "账号已登记身份证号码,不可更改", "The account's ID number is on file"
            )
        person = given
    _check_not_self(session, actor, account_id=staff.id, person=person)
    role = data.role or staff.role
    _check_grantor(actor, role, staff.role)
    department = None if data.clear_department else (data.department_code or staff.department_code)
    window = None if data.clear_window else (data.window_code or staff.window_code)
    active = staff.active if data.active is None else data.active
    _check_binding(session, role=role, department_code=department, window_code=window, hall_id=staff.hall_id)
    if active:
        _check_duties(session, role=role, old_role=staff.role, person=person, account_id=staff.id)
    if role != staff.role:
        _check_grant(session, staff, role)
    before: dict[str, Any] = {
        "role": staff.role,
        "department_code": staff.department_code,
        "window_code": staff.window_code,
        "active": staff.active,
    }
    after: dict[str, Any] = {"role": role, "department_code": department, "window_code": window, "active": active}
    changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    staff.role, staff.department_code, staff.window_code, staff.active = role, department, window, active
    if number is not None and staff.id_number_index is None:
        staff.id_number, staff.id_number_index = number, person
        changed["id_number"] = ["", "recorded"]
    session.flush()
    audit_service.record(
        session,
        actor,
        "staff.change",
        target_type="staff",
        target_id=staff.code,
        hall_code=staff.hall.code,
        detail={"changed": changed},
        now=now,
    )
    return staff


# ---------------------------------------------------------------------------------------- provisioning (console)


def provision(session: Session, entries: list[dict[str, Any]], *, password_hash: str | None = None) -> dict[str, int]:
    """Create or update accounts from the ``staff`` section of a catalog-format file, as the console operator
    (``smarthall seed``, ``smarthall staff import``): the bootstrap of a new platform, never reachable over HTTP.
    The same binding and separation rules hold; returns counts."""
    from smarthall.identity.service import upsert_staff

    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for entry in entries:
        hall = org_service.hall_facts(session, str(entry["hall_code"]))
        role = str(entry["role"])
        _check_binding(
            session,
            role=role,
            department_code=entry.get("department_code"),
            window_code=entry.get("window_code"),
            hall_id=hall.id,
        )
        staff, changed = upsert_staff(session, entry, hall)
        state = "created" if staff.id is None else ("updated" if changed else "unchanged")
        counts[state] += 1
        if password_hash and staff.password_hash is None:
            staff.password_hash = password_hash
        session.flush()
        if role in PERSONAL_ROLES and staff.id_number_index is not None:
            held = {
                s.role for s in StaffRepository(session).active_of_person(staff.id_number_index) if s.id != staff.id
            }
            if conflicts(role, held):
                raise SeparationOfDuties(detail={"username": staff.username})
    return counts


def entry_differs(session: Session, entry: dict[str, Any]) -> bool:
    """Whether a ``staff`` entry of a catalog file would create or change an account (import refuses it then)."""
    staff = StaffRepository(session).by_code(str(entry["code"]))
    if staff is None:
        return True
    hall = org_service.find_hall(session, str(entry["hall_code"]))
    wanted = {
        "username": entry["username"],
        "name": entry["name"],
        "role": entry["role"],
        "window_code": entry.get("window_code"),
        "zone_code": entry.get("zone_code"),
        "department_code": entry.get("department_code"),
        "employee_no": entry.get("employee_no") or "",
        "duty": entry.get("duty") or "",
    }
    return hall is None or staff.hall_id != hall.id or any(getattr(staff, k) != v for k, v in wanted.items())
