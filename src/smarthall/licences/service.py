"""Issuing signed PDF documents, public verification, and the e-licence wallet."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smarthall.core import runtime
from smarthall.core.clock import format_local, service_day
from smarthall.core.crypto import Signer, canonical_bytes
from smarthall.core.errors import NotFound
from smarthall.licences.models import Document, Licence
from smarthall.licences.pdf import PdfContent, render


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_zh = "未找到该文书"
    message_en = "No such document"


def signer() -> Signer:
    rt = runtime.current()
    found = rt.extras.get("signer")
    if found is None:
        raise RuntimeError("no document signer configured")
    return found  # type: ignore[no-any-return]


def documents_dir() -> Path:
    path = runtime.current().settings.data_dir / "documents"
    path.mkdir(parents=True, exist_ok=True)
    return path


def issue_document(
    session: Session,
    *,
    case_no: str,
    kind: str,
    title: str,
    issuer: str,
    lines: list[tuple[str, str]],
    paragraphs: list[str],
    key_fields: dict[str, Any],
    citizen_id: int | None,
    hall_id: int | None,
    now: datetime,
) -> Document:
    """Render, store and sign one document. ``key_fields`` hold no personal data in clear (mask names)."""
    count = session.execute(
        select(func.count()).select_from(Document).where(Document.case_no == case_no, Document.kind == kind)
    ).scalar_one()
    doc_no = f"{case_no}-{kind.upper()[:3]}{count + 1}"
    token = secrets.token_urlsafe(18)
    issued_on = service_day(now).isoformat()
    content = PdfContent(
        title=title,
        doc_no=doc_no,
        case_no=case_no,
        issuer=issuer,
        issued_on=issued_on,
        lines=lines,
        paragraphs=paragraphs,
        verify_url=f"{runtime.current().settings.public_base_url.rstrip('/')}/verify/{token}",
    )
    data = render(content, runtime.current().settings.font_path())
    digest = hashlib.sha256(data).hexdigest()
    folder = documents_dir() / case_no
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc_no}.pdf"
    path.write_bytes(data)
    signed = {
        "doc_no": doc_no,
        "kind": kind,
        "title": title,
        "case_no": case_no,
        "issuer": issuer,
        "issued_on": issued_on,
        "sha256": digest,
        **key_fields,
    }
    document = Document(
        case_no=case_no,
        kind=kind,
        title=title,
        doc_no=doc_no,
        token=token,
        path=str(path),
        sha256=digest,
        size=len(data),
        signed_fields=signed,
        signature=signer().sign(canonical_bytes(signed)),
        citizen_id=citizen_id,
        hall_id=hall_id,
        issued_at=now,
    )
    session.add(document)
    session.flush()
    return document


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str  # ok | unknown | revoked | signature | tampered | file_altered
    document: Document | None = None


def verify(session: Session, token: str, pdf: bytes | None = None) -> Verification:
    if not token or len(token) > 64:
        return Verification(False, "unknown")
    document = session.execute(select(Document).where(Document.token == token)).scalar_one_or_none()
    if document is None:
        return Verification(False, "unknown")
    if document.status != "valid":
        return Verification(False, "revoked", document)
    if not signer().verify(canonical_bytes(document.signed_fields), document.signature):
        return Verification(False, "signature", document)
    if pdf is not None and hashlib.sha256(pdf).hexdigest() != document.signed_fields.get("sha256"):
        return Verification(False, "tampered", document)
    stored = Path(document.path)
    if not stored.exists() or hashlib.sha256(stored.read_bytes()).hexdigest() != document.signed_fields.get("sha256"):
        return Verification(False, "file_altered", document)
    return Verification(True, "ok", document)


def revoke(session: Session, document: Document) -> None:
    document.status = "revoked"


def get_document(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise DocumentNotFound(detail={"document_id": document_id})
    return document


def case_documents(session: Session, case_no: str) -> list[Document]:
    return list(session.execute(select(Document).where(Document.case_no == case_no).order_by(Document.id)).scalars())


# --- e-licence wallet -------------------------------------------------------------------------------------------


def add_licence(
    session: Session,
    *,
    citizen_id: int,
    type_: str,
    number: str,
    fields: dict[str, Any],
    issued_on: date,
    valid_until: date | None,
    case_no: str | None = None,
    document_id: int | None = None,
) -> Licence:
    licence = Licence(
        citizen_id=citizen_id,
        type=type_,
        number=number,
        fields_json=json.dumps(fields, ensure_ascii=False, default=str),
        issued_on=issued_on,
        valid_until=valid_until,
        case_no=case_no,
        document_id=document_id,
    )
    session.add(licence)
    session.flush()
    return licence


def wallet(session: Session, citizen_id: int) -> list[Licence]:
    return list(session.execute(select(Licence).where(Licence.citizen_id == citizen_id).order_by(Licence.id)).scalars())


def licence_fields(licence: Licence) -> dict[str, Any]:
    return json.loads(licence.fields_json)  # type: ignore[no-any-return]


def usable(licence: Licence, today: date) -> bool:
    return licence.status == "valid" and (licence.valid_until is None or licence.valid_until >= today)


def held_value(session: Session, citizen_id: int, licence_type: str, field: str, today: date) -> Any:
    """The field of the citizen's newest usable licence of a type (for prefill and verified rule inputs)."""
    for licence in reversed(wallet(session, citizen_id)):
        if licence.type == licence_type and usable(licence, today):
            return licence_fields(licence).get(field)
    return None


def licence_read(licence: Licence) -> dict[str, Any]:
    return {
        "licence_id": licence.id,
        "type": licence.type,
        "number": licence.number,
        "fields": licence_fields(licence),
        "issued_on": licence.issued_on.isoformat(),
        "valid_until": licence.valid_until.isoformat() if licence.valid_until else None,
        "status": licence.status,
        "case_no": licence.case_no,
        "document_id": licence.document_id,
    }


def describe(document: Document) -> dict[str, Any]:
    return {
        "document_id": document.id,
        "kind": document.kind,
        "title": document.title,
        "doc_no": document.doc_no,
        "status": document.status,
        "issued_at": format_local(document.issued_at),
        "verify_path": f"/verify/{document.token}",
        "download_path": f"/api/v1/documents/{document.id}",
    }
