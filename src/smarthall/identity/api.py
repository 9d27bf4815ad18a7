"""Identity API: citizen registration, login (OAuth2 password form), the current subject, staff and device lists."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from smarthall.core.deps import CurrentActor, DatabaseDep, DbSession, LoggedIn, Now, client_ip, require
from smarthall.core.errors import Forbidden
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import phone_codes, service
from smarthall.identity.actors import end_presented_session
from smarthall.identity.errors import InvalidCredentials, LoginThrottled
from smarthall.identity.schemas import (
    CitizenCreate,
    CitizenProfile,
    CitizenRead,
    DeviceRead,
    MeRead,
    PasswordChange,
    PhoneCodeRequest,
    PhoneCodeSent,
    PhoneVerification,
    StaffRead,
    TokenRead,
)

router = APIRouter(route_class=UnitOfWorkRoute, tags=["identity"])
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]
TOTAL = "X-Total-Count"  # lists stay JSON arrays; the size of the whole scoped list travels in this header


@router.post("/citizens", response_model=CitizenRead, status_code=201)
def register_citizen(data: CitizenCreate, session: DbSession, now: Now) -> CitizenRead:
    """Register a citizen account (real name, resident ID number, mobile number, password) with the SMS code sent
    to that number by ``POST /citizens/phone-codes``."""
    service.check_citizen_fields(data, now=now)  # every field fault first, at once
    code_id = phone_codes.check(session, data.phone, data.phone_code, now=now)
    citizen = service.register_citizen(session, data, now=now, phone_verified=True)
    phone_codes.consume(session, code_id, now=now)
    return service.citizen_read(citizen)


@router.post("/citizens/phone-codes", response_model=PhoneCodeSent, status_code=202)
def send_phone_code(data: PhoneCodeRequest, session: DbSession, actor: CurrentActor, now: Now) -> PhoneCodeSent:
    """Send a one-time registration code by SMS to ``phone`` (the same answer whether it is registered or not);
    one a minute and five an hour per number, and a limit per client address."""
    return PhoneCodeSent(**phone_codes.send(session, actor, data.phone, now=now))


@router.post("/auth/token", response_model=TokenRead)
def token(
    request: Request,
    database: DatabaseDep,
    now: Now,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=128)],
) -> TokenRead:
    """Log in with a staff username or a citizen ID number; returns a bearer token."""
    result = service.attempt_login(
        database, request.app.state.secret_key, username=username, password=password, now=now, ip=client_ip(request)
    )
    if result.reason == "throttled":
        raise LoginThrottled(
            headers={"Retry-After": str(result.retry_after)}, detail={"retry_after": result.retry_after}
        )
    if not result.ok:
        raise InvalidCredentials()
    return TokenRead(
        access_token=result.token, expires_in=result.expires_in, subject_kind=result.actor.kind, role=result.actor.role
    )


@router.post("/auth/logout", status_code=204)
def logout(request: Request, response: Response, now: Now) -> Response:
    """End the session of the bearer token or session cookie presented: the token stops working everywhere."""
    end_presented_session(request, now)
    response.delete_cookie(service.SESSION_COOKIE)
    response.status_code = 204
    return response


@router.post("/me/password", response_model=TokenRead)
def change_password(request: Request, data: PasswordChange, actor: LoggedIn, session: DbSession, now: Now) -> TokenRead:
    """Change one's own password; every other session of the account ends, and a fresh token is returned."""
    result = service.change_password(
        session, request.app.state.secret_key, actor, current=data.current_password, new=data.new_password, now=now
    )
    return TokenRead(
        access_token=result.token, expires_in=result.expires_in, subject_kind=result.actor.kind, role=result.actor.role
    )


@router.get("/me", response_model=MeRead)
def me(actor: LoggedIn, session: DbSession) -> MeRead:
    """Who the caller is, with masked name and permissions."""
    return MeRead(
        kind=actor.kind,
        id=actor.id,
        role=actor.role,
        username=actor.username,
        hall_code=actor.hall_code,
        window_code=actor.window_code,
        display_name=service.display_name(session, actor),
        permissions=sorted(actor.permissions),
        phone_verified=service.phone_verified(session, actor.id) if actor.kind == "citizen" and actor.id else None,
    )


@router.post("/me/phone-verification", response_model=MeRead)
def verify_my_phone(data: PhoneVerification, actor: LoggedIn, session: DbSession, now: Now) -> MeRead:
    """Prove the phone on the caller's own record with the SMS code ``POST /citizens/phone-codes`` sent to it (for
    accounts not verified at registration); wrong tries count like at registration."""
    phone_codes.verify_own_phone(session, actor, data.phone_code, now=now)
    return me(actor, session)


@router.get("/me/profile", response_model=CitizenProfile)
def my_profile(actor: LoggedIn, session: DbSession, now: Now) -> CitizenProfile:
    """The citizen's own unmasked profile (audited)."""
    if actor.kind != "citizen" or actor.id is None:
        raise Forbidden("仅限群众本人查看", "Only the citizen themself may read this", code="citizen_only")
    return service.citizen_profile(session, actor, actor.id, now=now)


@router.get("/citizens/lookup", response_model=CitizenRead)
def lookup_citizen(
    id_number: Annotated[str, Query(max_length=18)],
    session: DbSession,
    actor: Annotated[Actor, Depends(require("citizen.lookup"))],
    now: Now,
) -> CitizenRead:
    """Find a registered citizen by ID number (front-line staff); the answer is masked and the lookup audited."""
    return service.lookup_citizen(session, actor, id_number=id_number, now=now)


@router.get("/staff", response_model=list[StaffRead])
def list_staff(
    response: Response,
    session: DbSession,
    actor: Annotated[Actor, Depends(require("staff.read"))],
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[StaffRead]:
    """Staff of the halls in the caller's scope, by code, one page (names masked; the total in X-Total-Count)."""
    page = service.list_staff(session, actor, limit=limit, offset=offset)
    response.headers[TOTAL] = str(page.total)
    return [service.staff_read(s) for s in page.items]


@router.get("/devices", response_model=list[DeviceRead])
def list_devices(
    response: Response,
    session: DbSession,
    actor: Annotated[Actor, Depends(require("device.read"))],
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[DeviceRead]:
    """Devices (kiosks, displays, window pads) of the halls in the caller's scope, by code, one page."""
    page = service.list_devices(session, actor, limit=limit, offset=offset)
    response.headers[TOTAL] = str(page.total)
    return [service.device_read(d) for d in page.items]


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
