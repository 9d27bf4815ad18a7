"""What cases give other domains through ``core.subjects`` (wired by ``cases.register``, never at import): the
served subject of a case (evaluation, performance) and the archival input of a finished case (archive)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session

from smarthall.cases.repository import CaseRepository, FileRepository
from smarthall.core.registry import registry_of
from smarthall.core.subjects import ArchivalFile, ArchivalInput, ServedSubject
from smarthall.licences import service as licence_service


class DocumentsPending(RuntimeError):
    """A finished case whose documents are still being rendered cannot be packaged yet."""


DOCUMENT_ROLES = {"licence": "result", "decision": "decision", "refusal": "decision"}  # others: "notice"


def served_subject(session: Session, case_no: str) -> ServedSubject | None:
    case = CaseRepository(session).by_number(case_no)
    if case is None:
        return None
    return ServedSubject(
        kind="case",
        ref=case.case_no,
        hall_id=case.hall_id,
        hall_code=case.hall_code,
        finished_at=case.finished_at,
        citizen_id=case.citizen_id,
        id_number_index=case.applicant_id_index,
        staff_id=case.decided_by or case.accepted_by,
        department_code=case.department_code,
        item_code=case.item_code,
        channel="online" if case.channel == "online" else "onsite",
    )


# The point where the errand contributes ``(session, case_no) -> thread | None`` for the archival package.
THREAD = "cases.archival_thread"

_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def material_name(material_code: str, content_type: str, seen: dict[str, int]) -> str:
    """A material's name in the archival package: its code and sequence (``SC-001-M02-1.pdf``), never the name the
    upload came with (a citizen's file name may hold their name or ID number)."""
    seen[material_code] = seen.get(material_code, 0) + 1
    ext = _EXTENSIONS.get(content_type, "bin")
    return f"{material_code}-{seen[material_code]}.{ext}"


def archival_input(session: Session, case_no: str) -> ArchivalInput | None:
    repo = CaseRepository(session)
    case = repo.by_number(case_no)
    if case is None or case.finished_at is None:
        return None
    files: list[ArchivalFile] = []
    uploads = FileRepository(session)
    seen: dict[str, int] = {}
    for m in case.materials:
        if m.get("file_id") and (upload := uploads.get(m["file_id"])) is not None:
            name = material_name(m["material_code"], upload.content_type, seen)
            files.append(
                ArchivalFile(
                    "material", name, Path(upload.path), upload.content_type, upload.sha256, original_name=upload.name
                )
            )
    for d in licence_service.case_documents(session, case_no):
        if d.status == "pending":  # the package waits for it: the archive's task retries
            raise DocumentsPending(f"case {case_no}: document {d.id} ({d.kind}) is still being rendered")  # no number
        files.append(
            ArchivalFile(
                DOCUMENT_ROLES.get(d.kind, "notice"),
                f"{d.kind}-{d.id}.pdf",  # not by number: a result's number is the holder's licence number
                Path(d.path),
                "application/pdf",
                d.sha256,
                signed_fields=dict(d.signed_fields),
                signature=d.signature,
            )
        )
    return ArchivalInput(
        case_no=case.case_no,
        title=f"{case.item_name}-{case.case_no}",
        item_code=case.item_code,
        item_name=case.item_name,
        item_type=case.item_type,
        hall_code=case.hall_code,
        department_code=case.department_code,
        applicant_name=case.applicant_name,
        submitted_at=case.submitted_at,
        finished_at=case.finished_at,
        final_status=case.status,
        form=json.loads(case.form_json),
        files=files,
        thread=next((t for f in registry_of(session).contributions(THREAD) if (t := f(session, case_no))), None),
        events=[
            {
                "at": e.at.isoformat(),
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor_kind if e.actor_kind != "staff" else f"staff:{e.actor_ref}",
                "note": e.note,
            }
            for e in repo.timeline(case)
        ],
    )
