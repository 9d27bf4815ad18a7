"""Archiving use cases: build a package from a finished case, run the four-property checks, read, export,
retention rules and the disposal list.

Building and checking touch the file system, so they manage their own short transactions around the disk work
(``build_package``, ``check_package``): the database never says "complete" before the bag is at its final path.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from smarthall.archive import bag as bagfile
from smarthall.archive import checks, retention
from smarthall.archive.errors import (
    DisposalConflict,
    DisposalNotDue,
    PackageNotComplete,
    PackageNotFound,
    SeparationOfDuties,
)
from smarthall.archive.metadata import core_metadata, to_xml
from smarthall.archive.models import CheckReport, Disposal, Package, PackageFile, RetentionRule
from smarthall.archive.schemas import (
    CheckRead,
    DisposalRead,
    FileRead,
    PackageRead,
    PackageSummary,
)
from smarthall.audit import service as audit_service
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.config import Settings
from smarthall.core.crypto import Signer, load_or_create_key
from smarthall.core.db import Database
from smarthall.core.masking import mask_name
from smarthall.core.memory import release_free_heap
from smarthall.core.subjects import ArchivalInput, archival_input
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.identity.models import Staff
from smarthall.notify import service as notify_service
from smarthall.org.models import Hall

log = logging.getLogger("smarthall.archive")
_CASE_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
MAX_ATTEMPTS = 5


def store_root(settings: Settings) -> Path:
    return settings.data_dir / "archive"


def package_dir(settings: Settings, case_no: str) -> Path:
    if not _CASE_NO.match(case_no):
        raise PackageNotFound()
    return store_root(settings) / case_no


_signers: dict[str, Signer] = {}


def signer_for(settings: Settings) -> Signer:
    """The platform's document signer (same derivation as ``core.crypto.setup_security``)."""
    key = f"{settings.field_key}|{settings.field_key_file}|{settings.data_dir}"
    if key not in _signers:
        master = load_or_create_key(
            settings.field_key, settings.field_key_file, settings.data_dir / "keys" / "master.key"
        )
        _signers[key] = Signer.from_master(master)
    return _signers[key]


# ---------------------------------------------------------------------------------------------------- building


def _retention_rules(session: Session) -> dict[str, str]:
    return {r.scope: r.retention for r in session.execute(select(RetentionRule)).scalars()}


def _claim(session: Session, case_no: str, source: ArchivalInput, now: datetime) -> Package | None:
    """Create or reopen the package row for building; None when it is already complete or disposed."""
    pkg = session.execute(select(Package).where(Package.case_no == case_no)).scalar_one_or_none()
    hall = session.execute(select(Hall).where(Hall.code == source.hall_code)).scalar_one_or_none()
    if hall is None:
        log.warning("case %s names unknown hall %s; not archived", case_no, source.hall_code)
        return None
    rules = _retention_rules(session)
    klass = retention.retention_for(source.item_code, source.item_type, rules)
    if pkg is None:
        pkg = Package(case_no=case_no, hall_id=hall.id, hall_code=hall.code, region_path=hall.region_path)
        session.add(pkg)
    elif pkg.status in ("complete", "disposed"):
        return None
    pkg.item_code, pkg.item_type = source.item_code, source.item_type
    pkg.department_code, pkg.title = source.department_code, source.title[:256]
    pkg.final_status, pkg.finished_at = source.final_status, source.finished_at
    pkg.retention = klass
    pkg.retain_until = retention.retain_until(klass, service_day(source.finished_at))
    pkg.status = "building"
    pkg.attempts = (pkg.attempts or 0) + 1
    pkg.rel_path = case_no
    session.flush()
    return pkg


@dataclass
class _Staged:
    name: str  # path in the bag
    role: str
    content_type: str
    digests: bagfile.Digests
    signed_fields: dict[str, Any] | None
    signature: str | None


