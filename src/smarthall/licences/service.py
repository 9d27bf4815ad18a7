"""Issuing signed PDF documents, public verification, and the e-licence wallet (证照, 出件).

What issuing and checking needs from outside — the signer, where the PDFs are kept, the public address of the
verification page, the CJK font — comes in as a ``DocumentDesk`` built by the caller (an endpoint or a task, the
boundary where settings and app state are read); nothing here reads a process global.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from smarthall.core import crypto
from smarthall.core.clock import format_local, service_day
from smarthall.core.config import Settings
from smarthall.core.crypto import Signer, canonical_bytes
from smarthall.core.db import Database, after_commit
from smarthall.core.errors import Conflict, NotFound
from smarthall.core.masking import mask_licence_number
from smarthall.core.tasks import enqueue
from smarthall.licences import rendering
from smarthall.licences.models import Document, Licence
from smarthall.licences.pdf import PdfContent, render
from smarthall.licences.repository import DocumentRepository, LicenceRepository

log = logging.getLogger(__name__)


class DocumentNotFound(NotFound):
    code = "document_not_found"
    message_zh = "未找到该文书"
    message_en = "No such document"


class DocumentPending(Conflict):
    code = "document_pending"
    message_zh = "证书正在制作,请稍后再试"
    message_en = "The certificate is being prepared; try again in a moment"


@dataclass(frozen=True)
class DocumentDesk:
    """Everything issuing and verifying a document needs besides the database."""

    signer: Signer
    documents_dir: Path
    public_base_url: str = ""
    font_path: Path | None = None
    rendering: str = "inline"  # inline | process | task (``licences.rendering``)

    @classmethod
    def from_settings(cls, settings: Settings, signer: Signer) -> DocumentDesk:
        return cls(
            signer,
            settings.data_dir / "documents",
            settings.public_base_url,
            settings.font_path(),
            settings.document_rendering_mode,
        )

    def verify_url(self, token: str) -> str:
        return f"{self.public_base_url.rstrip('/')}/verify/{token}"


def issue_document(
    session: Session,
    desk: DocumentDesk,
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
    """Issue one document in the caller's transaction: its number, token and holder are fixed now and it is
    ``pending``, with an outbox entry holding what goes on the page; the PDF is rendered, stored and signed after
    the commit (``complete_pending``, never inside the write transaction). ``key_fields`` hold no personal data in
    clear (mask names)."""
    documents = DocumentRepository(session)
    doc_no = f"{case_no}-{kind.upper()[:3]}{documents.count_of_kind(case_no, kind) + 1}"
    token = secrets.token_urlsafe(18)
    document = documents.add(
        Document(
            case_no=case_no,
            kind=kind,
            title=title,
            doc_no=doc_no,
            doc_no_index=number_index(doc_no),
            token=token,
            path="",
            sha256="",
            size=0,
            signed_fields={},
            signature="",
            status="pending",
            citizen_id=citizen_id,
            hall_id=hall_id,
            issued_at=now,
        )
    )
    content = {
        "issuer": issuer,
        "lines": [list(pair) for pair in lines],
        "paragraphs": paragraphs,
        "key_fields": key_fields,
        "verify_url": desk.verify_url(token),
    }
    documents.add_pending(document.id, json.dumps(content, ensure_ascii=False))
    _render_after_commit(session, desk, document.id)
    return document


def _render_after_commit(session: Session, desk: DocumentDesk, document_id: int) -> None:
    """Once the decision has committed, render its document where ``desk.rendering`` says (``licences.rendering``)."""
    database = session.info.get("db")
    if database is None:
        return
    if desk.rendering == "task":
        from smarthall.licences.tasks import render_document_task

        enqueue(session, render_document_task, document_id)
    elif desk.rendering == "process":

        def in_child() -> None:
            complete_pending(database, desk, document_id, renderer=rendering.render_in_child)

        def hand_over() -> None:
            rendering.in_background(desk.font_path, in_child)

        after_commit(session, hand_over)
    else:

        def render_now() -> None:
            complete_pending(database, desk, document_id)

        after_commit(session, render_now)


MAX_RENDER_ATTEMPTS = 10


def complete_pending(
    database: Database,
    desk: DocumentDesk,
    document_id: int,
    *,
    renderer: Callable[[PdfContent, Path | None], bytes] | None = None,
) -> bool:
    """Render a pending document outside any transaction and attach it in a short one of its own. Idempotent: the
    bytes depend only on what was fixed at issue (creation date included), the file is replaced atomically, and a
    document attached already is left as it is. A failure is counted on the outbox entry (the sweep retries it) and
    never raised: the decision it belongs to stands. True when the document is attached."""
    try:
        with database.unit_of_work(write=False) as session:
            found = DocumentRepository(session).pending_for_update(document_id, lock=False)
            if found is None:
                return False
            document, entry = found
            content = json.loads(entry.content_json)
            page = PdfContent(
                title=document.title,
                doc_no=document.doc_no,
                case_no=document.case_no or "",
                issuer=str(content["issuer"]),
                issued_on=service_day(document.issued_at).isoformat(),
                lines=[(str(a), str(b)) for a, b in content["lines"]],
                paragraphs=[str(p) for p in content["paragraphs"]],
                verify_url=str(content["verify_url"]),
                created_at=document.issued_at,
            )
            key_fields: dict[str, Any] = content["key_fields"]
            kind = document.kind
        data = (renderer or render)(page, desk.font_path)
        folder = desk.documents_dir / page.case_no
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name(kind, document_id)  # not the number: that names the holder's licence
        _write_atomically(path, data)
        signed: dict[str, Any] = {
            "doc_no": page.doc_no,
            "kind": kind,
            "title": page.title,
            "case_no": page.case_no,
            "issuer": page.issuer,
            "issued_on": page.issued_on,
            "sha256": hashlib.sha256(data).hexdigest(),
            **key_fields,
        }
        with database.unit_of_work() as session:
            repo = DocumentRepository(session)
            found = repo.pending_for_update(document_id, lock=not database.is_sqlite)
            if found is None:
                return False
            document, entry = found
            document.path, document.sha256, document.size = str(path), signed["sha256"], len(data)
            document.signed_fields = signed
            document.signature = desk.signer.sign(canonical_bytes(signed))
            document.status = "valid"
            repo.remove_pending(entry)
        return True
    except Exception as exc:
        log.exception("rendering document %s failed", document_id)
        try:
            with database.unit_of_work() as session:
                DocumentRepository(session).failed(document_id, f"{type(exc).__name__}: {exc}")
        except Exception:
            log.exception("could not count the failed rendering of document %s", document_id)
        return False


def file_name(kind: str, document_id: int) -> str:
    """A document's file name (on disk and in an archive bag): by kind and id, never by number."""
    return f"{kind}-{document_id}.pdf"


