"""Coordination API: the data-sharing ledger, for the citizen it is about and for a case's readers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from smarthall.coordination import service
from smarthall.coordination.schemas import ShareLookupRead
from smarthall.core.deps import DbSession, LoggedIn
from smarthall.core.routing import UnitOfWorkRoute

router = APIRouter(route_class=UnitOfWorkRoute, tags=["coordination"])


@router.get("/me/data-lookups", response_model=list[ShareLookupRead])
def my_data_lookups(session: DbSession, actor: LoggedIn) -> list[ShareLookupRead]:
    """Who looked up what about me in another department's data, when, why and on which legal basis."""
    return [ShareLookupRead(**row) for row in service.my_lookups(session, actor)]


@router.get("/cases/{case_no}/data-lookups", response_model=list[ShareLookupRead])
def case_data_lookups(
    case_no: Annotated[str, Path(max_length=48)], session: DbSession, actor: LoggedIn
) -> list[ShareLookupRead]:
    """The data-sharing lookups made for a case (its applicant, staff in scope)."""
    return [ShareLookupRead(**row) for row in service.case_lookups(session, actor, case_no)]