def _iso(dt: datetime | None) -> str:
    return "" if dt is None else dt.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _stage(
    tmp: Path, source: ArchivalInput, retention_class: str, retain_until: str | None, now: datetime, signer: Signer
) -> list[_Staged]:
    """Copy the case's documents into ``tmp/data`` and write the metadata; return the payload records."""
    data = tmp / "data"
    (data / "metadata").mkdir(parents=True)
    staged: list[_Staged] = []
    described: list[dict[str, Any]] = []
    used: set[str] = set()

    form_rel = "form/form.json"
    (data / "form").mkdir()
    (data / form_rel).write_text(json.dumps(source.form, ensure_ascii=False, indent=2, default=str), "utf-8")
    staged.append(
        _Staged(f"data/{form_rel}", "form", "application/json", bagfile.digest_file(data / form_rel), None, None)
    )
    used.add(form_rel)

    signatures: list[dict[str, Any]] = []
    for item in source.files:
        role = bagfile.safe_name(item.role)
        rel = f"{role}/{bagfile.safe_name(item.name)}"
        base, dot, ext = rel.rpartition(".")
        n = 1
        while rel in used:
            n += 1
            rel = f"{base}-{n}.{ext}" if dot else f"{rel}-{n}"
        used.add(rel)
        target = data / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(item.path, target)
        digests = bagfile.digest_file(target)
        if digests.sha256 != item.sha256.lower():
            # The document changed between the case's record and packaging: refuse rather than archive it.
            raise ValueError(f"{item.name}: SHA-256 differs from the case record")
        staged.append(_Staged(f"data/{rel}", item.role, item.content_type, digests, item.signed_fields, item.signature))
        if item.signature is not None:
            signatures.append({"file": rel, "signed_fields": item.signed_fields, "signature": item.signature})

    for entry in staged:
        described.append(
            {
                "name": entry.name.removeprefix("data/"),
                "role": entry.role,
                "format": entry.content_type,
                "size": entry.digests.size,
                "sha256": entry.digests.sha256,
                "sm3": entry.digests.sm3,
                "signed": entry.signature is not None,
            }
        )
    meta = core_metadata(
        case_no=source.case_no,
        title=source.title,
        item_code=source.item_code,
        item_name=source.item_name,
        item_type=source.item_type,
        applicant_masked=mask_name(source.applicant_name),
        department_code=source.department_code,
        hall_code=source.hall_code,
        submitted_at=_iso(source.submitted_at),
        finished_at=_iso(source.finished_at),
        final_status=source.final_status,
        retention=retention_class,
        retain_until=retain_until,
        archived_at=_iso(now),
        files=described,
        events=[{k: (_iso(v) if isinstance(v, datetime) else v) for k, v in e.items()} for e in source.events],
    )
    meta_json = data / "metadata" / "core-metadata.json"
    meta_json.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    meta_xml = data / "metadata" / "core-metadata.xml"
    meta_xml.write_bytes(to_xml(meta))
    extra = [meta_json, meta_xml]
    if signatures:
        sig_path = data / "metadata" / "signatures.json"
        sig_path.write_text(
            json.dumps(
                {"algorithm": signer.algorithm, "public_key_pem": signer.public_pem(), "signatures": signatures},
                ensure_ascii=False,
                indent=2,
                default=str,
            ),
            encoding="utf-8",
        )
        extra.append(sig_path)
    for path in extra:
        content_type = "application/xml" if path.suffix == ".xml" else "application/json"
        staged.append(
            _Staged(path.relative_to(tmp).as_posix(), "metadata", content_type, bagfile.digest_file(path), None, None)
        )
    bagfile.write_bag(
        tmp,
        [(s.name, s.digests) for s in staged],
        {
            "Source-Organization": source.hall_code,
            "External-Identifier": source.case_no,
            "External-Description": source.title[:200],
            "Bagging-Date": service_day(now).isoformat(),
            "Bag-Software-Agent": "smarthall archive",
            "Retention": retention_class,
        },
    )
    return staged


def build_package(database: Database, settings: Settings, case_no: str, *, now: datetime) -> str:
    """Build (or resume building) the package of a finished case; returns the package status afterwards.

    Order: claim the row (``building``) → write the bag in a temporary folder → seal it read-only → rename it
    into place → record the files with their fixity and mark ``complete`` → ingest check. A crash at any point
    leaves the row ``building``/``failed`` and at most a temporary folder, which the next attempt clears.
    """
    final = package_dir(settings, case_no)
    with database.unit_of_work() as session:
        source = archival_input(session, case_no)
        if source is None:
            log.warning("no archival input for case %s", case_no)
            return "missing"
        pkg = _claim(session, case_no, source, now)
        if pkg is None:
            done = session.execute(select(Package.status).where(Package.case_no == case_no)).scalar_one_or_none()
            return done or "missing"
        package_id, klass = pkg.id, pkg.retention
        until = pkg.retain_until.isoformat() if pkg.retain_until else None
    signer = signer_for(settings)
    building = store_root(settings) / ".building"
    building.mkdir(parents=True, exist_ok=True)
    tmp = building / f"{case_no}.{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        staged = _stage(tmp, source, klass, until, now, signer)
        bagfile.seal(tmp)
        if final.exists():  # left by an attempt that crashed after its rename: never marked complete, replace it
            bagfile.remove_tree(final)
        os.rename(tmp, final)
    except Exception as exc:
        bagfile.remove_tree(tmp)
        with database.unit_of_work() as session:
            session.execute(
                update(Package)
                .where(Package.id == package_id, Package.status == "building")
                .values(status="failed", last_error=f"{type(exc).__name__}: {exc}"[:500])
            )
        log.warning("packaging %s failed: %s", case_no, exc)
        return "failed"
    with database.unit_of_work() as session:
        pkg = session.get(Package, package_id)
        assert pkg is not None
        pkg.files.clear()
        session.flush()
        for s in staged:
            pkg.files.append(
                PackageFile(
                    name=s.name,
                    role=s.role,
                    content_type=s.content_type,
                    size=s.digests.size,
                    sha256=s.digests.sha256,
                    sha512=s.digests.sha512,
                    sm3=s.digests.sm3,
                    signed_fields=s.signed_fields,
                    signature=s.signature,
                )
            )
        pkg.status, pkg.completed_at, pkg.last_error = "complete", now, ""
        audit_service.record(
            session,
            SYSTEM,
            "archive.ingest",
            target_type="archive_package",
            target_id=case_no,
            hall_code=pkg.hall_code,
            now=now,
        )
        session.flush()
        session.info["db"] = database
        check_package(session, settings, case_no, trigger="ingest", now=now)
    return "complete"


