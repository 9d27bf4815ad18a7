"""Archive JSON API: package metadata with the last check, export as zip, manual check, retention rules and the
disposal list (propose by a hall manager, approve by an administrator)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Query
from fastapi.responses import FileResponse

from smarthall.archive import service as archive_service
from smarthall.archive.schemas import (
    CheckRead,
    DisposalCreate,
    DisposalDecision,
    DisposalRead,
    PackageRead,
    PackageSummary,
    RetentionRuleSet,
)
from smarthall.core.deps import DbId, DbSession, Now, SettingsDep, require
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor

router = APIRouter(route_class=UnitOfWorkRoute, prefix="/archives", tags=["archive"])

Reader = Annotated[Actor, Depends(require("archive.read"))]


@router.get("")
def list_packages(
    session: DbSession,
    actor: Reader,
    status: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[PackageSummary]:
    """Archival packages in your scope, newest first, one page."""
    return archive_service.list_packages(session, actor, status=status, limit=limit, offset=offset)


@router.get("/disposals")
def list_disposals(
    session: DbSession, actor: Reader, status: Annotated[str | None, Query(max_length=16)] = None
) -> list[DisposalRead]:
    """The disposal list (销毁清册)."""
    return archive_service.list_disposals(session, actor, status=status)


@router.get("/disposals/due")
def due_for_disposal(session: DbSession, actor: Reader, now: Now) -> list[PackageSummary]:
    """Packages whose retention period has ended."""
    return archive_service.due_for_disposal(session, actor, now=now)


@router.post("/disposals", status_code=201)
def propose_disposal(
    body: DisposalCreate,
    session: DbSession,
    actor: Annotated[Actor, Depends(require("archive.dispose.propose"))],
    now: Now,
) -> list[DisposalRead]:
    """Propose packages for disposal (needs approval by another person)."""
    return archive_service.propose_disposal(session, actor, case_nos=body.case_nos, note=body.note, now=now)


@router.post("/disposals/{disposal_id}/decision")
def decide_disposal(
    disposal_id: DbId,
    body: DisposalDecision,
    session: DbSession,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(require("archive.dispose.approve"))],
    now: Now,
) -> DisposalRead:
    """Approve or reject a disposal proposal."""
    return archive_service.decide_disposal(
        session, actor, settings, disposal_id, action=body.action, note=body.note, now=now
    )


@router.put("/retention-rules", status_code=204)
def set_retention_rule(
    body: RetentionRuleSet,
    session: DbSession,
    actor: Annotated[Actor, Depends(require("archive.retention"))],
    now: Now,
) -> None:
    """Override the retention class for an item (item:<code>) or item type (type:<type>) in a hall you manage
    (the hall's ``archive.retention_years`` rule)."""
    archive_service.set_retention_rule(
        session, actor, scope=body.scope, retention_class=body.retention, hall_code=body.hall_code, now=now
    )


@router.get("/{case_no}")
def get_package(case_no: str, session: DbSession, settings: SettingsDep, actor: Reader, now: Now) -> PackageRead:
    """A package's metadata, files with fixity values, and its last four-property check."""
    return archive_service.get_package(session, actor, settings, case_no, now=now)


@router.get("/{case_no}/export")
def export_package(
    case_no: str,
    session: DbSession,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(require("archive.export"))],
    now: Now,
    background: BackgroundTasks,
) -> FileResponse:
    """The package as a zip of its BagIt bag."""
    path = archive_service.export_zip(session, actor, settings, case_no, now=now)
    background.add_task(path.unlink, missing_ok=True)
    return FileResponse(path, media_type="application/zip", filename=f"{case_no}.zip")


@router.post("/{case_no}/checks")
def run_check(
    case_no: str,
    session: DbSession,
    settings: SettingsDep,
    actor: Annotated[Actor, Depends(require("archive.verify"))],
    now: Now,
) -> CheckRead:
    """Run the four-property checks now and return the report."""
    archive_service.scoped(session, actor, case_no)
    report = archive_service.check_package(session, settings, case_no, trigger="manual", now=now)
    data = report.as_dict()
    return CheckRead(at=now, trigger="manual", ok=report.ok, properties=data["properties"], findings=data["findings"])
