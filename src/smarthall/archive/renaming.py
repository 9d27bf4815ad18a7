"""Renaming payload files inside a stored package, and the pass that gives documents archived under their number
(``data/result/<doc_no>.pdf``, before documents were named by kind and id) their non-identifying name.

A bag is never edited in place: the renamed bag is written in a fresh staging folder — files that keep their name
are copied as they are (sealed bytes, same label: the bag's path does not change), renamed ones are sealed again
under their new label, the metadata (``core-metadata.json``/``.xml``, ``signatures.json``) names the new files, the
manifests and tag manifests are written again — sealed read-only, and swapped with the old one by two renames in
the store; the database rows follow in one transaction (swapped back if it fails). Fixity of every document is
unchanged (it is of the plaintext), so the four-property check, the export and the signatures still verify.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from smarthall.archive import bag as bagfile
from smarthall.archive import building, checking
from smarthall.archive.metadata import to_xml
from smarthall.archive.repository import PackageRepository
from smarthall.archive.store import package_dir, store_root
from smarthall.audit import service as audit_service
from smarthall.core import crypto
from smarthall.core.config import Settings
from smarthall.core.db import Database
from smarthall.core.tenancy import SYSTEM
from smarthall.licences import service as licence_service

METADATA_JSON = "data/metadata/core-metadata.json"
METADATA_XML = "data/metadata/core-metadata.xml"
SIGNATURES = "data/metadata/signatures.json"
DOCUMENT_ROLES = ("result", "decision", "notice")
_CURRENT = re.compile(r"^[a-z_]+-\d+(-\d+)?\.pdf$")  # licence-12.pdf (and licence-12-2.pdf for a clash)


@dataclass
class RenamePass:
    renamed: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def rename_in_package(
    database: Database, settings: Settings, case_no: str, mapping: dict[str, str], *, now: datetime
) -> None:
    """Rename payload files (``data/…`` names in ``mapping``) of a complete package, as the module says."""
    final = package_dir(settings, case_no)
    with database.unit_of_work(write=False) as session:
        pkg = PackageRepository(session).by_case_no(case_no, with_files=True)
        if pkg is None or pkg.status != "complete":
            raise ValueError(f"package {case_no} is not complete")
        files = {f.name: bagfile.Digests(f.size, f.sha256, f.sha512, f.sm3) for f in pkg.files}
    unknown = set(mapping) - set(files)
    targets = [mapping.get(name, name) for name in files]
    if unknown or len(set(targets)) != len(targets) or any(not t.startswith("data/") or ".." in t for t in targets):
        raise ValueError(f"package {case_no}: the renaming names unknown or clashing files")
    rel = {old.removeprefix("data/"): new.removeprefix("data/") for old, new in mapping.items()}
    cipher = crypto.file_cipher()
    staging = store_root(settings) / ".building"
    staging.mkdir(parents=True, exist_ok=True)
    work = staging / f"{case_no}.rename.{secrets.token_hex(4)}"
    work.mkdir()
    try:
        digests: dict[str, bagfile.Digests] = {}
        for name, recorded in files.items():
            target = mapping.get(name, name)
            dst = work / target
            dst.parent.mkdir(parents=True, exist_ok=True)
            label = cipher.label_for(final / target)
            if name in (METADATA_JSON, METADATA_XML, SIGNATURES):
                continue  # written below, from the renamed metadata
            if name in mapping:  # sealed again under the new label (the envelope binds the path)
                with crypto.open_plain(final / name) as src:
                    chunks = iter(lambda src=src: src.read(bagfile.CHUNK), b"")  # type: ignore[misc]
                    digests[target] = bagfile.seal_payload(dst, label, chunks)
            else:
                shutil.copyfile(final / name, dst)
                digests[target] = recorded
        meta: dict[str, Any] = json.loads(crypto.read_plain(final / METADATA_JSON))
        for entry in meta.get("files") or []:
            old_name = entry.get("name", "")
            entry["name"] = rel.get(old_name, old_name)
            if entry.get("original_name_sealed") and entry["name"] != old_name:  # sealed bound to its path
                original = building.open_original_name(case_no, old_name, entry["original_name_sealed"])
                entry["original_name_sealed"] = building.seal_original_name(case_no, entry["name"], original)

        def put(name: str, payload: bytes) -> None:
            digests[name] = bagfile.seal_payload(work / name, cipher.label_for(final / name), [payload])

        put(METADATA_JSON, json.dumps(meta, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
        if METADATA_XML in files:
            put(METADATA_XML, to_xml(meta))
        if SIGNATURES in files:
            sig = json.loads(crypto.read_plain(final / SIGNATURES))
            for entry in sig.get("signatures") or []:
                entry["file"] = rel.get(entry.get("file", ""), entry.get("file", ""))
            put(SIGNATURES, json.dumps(sig, ensure_ascii=False, indent=2, default=str).encode("utf-8"))
        info = {}
        for line in (final / "bag-info.txt").read_text(encoding="utf-8").splitlines():
            key, sep, value = line.partition(": ")
            if sep and key != "Payload-Oxum":
                info[key] = value
        bagfile.write_bag(work, list(digests.items()), info)
        bagfile.seal(work)
    except Exception:
        bagfile.remove_tree(work)
        raise
    old = store_root(settings) / f".{case_no}.old.{secrets.token_hex(4)}"
    os.rename(final, old)
    os.rename(work, final)
    try:
        with database.unit_of_work() as session:
            pkg = PackageRepository(session).by_case_no(case_no, with_files=True)
            assert pkg is not None
            for f in pkg.files:  # two steps: a new name may be another file's old one (unique per package)
                f.name = f"{f.name}.renaming"
            session.flush()
            for f in pkg.files:
                name = f.name.removesuffix(".renaming")
                f.name = mapping.get(name, name)
                d = digests[f.name]
                f.size, f.sha256, f.sha512, f.sm3 = d.size, d.sha256, d.sha512, d.sm3
            audit_service.record(
                session,
                SYSTEM,
                "archive.files_renamed",
                target_type="archive_package",
                target_id=case_no,
                hall_code=pkg.hall_code,
                detail={"files": len(mapping)},
                now=now,
            )
    except Exception:
        os.rename(final, work)
        os.rename(old, final)
        bagfile.remove_tree(work)
        raise
    bagfile.remove_tree(old)


def legacy_names(database: Database, case_no: str) -> dict[str, str]:
    """The renaming a package needs: each document still named otherwise than by kind and id (its number)."""
    with database.unit_of_work(write=False) as session:
        pkg = PackageRepository(session).by_case_no(case_no, with_files=True)
        if pkg is None:
            return {}
        taken = {f.name for f in pkg.files}
        mapping: dict[str, str] = {}
        for f in pkg.files:
            folder, _, base = f.name.rpartition("/")
            if f.role not in DOCUMENT_ROLES or f.signature is None or _CURRENT.match(base):
                continue
            doc_no = str((f.signed_fields or {}).get("doc_no") or "")
            document = licence_service.document_by_number(session, doc_no) if doc_no else None
            stem = licence_service.file_name(document.kind, document.id) if document else f"document-{f.id}.pdf"
            new, n = f"{folder}/{stem}", 1
            while new in taken:
                n += 1
                new = f"{folder}/{stem.removesuffix('.pdf')}-{n}.pdf"
            taken.add(new)
            mapping[f.name] = new
        return mapping


def rename_legacy(database: Database, settings: Settings, *, now: datetime, batch: int = 100) -> RenamePass:
    """Every complete package, by id: rename its legacy document entries, then check it (trigger ``cli``).
    Packages already renamed are skipped, so the pass is resumable; a failure is named and the bag left as it was."""
    result, last = RenamePass(), 0
    while True:
        with database.unit_of_work(write=False) as session:
            rows = PackageRepository(session).complete_after(last, batch)
        if not rows:
            return result
        for _package_id, case_no in rows:
            mapping = legacy_names(database, case_no)
            if not mapping:
                result.skipped += 1
                continue
            try:
                rename_in_package(database, settings, case_no, mapping, now=now)
                with database.unit_of_work() as session:
                    report = checking.check_package(session, settings, case_no, trigger="cli", now=now)
                if not report.ok:
                    result.failed.append(f"{case_no}: check failed after renaming")
                result.renamed += 1
            except (OSError, ValueError, crypto.EnvelopeError) as exc:
                result.failed.append(f"{case_no}: {type(exc).__name__}")
        last = rows[-1][0]
