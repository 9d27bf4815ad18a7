"""Every query of the licences domain: result documents by case, number and token, and the e-licence wallet.

Documents and licences are found by their case, their owner (the citizen) or their public token, never by hall:
who may read one is decided by the case it belongs to (``cases.flows.document_for``) or by its holder.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smarthall.licences.models import Document, Licence, PendingDocument


class DocumentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, document_id: int) -> Document | None:
        return self.session.get(Document, document_id)

    def by_token(self, token: str) -> Document | None:
        return self.session.execute(select(Document).where(Document.token == token)).scalar_one_or_none()

    def count_of_kind(self, case_no: str, kind: str) -> int:
        stmt = select(func.count()).select_from(Document).where(Document.case_no == case_no, Document.kind == kind)
        return int(self.session.execute(stmt).scalar_one())

    def of_case(self, case_no: str) -> list[Document]:
        stmt = select(Document).where(Document.case_no == case_no).order_by(Document.id)
        return list(self.session.execute(stmt).scalars())

    def add(self, document: Document) -> Document:
        self.session.add(document)
        self.session.flush()
        return document

    def files_after(self, last_id: int, batch: int) -> list[tuple[int, str, str]]:
        """(id, kind, path) of documents with a file after ``last_id``, one keyset batch."""
        stmt = (
            select(Document.id, Document.kind, Document.path)
            .where(Document.id > last_id, Document.path != "")
            .order_by(Document.id)
            .limit(batch)
        )
        return [(int(r[0]), str(r[1]), str(r[2])) for r in self.session.execute(stmt).all()]

    def by_number_index(self, index: str) -> Document | None:
        return self.session.execute(select(Document).where(Document.doc_no_index == index)).scalar_one_or_none()

    def move_file(self, document_id: int, old: str, new: str) -> bool:
        """Point the document at its renamed file, only if it still names ``old`` (a concurrent pass did not)."""
        document = self.session.get(Document, document_id)
        if document is None or document.path != old:
            return False
        document.path = new
        self.session.flush()
        return True

    # --- the outbox of documents still to render ---------------------------------------------------------------

    def add_pending(self, document_id: int, content_json: str) -> None:
        self.session.add(PendingDocument(document_id=document_id, content_json=content_json))
        self.session.flush()

    def pending(self, document_id: int) -> PendingDocument | None:
        stmt = select(PendingDocument).where(PendingDocument.document_id == document_id)
        return self.session.execute(stmt).scalar_one_or_none()

    def pending_ids(self, *, max_attempts: int, limit: int) -> list[int]:
        stmt = (
            select(PendingDocument.document_id)
            .where(PendingDocument.attempts < max_attempts)
            .order_by(PendingDocument.id)
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def pending_for_update(self, document_id: int, *, lock: bool) -> tuple[Document, PendingDocument] | None:
        """A pending document and its outbox entry, row-locked where the backend can (the SQLite writer is alone)."""
        stmt = select(Document).where(Document.id == document_id, Document.status == "pending")
        document = self.session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
        entry = self.pending(document_id) if document is not None else None
        return (document, entry) if document is not None and entry is not None else None

    def remove_pending(self, entry: PendingDocument) -> None:
        self.session.delete(entry)
        self.session.flush()

    def failed(self, document_id: int, error: str) -> None:
        entry = self.pending(document_id)
        if entry is not None:
            entry.attempts += 1
            entry.last_error = error[:300]
            self.session.flush()


class LicenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, licence_id: int) -> Licence | None:
        return self.session.get(Licence, licence_id)

    def wallet(self, citizen_id: int) -> list[Licence]:
        stmt = select(Licence).where(Licence.citizen_id == citizen_id).order_by(Licence.id)
        return list(self.session.execute(stmt).scalars())

    def number_taken(self, index: str) -> bool:
        """Whether a licence of this number exists, by its blind index (``service.number_index``)."""
        return self.session.execute(select(Licence.id).where(Licence.number_index == index)).first() is not None

    def add(self, licence: Licence) -> Licence:
        self.session.add(licence)
        self.session.flush()
        return licence
