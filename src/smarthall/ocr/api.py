"""OCR JSON API: read an ID card or licence photo into prefill suggestions for an item's form."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile

from smarthall.core.deps import DbSession, LoggedIn, SettingsDep
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.ocr import service as ocr_service

router = APIRouter(route_class=UnitOfWorkRoute, tags=["ocr"])


@router.post("/ocr/read")
def read(
    session: DbSession,
    actor: LoggedIn,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    item_code: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> dict[str, Any]:
    """Suggestions (name, ID number, address, validity; credit code, company name, legal person) read from a JPEG
    or PNG, each with the form field of ``item_code`` it would fill; 503 ``ocr_unavailable`` without the engine."""
    data = file.file.read(ocr_service.MAX_BYTES + 1)
    reading = ocr_service.read_document(session, actor, data=data, item_code=item_code, enabled=settings.ocr_enabled)
    return {
        "engine": reading.engine,
        "millis": reading.millis,
        "lines_read": reading.lines_read,
        "suggestions": reading.suggestions,
    }
