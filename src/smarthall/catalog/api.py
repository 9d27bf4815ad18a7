"""Catalog API: public reads of items, bundles and FAQ; import for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from smarthall.audit import service as audit_service
from smarthall.catalog import importer, service
from smarthall.catalog.schemas import BundleRead, FaqRead, ItemPage, ItemRead
from smarthall.core.deps import DbSession, require
from smarthall.core.errors import BadRequest
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.org import service as org_service

router = APIRouter(route_class=UnitOfWorkRoute, tags=["catalog"])


@router.get("/items", response_model=ItemPage)
def list_items(
    session: DbSession,
    hall_code: Annotated[str | None, Query(max_length=40)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    department_code: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ItemPage:
    """Service items, optionally those a hall handles, of a department, or matching a search text."""
    hall = org_service.get_hall(session, hall_code) if hall_code else None
    total, items = service.search_items(
        session, hall=hall, q=q, department_code=department_code, limit=limit, offset=offset
    )
    return ItemPage(total=total, items=service.summaries(session, items))


@router.get("/items/{item_code}", response_model=ItemRead)
def get_item(
    item_code: str, session: DbSession, hall_code: Annotated[str | None, Query(max_length=40)] = None
) -> ItemRead:
    """One item with materials, form fields and rules; with ``hall_code``, the windows that serve it there."""
    hall = org_service.get_hall(session, hall_code) if hall_code else None
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
    request: Request, session: DbSession, actor: Annotated[Actor, Depends(require("catalog.import"))]
) -> dict[str, object]:
    """Import a catalog file (JSON body in the format of catalog.json); all or nothing."""
    raw = await request.body()
    if len(raw) > 20 * 1024 * 1024:
        raise BadRequest("目录文件过大", "The catalog file is too large", code="payload_too_large", status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("目录文件须为UTF-8编码", "The catalog file must be UTF-8", code="bad_encoding")
    report = importer.import_catalog(session, text)
    audit_service.record(session, actor, "catalog.import", detail=report.as_dict())
    return {"changed": report.changed, **report.as_dict()}
