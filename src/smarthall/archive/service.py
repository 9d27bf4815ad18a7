"""Archiving use cases an actor performs: read a package in scope, list, export, retention overrides and the
disposal list (propose, decide). Building and checking packages live in ``building`` and ``checking``; their entry
points are named here too, for the jobs and the command line."""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from smarthall.archive import bag as bagfile
from smarthall.archive import checks, retention
from smarthall.archive.building import RETENTION_RULE
from smarthall.archive.building import build_package as build_package
from smarthall.archive.building import resume_pending as resume_pending
from smarthall.archive.checking import check_package as check_package
from smarthall.archive.checking import describe as describe
from smarthall.archive.checking import verify_all as verify_all
from smarthall.archive.errors import (
    DisposalConflict,
    DisposalNotDue,
    PackageNotComplete,
    PackageNotFound,
    SeparationOfDuties,
)
from smarthall.archive.models import CheckReport, Disposal, Package
from smarthall.archive.repository import CheckRepository, DisposalRepository, PackageRepository
from smarthall.archive.schemas import CheckRead, DisposalRead, FileRead, PackageRead, PackageSummary
from smarthall.archive.store import package_dir
from smarthall.audit import service as audit_service
from smarthall.core.clock import service_day
from smarthall.core.config import Settings
from smarthall.core.crypto import open_plain, read_plain
from smarthall.core.db import after_commit
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service


def _scoped_package(session: Session, actor: Actor, case_no: str) -> Package:
    """The package of ``case_no`` in ``actor``'s scope; PackageNotFound otherwise (never "exists but not yours")."""
    pkg = PackageRepository(session).in_scope(actor, case_no)
    if pkg is None:
        raise PackageNotFound()
    return pkg


def scoped(session: Session, actor: Actor, case_no: str) -> None:
    _scoped_package(session, actor, case_no)


def _check_read(row: CheckReport | None) -> CheckRead | None:
    if row is None:
        return None
    return CheckRead(
        at=row.at,
        trigger=row.trigger,
        ok=row.ok,
        properties=row.results.get("properties", {}),
        findings=row.results.get("findings", []),
    )


def last_check(session: Session, package_id: int) -> CheckReport | None:
    return CheckRepository(session).last_for(package_id)


def get_package(session: Session, actor: Actor, settings: Settings, case_no: str, *, now: datetime) -> PackageRead:
    pkg = _scoped_package(session, actor, case_no)
    metadata = None
    path = package_dir(settings, case_no) / checks.METADATA_JSON
    if pkg.status == "complete" and path.is_file():
        try:
            metadata = json.loads(read_plain(path).decode("utf-8"))
        except (ValueError, OSError):  # EnvelopeError is a ValueError: the next check reports the altered file
            metadata = None
    audit_service.record(
        session,
        actor,
        "archive.read",
        target_type="archive_package",
        target_id=case_no,
        hall_code=pkg.hall_code,
        now=now,
    )
    return PackageRead(
        case_no=pkg.case_no,
        status=pkg.status,
        hall_code=pkg.hall_code,
        item_code=pkg.item_code,
        item_type=pkg.item_type,
        department_code=pkg.department_code,
        title=pkg.title,
        final_status=pkg.final_status,
        finished_at=pkg.finished_at,
        completed_at=pkg.completed_at,
        retention=pkg.retention,
        retain_until=pkg.retain_until,
        metadata=metadata,
        files=[
            FileRead(
                name=f.name,
                role=f.role,
                content_type=f.content_type,
                size=f.size,
                sha256=f.sha256,
                sm3=f.sm3,
                signed=f.signature is not None,
            )
            for f in pkg.files
        ],
        last_check=_check_read(last_check(session, pkg.id)),
    )


def _summary(p: Package) -> PackageSummary:
    return PackageSummary(
        case_no=p.case_no,
        status=p.status,
        hall_code=p.hall_code,
        item_code=p.item_code,
        retention=p.retention,
        retain_until=p.retain_until,
        last_check_ok=p.last_check_ok,
    )


def list_packages(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 200, offset: int = 0
) -> list[PackageSummary]:
    """One page of the packages in ``actor``'s scope, newest first (scope before LIMIT, in SQL: never short)."""
    page = PackageRepository(session).page_in_scope(actor, status=status, limit=limit, offset=offset)
    return [_summary(p) for p in page.items]


