"""Work that spans domains when a case moves (no commit here: the caller's unit of work holds it all):

- a notice or decision as a signed PDF (``licences``), issued by the hall, worded by ``notices``;
- approval → the result document → the e-licence in the applicant's wallet (a typed licence when the catalog says
  so, ``result_licence``; a new entity gets its unified social credit code from the entity registry the wiring
  provides) → delivery (the ``deliver`` action);
- the applicant and the responsible staff told (``notify``), and ``case.finished`` emitted for evaluation and the
  archive once a decision exists.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from smarthall.cases import notices
from smarthall.cases.errors import DocumentNotYours
from smarthall.cases.models import Case
from smarthall.cases.repository import CaseRepository
from smarthall.cases.shapes import ItemSpec
from smarthall.cases.workflow import FINAL_STATES
from smarthall.core import events, subjects
from smarthall.core.clock import service_day
from smarthall.core.masking import mask_name
from smarthall.core.registry import registry_of
from smarthall.core.tenancy import Actor
from smarthall.identity import service as identity_service
from smarthall.licences import service as licence_service
from smarthall.licences.service import DocumentDesk
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service

ENTITY_REGISTRY = "cases.entity_registry"  # the registry point providing ``EntityRegistry``
# Form fields a plain result record (no typed licence) keeps, so later forms can prefill from it.
RESULT_RECORD_FIELDS = ("uscc", "shop_name", "company_name", "destination")


class EntityRegistry(Protocol):
    """The market-entity register (市场主体登记): gives a newly registered entity its credit code."""

    def new_uscc(self, *, case_no: str, prefix: str, hall_code: str) -> str: ...


RESULT_KIND = "licence"  # the kind of the approval's result document (the notices are acceptance, decision, …)


def issue_notice(
    session: Session,
    desk: DocumentDesk,
    *,
    case: Case,
    item: ItemSpec,
    kind: str,
    title: str,
    paragraphs: list[str],
    now: datetime,
) -> Any:
    """A notice or decision of the hall about the case, signed and kept with it."""
    hall = org_service.hall_facts_by_id(session, case.hall_id)
    return licence_service.issue_document(
        session,
        desk,
        case_no=case.case_no,
        kind=kind,
        title=title,
        issuer=hall.name,
        lines=notices.header_lines(case, item, org_service.department_name(session, item.department_code)),
        paragraphs=paragraphs,
        key_fields={"holder": mask_name(case.applicant_name), "item_code": item.code},
        citizen_id=case.citizen_id,
        hall_id=case.hall_id,
        now=now,
    )


def issue_result(
    session: Session,
    desk: DocumentDesk,
    *,
    case: Case,
    item: ItemSpec,
    form: dict[str, Any],
    now: datetime,
    opinion: str | None = None,
) -> dict[str, Any]:
    """Approval's result: the signed result document (with the approver's opinion, when given) and the e-licence in
    the applicant's wallet."""
    hall = org_service.hall_facts_by_id(session, case.hall_id)
    today = service_day(now)
    spec = item.result_licence or {}
    uscc: str | None = None
    if spec.get("new_uscc"):
        entities: EntityRegistry = registry_of(session).provided(ENTITY_REGISTRY)
        uscc = entities.new_uscc(case_no=case.case_no, prefix=str(spec["new_uscc"]), hall_code=case.hall_code)
    shown_uscc = uscc or (str(form["uscc"]) if form.get("uscc") else None)
    doc = licence_service.issue_document(
        session,
        desk,
        case_no=case.case_no,
        kind=RESULT_KIND,
        title=notices.result_title(item, spec.get("type")),
        issuer=hall.name,
        lines=notices.result_lines(
            case,
            item,
            today,
            shown_uscc,
            form=form,
            authority=_authority(session, case, item, hall.name),
            opinion=opinion,
        ),
        paragraphs=notices.result_paragraphs(item),
        key_fields={"holder": mask_name(case.applicant_name), "item_code": item.code, "decision": "approved"},
        citizen_id=case.citizen_id,
        hall_id=case.hall_id,
        now=now,
    )
    if spec:
        licence_type = str(spec["type"])
        mapping: dict[str, str] = dict(spec.get("fields") or {})
        fields = {key: form[source] for key, source in mapping.items() if form.get(source) is not None}
        if uscc:
            fields["uscc"] = uscc
        fields["case_no"] = case.case_no
    else:
        licence_type = notices.result_record_type(item)
        kept = {k: v for k, v in form.items() if k in RESULT_RECORD_FIELDS}
        fields = {"case_no": case.case_no, "item_code": item.code, "decision": notices.text("doc.granted"), **kept}
    licence_id = None
    if case.citizen_id is not None:
        licence = licence_service.add_licence(
            session,
            citizen_id=case.citizen_id,
            type_=licence_type,
            number=doc.doc_no,
            fields=fields,
            issued_on=today,
            valid_until=None,
            case_no=case.case_no,
            document_id=doc.id,
        )
        licence_id = licence.id
    return {"document_id": doc.id, "licence_id": licence_id}


