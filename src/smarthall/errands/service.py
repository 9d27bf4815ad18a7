"""Errand use cases (一件一码, requirements "one thread per citizen errand"): the errand is opened at the first touch
(a question with a next step, a booking, a ticket or a case) and every later record of the same person and item
joins it; its page shows the whole thread — question → booking → ticket → case → result → delivery → archive →
rating — with links.

Records join in the transaction that creates them (``registry.on_write`` listeners of ``question.routed``,
``booking.created``, ``ticket.issued``, ``case.submitted``, ``archive.built``, ``rating.created``), so a record never
exists without its errand. Which errand a new record joins: the one it names (a case filed from a ticket names the
ticket's errand; a ticket checked in from a booking joins the booking's), else the person's newest open errand at the
hall for the same item that has no record of this kind yet (a booking after a question: the question's), else a new
one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases import service as case_service
from smarthall.catalog import service as catalog_service
from smarthall.catalog.errors import ItemNotFound
from smarthall.core.clock import service_day
from smarthall.core.tenancy import SYSTEM, Actor
from smarthall.errands.errors import ErrandNotFound, ErrandNotYours, RoleCannotReadErrands, TicketAtAnotherWindow
from smarthall.errands.models import Errand
from smarthall.errands.repository import ErrandRepository
from smarthall.identity import service as identity_service
from smarthall.org import service as org_service
from smarthall.queueing import service as queue_service

# Case timeline actions → the step of the errand they are (the rest are shown as the case's own steps).
CASE_STEPS = {
    "submit": "case",
    "accept": "accepted",
    "accept_tolerated": "accepted",
    "supplement": "supplement",
    "resubmit": "case",
    "approve": "result",
    "auto_approve": "result",
    "reject": "result",
    "refuse": "result",
    "deliver": "delivery",
    "withdraw": "withdrawn",
}
SYSTEM_READER = SYSTEM  # the archive reads the thread as the system (staff links)
FINAL_CASE = frozenset({"delivered", "rejected", "refused", "withdrawn"})


def _new_code(now: datetime) -> str:
    return f"YJ{service_day(now):%Y%m%d}{secrets.randbelow(10**8):08d}"


def _open(
    session: Session, *, hall_id: int, item_code: str, citizen_id: int | None, subject_index: str | None, now: datetime
) -> Errand:
    hall = org_service.hall_facts_by_id(session, hall_id)
    errand = Errand(
        code=_new_code(now),
        hall_id=hall.id,
        hall_code=hall.code,
        region_path=hall.region_path,
        citizen_id=citizen_id,
        subject_index=subject_index,
        item_code=item_code,
        status="open",
        opened_at=now,
    )
    repo = ErrandRepository(session)
    repo.add(errand)
    repo.flush()
    return errand


def _join(
    session: Session,
    payload: dict[str, Any],
    *,
    kind: str,
    ref: str,
    named: Errand | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """The record of an event's ``payload`` (hall_id, item_code, citizen_id, id_number_index, at) joins ``named``,
    else the person's open errand for the item, else a new errand."""
    hall_id, item_code = int(payload["hall_id"]), str(payload["item_code"])
    citizen_id, subject_index, at = payload.get("citizen_id"), payload.get("id_number_index"), payload["at"]
    # A booking, ticket or case joins once, in the transaction that creates it: no "already linked?" read.
    repo = ErrandRepository(session)
    errand = named or repo.open_for(
        hall_id=hall_id, item_code=item_code, citizen_id=citizen_id, subject_index=subject_index, without=kind
    )
    if errand is None:  # a new errand and its first link, without the ORM (the ticket's hot path)
        hall = org_service.hall_facts_by_id(session, hall_id)
        values = {"code": _new_code(at), "hall_id": hall.id, "hall_code": hall.code, "region_path": hall.region_path,
                  "citizen_id": citizen_id, "subject_index": subject_index, "item_code": item_code, "status": "open",
                  "opened_at": at}  # fmt: skip
        repo.open_linked(values, kind=kind, ref=ref, at=at, detail=detail or {})
        return
    if errand.citizen_id is None and citizen_id is not None:
        errand.citizen_id = citizen_id  # a walk-in known by ID number has since been identified
    if errand.subject_index is None and subject_index:
        errand.subject_index = subject_index
    repo.add_link(errand, kind=kind, ref=ref, at=at, detail=detail or {})


# --- listeners (inside the emitting transaction) ----------------------------------------------------------------