def document_by_number(session: Session, doc_no: str) -> Document | None:
    return DocumentRepository(session).by_number_index(number_index(doc_no))


@dataclass
class RenamePass:
    renamed: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


def rename_legacy_files(database: Database, *, batch: int = 200) -> RenamePass:
    """Give documents rendered before files were named by kind and id (``<doc_no>.pdf``: the number is the
    holder's licence number) their non-identifying name. Per document: the plaintext is sealed again under the new
    path (the envelope binds the path), the row is pointed at it, then the old file is removed; the signed SHA-256
    is of the plaintext, so verification by token is unchanged. Idempotent and resumable (a crash leaves at most a
    new file that the next run writes again, or an old one it removes)."""
    result = RenamePass()
    last = 0
    while True:
        with database.unit_of_work(write=False) as session:
            rows = DocumentRepository(session).files_after(last, batch)
        if not rows:
            return result
        for document_id, kind, path in rows:
            old = Path(path)
            new = old.with_name(file_name(kind, document_id))
            if old == new:
                result.skipped += 1
                continue
            try:
                crypto.write_sealed(new, crypto.read_plain(old))
                with database.unit_of_work() as session:
                    moved = DocumentRepository(session).move_file(document_id, str(old), str(new))
                if moved:
                    old.unlink(missing_ok=True)
                    result.renamed += 1
            except (OSError, crypto.EnvelopeError) as exc:  # named (never by number) and left as it is
                result.failed.append(f"document {document_id}: {type(exc).__name__}")
        last = rows[-1][0]


