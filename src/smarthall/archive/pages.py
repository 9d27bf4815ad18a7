"""Archive pages: the package list of a hall with the last four-property result, and one package's metadata,
files with fixity values and check report."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from smarthall.archive import service as archive_service
from smarthall.catalog import service as catalog_service
from smarthall.core.deps import CurrentActor, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.org import service as org_service
from smarthall.web.templating import gate, render

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)


@router.get("/archive")
def archive_list(
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    status: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    if (denied := gate(request, actor, "archive.read")) is not None:
        return denied
    packages = archive_service.list_packages(session, actor, status=status or None)
    context = {
        "packages": packages,
        "status": status or "",
        "item_names": catalog_service.item_names(session, [p.item_code for p in packages]),
        "places": org_service.place_names(session, halls=[p.hall_code for p in packages]),
    }
    return render(request, "archive/index.html", context)


def _title_item(title: str, case_no: str) -> str | None:
    """The item's name in a package's title (``<item name>-<case no>``, as the case titles it), so a page read in
    English can print it on its own, in English (issue 16); ``None`` for a title made otherwise."""
    stem, sep, tail = title.rpartition("-" + case_no)
    return stem if sep and stem and not tail else None


@router.get("/archive/{case_no}")
def archive_detail(
    case_no: str, request: Request, session: DbSession, actor: CurrentActor, settings: SettingsDep, now: Now
) -> Response:
    if (denied := gate(request, actor, "archive.read")) is not None:
        return denied
    try:
        package = archive_service.get_package(session, actor, settings, case_no, now=now)
    except HallError as exc:
        return render(
            request,
            "error.html",
            {"status": exc.status_, "message_zh": exc.message_zh_, "message_en": exc.message_en_},
            status_code=exc.status_,
        )
    return render(
        request,
        "archive/detail.html",
        {
            "p": package,
            "title_item": _title_item(package.title, package.case_no),
            "item_names": catalog_service.item_names(session, [package.item_code]),
            "department_names": org_service.department_names(session),
            "can_export": actor.has("archive.export"),
            "can_verify": actor.has("archive.verify"),
        },
    )