def export_zip(session: Session, actor: Actor, settings: Settings, case_no: str, *, now: datetime) -> Path:
    """Write the bag into a temporary zip (``<case_no>/...`` inside) and return its path; the caller deletes it.
    The payload is decrypted on the way (the manifests describe the plaintext), so the export is a standard bag
    that any BagIt tool validates outside the system; the zip is created 0600 and removed after sending."""
    pkg = _scoped_package(session, actor, case_no)
    if pkg.status != "complete":
        raise PackageNotComplete()
    root = package_dir(settings, case_no)
    fd, name = tempfile.mkstemp(prefix=f"export-{case_no}-", suffix=".zip")
    os.close(fd)
    with zipfile.ZipFile(name, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            rel = path.relative_to(root).as_posix()
            with open_plain(path) as src, zf.open(f"{case_no}/{rel}", "w") as out:
                while chunk := src.read(1 << 20):
                    out.write(chunk)
    audit_service.record(
        session,
        actor,
        "archive.export",
        target_type="archive_package",
        target_id=case_no,
        hall_code=pkg.hall_code,
        now=now,
    )
    return Path(name)


# ---------------------------------------------------------------------------------------------------- retention


def set_retention_rule(
    session: Session,
    actor: Actor,
    *,
    scope: str,
    retention_class: str,
    hall_code: str | None = None,
    now: datetime,
) -> None:
    """Override the retention class of an item (``item:<code>``) or item type (``type:<type>``) in a hall the actor
    manages (their own by default): a new version of the hall's ``archive.retention_years`` rule, audited by the
    rules domain. Another hall's manager or admin is refused (``rules`` scope check)."""
    code = hall_code or actor.hall_code
    if code is None:
        raise PackageNotFound()
    hall = org_service.hall_facts(session, code)
    years = dict(rules_service.value(session, hall, RETENTION_RULE))
    years[retention.rule_key(scope)] = retention.years_of(retention_class)
    rules_service.set_rule(
        session, actor, key=RETENTION_RULE, scope_code=hall.code, value=years, note=f"archive {scope}", now=now
    )
    audit_service.record(
        session,
        actor,
        "archive.retention_rule",
        target_type="archive_retention_rule",
        target_id=scope,
        hall_code=hall.code,
        detail={"retention": retention_class},
        now=now,
    )


def due_for_disposal(session: Session, actor: Actor, *, now: datetime) -> list[PackageSummary]:
    """Complete packages in scope whose retention has ended."""
    return [_summary(p) for p in PackageRepository(session).due_in_scope(actor, service_day(now))]


def _disposal_read(d: Disposal, case_no: str) -> DisposalRead:
    return DisposalRead(
        id=d.id,
        case_no=case_no,
        status=d.status,
        proposed_by=d.proposed_by,
        proposed_at=d.proposed_at,
        decided_by=d.decided_by,
        decided_at=d.decided_at,
        note=d.note,
    )


def propose_disposal(
    session: Session, actor: Actor, *, case_nos: list[str], note: str, now: datetime
) -> list[DisposalRead]:
    """Put packages whose retention has ended on the disposal list (销毁清册), pending approval."""
    today = service_day(now)
    out = []
    for case_no in case_nos:
        pkg = _scoped_package(session, actor, case_no)
        if pkg.status != "complete" or pkg.retain_until is None or pkg.retain_until >= today:
            raise DisposalNotDue(detail={"case_no": case_no})
        repo = DisposalRepository(session)
        if repo.pending_for(pkg.id):
            raise DisposalConflict(detail={"case_no": case_no})
        row = repo.add(Disposal(package_id=pkg.id, proposed_by=actor.label, proposed_at=now, note=note))
        repo.flush()
        audit_service.record(
            session,
            actor,
            "archive.disposal_proposed",
            target_type="archive_package",
            target_id=case_no,
            hall_code=pkg.hall_code,
            now=now,
        )
        out.append(_disposal_read(row, case_no))
    return out


def list_disposals(session: Session, actor: Actor, *, status: str | None = None) -> list[DisposalRead]:
    """The disposal proposals of packages in ``actor``'s scope."""
    return [_disposal_read(d, p.case_no) for d, p in DisposalRepository(session).list_in_scope(actor, status=status)]


def decide_disposal(
    session: Session, actor: Actor, settings: Settings, disposal_id: int, *, action: str, note: str, now: datetime
) -> DisposalRead:
    """Approve (the files are destroyed; the package row, its fixity and the log stay) or reject a proposal."""
    repo = DisposalRepository(session)
    found = repo.in_scope(actor, disposal_id)
    if found is None:
        raise PackageNotFound()
    row, pkg = found
    if row.proposed_by == actor.label:
        raise SeparationOfDuties()
    status = "approved" if action == "approve" else "rejected"
    if not repo.decide(
        disposal_id,
        status=status,
        decided_by=actor.label,
        decided_at=now,
        note=row.note + ("\n" if row.note and note else "") + note,
    ):
        raise DisposalConflict()
    session.refresh(row)
    if action == "approve":
        pkg.status, pkg.disposed_at = "disposed", now

        def destroy(path: Path = package_dir(settings, pkg.case_no)) -> None:
            bagfile.remove_tree(path)

        after_commit(session, destroy)
    audit_service.record(
        session,
        actor,
        f"archive.disposal_{status}",
        target_type="archive_package",
        target_id=pkg.case_no,
        hall_code=pkg.hall_code,
        now=now,
    )
    return _disposal_read(row, pkg.case_no)
