"""Errand pages (一件一码): the citizen's errand list, one errand's thread (citizen and staff views, each in scope), and
the window's panel of the served person's open errands with the one-click next step."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from smarthall.cases import service as case_service
from smarthall.cases.files import store_form_upload
from smarthall.cases.schemas import CaseCreate, MaterialIn
from smarthall.core.deps import CurrentActor, DbId, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.routing import RenderAfterRollback, UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.errands import cards, confirming, service, staging
from smarthall.errands.service import Counter
from smarthall.licences.deps import Desk
from smarthall.venue import cardreader
from smarthall.web.templating import error_page, faults_of, gate, login_redirect, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/errands")
def errand_list(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        errands = [service.summary(session, e) for e in service.my_errands(session, actor)]
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "errands/list.html", {"errands": errands})


@router.get("/errands/{errand_code}")
def errand_page(errand_code: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        errand = service.get_errand(session, actor, errand_code[:24])
    except HallError as exc:
        return error_page(request, exc)
    view = service.errand_read(session, actor, errand)
    return render(request, "errands/detail.html", {"errand": view, "staff": actor.kind != "citizen"})


@router.get("/window/tickets/{ticket_id}/errands")
def ticket_panel(ticket_id: DbId, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The served person's open errands, shown on the window page (an HTML fragment)."""
    request.state.actor = actor
    try:
        rows = service.for_ticket(session, actor, ticket_id)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "errands/ticket_panel.html", {"rows": rows, "ticket_id": ticket_id})


@router.get("/errands/of/case/{case_no}")
def case_errand_link(case_no: str, request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The link from a case page to its errand (an HTML fragment; empty when the reader may not see the errand)."""
    request.state.actor = actor
    code = service.errand_of(session, "case", case_no[:48])
    errand = None
    if code is not None and actor.kind != "anonymous":
        try:
            errand = service.get_errand(session, actor, code)
        except HallError:
            errand = None
    return render(request, "errands/link.html", {"errand": errand})


def _counter_form(session: DbSession, actor: Actor, desk: Counter, now: datetime) -> dict[str, Any]:
    return case_service.item_form(session, actor, item_code=desk.item_code, now=now, applicant_id=desk.citizen_id)


def _secret(request: Request) -> bytes:
    key = request.app.state.secret_key
    return key if isinstance(key, bytes) else str(key).encode()


@router.get("/window/tickets/{ticket_id}/declare")
def counter_page(
    ticket_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    errand: Annotated[str | None, Query(max_length=24)] = None,
) -> Response:
    """Declare at the counter for the person at the window (窗口代录), prefilled for them, in their errand."""
    if (refused := gate(request, actor, "case.accept")) is not None:
        return refused
    try:
        desk = service.counter(session, actor, ticket_id, errand)
        form = _counter_form(session, actor, desk, now)
    except HallError as exc:
        return error_page(request, exc)
    context = {"desk": desk, "form": form, "values": {}, "faults": [], "reader": cardreader.current()}
    return render(request, "errands/declare.html", context)


async def _posted(request: Request) -> FormData:
    return await request.form()


@router.post("/window/tickets/{ticket_id}/declare/card")
def counter_card(
    ticket_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    data: Annotated[FormData, Depends(_posted)],
) -> Response:
    """Read the walk-in's ID card on the window's reader; the form is then prefilled for the person read."""
    if (refused := gate(request, actor, "case.accept")) is not None:
        return refused
    try:
        desk = service.counter(session, actor, ticket_id, str(data.get("errand_code", ""))[:24] or None)
    except HallError as exc:
        return error_page(request, exc)
    context: dict[str, Any] = {"desk": desk, "values": {}, "reader": cardreader.current()}
    try:
        desk, read = cards.read_card(session, actor, desk, str(data.get("card", ""))[:18], secret=_secret(request),
                                     now=now)  # fmt: skip
    except HallError as exc:
        context |= {"form": _counter_form(session, actor, desk, now), "faults": faults_of(exc)}
        raise RenderAfterRollback(lambda: render(request, "errands/declare.html", context, status_code=422)) from exc
    context |= {"desk": desk, "form": _counter_form(session, actor, desk, now), "faults": [], "card": read}
    return render(request, "errands/declare.html", context)


@router.post("/window/tickets/{ticket_id}/declare")
def counter_submit(
    ticket_id: DbId,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    documents: Desk,
    data: Annotated[FormData, Depends(_posted)],
) -> Response:
    if (refused := gate(request, actor, "case.accept")) is not None:
        return refused
    token = str(data.get("card_token", ""))[:64]
    try:
        desk = service.counter(session, actor, ticket_id, str(data.get("errand_code", ""))[:24] or None)
        if token and (read := cards.with_card(session, desk, token, secret=_secret(request))) != desk:
            desk = read
            cards.claim(session, desk)  # a ticket without identity: its errand is the person's read
        form = _counter_form(session, actor, desk, now)
    except HallError as exc:
        return error_page(request, exc)
    values = {f["name"]: str(data.get(f"f_{f['name']}", "")).strip() for f in form["fields"]}
    context = {"desk": desk, "form": form, "values": values, "reader": cardreader.current(), "card_token": token}
    secret = _secret(request)
    try:
        materials: list[MaterialIn] = []
        for m in form["materials"]:  # a held e-licence, the scan/upload made at the window, or one kept from a try
            if m["held_licence_id"] and data.get(f"use_licence_{m['code']}") == "on":
                materials.append(MaterialIn(material_code=m["code"], licence_id=m["held_licence_id"]))
            elif (file_id := store_form_upload(session, actor, data.get(f"m_{m['code']}"), settings,
                                                            now)) is not None:  # fmt: skip
                materials.append(MaterialIn(material_code=m["code"], file_id=file_id))
            elif kept := str(data.get(f"kept_{m['code']}", ""))[:128]:
                staged = staging.held(session, actor, desk, kept, secret=secret, now=now)
                materials.append(MaterialIn(material_code=m["code"], file_id=staged.file_id))
        filed = CaseCreate(
            item_code=desk.item_code,
            hall_code=desk.hall_code,
            form={k: v for k, v in values.items() if v != ""},
            materials=materials,
            applicant_id_number=desk.id_number,
            errand_code=desk.errand_code,
        )
        submitted = case_service.submit(session, actor, data=filed, desk=documents, now=now)
    except (HallError, ValidationError) as exc:
        context["faults"] = faults_of(exc)

        def again() -> Response:  # the files of the refused try are kept (the rollback undid them), not asked again
            context["kept"] = staging.keep(session, actor, desk, form["materials"], data, settings=settings,
                                           secret=secret, now=now)  # fmt: skip
            return render(request, "errands/declare.html", context, status_code=422)

        raise RenderAfterRollback(again) from exc
    return RedirectResponse(f"/window/declared/{submitted.case.case_no}", status_code=303)


@router.get("/window/declared/{case_no}")
def declared_page(case_no: str, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """After a counter declaration: waiting for the applicant's confirmation on the window pad, then the receipt."""
    if (refused := gate(request, actor, "case.accept")) is not None:
        return refused
    try:
        declared = confirming.declaration(session, actor, case_no[:48], now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "errands/declared.html", {"declared": declared})
