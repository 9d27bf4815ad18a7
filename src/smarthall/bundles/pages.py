"""Bundle pages (高效办成一件事): the citizen's one merged form (each field once, noting the items it serves; the
materials once) → one submission → the application's status page (each part's item, department, state in words and
deadline; the combined result when done), the citizen's list of their applications, and the hall coordinator's
side-by-side view.

Every page is a sync endpoint of ``UnitOfWorkRoute``; a refused submission is shown on the form page through
``RenderAfterRollback`` (every case already filed and every file stored in the try is rolled back: nothing created).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from smarthall.bundles import closing, service
from smarthall.bundles.schemas import BundleApply
from smarthall.cases.files import store_form_upload
from smarthall.cases.schemas import DeliveryIn
from smarthall.core.deps import CurrentActor, DbSession, Now, SettingsDep
from smarthall.core.errors import HallError
from smarthall.core.i18n import translate
from smarthall.core.routing import RenderAfterRollback, UnitOfWorkRoute
from smarthall.evaluation import service as evaluation_service
from smarthall.evaluation.schemas import RatingCreate
from smarthall.licences.deps import Desk
from smarthall.web.templating import error_page, faults_of, login_redirect, message_page, render, write_then_go

router = APIRouter(route_class=UnitOfWorkRoute, include_in_schema=False)

Code = Annotated[str, Path(min_length=1, max_length=32)]


async def _posted(request: Request) -> FormData:
    """The posted form, files included (read on the event loop; the endpoint reads the spooled files itself)."""
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted)]


def _labelled(faults: list[dict[str, Any]], spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Each fault with the words of what it is about: the field's label or the material's name."""
    labels = {f"form.{f['name']}": f["label"] for f in spec["fields"]}
    labels |= {f"materials.{m['key']}": m["name"] for m in spec["materials"]}
    return [{**f, "about": labels.get(str(f.get("target") or ""), "")} for f in faults]


