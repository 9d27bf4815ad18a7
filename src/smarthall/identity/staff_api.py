"""Staff API: create an account and change its role, department, window or activity (``staff.manage``, hall-scoped,
audited; no self-changes; administrator ⟂ auditor by person). Catalog import never writes staff."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from smarthall.core.deps import DbSession, Now, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import service, staffing
from smarthall.identity.schemas import StaffChange, StaffCreate, StaffCreated, StaffRead

router = APIRouter(route_class=UnitOfWorkRoute, tags=["identity"])
Reader = Annotated[Actor, Depends(require("staff.read"))]
Manager = Annotated[Actor, Depends(require("staff.manage"))]


@router.post("/staff", response_model=StaffCreated, status_code=201)
def create_staff(body: StaffCreate, session: DbSession, actor: Manager, now: Now) -> StaffCreated:
    """Create a staff account in a hall you manage; the initial password is shown once in the answer."""
    created = staffing.create_staff(session, actor, body, now=now)
    return StaffCreated(**service.staff_read(created.staff).model_dump(), initial_password=created.initial_password)


@router.get("/staff/{code}", response_model=StaffRead)
def get_staff(code: str, session: DbSession, actor: Reader) -> StaffRead:
    """One staff account in your scope (name masked)."""
    return service.staff_read(staffing.staff_in_scope(session, actor, code))


@router.patch("/staff/{code}", response_model=StaffRead)
def change_staff(code: str, body: StaffChange, session: DbSession, actor: Manager, now: Now) -> StaffRead:
    """Change another account's role, department, window or activity (never your own; an administrator and an
    auditor are different people; an approver has a department). Audited."""
    return service.staff_read(staffing.change_staff(session, actor, code, body, now=now))
