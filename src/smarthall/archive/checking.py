"""Checking stored packages: the four-property checks (四性检测) of one package, kept as a report and alerted to
the hall managers when they fail, and the streaming check of the whole store (flat memory over any size)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy.orm import Session

from smarthall.archive import checks
from smarthall.archive.errors import PackageNotComplete, PackageNotFound
from smarthall.archive.models import CheckReport, Package
from smarthall.archive.repository import CheckRepository, PackageRepository
from smarthall.archive.store import package_dir, signer_for
from smarthall.audit import service as audit_service
from smarthall.core.config import Settings
from smarthall.core.db import Database
from smarthall.core.memory import release_free_heap
from smarthall.core.tenancy import SYSTEM
from smarthall.identity import service as identity_service
from smarthall.notify import service as notify_service


def _hall_managers(session: Session, hall_id: int) -> list[int]:
    return [s.id for s in identity_service.active_staff(session, hall_id=hall_id, roles=("hall_manager",))]


def _expected(pkg: Package) -> list[checks.ExpectedFile]:
    return [
        checks.ExpectedFile(
            name=f.name,
            role=f.role,
            content_type=f.content_type,
            sha256=f.sha256,
            sha512=f.sha512,
            sm3=f.sm3,
            signed_fields=f.signed_fields,
            signature=f.signature,
        )
        for f in pkg.files
    ]


def check_package(
    session: Session, settings: Settings, case_no: str, *, trigger: str, now: datetime, record: bool = True
) -> checks.Report:
    """Run the four-property checks on one stored package, keep the report, alert hall managers on failure."""
    pkg = PackageRepository(session).by_case_no(case_no, with_files=True)
    if pkg is None:
        raise PackageNotFound()
    if pkg.status != "complete":
        raise PackageNotComplete()
    report = checks.check_package(package_dir(settings, case_no), _expected(pkg), signer_for(settings).verify)
    if not record:
        return report
    CheckRepository(session).add(
        CheckReport(package_id=pkg.id, at=now, trigger=trigger, ok=report.ok, results=report.as_dict())
    )
    pkg.last_check_at, pkg.last_check_ok = now, report.ok
    if not report.ok:
        first = report.findings[0]
        summary = f"{','.join(report.failed_properties())} — {first.file or '-'}: {first.message}"
        for staff_id in _hall_managers(session, pkg.hall_id):
            notify_service.send(
                session,
                template="archive.check_failed",
                params={"case_no": case_no, "summary": summary[:200]},
                now=now,
                staff_id=staff_id,
                ref_type="archive_package",
                ref_id=case_no,
            )
        audit_service.record(
            session,
            SYSTEM,
            "archive.check_failed",
            target_type="archive_package",
            target_id=case_no,
            hall_code=pkg.hall_code,
            outcome="failed",
            detail={"properties": report.failed_properties(), "trigger": trigger},
            now=now,
        )
    session.flush()
    return report


VERIFY_BATCH = 500


def complete_case_nos(database: Database, batch: int = VERIFY_BATCH) -> Iterator[str]:
    """Every complete package's case number, fetched in keyset batches (flat memory over any store size)."""
    last = 0
    while True:
        with database.unit_of_work(write=False) as session:
            rows = PackageRepository(session).complete_after(last, batch)
        if not rows:
            return
        for row in rows:
            yield row.case_no
        last = rows[-1].id


def verify_all(
    database: Database, settings: Settings, *, trigger: str, now: datetime, record: bool = True
) -> Iterator[tuple[str, checks.Report]]:
    """Check every complete package, one short transaction each, streaming (nothing accumulates in memory).

    Each package is read in a session of its own, so the ORM identity map never holds more than one package; after
    every batch the freed heap goes back to the operating system, so RSS stays flat whatever the store's size."""
    for n, case_no in enumerate(complete_case_nos(database), start=1):
        with database.unit_of_work(write=record) as session:
            session.info["db"] = database
            report = check_package(session, settings, case_no, trigger=trigger, now=now, record=record)
        yield case_no, report
        if n % VERIFY_BATCH == 0:
            release_free_heap()


def describe(report: checks.Report) -> list[str]:
    return [f"{f.property}: {f.file or '-'}: {f.message}" for f in report.findings]
