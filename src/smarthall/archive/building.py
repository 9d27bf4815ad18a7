"""Building an archival package from a finished case: claim the row, stage the BagIt bag in a temporary folder,
seal it, rename it into place, record its files' fixity, then run the ingest check; and resuming interrupted builds.

Building touches the file system, so it manages its own short transactions around the disk work: the database
never says "complete" before the bag is at its final path.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from smarthall.archive import bag as bagfile
from smarthall.archive import checking, retention
from smarthall.archive.metadata import core_metadata, to_xml
from smarthall.archive.models import Package, PackageFile
from smarthall.archive.repository import PackageRepository
from smarthall.archive.store import package_dir, signer_for, store_root
from smarthall.audit import service as audit_service
from smarthall.core import events
from smarthall.core.clock import SHANGHAI, service_day
from smarthall.core.config import Settings
from smarthall.core.crypto import Signer, field_cipher, file_cipher, open_plain
from smarthall.core.db import Database
from smarthall.core.errors import NotFound
from smarthall.core.masking import mask_name
from smarthall.core.subjects import ArchivalInput, archival_input, whole_of
from smarthall.core.tenancy import SYSTEM
from smarthall.org import service as org_service
from smarthall.rules import service as rules_service

log = logging.getLogger("smarthall.archive")
MAX_ATTEMPTS = 5


RETENTION_RULE = "archive.retention_years"


def _claim(session: Session, case_no: str, source: ArchivalInput, now: datetime) -> Package | None:
    """Create or reopen the package row for building; None when it is already complete or disposed. The retention
    class comes from the hall's own ``archive.retention_years`` rule (inherited down the hall tree)."""
    repo = PackageRepository(session)
    pkg = repo.by_case_no(case_no)
    try:
        hall = org_service.hall_facts(session, source.hall_code)
    except NotFound:
        log.warning("case %s names unknown hall %s; not archived", case_no, source.hall_code)
        return None
    years = rules_service.value(session, hall, RETENTION_RULE)
    klass = retention.longest(
        [retention.retention_for(s.item_code, s.item_type, years) for s in (source, *source.parts)]
    )
    if pkg is None:
        pkg = repo.add(Package(case_no=case_no, hall_id=hall.id, hall_code=hall.code, region_path=hall.region_path))
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
    repo.flush()
    return pkg


@dataclass
class _Staged:
    name: str  # path in the bag
    role: str
    content_type: str
    digests: bagfile.Digests
    signed_fields: dict[str, Any] | None
    signature: str | None


def _name_aad(case_no: str, rel: str) -> str:
    return f"archive-original-name\x00{case_no}\x00{rel}"


def seal_original_name(case_no: str, rel: str, name: str) -> str:
    """The upload's own file name sealed with the field cipher, bound to the package and the payload path (base64:
    the metadata is JSON and XML, and an export decrypts the payload files but not this)."""
    return base64.b64encode(field_cipher().encrypt(name, _name_aad(case_no, rel))).decode("ascii")


def open_original_name(case_no: str, rel: str, sealed: str) -> str:
    return field_cipher().decrypt(base64.b64decode(sealed), _name_aad(case_no, rel))


