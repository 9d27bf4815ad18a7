"""The staff materials viewer of a case page: each material the case holds, with its pages (a PDF's pages as
images, an image as itself, an e-licence as its wallet entry) and the pre-check findings about it pinned to it;
findings about no particular material are kept apart. Opening a material's bytes is audited (they are personal
data) and only for a file the case holds."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from smarthall.audit import service as audit_service
from smarthall.cases import previews
from smarthall.cases.errors import MaterialNotFound
from smarthall.cases.models import Case, UploadedFile
from smarthall.cases.repository import FileRepository
from smarthall.core.tenancy import Actor

log = logging.getLogger(__name__)

IMAGE_TYPES = ("image/png", "image/jpeg")


def materials(session: Session, case: Case, item_materials: list[Any]) -> dict[str, Any]:
    """``{"materials": [...], "unpinned": [...]}`` for the viewer: each held material (name, kind, pages as URLs,
    its findings), then every catalog material the case lacks with its findings, then findings for none."""
    findings = list((case.precheck or {}).get("findings", []))
    names = {m.code: m.name for m in item_materials}
    files = FileRepository(session)
    out: list[dict[str, Any]] = []
    pinned: set[int] = set()

    def about(code: str) -> list[dict[str, Any]]:
        mine = [i for i, f in enumerate(findings) if f.get("target") == code]
        pinned.update(mine)
        return [findings[i] for i in mine]

    for m in case.materials or []:
        code = m.get("material_code", "")
        entry: dict[str, Any] = {"code": code, "name": names.get(code, m.get("name", code)), "findings": about(code)}
        file_id = m.get("file_id")
        row = files.get(file_id) if file_id else None
        if row is not None:
            entry.update(kind="image" if row.content_type in IMAGE_TYPES else "pdf", file_name=row.name)
            entry["pages"] = _pages(case, row)
        else:
            entry.update(kind="licence", pages=[], licence_id=m.get("licence_id"))
        out.append(entry)
    held = {e["code"] for e in out}
    for spec in item_materials:
        if spec.code not in held:
            mine = about(spec.code)
            if mine:
                out.append({"code": spec.code, "name": spec.name, "kind": "absent", "pages": [], "findings": mine})
    unpinned = [f for i, f in enumerate(findings) if i not in pinned]
    return {"materials": out, "unpinned": unpinned}


def _pages(case: Case, row: UploadedFile) -> list[str]:
    base = f"/cases/{case.case_no}/materials/{row.id}"
    if row.content_type in IMAGE_TYPES:
        return [f"{base}/image"]
    try:
        count = previews.page_count(Path(row.path))
    except (previews.PreviewFailed, OSError):
        log.warning("material %s of case %s cannot be opened as a PDF", row.id, case.case_no)
        return []
    return [f"{base}/pages/{n}.png" for n in range(1, count + 1)]


def case_file(session: Session, actor: Actor, case: Case, file_id: str, *, now: datetime) -> UploadedFile:
    """A file the case holds as a material (404 otherwise); staff opening it is audited."""
    if not any(m.get("file_id") == file_id for m in case.materials or []):
        raise MaterialNotFound(detail={"case_no": case.case_no})
    row = FileRepository(session).get(file_id)
    if row is None:
        raise MaterialNotFound(detail={"case_no": case.case_no})
    if actor.is_staff:
        audit_service.record(
            session, actor, "personal_data.read", target_type="case_material", target_id=f"{case.case_no}/{file_id}",
            hall_code=case.hall_code, now=now,
        )  # fmt: skip
    return row


def page_png(row: UploadedFile, page: int, data_dir: Path) -> bytes:
    """The 1-based ``page`` of a PDF material as PNG (raises ``previews.PreviewFailed``)."""
    return previews.pdf_page_png(Path(row.path), row.sha256, page - 1, data_dir / "previews")
