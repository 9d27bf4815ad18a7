"""The citizen portal (issue 16): the signed-in citizen's home — the consult search box, services by life event
(the catalog's 一件事 bundles) and by department, and "my errands" (bookings, today's tickets, cases, licences,
messages), each status in words with its next step — and the registration page.

Everything is read through the other domains' services; the words are in ``web/messages.toml``
(``portal.<kind>.<status>`` and ``portal.<kind>.<status>.next``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from smarthall.appointment import service as appointment_service
from smarthall.cases import notices
from smarthall.cases import service as cases_service
from smarthall.catalog import service as catalog_service
from smarthall.core.clock import service_day
from smarthall.core.db import attempt
from smarthall.core.deps import CurrentActor, DbSession, Now
from smarthall.core.errors import HallError
from smarthall.core.i18n import message
from smarthall.core.masking import mask_licence_number, mask_phone
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.identity import phone_codes
from smarthall.identity import service as identity_service
from smarthall.identity.schemas import CitizenCreate
from smarthall.licences import service as licence_service
from smarthall.notify import service as notify_service
from smarthall.org import service as org_service
from smarthall.queueing import service as queueing_service
from smarthall.web.templating import gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

DEFAULT_LEVEL = "county"  # a citizen without a chosen hall sees the first county-level hall's services


@dataclass(frozen=True)
class Errand:
    """One line of "my errands": what, its status in words, the next step, and where to click."""

    kind: str  # booking | ticket | case | licence | message
    title: str
    status_key: str  # the catalog key of the status word (and ``<key>.next`` for the next step)
    when: datetime | None
    href: str
    detail: str = ""
    title_params: dict[str, str] | None = None  # a licence's title is a catalog key (``t(title, **title_params)``)


def _status(kind: str, status: str) -> str:
    key = f"portal.{kind}.{status}"
    return key if message(key) is not None else f"portal.{kind}.other"


def chosen_hall(session: Session, hall_code: str) -> Any:
    """The hall the citizen picked, else the first county-level hall (the demo's 澜湖区), else the first."""
    halls = org_service.list_halls(session)
    for hall in halls:
        if hall.code == hall_code:
            return hall
    return next((h for h in halls if h.level == DEFAULT_LEVEL), halls[0] if halls else None)


def services(session: Session, hall: Any) -> dict[str, Any]:
    """The hall's items by life event (bundles) and by department, bookable ones marked."""
    if hall is None:
        return {"events": [], "departments": []}
    offered = catalog_service.hall_item_codes(session, hall)
    items = {i.code: i for i in catalog_service.active_items(session) if i.code in offered}
    events = []
    for bundle in catalog_service.list_bundles(session):
        members = [items[c] for c in bundle.item_codes if c in items]
        if members:
            events.append(
                {
                    "code": bundle.code,
                    "name": bundle.name,
                    "description": bundle.description,
                    "items": members,
                    "complete": len(members) == len(bundle.item_codes),  # the hall handles all: one application
                }
            )
    by_department: dict[str, list[Any]] = {}
    for item in sorted(items.values(), key=lambda i: i.code):
        by_department.setdefault(item.department_code, []).append(item)
    departments = [
        {"code": code, "name": org_service.department_name(session, code), "items": members}
        for code, members in sorted(by_department.items())
    ]
    return {"events": events, "departments": departments}


def errands(session: Session, actor: Actor, now: datetime) -> list[Errand]:
    """The citizen's bookings, today's tickets, cases, licences and messages, each with its status key."""
    names = {i.code: i.name for i in catalog_service.active_items(session)}
    out: list[Errand] = []
    for ticket in queueing_service.my_tickets(session, actor, now):
        detail = ""
        if ticket.status == "waiting" and ticket.ahead is not None:
            detail = f"ahead:{ticket.ahead}"
        elif ticket.status == "called" and ticket.window_number is not None:
            detail = f"window:{ticket.window_number}"
        out.append(
            Errand(
                "ticket",
                f"{ticket.number} · {names.get(ticket.item_code, ticket.item_code)}",
                _status("ticket", ticket.status),
                ticket.issued_at,
                f"/tickets/{ticket.id}",
                detail,
            )
        )
    for booking in appointment_service.my_bookings(session, actor):
        read = appointment_service.booking_read(session, booking)
        out.append(
            Errand(
                "booking",
                names.get(read.item_code or "", read.item_code or ""),
                _status("booking", read.status),
                read.starts_at,
                "/appointments/mine",
                read.code,
            )
        )
    for case in cases_service.list_cases(session, actor, limit=50):
        out.append(
            Errand(
                "case",
                names.get(case.item_code, case.item_code),
                _status("case", case.status),
                case.created_at,
                f"/cases/{case.case_no}",
                case.case_no,
            )
        )
    if actor.id is not None:
        for licence in licence_service.wallet(session, actor.id):
            href = f"/me/licences#licence-{licence.id}"
            entry = _wallet_entry(session, licence, service_day(now))  # 待缴费 while the result's fee is owed
            title, status, number = entry["type_name"], entry["status_key"], entry["number_masked"]
            out.append(Errand("licence", title, status, None, href, number, entry["type_params"]))
        for msg in notify_service.inbox(session, citizen_id=actor.id, limit=10):
            href = (
                f"/cases/{msg.ref_id}"
                if msg.ref_type == "case"
                else (f"/tickets/{msg.ref_id}" if msg.ref_type == "ticket" else "/")
            )
            out.append(Errand("message", "", "portal.message.received", msg.created_at, href, msg.id.__str__()))
    return out


def _own_name(session: Session, actor: Actor) -> str:
    """The citizen's own name, to greet them (shown to themselves only, as their own case pages show it)."""
    contact = identity_service.citizen_contact(session, actor.id) if actor.id is not None else None
    return contact.name if contact is not None else ""


def citizen_home(request: Request, session: Session, actor: Actor, now: datetime, hall_code: str) -> Response:
    hall = chosen_hall(session, hall_code)
    messages = {}
    if actor.id is not None:
        messages = {str(m.id): m for m in notify_service.inbox(session, citizen_id=actor.id, limit=10)}
    context = {
        "hall": hall,
        "halls": org_service.list_halls(session),
        "errands": errands(session, actor, now),
        "messages": messages,
        "name": _own_name(session, actor),
        "phone_unverified": actor.id is not None and not identity_service.phone_verified(session, actor.id),
        **services(session, hall),
    }
    return render(request, "portal/home.html", context)


# ------------------------------------------------------------------------------------------------- registration


@router.get("/register")
def register_page(request: Request, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind != "anonymous":
        return RedirectResponse("/", status_code=303)
    return render(request, "portal/register.html", {"errors": [], "values": {}})


@router.post("/register")
def register_submit(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    name: Annotated[str, Form(max_length=50)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    phone: Annotated[str, Form(max_length=11)] = "",
    phone_code: Annotated[str, Form(max_length=6)] = "",
    password: Annotated[str, Form(max_length=128)] = "",
    password2: Annotated[str, Form(max_length=128)] = "",
) -> Response:
    """Register through the same checks as ``POST /api/v1/citizens`` (fields, then the SMS code), then sign in with
    the new ID number."""
    request.state.actor = actor
    values = {"name": name, "id_number": id_number, "phone": phone}
    errors: list[tuple[str, str]] = []
    if password != password2:
        errors.append(message("portal.register.mismatch") or ("", ""))
    data = None
    try:
        data = CitizenCreate(name=name, id_number=id_number, phone=phone, password=password)
    except ValidationError:
        errors.append(message("portal.register.invalid") or ("", ""))
    if not errors and data is not None:
        try:
            identity_service.check_citizen_fields(data, now=now)
            code_id = phone_codes.check(session, data.phone, phone_code, now=now)  # a wrong try stays counted
            with attempt(session):
                identity_service.register_citizen(session, data, now=now, phone_verified=True)
                phone_codes.consume(session, code_id, now=now)
        except HallError as exc:
            found = exc.detail if isinstance(exc.detail, list) else []
            errors.extend((e["message_zh"], e["message_en"]) for e in found if "message_zh" in e)
            errors = errors or [(exc.message_zh_, exc.message_en_)]
    if errors:
        return render(request, "portal/register.html", {"errors": errors, "values": values}, status_code=422)
    return RedirectResponse("/login?next=/&registered=1", status_code=303)


@router.post("/register/phone-code")
def register_phone_code(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    name: Annotated[str, Form(max_length=50)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    phone: Annotated[str, Form(max_length=11)] = "",
) -> Response:
    """The register form's "get a code" button: send the SMS code (as ``POST /api/v1/citizens/phone-codes``) and show
    the form again with what was typed (never the password)."""
    request.state.actor = actor
    if actor.kind != "anonymous":
        return RedirectResponse("/", status_code=303)
    values = {"name": name, "id_number": id_number, "phone": phone}
    try:
        with attempt(session):
            sent = phone_codes.send(session, actor, phone, now=now)
    except HallError as exc:
        found = exc.detail if isinstance(exc.detail, list) else []
        errors = [(e["message_zh"], e["message_en"]) for e in found if "message_zh" in e]
        errors = errors or [(exc.message_zh_, exc.message_en_)]
        status = 429 if exc.status == 429 else 422
        return render(request, "portal/register.html", {"errors": errors, "values": values}, status_code=status)
    context = {"errors": [], "values": values, "code_sent": mask_phone(phone), "minutes": sent["expires_in"] // 60}
    return render(request, "portal/register.html", context)


# ------------------------------------------------------------------------------------------------- the wallet


def licence_type_name(licence_type: str) -> tuple[str, dict[str, str]]:
    """The catalog key (and its parameters) of a licence type's name: ``licence.type.营业执照`` → Business licence;
    a result record named after its item (``个体工商户注销登记结果``) by the words it was made from, so an English page
    says the item's English name (``case.doc.result_record``); else the type itself (issue 16)."""
    key = f"licence.type.{licence_type}"
    if message(key) is not None:
        return key, {}
    return notices.title_words(licence_type) or (licence_type, {})


def _wallet_entry(session: Session, licence: Any, today: date) -> dict[str, Any]:
    """One licence of the wallet as the page shows it: its words, dates, and the document and case behind it."""
    expired = licence.status == "valid" and licence.valid_until is not None and licence.valid_until < today
    document, unpaid = None, False
    if licence.document_id is not None:
        found = licence_service.get_document(session, licence.document_id)
        document = licence_service.describe(found) if found.status != "pending" else None
        # A result whose fee is owed is not handed out (缴费后领取): the wallet says so and where to pay, instead of
        # a download that would answer 409 case_payment_required.
        unpaid = document is not None and cases_service.result_awaits_payment(session, found)
    return {
        "id": licence.id,
        "type": licence.type,
        "number": licence.number,
        "number_masked": mask_licence_number(licence.number),
        "issued_on": licence.issued_on,
        "valid_until": licence.valid_until,
        "type_name": (name := licence_type_name(licence.type))[0],
        "type_params": name[1],
        "status_key": "portal.licence.unpaid"
        if unpaid
        else ("portal.licence.expired" if expired else _status("licence", licence.status)),
        "case_no": licence.case_no,
        "document": document,
        "awaiting_payment": unpaid,
        "pay_path": f"/cases/{licence.case_no}#fee" if unpaid else None,
    }


@router.get("/me/licences")
def wallet_page(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The citizen's e-licence wallet (电子证照): each licence in words, valid until when, the issued document to
    download and verify, and the case it came from. Forms offer these in place of paper copies."""
    if (refused := gate(request, actor, "case.submit")) is not None:
        return refused
    assert actor.id is not None
    today = service_day(now)
    entries = [_wallet_entry(session, lic, today) for lic in licence_service.wallet(session, actor.id)]
    return render(request, "portal/licences.html", {"licences": entries})