@router.get("/bundles/{bundle_code}/apply")
def apply_page(
    bundle_code: Code,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    hall_code: Annotated[str, Query(max_length=32)] = "",
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        spec = service.bundle_form(session, actor, bundle_code=bundle_code, hall_code=hall_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    return render(request, "bundles/apply.html", {"spec": spec, "values": {}, "faults": []})


@router.post("/bundles/{bundle_code}/apply")
def apply_submit(
    bundle_code: Code,
    request: Request,
    session: DbSession,
    actor: CurrentActor,
    now: Now,
    settings: SettingsDep,
    desk: Desk,
    data: PostedForm,
) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    hall_code = str(data.get("hall_code", ""))[:32]
    try:
        spec = service.bundle_form(session, actor, bundle_code=bundle_code, hall_code=hall_code, now=now)
    except HallError as exc:
        return error_page(request, exc)
    values = {f["name"]: str(data.get(f"f_{f['name']}", "")).strip() for f in spec["fields"]}

    def again(faults: list[dict[str, Any]], code: str) -> RenderAfterRollback:
        context = {"spec": spec, "values": values, "faults": _labelled(faults, spec), "fault_code": code}
        return RenderAfterRollback(lambda: render(request, "bundles/apply.html", context, status_code=422))

    try:
        materials: dict[str, dict[str, Any]] = {}
        for n, m in enumerate(spec["materials"]):
            if m["held_licence_id"] and data.get(f"use_licence_{n}") == "on":
                materials[m["key"]] = {"licence_id": m["held_licence_id"]}
            elif (file_id := store_form_upload(session, actor, data.get(f"m_{n}"), settings, now)) is not None:
                materials[m["key"]] = {"file_id": file_id}
        body = BundleApply.model_validate(
            {
                "bundle_code": spec["bundle_code"],
                "hall_code": spec["hall_code"],
                "form": {k: v for k, v in values.items() if v != ""},
                "materials": materials,
            }
        )
        application = service.submit(session, actor, data=body, desk=desk, now=now)
    except (HallError, ValidationError) as exc:
        raise again(faults_of(exc), exc.code_ if isinstance(exc, HallError) else "validation_failed") from exc
    return RedirectResponse(f"/bundles/applications/{application.code}", status_code=303)


@router.get("/bundles/applications/{code}")
def application_page(code: Code, request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        application = service.get_application(session, actor, code=code)
    except HallError as exc:
        return error_page(request, exc)
    view = service.application_view(session, actor, application, now=now)
    rated = evaluation_service.is_rated(session, "bundle", application.code)
    return render(request, "bundles/status.html", {"app": view, "rated": rated, "faces": RATING_FACES})


RATING_FACES = [(5, "非常满意", "Very satisfied"), (4, "满意", "Satisfied"), (3, "基本满意", "Fair"),
                (2, "不满意", "Dissatisfied"), (1, "非常不满意", "Very dissatisfied")]  # fmt: skip


@router.post("/bundles/applications/{code}/deliver")
def deliver_page(
    code: Code, request: Request, session: DbSession, actor: CurrentActor, desk: Desk, now: Now, posted: PostedForm
) -> Response:
    """The window's one delivery of the whole bundle (every approved part the same way), back to its status page."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    fields = {k: str(posted.get(k) or "").strip()[:200] for k in ("mode", "pickup_id_number", "tracking_no", "address")}
    try:
        data = DeliveryIn.model_validate({k: v for k, v in fields.items() if v})
    except ValidationError:
        zh, en = "请选择送达方式", "Choose how the results are delivered"
        return message_page(request, 422, zh, en, code="validation_failed")

    def write() -> list[str]:
        application = service.get_application(session, actor, code=code)
        return closing.deliver(session, actor, application=application, data=data, desk=desk, now=now)

    return write_then_go(request, session, write, lambda _: f"/bundles/applications/{code}")


@router.post("/bundles/applications/{code}/rate")
def rate_page(
    code: Code, request: Request, session: DbSession, actor: CurrentActor, settings: SettingsDep, now: Now,
    posted: PostedForm,
) -> Response:  # fmt: skip
    """The applicant's one rating of the whole bundle (never one per part), back to its status page."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    try:
        data = RatingCreate.model_validate(
            {"bundle_code": code, "level": int(str(posted.get("level") or 0) or 0), "channel": "web",
             "comment": str(posted.get("comment") or "").strip()[:500]}
        )  # fmt: skip
    except (ValidationError, ValueError):
        return message_page(request, 422, "请选择1到5的满意度", "Choose a level from 1 to 5", code="validation_failed")

    def write() -> Any:
        service.get_application(session, actor, code=code)  # in the actor's scope, or refused
        return evaluation_service.create_rating(session, actor, settings, data, now=now)

    return write_then_go(request, session, write, lambda _: f"/bundles/applications/{code}#rating")


@router.get("/bundles/mine")
def my_bundles(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    """The citizen's own bundle applications, newest first, each with its parts' progress and its errand."""
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if actor.kind != "citizen":
        return RedirectResponse("/bundles/coordination", status_code=303)
    rows = service.list_applications(session, actor, limit=100)
    views = [service.application_view(session, actor, a, now=now) for a in rows]
    return render(request, "bundles/mine.html", {"apps": views})


@router.get("/bundles/coordination")
def coordination_page(request: Request, session: DbSession, actor: CurrentActor, now: Now) -> Response:
    request.state.actor = actor
    if actor.kind == "anonymous":
        return login_redirect(request)
    if not actor.is_staff:
        zh, en = translate("bundle.page.staff_only", "zh"), translate("bundle.page.staff_only", "en")
        return message_page(request, 403, zh, en, code="bundle_read_forbidden")
    try:
        rows = service.list_applications(session, actor, limit=200)
    except HallError as exc:
        return error_page(request, exc)
    views = [service.application_view(session, actor, a, now=now) for a in rows]
    return render(request, "bundles/coordination.html", {"apps": views})
