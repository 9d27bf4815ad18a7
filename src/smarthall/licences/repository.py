"""Every query of the licences domain: result documents by case, number and token, and the e-licence wallet.

Documents and licences are found by their case, their owner (the citizen) or their public token, never by hall:
who may read one is decided by the case it belongs to (``cases.service.document_for``) or by its holder.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smarthall.licences.models import Document, Licence


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


class LicenceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, licence_id: int) -> Licence | None:
        return self.session.get(Licence, licence_id)

    def wallet(self, citizen_id: int) -> list[Licence]:
        stmt = select(Licence).where(Licence.citizen_id == citizen_id).order_by(Licence.id)
        return list(self.session.execute(stmt).scalars())

    def number_taken(self, number: str) -> bool:
        return self.session.execute(select(Licence.id).where(Licence.number == number)).first() is not None

    def add(self, licence: Licence) -> Licence:
        self.session.add(licence)
        self.session.flush()
        return licence
