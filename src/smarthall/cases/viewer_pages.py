"""The material images behind the case page's viewer: a PDF material's pages as PNG, an image material as uploaded.
Anyone who may read the case (its applicant, staff in its scope) may see its materials; nobody else, and only the
files the case holds."""

from __future__ import annotations

import pathlib
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from smarthall.cases import previews, service, viewer
from smarthall.cases.errors import MaterialNotFound
from smarthall.core import crypto
from smarthall.core.deps import CurrentActor, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.web.templating import error_page, login_redirect

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

HEADERS = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
FileId = Annotated[str, Path(max_length=32, pattern=r"^[0-9a-f]{1,32}$")]


@router.get("/cases/{case_no}/materials/{file_id}/pages/{page}.png")
def material_page(
    case_no: str,
    file_id: FileId,
    page: Annotated[int, Path(ge=1, le=previews.MAX_PAGES)],
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        case = service.case_in_scope(session, actor, case_no=case_no[:48])
        row = viewer.case_file(session, actor, case, file_id, now=now)
        if row.content_type != "application/pdf":
            raise MaterialNotFound()
        try:
            data = viewer.page_png(row, page, settings.data_dir)
        except (previews.PreviewFailed, OSError) as exc:
            raise MaterialNotFound() from exc
    except HallError as exc:
        return error_page(request, exc)
    return Response(data, media_type="image/png", headers=HEADERS)


@router.get("/cases/{case_no}/materials/{file_id}/image")
def material_image(
    case_no: str, file_id: FileId, request: Request, session: DbSession, actor: CurrentActor, now: Now
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        case = service.case_in_scope(session, actor, case_no=case_no[:48])
        row = viewer.case_file(session, actor, case, file_id, now=now)
        if row.content_type not in viewer.IMAGE_TYPES:
            raise MaterialNotFound()
        try:
            data = crypto.read_plain(pathlib.Path(row.path))
        except (OSError, crypto.EnvelopeError) as exc:
            raise MaterialNotFound() from exc
    except HallError as exc:
        return error_page(request, exc)
    return Response(data, media_type=row.content_type, headers=HEADERS)