def on_booking_created(session: Session, payload: dict[str, Any]) -> None:
    _join(
        session,
        {**payload, "id_number_index": None},
        kind="booking",
        ref=str(payload["code"]),
        detail={"starts_at": payload["starts_at"].isoformat()} if payload.get("starts_at") else {},
    )


def on_question_routed(session: Session, payload: dict[str, Any]) -> None:
    """A consultation answer's next step (book, ticket, apply) taken by an identified citizen: the question is the
    errand's first touch (or continues the open one); the booking, ticket or case it leads to joins it. Once per
    question (a second step of the same question changes nothing)."""
    if payload.get("citizen_id") is None or ErrandRepository(session).link_of("question", str(payload["question_id"])):
        return
    _join(session, {**payload, "id_number_index": None}, kind="question", ref=str(payload["question_id"]),
          detail={"route": payload.get("route")})  # fmt: skip


def on_ticket_issued(session: Session, payload: dict[str, Any]) -> None:
    repo = ErrandRepository(session)
    named = repo.of_record("booking", str(payload["appointment_code"])) if payload.get("appointment_code") else None
    _join(
        session,
        payload,
        kind="ticket",
        ref=str(payload["ticket_id"]),
        named=named,
        detail={"number": payload.get("number")},
    )


def on_case_submitted(session: Session, payload: dict[str, Any]) -> None:
    """A new case joins the errand it names (refused, and the case with it, when that errand is another person's,
    hall's or item's), else the person's open errand for the item, else a new one."""
    named = None
    if code := payload.get("errand_code"):
        named = ErrandRepository(session).by_code_any(str(code))
        same_person = named is not None and (
            (named.citizen_id is not None and named.citizen_id == payload.get("citizen_id"))
            or (named.subject_index is not None and named.subject_index == payload.get("id_number_index"))
        )
        if (
            named is None
            or not same_person
            or named.hall_id != payload["hall_id"]
            or not _covers(session, named, str(payload["item_code"]))
            or named.status != "open"
        ):
            raise ErrandNotYours(detail={"errand_code": code})
    _join(session, payload, kind="case", ref=str(payload["case_no"]), named=named)


def on_archive_built(session: Session, payload: dict[str, Any]) -> None:
    """A package is built: a case's, or a bundle's one package holding its parts (which closes the errand whole)."""
    repo, ref = ErrandRepository(session), str(payload["case_no"])
    errand = repo.of_record("case", ref) or repo.of_record("bundle", ref)
    if errand is None:
        return
    if repo.link_of("archive", ref) is None:
        repo.add_link(errand, kind="archive", ref=ref, at=payload["at"], detail={})
    cases = {link.ref for link in errand.links if link.kind == "case"}
    archived = {link.ref for link in errand.links if link.kind == "archive"} | {ref}
    if cases <= archived or ref == _bundle_ref(errand):  # a bundle's errand closes with its one package
        errand.status, errand.closed_at = "archived", payload["at"]


# --- a bundle's errand ------------------------------------------------------------------------------------------


def _bundle(session: Session, code: str) -> Any:
    return next((b for b in catalog_service.list_bundles(session) if b.code == code), None)


def _covers(session: Session, errand: Errand, item_code: str) -> bool:
    """Whether a case of ``item_code`` may join ``errand``: its own item, or an item of the bundle it was opened for."""
    if errand.item_code == item_code:
        return True
    if not any(link.kind == "bundle" for link in errand.links):
        return False
    bundle = _bundle(session, errand.item_code)
    return bundle is not None and item_code in bundle.item_codes


def open_for_bundle(
    session: Session, *, hall_id: int, bundle_code: str, citizen_id: int, application_code: str, now: datetime
) -> str:
    """One errand for a bundle application (一件一码): every department task of the bundle names it (each part's
    case joins it through ``on_case_submitted``). Returns its code."""
    errand = _open(session, hall_id=hall_id, item_code=bundle_code, citizen_id=citizen_id, subject_index=None, now=now)
    ErrandRepository(session).add_link(errand, kind="bundle", ref=application_code, at=now, detail={})
    return errand.code


def on_rating_created(session: Session, payload: dict[str, Any]) -> None:
    repo = ErrandRepository(session)
    errand = repo.of_record(str(payload["kind"]), str(payload["ref"]))
    if errand is None:
        return
    ref = f"{payload['rating_id']}"
    if repo.link_of("rating", ref) is None:
        repo.add_link(errand, kind="rating", ref=ref, at=payload["at"], detail={"level": payload.get("level")})