def resume_pending(database: Database, settings: Settings, *, now: datetime) -> list[str]:
    """Retry packages left ``building`` or ``failed`` (a crash, a missing file since restored), after clearing
    staging folders that a killed process left behind (older than an hour, by file time)."""
    staging = store_root(settings) / ".building"
    if staging.is_dir():
        cutoff = time.time() - 3600
        for leftover in staging.iterdir():
            if leftover.is_dir() and leftover.stat().st_mtime < cutoff:
                bagfile.remove_tree(leftover)
    with database.unit_of_work(write=False) as session:
        pending = list(
            session.execute(
                select(Package.case_no)
                .where(Package.status.in_(("building", "failed")), Package.attempts < MAX_ATTEMPTS)
                .order_by(Package.id)
            ).scalars()
        )
    return [f"{case_no}:{build_package(database, settings, case_no, now=now)}" for case_no in pending]


# ---------------------------------------------------------------------------------------------------- checking


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


def _hall_managers(session: Session, hall_code: str) -> list[int]:
    return list(
        session.execute(
            select(Staff.id)
            .join(Hall, Hall.id == Staff.hall_id)
            .where(Hall.code == hall_code, Staff.role == "hall_manager", Staff.active.is_(True))
        ).scalars()
    )


def check_package(
    session: Session, settings: Settings, case_no: str, *, trigger: str, now: datetime, record: bool = True
) -> checks.Report:
    """Run the four-property checks on one stored package, keep the report, alert hall managers on failure."""
    pkg = session.execute(
        select(Package).options(selectinload(Package.files)).where(Package.case_no == case_no)
    ).scalar_one_or_none()
    if pkg is None:
        raise PackageNotFound()
    if pkg.status != "complete":
        raise PackageNotComplete()
    report = checks.check_package(package_dir(settings, case_no), _expected(pkg), signer_for(settings).verify)
    if not record:
        return report
    session.add(CheckReport(package_id=pkg.id, at=now, trigger=trigger, ok=report.ok, results=report.as_dict()))
    pkg.last_check_at, pkg.last_check_ok = now, report.ok
    if not report.ok:
        first = report.findings[0]
        summary = f"{','.join(report.failed_properties())} — {first.file or '-'}: {first.message}"
        for staff_id in _hall_managers(session, pkg.hall_code):
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
            rows = session.execute(
                select(Package.id, Package.case_no)
                .where(Package.status == "complete", Package.id > last)
                .order_by(Package.id)
                .limit(batch)
            ).all()
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


# ---------------------------------------------------------------------------------------------------- reading


def _scoped_package(session: Session, actor: Actor, case_no: str) -> Package:
    pkg = session.execute(
        select(Package).options(selectinload(Package.files)).where(Package.case_no == case_no)
    ).scalar_one_or_none()
    if pkg is None:
        raise PackageNotFound()
    actor.ensure_hall(pkg.hall_id, pkg.region_path)
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
    return session.execute(
        select(CheckReport).where(CheckReport.package_id == package_id).order_by(CheckReport.id.desc()).limit(1)
    ).scalar_one_or_none()


def get_package(session: Session, actor: Actor, settings: Settings, case_no: str, *, now: datetime) -> PackageRead:
    pkg = _scoped_package(session, actor, case_no)
    metadata = None
    path = package_dir(settings, case_no) / checks.METADATA_JSON
    if pkg.status == "complete" and path.is_file():
        try:
            metadata = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
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


