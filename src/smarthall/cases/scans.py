"""Reading uploaded licences in the pre-check (证照比对, issue 18 item 4): a licence or certificate uploaded as a
JPEG or PNG, or as a PDF of scanned pages (rendered page by page), is read with OCR (``ocr.service``) and its key
fields — credit code, entity name, legal representative, validity — are compared with the form. A field that
differs, a licence whose validity has ended, and a scan where nothing could be read become findings for the clerk
(and stop an instant approval); they never refuse the submission. Without the OCR engine (the ``ocr`` extra)
nothing is compared and the case's pre-check says ``scans: unavailable``. At most ``MAX_SCANS`` files per case are
read; the text read is not stored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from smarthall.cases.precheck import IMAGE_TYPES, Finding
from smarthall.cases.repository import FileRepository
from smarthall.cases.shapes import ItemSpec
from smarthall.core import crypto
from smarthall.core.errors import HallError

MAX_SCANS = 3
PDF_TYPE = "application/pdf"
SCAN_TYPES = IMAGE_TYPES | {PDF_TYPE}  # a PDF's pages are rendered and read as images (``ocr.rendering``)
SCANNED_KINDS = frozenset({"licence", "certificate"})
# What a read field is compared with: the first of these form fields the item has.
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "credit_code": ("uscc", "credit_code", "unified_credit_code"),
    "company_name": ("entity_name", "shop_name", "company_name", "enterprise_name"),
    "legal_person": ("legal_rep_name", "operator_name", "legal_person", "legal_representative"),
}


def _same(a: Any, b: Any) -> bool:
    def norm(value: Any) -> str:
        return re.sub(r"[\s()()·]", "", str(value)).upper()

    return norm(a) == norm(b)


def compare(
    suggestions: Sequence[Any], form: Mapping[str, Any], labels: Mapping[str, str], material: Mapping[str, Any],
    today: date,
) -> list[Finding]:
    """Findings of one scan's fields against the form (pure): ``scan_unreadable`` when no key field was read."""
    code, name = material["material_code"], material["name"]
    read = {s.field: s.value for s in suggestions}
    if not read.keys() & (set(FORM_FIELDS) | {"validity"}):
        return [Finding.of("scan_unreadable", code, name=name, code=code)]
    out = []
    for field, candidates in FORM_FIELDS.items():
        target = next((c for c in candidates if c in labels), None)
        if target is None or field not in read or form.get(target) in (None, ""):
            continue
        if not _same(read[field], form[target]):
            out.append(Finding.of("scan_mismatch", code, name=name, code=code, field=labels[target], key_field=target))
    end = str(read.get("validity", "")).partition("/")[2]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", end) and date.fromisoformat(end) < today:
        out.append(Finding.of("scan_expired", code, name=name, code=code, until=end))
    return out


def findings(
    session: Session, item: ItemSpec, materials: Sequence[Mapping[str, Any]], form: Mapping[str, Any], today: date,
    *, enabled: bool,
) -> tuple[list[Finding], str]:
    """(findings, status) for the case's uploaded licence scans; status is ``read`` | ``unavailable`` | ``none``
    (no scan to read)."""
    from smarthall.ocr import service as ocr_service

    kinds = {m.code: m.kind for m in item.materials}
    labels = {f.name: f.label for f in item.form_fields}
    files = FileRepository(session)
    out: list[Finding] = []
    status, scanned = "none", 0
    for material in [m for m in materials if m.get("file_id") and kinds.get(m["material_code"]) in SCANNED_KINDS]:
        row = files.get(material["file_id"])
        if row is None or row.content_type not in SCAN_TYPES:
            continue
        if scanned == MAX_SCANS:
            break
        scanned += 1
        with crypto.open_plain(row.path) as fh:
            data = fh.read()
        reader = ocr_service.read_scan_pdf if row.content_type == PDF_TYPE else ocr_service.read_scan
        try:
            read = reader(data, enabled=enabled)
        except HallError:
            read = []
        if read is None:
            return [], "unavailable"
        status = "read"
        out += compare(read, form, labels, material, today)
    return out, status
