"""Catalog API: public reads of items (as a hall offers them, with ``hall_code``), bundles and FAQ; a hall's own
settings of an item (scoped, audited, versioned); import for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from smarthall.audit import service as audit_service
from smarthall.catalog import importer, overrides, service
from smarthall.catalog.schemas import (
    BundleRead,
    EffectiveRead,
    FaqRead,
    ItemPage,
    ItemRead,
    OverrideRead,
    OverrideSet,
    OverrideValues,
    OverrideVersionRead,
    StepSettingRead,
    StepsRead,
    StepsSet,
)
from smarthall.core.deps import DbSession, Now, require
from smarthall.core.errors import BadRequest
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.core.types import INT64_MAX, QueryOffset
from smarthall.org import service as org_service

router = APIRouter(route_class=UnitOfWorkRoute, tags=["catalog"])
Browser = Annotated[Actor, Depends(require("catalog.browse"))]
Overrider = Annotated[Actor, Depends(require("catalog.override"))]


@router.get("/items", response_model=ItemPage)
def list_items(
    session: DbSession,
    hall_code: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    department_code: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: QueryOffset = 0,
) -> ItemPage:
    """Service items, optionally those a hall handles, of a department, or matching a search text."""
    hall = org_service.hall_facts(session, hall_code) if hall_code else None
    total, items = service.search_items(
        session, hall=hall, q=q, department_code=department_code, limit=limit, offset=offset
    )
    return ItemPage(total=total, items=service.summaries(session, items, hall))


@router.get("/items/{item_code}", response_model=ItemRead)
def get_item(
    item_code: str, session: DbSession, hall_code: Annotated[str | None, Query(max_length=40)] = None
) -> ItemRead:
    """One item with materials, form fields and rules; with ``hall_code``, as that hall offers it: its promised
    limit, fee note, the windows that serve it there and whether it handles the item at all."""
    hall = org_service.hall_facts(session, hall_code) if hall_code else None
    return service.item_read(session, service.get_item(session, item_code), hall)


@router.get("/bundles", response_model=list[BundleRead])
def list_bundles(session: DbSession) -> list[BundleRead]:
    """One-thing bundles (高效办成一件事)."""
    return [BundleRead.model_validate(b, from_attributes=True) for b in service.list_bundles(session)]


@router.get("/faq", response_model=list[FaqRead])
def list_faq(
    session: DbSession,
    item_code: Annotated[str | None, Query(max_length=32)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> list[FaqRead]:
    """FAQ entries, optionally of one item or containing a text."""
    return [
        FaqRead(id=f.code, question=f.question, answer=f.answer, item_code=f.item_code, tags=list(f.tags))
        for f in service.list_faq(session, item_code=item_code, q=q)
    ]


@router.post("/catalog/import")
async def import_catalog(
    request: Request, session: DbSession, actor: Annotated[Actor, Depends(require("catalog.import"))], now: Now
) -> dict[str, object]:
    """Import a catalog file (JSON body in the format of catalog.json); all or nothing. Only your part of the hall
    tree may change (the province-wide items and departments: province-level administrators); the ``staff``
    section is never imported — a file that would create or change an account is refused (use ``/staff``)."""
    raw = await request.body()
    if len(raw) > 20 * 1024 * 1024:
        raise BadRequest("目录文件过大", "The catalog file is too large", code="payload_too_large", status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("目录文件须为UTF-8编码", "The catalog file must be UTF-8", code="bad_encoding")
    report = importer.import_catalog(session, text, actor=actor, now=now)
    audit_service.record(session, actor, "catalog.import", detail=report.as_dict())
    return {"changed": report.changed, **report.as_dict()}


def override_read(view: overrides.OverrideView) -> OverrideRead:
    row, plain, effective = view.row, view.inherited, view.effective
    return OverrideRead(
        hall_code=view.hall.code,
        item_code=view.item.code,
        item_name=view.item.name,
        version=view.version,
        override=OverrideValues.model_validate(view.values()) if row is not None else None,
        note=row.note if row is not None else "",
        changed_by=row.changed_by if row is not None else None,
        changed_at=row.updated_at if row is not None else None,
        inherited=EffectiveRead(
            handled=plain.handled,
            inherited=plain.inherited,
            legal_limit_workdays=plain.legal_limit_workdays,
            promised_limit_workdays=plain.promised_limit_workdays,
            fee_note=plain.fee_note,
            window_codes=list(plain.window_codes),
        ),
        effective=EffectiveRead(
            handled=effective.handled,
            inherited=effective.inherited,
            legal_limit_workdays=effective.legal_limit_workdays,
            promised_limit_workdays=effective.promised_limit_workdays,
            fee_note=effective.fee_note,
            window_codes=list(effective.window_codes),
        ),
    )


OVERRIDE = "/halls/{hall_code}/items/{item_code}/override"


@router.get(OVERRIDE, response_model=OverrideRead)
def get_override(hall_code: str, item_code: str, session: DbSession, actor: Browser) -> OverrideRead:
    """A hall's own settings of an item (``override`` null and version 0 when it has none), beside what it inherits
    and what takes effect."""
    return override_read(overrides.view(session, actor, hall_code=hall_code, item_code=item_code))


@router.put(OVERRIDE, response_model=OverrideRead)
def set_override(
    hall_code: str, item_code: str, body: OverrideSet, session: DbSession, actor: Overrider, now: Now
) -> OverrideRead:
    """Set a hall's own values of an item: switched off or on, promised limit (working days, not above the legal
    limit), fee note, the windows that serve it; null fields inherit. Send ``version`` to refuse a lost update."""
    view = overrides.set_override(
        session,
        actor,
        hall_code=hall_code,
        item_code=item_code,
        values=body.model_dump(include=set(overrides.FIELDS)),
        note=body.note,
        expected_version=body.version,
        now=now,
    )
    return override_read(view)


@router.delete(OVERRIDE, status_code=204)
def clear_override(
    hall_code: str,
    item_code: str,
    session: DbSession,
    actor: Overrider,
    now: Now,
    version: Annotated[int | None, Query(ge=0, le=INT64_MAX)] = None,
) -> None:
    """Remove a hall's own values of an item: it inherits the catalog's again."""
    overrides.clear_override(
        session, actor, hall_code=hall_code, item_code=item_code, expected_version=version, now=now
    )


@router.get(OVERRIDE + "/history", response_model=list[OverrideVersionRead])
def override_history(hall_code: str, item_code: str, session: DbSession, actor: Browser) -> list[OverrideVersionRead]:
    """The changes of a hall's settings of an item, newest first."""
    rows = overrides.history(session, actor, hall_code=hall_code, item_code=item_code)
    return [OverrideVersionRead.model_validate(r, from_attributes=True) for r in rows]


