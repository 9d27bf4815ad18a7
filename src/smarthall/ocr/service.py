"""Reading an ID card or a licence photo into form prefill suggestions (证照识别预填).

The image is checked to be a JPEG or PNG that decodes (else 422, before any engine is asked); without the engine
the answer is 503 ``ocr_unavailable`` (the person types instead). The text read is never stored or logged: only the
suggestions go back, each named by the form field it would fill for the given item, for the person to confirm.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from smarthall.catalog import service as catalog_service
from smarthall.core.errors import Forbidden
from smarthall.core.tenancy import Actor
from smarthall.ocr import engine as engine_mod
from smarthall.ocr import rendering
from smarthall.ocr.errors import ImageTooLarge, NotAnImage, OcrUnavailable, PdfUnreadable
from smarthall.ocr.fields import Suggestion, read_fields

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")

# Which form fields a suggestion fills: by the field's prefill source, or by its type or name.
_TARGETS: dict[str, tuple[str, ...]] = {
    "name": ("profile.name",),
    "id_number": ("profile.id_number", "type:id_number"),
    "address": ("profile.address",),
    "credit_code": ("profile.credit_code", "name:credit_code", "name:unified_credit_code"),
    "company_name": ("name:company_name", "name:enterprise_name"),
    "legal_person": ("name:legal_person", "name:legal_representative"),
}


def check_image(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(detail={"max_bytes": MAX_BYTES})
    if not data.startswith(_MAGIC):
        raise NotAnImage()
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise ImageTooLarge(detail={"max_pixels": MAX_PIXELS})
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage() from exc


def _form_field(suggestion: Suggestion, fields: list[Any]) -> str | None:
    for target in _TARGETS.get(suggestion.field, ()):
        for f in fields:
            if (
                f.prefill_from == target
                or (target.startswith("type:") and f.type == target[5:])
                or (target.startswith("name:") and f.name == target[5:])
            ):
                return str(f.name)
    return None


@dataclass(frozen=True)
class Reading:
    engine: str
    millis: int
    suggestions: list[dict[str, Any]]
    lines_read: int


READERS = frozenset({"case.accept", "citizen.lookup", "device.kiosk"})  # counter staff, the kiosk


def read_document(
    session: Session, actor: Actor, *, data: bytes, item_code: str | None, enabled: bool = True
) -> Reading:
    """Suggestions from the image for the applicant themself, counter staff or a kiosk (403 for anyone else)."""
    if actor.kind != "citizen" and not (READERS & actor.permissions):
        raise Forbidden("您的角色不能使用证照识别", "Your role may not use document reading", code="forbidden_role")
    check_image(data)
    engine = engine_mod.engine(enabled=enabled)
    if engine is None:
        raise OcrUnavailable(detail={"install": "pip install 'smarthall[ocr]'"})
    fields = list(catalog_service.get_item(session, item_code).form_fields) if item_code else []
    started = time.perf_counter()
    lines = engine.read(data)
    millis = int((time.perf_counter() - started) * 1000)
    out = []
    for s in read_fields([(ln.text, ln.score) for ln in lines]):
        out.append({"field": s.field, "form_field": _form_field(s, fields) if fields else None, "value": s.value,
                    "confidence": round(s.confidence, 3)})  # fmt: skip
    return Reading(engine.name, millis, out, len(lines))


def read_scan(data: bytes, *, enabled: bool = True) -> list[Suggestion] | None:
    """For the pre-check: the key fields read from an uploaded scan, or None when the engine is unavailable
    (``NotAnImage`` / ``ImageTooLarge`` for bytes that are no usable image). Nothing is stored or logged here."""
    check_image(data)
    engine = engine_mod.engine(enabled=enabled)
    if engine is None:
        return None
    return read_fields([(ln.text, ln.score) for ln in engine.read(data)])


def read_scan_pdf(data: bytes, *, enabled: bool = True) -> list[Suggestion] | None:
    """For the pre-check: the key fields read from the pages of an uploaded PDF (a scan: each page rendered to an
    image and read, ``rendering.MAX_PAGES`` at most), or None when the engine is unavailable (nothing is rendered
    then); ``PdfUnreadable`` / ``ImageTooLarge`` for bytes that are no usable PDF. Nothing is stored or logged."""
    if len(data) > MAX_BYTES:
        raise ImageTooLarge(detail={"max_bytes": MAX_BYTES})
    engine = engine_mod.engine(enabled=enabled)
    if engine is None or not rendering.available():
        return None
    try:
        pages = rendering.page_images(data)
    except rendering.NotAPdf as exc:
        raise PdfUnreadable() from exc
    lines = [line for page in pages for line in engine.read(page)]  # page by page, each in reading order
    return read_fields([(ln.text, ln.score) for ln in lines])
