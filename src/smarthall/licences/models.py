"""Result documents (PDF notices, decisions, licences) and the e-licence wallet."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smarthall.core.crypto import EncryptedJson, EncryptedString
from smarthall.core.models import Base, IdMixin, TimestampMixin


class Document(IdMixin, TimestampMixin, Base):
    """A generated PDF. Key fields are signed; ``token`` is the public verification handle in the QR code.

    Issued as ``pending`` (number, token and holder fixed, no file yet) in the transaction of the decision, with a
    ``PendingDocument`` beside it; rendered after that commit and attached (file, digest, signature, ``valid``) in a
    short transaction of its own (``licences.service.complete_pending``)."""

    __tablename__ = "licences_document"

    case_no: Mapped[str | None] = mapped_column(String(48), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # receipt | acceptance | supplement | refusal | decision | licence
    title: Mapped[str] = mapped_column(String(128))
    # The number names the holder's licence (a result's number is the licence number in the wallet): sealed, found
    # by its blind index (``licences.service.number_index``); the signed fields carry it too, so they are sealed.
    doc_no: Mapped[str] = mapped_column(EncryptedString("licences_document.doc_no"))
    doc_no_index: Mapped[str] = mapped_column(String(64), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    signed_fields: Mapped[dict[str, Any]] = mapped_column(EncryptedJson("licences_document.signed_fields"))
    signature: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="valid")  # pending | valid | revoked
    citizen_id: Mapped[int | None] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    hall_id: Mapped[int | None] = mapped_column(ForeignKey("org_hall.id"))
    issued_at: Mapped[datetime] = mapped_column()


class Licence(IdMixin, TimestampMixin, Base):
    """An e-licence held by a citizen (电子证照); later forms prefill from ``fields``."""

    __tablename__ = "licences_licence"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("identity_citizen.id"), index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    # Personal data (every wallet licence is held by a citizen): sealed, unique and found by its blind index.
    number: Mapped[str] = mapped_column(EncryptedString("licences_licence.number"))
    number_index: Mapped[str] = mapped_column(String(64), unique=True)
    fields_json: Mapped[str] = mapped_column(EncryptedString("licences_licence.fields_json"))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid | revoked | cancelled
    case_no: Mapped[str | None] = mapped_column(String(48))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("licences_document.id"))


class PendingDocument(IdMixin, TimestampMixin, Base):
    """The outbox entry of a document still to be rendered: what goes on the page (encrypted: it names the
    applicant), and the failed attempts so far. Deleted in the transaction that attaches the file."""

    __tablename__ = "licences_pending_document"

    document_id: Mapped[int] = mapped_column(ForeignKey("licences_document.id"), unique=True)
    content_json: Mapped[str] = mapped_column(EncryptedString("licences_pending_document.content_json"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