def _write_atomically(path: Path, data: bytes) -> None:
    """Sealed (``core.crypto`` envelope: a licence names its holder), written beside and renamed into place."""
    crypto.write_sealed(path, data)


def complete_all_pending(database: Database, desk: DocumentDesk, *, limit: int = 100) -> int:
    """The sweep: render every document a crash or a failure left pending (oldest first); how many it attached."""
    with database.unit_of_work(write=False) as session:
        ids = DocumentRepository(session).pending_ids(max_attempts=MAX_RENDER_ATTEMPTS, limit=limit)
    return sum(complete_pending(database, desk, document_id) for document_id in ids)


@dataclass(frozen=True)
class Verification:
    valid: bool
    reason: str  # ok | unknown | pending | revoked | signature | tampered | file_altered
    document: Document | None = None


def verify(session: Session, signer: Signer, token: str, pdf: bytes | None = None) -> Verification:
    """Whether the document behind ``token`` is genuine, unaltered (and equal to ``pdf`` when given)."""
    if not token or len(token) > 64:
        return Verification(False, "unknown")
    document = DocumentRepository(session).by_token(token)
    if document is None:
        return Verification(False, "unknown")
    if document.status == "pending":
        return Verification(False, "pending", document)
    if document.status != "valid":
        return Verification(False, "revoked", document)
    if not signer.verify(canonical_bytes(document.signed_fields), document.signature):
        return Verification(False, "signature", document)
    if pdf is not None and hashlib.sha256(pdf).hexdigest() != document.signed_fields.get("sha256"):
        return Verification(False, "tampered", document)
    try:  # the signed hash is of the plaintext PDF; a sealed file that does not open counts as altered
        stored = crypto.read_plain(Path(document.path))
    except (OSError, crypto.EnvelopeError):
        return Verification(False, "file_altered", document)
    if hashlib.sha256(stored).hexdigest() != document.signed_fields.get("sha256"):
        return Verification(False, "file_altered", document)
    return Verification(True, "ok", document)


def revoke(session: Session, document: Document) -> None:
    document.status = "revoked"


def get_document(session: Session, document_id: int) -> Document:
    document = DocumentRepository(session).get(document_id)
    if document is None:
        raise DocumentNotFound(detail={"document_id": document_id})
    return document


def case_documents(session: Session, case_no: str) -> list[Document]:
    return DocumentRepository(session).of_case(case_no)


# --- e-licence wallet -------------------------------------------------------------------------------------------


def number_index(number: str) -> str:
    """The blind index of a licence or document number (HMAC under the field index key): numbers held by a person
    are personal data, stored sealed and looked up, and kept unique, by this."""
    return crypto.blind_index(number.strip(), "licence_number")


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
    return LicenceRepository(session).add(
        Licence(
            citizen_id=citizen_id,
            type=type_,
            number=number,
            number_index=number_index(number),
            fields_json=json.dumps(fields, ensure_ascii=False, default=str),
            issued_on=issued_on,
            valid_until=valid_until,
            case_no=case_no,
            document_id=document_id,
        )
    )


def get_licence(session: Session, licence_id: int) -> Licence | None:
    return LicenceRepository(session).get(licence_id)


def number_taken(session: Session, number: str) -> bool:
    """Whether a licence with ``number`` exists already (numbers are unique)."""
    return LicenceRepository(session).number_taken(number_index(number))


def wallet(session: Session, citizen_id: int) -> list[Licence]:
    return LicenceRepository(session).wallet(citizen_id)


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


def held_values(session: Session, citizen_id: int, licence_type: str, field: str, today: date) -> list[Any]:
    """The field (``number``: the licence number itself) of each of the citizen's usable licences of a type."""
    out: list[Any] = []
    for licence in wallet(session, citizen_id):
        if licence.type == licence_type and usable(licence, today):
            value = licence.number if field == "number" else licence_fields(licence).get(field)
            if value:
                out.append(value)
    return out


def licence_read(licence: Licence) -> dict[str, Any]:
    return {
        "licence_id": licence.id,
        "type": licence.type,
        "number_masked": mask_licence_number(licence.number),
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
