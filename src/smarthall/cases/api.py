"""Case API: uploads, item forms with prefill, drafts, submission, reads, actions, documents, the wallet, rule
replay and document verification. Thin: each route calls one use case of ``cases.service``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from smarthall.cases import files as files_mod
from smarthall.cases import replaying, service
from smarthall.cases.deps import CaseInScope, CaseToAct
from smarthall.cases.errors import UploadTooLarge
from smarthall.cases.schemas import ActionIn, CaseCreate, CaseCreated, DraftIn, ItemForm
from smarthall.core import crypto
from smarthall.core.deps import DbId, DbSession, LoggedIn, Now, SettingsDep, require
from smarthall.core.repository import MAX_PAGE
from smarthall.core.routing import UnitOfWorkRoute
from smarthall.core.tenancy import Actor
from smarthall.licences import service as licence_service
from smarthall.licences.deps import Desk
from smarthall.licences.service import DocumentNotFound

router = APIRouter(route_class=UnitOfWorkRoute, tags=["cases"])

MAX_VERIFY_BYTES = 50 * 1024 * 1024


@router.post("/files", status_code=201)
def upload_file(
    session: DbSession, actor: LoggedIn, settings: SettingsDep, now: Now, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """Upload a material (PDF, JPEG or PNG, size-limited); returns its id and SHA-256."""
    data = file.file.read(settings.upload_max_bytes + 1)
    if len(data) > settings.upload_max_bytes:
        raise UploadTooLarge(detail={"max_bytes": settings.upload_max_bytes})
    row = files_mod.store(
        session,
        actor,
        name=file.filename or "upload",
        data=data,
        declared_type=file.content_type,
        data_dir=settings.data_dir,
        max_bytes=settings.upload_max_bytes,
        now=now,
    )
    return {"file_id": row.id, "sha256": row.sha256, "size": row.size, "content_type": row.content_type}


@router.get("/items/{item_code}/form", response_model=ItemForm)
def item_form(item_code: str, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, Any]:
    """The item's form with values prefilled from the profile, the e-licence wallet and data sharing."""
    return service.item_form(session, actor, item_code=item_code, now=now)


@router.put("/drafts/{item_code}")
def save_draft(item_code: str, data: DraftIn, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, Any]:
    """Save the citizen's unfinished form for an item (validated only on submission)."""
    return service.save_draft(session, actor, item_code=item_code, form=data.form, hall_code=data.hall_code, now=now)


@router.get("/drafts/{item_code}")
def get_draft(item_code: str, session: DbSession, actor: LoggedIn) -> dict[str, Any]:
    """The citizen's saved draft for an item."""
    return service.get_draft(session, actor, item_code=item_code)


@router.post("/cases", status_code=201, response_model=CaseCreated)
def submit_case(data: CaseCreate, session: DbSession, actor: LoggedIn, desk: Desk, now: Now) -> dict[str, Any]:
    """Submit an application (a citizen online, or a clerk at the counter for a registered citizen): validated,
    pre-checked, numbered; instant-approval items decide at once."""
    submitted = service.submit(session, actor, data=data, desk=desk, now=now)
    case = submitted.case
    return {
        "case_no": case.case_no,
        "status": case.status,
        "precheck": case.precheck,
        "promised_due_date": case.promised_due,
        "legal_due_date": case.legal_due,
        "instant": submitted.instant,
    }


@router.get("/cases")
def list_cases(
    session: DbSession,
    actor: LoggedIn,
    now: Now,
    status: Annotated[list[str] | None, Query(max_length=20)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 200,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Cases in scope by promised due date, paged: a citizen's own, or a hall's (an approver's department's) for
    staff."""
    return service.case_rows(session, actor, status=status, limit=limit, offset=offset, now=now)


@router.get("/cases/{case_no}")
def get_case(case: CaseInScope, session: DbSession, actor: LoggedIn, now: Now) -> dict[str, Any]:
    """Status, timeline, due dates, warning level and documents of one case."""
    return service.read_case(session, actor, case=case, now=now)


@router.post("/cases/{case_no}/actions")
def case_action(
    case: CaseToAct, data: ActionIn, session: DbSession, actor: LoggedIn, desk: Desk, now: Now
) -> dict[str, Any]:
    """Take an action on a case (accept, supplement, refuse, approve, reject, suspend, resume, withdraw, deliver…)."""
    case = service.act(session, actor, case=case, data=data, desk=desk, now=now)
    return service.read_case(session, actor, case=case, now=now, with_form=False)


@router.get("/documents/{document_id}")
def download_document(document_id: DbId, session: DbSession, actor: LoggedIn) -> Response:
    """A document's PDF, to its holder and to staff in scope (decrypted from its sealed file)."""
    document = service.document_for(session, actor, document_id=document_id)
    try:
        data = crypto.read_plain(Path(document.path))
    except (OSError, crypto.EnvelopeError) as exc:
        raise DocumentNotFound(detail={"document_id": document_id}) from exc
    disposition = f'attachment; filename="{document.doc_no}.pdf"'
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": disposition})


@router.get("/me/licences")
def my_licences(session: DbSession, actor: Annotated[Actor, Depends(require("case.submit"))]) -> list[dict[str, Any]]:
    """The citizen's e-licence wallet."""
    assert actor.id is not None
    return [licence_service.licence_read(lic) for lic in licence_service.wallet(session, actor.id)]


@router.post("/items/{item_code}/rules/replay")
def replay_rules(
    item_code: str, session: DbSession, actor: Annotated[Actor, Depends(require("case.replay"))], now: Now
) -> list[dict[str, Any]]:
    """Replay the item's current instant-approval rules against past cases' stored evidence (no changes)."""
    return replaying.replay(session, actor, item_code=item_code, now=now)


async def _body(request: Request) -> bytes:
    """The request body (read on the event loop, before the endpoint's thread), cut at ``MAX_VERIFY_BYTES``."""
    return (await request.body())[:MAX_VERIFY_BYTES]


@router.post("/verify/{token}")
def verify_upload(token: str, session: DbSession, desk: Desk, body: Annotated[bytes, Depends(_body)]) -> JSONResponse:
    """Check a PDF (request body) against the document the token names: valid only if signed and unaltered."""
    result = licence_service.verify(session, desk.signer, token, body or None)
    return JSONResponse({"valid": result.valid, "reason": result.reason})