# --- reading ------------------------------------------------------------------------------------------------------


def _check_reader(actor: Actor) -> None:
    if actor.kind == "citizen":
        return
    if not (actor.is_staff and actor.has("case.read")):
        raise RoleCannotReadErrands()


def get_errand(session: Session, actor: Actor, code: str) -> Errand:
    """The errand ``actor`` may see (its citizen, staff in scope), else 404."""
    _check_reader(actor)
    errand = ErrandRepository(session).by_code(actor, code)
    if errand is None:
        raise ErrandNotFound(detail={"errand_code": code})
    return errand


def errand_of(session: Session, kind: str, ref: str) -> str | None:
    """The code of the errand a record belongs to (for other domains' pages)."""
    errand = ErrandRepository(session).of_record(kind, ref)
    return errand.code if errand is not None else None


def bundle_of_case(session: Session, case_no: str) -> str | None:
    """The bundle application a case was filed for, known from its errand from the moment it is filed (before the
    application itself is written: an instantly decided part is the bundle's already)."""
    errand = ErrandRepository(session).of_record("case", case_no)
    return _bundle_ref(errand) if errand is not None else None


def _case_of(errand: Errand) -> str | None:
    return next((link.ref for link in errand.links if link.kind == "case"), None)


def timeline(session: Session, actor: Actor, errand: Errand) -> list[dict[str, Any]]:
    """The thread's steps in time order, each with its kind, time, reference and a link for ``actor``."""
    staff = actor.kind != "citizen"
    steps: list[dict[str, Any]] = []
    for link in errand.links:
        if link.kind == "booking":
            steps.append({"step": "booking", "at": link.at, "ref": link.ref, "href": None if staff else
                          "/appointments/mine", "detail": link.detail})  # fmt: skip
        elif link.kind == "question":
            steps.append({"step": "question", "at": link.at, "ref": link.ref, "href": None, "detail": link.detail})
        elif link.kind == "ticket":
            ticket = queue_service.get_ticket(session, int(link.ref))
            href = f"/tickets/{queue_service.public_token(ticket.id)}"
            steps.append({"step": "ticket", "at": link.at, "ref": ticket.number, "href": href, "detail": {}})
            if ticket.called_at:
                steps.append({"step": "called", "at": ticket.called_at, "ref": ticket.number, "href": href,
                              "detail": {"window": ticket.window_code}})  # fmt: skip
            if ticket.finished_at:
                steps.append({"step": "served", "at": ticket.finished_at, "ref": ticket.number, "href": href,
                              "detail": {}})  # fmt: skip
        elif link.kind == "case":
            for event in case_service.case_thread(session, link.ref):
                step = CASE_STEPS.get(event["action"])
                if step is not None:
                    steps.append({"step": step, "at": event["at"], "ref": link.ref, "href": f"/cases/{link.ref}",
                                  "detail": {"status": event["to_status"]}})  # fmt: skip
        elif link.kind == "bundle":
            steps.append({"step": "bundle", "at": link.at, "ref": link.ref, "href": f"/bundles/applications/{link.ref}",
                          "detail": {}})  # fmt: skip
        elif link.kind == "archive":
            steps.append({"step": "archive", "at": link.at, "ref": link.ref,
                          "href": f"/archive/{link.ref}" if staff else None, "detail": {}})  # fmt: skip
        elif link.kind == "rating":
            steps.append({"step": "rating", "at": link.at, "ref": link.ref, "href": None, "detail": link.detail})
    steps.sort(key=lambda s: s["at"])
    return steps


def errand_read(session: Session, actor: Actor, errand: Errand) -> dict[str, Any]:
    case_no = _case_of(errand)
    case_status = case_service.case_status(session, case_no) if case_no else None
    return {
        "code": errand.code,
        "hall_code": errand.hall_code,
        "item_code": errand.item_code,
        "item_name": _item_name(session, errand.item_code),
        "status": errand.status,
        "opened_at": errand.opened_at,
        "closed_at": errand.closed_at,
        "case_no": None if _bundle_ref(errand) else case_no,
        "case_status": case_status,
        "bundle_application": _bundle_ref(errand),
        "steps": timeline(session, actor, errand),
    }


def my_errands(session: Session, actor: Actor) -> list[Errand]:
    """A citizen's errands (staff: the errands of the halls in scope), newest first."""
    _check_reader(actor)
    return ErrandRepository(session).mine(actor)