def _authority(session: Session, case: Case, item: ItemSpec, hall_name: str) -> str:
    """Who registers (登记机关): the item's department of the hall's district (澜湖区 + 市场监督管理局)."""
    department = org_service.department_name(session, item.department_code)
    if not department or department in hall_name:
        return hall_name
    district = hall_name.removesuffix("政务服务中心").removesuffix("市民中心").removesuffix("便民服务中心")
    return f"{district}{department}"


def finished(session: Session, case: Case, *, now: datetime) -> None:
    """A decision exists (``case.finished``, once: evaluation invites a rating); the case's last act is done
    (``case.closed``: delivered, picked up, rejected, refused or withdrawn — the archive packages the whole thread,
    after the commit)."""
    if case.finished_at is None:
        case.finished_at = now
        events.emit(session, "case.finished", case_no=case.case_no, hall_code=case.hall_code, status=case.status)
    if case.status in FINAL_STATES:
        events.emit(session, "case.closed", case_no=case.case_no, hall_code=case.hall_code, status=case.status)


def tell_applicant(session: Session, case: Case, *, template: str, params: dict[str, Any], now: datetime) -> None:
    if case.citizen_id is None:
        return
    notify_service.send(
        session,
        template=template,
        params=params,
        now=now,
        citizen_id=case.citizen_id,
        ref_type="case",
        ref_id=case.case_no,
    )


def tell_status(session: Session, case: Case, *, extra: str, now: datetime) -> None:
    """The applicant's message after a step: the new status and what it means for them (a bundle's part delivered:
    none — the bundle sends one message for all its parts, ``bundles.closing.deliver``)."""
    if case.status == "delivered" and subjects.whole_of(session, "case", case.case_no) is not None:
        return
    params = {
        "case_no": case.case_no,
        "item": case.item_name,
        "status_zh": notices.status_word(case.status),
        "status_en": notices.status_word(case.status, "en"),
        "extra": extra,
    }
    tell_applicant(session, case, template="case.status", params=params, now=now)


def tell_staff(
    session: Session, case: Case, staff_ids: list[int], *, template: str, params: dict[str, Any], now: datetime
) -> None:
    for staff_id in staff_ids:
        notify_service.send(
            session,
            template=template,
            params=params,
            now=now,
            staff_id=staff_id,
            ref_type="case",
            ref_id=case.case_no,
        )


def responsible_staff(session: Session, case: Case) -> list[int]:
    """Who answers for the case's current step: the hall's clerks while it waits for acceptance (and the clerk who
    accepted it), otherwise the approvers of its department."""
    role = "clerk" if case.status == "submitted" else "approver"
    staff = identity_service.active_staff(session, hall_id=case.hall_id, roles=(role,))
    out = [s.id for s in staff if role == "clerk" or s.department_code == case.department_code]
    if case.accepted_by and role == "clerk" and case.accepted_by not in out:
        out.append(case.accepted_by)
    return out