def _steps_read(session: DbSession, actor: Actor, hall_code: str, item_code: str) -> StepsRead:
    view = overrides.view(session, actor, hall_code=hall_code, item_code=item_code)
    rows = overrides.steps_view(session, actor, hall_code=hall_code, item_code=item_code)
    return StepsRead(
        hall_code=view.hall.code,
        item_code=view.item.code,
        version=view.version,
        steps=[StepSettingRead.model_validate({**s, "clock_paused": bool(s.get("clock_paused"))}) for s in rows],
    )


@router.get(OVERRIDE + "/steps", response_model=StepsRead)
def get_step_settings(hall_code: str, item_code: str, session: DbSession, actor: Browser) -> StepsRead:
    """The item's workflow steps as the hall works them: each with the catalog's role and limit beside the
    hall's own. Cases already filed keep the steps they were filed with."""
    return _steps_read(session, actor, hall_code, item_code)


@router.put(OVERRIDE + "/steps", response_model=StepsRead)
def set_step_settings(
    hall_code: str, item_code: str, body: StepsSet, session: DbSession, actor: Overrider, now: Now
) -> StepsRead:
    """Set the hall's own role and time limit of the item's steps (a step left out follows the catalog), as a
    new version of the hall's settings; checked whole (422 naming every fault), 409 on a stale ``version``.
    New cases follow the new settings; cases already filed keep theirs, and their due dates do not move."""
    overrides.set_steps(
        session,
        actor,
        hall_code=hall_code,
        item_code=item_code,
        settings={code: s.model_dump() for code, s in body.steps.items()},
        note=body.note,
        expected_version=body.version,
        now=now,
    )
    return _steps_read(session, actor, hall_code, item_code)