def _item_name(session: Session, item_code: str) -> str:
    """The item's name; a bundle's errand: the bundle's."""
    try:
        return catalog_service.item_facts(session, item_code).name
    except ItemNotFound:
        bundle = _bundle(session, item_code)
        if bundle is None:
            raise
        return str(bundle.name)


def _bundle_ref(errand: Errand) -> str | None:
    return next((link.ref for link in errand.links if link.kind == "bundle"), None)


def summary(session: Session, errand: Errand) -> dict[str, Any]:
    case_no = _case_of(errand)
    return {
        "code": errand.code,
        "item_code": errand.item_code,
        "item_name": _item_name(session, errand.item_code),
        "status": errand.status,
        "opened_at": errand.opened_at,
        "case_no": case_no,
        "case_status": case_service.case_status(session, case_no) if case_no else None,
        "bundle_application": _bundle_ref(errand),
        "kinds": sorted({link.kind for link in errand.links}),
    }


def for_ticket(session: Session, actor: Actor, ticket_id: int) -> list[dict[str, Any]]:
    """The open errands of the person holding a ticket, for the clerk serving it: each with what one click does —
    continue its case, or start the case of the ticket's errand at the counter."""
    _check_reader(actor)
    row = queue_service.ticket_in_scope(session, actor, ticket_id)  # 404 outside the clerk's scope
    ticket = queue_service.get_ticket(session, row.id)
    own = ErrandRepository(session).of_record("ticket", str(row.id))
    found = ErrandRepository(session).of_person(
        actor, citizen_id=ticket.citizen_id, subject_index=ticket.id_number_index, open_only=True
    )
    out = []
    for errand in found:
        item = summary(session, errand)
        if item["case_status"] in FINAL_CASE:
            continue
        item["this_ticket"] = own is not None and own.id == errand.id
        item["next"] = "continue" if item["case_no"] else "start"
        out.append(item)
    return out


@dataclass(frozen=True)
class Counter:
    """What a clerk declares with at the window: the ticket's errand, hall, item and the served person."""

    errand_code: str
    hall_code: str
    item_code: str
    ticket_id: int
    ticket_number: str
    citizen_id: int | None
    id_number: str | None  # in clear, for the submission only: never rendered


def counter(session: Session, actor: Actor, ticket_id: int, errand_code: str | None = None) -> Counter:
    """The errand a clerk declares for at the window — the ticket's, or another open errand of the same person
    (``errand_code``) — when the ticket is being served at the clerk's own window (a ticket at another window, or
    not called, is refused)."""
    if not (actor.is_staff and actor.has("case.accept")):
        raise RoleCannotReadErrands()
    row = queue_service.ticket_in_scope(session, actor, ticket_id)
    if not actor.window_code or row.window_code != actor.window_code or row.status != "called":
        raise TicketAtAnotherWindow(detail={"ticket_id": ticket_id})
    repo = ErrandRepository(session)
    errand = repo.of_record("ticket", str(row.id))
    if errand_code and (errand is None or errand.code != errand_code):
        startable = {e["code"] for e in for_ticket(session, actor, ticket_id) if e["next"] == "start"}
        errand = repo.by_code(actor, errand_code) if errand_code in startable else None
    if errand is None:
        raise ErrandNotFound(detail={"ticket_id": ticket_id, "errand_code": errand_code})
    ticket = queue_service.get_ticket(session, row.id)
    id_number = ticket.id_number
    if id_number is None and ticket.citizen_id is not None:  # checked in from a booking: the booking's citizen
        contact = identity_service.citizen_contact(session, ticket.citizen_id)
        id_number = contact.id_number if contact is not None else None
    return Counter(errand.code, row.hall_code, errand.item_code, row.id, row.number, ticket.citizen_id,
                   id_number)  # fmt: skip


def archival_thread(session: Session, case_no: str) -> dict[str, Any] | None:
    """The errand's thread for the case's archival package: the code and each step's kind, time and reference (the
    booking code, ticket number, case number, rating level) — no personal data."""
    errand = ErrandRepository(session).of_record("case", case_no)
    if errand is None:
        return None
    steps = timeline(session, SYSTEM_READER, errand)
    return {
        "errand_code": errand.code,
        "item_code": errand.item_code,
        "hall_code": errand.hall_code,
        "opened_at": errand.opened_at.isoformat(),
        "steps": [
            {
                "step": s["step"],
                "at": s["at"].isoformat(),
                "ref": s["ref"],
                **({"level": s["detail"]["level"]} if s["step"] == "rating" else {}),
            }  # fmt: skip
            for s in steps
        ],
    }
