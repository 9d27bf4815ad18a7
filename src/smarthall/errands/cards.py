"""The ID card read at the counter (窗口读卡): the clerk places the walk-in's card on the reader (``venue.cardreader``,
the simulated reader in the demo) before declaring for them. The card must be the ticket holder's when the ticket
names one; a ticket without identity takes the read person as the applicant. The read is carried to the submission
as a token signed for this ticket and person (no ID number in the page), and audited."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.core.crypto import blind_index
from smarthall.core.masking import mask_id_number, mask_name
from smarthall.core.tenancy import Actor
from smarthall.errands.errors import CardNotRegistered, CardNotTicketHolder, CardUnreadable
from smarthall.errands.repository import ErrandRepository
from smarthall.errands.service import Counter
from smarthall.identity import service as identity_service
from smarthall.venue import cardreader


@dataclass(frozen=True)
class CardRead:
    token: str  # for the submission: the citizen's id and a signature over the ticket and them
    name_masked: str
    id_number_masked: str
    reader: str


def _signature(secret: bytes, ticket_id: int, citizen_id: int) -> str:
    message = f"counter-card:{ticket_id}:{citizen_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def read_card(
    session: Session, actor: Actor, desk: Counter, presented: str, *, secret: bytes, now: datetime
) -> tuple[Counter, CardRead]:
    """Read the card on the reader for the person at ``desk``'s window: 422 unreadable, not the ticket holder, or
    not registered; else the desk for that person and the read (audited)."""
    number = cardreader.current().read(presented)
    if number is None:
        raise CardUnreadable()
    if desk.id_number is not None and number != desk.id_number:
        raise CardNotTicketHolder(detail={"ticket_id": desk.ticket_id})
    citizen = identity_service.find_citizen_by_id_number(session, number)
    if citizen is None:
        raise CardNotRegistered()
    audit_service.record(
        session, actor, "errands.counter.card_read", target_type="errands_errand", target_id=desk.errand_code,
        hall_code=desk.hall_code, detail={"ticket_id": desk.ticket_id, "reader": cardreader.current().name},
        now=now,
    )  # fmt: skip
    read = CardRead(
        token=f"{citizen.id}.{_signature(secret, desk.ticket_id, citizen.id)}",
        name_masked=mask_name(citizen.name),
        id_number_masked=mask_id_number(number),
        reader=cardreader.current().name,
    )
    return replace(desk, citizen_id=citizen.id, id_number=number), read


def with_card(session: Session, desk: Counter, token: str, *, secret: bytes) -> Counter:
    """The desk for the person a card read named (a token signed for this ticket), else the desk as it is."""
    head, _, signature = token.partition(".")
    if not head.isdigit() or not hmac.compare_digest(signature, _signature(secret, desk.ticket_id, int(head))):
        return desk
    contact = identity_service.citizen_contact(session, int(head))
    if contact is None or (desk.id_number is not None and contact.id_number != desk.id_number):
        return desk
    return replace(desk, citizen_id=int(head), id_number=contact.id_number)


def claim(session: Session, desk: Counter) -> None:
    """An errand opened by a ticket without identity becomes the card-read person's (it had nobody's)."""
    errand = ErrandRepository(session).by_code_any(desk.errand_code)
    if errand is None or errand.citizen_id is not None or errand.subject_index is not None or desk.id_number is None:
        return
    errand.citizen_id = desk.citizen_id
    errand.subject_index = blind_index(desk.id_number, "id_number")
