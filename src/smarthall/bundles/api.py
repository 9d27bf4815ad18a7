"""Bundle API (高效办成一件事): the merged form, one submission, the application with its parts side by side."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from smarthall.bundles import closing, service
from smarthall.bundles.schemas import BundleApply
from smarthall.cases.schemas import DeliveryIn
from smarthall.core.deps import DbSession, LoggedIn, Now
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.types import QueryOffset
from smarthall.licences.deps import Desk

router = APIRouter(route_class=UnitOfWorkRoute, tags=["bundles"])

Code = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/bundles/{bundle_code}/form")
def bundle_form(
    bundle_code: Code, session: DbSession, actor: LoggedIn, now: Now, hall_code: Annotated[str, Query(max_length=32)]
) -> dict[str, Any]:
    """The bundle's one form (each field once, with the items it serves), prefilled, and its one set of materials."""
    return service.bundle_form(session, actor, bundle_code=bundle_code, hall_code=hall_code, now=now)


@router.post("/bundle-applications", status_code=201)
def apply(data: BundleApply, session: DbSession, actor: LoggedIn, desk: Desk, now: Now) -> dict[str, Any]:
    """Submit a bundle once: one case per item in its own department, all filed in one transaction or none."""
    application = service.submit(session, actor, data=data, desk=desk, now=now)
    return service.application_view(session, actor, application, now=now)


@router.get("/bundle-applications")
def list_applications(
    session: DbSession,
    actor: LoggedIn,
    now: Now,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: QueryOffset = 0,
) -> list[dict[str, Any]]:
    """A citizen's own bundle applications; the hall's, for its coordinating staff."""
    rows = service.list_applications(session, actor, limit=limit, offset=offset)
    return [service.application_view(session, actor, a, now=now) for a in rows]


@router.get("/bundle-applications/{code}")
def get_application(code: Code, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, Any]:
    """One application: its parts side by side and, once every part is finished, the combined result."""
    application = service.get_application(session, actor, code=code)
    return service.application_view(session, actor, application, now=now)


@router.post("/bundle-applications/{code}/delivery")
def deliver(
    code: Code, data: DeliveryIn, session: DbSession, actor: LoggedIn, desk: Desk, now: Now
) -> dict[str, Any]:
    """One delivery choice for the whole bundle: every approved part delivered the same way, at once."""
    application = service.get_application(session, actor, code=code)
    closing.deliver(session, actor, application=application, data=data, desk=desk, now=now)
    return service.application_view(session, actor, application, now=now)
