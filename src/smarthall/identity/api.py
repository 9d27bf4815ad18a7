"""Identity API: citizen registration, login (OAuth2 password form), the current subject, staff list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from smarthall.core.deps import CurrentActor, DatabaseDep, DbSession, LoggedIn, Now, SettingsDep, require
from smarthall.core.errors import Forbidden
from smarthall.core.masking import mask_name
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service
from smarthall.identity.errors import InvalidCredentials
from smarthall.identity.models import Staff
from smarthall.identity.schemas import CitizenCreate, CitizenProfile, CitizenRead, MeRead, StaffRead, TokenRead

router = APIRouter(route_class=UnitOfWorkRoute, tags=["identity"])


@router.post("/citizens", response_model=CitizenRead, status_code=201)
def register_citizen(data: CitizenCreate, session: DbSession, now: Now) -> CitizenRead:
    """Register a citizen account (real name, resident ID number, mobile number, password)."""
    return service.citizen_read(service.register_citizen(session, data, now=now))


@router.post("/auth/token", response_model=TokenRead)
def token(
    request: Request,
    database: DatabaseDep,
    settings: SettingsDep,
    now: Now,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=128)],
) -> TokenRead:
    """Log in with a staff username or a citizen ID number; returns a bearer token."""
    with database.unit_of_work() as session:
        session.info.update({"db": database, "ip": request.client.host if request.client else None})
        result = service.login(
            session, settings, request.app.state.secret_key, username=username, password=password, now=now
        )
    if not result.ok:
        raise InvalidCredentials()
    return TokenRead(
        access_token=result.token, expires_in=result.expires_in, subject_kind=result.actor.kind, role=result.actor.role
    )


@router.post("/auth/logout", status_code=204)
def logout(response: Response) -> Response:
    """End the web session (clears the session cookie)."""
    response.delete_cookie(service.SESSION_COOKIE)
    response.status_code = 204
    return response


@router.get("/me", response_model=MeRead)
def me(actor: LoggedIn, session: DbSession) -> MeRead:
    """Who the caller is, with masked name and permissions."""
    display = actor.label
    if actor.kind == "staff" and actor.id is not None:
        staff = session.get(Staff, actor.id)
        display = mask_name(staff.name) if staff else display
    return MeRead(
        kind=actor.kind,
        id=actor.id,
        role=actor.role,
        username=actor.username,
        hall_code=actor.hall_code,
        window_code=actor.window_code,
        display_name=display,
        permissions=sorted(actor.permissions),
    )


@router.get("/me/profile", response_model=CitizenProfile)
def my_profile(actor: LoggedIn, session: DbSession, now: Now) -> CitizenProfile:
    """The citizen's own unmasked profile (audited)."""
    if actor.kind != "citizen" or actor.id is None:
        raise Forbidden("仅限群众本人查看", "Only the citizen themself may read this", code="citizen_only")
    return service.citizen_profile(session, actor, actor.id, now=now)


@router.get("/citizens/lookup", response_model=CitizenRead)
def lookup_citizen(
    id_number: str, session: DbSession, actor: Annotated[Actor, Depends(require("citizen.lookup"))], now: Now
) -> CitizenRead:
    """Find a registered citizen by ID number (front-line staff); the answer is masked and the lookup audited."""
    from smarthall.audit import service as audit_service
    from smarthall.core.errors import NotFound

    citizen = service.find_citizen_by_id_number(session, id_number)
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
    return service.citizen_read(citizen)


@router.get("/staff", response_model=list[StaffRead])
def list_staff(session: DbSession, actor: Annotated[Actor, Depends(require("staff.read"))]) -> list[StaffRead]:
    """Staff of the halls in the caller's scope (names masked)."""
    return [service.staff_read(s) for s in service.list_staff(session, actor)]


@router.get("/whoami-device")
def whoami_device(actor: CurrentActor) -> dict[str, object]:
    """For devices: which hall and kind the X-Device-Key stands for."""
    if actor.kind != "device":
        raise Forbidden("仅限设备调用", "Devices only", code="device_only")
    return {
        "device": actor.username,
        "kind": actor.device_kind,
        "hall_code": actor.hall_code,
        "window_code": actor.window_code,
    }