def fee_of(session: Session, case: Case) -> Any:
    """The case's fee and whether it is paid (``payments.service.CaseFee``), or None when the item is free."""
    from smarthall.payments import service as payments_service

    return payments_service.case_fee(session, case_no=case.case_no, item_code=case.item_code)


def require_paid(session: Session, case: Case) -> None:
    """Delivery waits for the fee (缴费后送达): 409 ``case_payment_required`` while a fee-carrying item's case has no
    paid order (payments decides what is owed)."""
    from smarthall.cases.errors import PaymentRequired

    fee = fee_of(session, case)
    if fee is not None and fee.state != "paid":
        raise PaymentRequired(detail={"case_no": case.case_no, "amount_fen": fee.amount_fen, "payment": fee.state})


def require_result_paid(session: Session, case_no: str) -> None:
    """The result document is handed out — downloaded, printed at the kiosk, put in a locker — only once the fee is
    paid: 409 ``case_payment_required`` with where to pay, as delivery. A number that names no case is let be (the
    caller decides what it may hand out)."""
    from smarthall.cases.errors import ResultAwaitsPayment
    from smarthall.cases.repository import CaseRepository

    case = CaseRepository(session).by_number(case_no)
    fee = fee_of(session, case) if case is not None else None
    if case is not None and fee is not None and fee.state != "paid":
        raise ResultAwaitsPayment(detail=payment_detail(case, fee))


def result_awaits_payment(session: Session, document: Any) -> bool:
    """Whether ``document`` is a case's result whose fee is still owed (then it is not handed out to the applicant:
    ``require_result_paid``); False for a notice, a free item or a document of no case."""
    from smarthall.cases.repository import CaseRepository

    if document.kind != RESULT_KIND or not document.case_no:
        return False
    case = CaseRepository(session).by_number(document.case_no)
    return case is not None and owes_fee(session, case)


def require_document_paid(session: Session, actor: Any, document: Any) -> None:
    """A citizen downloads a case's result document only once its fee is paid (staff in scope still read it); the
    notices (acceptance, decision, …) are not held back."""
    if actor.kind == "citizen" and document.kind == RESULT_KIND and document.case_no:
        require_result_paid(session, document.case_no)


def payment_detail(case: Case, fee: Any) -> dict[str, Any]:
    """What a refusal for an unpaid fee tells: the amount, the order state, and where to pay (page and API)."""
    return {
        "case_no": case.case_no,
        "amount_fen": fee.amount_fen,
        "payment": fee.state,
        "pay_path": f"/cases/{case.case_no}#fee",
        "payment_api": f"/api/v1/cases/{case.case_no}/payment",
    }


def owes_fee(session: Session, case: Case) -> bool:
    """Whether the case's fee is still to be paid (an instantly approved case then waits in ``approved``)."""
    fee = fee_of(session, case)
    return fee is not None and fee.state != "paid"


def ocr_enabled() -> bool:
    """Whether the pre-check may read scans (the ``ocr_enabled`` setting of the running app; off without one)."""
    from smarthall.core import runtime

    try:
        return bool(runtime.current().settings.ocr_enabled)
    except RuntimeError:
        return False


def document_for(session: Session, actor: Actor, *, document_id: int) -> Any:
    """A document's file, to its holder and to staff who may read its case (409 while it is being prepared)."""
    document = licence_service.get_document(session, document_id)
    if actor.kind == "citizen":
        if document.citizen_id != actor.id:
            raise licence_service.DocumentNotFound(detail={"document_id": document_id})
    elif actor.is_staff and actor.has("case.read") and document.case_no:
        if CaseRepository(session).in_scope(actor, document.case_no) is None:  # another hall's: its case unsaid
            raise licence_service.DocumentNotFound(detail={"document_id": document_id})
    else:
        raise DocumentNotYours()
    if document.status == "pending":  # rendered right after the decision's commit (or by the sweep)
        raise licence_service.DocumentPending(detail={"document_id": document_id})
    require_document_paid(session, actor, document)  # the applicant's result once its fee is paid
    return document