def list_packages(
    session: Session, actor: Actor, *, status: str | None = None, limit: int = 200
) -> list[PackageSummary]:
    stmt = select(Package).order_by(Package.id.desc()).limit(limit)
    if status:
        stmt = stmt.where(Package.status == status)
    if actor.kind != "system" and actor.region_path:
        stmt = stmt.where((Package.hall_id == actor.hall_id) | Package.region_path.startswith(actor.region_path))
    return [
        PackageSummary(
            case_no=p.case_no,
            status=p.status,
            hall_code=p.hall_code,
            item_code=p.item_code,
            retention=p.retention,
            retain_until=p.retain_until,
            last_check_ok=p.last_check_ok,
        )
        for p in session.execute(stmt).scalars()
        if actor.can_see_hall(p.hall_id, p.region_path)
    ]


def export_zip(session: Session, actor: Actor, settings: Settings, case_no: str, *, now: datetime) -> Path:
    """Write the bag into a temporary zip (``<case_no>/...`` inside) and return its path; the caller deletes it."""
    pkg = _scoped_package(session, actor, case_no)
    if pkg.status != "complete":
        raise PackageNotComplete()
    root = package_dir(settings, case_no)
    fd, name = tempfile.mkstemp(prefix=f"export-{case_no}-", suffix=".zip")
    os.close(fd)
    with zipfile.ZipFile(name, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            zf.write(path, f"{case_no}/{path.relative_to(root).as_posix()}")
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


def set_retention_rule(session: Session, actor: Actor, *, scope: str, retention_class: str, now: datetime) -> None:
    rule = session.execute(select(RetentionRule).where(RetentionRule.scope == scope)).scalar_one_or_none()
    if rule is None:
        session.add(RetentionRule(scope=scope, retention=retention_class))
    else:
        rule.retention = retention_class
    audit_service.record(
        session,
        actor,
        "archive.retention_rule",
        target_type="archive_retention_rule",
        target_id=scope,
        detail={"retention": retention_class},
        now=now,
    )


def due_for_disposal(session: Session, actor: Actor, *, now: datetime) -> list[PackageSummary]:
    today = service_day(now)
    rows = session.execute(
        select(Package)
        .where(Package.status == "complete", Package.retain_until.is_not(None), Package.retain_until < today)
        .order_by(Package.retain_until)
    ).scalars()
    return [
        PackageSummary(
            case_no=p.case_no,
            status=p.status,
            hall_code=p.hall_code,
            item_code=p.item_code,
            retention=p.retention,
            retain_until=p.retain_until,
            last_check_ok=p.last_check_ok,
        )
        for p in rows
        if actor.can_see_hall(p.hall_id, p.region_path)
    ]


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
        pending = session.execute(
            select(Disposal.id).where(Disposal.package_id == pkg.id, Disposal.status == "pending")
        ).first()
        if pending is not None:
            raise DisposalConflict(detail={"case_no": case_no})
        row = Disposal(package_id=pkg.id, proposed_by=actor.label, proposed_at=now, note=note)
        session.add(row)
        session.flush()
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
    stmt = select(Disposal, Package).join(Package, Package.id == Disposal.package_id).order_by(Disposal.id)
    if status:
        stmt = stmt.where(Disposal.status == status)
    return [
        _disposal_read(d, p.case_no)
        for d, p in session.execute(stmt).all()
        if actor.can_see_hall(p.hall_id, p.region_path)
    ]


def decide_disposal(
    session: Session, actor: Actor, settings: Settings, disposal_id: int, *, action: str, note: str, now: datetime
) -> DisposalRead:
    """Approve (the files are destroyed; the package row, its fixity and the log stay) or reject a proposal."""
    row = session.get(Disposal, disposal_id)
    if row is None:
        raise PackageNotFound()
    pkg = session.get(Package, row.package_id)
    assert pkg is not None
    actor.ensure_hall(pkg.hall_id, pkg.region_path)
    if row.proposed_by == actor.label:
        raise SeparationOfDuties()
    claimed = session.execute(
        update(Disposal)
        .where(Disposal.id == disposal_id, Disposal.status == "pending")
        .values(
            status="approved" if action == "approve" else "rejected",
            decided_by=actor.label,
            decided_at=now,
            note=(row.note + ("\n" if row.note and note else "") + note)[:2000],
        )
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise DisposalConflict()
    session.refresh(row)
    if action == "approve":
        pkg.status, pkg.disposed_at = "disposed", now

        def destroy(path: Path = package_dir(settings, pkg.case_no)) -> None:
            bagfile.remove_tree(path)

        from smarthall.core.db import after_commit

        after_commit(session, destroy)
    audit_service.record(
        session,
        actor,
        f"archive.disposal_{row.status}",
        target_type="archive_package",
        target_id=pkg.case_no,
        hall_code=pkg.hall_code,
        now=now,
    )
    return _disposal_read(row, pkg.case_no)


def describe(report: checks.Report) -> list[str]:
    return [f"{f.property}: {f.file or '-'}: {f.message}" for f in report.findings]