def _iso(dt: datetime | None) -> str:
    return "" if dt is None else dt.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _stage(
    tmp: Path,
    final: Path,
    source: ArchivalInput,
    retention_class: str,
    retain_until: str | None,
    now: datetime,
    signer: Signer,
) -> list[_Staged]:
    """Copy the case's documents into ``tmp/data`` and write the metadata, every payload file sealed under the label
    of its final place (``final``); return the payload records with the fixity of the plaintext."""
    data = tmp / "data"
    (data / "metadata").mkdir(parents=True)
    staged: list[_Staged] = []
    described: list[dict[str, Any]] = []
    used: set[str] = set()
    cipher = file_cipher()

    def put(rel: str, payload: bytes) -> bagfile.Digests:
        target = data / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        return bagfile.seal_payload(target, cipher.label_for(final / "data" / rel), [payload])

    def as_json(value: Any) -> bytes:
        return json.dumps(value, ensure_ascii=False, indent=2, default=str).encode("utf-8")

    form_rel = "form/form.json"
    staged.append(
        _Staged(f"data/{form_rel}", "form", "application/json", put(form_rel, as_json(source.form)), None, None)
    )
    used.add(form_rel)

    if source.thread:  # the errand's whole thread: booking, ticket, case, result, delivery, rating
        thread_rel = "record/errand.json"
        digests = put(thread_rel, as_json(source.thread))
        staged.append(_Staged(f"data/{thread_rel}", "record", "application/json", digests, None, None))
        used.add(thread_rel)

    signatures: list[dict[str, Any]] = []
    originals: dict[str, str] = {}  # payload name -> the upload's own name, sealed (it may hold personal data)
    placed: list[tuple[str, Any]] = [("", item) for item in source.files]
    for part in source.parts:  # a whole's package (a bundle): each part under parts/<case_no>/, as its own bag would
        prefix = f"parts/{bagfile.safe_name(part.case_no)}/"
        part_record = {
            "case_no": part.case_no, "item_code": part.item_code, "item_name": part.item_name,
            "department_code": part.department_code, "final_status": part.final_status,
            "submitted_at": _iso(part.submitted_at), "finished_at": _iso(part.finished_at),
            "events": [{k: (_iso(v) if isinstance(v, datetime) else v) for k, v in e.items()} for e in part.events],
        }  # fmt: skip
        for rel, role, content in ((f"{prefix}form/form.json", "form", part.form), (f"{prefix}record/case.json",
                                                                                      "record", part_record)):
            staged.append(_Staged(f"data/{rel}", role, "application/json", put(rel, as_json(content)), None, None))
            used.add(rel)
        placed += [(prefix, item) for item in part.files]
    for prefix, item in placed:
        role = bagfile.safe_name(item.role)
        rel = f"{prefix}{role}/{bagfile.safe_name(item.name)}"
        base, dot, ext = rel.rpartition(".")
        n = 1
        while rel in used:
            n += 1
            rel = f"{base}-{n}.{ext}" if dot else f"{rel}-{n}"
        used.add(rel)
        target = data / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open_plain(item.path) as src:  # the source is sealed too (or a legacy plaintext file)
            chunks = iter(lambda src=src: src.read(bagfile.CHUNK), b"")  # type: ignore[misc]
            digests = bagfile.seal_payload(target, cipher.label_for(final / "data" / rel), chunks)
        if digests.sha256 != item.sha256.lower():
            # The document changed between the case's record and packaging: refuse rather than archive it.
            raise ValueError(f"{item.name}: SHA-256 differs from the case record")
        staged.append(_Staged(f"data/{rel}", item.role, item.content_type, digests, item.signed_fields, item.signature))
        if item.original_name:
            originals[rel] = seal_original_name(source.case_no, rel, item.original_name)
        if item.signature is not None:
            signatures.append({"file": rel, "signed_fields": item.signed_fields, "signature": item.signature})

    for entry in staged:
        sealed = originals.get(entry.name.removeprefix("data/"))
        described.append(
            {
                "name": entry.name.removeprefix("data/"),
                "role": entry.role,
                "format": entry.content_type,
                "size": entry.digests.size,
                "sha256": entry.digests.sha256,
                "sm3": entry.digests.sm3,
                "signed": entry.signature is not None,
                **({"original_name_sealed": sealed} if sealed else {}),
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
    extra = [
        ("metadata/core-metadata.json", "application/json", as_json(meta)),
        ("metadata/core-metadata.xml", "application/xml", to_xml(meta)),
    ]
    if signatures:
        sig = {"algorithm": signer.algorithm, "public_key_pem": signer.public_pem(), "signatures": signatures}
        extra.append(("metadata/signatures.json", "application/json", as_json(sig)))
    for rel, content_type, payload in extra:
        staged.append(_Staged(f"data/{rel}", "metadata", content_type, put(rel, payload), None, None))
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
    with database.unit_of_work(write=False) as session:
        whole = whole_of(session, "case", case_no)
    if whole is not None:  # a part of a bundle: archived in the whole's one package, once every part is closed
        return build_package(database, settings, whole[1], now=now)
    final = package_dir(settings, case_no)
    with database.unit_of_work() as session:
        source = archival_input(session, case_no)
        if source is None:
            log.warning("no archival input for case %s", case_no)
            return "missing"
        pkg = _claim(session, case_no, source, now)
        if pkg is None:
            return PackageRepository(session).status_of(case_no) or "missing"
        package_id, klass = pkg.id, pkg.retention
        until = pkg.retain_until.isoformat() if pkg.retain_until else None
    signer = signer_for(settings)
    building = store_root(settings) / ".building"
    building.mkdir(parents=True, exist_ok=True)
    tmp = building / f"{case_no}.{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        staged = _stage(tmp, final, source, klass, until, now, signer)
        bagfile.seal(tmp)
        if final.exists():  # left by an attempt that crashed after its rename: never marked complete, replace it
            bagfile.remove_tree(final)
        os.rename(tmp, final)
    except Exception as exc:
        bagfile.remove_tree(tmp)
        with database.unit_of_work() as session:
            PackageRepository(session).mark_failed(package_id, f"{type(exc).__name__}: {exc}")
        log.warning("packaging %s failed: %s", case_no, exc)
        return "failed"
    with database.unit_of_work() as session:
        pkg = PackageRepository(session).by_id(package_id)
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
        events.emit(session, "archive.built", case_no=case_no, at=now)  # the errand's thread (一件一码) closes
        checking.check_package(session, settings, case_no, trigger="ingest", now=now)
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
        pending = PackageRepository(session).unfinished(MAX_ATTEMPTS)
    return [f"{case_no}:{build_package(database, settings, case_no, now=now)}" for case_no in pending]
