"""Request dependencies of the case routes: ``CaseInScope`` and ``CaseToAct`` load the case named in the path in the
actor's scope, or answer 404 (403 for staff asking about a case of a hall outside their scope).

The load is database work, so it happens in the endpoint's own thread inside its unit of work
(``core.routing.InHop``), not on the event loop and not in a thread hop of its own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path

from smarthall.cases import service
from smarthall.cases.models import Case
from smarthall.core.deps import DbSession, LoggedIn, Now
from smarthall.core.routing import InHop

CaseNo = Annotated[str, Path(min_length=1, max_length=48)]


async def _to_read(case_no: CaseNo, session: DbSession, actor: LoggedIn, now: Now) -> InHop:
    return InHop(lambda: service.case_in_scope(session, actor, case_no=case_no, to="read", now=now))


async def _to_act(case_no: CaseNo, session: DbSession, actor: LoggedIn, now: Now) -> InHop:
    return InHop(lambda: service.case_in_scope(session, actor, case_no=case_no, to="act", now=now))


CaseInScope = Annotated[Case, Depends(_to_read)]
CaseToAct = Annotated[Case, Depends(_to_act)]
